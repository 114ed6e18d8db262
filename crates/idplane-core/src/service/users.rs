//! User use cases: create (one or a batch), read, change, delete, search.

use crate::fields::Field;
use crate::service::custom_attributes::check_read_only;
use async_trait::async_trait;

use crate::clock::Timestamp;
use crate::error::{DomainError, DomainResult, Kind, UserError};
use crate::identifiers;
use crate::ids::{GroupUid, UserUid};
use crate::model::department::DepartmentRef;
use crate::model::user::{
    NewUser, PlacementChange, User, UserPatch, UserProfile, UserState, UserSummary, UserWrite,
};
use crate::query::{Page, UserQuery};
use crate::service::validate::{self, MAX_TEXT, non_empty};
use crate::service::{Directory, PoolAccess};
use crate::store::{PoolScope, Store};

/// The `DataSource` of users created through idplane's own APIs.
pub const DATA_SOURCE: &str = "idplane";

pub use crate::ids::MAX_BATCH;
use crate::ids::check_batch;

fn normalize(profile: &mut UserProfile) {
    for field in [
        &mut profile.preferred_username,
        &mut profile.email,
        &mut profile.phone_number,
        &mut profile.name,
        &mut profile.given_name,
        &mut profile.family_name,
        &mut profile.middle_name,
        &mut profile.nickname,
        &mut profile.gender,
        &mut profile.birthdate,
        &mut profile.locale,
        &mut profile.picture,
        &mut profile.profile,
        &mut profile.website,
        &mut profile.zoneinfo,
        &mut profile.user_metadata,
        &mut profile.description,
    ] {
        *field = non_empty(field.take());
    }
}

/// Which sign-in identifiers of a profile to bring into their stored form: all of a new user;
/// of a changed one only those the change sets (a value stored before the current rules, such
/// as a phone number without its country code, may stay as it is).
#[derive(Clone, Copy)]
struct Identifiers {
    username: bool,
    email: bool,
    phone: bool,
}

impl Identifiers {
    const ALL: Identifiers = Identifiers {
        username: true,
        email: true,
        phone: true,
    };

    fn set_by(patch: &UserPatch) -> Self {
        Self {
            username: patch.preferred_username.is_some(),
            email: patch.email.is_some(),
            phone: patch.phone_number.is_some(),
        }
    }
}

/// Brings the chosen identifiers into their stored form (see [`identifiers`]), refusing what
/// is not a user name, e-mail address or phone number.
fn prepare_identifiers(p: &mut UserProfile, which: Identifiers) -> DomainResult<()> {
    prepare(
        which.username,
        &mut p.preferred_username,
        identifiers::username,
    )?;
    prepare(which.email, &mut p.email, identifiers::email)?;
    prepare(which.phone, &mut p.phone_number, identifiers::phone)
}

fn prepare(
    chosen: bool,
    value: &mut Option<String>,
    stored_form: fn(&str) -> DomainResult<String>,
) -> DomainResult<()> {
    if chosen && let Some(v) = value.as_deref() {
        *value = Some(stored_form(v)?);
    }
    Ok(())
}

fn validate_profile(p: &UserProfile) -> DomainResult<()> {
    if p.preferred_username.is_none() && p.email.is_none() && p.phone_number.is_none() {
        return Err(DomainError::missing(Field::Username));
    }
    for (field, value) in [
        (Field::DisplayName, &p.name),
        (Field::GivenName, &p.given_name),
        (Field::FamilyName, &p.family_name),
        (Field::MiddleName, &p.middle_name),
        (Field::Nickname, &p.nickname),
        (Field::Gender, &p.gender),
        (Field::Birthdate, &p.birthdate),
        (Field::Locale, &p.locale),
        (Field::Zoneinfo, &p.zoneinfo),
    ] {
        validate::opt_length(field, value.as_deref(), MAX_TEXT)?;
    }
    for (field, value) in [
        (Field::Picture, &p.picture),
        (Field::Profile, &p.profile),
        (Field::Website, &p.website),
    ] {
        validate::opt_length(field, value.as_deref(), validate::MAX_DESCRIPTION)?;
    }
    validate::opt_length(
        Field::UserDescription,
        p.description.as_deref(),
        validate::MAX_DESCRIPTION,
    )?;
    if p.user_metadata
        .as_ref()
        .is_some_and(|m| m.len() > validate::MAX_METADATA)
    {
        return Err(DomainError::invalid(Field::UserMetadata, "at most 64 KiB"));
    }
    for (name, value) in &p.custom_attributes {
        validate::length(Field::CustomAttributeName, name, 1, 64)?;
        validate::length(
            Field::CustomAttributeValue,
            value,
            0,
            validate::MAX_DESCRIPTION,
        )?;
    }
    Ok(())
}

