//! Group use cases: CRUD and membership.

use crate::error::{DomainError, DomainResult, Kind};
use crate::fields::Field;
use crate::ids::check_batch;
use crate::ids::{GroupUid, UserUid};
use crate::model::group::{Group, GroupPatch, NewGroup};
use crate::query::{GroupQuery, Page, UserCondition, UserQuery};
use crate::service::users::UserRows;
use crate::service::validate;
use crate::service::{Directory, PoolAccess};

fn validate_group(g: &Group) -> DomainResult<()> {
    validate::length(Field::GroupName, &g.name, 1, 128)?;
    validate::length(
        Field::GroupDescription,
        &g.description,
        0,
        validate::MAX_DESCRIPTION,
    )?;
    validate::length(
        Field::IamRole,
        &g.iam_role_trn,
        0,
        validate::MAX_DESCRIPTION,
    )?;
    validate::precedence(g.precedence)
}

impl Directory {
    pub async fn create_group(&self, access: &PoolAccess, new: NewGroup) -> DomainResult<Group> {
        let now = self.now();
        let group = Group {
            uid: GroupUid::generate(),
            pool_uid: access.pool.uid.clone(),
            name: new.name,
            description: new.description,
            precedence: new.precedence,
            iam_role_trn: new.iam_role_trn,
            source: "idplane".to_owned(),
            member_count: 0,
            created_at: now,
            updated_at: now,
        };
        validate_group(&group)?;
        self.store.insert_group(&access.scope, &group).await?;
        Ok(group)
    }

    pub async fn get_group(&self, access: &PoolAccess, uid: &GroupUid) -> DomainResult<Group> {
        self.store
            .get_group(&access.scope, uid)
            .await?
            .ok_or_else(|| DomainError::not_found(Kind::Group, uid.as_str()))
    }

    pub async fn update_group(
        &self,
        access: &PoolAccess,
        uid: &GroupUid,
        patch: GroupPatch,
    ) -> DomainResult<Group> {
        let mut group = self.get_group(access, uid).await?;
        if let Some(d) = patch.description {
            group.description = d;
        }
        if let Some(p) = patch.precedence {
            group.precedence = p;
        }
        if let Some(r) = patch.iam_role_trn {
            group.iam_role_trn = r;
        }
        validate_group(&group)?;
        group.updated_at = self.now();
        self.store.update_group(&access.scope, &group).await?;
        Ok(group)
    }

    /// Deletes the group and its memberships; its users stay.
    pub async fn delete_group(&self, access: &PoolAccess, uid: &GroupUid) -> DomainResult<()> {
        if self.store.delete_group(&access.scope, uid).await? {
            Ok(())
        } else {
            Err(DomainError::not_found(Kind::Group, uid.as_str()))
        }
    }

    pub async fn list_groups(
        &self,
        access: &PoolAccess,
        query: &GroupQuery,
    ) -> DomainResult<Page<Group>> {
        self.store.query_groups(&access.scope, query).await
    }

    /// Adds users to a group; users already in it are left as they are.
    pub async fn add_users_to_group(
        &self,
        access: &PoolAccess,
        group: &GroupUid,
        users: &[UserUid],
    ) -> DomainResult<()> {
        let group = self.get_group(access, group).await?;
        check_batch(Field::UserIds, users.len())?;
        self.store
            .add_group_members(&access.scope, &group.uid, users, self.now())
            .await
    }

    pub async fn remove_users_from_group(
        &self,
        access: &PoolAccess,
        group: &GroupUid,
        users: &[UserUid],
    ) -> DomainResult<()> {
        let group = self.get_group(access, group).await?;
        check_batch(Field::UserIds, users.len())?;
        self.store
            .remove_group_members(&access.scope, &group.uid, users)
            .await
    }

    /// The members of a group matching `query` (whose conditions gain the membership).
    pub async fn list_users_in_group<T: UserRows>(
        &self,
        access: &PoolAccess,
        group: &GroupUid,
        mut query: UserQuery,
    ) -> DomainResult<Page<T>> {
        // The search is scoped to the pool, so another pool's group finds no one. Whether the
        // group exists is asked only when nobody is found, so a page that finds members costs
        // no read of the group.
        query.conditions.push(UserCondition::InGroup(group.clone()));
        self.resolve_attribute_terms(access, &mut query).await?;
        let page = T::search(self.store.as_ref(), &access.scope, &query).await?;
        if page.total == 0 && self.store.get_group(&access.scope, group).await?.is_none() {
            return Err(DomainError::not_found(Kind::Group, group.as_str()));
        }
        Ok(page)
    }

    /// The groups a user belongs to.
    pub async fn list_groups_for_user(
        &self,
        access: &PoolAccess,
        user: &UserUid,
        mut query: GroupQuery,
    ) -> DomainResult<Page<Group>> {
        let user = self.get_user(access, user).await?;
        query.filter.member = Some(user.uid);
        self.store.query_groups(&access.scope, &query).await
    }
}
