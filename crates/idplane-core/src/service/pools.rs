//! User pool use cases, and the check that turns a caller and a pool uid into a [`PoolScope`].

use crate::error::{AccessError, DomainError, DomainResult, Kind, PoolError};
use crate::fields::Field;
use crate::ids::{DepartmentUid, UserPoolUid};
use crate::model::account::Caller;
use crate::model::custom_attribute::CustomAttribute;
use crate::model::department::Department;
use crate::model::pool::{PoolSettings, PoolView, SIGN_IN_ATTRIBUTES, UserPool};
use crate::query::{Page, PoolQuery, TextMatch};
use crate::service::Directory;
use crate::service::validate;
use crate::store::PoolScope;

/// The name of the pool that requests naming no pool act on.
pub const DEFAULT_POOL: &str = "default";

/// A pool the caller may act on. Only the checks below make one: [`Directory::pool_access`] and
/// [`Directory::default_pool`] for a signed caller, [`Directory::public_pool`] for the data
/// plane's public endpoints.
#[derive(Debug, Clone)]
pub struct PoolAccess {
    pub(crate) scope: PoolScope,
    pub(crate) pool: UserPool,
}

impl PoolAccess {
    pub(crate) fn checked(pool: UserPool) -> Self {
        Self {
            scope: PoolScope::of(&pool),
            pool,
        }
    }

    /// A pool that a test or a seeding tool wrote to a store itself, bypassing the checks. The
    /// server never enables this feature.
    #[cfg(feature = "test-support")]
    pub fn trusted(pool: UserPool) -> Self {
        Self::checked(pool)
    }

    pub fn scope(&self) -> &PoolScope {
        &self.scope
    }

    pub fn pool(&self) -> &UserPool {
        &self.pool
    }
}

/// A checked pool reads as the pool it checked.
impl std::ops::Deref for PoolAccess {
    type Target = UserPool;

    fn deref(&self) -> &UserPool {
        &self.pool
    }
}

/// A pool as GetUserPool and UpdateUserPool answer it.
#[derive(Debug, Clone)]
pub struct PoolDetails {
    pub view: PoolView,
    pub attributes: Vec<CustomAttribute>,
}

/// Refuses a pool other than the one the caller's key is bound to.
fn within_binding(caller: &Caller, uid: &UserPoolUid) -> DomainResult<()> {
    match caller.bound_pool() {
        Some(bound) if bound != uid => Err(AccessError::OtherPool.into()),
        _ => Ok(()),
    }
}

/// A pool to create.
#[derive(Debug, Clone, Default)]
pub struct NewPool {
    pub name: String,
    pub description: String,
    pub project_name: String,
    pub settings: PoolSettings,
}

fn validate_pool(name: &str, description: &str, settings: &PoolSettings) -> DomainResult<()> {
    validate::length(Field::PoolName, name, 1, 128)?;
    validate::length(
        Field::PoolDescription,
        description,
        0,
        validate::MAX_DESCRIPTION,
    )?;
    for (field, attrs) in [
        (Field::SignInAttributes, &settings.sign_in_attributes),
        (
            Field::SignUpAttributes,
            &settings.required_sign_up_attributes,
        ),
    ] {
        if let Some(bad) = attrs
            .iter()
            .find(|a| !SIGN_IN_ATTRIBUTES.contains(&a.as_str()))
        {
            return Err(DomainError::invalid(
                field,
                format!("{bad:?} is not one of {}", SIGN_IN_ATTRIBUTES.join(", ")),
            ));
        }
    }
    for tag in &settings.tags {
        validate::length(Field::TagKey, &tag.key, 1, 128)?;
        validate::length(Field::TagValue, &tag.value, 0, 256)?;
    }
    Ok(())
}

impl Directory {
    /// Resolves a pool the caller may act on: `NotFound` when it is not in the caller's account,
    /// `AccessDenied` when the caller's key is bound to another pool.
    pub async fn pool_access(
        &self,
        caller: &Caller,
        uid: &UserPoolUid,
    ) -> DomainResult<PoolAccess> {
        let pool = self
            .store
            .find_pool(caller.account_id(), uid)
            .await?
            .ok_or_else(|| DomainError::not_found(Kind::UserPool, uid.as_str()))?;
        within_binding(caller, uid)?;
        Ok(PoolAccess::checked(pool))
    }

    /// A pool reached through its public issuer URL, where anyone may ask: enabled pools only,
    /// and `None` for unknown and disabled pools alike, so the two look the same from outside.
    pub async fn public_pool(&self, uid: &UserPoolUid) -> DomainResult<Option<PoolAccess>> {
        Ok(self
            .store
            .pool_by_uid(uid)
            .await?
            .filter(|p| p.enabled)
            .map(PoolAccess::checked))
    }

