//! Workload identity use cases: the agents and services of a workload pool, named uniquely in
//! it, with metadata and the URLs consent may return to.

use crate::error::{DomainError, DomainResult, Kind};
use crate::fields::Field;
use crate::ids::WorkloadIdentityId;
use crate::model::account::Caller;
use crate::model::workload::{Metadata, SOURCE_MANUAL, WorkloadIdentity, WorkloadPool};
use crate::query::{Page, TextMatch, WorkloadIdentityQuery};
use crate::service::validate;
use crate::service::workloads::{WorkloadPoolRef, WorkloadService};

/// The most metadata keys an identity carries, and values per key.
pub const MAX_METADATA: usize = 50;
/// The most return URLs an identity allows.
pub const MAX_RETURN_URLS: usize = 20;
/// A workload identity name: 3 to 255 characters of `A-Z a-z 0-9 _ . -`.
pub fn check_name(name: &str) -> DomainResult<()> {
    check_name_as(Field::WorkloadName, name)
}

/// [`check_name`], refusing it as `field` (the request field that named the identity).
fn check_name_as(field: Field, name: &str) -> DomainResult<()> {
    if name.is_empty() {
        return Err(DomainError::missing(field));
    }
    if !(3..=255).contains(&name.len())
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    {
        return Err(DomainError::invalid(
            field,
            "must be 3 to 255 characters of A-Z, a-z, 0-9, '_', '.' and '-'",
        ));
    }
    Ok(())
}

fn check_metadata(metadata: &[Metadata]) -> DomainResult<()> {
    if metadata.len() > MAX_METADATA {
        return Err(DomainError::invalid(
            Field::WorkloadMetadataKey,
            format!("at most {MAX_METADATA} keys"),
        ));
    }
    for (i, m) in metadata.iter().enumerate() {
        validate::length(Field::WorkloadMetadataKey, &m.key, 1, 128)?;
        if metadata[..i].iter().any(|o| o.key == m.key) {
            return Err(DomainError::invalid(
                Field::WorkloadMetadataKey,
                format!("{:?} is given twice", m.key),
            ));
        }
        if m.values.len() > MAX_METADATA {
            return Err(DomainError::invalid(
                Field::WorkloadMetadataValue,
                format!("at most {MAX_METADATA} values per key"),
            ));
        }
        for v in &m.values {
            validate::length(Field::WorkloadMetadataValue, v, 0, 256)?;
        }
    }
    Ok(())
}

/// The return URLs as they are kept: each parsed and written back in its normal form (what
/// a redirect is later compared with), each once, absolute `http(s)` without credentials or
/// fragment.
fn normal_return_urls(urls: &[String]) -> DomainResult<Vec<String>> {
    if urls.len() > MAX_RETURN_URLS {
        return Err(DomainError::invalid(
            Field::ReturnUrls,
            format!("at most {MAX_RETURN_URLS} URLs"),
        ));
    }
    let mut normal: Vec<String> = Vec::with_capacity(urls.len());
    for u in urls {
        check_return_url(u)?;
        let parsed = url::Url::parse(u)
            .map_err(|_| DomainError::invalid(Field::ReturnUrls, format!("{u:?} is not a URL")))?;
        let written = parsed.to_string();
        if !normal.contains(&written) {
            normal.push(written);
        }
    }
    Ok(normal)
}

fn check_return_url(u: &str) -> DomainResult<()> {
    if u.trim() != u {
        return Err(DomainError::invalid(
            Field::ReturnUrls,
            format!("{u:?} has surrounding spaces"),
        ));
    }
    check_return_urls(std::slice::from_ref(&u.to_owned()))
}

