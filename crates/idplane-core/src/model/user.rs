//! Users: the OIDC standard claims, a state, and a password hash that never leaves the domain.

use crate::clock::Timestamp;
use crate::error::DomainError;
use crate::fields::Field;
use crate::ids::{DepartmentUid, GroupUid, UserPoolUid, UserUid};

/// A user's lifecycle state. One domain value, named per dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UserState {
    /// Created but not yet verified; cannot sign in with a password unless the pool allows it.
    Unconfirmed,
    /// Verified and active.
    Confirmed,
    /// Arrived through an external identity provider.
    ExternalProvider,
    /// Must reset the password before signing in.
    ResetRequired,
    /// Must choose a new password at next sign-in.
    ForceChangePassword,
    /// Switched off by an administrator (EIAM `FREEZE`).
    Disabled,
    /// Locked, e.g. after too many failed sign-ins.
    Locked,
}

impl UserState {
    pub const ALL: [UserState; 7] = [
        UserState::Unconfirmed,
        UserState::Confirmed,
        UserState::ExternalProvider,
        UserState::ResetRequired,
        UserState::ForceChangePassword,
        UserState::Disabled,
        UserState::Locked,
    ];

    /// The stored (and Volcengine) spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            UserState::Unconfirmed => "UNCONFIRMED",
            UserState::Confirmed => "CONFIRMED",
            UserState::ExternalProvider => "EXTERNAL_PROVIDER",
            UserState::ResetRequired => "RESET_REQUIRED",
            UserState::ForceChangePassword => "FORCE_CHANGE_PASSWORD",
            UserState::Disabled => "DISABLED",
            UserState::Locked => "LOCKED",
        }
    }

    pub fn parse(value: &str) -> Result<Self, DomainError> {
        let upper = value.trim().to_ascii_uppercase();
        UserState::ALL
            .into_iter()
            .find(|s| s.as_str() == upper)
            .ok_or_else(|| {
                DomainError::invalid(
                    Field::UserState,
                    format!(
                        "unknown user state {value:?}; expected one of {}",
                        UserState::ALL.map(UserState::as_str).join(", ")
                    ),
                )
            })
    }
}

/// The profile attributes of a user (OIDC standard claims and a few extras).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserProfile {
    pub preferred_username: Option<String>,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub middle_name: Option<String>,
    pub nickname: Option<String>,
    pub gender: Option<String>,
    pub birthdate: Option<String>,
    pub locale: Option<String>,
    pub picture: Option<String>,
    pub profile: Option<String>,
    pub website: Option<String>,
    pub zoneinfo: Option<String>,
    pub user_metadata: Option<String>,
    pub description: Option<String>,
    pub email_verified: bool,
    pub phone_number_verified: bool,
    pub custom_attributes: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub uid: UserUid,
    pub pool_uid: UserPoolUid,
    pub profile: UserProfile,
    pub state: UserState,
    pub password_hash: Option<String>,
    pub latest_login: Option<Timestamp>,
    pub num_logins: i64,
    /// When the account stops working (EIAM `ExpirationTime`); `None` = never.
    pub expiration_time: Option<Timestamp>,
    /// The user must choose a new password at next sign-in (EIAM `PwdNeedReset`).
    pub pwd_need_reset: bool,
    /// Where the user came from (EIAM `DataSource`), e.g. `idplane`.
    pub data_source: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub group_uids: Vec<GroupUid>,
    pub department_uids: Vec<DepartmentUid>,
    /// Moves on whenever a credential or the state changes: what sessions, codes and tokens
    /// were made under must match it to be worth anything.
    pub generation: i64,
    /// Consecutive failed passwords since the last success.
    pub failed_sign_ins: i64,
    /// Until when password sign-in is refused after failures (timed lockout).
    pub locked_until: Option<Timestamp>,
}

