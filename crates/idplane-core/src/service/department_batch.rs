//! BatchUpsertDepartments: a source's departments, named by their external ids, created,
//! changed or removed in one write. Each item is checked and planned first (a failed item is
//! reported and left out, with the items under it); the plan is then written in one
//! transaction, all of it or nothing.

use std::collections::{HashMap, HashSet};

use crate::error::{DomainResult, Field};
use crate::ids::DepartmentUid;
use crate::ids::check_batch;
use crate::model::department::{Department, DepartmentChange, DepartmentRef, DepartmentView};
use crate::service::departments::validate_department;
use crate::service::validate;
use crate::service::{Directory, PoolAccess};

/// What an item asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchAction {
    /// Create the department, or change it to match.
    Upsert,
    Delete,
}

impl BatchAction {
    /// `Upsert` (also when empty) or `Delete`, in any letter case.
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "" | "upsert" => Some(BatchAction::Upsert),
            "delete" => Some(BatchAction::Delete),
            _ => None,
        }
    }
}

/// One department of the batch, by its external id within the batch's source.
#[derive(Debug, Clone)]
pub struct BatchItem {
    /// `None` when the action named is not one this knows.
    pub action: Option<BatchAction>,
    pub external_id: String,
    /// The parent's external id; empty for a department under the root.
    pub external_parent_id: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub precedence: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Create,
    Update,
    Delete,
    /// Nothing to do: already as asked, or nothing to delete.
    Skip,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemStatus {
    Succeeded,
    /// Planned but not written (a dry run).
    Planned,
    Failed,
}

#[derive(Debug, Clone)]
pub struct ItemOutcome {
    pub external_id: String,
    pub operation: Operation,
    pub status: ItemStatus,
    pub department_uid: Option<DepartmentUid>,
    pub message: String,
    pub before: Option<DepartmentView>,
    pub after: Option<DepartmentView>,
}

#[derive(Debug, Clone, Default)]
pub struct BatchOutcome {
    pub created: i64,
    pub updated: i64,
    pub deleted: i64,
    pub skipped: i64,
    pub errors: Vec<String>,
    pub items: Vec<ItemOutcome>,
}

/// The planner's view of one item while it waits for its parent.
struct Planning {
    index: usize,
    item: BatchItem,
}

impl Directory {
    /// Plans `items` for `source` against the pool as it is, and (unless `dry_run`) writes
    /// the plan in one transaction.
    pub async fn batch_upsert_departments(
        &self,
        access: &PoolAccess,
        source: &str,
        items: Vec<BatchItem>,
        dry_run: bool,
    ) -> DomainResult<BatchOutcome> {
        validate::length(Field::Source, source, 1, 64)?;
        check_batch(Field::Departments, items.len())?;
        let mut outcomes: Vec<Option<ItemOutcome>> = vec![None; items.len()];
        let existing = self.existing(access, source, &items).await?;
        let root = self
            .get_department(access, &DepartmentRef::Root)
            .await?
            .department;
        let now = self.now();
        let mut seen = HashSet::new();
        let mut waiting = Vec::new();
        let mut deletes = Vec::new();
        for (index, item) in items.into_iter().enumerate() {
            let refusal = if item.external_id.is_empty() || item.external_id.len() > 512 {
                Some("ExternalID must be 1 to 512 characters")
            } else if !seen.insert(item.external_id.clone()) {
                Some("this ExternalID appears earlier in the batch")
            } else if item.action.is_none() {
                Some("Action must be Upsert or Delete")
            } else {
                None
            };
            if let Some(message) = refusal {
                outcomes[index] = Some(failed(&item.external_id, message.to_owned()));
                continue;
            }
            match item.action {
                Some(BatchAction::Delete) => deletes.push(Planning { index, item }),
                _ => waiting.push(Planning { index, item }),
            }
        }
        let batch_parents: HashSet<String> = waiting
            .iter()
            .map(|p| p.item.external_parent_id.clone())
            .filter(|k| !k.is_empty())
            .collect();
        // Departments of this batch by external id: uid once planned, `None` when failed.
        let mut planned: HashMap<String, Option<DepartmentUid>> = HashMap::new();
        let mut changes = Vec::new();
        loop {
            let before = waiting.len();
            let mut still = Vec::new();
            for p in waiting {
                let parent_key = p.item.external_parent_id.clone();
                let parent = if parent_key.is_empty() {
                    Some(Some(root.uid.clone()))
                } else if let Some(uid) = planned.get(&parent_key) {
                    Some(uid.clone())
                } else {
                    existing
                        .get(&parent_key)
                        .map(|v| Some(v.department.uid.clone()))
                };
                match parent {
                    // Not planned yet: its parent may come later in the batch.
                    None => still.push(p),
                    Some(None) => {
                        planned.insert(p.item.external_id.clone(), None);
                        outcomes[p.index] = Some(failed(
                            &p.item.external_id,
                            format!("its parent {parent_key:?} failed"),
                        ));
                    }
                    Some(Some(parent_uid)) => {
                        let (outcome, change) = self.plan_upsert(
                            access,
                            source,
                            &p.item,
                            existing.get(&p.item.external_id),
                            parent_uid,
                            now,
                        );
                        planned.insert(
                            p.item.external_id.clone(),
                            match outcome.status {
                                ItemStatus::Failed => None,
                                _ => outcome.department_uid.clone(),
                            },
                        );
                        changes.extend(change);
                        outcomes[p.index] = Some(outcome);
                    }
                }
            }
            waiting = still;
            if waiting.is_empty() || waiting.len() == before {
                break;
            }
        }
        for p in waiting {
            outcomes[p.index] = Some(failed(
                &p.item.external_id,
                format!(
                    "the parent {:?} is neither in the pool for this source nor in the batch \
                     (or the batch's parents form a cycle)",
                    p.item.external_parent_id
                ),
            ));
        }
        for p in deletes {
            let outcome = match existing.get(&p.item.external_id) {
                None => ItemOutcome {
                    message: "no department of this source has this ExternalID".to_owned(),
                    ..outcome(&p.item.external_id, Operation::Skip, None)
                },
                Some(v)
                    if v.direct_children > 0
                        || v.members > 0
                        || batch_parents.contains(&p.item.external_id) =>
                {
                    failed(
                        &p.item.external_id,
                        "a department with child departments or members is kept".to_owned(),
                    )
                }
                Some(v) => {
                    changes.push(DepartmentChange::Delete(v.department.uid.clone()));
                    ItemOutcome {
                        before: Some(v.clone()),
                        ..outcome(
                            &p.item.external_id,
                            Operation::Delete,
                            Some(v.department.uid.clone()),
                        )
                    }
                }
            };
            outcomes[p.index] = Some(outcome);
        }
        if !dry_run && !changes.is_empty() {
            self.store
                .apply_departments(&access.scope, &changes)
                .await?;
        }
        let mut items: Vec<ItemOutcome> = outcomes.into_iter().flatten().collect();
        self.finish(access, &mut items, dry_run).await?;
        Ok(summarize(items))
    }