fn check_return_urls(urls: &[String]) -> DomainResult<()> {
    if urls.len() > MAX_RETURN_URLS {
        return Err(DomainError::invalid(
            Field::ReturnUrls,
            format!("at most {MAX_RETURN_URLS} URLs"),
        ));
    }
    for u in urls {
        validate::length(Field::ReturnUrls, u, 1, 2048)?;
        let parsed = url::Url::parse(u)
            .map_err(|_| DomainError::invalid(Field::ReturnUrls, format!("{u:?} is not a URL")))?;
        if !matches!(parsed.scheme(), "https" | "http") || parsed.host_str().is_none() {
            return Err(DomainError::invalid(
                Field::ReturnUrls,
                format!("{u:?} is not an absolute http(s) URL"),
            ));
        }
        if parsed.fragment().is_some() {
            return Err(DomainError::invalid(
                Field::ReturnUrls,
                format!("{u:?} has a fragment"),
            ));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(DomainError::invalid(
                Field::ReturnUrls,
                format!("{u:?} carries credentials"),
            ));
        }
    }
    Ok(())
}

fn check_identity(identity: &WorkloadIdentity) -> DomainResult<()> {
    validate::length(Field::WorkloadCategory, &identity.category, 1, 64)?;
    validate::length(
        Field::WorkloadDescription,
        &identity.description,
        0,
        validate::MAX_DESCRIPTION,
    )?;
    check_metadata(&identity.metadata)?;
    check_return_urls(&identity.return_urls)
}

/// A workload identity to create.
#[derive(Debug, Clone, Default)]
pub struct NewWorkloadIdentity {
    pub name: String,
    /// Empty: `Agent`.
    pub category: String,
    pub description: String,
    pub metadata: Vec<Metadata>,
    pub return_urls: Vec<String>,
}

/// How UpdateWorkloadIdentity's metadata applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MetadataMode {
    /// The given entries become the identity's metadata.
    #[default]
    Replace,
    /// Each given key's values are replaced; other keys stay.
    Merge,
}

impl MetadataMode {
    pub fn parse(value: &str) -> DomainResult<Self> {
        match value.to_ascii_lowercase().as_str() {
            "replace" | "overwrite" => Ok(Self::Replace),
            "merge" | "upsert" => Ok(Self::Merge),
            _ => Err(DomainError::invalid(
                Field::MetadataUpdateMode,
                format!("{value:?} is not Replace or Merge"),
            )),
        }
    }
}

/// AddWorkloadMetaData's and RemoveWorkloadMetaData's change: values added to their keys, or
/// values removed (a whole key when it lists none).
#[derive(Debug, Clone)]
pub enum MetadataEdit {
    Add(Vec<Metadata>),
    Remove(Vec<Metadata>),
}

impl MetadataEdit {
    fn entries(&self) -> &[Metadata] {
        match self {
            MetadataEdit::Add(m) | MetadataEdit::Remove(m) => m,
        }
    }

    fn map(self, f: impl FnOnce(Vec<Metadata>) -> Vec<Metadata>) -> Self {
        match self {
            MetadataEdit::Add(m) => MetadataEdit::Add(f(m)),
            MetadataEdit::Remove(m) => MetadataEdit::Remove(f(m)),
        }
    }
}

/// A change to a workload identity; `None` leaves a value as it is.
#[derive(Debug, Clone, Default)]
pub struct WorkloadIdentityChange {
    pub description: Option<String>,
    pub return_urls: Option<Vec<String>>,
    pub metadata: Option<(Vec<Metadata>, MetadataMode)>,
}

/// Each key's values kept once, in first-seen order.
fn dedupe_values(metadata: Vec<Metadata>) -> Vec<Metadata> {
    let mut out = Vec::with_capacity(metadata.len());
    add_metadata(&mut out, metadata);
    out
}

/// Adds `values` to `key` (values kept once, in first-seen order).
fn add_metadata(metadata: &mut Vec<Metadata>, added: Vec<Metadata>) {
    for m in added {
        match metadata.iter_mut().find(|o| o.key == m.key) {
            Some(o) => {
                for v in m.values {
                    if !o.values.contains(&v) {
                        o.values.push(v);
                    }
                }
            }
            None => {
                let mut values: Vec<String> = Vec::with_capacity(m.values.len());
                for v in m.values {
                    if !values.contains(&v) {
                        values.push(v);
                    }
                }
                metadata.push(Metadata { key: m.key, values });
            }
        }
    }
}

