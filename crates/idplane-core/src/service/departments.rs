//! Department use cases: the tree, moves, and membership.

use crate::error::{DepartmentError, DomainError, DomainResult, Kind};
use crate::fields::Field;
use crate::ids::check_batch;
use crate::ids::{DepartmentUid, UserUid};
pub use crate::model::department::DeleteOptions;
use crate::model::department::{
    Department, DepartmentNode, DepartmentPatch, DepartmentRef, DepartmentView, Membership,
    NewDepartment,
};
use crate::query::{DepartmentQuery, Page, TextMatch, UserCondition, UserQuery};
use crate::service::users::UserRows;
use crate::service::validate;
use crate::service::{Directory, PoolAccess};

/// Which nodes GetDepartmentTree keeps.
#[derive(Debug, Clone, Default)]
pub struct TreeFilter {
    pub uid: Option<String>,
    pub name: Option<TextMatch>,
    pub description: Option<String>,
    pub external_id: Option<String>,
    pub source: Option<String>,
    /// false: only the matching nodes, each as a root; true: matching nodes with their ancestors.
    pub keep_ancestors: bool,
}

impl TreeFilter {
    fn is_empty(&self) -> bool {
        self.uid.is_none()
            && self.name.is_none()
            && self.description.is_none()
            && self.external_id.is_none()
            && self.source.is_none()
    }

    fn matches(&self, d: &Department) -> bool {
        let name_ok = match &self.name {
            None => true,
            Some(TextMatch::Exact(n)) => d.name == *n,
            Some(TextMatch::Prefix(n)) => d.name.starts_with(n.as_str()),
            Some(TextMatch::Contains(n)) => d.name.contains(n.as_str()),
        };
        name_ok
            && self.uid.as_ref().is_none_or(|u| d.uid.as_str() == u)
            && self
                .description
                .as_ref()
                .is_none_or(|v| d.description == *v)
            && self
                .external_id
                .as_ref()
                .is_none_or(|v| d.external_id == *v)
            && self.source.as_ref().is_none_or(|v| d.source == *v)
    }
}

pub(crate) fn validate_department(d: &Department) -> DomainResult<()> {
    validate::length(Field::DepartmentName, &d.name, 1, 255)?;
    if d.name.contains('/') {
        return Err(DomainError::invalid(
            Field::DepartmentName,
            "a department name cannot contain '/'",
        ));
    }
    validate::length(
        Field::DepartmentDescription,
        &d.description,
        0,
        validate::MAX_DESCRIPTION,
    )?;
    validate::length(Field::ExternalId, &d.external_id, 0, 512)?;
    validate::length(Field::Source, &d.source, 0, 64)?;
    validate::length(
        Field::IamRole,
        &d.iam_role_trn,
        0,
        validate::MAX_DESCRIPTION,
    )?;
    validate::precedence(d.precedence)
}

fn build_forest(mut views: Vec<DepartmentView>, root_paths: &[String]) -> Vec<DepartmentNode> {
    views.sort_by(|a, b| a.department.path.cmp(&b.department.path));
    let mut roots: Vec<DepartmentNode> = Vec::new();
    for view in views {
        let node = DepartmentNode {
            view,
            children: Vec::new(),
        };
        if root_paths.contains(&node.view.department.path) {
            roots.push(node);
        } else if let Some(root) = roots.last_mut() {
            insert_node(root, node);
        }
    }
    roots
}

/// Places `node` under the deepest node of `parent`'s subtree whose path prefixes its own.
fn insert_node(parent: &mut DepartmentNode, node: DepartmentNode) {
    let path = node.view.department.path.clone();
    match parent
        .children
        .iter_mut()
        .rev()
        .find(|c| path.starts_with(c.view.department.path.as_str()))
    {
        Some(child) => insert_node(child, node),
        None => parent.children.push(node),
    }
}

impl Directory {
    /// Reads a department by uid, or the pool's root for the alias `root`.
    pub async fn get_department(
        &self,
        access: &PoolAccess,
        uid: &DepartmentRef,
    ) -> DomainResult<DepartmentView> {
        let uid = match uid {
            DepartmentRef::Root => {
                return self
                    .store
                    .root_department(&access.scope)
                    .await?
                    .ok_or_else(|| DomainError::internal("a user pool has no root department"));
            }
            DepartmentRef::Uid(uid) => uid,
        };
        self.store
            .get_department(&access.scope, uid)
            .await?
            .ok_or_else(|| DomainError::not_found(Kind::Department, uid.as_str()))
    }

    pub async fn create_department(
        &self,
        access: &PoolAccess,
        parent: &DepartmentRef,
        new: NewDepartment,
    ) -> DomainResult<DepartmentView> {
        let parent = self
            .get_department(access, parent)
            .await
            .map_err(|e| match e {
                e if e.is_not_found() => {
                    DepartmentError::ParentNotFound(parent.as_str().to_owned()).into()
                }
                other => other,
            })?
            .department;
        let now = self.now();
        let uid = DepartmentUid::generate();
        let department = Department {
            path: format!("{}{uid}/", parent.path),
            name_path: format!("{}/{}", parent.name_path, new.name),
            uid,
            pool_uid: access.pool.uid.clone(),
            parent_uid: Some(parent.uid),
            name: new.name,
            description: new.description,
            external_id: new.external_id,
            source: new.source,
            precedence: new.precedence,
            iam_role_trn: new.iam_role_trn,
            created_at: now,
            updated_at: now,
        };
        validate_department(&department)?;
        let department = self
            .store
            .insert_department(&access.scope, &department)
            .await?;
        Ok(DepartmentView {
            department,
            direct_children: 0,
            direct_members: 0,
            members: 0,
        })
    }

