//! Request parameters of the OAuth endpoints: form bodies and query strings, where a parameter
//! sent twice is an error (RFC 6749 §3.1, §3.2) rather than a guess, and every parameter is
//! bounded: how many, how long, and no control characters (RFC 6749 §A: parameter values are
//! printable text).

use std::collections::HashMap;

/// The most parameters one request may carry.
pub const MAX_PARAMS: usize = 64;
/// The longest parameter name, in bytes.
pub const MAX_NAME: usize = 128;
/// The longest parameter value, in bytes (an ID token hint or a sealed form state fits).
pub const MAX_VALUE: usize = 16 * 1024;

pub struct Params {
    values: HashMap<String, String>,
    fault: Option<String>,
}

impl Params {
    pub fn parse(raw: &[u8]) -> Self {
        let mut p = Self {
            values: HashMap::new(),
            fault: None,
        };
        p.add(raw);
        p
    }

    fn add(&mut self, raw: &[u8]) {
        for (k, v) in form_urlencoded::parse(raw) {
            if self.fault.is_some() {
                return;
            }
            if self.values.len() >= MAX_PARAMS {
                self.fault = Some(format!("a request carries at most {MAX_PARAMS} parameters"));
            } else if k.len() > MAX_NAME || v.len() > MAX_VALUE {
                self.fault = Some("a parameter is too long".to_owned());
            } else if self.values.insert(k.to_string(), v.to_string()).is_some() {
                self.fault = Some(format!("the parameter {k} appears more than once"));
            } else if k.chars().chain(v.chars()).any(char::is_control) {
                // Kept (a hosted form answers it as any other failed sign-in), but flagged.
                self.fault = Some("a parameter holds control characters".to_owned());
            }
        }
    }

    /// Query string and form body together (POST to the authorization endpoint may use both).
    pub fn merged(query: Option<&str>, body: &[u8]) -> Self {
        let mut p = Self::parse(query.unwrap_or_default().as_bytes());
        p.add(body);
        p
    }

    /// What is wrong with the parameters as a whole (repeated, too many, too long, control
    /// characters); `None` when they can be read.
    pub fn fault(&self) -> Option<&str> {
        self.fault.as_deref()
    }

    /// A parameter's value; empty values count as absent (RFC 6749 §3.1).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    pub fn get_or_empty(&self, name: &str) -> &str {
        self.get(name).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_and_empty_parameters() {
        let p = Params::parse(b"a=1&b=&a=2&c=x%20y");
        assert_eq!(p.fault(), Some("the parameter a appears more than once"));
        let p = Params::parse(b"b=&c=x%20y");
        assert_eq!(p.get("b"), None);
        assert_eq!(p.get("c"), Some("x y"));
        let m = Params::merged(Some("a=1"), b"b=2");
        assert_eq!(
            (m.get("a"), m.get("b"), m.fault()),
            (Some("1"), Some("2"), None)
        );
        assert!(Params::merged(Some("a=1"), b"a=2").fault().is_some());
    }

    #[test]
    fn bounds_and_control_characters() {
        assert!(Params::parse(b"username=a%00b").fault().is_some());
        assert!(Params::parse(b"username=a%0Ab").fault().is_some());
        assert!(Params::parse(b"user%00name=ab").fault().is_some());
        let long = format!("v={}", "x".repeat(MAX_VALUE + 1));
        assert!(Params::parse(long.as_bytes()).fault().is_some());
        let many: String = (0..=MAX_PARAMS).map(|i| format!("k{i}=1&")).collect();
        assert!(Params::parse(many.as_bytes()).fault().is_some());
        assert!(
            Params::parse("name=J%C3%BCrgen&scope=openid+email".as_bytes())
                .fault()
                .is_none()
        );
    }
}
