//! Who belongs where, in batches: the groups and the departments of several users, several
//! departments by uid, a department's path from the root (each one store read for the whole
//! batch, plus one to tell unknown users apart, never one per item), and moving users from one
//! department to another or into one group (one store write).

use crate::fields::Field;
use std::collections::HashSet;

use crate::error::{DomainError, DomainResult, Kind};
use crate::ids::distinct;
use crate::ids::{DepartmentUid, GroupUid, UserUid};
use crate::model::department::{
    DepartmentMember, DepartmentRef, DepartmentView, MemberFilter, MemberPatch, Membership,
};
use crate::model::group::Group;
use crate::model::user::{NewUser, Placement, User};
use crate::query::{Page, Paging};
use crate::service::{Directory, PoolAccess};

/// Each of `users` with the items that belong to it, in the order the users were named.
fn by_user<T>(users: &[UserUid], pairs: Vec<(UserUid, T)>) -> Vec<(UserUid, Vec<T>)> {
    let mut out: Vec<(UserUid, Vec<T>)> = users.iter().map(|u| (u.clone(), Vec::new())).collect();
    for (user, item) in pairs {
        if let Some((_, items)) = out.iter_mut().find(|(u, _)| *u == user) {
            items.push(item);
        }
    }
    out
}

impl Directory {
    /// Those of `users` that are in the pool, read in one statement.
    async fn in_pool(
        &self,
        access: &PoolAccess,
        users: &[UserUid],
    ) -> DomainResult<HashSet<UserUid>> {
        Ok(self
            .store
            .existing_users(&access.scope, users)
            .await?
            .into_iter()
            .collect())
    }

    /// The users without repeats, all in the pool: `NotFound` names the first one that is not.
    async fn known_users(
        &self,
        access: &PoolAccess,
        users: &[UserUid],
    ) -> DomainResult<Vec<UserUid>> {
        let users = distinct(Field::UserIds, users)?;
        let found = self.in_pool(access, &users).await?;
        match users.iter().find(|u| !found.contains(*u)) {
            Some(missing) => Err(DomainError::not_found(Kind::User, missing.as_str())),
            None => Ok(users),
        }
    }

    /// Adds those of `users` that are in the pool to `group` (users already in it stay as they
    /// are) in one write, and answers the others, which are left out: EIAM's
    /// AddUserToUserGroup reports them as failed items.
    pub async fn add_known_users_to_group(
        &self,
        access: &PoolAccess,
        group: &GroupUid,
        users: &[UserUid],
    ) -> DomainResult<Vec<UserUid>> {
        let group = self.get_group(access, group).await?;
        if users.is_empty() {
            return Ok(Vec::new());
        }
        let users = distinct(Field::UserIds, users)?;
        let found = self.in_pool(access, &users).await?;
        let (known, unknown): (Vec<UserUid>, Vec<UserUid>) =
            users.into_iter().partition(|u| found.contains(u));
        if !known.is_empty() {
            self.store
                .add_group_members(&access.scope, &group.uid, &known, self.now())
                .await?;
        }
        Ok(unknown)
    }

    /// The groups of each user (at most 100 users).
    pub async fn groups_for_users(
        &self,
        access: &PoolAccess,
        users: &[UserUid],
    ) -> DomainResult<Vec<(UserUid, Vec<Group>)>> {
        let users = self.known_users(access, users).await?;
        let pairs = self.store.groups_of_users(&access.scope, &users).await?;
        Ok(by_user(&users, pairs))
    }

    /// The departments of each user (at most 100 users), each user's primary one first.
    pub async fn departments_for_users(
        &self,
        access: &PoolAccess,
        users: &[UserUid],
    ) -> DomainResult<Vec<(UserUid, Vec<Membership>)>> {
        let users = self.known_users(access, users).await?;
        let pairs = self
            .store
            .departments_of_users(&access.scope, &users)
            .await?;
        Ok(by_user(&users, pairs))
    }

    /// Those of the departments named (at most 100) that are in the pool; unknown uids are
    /// left out, as a map has no entry for them.
    pub async fn departments_by_uid(
        &self,
        access: &PoolAccess,
        uids: &[DepartmentUid],
    ) -> DomainResult<Vec<DepartmentView>> {
        if uids.is_empty() {
            return Ok(Vec::new());
        }
        let uids = distinct(Field::DepartmentIds, uids)?;
        self.store.departments_by_uid(&access.scope, &uids).await
    }