fn set_text(target: &mut Option<String>, value: Option<String>) {
    if let Some(v) = value {
        *target = non_empty(Some(v));
    }
}

/// Sets each upserted attribute; an empty value removes it.
fn merge_attributes(current: &mut Vec<(String, String)>, upserts: Vec<(String, String)>) {
    for (name, value) in upserts {
        match current.iter().position(|(n, _)| *n == name) {
            Some(at) if value.is_empty() => {
                current.remove(at);
            }
            Some(at) => current[at].1 = value,
            None if value.is_empty() => {}
            None => current.push((name, value)),
        }
    }
}

fn apply_patch(user: &mut User, patch: UserPatch) -> DomainResult<()> {
    let p = &mut user.profile;
    set_text(&mut p.preferred_username, patch.preferred_username);
    set_text(&mut p.email, patch.email);
    set_text(&mut p.phone_number, patch.phone_number);
    set_text(&mut p.name, patch.name);
    set_text(&mut p.given_name, patch.given_name);
    set_text(&mut p.family_name, patch.family_name);
    set_text(&mut p.middle_name, patch.middle_name);
    set_text(&mut p.nickname, patch.nickname);
    set_text(&mut p.gender, patch.gender);
    set_text(&mut p.birthdate, patch.birthdate);
    set_text(&mut p.locale, patch.locale);
    set_text(&mut p.picture, patch.picture);
    set_text(&mut p.profile, patch.profile);
    set_text(&mut p.website, patch.website);
    set_text(&mut p.zoneinfo, patch.zoneinfo);
    set_text(&mut p.user_metadata, patch.user_metadata);
    set_text(&mut p.description, patch.description);
    if let Some(v) = patch.email_verified {
        p.email_verified = v;
    }
    if let Some(v) = patch.phone_number_verified {
        p.phone_number_verified = v;
    }
    if let Some(attrs) = patch.custom_attributes {
        merge_attributes(&mut p.custom_attributes, attrs);
    }
    if let Some(state) = patch.state {
        user.state = state;
    }
    if let Some(expiration) = patch.expiration_time {
        user.expiration_time = expiration;
    }
    if let Some(reset) = patch.pwd_need_reset {
        user.pwd_need_reset = reset;
    }
    Ok(())
}

/// Where a change moves a user, as asked: its primary department, its other departments and
/// its groups; `None` leaves that as it is.
#[derive(Debug, Clone, Default)]
pub struct PlacementEdit {
    pub primary: Option<DepartmentRef>,
    pub secondary: Option<Vec<DepartmentRef>>,
    pub groups: Option<Vec<GroupUid>>,
}

/// How many times a write is tried again after a concurrent write moved the user on.
const WRITE_ATTEMPTS: usize = 5;

/// What a change does to the access the user holds: a new password, a new state or a password
/// reset asked for ends it all; an administrator setting the state clears a timed lockout.
fn write_kind(before: &User, after: &User, patch: &UserPatch, new_password: bool) -> UserWrite {
    UserWrite {
        ends_access: new_password
            || after.state != before.state
            || (after.pwd_need_reset && !before.pwd_need_reset),
        clears_lockout: patch.state.is_some(),
    }
}

impl Directory {
    pub(crate) async fn build_user(&self, access: &PoolAccess, new: NewUser) -> DomainResult<User> {
        let mut profile = new.profile;
        normalize(&mut profile);
        prepare_identifiers(&mut profile, Identifiers::ALL)?;
        validate_profile(&profile)?;
        self.declared_values(access, &mut profile.custom_attributes)
            .await?;
        profile.custom_attributes.retain(|(_, v)| !v.is_empty());
        let password_hash = match new.password.filter(|p| !p.is_empty()) {
            Some(p) => {
                validate::password(&p)?;
                Some(self.passwords.hash(p).await?)
            }
            None => None,
        };
        let state =
            new.state
                .unwrap_or(if access.pool.settings.sign_up_auto_verification_enabled {
                    UserState::Confirmed
                } else {
                    UserState::Unconfirmed
                });
        let now = self.now();
        Ok(User {
            uid: UserUid::generate(),
            pool_uid: access.pool.uid.clone(),
            profile,
            state,
            password_hash,
            latest_login: None,
            num_logins: 0,
            expiration_time: new.expiration_time,
            pwd_need_reset: new.pwd_need_reset,
            data_source: DATA_SOURCE.to_owned(),
            created_at: now,
            updated_at: now,
            group_uids: Vec::new(),
            department_uids: Vec::new(),
            generation: 0,
            failed_sign_ins: 0,
            locked_until: None,
        })
    }