/// The state as shown to administrators: `Locked` while a timed lockout lasts.
fn shown_state(state: UserState, locked_until: Option<Timestamp>, now: Timestamp) -> UserState {
    match locked_until {
        Some(until) if until > now => UserState::Locked,
        _ => state,
    }
}

impl User {
    /// The user as shown to administrators at `now` (see [`UserSummary::shown`]).
    pub fn shown(mut self, now: Timestamp) -> Self {
        self.state = shown_state(self.state, self.locked_until, now);
        self
    }
}

/// How a write of a user treats what signing in left behind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UserWrite {
    /// A credential or the state changed: the generation moves on, and the user's sessions
    /// and grants (refresh and access tokens) end in the same write.
    pub ends_access: bool,
    /// The failed-password count and any timed lockout are cleared (an administrator's
    /// unlock).
    pub clears_lockout: bool,
}

/// The name a user is shown by: `name`, else the user name, else empty. The EIAM `DisplayName`
/// and the display-name sort key.
pub fn display_name(name: &Option<String>, preferred_username: &Option<String>) -> String {
    name.clone()
        .or_else(|| preferred_username.clone())
        .unwrap_or_default()
}

/// What a member list shows of a user (EIAM `UserInfo`): read without the rest of the profile,
/// the password hash or the memberships, so a page of them costs a fraction of full users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSummary {
    pub uid: UserUid,
    pub preferred_username: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub state: UserState,
    pub data_source: String,
    pub locked_until: Option<Timestamp>,
}

impl UserSummary {
    /// The summary as shown to administrators at `now`: `Locked` while a timed lockout lasts
    /// (the stored state stays; searches by state see the stored one).
    pub fn shown(mut self, now: Timestamp) -> Self {
        self.state = shown_state(self.state, self.locked_until, now);
        self
    }
}

impl From<User> for UserSummary {
    fn from(u: User) -> Self {
        Self {
            uid: u.uid,
            preferred_username: u.profile.preferred_username,
            name: u.profile.name,
            email: u.profile.email,
            phone_number: u.profile.phone_number,
            state: u.state,
            data_source: u.data_source,
            locked_until: u.locked_until,
        }
    }
}

/// A user to create. The password, if any, is given in clear and hashed by the service.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub profile: UserProfile,
    pub password: Option<String>,
    pub state: Option<UserState>,
    pub expiration_time: Option<Timestamp>,
    pub pwd_need_reset: bool,
}

/// Where a new user goes, written with it in one transaction: its departments (the first is
/// its primary one) and its groups.
#[derive(Debug, Clone, Default)]
pub struct Placement {
    pub departments: Vec<DepartmentUid>,
    pub groups: Vec<GroupUid>,
}

/// A change of where a user is, written with the user's own change in one transaction: its
/// departments anew (the first is its primary one; a kept department keeps its role) and its
/// groups anew. `None` leaves that side as it is.
#[derive(Debug, Clone, Default)]
pub struct PlacementChange {
    pub departments: Option<Vec<DepartmentUid>>,
    pub groups: Option<Vec<GroupUid>>,
}

/// A change to a user. For text fields, `Some("")` clears the value and `None` keeps it.
#[derive(Debug, Clone, Default)]
pub struct UserPatch {
    pub preferred_username: Option<String>,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub middle_name: Option<String>,
    pub nickname: Option<String>,
    pub gender: Option<String>,
    pub birthdate: Option<String>,
    pub locale: Option<String>,
    pub picture: Option<String>,
    pub profile: Option<String>,
    pub website: Option<String>,
    pub zoneinfo: Option<String>,
    pub user_metadata: Option<String>,
    pub description: Option<String>,
    pub email_verified: Option<bool>,
    pub phone_number_verified: Option<bool>,
    pub custom_attributes: Option<Vec<(String, String)>>,
    pub password: Option<String>,
    pub state: Option<UserState>,
    /// `Some(None)` clears the expiration time.
    pub expiration_time: Option<Option<Timestamp>>,
    pub pwd_need_reset: Option<bool>,
}