    /// The pool a request without a pool uid acts on: the key's bound pool, else the account's
    /// pool named `default`, made on first use.
    pub async fn default_pool(&self, caller: &Caller) -> DomainResult<PoolAccess> {
        if let Some(bound) = caller.bound_pool() {
            return self.pool_access(caller, bound).await;
        }
        for _ in 0..3 {
            if let Some(pool) = self
                .store
                .find_pool_by_name(caller.account_id(), DEFAULT_POOL)
                .await?
            {
                return Ok(PoolAccess::checked(pool));
            }
            let new = NewPool {
                name: DEFAULT_POOL.to_owned(),
                ..NewPool::default()
            };
            match self.create_pool(caller, new).await {
                Ok(view) => {
                    return Ok(PoolAccess::checked(view.pool));
                }
                // Another request made it first: read it again.
                Err(DomainError::Pool(PoolError::NameTaken)) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(DomainError::internal(
            "the default user pool could not be made",
        ))
    }

    pub async fn create_pool(&self, caller: &Caller, new: NewPool) -> DomainResult<PoolView> {
        if caller.bound_pool().is_some() {
            return Err(AccessError::BoundKeyCreatesPool.into());
        }
        validate_pool(&new.name, &new.description, &new.settings)?;
        validate::length(Field::ProjectName, &new.project_name, 0, 255)?;
        let now = self.now();
        let pool = UserPool {
            uid: UserPoolUid::generate(),
            account_id: caller.account_id().clone(),
            name: new.name,
            description: new.description,
            project_name: if new.project_name.is_empty() {
                "default".to_owned()
            } else {
                new.project_name
            },
            enabled: true,
            settings: new.settings,
            created_at: now,
            updated_at: now,
        };
        let root_uid = DepartmentUid::generate();
        let root = Department {
            path: format!("/{root_uid}/"),
            uid: root_uid,
            pool_uid: pool.uid.clone(),
            parent_uid: None,
            name: pool.name.clone(),
            description: String::new(),
            external_id: String::new(),
            source: String::new(),
            precedence: 0,
            iam_role_trn: String::new(),
            name_path: pool.name.clone(),
            created_at: now,
            updated_at: now,
        };
        self.store.insert_pool(&pool, &root).await?;
        Ok(PoolView {
            pool,
            total_users: 0,
            total_clients: 0,
            total_connections: 0,
        })
    }

    /// A pool with its counters and custom attribute declarations (GetUserPool), the pool
    /// read once.
    pub async fn get_pool(&self, caller: &Caller, uid: &UserPoolUid) -> DomainResult<PoolDetails> {
        let view = self
            .store
            .get_pool(caller.account_id(), uid)
            .await?
            .ok_or_else(|| DomainError::not_found(Kind::UserPool, uid.as_str()))?;
        within_binding(caller, uid)?;
        let attributes = self
            .attributes(&PoolAccess::checked(view.pool.clone()))
            .await?;
        Ok(PoolDetails { view, attributes })
    }

    pub async fn list_pools(
        &self,
        caller: &Caller,
        mut query: PoolQuery,
    ) -> DomainResult<Page<PoolView>> {
        if let Some(bound) = caller.bound_pool() {
            query.filter.uid = Some(bound.as_str().to_owned());
        }
        if let Some(TextMatch::Exact(n) | TextMatch::Prefix(n) | TextMatch::Contains(n)) =
            &query.filter.name
        {
            validate::length(Field::NameFilter, n, 0, 128)?;
        }
        self.store.list_pools(caller.account_id(), &query).await
    }

    /// Applies `change` to the pool and stores it if the result is valid.
    pub async fn update_pool(
        &self,
        caller: &Caller,
        uid: &UserPoolUid,
        change: impl FnOnce(&mut UserPool),
    ) -> DomainResult<PoolDetails> {
        let mut pool = self.pool_access(caller, uid).await?.pool;
        change(&mut pool);
        validate_pool(&pool.name, &pool.description, &pool.settings)?;
        pool.updated_at = self.now();
        self.store.update_pool(&pool).await?;
        self.changes.changed().await;
        self.get_pool(caller, uid).await
    }

    pub async fn delete_pool(&self, caller: &Caller, uid: &UserPoolUid) -> DomainResult<()> {
        let access = self.pool_access(caller, uid).await?;
        if self
            .store
            .delete_pool(access.scope.account_id(), access.scope.pool_uid())
            .await?
        {
            self.changes.changed().await;
            Ok(())
        } else {
            Err(DomainError::not_found(Kind::UserPool, uid.as_str()))
        }
    }
}
