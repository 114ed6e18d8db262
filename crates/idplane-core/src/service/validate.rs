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

pub fn username(value: &str) -> DomainResult<()> {
    length("PreferredUsername", value, 1, 128)?;
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
    {
        return Err(DomainError::invalid(
            "PreferredUsername",
            "username can only contain letters, numbers, periods, underscores, hyphens and @",
        ));
    }
    Ok(())
}

pub fn email(value: &str) -> DomainResult<()> {
    length("Email", value, 3, 254)?;
    let mut parts = value.splitn(2, '@');
    let local = parts.next().unwrap_or("");
    let domain = parts.next().unwrap_or("");
    let ok = !local.is_empty()
        && !domain.is_empty()
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !value.contains(char::is_whitespace)
        && !domain.contains('@');
    if !ok {
        return Err(DomainError::invalid(
            "Email",
            format!("{value:?} is not an email address"),
        ));
    }
    Ok(())
}

/// Phone numbers: an optional `+`, then digits with optional `-` or space separators
/// (E.164 `+8613800000000` and Tencent's `+86-13800000000` both pass).
pub fn phone(value: &str) -> DomainResult<()> {
    let digits = value.chars().filter(char::is_ascii_digit).count();
    let body = value.strip_prefix('+').unwrap_or(value);
    let ok = (4..=20).contains(&digits)
        && body.starts_with(|c: char| c.is_ascii_digit())
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || c == '-' || c == ' ');
    if !ok {
        return Err(DomainError::invalid(
            "PhoneNumber",
            format!("{value:?} is not a phone number"),
        ));
    }
    Ok(())
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
    fn emails_and_phones() {
        assert!(email("a@b.co").is_ok());
        assert!(email("ab.co").is_err());
        assert!(email("a@@b").is_err());
        assert!(phone("+8613800000000").is_ok());
        assert!(phone("+86-13800000000").is_ok());
        assert!(phone("call me").is_err());
        assert!(username("alice_01.x-y").is_ok());
        assert!(username("al ice").is_err());
    }
}
