//! What tokens and userinfo say about a user, by the scopes granted (OIDC Core §5.4).

use idplane_core::model::user::User;
use serde_json::{Map, Value};

/// The scopes this provider understands; others are ignored (RFC 6749 §3.3 lets us narrow).
pub const SUPPORTED_SCOPES: &[&str] = &[
    "openid",
    "profile",
    "email",
    "phone",
    "offline_access",
    CUSTOM_ATTRIBUTES,
];

/// The scope that asks for the user's custom attributes, each as a `custom:{name}` claim (a
/// string, as stored).
pub const CUSTOM_ATTRIBUTES: &str = "custom_attributes";

/// The granted scope: the requested scopes this provider supports, in request order, deduplicated.
pub fn grant(requested: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for s in requested.split(' ').filter(|s| !s.is_empty()) {
        if SUPPORTED_SCOPES.contains(&s) && !out.contains(&s) {
            out.push(s);
        }
    }
    out.join(" ")
}

pub fn has(scope: &str, wanted: &str) -> bool {
    scope.split(' ').any(|s| s == wanted)
}

fn put(claims: &mut Map<String, Value>, name: &str, value: &Option<String>) {
    if let Some(v) = value.as_ref().filter(|v| !v.is_empty()) {
        claims.insert(name.to_owned(), Value::String(v.clone()));
    }
}

/// The user's claims for `scope`, always with `sub`.
pub fn user_claims(user: &User, scope: &str) -> Map<String, Value> {
    let mut c = Map::new();
    c.insert(
        "sub".to_owned(),
        Value::String(user.uid.as_str().to_owned()),
    );
    let p = &user.profile;
    if has(scope, "profile") {
        put(&mut c, "name", &p.name);
        put(&mut c, "given_name", &p.given_name);
        put(&mut c, "family_name", &p.family_name);
        put(&mut c, "middle_name", &p.middle_name);
        put(&mut c, "nickname", &p.nickname);
        put(&mut c, "preferred_username", &p.preferred_username);
        put(&mut c, "picture", &p.picture);
        put(&mut c, "profile", &p.profile);
        put(&mut c, "website", &p.website);
        put(&mut c, "gender", &p.gender);
        put(&mut c, "birthdate", &p.birthdate);
        put(&mut c, "zoneinfo", &p.zoneinfo);
        put(&mut c, "locale", &p.locale);
        c.insert(
            "updated_at".to_owned(),
            Value::from(user.updated_at.millis() / 1000),
        );
    }
    if has(scope, "email") && p.email.as_ref().is_some_and(|e| !e.is_empty()) {
        put(&mut c, "email", &p.email);
        c.insert("email_verified".to_owned(), Value::Bool(p.email_verified));
    }
    if has(scope, "phone") && p.phone_number.as_ref().is_some_and(|e| !e.is_empty()) {
        put(&mut c, "phone_number", &p.phone_number);
        c.insert(
            "phone_number_verified".to_owned(),
            Value::Bool(p.phone_number_verified),
        );
    }
    if has(scope, CUSTOM_ATTRIBUTES) {
        for (name, value) in &p.custom_attributes {
            c.insert(format!("custom:{name}"), Value::String(value.clone()));
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_known_scopes_once() {
        assert_eq!(
            grant("openid  email openid bogus phone"),
            "openid email phone"
        );
        assert_eq!(grant(""), "");
        assert!(has("openid email", "email"));
        assert!(!has("openid emails", "email"));
    }
}
