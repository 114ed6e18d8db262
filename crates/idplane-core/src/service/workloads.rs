//! Workload pool use cases: each account's issuers of agent tokens, the pool `default` made on
//! first use.

use std::sync::Arc;

use crate::clock::{Clock, Timestamp};
use crate::error::{AccessError, DomainError, DomainResult, Kind, WorkloadPoolError};
use crate::fields::Field;
use crate::ids::WorkloadPoolId;
use crate::model::account::Caller;
use crate::model::pool::Tag;
use crate::model::workload::{DEFAULT_WORKLOAD_POOL, WorkloadPool};
use crate::query::{Page, TextMatch, WorkloadPoolQuery};
use crate::service::validate;
use crate::store::Store;

/// The most tags a workload pool carries, and tag filters a list takes.
pub const MAX_TAGS: usize = 50;

/// A workload pool to create.
#[derive(Debug, Clone, Default)]
pub struct NewWorkloadPool {
    pub name: String,
    pub description: String,
    pub project_name: String,
    pub tags: Vec<Tag>,
}

/// How a request names a workload pool: by id, by name, or both (which must agree).
#[derive(Debug, Clone, Default)]
pub struct WorkloadPoolRef {
    pub id: Option<WorkloadPoolId>,
    pub name: Option<String>,
}

/// A change to a workload pool; `None` leaves a value as it is.
#[derive(Debug, Clone, Default)]
pub struct WorkloadPoolChange {
    pub description: Option<String>,
}

/// A workload pool name: 1 to 128 characters of `A-Z a-z 0-9 _ . -`.
pub fn check_pool_name(name: &str) -> DomainResult<()> {
    if name.is_empty() {
        return Err(DomainError::missing(Field::WorkloadPoolName));
    }
    if name.len() > 128
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    {
        return Err(DomainError::invalid(
            Field::WorkloadPoolName,
            "must be 1 to 128 characters of A-Z, a-z, 0-9, '_', '.' and '-'",
        ));
    }
    Ok(())
}

fn check_tags(tags: &[Tag]) -> DomainResult<()> {
    if tags.len() > MAX_TAGS {
        return Err(DomainError::invalid(
            Field::TagKey,
            format!("at most {MAX_TAGS} tags"),
        ));
    }
    for (i, tag) in tags.iter().enumerate() {
        validate::length(Field::TagKey, &tag.key, 1, 128)?;
        validate::length(Field::TagValue, &tag.value, 0, 256)?;
        if tags[..i].iter().any(|t| t.key == tag.key) {
            return Err(DomainError::invalid(
                Field::TagKey,
                format!("{:?} is given twice", tag.key),
            ));
        }
    }
    Ok(())
}

/// Workload pool use cases over one store.
#[derive(Clone)]
pub struct WorkloadService {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

impl WorkloadService {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    pub(crate) fn now(&self) -> Timestamp {
        self.clock.now()
    }

    pub(crate) fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// Workload pools belong to the whole account: a key bound to one user pool may not
    /// manage them.
    fn account_wide(caller: &Caller) -> DomainResult<()> {
        match caller.bound_pool() {
            Some(_) => Err(AccessError::BoundKeyManagesWorkloads.into()),
            None => Ok(()),
        }
    }

    pub async fn create_pool(
        &self,
        caller: &Caller,
        new: NewWorkloadPool,
    ) -> DomainResult<WorkloadPool> {
        Self::account_wide(caller)?;
        check_pool_name(&new.name)?;
        validate::length(
            Field::WorkloadPoolDescription,
            &new.description,
            0,
            validate::MAX_DESCRIPTION,
        )?;
        validate::length(Field::ProjectName, &new.project_name, 0, 255)?;
        check_tags(&new.tags)?;
        let now = self.now();
        let pool = WorkloadPool {
            id: WorkloadPoolId::generate(),
            account_id: caller.account_id().clone(),
            name: new.name,
            description: new.description,
            project_name: if new.project_name.is_empty() {
                "default".to_owned()
            } else {
                new.project_name
            },
            tags: new.tags,
            allow_auto_create_identity: false,
            total_identities: 0,
            created_at: now,
            updated_at: now,
        };
        self.store.insert_workload_pool(&pool).await?;
        Ok(pool)
    }

