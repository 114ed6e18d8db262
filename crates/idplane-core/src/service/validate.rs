//! Checks on attribute values shared by the use cases.

use crate::error::{DomainError, DomainResult};
use crate::fields::Field;

/// Longest free-text attribute (names, URLs, locale…).
pub const MAX_TEXT: usize = 255;
pub const MAX_DESCRIPTION: usize = 2048;
pub const MAX_METADATA: usize = 64 * 1024;
/// OWASP ASVS 4.0 V2.1.1: at least 12 characters.
pub const MIN_PASSWORD: usize = 12;
pub const MAX_PASSWORD: usize = 256;

/// Treats empty strings as absent.
pub fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.is_empty())
}

pub fn length(field: Field, value: &str, min: usize, max: usize) -> DomainResult<()> {
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

pub fn opt_length(field: Field, value: Option<&str>, max: usize) -> DomainResult<()> {
    match value {
        Some(v) => length(field, v, 0, max),
        None => Ok(()),
    }
}

pub fn password(value: &str) -> DomainResult<()> {
    let n = value.chars().count();
    if !(MIN_PASSWORD..=MAX_PASSWORD).contains(&n) {
        return Err(DomainError::invalid(
            Field::Password,
            format!("a password is {MIN_PASSWORD} to {MAX_PASSWORD} characters long"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(DomainError::invalid(
            Field::Password,
            "a password must not contain control characters",
        ));
    }
    if guessable(value) {
        return Err(DomainError::invalid(
            Field::Password,
            "this password is among the most common ones or follows a trivial pattern; choose another",
        ));
    }
    Ok(())
}

/// Passwords of at least 12 characters found at the top of breached-password lists, compared
/// without case (OWASP ASVS 4.0 V2.1.7).
const COMMON: &[&str] = &[
    "123456789012",
    "1234567890123",
    "12345678901234",
    "123456789000",
    "111111111111",
    "000000000000",
    "123123123123",
    "123412341234",
    "121212121212",
    "qwertyuiop12",
    "qwertyuiop123",
    "qwerty123456",
    "qwerty1234567",
    "1q2w3e4r5t6y",
    "1qaz2wsx3edc",
    "zaq12wsxcde3",
    "q1w2e3r4t5y6",
    "asdfghjkl123",
    "zxcvbnm12345",
    "password1234",
    "password12345",
    "password123456",
    "passwordpassword",
    "password1password1",
    "iloveyou1234",
    "iloveyou123456",
    "abc123abc123",
    "abcdefghijkl",
    "abcdefg12345",
    "letmein12345",
    "welcome12345",
    "welcome123456",
    "administrator",
    "administrator1",
    "changeme1234",
    "football1234",
    "baseball1234",
    "sunshine1234",
    "princess1234",
    "superman1234",
    "trustno1trustno1",
    "monkey123456",
    "dragon123456",
    "master123456",
    "p@ssw0rd1234",
    "p@ssword1234",
    "passw0rd1234",
    "qwertyqwerty",
    "asdfasdfasdf",
    "zxcvzxcvzxcv",
];

/// Whether a password is a common one, one character repeated, a short pattern repeated, or a
/// run of consecutive characters (`abcdef…`, `987654…`).
fn guessable(value: &str) -> bool {
    let lower = value.to_lowercase();
    if COMMON.contains(&lower.as_str()) {
        return true;
    }
    let chars: Vec<char> = lower.chars().collect();
    let repeated = (1..=chars.len() / 2)
        .filter(|period| chars.len().is_multiple_of(*period))
        .any(|period| chars.chunks(period).all(|c| c == &chars[..period]));
    let run = |step: i64| {
        chars
            .windows(2)
            .all(|w| i64::from(u32::from(w[1])) - i64::from(u32::from(w[0])) == step)
    };
    repeated || run(1) || run(-1)
}

pub fn precedence(value: i64) -> DomainResult<()> {
    if !(0..=i64::from(i32::MAX)).contains(&value) {
        return Err(DomainError::invalid(
            Field::Precedence,
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
        assert!(length(Field::Text, "abc", 1, 3).is_ok());
        assert!(length(Field::Text, "abcd", 1, 3).is_err());
        assert!(length(Field::Text, "a\u{0}", 0, 9).is_err());
        assert!(password("long enough now").is_ok());
        assert!(password("elevenchars").is_err(), "ASVS V2.1.1: 12 at least");
        assert!(password("tab\tinside it").is_err());
        for weak in [
            "Password1234",
            "aaaaaaaaaaaa",
            "abcabcabcabc",
            "abcdefghijklmn",
            "zyxwvutsrqpo",
            "QWERTY123456",
        ] {
            assert!(password(weak).is_err(), "{weak}");
        }
        assert!(password("correct horse battery").is_ok());
    }
}
