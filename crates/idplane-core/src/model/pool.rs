//! User pools: a directory of users with its own sign-in settings.

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::ids::{AccountId, UserPoolUid};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Brand {
    pub name: Option<String>,
    pub logo_uri: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

/// Sign-up and sign-in settings. Stored as one document; none of it is searched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PoolSettings {
    pub authentication_method_order: Vec<String>,
    pub brand: Brand,
    pub tags: Vec<Tag>,
    pub password_sign_in_enabled: bool,
    pub self_sign_up_enabled: bool,
    pub self_account_recovery_enabled: bool,
    pub self_account_recovery_verification_attributes: Vec<String>,
    pub email_passwordless_sign_in_enabled: bool,
    pub sms_passwordless_sign_in_enabled: bool,
    pub email_anonymous_sign_up_enabled: bool,
    pub sms_anonymous_sign_up_enabled: bool,
    pub sign_up_auto_verification_enabled: bool,
    pub unconfirmed_user_sign_in_enabled: bool,
    pub sign_in_attributes: Vec<String>,
    pub required_sign_up_attributes: Vec<String>,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            authentication_method_order: Vec::new(),
            brand: Brand::default(),
            tags: Vec::new(),
            password_sign_in_enabled: true,
            self_sign_up_enabled: false,
            self_account_recovery_enabled: false,
            self_account_recovery_verification_attributes: Vec::new(),
            email_passwordless_sign_in_enabled: false,
            sms_passwordless_sign_in_enabled: false,
            email_anonymous_sign_up_enabled: false,
            sms_anonymous_sign_up_enabled: false,
            sign_up_auto_verification_enabled: false,
            unconfirmed_user_sign_in_enabled: false,
            sign_in_attributes: vec!["preferred_username".to_owned()],
            required_sign_up_attributes: Vec::new(),
        }
    }
}

/// Attributes a user may sign in with or be asked for at sign-up.
pub const SIGN_IN_ATTRIBUTES: &[&str] = &["preferred_username", "email", "phone_number"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPool {
    pub uid: UserPoolUid,
    pub account_id: AccountId,
    pub name: String,
    pub description: String,
    pub project_name: String,
    pub enabled: bool,
    pub settings: PoolSettings,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A pool with the counters that are computed on read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolView {
    pub pool: UserPool,
    pub total_users: i64,
    pub total_clients: i64,
    pub total_connections: i64,
}