/// Removes the given values of each key, or the whole key when no values are given.
fn remove_metadata(metadata: &mut Vec<Metadata>, removed: &[Metadata]) {
    for r in removed {
        if r.values.is_empty() {
            metadata.retain(|o| o.key != r.key);
        } else if let Some(o) = metadata.iter_mut().find(|o| o.key == r.key) {
            o.values.retain(|v| !r.values.contains(v));
        }
    }
}

impl WorkloadService {
    /// The pool named by its name, or `default` when none is named.
    pub async fn pool_named(
        &self,
        caller: &Caller,
        name: Option<&str>,
    ) -> DomainResult<WorkloadPool> {
        let named = WorkloadPoolRef {
            id: None,
            name: name.filter(|n| !n.is_empty()).map(str::to_owned),
        };
        self.pool(caller, &named).await
    }

    pub async fn create_identity(
        &self,
        caller: &Caller,
        pool: Option<&str>,
        new: NewWorkloadIdentity,
    ) -> DomainResult<(WorkloadPool, WorkloadIdentity)> {
        check_name(&new.name)?;
        let pool = self.pool_named(caller, pool).await?;
        let now = self.now();
        let identity = WorkloadIdentity {
            id: WorkloadIdentityId::generate(),
            pool_id: pool.id.clone(),
            name: new.name,
            category: if new.category.is_empty() {
                "Agent".to_owned()
            } else {
                new.category
            },
            description: new.description,
            metadata: dedupe_values(new.metadata),
            return_urls: normal_return_urls(&new.return_urls)?,
            source: SOURCE_MANUAL.to_owned(),
            revision: 0,
            created_at: now,
            updated_at: now,
        };
        check_identity(&identity)?;
        self.store().insert_workload_identity(&identity).await?;
        Ok((pool, identity))
    }

    pub async fn identity(
        &self,
        caller: &Caller,
        pool: Option<&str>,
        name: &str,
    ) -> DomainResult<(WorkloadPool, WorkloadIdentity)> {
        check_name(name)?;
        let pool = self.pool_named(caller, pool).await?;
        let identity = self
            .store()
            .workload_identity(&pool.id, name)
            .await?
            .ok_or_else(|| DomainError::not_found(Kind::WorkloadIdentity, name))?;
        Ok((pool, identity))
    }

    pub async fn list_identities(
        &self,
        caller: &Caller,
        pool: Option<&str>,
        query: WorkloadIdentityQuery,
    ) -> DomainResult<(WorkloadPool, Page<WorkloadIdentity>)> {
        if let Some(TextMatch::Exact(n) | TextMatch::Prefix(n) | TextMatch::Contains(n)) =
            &query.filter.name
        {
            validate::length(Field::WorkloadName, n, 0, 255)?;
        }
        for (field, value) in [
            (Field::WorkloadCategory, &query.filter.category),
            (Field::WorkloadSource, &query.filter.source),
        ] {
            validate::opt_length(field, value.as_deref(), 255)?;
        }
        let pool = self.pool_named(caller, pool).await?;
        let page = self
            .store()
            .list_workload_identities(&pool.id, &query)
            .await?;
        Ok((pool, page))
    }

    /// Applies a change to the identity and stores it, in one transaction holding the
    /// identity, so changes racing each other are applied one after the other.
    async fn change_identity(
        &self,
        caller: &Caller,
        pool: Option<&str>,
        name_field: Field,
        name: &str,
        change: impl Fn(&mut WorkloadIdentity) -> DomainResult<()> + Send + Sync,
    ) -> DomainResult<(WorkloadPool, WorkloadIdentity)> {
        check_name_as(name_field, name)?;
        let pool = self.pool_named(caller, pool).await?;
        let now = self.now();
        let changed = self
            .store()
            .change_workload_identity(&pool.id, name, &|identity| {
                change(identity)?;
                identity.metadata = dedupe_values(std::mem::take(&mut identity.metadata));
                check_identity(identity)?;
                identity.updated_at = now;
                Ok(())
            })
            .await?
            .ok_or_else(|| DomainError::not_found(Kind::WorkloadIdentity, name))?;
        Ok((pool, changed))
    }

