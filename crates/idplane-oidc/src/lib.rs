//! The data plane: every user pool as an OpenID Connect provider — discovery, JWKS, the
//! authorization code flow with PKCE behind a hosted login page, the token endpoint, userinfo,
//! revocation, introspection, sign-out, and the native `InitiateAuth` sign-in API.

pub mod claims;
pub mod jose;
pub mod keys;
// pub mod provider;
pub mod secrets;