    /// The pool's departments of `source` that the items name (themselves or as parents).
    async fn existing(
        &self,
        access: &PoolAccess,
        source: &str,
        items: &[BatchItem],
    ) -> DomainResult<HashMap<String, DepartmentView>> {
        let mut keys: Vec<&str> = items
            .iter()
            .flat_map(|i| [i.external_id.as_str(), i.external_parent_id.as_str()])
            .filter(|k| !k.is_empty() && k.len() <= 512)
            .collect();
        keys.sort_unstable();
        keys.dedup();
        let found = self
            .store
            .departments_by_external_id(&access.scope, source, &keys)
            .await?;
        Ok(found
            .into_iter()
            .map(|v| (v.department.external_id.clone(), v))
            .collect())
    }

    /// The change one upsert makes, checked as a single create or update would be.
    fn plan_upsert(
        &self,
        access: &PoolAccess,
        source: &str,
        item: &BatchItem,
        current: Option<&DepartmentView>,
        parent: DepartmentUid,
        now: crate::clock::Timestamp,
    ) -> (ItemOutcome, Option<DepartmentChange>) {
        let key = &item.external_id;
        match current {
            Some(view) => {
                let old = &view.department;
                if old.parent_uid.is_none() {
                    return (
                        failed(key, "the root department cannot be changed here".to_owned()),
                        None,
                    );
                }
                let mut new = old.clone();
                if let Some(name) = &item.name {
                    new.name.clone_from(name);
                }
                if let Some(d) = &item.description {
                    new.description.clone_from(d);
                }
                if let Some(p) = item.precedence {
                    new.precedence = p;
                }
                new.parent_uid = Some(parent);
                if new == *old {
                    return (outcome(key, Operation::Skip, Some(old.uid.clone())), None);
                }
                if let Err(e) = validate_department(&new) {
                    return (failed(key, e.to_string()), None);
                }
                new.updated_at = now;
                let uid = new.uid.clone();
                (
                    ItemOutcome {
                        before: Some(view.clone()),
                        ..outcome(key, Operation::Update, Some(uid))
                    },
                    Some(DepartmentChange::Update(new)),
                )
            }
            None => {
                let Some(name) = item.name.clone().filter(|n| !n.is_empty()) else {
                    return (
                        failed(key, "a new department needs a Name".to_owned()),
                        None,
                    );
                };
                let department = Department {
                    uid: DepartmentUid::generate(),
                    pool_uid: access.pool.uid.clone(),
                    parent_uid: Some(parent.clone()),
                    name,
                    description: item.description.clone().unwrap_or_default(),
                    external_id: key.clone(),
                    source: source.to_owned(),
                    precedence: item.precedence.unwrap_or(0),
                    iam_role_trn: String::new(),
                    path: String::new(),
                    name_path: String::new(),
                    created_at: now,
                    updated_at: now,
                };
                if let Err(e) = validate_department(&department) {
                    return (failed(key, e.to_string()), None);
                }
                let uid = department.uid.clone();
                (
                    outcome(key, Operation::Create, Some(uid)),
                    Some(DepartmentChange::Create { parent, department }),
                )
            }
        }
    }