    pub async fn update_department(
        &self,
        access: &PoolAccess,
        uid: &DepartmentRef,
        patch: DepartmentPatch,
    ) -> DomainResult<DepartmentView> {
        let old = self.get_department(access, uid).await?.department;
        let mut new = old.clone();
        if let Some(v) = patch.description {
            new.description = v;
        }
        if let Some(v) = patch.precedence {
            new.precedence = v;
        }
        if let Some(v) = patch.iam_role_trn {
            new.iam_role_trn = v;
        }
        if let Some(v) = patch.external_id {
            new.external_id = v;
        }
        if let Some(name) = patch.name {
            new.name = name;
        }
        let parent = match (patch.parent, &old.parent_uid) {
            (Some(p), Some(current)) if p != *current => Some(p),
            (Some(_), None) => {
                return Err(DomainError::invalid(
                    Field::ParentDepartment,
                    "the root department cannot be moved",
                ));
            }
            _ => None,
        };
        if let Some(parent) = parent {
            // Checked again inside the write, against the tree as it is then.
            let parent = self
                .get_department(access, &DepartmentRef::Uid(parent.clone()))
                .await
                .map_err(|e| match e {
                    e if e.is_not_found() => {
                        DepartmentError::ParentNotFound(parent.as_str().to_owned()).into()
                    }
                    other => other,
                })?
                .department;
            if parent.path.starts_with(&old.path) {
                return Err(DomainError::invalid(
                    Field::ParentDepartment,
                    "a department cannot move under itself or its own descendants",
                ));
            }
            new.parent_uid = Some(parent.uid);
        }
        validate_department(&new)?;
        new.updated_at = self.now();
        let new = self.store.update_department(&access.scope, &new).await?;
        self.get_department(access, &new.uid.into()).await
    }

    pub async fn delete_department(
        &self,
        access: &PoolAccess,
        uid: &DepartmentRef,
        options: DeleteOptions,
    ) -> DomainResult<()> {
        let view = self.get_department(access, uid).await?;
        if view.department.parent_uid.is_none() {
            return Err(DepartmentError::IsRoot.into());
        }
        let uid = view.department.uid;
        if self
            .store
            .delete_department(&access.scope, &uid, options)
            .await?
        {
            Ok(())
        } else {
            Err(DomainError::not_found(Kind::Department, uid.as_str()))
        }
    }

    pub async fn list_departments(
        &self,
        access: &PoolAccess,
        parent: &DepartmentRef,
        mut query: DepartmentQuery,
    ) -> DomainResult<Page<DepartmentView>> {
        let parent = self.get_department(access, parent).await?;
        query.filter.parent = Some(parent.department.uid);
        self.store.query_departments(&access.scope, &query).await
    }

    pub async fn department_tree(
        &self,
        access: &PoolAccess,
        root: &DepartmentRef,
        max_depth: Option<i64>,
        filter: &TreeFilter,
    ) -> DomainResult<Vec<DepartmentNode>> {
        let max_depth = match max_depth {
            None => None,
            Some(d) if (0..=1000).contains(&d) => u32::try_from(d).ok(),
            Some(_) => {
                return Err(DomainError::invalid(
                    Field::MaxDepth,
                    "must be between 0 and 1000",
                ));
            }
        };
        let root = self.get_department(access, root).await?;
        let views = self
            .store
            .subtree(&access.scope, &root.department.path, max_depth)
            .await?;
        if filter.is_empty() {
            return Ok(build_forest(views, &[root.department.path]));
        }
        let matching: Vec<String> = views
            .iter()
            .filter(|v| filter.matches(&v.department))
            .map(|v| v.department.path.clone())
            .collect();
        if filter.keep_ancestors {
            let kept: Vec<DepartmentView> = views
                .into_iter()
                .filter(|v| matching.iter().any(|m| m.starts_with(&v.department.path)))
                .collect();
            if kept.is_empty() {
                return Ok(Vec::new());
            }
            Ok(build_forest(kept, &[root.department.path]))
        } else {
            let kept: Vec<DepartmentView> = views
                .into_iter()
                .filter(|v| matching.contains(&v.department.path))
                .collect();
            let paths: Vec<String> = kept.iter().map(|v| v.department.path.clone()).collect();
            Ok(build_forest(kept, &paths))
        }
    }

    pub async fn add_users_to_department(
        &self,
        access: &PoolAccess,
        department: &DepartmentRef,
        users: &[UserUid],
    ) -> DomainResult<()> {
        let department = self.get_department(access, department).await?;
        check_batch(Field::UserIds, users.len())?;
        self.store
            .add_department_members(&access.scope, &department.department.uid, users, self.now())
            .await
    }

    pub async fn remove_users_from_department(
        &self,
        access: &PoolAccess,
        department: &DepartmentRef,
        users: &[UserUid],
    ) -> DomainResult<()> {
        let department = self.get_department(access, department).await?;
        check_batch(Field::UserIds, users.len())?;
        self.store
            .remove_department_members(&access.scope, &department.department.uid, users)
            .await
    }

    pub async fn list_users_in_department<T: UserRows>(
        &self,
        access: &PoolAccess,
        department: &DepartmentRef,
        recursive: bool,
        mut query: UserQuery,
    ) -> DomainResult<Page<T>> {
        let department = self.get_department(access, department).await?;
        query.conditions.push(UserCondition::InDepartment {
            uid: department.department.uid,
            recursive,
        });
        self.resolve_attribute_terms(access, &mut query).await?;
        T::search(self.store.as_ref(), &access.scope, &query).await
    }

    pub async fn departments_for_user(
        &self,
        access: &PoolAccess,
        user: &UserUid,
    ) -> DomainResult<Vec<Membership>> {
        let user = self.get_user(access, user).await?;
        self.store
            .departments_of_user(&access.scope, &user.uid)
            .await
    }
}