    pub async fn create_user(&self, access: &PoolAccess, new: NewUser) -> DomainResult<User> {
        let user = self.build_user(access, new).await?;
        self.store.insert_user(&access.scope, &user).await?;
        Ok(user)
    }

    /// Creates each user on its own: one failure does not stop the others.
    pub async fn create_users(
        &self,
        access: &PoolAccess,
        users: Vec<NewUser>,
    ) -> DomainResult<Vec<DomainResult<User>>> {
        check_batch(Field::Users, users.len())?;
        let mut results = Vec::with_capacity(users.len());
        for new in users {
            results.push(self.create_user(access, new).await);
        }
        Ok(results)
    }

    /// A new password checked against the rules and hashed, ready to store.
    pub async fn hash_new_password(&self, password: &str) -> DomainResult<String> {
        validate::password(password)?;
        self.passwords.hash(password.to_owned()).await
    }

    /// A user as administrators see it (a timed lockout shown as `Locked`).
    pub async fn get_user(&self, access: &PoolAccess, uid: &UserUid) -> DomainResult<User> {
        Ok(self.stored_user(access, uid).await?.shown(self.now()))
    }

    /// A user as stored (a timed lockout as it is), `None` when the pool has no such user:
    /// what sign-in checks.
    pub async fn stored(&self, access: &PoolAccess, uid: &UserUid) -> DomainResult<Option<User>> {
        self.store.get_user(&access.scope, uid).await
    }

    /// A user as stored, for changing it.
    async fn stored_user(&self, access: &PoolAccess, uid: &UserUid) -> DomainResult<User> {
        self.store
            .get_user(&access.scope, uid)
            .await?
            .ok_or_else(|| DomainError::not_found(Kind::User, uid.as_str()))
    }

    /// Changes a user. A concurrent change of the same user is not overwritten: the user is
    /// read again and the patch applied again (the password hashed once). A new password, a
    /// new state or a requested reset ends the user's sessions and tokens at once.
    pub async fn update_user(
        &self,
        access: &PoolAccess,
        uid: &UserUid,
        patch: UserPatch,
    ) -> DomainResult<User> {
        self.update_placed_user(access, uid, patch, PlacementEdit::default())
            .await
    }

