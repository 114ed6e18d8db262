//! Which pools a caller may ask the OpenID Connect endpoints of (ListUserPoolWellKnownEndpoints).

use crate::error::{DomainError, DomainResult};
use crate::fields::Field;
use crate::ids::UserPoolUid;
use crate::model::account::Caller;
use crate::model::pool::UserPool;
use crate::query::{MAX_PAGE_SIZE, Paging, PoolFilter, PoolQuery, PoolSortField, SortDirection};
use crate::service::Directory;

impl Directory {
    /// The pools named by `uids`, in that order without repeats (`NotFound` for a pool that is
    /// not the caller's); with no uids, every pool the caller may act on, oldest first.
    pub async fn pools_for_endpoints(
        &self,
        caller: &Caller,
        uids: &[UserPoolUid],
    ) -> DomainResult<Vec<UserPool>> {
        if uids.len() > MAX_PAGE_SIZE as usize {
            return Err(DomainError::invalid(
                Field::PoolIds,
                format!("at most {MAX_PAGE_SIZE} pools per request"),
            ));
        }
        if !uids.is_empty() {
            let mut pools: Vec<UserPool> = Vec::with_capacity(uids.len());
            for uid in uids {
                let pool = self.pool_access(caller, uid).await?.pool;
                if !pools.iter().any(|p| p.uid == pool.uid) {
                    pools.push(pool);
                }
            }
            return Ok(pools);
        }
        let mut pools = Vec::new();
        let mut filter = PoolFilter::default();
        if let Some(bound) = caller.bound_pool() {
            filter.uid = Some(bound.as_str().to_owned());
        }
        loop {
            let query = PoolQuery {
                filter: filter.clone(),
                sort: (PoolSortField::CreateTime, SortDirection::Asc),
                paging: Paging::Offset {
                    offset: pools.len() as u64,
                    limit: MAX_PAGE_SIZE,
                },
            };
            let page = self.store.list_pools(caller.account_id(), &query).await?;
            let got = page.items.len();
            pools.extend(page.items.into_iter().map(|v| v.pool));
            if got < MAX_PAGE_SIZE as usize {
                return Ok(pools);
            }
        }
    }
}
