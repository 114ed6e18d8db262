//! The data plane's routes: every pool's provider below `/userpool/{pool}`.

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use idplane_core::model::endpoints::paths;

use crate::provider::Provider;
use crate::{authorize, login, native, resource, session, token};

/// The largest request body the data plane reads: its forms and JSON are small.
pub const MAX_BODY: usize = 64 * 1024;

pub fn router(provider: Arc<Provider>) -> Router {
    let at = |path: &str| format!("/userpool/{{pool}}{path}");
    Router::new()
        .route(&at(paths::DISCOVERY), get(session::discovery))
        .route(&at(paths::JWKS), get(session::jwks))
        .route(
            &at(paths::AUTHORIZATION),
            get(authorize::authorize_get).post(authorize::authorize_post),
        )
        .route(&at(paths::LOGIN), post(login::login))
        .route(&at("/login/password"), post(login::change_password))
        .route(
            &at(paths::SIGN_UP),
            get(login::sign_up_form).post(login::sign_up),
        )
        .route(&at(paths::TOKEN), post(token::token))
        .route(
            &at(paths::USERINFO),
            get(resource::userinfo).post(resource::userinfo),
        )
        .route(&at(paths::REVOCATION), post(resource::revoke))
        .route(&at(paths::INTROSPECTION), post(resource::introspect))
        .route(
            &at(paths::END_SESSION),
            get(session::logout_get).post(session::logout_post),
        )
        .route(&at(paths::INITIATE_AUTH), post(native::initiate_auth))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(provider)
}