    /// [`Directory::update_user`] and, in the same write, the user's departments and groups
    /// as `edit` asks (EIAM's ModifyUserInfo): all of it, or nothing.
    pub async fn update_placed_user(
        &self,
        access: &PoolAccess,
        uid: &UserUid,
        mut patch: UserPatch,
        edit: PlacementEdit,
    ) -> DomainResult<User> {
        let password_hash = match patch.password.take() {
            Some(password) => {
                validate::password(&password)?;
                Some(self.passwords.hash(password).await?)
            }
            None => None,
        };
        let declared = match patch.custom_attributes.as_mut() {
            Some(values) => self.declared_values(access, values).await?,
            None => Vec::new(),
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            let before = self.stored_user(access, uid).await?;
            if let Some(values) = &patch.custom_attributes {
                check_read_only(&declared, &before.profile.custom_attributes, values)?;
            }
            let mut user = before.clone();
            apply_patch(&mut user, patch.clone())?;
            if let Some(hash) = &password_hash {
                user.password_hash = Some(hash.clone());
            }
            normalize(&mut user.profile);
            prepare_identifiers(&mut user.profile, Identifiers::set_by(&patch))?;
            validate_profile(&user.profile)?;
            user.updated_at = self.now();
            let write = write_kind(&before, &user, &patch, password_hash.is_some());
            let change = self.placement_change(access, &before, &edit).await?;
            let written = self
                .store
                .update_placed_user(&access.scope, &user, write, &change)
                .await;
            match written {
                Ok(()) => {
                    if write.ends_access {
                        user.generation += 1;
                    }
                    if write.clears_lockout {
                        user.failed_sign_ins = 0;
                        user.locked_until = None;
                    }
                    return Ok(user);
                }
                Err(DomainError::User(UserError::ChangedConcurrently))
                    if attempt < WRITE_ATTEMPTS => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// The departments and groups `edit` gives `user`: a primary department named (else the
    /// current one, else the root) and the secondary ones named (else the current others), no
    /// department twice; the groups named.
    async fn placement_change(
        &self,
        access: &PoolAccess,
        user: &User,
        edit: &PlacementEdit,
    ) -> DomainResult<PlacementChange> {
        let groups = edit.groups.clone();
        if edit.primary.is_none() && edit.secondary.is_none() {
            return Ok(PlacementChange {
                departments: None,
                groups,
            });
        }
        let current = self
            .store
            .departments_of_user(&access.scope, &user.uid)
            .await?;
        let primary = match &edit.primary {
            Some(p) => self.get_department(access, p).await?.department.uid,
            None => match current.first() {
                Some(m) => m.view.department.uid.clone(),
                None => {
                    self.get_department(access, &DepartmentRef::Root)
                        .await?
                        .department
                        .uid
                }
            },
        };
        let mut departments = vec![primary.clone()];
        match &edit.secondary {
            Some(list) => {
                for name in list {
                    self.place_once(access, &mut departments, name).await?;
                }
            }
            None => departments.extend(
                current
                    .iter()
                    .skip(1)
                    .map(|m| m.view.department.uid.clone())
                    .filter(|d| *d != primary),
            ),
        }
        Ok(PlacementChange {
            departments: Some(departments),
            groups,
        })
    }

    pub async fn update_users(
        &self,
        access: &PoolAccess,
        changes: Vec<(String, UserPatch)>,
    ) -> DomainResult<Vec<DomainResult<User>>> {
        check_batch(Field::Users, changes.len())?;
        let mut results = Vec::with_capacity(changes.len());
        for (uid, patch) in changes {
            let result = match UserUid::parse(&uid) {
                Ok(uid) => self.update_user(access, &uid, patch).await,
                Err(e) => Err(e),
            };
            results.push(result);
        }
        Ok(results)
    }

    pub async fn delete_users(
        &self,
        access: &PoolAccess,
        uids: Vec<String>,
    ) -> DomainResult<Vec<DomainResult<UserUid>>> {
        check_batch(Field::UserIds, uids.len())?;
        let mut results = Vec::with_capacity(uids.len());
        for uid in uids {
            let result = match UserUid::parse(&uid) {
                Ok(parsed) => match self.store.delete_user(&access.scope, &parsed).await {
                    Ok(true) => Ok(parsed),
                    Ok(false) => Err(DomainError::not_found(Kind::User, uid)),
                    Err(e) => Err(e),
                },
                Err(e) => Err(e),
            };
            results.push(result);
        }
        Ok(results)
    }

    /// Users of the pool matching `query`, as whole users or summaries ([`UserRows`]).
    pub async fn list_users<T: UserRows>(
        &self,
        access: &PoolAccess,
        query: &UserQuery,
    ) -> DomainResult<Page<T>> {
        let now = self.now();
        let mut query = query.clone();
        self.resolve_attribute_terms(access, &mut query).await?;
        Ok(T::search(self.store.as_ref(), &access.scope, &query)
            .await?
            .map(|u| u.shown(now)))
    }
}

/// What a user search answers: whole [`User`]s, or the [`UserSummary`]s member lists show
/// (read from fewer columns, without memberships).
#[async_trait]
pub trait UserRows: Sized + Send {
    /// The row as administrators see it at `now`.
    fn shown(self, now: Timestamp) -> Self;
    async fn search(
        store: &dyn Store,
        scope: &PoolScope,
        query: &UserQuery,
    ) -> DomainResult<Page<Self>>;
}

#[async_trait]
impl UserRows for User {
    fn shown(self, now: Timestamp) -> Self {
        User::shown(self, now)
    }
    async fn search(
        store: &dyn Store,
        scope: &PoolScope,
        query: &UserQuery,
    ) -> DomainResult<Page<Self>> {
        store.query_users(scope, query).await
    }
}

#[async_trait]
impl UserRows for UserSummary {
    fn shown(self, now: Timestamp) -> Self {
        UserSummary::shown(self, now)
    }
    async fn search(
        store: &dyn Store,
        scope: &PoolScope,
        query: &UserQuery,
    ) -> DomainResult<Page<Self>> {
        store.query_user_summaries(scope, query).await
    }
}