    /// Marks what was written (or planned) and reads the departments as they are now.
    async fn finish(
        &self,
        access: &PoolAccess,
        items: &mut [ItemOutcome],
        dry_run: bool,
    ) -> DomainResult<()> {
        let uids: Vec<DepartmentUid> = items
            .iter()
            .filter(|o| matches!(o.operation, Operation::Create | Operation::Update))
            .filter(|o| o.status != ItemStatus::Failed)
            .filter_map(|o| o.department_uid.clone())
            .collect();
        let after: HashMap<DepartmentUid, DepartmentView> = if dry_run {
            HashMap::new()
        } else {
            self.store
                .departments_by_uid(&access.scope, &uids)
                .await?
                .into_iter()
                .map(|v| (v.department.uid.clone(), v))
                .collect()
        };
        for o in items.iter_mut().filter(|o| o.status != ItemStatus::Failed) {
            if o.operation != Operation::Skip {
                o.status = if dry_run {
                    ItemStatus::Planned
                } else {
                    ItemStatus::Succeeded
                };
            }
            if let Some(uid) = &o.department_uid {
                o.after = after.get(uid).cloned();
            }
        }
        Ok(())
    }
}

fn outcome(key: &str, operation: Operation, uid: Option<DepartmentUid>) -> ItemOutcome {
    ItemOutcome {
        external_id: key.to_owned(),
        operation,
        status: ItemStatus::Succeeded,
        department_uid: uid,
        message: String::new(),
        before: None,
        after: None,
    }
}

fn failed(key: &str, message: String) -> ItemOutcome {
    ItemOutcome {
        status: ItemStatus::Failed,
        message,
        ..outcome(key, Operation::Skip, None)
    }
}

fn summarize(items: Vec<ItemOutcome>) -> BatchOutcome {
    let mut out = BatchOutcome::default();
    for o in &items {
        match (o.status, o.operation) {
            (ItemStatus::Failed, _) => out.errors.push(format!("{}: {}", o.external_id, o.message)),
            (_, Operation::Create) => out.created += 1,
            (_, Operation::Update) => out.updated += 1,
            (_, Operation::Delete) => out.deleted += 1,
            (_, Operation::Skip) => out.skipped += 1,
        }
    }
    out.items = items;
    out
}
