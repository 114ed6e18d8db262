//! Declaring a pool's custom attributes, and checking the values users are given against them.

use crate::attribute_filter;
use crate::error::{AttributeError, DomainError, DomainResult, Field, Kind};
use crate::ids::CustomAttributeUid;
use crate::model::custom_attribute::{
    AttributeType, CustomAttribute, MAX_PER_POOL, Mutability, check_bounds, check_name,
};
use crate::query::{UserCondition, UserQuery};
use crate::service::{Directory, PoolAccess};

/// An attribute to declare.
#[derive(Debug, Clone)]
pub struct NewAttribute {
    pub name: String,
    pub data_type: AttributeType,
    pub mutability: Mutability,
    pub minimum: Option<i64>,
    pub maximum: Option<i64>,
}

/// A change of a declaration: its mutability and bounds. A name, when given, must be the
/// attribute's own (values are kept by name, so a declaration is never renamed).
#[derive(Debug, Clone, Default)]
pub struct AttributePatch {
    pub name: Option<String>,
    pub mutability: Option<Mutability>,
    pub minimum: Option<i64>,
    pub maximum: Option<i64>,
}

impl Directory {
    pub async fn create_attribute(
        &self,
        access: &PoolAccess,
        new: NewAttribute,
    ) -> DomainResult<CustomAttribute> {
        check_name(&new.name)?;
        check_bounds(new.data_type, new.minimum, new.maximum)?;
        let now = self.now();
        let attribute = CustomAttribute {
            uid: CustomAttributeUid::generate(),
            pool_uid: access.pool.uid.clone(),
            name: new.name,
            data_type: new.data_type,
            mutability: new.mutability,
            minimum: new.minimum,
            maximum: new.maximum,
            created_at: now,
            updated_at: now,
        };
        self.store
            .insert_attribute(&access.scope, &attribute, MAX_PER_POOL)
            .await?;
        Ok(attribute)
    }

    pub async fn attributes(&self, access: &PoolAccess) -> DomainResult<Vec<CustomAttribute>> {
        self.store.attributes(&access.scope).await
    }

    async fn attribute(
        &self,
        access: &PoolAccess,
        uid: &CustomAttributeUid,
    ) -> DomainResult<CustomAttribute> {
        self.attributes(access)
            .await?
            .into_iter()
            .find(|a| a.uid == *uid)
            .ok_or_else(|| DomainError::not_found(Kind::CustomAttribute, uid.as_str()))
    }

    pub async fn update_attribute(
        &self,
        access: &PoolAccess,
        uid: &CustomAttributeUid,
        patch: AttributePatch,
    ) -> DomainResult<CustomAttribute> {
        let mut attribute = self.attribute(access, uid).await?;
        if let Some(name) = patch.name.filter(|n| !n.is_empty())
            && name != attribute.name
        {
            return Err(DomainError::invalid(
                Field::AttributeName,
                "a custom attribute keeps its name; declare a new one instead",
            ));
        }
        if let Some(m) = patch.mutability {
            attribute.mutability = m;
        }
        if patch.minimum.is_some() {
            attribute.minimum = patch.minimum;
        }
        if patch.maximum.is_some() {
            attribute.maximum = patch.maximum;
        }
        check_bounds(attribute.data_type, attribute.minimum, attribute.maximum)?;
        attribute.updated_at = self.now();
        if !self
            .store
            .update_attribute(&access.scope, &attribute)
            .await?
        {
            return Err(DomainError::not_found(Kind::CustomAttribute, uid.as_str()));
        }
        Ok(attribute)
    }

    /// Removes a declaration; refused while a user holds a value of it.
    pub async fn delete_attribute(
        &self,
        access: &PoolAccess,
        uid: &CustomAttributeUid,
    ) -> DomainResult<()> {
        if self.store.delete_attribute(&access.scope, uid).await? {
            Ok(())
        } else {
            Err(DomainError::not_found(Kind::CustomAttribute, uid.as_str()))
        }
    }

    /// Checks `values` (name, value) against the pool's declarations and stores each value in
    /// its attribute's canonical form; an empty value clears the attribute. Returns the
    /// declarations (none are read when there are no values).
    pub(crate) async fn declared_values(
        &self,
        access: &PoolAccess,
        values: &mut [(String, String)],
    ) -> DomainResult<Vec<CustomAttribute>> {
        if values.is_empty() {
            return Ok(Vec::new());
        }
        let declared = self.attributes(access).await?;
        for (name, value) in values.iter_mut() {
            let attribute = declared
                .iter()
                .find(|a| a.name == *name)
                .ok_or_else(|| AttributeError::Undeclared(name.clone()))?;
            if !value.is_empty() {
                *value = attribute.value(value)?;
            }
        }
        Ok(declared)
    }
}

impl Directory {
    /// Resolves the custom attribute terms a search asks against the pool's declarations
    /// (read once, and only when a search names custom attributes).
    pub(crate) async fn resolve_attribute_terms(
        &self,
        access: &PoolAccess,
        query: &mut UserQuery,
    ) -> DomainResult<()> {
        if !query
            .conditions
            .iter()
            .any(|c| matches!(c, UserCondition::AttributesAsked(_)))
        {
            return Ok(());
        }
        let declared = self.attributes(access).await?;
        for condition in query.conditions.iter_mut() {
            if let UserCondition::AttributesAsked(asked) = condition {
                asked.check_size()?;
                let filter = std::mem::take(asked);
                *condition = UserCondition::Attributes(
                    filter.try_map(|term| attribute_filter::resolve(&declared, term))?,
                );
            }
        }
        Ok(())
    }
}

/// Refuses a change of a read-only value that `before` already held.
pub(crate) fn check_read_only(
    declared: &[CustomAttribute],
    before: &[(String, String)],
    upserts: &[(String, String)],
) -> DomainResult<()> {
    for (name, value) in upserts {
        let read_only = declared
            .iter()
            .any(|a| a.name == *name && a.mutability == Mutability::ReadOnly);
        let held = before.iter().find(|(n, _)| n == name).map(|(_, v)| v);
        if read_only && held.is_some_and(|old| old != value) {
            return Err(AttributeError::ReadOnly(name.clone()).into());
        }
    }
    Ok(())
}