    /// The pool `named`; the pool `default` when the request names none or names it (made if
    /// missing).
    pub async fn pool(
        &self,
        caller: &Caller,
        named: &WorkloadPoolRef,
    ) -> DomainResult<WorkloadPool> {
        Self::account_wide(caller)?;
        let account = caller.account_id();
        let found = match (&named.id, &named.name) {
            (Some(id), name) => self
                .store
                .workload_pool(account, id)
                .await?
                .filter(|p| name.as_ref().is_none_or(|n| *n == p.name)),
            // `default` exists whenever it is asked for, by name or by naming no pool.
            (None, Some(name)) if name == DEFAULT_WORKLOAD_POOL => {
                return self.default_pool(caller).await;
            }
            (None, Some(name)) => {
                check_pool_name(name)?;
                self.store.workload_pool_by_name(account, name).await?
            }
            (None, None) => return self.default_pool(caller).await,
        };
        found.ok_or_else(|| {
            let shown = named.id.as_ref().map_or_else(
                || named.name.clone().unwrap_or_default(),
                |id| id.to_string(),
            );
            DomainError::not_found(Kind::WorkloadPool, shown)
        })
    }

    /// The account's pool `default`, made on first use (racing requests make it once).
    pub async fn default_pool(&self, caller: &Caller) -> DomainResult<WorkloadPool> {
        Self::account_wide(caller)?;
        for _ in 0..3 {
            if let Some(pool) = self
                .store
                .workload_pool_by_name(caller.account_id(), DEFAULT_WORKLOAD_POOL)
                .await?
            {
                return Ok(pool);
            }
            let new = NewWorkloadPool {
                name: DEFAULT_WORKLOAD_POOL.to_owned(),
                ..NewWorkloadPool::default()
            };
            match self.create_pool(caller, new).await {
                Ok(pool) => return Ok(pool),
                Err(DomainError::WorkloadPool(WorkloadPoolError::NameTaken)) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(DomainError::internal(
            "the default workload pool could not be made",
        ))
    }

    pub async fn list_pools(
        &self,
        caller: &Caller,
        query: WorkloadPoolQuery,
    ) -> DomainResult<Page<WorkloadPool>> {
        Self::account_wide(caller)?;
        if let Some(TextMatch::Exact(n) | TextMatch::Prefix(n) | TextMatch::Contains(n)) =
            &query.filter.name
        {
            validate::length(Field::WorkloadPoolName, n, 0, 128)?;
        }
        if query.filter.tags.len() > MAX_TAGS {
            return Err(DomainError::invalid(
                Field::TagFilters,
                format!("at most {MAX_TAGS} tag filters"),
            ));
        }
        for f in &query.filter.tags {
            validate::length(Field::TagFilters, &f.key, 1, 128)?;
            if f.values.len() > MAX_TAGS {
                return Err(DomainError::invalid(
                    Field::TagFilters,
                    format!("at most {MAX_TAGS} values per tag"),
                ));
            }
            for v in &f.values {
                validate::length(Field::TagFilters, v, 0, 256)?;
            }
        }
        self.store
            .list_workload_pools(caller.account_id(), &query)
            .await
    }

    /// Applies `change` to the pool named `name` and stores it.
    pub async fn update_pool(
        &self,
        caller: &Caller,
        name: &str,
        change: WorkloadPoolChange,
    ) -> DomainResult<WorkloadPool> {
        let named = WorkloadPoolRef {
            id: None,
            name: Some(name.to_owned()),
        };
        let mut pool = self.pool(caller, &named).await?;
        if let Some(d) = change.description {
            validate::length(
                Field::WorkloadPoolDescription,
                &d,
                0,
                validate::MAX_DESCRIPTION,
            )?;
            pool.description = d;
        }
        pool.updated_at = self.now();
        self.store.update_workload_pool(&pool).await?;
        Ok(pool)
    }

    pub async fn delete_pool(&self, caller: &Caller, name: &str) -> DomainResult<()> {
        Self::account_wide(caller)?;
        check_pool_name(name)?;
        let pool = self
            .store
            .workload_pool_by_name(caller.account_id(), name)
            .await?
            .ok_or_else(|| DomainError::not_found(Kind::WorkloadPool, name))?;
        if self
            .store
            .delete_workload_pool(caller.account_id(), &pool.id)
            .await?
        {
            Ok(())
        } else {
            Err(DomainError::not_found(Kind::WorkloadPool, name))
        }
    }
}
