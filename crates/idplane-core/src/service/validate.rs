//! Checks on attribute values shared by the use cases.

use crate::error::{DomainError, DomainResult};

/// Longest free-text attribute (names, URLs, locale…).
pub const MAX_TEXT: usize = 255;
pub const MAX_DESCRIPTION: usize = 2048;
pub const MAX_METADATA: usize = 64 * 1024;
pub const MIN_PASSWORD: usize = 8;
pub const MAX_PASSWORD: usize = 256;

/// Treats empty strings as absent.
pub fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.is_empty())
}

pub fn length(field: &str, value: &str, min: usize, max: usize) -> DomainResult<()> {
    let n = value.chars().count();
    if n < min || n > max {
        return Err(DomainError::invalid(
            field,
            format!("must be {min} to {max} characters long, got {n}"),
        ));
    }
    if value.chars().any(|c| c.is_control()) {
        return Err(DomainError::invalid(
            field,
            "must not contain control characters",
        ));
    }
    Ok(())
}

pub fn opt_length(field: &str, value: Option<&str>, max: usize) -> DomainResult<()> {
    match value {
        Some(v) => length(field, v, 0, max),
        None => Ok(()),
    }
}

pub fn password(value: &str) -> DomainResult<()> {
    let n = value.chars().count();
    if !(MIN_PASSWORD..=MAX_PASSWORD).contains(&n) {
        return Err(DomainError::invalid(
            "Password",
            format!("a password is {MIN_PASSWORD} to {MAX_PASSWORD} characters long"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(DomainError::invalid(
            "Password",
            "a password must not contain control characters",
        ));
    }
    Ok(())
}

pub fn precedence(value: i64) -> DomainResult<()> {
    if !(0..=i64::from(i32::MAX)).contains(&value) {
        return Err(DomainError::invalid(
            "Precedence",
            "must be between 0 and 2147483647",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_and_control_characters() {
        assert!(length("F", "abc", 1, 3).is_ok());
        assert!(length("F", "abcd", 1, 3).is_err());
        assert!(length("F", "a\u{0}", 0, 9).is_err());
        assert!(password("long enough").is_ok());
        assert!(password("short").is_err());
        assert!(password("tab\tinside it").is_err());
    }
}
