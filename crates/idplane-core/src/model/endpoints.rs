//! Where a user pool's OpenID Connect provider answers: one layout for every caller.

/// The URLs of one pool's provider, all below its issuer `{public base URL}/userpool/{pool}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolEndpoints {
    pub issuer: String,
    pub discovery: String,
    pub jwks: String,
    pub authorization: String,
    pub token: String,
    pub userinfo: String,
    pub revocation: String,
    pub introspection: String,
    pub end_session: String,
    pub login: String,
    pub sign_up: String,
    pub initiate_auth: String,
}

/// Path segments below the issuer; the data-plane router mounts exactly these.
pub mod paths {
    pub const DISCOVERY: &str = "/.well-known/openid-configuration";
    pub const JWKS: &str = "/.well-known/jwks.json";
    pub const AUTHORIZATION: &str = "/oauth2/authorize";
    pub const TOKEN: &str = "/oauth2/token";
    pub const USERINFO: &str = "/oauth2/userinfo";
    pub const REVOCATION: &str = "/oauth2/revoke";
    pub const INTROSPECTION: &str = "/oauth2/introspect";
    pub const END_SESSION: &str = "/oauth2/logout";
    pub const LOGIN: &str = "/login";
    pub const SIGN_UP: &str = "/signup";
    pub const INITIATE_AUTH: &str = "/api/v1/InitiateAuth";
}

impl PoolEndpoints {
    /// `public_url` is the external base URL without a trailing slash.
    pub fn new(public_url: &str, pool_uid: &str) -> Self {
        let issuer = format!("{}/userpool/{pool_uid}", public_url.trim_end_matches('/'));
        let at = |path: &str| format!("{issuer}{path}");
        Self {
            discovery: at(paths::DISCOVERY),
            jwks: at(paths::JWKS),
            authorization: at(paths::AUTHORIZATION),
            token: at(paths::TOKEN),
            userinfo: at(paths::USERINFO),
            revocation: at(paths::REVOCATION),
            introspection: at(paths::INTROSPECTION),
            end_session: at(paths::END_SESSION),
            login: at(paths::LOGIN),
            sign_up: at(paths::SIGN_UP),
            initiate_auth: at(paths::INITIATE_AUTH),
            issuer,
        }
    }
}