    /// The departments from the pool's root down to `uid` (or the alias `root`), inclusive.
    pub async fn department_path(
        &self,
        access: &PoolAccess,
        uid: &DepartmentRef,
    ) -> DomainResult<Vec<DepartmentView>> {
        let department = self.get_department(access, uid).await?;
        let chain: Vec<DepartmentUid> = department
            .department
            .path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| DepartmentUid::from_stored(s.to_owned()))
            .collect();
        let mut path = self.store.departments_by_uid(&access.scope, &chain).await?;
        path.sort_by_key(|d| d.department.path.len());
        // A department moved meanwhile may have left the chain: what is read is what is shown.
        path.retain(|d| {
            department
                .department
                .path
                .starts_with(d.department.path.as_str())
        });
        Ok(path)
    }

    /// Moves users (1 to 100) from department `origin` to department `new` in one write; each
    /// keeps when it joined, so a primary membership stays primary.
    pub async fn change_users_department(
        &self,
        access: &PoolAccess,
        origin: &DepartmentRef,
        new: &DepartmentRef,
        users: &[UserUid],
    ) -> DomainResult<()> {
        let users = distinct(Field::UserIds, users)?;
        let origin = self.get_department(access, origin).await?.department.uid;
        let new = self.get_department(access, new).await?.department.uid;
        self.store
            .move_department_members(&access.scope, &origin, &new, &users)
            .await
    }

    /// Makes `group` the only group of each user (1 to 100): each leaves its other groups and
    /// joins this one, in one write.
    pub async fn change_users_group(
        &self,
        access: &PoolAccess,
        group: &GroupUid,
        users: &[UserUid],
    ) -> DomainResult<()> {
        let users = distinct(Field::UserIds, users)?;
        self.store
            .set_only_group(&access.scope, group, &users, self.now())
            .await
    }

    /// One page of a department's members (by when they joined) with their roles and whether
    /// it is their primary department.
    pub async fn list_department_members(
        &self,
        access: &PoolAccess,
        department: &DepartmentRef,
        mut filter: MemberFilter,
        paging: &Paging,
    ) -> DomainResult<Page<DepartmentMember>> {
        let Paging::Page { number, size } = *paging else {
            return Err(DomainError::invalid(
                Field::PageNumber,
                "this list is paged by number only",
            ));
        };
        filter.role = filter.role.filter(|r| !r.is_empty());
        if let Some(role) = &filter.role {
            validate_role(role)?;
        }
        let department = self
            .get_department(access, department)
            .await?
            .department
            .uid;
        self.store
            .department_members(&access.scope, &department, &filter, number, size)
            .await
    }

    /// Changes a user's role in a department, or makes it (or stops it being) the user's
    /// primary one, in one write.
    pub async fn update_department_member(
        &self,
        access: &PoolAccess,
        department: &DepartmentRef,
        user: &UserUid,
        patch: MemberPatch,
    ) -> DomainResult<()> {
        if let Some(role) = &patch.role {
            validate_role(role)?;
        }
        let department = self
            .get_department(access, department)
            .await?
            .department
            .uid;
        self.store
            .update_department_member(&access.scope, &department, user, &patch)
            .await
    }

    /// Appends the department named to `placed`, refusing one already there.
    pub(crate) async fn place_once(
        &self,
        access: &PoolAccess,
        placed: &mut Vec<DepartmentUid>,
        name: &DepartmentRef,
    ) -> DomainResult<()> {
        let uid = self.get_department(access, name).await?.department.uid;
        if placed.contains(&uid) {
            return Err(DomainError::invalid(
                Field::SecondaryDepartments,
                "a department appears twice, or is also the primary one",
            ));
        }
        placed.push(uid);
        Ok(())
    }

    /// Creates a user in its departments (the first, or the root when none is named, is its
    /// primary one; no department twice) and groups, in one write: when a department or group
    /// is gone by then, nothing is written and the same request may be sent again.
    pub async fn create_placed_user(
        &self,
        access: &PoolAccess,
        new: NewUser,
        departments: &[DepartmentRef],
        groups: &[GroupUid],
    ) -> DomainResult<User> {
        let mut placed: Vec<DepartmentUid> = Vec::with_capacity(departments.len().max(1));
        for d in departments {
            self.place_once(access, &mut placed, d).await?;
        }
        if placed.is_empty() {
            placed.push(
                self.get_department(access, &DepartmentRef::Root)
                    .await?
                    .department
                    .uid,
            );
        }
        let placement = Placement {
            departments: placed,
            groups: groups.to_vec(),
        };
        let user = self.build_user(access, new).await?;
        self.store
            .insert_placed_user(&access.scope, &user, &placement)
            .await?;
        Ok(user)
    }
}

/// The most characters of a member's role.
pub const MAX_ROLE: usize = 64;

/// A role is 1 to 64 characters with no control characters.
fn validate_role(role: &str) -> DomainResult<()> {
    let n = role.chars().count();
    if n == 0 || n > MAX_ROLE || role.chars().any(char::is_control) {
        return Err(DomainError::invalid(
            Field::MemberRole,
            format!("a role is 1 to {MAX_ROLE} characters, none of them control characters"),
        ));
    }
    Ok(())
}