    pub async fn update_identity(
        &self,
        caller: &Caller,
        pool: Option<&str>,
        name: &str,
        change: WorkloadIdentityChange,
    ) -> DomainResult<(WorkloadPool, WorkloadIdentity)> {
        let return_urls = change
            .return_urls
            .as_deref()
            .map(normal_return_urls)
            .transpose()?;
        self.change_identity(caller, pool, Field::WorkloadName, name, |identity| {
            if let Some(d) = &change.description {
                identity.description = d.clone();
            }
            if let Some(urls) = &return_urls {
                identity.return_urls = urls.clone();
            }
            if let Some((metadata, mode)) = &change.metadata {
                let metadata = &dedupe_values(metadata.clone());
                check_metadata(metadata)?;
                match mode {
                    MetadataMode::Replace => identity.metadata = metadata.clone(),
                    MetadataMode::Merge => {
                        for m in metadata {
                            match identity.metadata.iter_mut().find(|o| o.key == m.key) {
                                Some(o) => o.values = m.values.clone(),
                                None => identity.metadata.push(m.clone()),
                            }
                        }
                    }
                }
            }
            Ok(())
        })
        .await
    }

    /// Adds values to, or removes values or keys from, the identity's metadata
    /// (AddWorkloadMetaData, RemoveWorkloadMetaData).
    pub async fn edit_identity_metadata(
        &self,
        caller: &Caller,
        pool: Option<&str>,
        name: &str,
        edit: MetadataEdit,
    ) -> DomainResult<(WorkloadPool, WorkloadIdentity)> {
        let edit = edit.map(dedupe_values);
        check_metadata(edit.entries())?;
        self.change_identity(
            caller,
            pool,
            Field::WorkloadIdentityName,
            name,
            |identity| {
                match &edit {
                    MetadataEdit::Add(added) => add_metadata(&mut identity.metadata, added.clone()),
                    MetadataEdit::Remove(removed) => {
                        remove_metadata(&mut identity.metadata, removed)
                    }
                }
                Ok(())
            },
        )
        .await
    }

    pub async fn delete_identity(
        &self,
        caller: &Caller,
        pool: Option<&str>,
        name: &str,
    ) -> DomainResult<()> {
        check_name(name)?;
        let pool = self.pool_named(caller, pool).await?;
        if self
            .store()
            .delete_workload_identity(&pool.id, name)
            .await?
        {
            Ok(())
        } else {
            Err(DomainError::not_found(Kind::WorkloadIdentity, name))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(key: &str, values: &[&str]) -> Metadata {
        Metadata {
            key: key.to_owned(),
            values: values.iter().map(|v| (*v).to_owned()).collect(),
        }
    }

    #[test]
    fn metadata_adds_and_removes_by_key_and_value() {
        let mut md = vec![m("team", &["a"])];
        add_metadata(
            &mut md,
            vec![m("team", &["b", "a", "b"]), m("env", &["prod"])],
        );
        assert_eq!(md, vec![m("team", &["a", "b"]), m("env", &["prod"])]);
        remove_metadata(&mut md, &[m("team", &["a"]), m("missing", &[])]);
        assert_eq!(md, vec![m("team", &["b"]), m("env", &["prod"])]);
        remove_metadata(&mut md, &[m("env", &[])]);
        assert_eq!(md, vec![m("team", &["b"])]);
    }

    #[test]
    fn names_and_urls_are_checked() {
        assert!(check_name("agent-1.prod_x").is_ok());
        for bad in ["ab", "has space", "ünï", &"x".repeat(256)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        assert!(check_return_urls(&["https://app.example/cb".into()]).is_ok());
        for bad in [
            "javascript:alert(1)",
            "/relative",
            "https://a/#frag",
            "ftp://a/",
        ] {
            assert!(check_return_urls(&[bad.to_owned()]).is_err(), "{bad}");
        }
    }
}
