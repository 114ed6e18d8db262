//! State carried through the hosted pages without server-side storage: the authorization
//! request being served, sealed (AES-256-GCM) with the master key so it can be neither read nor
//! altered, and bound to a CSRF token that is also held in a cookie (double submit). Any
//! process sharing the master key can continue a request another process started.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use idplane_core::clock::Timestamp;
use idplane_core::crypto::MasterKey;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

/// How long a login form stays usable.
const PENDING_MILLIS: i64 = 30 * 60 * 1000;

/// An authorization request waiting for the user to sign in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pending {
    pub pool: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub csrf: String,
    pub issued_at: i64,
    /// Set once the password was right but must be changed first: the user to finish.
    #[serde(default)]
    pub user: Option<String>,
    /// The generation of that user then: the change is made only while it still holds, so
    /// the form is good for one change, and none once an administrator changed the user.
    #[serde(default)]
    pub generation: Option<i64>,
}

/// Seals `value` for a form: the JSON of `{kind, value}` sealed with the master key, carried
/// URL-safe so links and forms keep it intact. `kind` keeps one form's state from being
/// passed off as another's.
pub fn seal_form<T: Serialize>(key: &MasterKey, kind: &str, value: &T) -> Option<String> {
    let json = serde_json::to_vec(&serde_json::json!({ "kind": kind, "value": value })).ok()?;
    let sealed = key.seal(&json).ok()?;
    let raw = STANDARD.decode(sealed).ok()?;
    Some(URL_SAFE_NO_PAD.encode(raw))
}

/// What [`seal_form`] sealed as `kind`, if `text` is intact.
pub fn open_form<T: DeserializeOwned>(key: &MasterKey, kind: &str, text: &str) -> Option<T> {
    let raw = URL_SAFE_NO_PAD.decode(text).ok()?;
    let json = key.open(&STANDARD.encode(raw)).ok()?;
    let mut sealed: serde_json::Value = serde_json::from_slice(&json).ok()?;
    if sealed.get("kind")?.as_str()? != kind {
        return None;
    }
    serde_json::from_value(sealed.get_mut("value")?.take()).ok()
}

/// The CSRF token sealed in a form's state, the form's and the cookie's all agree (double
/// submit, OWASP CSRF cheat sheet).
pub fn csrf_matches(sealed: &str, form: &str, cookie: Option<&str>) -> bool {
    let Some(cookie) = cookie else {
        return false;
    };
    let a: bool = sealed.as_bytes().ct_eq(form.as_bytes()).into();
    let b: bool = sealed.as_bytes().ct_eq(cookie.as_bytes()).into();
    a & b & !sealed.is_empty()
}

const KIND: &str = "authorization";

impl Pending {
    pub fn seal(&self, key: &MasterKey) -> Option<String> {
        seal_form(key, KIND, self)
    }

    /// The request sealed in `text`, if it is intact, for `pool`, and fresh.
    pub fn open(key: &MasterKey, text: &str, pool: &str, now: Timestamp) -> Option<Self> {
        let p: Pending = open_form(key, KIND, text)?;
        let fresh = now.millis() - p.issued_at < PENDING_MILLIS && p.issued_at <= now.millis();
        (p.pool == pool && fresh).then_some(p)
    }

    /// The form's token, the cookie's and the sealed one all agree.
    pub fn csrf_ok(&self, form: &str, cookie: Option<&str>) -> bool {
        csrf_matches(&self.csrf, form, cookie)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(now: i64) -> Pending {
        Pending {
            pool: "p1".into(),
            client_id: "c1".into(),
            redirect_uri: "https://app/cb".into(),
            scope: "openid".into(),
            state: Some("s".into()),
            nonce: None,
            code_challenge: None,
            csrf: "tok".into(),
            issued_at: now,
            user: None,
            generation: None,
        }
    }

    #[test]
    fn sealed_requests_open_only_intact_fresh_and_for_their_pool() {
        let key = MasterKey::generate();
        let sealed = pending(1_000).seal(&key).unwrap();
        let now = Timestamp::from_millis(2_000);
        assert!(Pending::open(&key, &sealed, "p1", now).is_some());
        assert!(Pending::open(&key, &sealed, "p2", now).is_none());
        assert!(Pending::open(&MasterKey::generate(), &sealed, "p1", now).is_none());
        let late = Timestamp::from_millis(1_000 + PENDING_MILLIS + 1);
        assert!(Pending::open(&key, &sealed, "p1", late).is_none());
        let mut tampered = sealed.into_bytes();
        tampered[20] = if tampered[20] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        assert!(Pending::open(&key, &tampered, "p1", now).is_none());
    }

    #[test]
    fn csrf_needs_form_and_cookie() {
        let p = pending(0);
        assert!(p.csrf_ok("tok", Some("tok")));
        assert!(!p.csrf_ok("tok", None));
        assert!(!p.csrf_ok("tok", Some("other")));
        assert!(!p.csrf_ok("other", Some("tok")));
    }
}
