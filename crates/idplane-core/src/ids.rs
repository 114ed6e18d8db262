//! Identifiers as newtypes, built only by validating constructors.

use crate::fields::Field;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::DomainError;

/// The longest identifier accepted anywhere.
pub const MAX_ID_LEN: usize = 128;

fn valid_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $field:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A fresh, time-ordered identifier (UUIDv7).
            pub fn generate() -> Self {
                Self(uuid::Uuid::now_v7().to_string())
            }

            /// Accepts an identifier from outside: 1 to 128 characters of `A-Z a-z 0-9 - _ .`.
            pub fn parse(value: &str) -> Result<Self, DomainError> {
                if value.is_empty() {
                    return Err(DomainError::missing($field));
                }
                if value.len() > MAX_ID_LEN || !value.chars().all(valid_id_char) {
                    return Err(DomainError::invalid($field, "malformed identifier"));
                }
                Ok(Self(value.to_owned()))
            }

            /// Wraps a value read back from storage, which was validated when written.
            pub fn from_stored(value: String) -> Self {
                Self(value)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(
    /// An account (tenant): owns access keys and everything they create.
    AccountId,
    Field::Account
);
id_type!(
    /// A user pool's `Uid`.
    UserPoolUid,
    Field::PoolId
);
id_type!(
    /// A user's `Uid` (also the OIDC `sub`).
    UserUid,
    Field::UserId
);
id_type!(
    /// A group's `Uid`.
    GroupUid,
    Field::GroupId
);
id_type!(
    /// A department's `Uid`.
    DepartmentUid,
    Field::DepartmentId
);
id_type!(
    /// A custom attribute's `Uid`.
    CustomAttributeUid,
    Field::AttributeId
);
id_type!(
    /// A user pool client's `Uid`, which is also its OAuth `client_id`.
    ClientUid,
    Field::ClientId
);
id_type!(
    /// A workload pool's `WorkloadPoolId`: the last segment of its issuer URL.
    WorkloadPoolId,
    Field::WorkloadPoolId
);
id_type!(
    /// A workload identity's stored id (requests name an identity by its pool and `Name`).
    WorkloadIdentityId,
    Field::WorkloadName
);

/// An access key id, e.g. `AKLT…`. Generated keys are 24 upper-case base-32 characters after the prefix.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AccessKeyId(String);

impl AccessKeyId {
    pub fn parse(value: &str) -> Result<Self, DomainError> {
        if value.len() < 4 || value.len() > MAX_ID_LEN || !value.chars().all(valid_id_char) {
            return Err(DomainError::invalid(
                Field::AccessKeyId,
                "an access key id is 4 to 128 characters of A-Z a-z 0-9 - _ .",
            ));
        }
        Ok(Self(value.to_owned()))
    }

    pub fn from_stored(value: String) -> Self {
        Self(value)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccessKeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The most ids one call names in a batch.
pub const MAX_BATCH: usize = 100;

/// Refuses an empty batch or one of more than [`MAX_BATCH`] items.
pub fn check_batch(field: Field, len: usize) -> Result<(), DomainError> {
    if len == 0 {
        return Err(DomainError::missing(field));
    }
    if len > MAX_BATCH {
        return Err(DomainError::invalid(
            field,
            format!("at most {MAX_BATCH} items per call, got {len}"),
        ));
    }
    Ok(())
}

/// A batch of ids from a request (1 to [`MAX_BATCH`]), each parsed by `parse`; a malformed one
/// is reported against the batch's `field`.
pub fn parse_batch<T>(
    field: Field,
    values: &[String],
    parse: impl Fn(&str) -> Result<T, DomainError>,
) -> Result<Vec<T>, DomainError> {
    check_batch(field, values.len())?;
    values
        .iter()
        .map(|v| {
            parse(v).map_err(|e| match e {
                DomainError::Invalid { message, .. } => DomainError::invalid(field, message),
                DomainError::Missing { .. } => DomainError::invalid(field, "an empty uid"),
                other => other,
            })
        })
        .collect()
}

/// A batch (1 to [`MAX_BATCH`]) without repeats, in the order given.
pub fn distinct<T: Clone + Eq + std::hash::Hash>(
    field: Field,
    values: &[T],
) -> Result<Vec<T>, DomainError> {
    check_batch(field, values.len())?;
    let mut seen = std::collections::HashSet::with_capacity(values.len());
    Ok(values.iter().filter(|v| seen.insert(*v)).cloned().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_ids() {
        assert!(UserPoolUid::parse("").is_err());
        assert!(UserPoolUid::parse("a b").is_err());
        assert!(UserPoolUid::parse(&"x".repeat(129)).is_err());
        assert!(UserPoolUid::parse("up-123_x.y").is_ok());
    }

    #[test]
    fn generated_ids_parse() {
        let id = UserUid::generate();
        assert_eq!(UserUid::parse(id.as_str()).ok(), Some(id));
    }
}
