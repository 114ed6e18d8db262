//! The data plane: every user pool as an OpenID Connect provider — discovery, JWKS, the
//! authorization code flow with PKCE behind a hosted login page, the token endpoint, userinfo,
//! revocation, introspection, sign-out, and the native `InitiateAuth` sign-in API.

mod authorize;
mod authorize_request;
pub mod cache;
pub mod claims;
mod client_auth;
mod errors;
pub mod jose;
pub mod keys;
mod login;
pub mod native;
pub mod pages;
pub mod params;
pub mod pending;
pub mod provider;
mod resource;
mod routes;
pub mod secrets;
mod session;
mod signin;
pub mod source;
mod token;
mod token_request;

pub use provider::{Provider, ProviderConfig};
pub use routes::router;
