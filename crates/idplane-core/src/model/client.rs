//! User pool clients: the applications that sign users in through a pool (OAuth clients).

use crate::fields::Field;
use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::error::DomainError;
use crate::ids::{ClientUid, UserPoolUid};

/// What kind of application a client is; decides its grants and whether it holds a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientType {
    /// A server-side web application: confidential, authorization code with a secret.
    WebApplication,
    /// A browser application: public, authorization code with PKCE.
    SinglePageApplication,
    /// A native or mobile application: public, authorization code with PKCE.
    MobileApplication,
    /// A service or agent acting as itself: confidential, client credentials.
    MachineToMachine,
}

impl ClientType {
    pub const ALL: [ClientType; 4] = [
        ClientType::WebApplication,
        ClientType::SinglePageApplication,
        ClientType::MobileApplication,
        ClientType::MachineToMachine,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ClientType::WebApplication => "WEB_APPLICATION",
            ClientType::SinglePageApplication => "SINGLE_PAGE_APPLICATION",
            ClientType::MobileApplication => "MOBILE_APPLICATION",
            ClientType::MachineToMachine => "MACHINE_TO_MACHINE",
        }
    }

    pub fn parse(value: &str) -> Result<Self, DomainError> {
        ClientType::ALL
            .into_iter()
            .find(|t| t.as_str() == value)
            .ok_or_else(|| {
                DomainError::invalid(
                    Field::ClientType,
                    format!(
                        "unknown client type {value:?}; expected one of {}",
                        ClientType::ALL.map(ClientType::as_str).join(", ")
                    ),
                )
            })
    }

    /// Confidential clients hold a secret and authenticate with it at the token endpoint.
    pub fn is_confidential(self) -> bool {
        matches!(
            self,
            ClientType::WebApplication | ClientType::MachineToMachine
        )
    }

    /// Public clients must use PKCE (S256) for the authorization code grant.
    pub fn requires_pkce(self) -> bool {
        !self.is_confidential()
    }

    /// Machine clients get tokens with the client credentials grant only; the others sign
    /// users in (authorization code, refresh token, native sign-in).
    pub fn is_machine(self) -> bool {
        self == ClientType::MachineToMachine
    }
}

/// Refresh token lifetimes and rotation (Volcengine `RefreshToken{…}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RefreshTokenSettings {
    /// Each use returns a new refresh token and spends the old one; reusing a spent one revokes
    /// the whole family.
    pub rotation: bool,
    pub has_idle_lifetime: bool,
    pub idle_lifetime_seconds: i64,
    pub has_combined_lifetime: bool,
    pub combined_lifetime_seconds: i64,
}

impl Default for RefreshTokenSettings {
    fn default() -> Self {
        Self {
            rotation: true,
            has_idle_lifetime: true,
            idle_lifetime_seconds: 7 * 24 * 3600,
            has_combined_lifetime: true,
            combined_lifetime_seconds: 30 * 24 * 3600,
        }
    }
}

/// A client's settings, stored as one document (none of it is searched).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClientSettings {
    pub logo_uri: String,
    /// Redirect URIs, matched exactly (RFC 6749 §3.1.2, OAuth 2.1).
    pub allowed_callback_urls: Vec<String>,
    pub allowed_logout_urls: Vec<String>,
    pub allowed_web_origins: Vec<String>,
    pub allowed_cors: Vec<String>,
    /// Lifetime of ID and access tokens.
    pub id_token_lifetime_seconds: i64,
    pub refresh_token: RefreshTokenSettings,
    pub development_mode_enabled: bool,
    pub device_flow_enabled: bool,
    pub dismiss_login_page_enabled: bool,
    pub skip_consent_enabled: bool,
}

impl Default for ClientSettings {
    fn default() -> Self {
        Self {
            logo_uri: String::new(),
            allowed_callback_urls: Vec::new(),
            allowed_logout_urls: Vec::new(),
            allowed_web_origins: Vec::new(),
            allowed_cors: Vec::new(),
            id_token_lifetime_seconds: 3600,
            refresh_token: RefreshTokenSettings::default(),
            development_mode_enabled: false,
            device_flow_enabled: false,
            dismiss_login_page_enabled: false,
            skip_consent_enabled: false,
        }
    }
}

/// A client as stored. The secret is kept sealed with the master key: GetUserPoolClient shows
/// it to the owning account, nothing else ever does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    pub uid: ClientUid,
    pub pool_uid: UserPoolUid,
    pub name: String,
    pub description: String,
    pub client_type: ClientType,
    /// `MasterKey::seal` of the secret; `None` for public clients.
    pub sealed_secret: Option<String>,
    pub settings: ClientSettings,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}
