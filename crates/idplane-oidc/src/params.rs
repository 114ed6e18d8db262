//! Request parameters of the OAuth endpoints: form bodies and query strings, where a parameter
//! sent twice is an error (RFC 6749 §3.1, §3.2) rather than a guess.

use std::collections::HashMap;

pub struct Params {
    values: HashMap<String, String>,
    repeated: Option<String>,
}

impl Params {
    pub fn parse(raw: &[u8]) -> Self {
        let mut values = HashMap::new();
        let mut repeated = None;
        for (k, v) in form_urlencoded::parse(raw) {
            if values.insert(k.to_string(), v.to_string()).is_some() && repeated.is_none() {
                repeated = Some(k.to_string());
            }
        }
        Self { values, repeated }
    }

    /// Query string and form body together (POST to the authorization endpoint may use both).
    pub fn merged(query: Option<&str>, body: &[u8]) -> Self {
        let mut p = Self::parse(query.unwrap_or_default().as_bytes());
        let body = Self::parse(body);
        if p.repeated.is_none() {
            p.repeated = body.repeated;
        }
        for (k, v) in body.values {
            if p.values.insert(k.clone(), v).is_some() && p.repeated.is_none() {
                p.repeated = Some(k);
            }
        }
        p
    }

    /// The first parameter that appeared more than once.
    pub fn repeated(&self) -> Option<&str> {
        self.repeated.as_deref()
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
        assert_eq!(p.repeated(), Some("a"));
        assert_eq!(p.get("b"), None);
        assert_eq!(p.get("c"), Some("x y"));
        let m = Params::merged(Some("a=1"), b"b=2");
        assert_eq!(
            (m.get("a"), m.get("b"), m.repeated()),
            (Some("1"), Some("2"), None)
        );
        assert_eq!(Params::merged(Some("a=1"), b"a=2").repeated(), Some("a"));
    }
}
