//! The storage the domain needs, split by role. Every call on pool contents is scoped by a
//! [`PoolScope`], which can only be made from a pool that was read for its account.

use async_trait::async_trait;

use crate::clock::Timestamp;
use crate::error::DomainResult;
use crate::identifiers::Attribute;
use crate::ids::{
    AccessKeyId, AccountId, ClientUid, CustomAttributeUid, DepartmentUid, GroupUid, UserPoolUid,
    UserUid, WorkloadPoolId,
};
use crate::model::account::{AccessKey, Account};
use crate::model::activity::{Month, PoolMau};
use crate::model::client::Client;
use crate::model::custom_attribute::CustomAttribute;
use crate::model::department::{
    DeleteOptions, Department, DepartmentChange, DepartmentMember, DepartmentView, MemberFilter,
    MemberPatch, Membership,
};
use crate::model::group::Group;
use crate::model::pool::{PoolView, UserPool};
use crate::model::sign_in::{
    AuthCode, CodeRedemption, Grant, GrantStart, LoginSession, RefreshRecord, RefreshSpend,
    SigningKeyRecord,
};
use crate::model::user::{Placement, PlacementChange, User, UserSummary, UserWrite};
use crate::model::workload::{WorkloadIdentity, WorkloadPool};
use crate::query::{
    ClientQuery, DepartmentQuery, GroupQuery, Page, PoolQuery, UserQuery, WorkloadIdentityQuery,
    WorkloadPoolQuery,
};

/// Proof that a pool exists and belongs to an account: everything inside a pool is reached
/// through one of these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolScope {
    account_id: AccountId,
    pool_uid: UserPoolUid,
}

impl PoolScope {
    /// The scope of a pool that was read from the store; only the checks in core's services
    /// make one.
    pub(crate) fn of(pool: &UserPool) -> Self {
        Self {
            account_id: pool.account_id.clone(),
            pool_uid: pool.uid.clone(),
        }
    }

    /// The scope of a pool that a test or a seeding tool wrote to a store itself, bypassing the
    /// services. The server never enables this feature.
    #[cfg(feature = "test-support")]
    pub fn trusted(pool: &UserPool) -> Self {
        Self::of(pool)
    }

    pub fn account_id(&self) -> &AccountId {
        &self.account_id
    }

    pub fn pool_uid(&self) -> &UserPoolUid {
        &self.pool_uid
    }
}

#[async_trait]
pub trait AccountStore: Send + Sync {
    /// The account with this name, created if it does not exist yet.
    async fn ensure_account(&self, name: &str, now: Timestamp) -> DomainResult<Account>;
    async fn find_account(&self, name: &str) -> DomainResult<Option<Account>>;
    /// Stores a new key; `Duplicated` if the id is taken.
    async fn insert_access_key(&self, key: &AccessKey) -> DomainResult<()>;
    async fn get_access_key(&self, id: &AccessKeyId) -> DomainResult<Option<AccessKey>>;
    async fn list_access_keys(&self, account: Option<&AccountId>) -> DomainResult<Vec<AccessKey>>;
    /// Whether a key was deleted.
    async fn delete_access_key(&self, id: &AccessKeyId) -> DomainResult<bool>;
}

/// A pool's custom attribute declarations.
#[async_trait]
pub trait AttributeStore: Send + Sync {
    /// Declares an attribute unless the pool has one of that name (in any letter case) or
    /// already declares `limit`: checked and written in one transaction.
    async fn insert_attribute(
        &self,
        scope: &PoolScope,
        attribute: &CustomAttribute,
        limit: usize,
    ) -> DomainResult<()>;
    /// Writes an attribute's mutability and bounds back; whether it exists.
    async fn update_attribute(
        &self,
        scope: &PoolScope,
        attribute: &CustomAttribute,
    ) -> DomainResult<bool>;
    /// Removes a declaration unless a user of the pool holds a value of it (checked in the
    /// same transaction); whether it existed.
    async fn delete_attribute(
        &self,
        scope: &PoolScope,
        uid: &CustomAttributeUid,
    ) -> DomainResult<bool>;
    /// The pool's declarations, by name.
    async fn attributes(&self, scope: &PoolScope) -> DomainResult<Vec<CustomAttribute>>;
}

#[async_trait]
pub trait PoolStore: Send + Sync {
    /// Stores a pool and its root department; `Duplicated` if the account has a pool of that name.
    async fn insert_pool(&self, pool: &UserPool, root: &Department) -> DomainResult<()>;
    /// A pool with its counters (which cost a count of its users).
    async fn get_pool(
        &self,
        account: &AccountId,
        uid: &UserPoolUid,
    ) -> DomainResult<Option<PoolView>>;
    /// A pool without counters: the cheap read every pool-scoped request makes.
    async fn find_pool(
        &self,
        account: &AccountId,
        uid: &UserPoolUid,
    ) -> DomainResult<Option<UserPool>>;
    async fn find_pool_by_name(
        &self,
        account: &AccountId,
        name: &str,
    ) -> DomainResult<Option<UserPool>>;
    /// A pool by uid alone: the data plane and the operator's CLI have no account in hand.
    async fn pool_by_uid(&self, uid: &UserPoolUid) -> DomainResult<Option<UserPool>>;
    async fn list_pools(
        &self,
        account: &AccountId,
        query: &PoolQuery,
    ) -> DomainResult<Page<PoolView>>;
    /// Writes a pool's name, description and settings back.
    async fn update_pool(&self, pool: &UserPool) -> DomainResult<()>;
    /// Deletes a pool and everything in it; whether it existed.
    async fn delete_pool(&self, account: &AccountId, uid: &UserPoolUid) -> DomainResult<bool>;
}

/// Workload pools, each scoped to its account.
#[async_trait]
pub trait WorkloadStore: Send + Sync {
    /// Stores a pool; `NameTaken` if the account has a pool of that name.
    async fn insert_workload_pool(&self, pool: &WorkloadPool) -> DomainResult<()>;
    async fn workload_pool(
        &self,
        account: &AccountId,
        id: &WorkloadPoolId,
    ) -> DomainResult<Option<WorkloadPool>>;
    async fn workload_pool_by_name(
        &self,
        account: &AccountId,
        name: &str,
    ) -> DomainResult<Option<WorkloadPool>>;
    async fn list_workload_pools(
        &self,
        account: &AccountId,
        query: &WorkloadPoolQuery,
    ) -> DomainResult<Page<WorkloadPool>>;
    /// Writes a pool's description, tags and settings back; `NotFound` when it is gone.
    async fn update_workload_pool(&self, pool: &WorkloadPool) -> DomainResult<()>;
    /// Deletes a pool that holds no identities; whether it existed. `HasIdentities` when it
    /// holds some, decided in the same statement as the deletion.
    async fn delete_workload_pool(
        &self,
        account: &AccountId,
        id: &WorkloadPoolId,
    ) -> DomainResult<bool>;

    /// Stores an identity; `NameTaken` if its pool has one of that name, `NotFound` for the
    /// pool when it was deleted meanwhile.
    async fn insert_workload_identity(&self, identity: &WorkloadIdentity) -> DomainResult<()>;
    async fn workload_identity(
        &self,
        pool: &WorkloadPoolId,
        name: &str,
    ) -> DomainResult<Option<WorkloadIdentity>>;
    async fn list_workload_identities(
        &self,
        pool: &WorkloadPoolId,
        query: &WorkloadIdentityQuery,
    ) -> DomainResult<Page<WorkloadIdentity>>;
    /// Reads the identity, applies `change` and writes its description, category, metadata,
    /// return URLs and update time back, in one transaction holding the identity's row, so
    /// concurrent changes apply one after the other and none is lost. `None` when there is no
    /// such identity; an error of `change` writes nothing.
    async fn change_workload_identity(
        &self,
        pool: &WorkloadPoolId,
        name: &str,
        change: &(dyn for<'a> Fn(&'a mut WorkloadIdentity) -> DomainResult<()> + Send + Sync),
    ) -> DomainResult<Option<WorkloadIdentity>>;
    /// Deletes an identity; whether it existed.
    async fn delete_workload_identity(
        &self,
        pool: &WorkloadPoolId,
        name: &str,
    ) -> DomainResult<bool>;
}

#[async_trait]
pub trait UserStore: Send + Sync {
    /// `Duplicated` when the username, email or phone number is taken in the pool.
    async fn insert_user(&self, scope: &PoolScope, user: &User) -> DomainResult<()>;
    async fn get_user(&self, scope: &PoolScope, uid: &UserUid) -> DomainResult<Option<User>>;
    /// Writes the user's attributes back (not its sign-in counters), provided its generation
    /// is still `user.generation` as read: `Conflict` when a concurrent write moved it on (read
    /// again and retry), `NotFound` when the user is gone, `Duplicated` as for insert. With
    /// `write.ends_access` the generation moves on and the user's sessions and grants end in
    /// the same transaction.
    async fn update_user(
        &self,
        scope: &PoolScope,
        user: &User,
        write: UserWrite,
    ) -> DomainResult<()>;
    /// [`UserStore::update_user`] and a change of the user's departments and groups, in one
    /// write: `NotFound` when a department or group named is not in the pool, and then nothing
    /// is written.
    async fn update_placed_user(
        &self,
        scope: &PoolScope,
        user: &User,
        write: UserWrite,
        change: &PlacementChange,
    ) -> DomainResult<()>;
    async fn delete_user(&self, scope: &PoolScope, uid: &UserUid) -> DomainResult<bool>;
    async fn query_users(&self, scope: &PoolScope, query: &UserQuery) -> DomainResult<Page<User>>;
    /// The same search, answering summaries.
    async fn query_user_summaries(
        &self,
        scope: &PoolScope,
        query: &UserQuery,
    ) -> DomainResult<Page<UserSummary>>;
    /// Inserts a user with its departments and groups in one write: `NotFound` when a
    /// department or group is not in the pool, `Duplicated` as for insert; nothing is written
    /// then.
    async fn insert_placed_user(
        &self,
        scope: &PoolScope,
        user: &User,
        placement: &Placement,
    ) -> DomainResult<()>;
    /// Which of `users` are in the pool, in one read.
    async fn existing_users(
        &self,
        scope: &PoolScope,
        users: &[UserUid],
    ) -> DomainResult<Vec<UserUid>>;
}

#[async_trait]
pub trait GroupStore: Send + Sync {
    /// `Duplicated` when the pool has a group of that name.
    async fn insert_group(&self, scope: &PoolScope, group: &Group) -> DomainResult<()>;
    async fn get_group(&self, scope: &PoolScope, uid: &GroupUid) -> DomainResult<Option<Group>>;
    async fn update_group(&self, scope: &PoolScope, group: &Group) -> DomainResult<()>;
    async fn delete_group(&self, scope: &PoolScope, uid: &GroupUid) -> DomainResult<bool>;
    async fn query_groups(
        &self,
        scope: &PoolScope,
        query: &GroupQuery,
    ) -> DomainResult<Page<Group>>;
    /// Adds members (already-members are fine); `NotFound` if a user is not in the pool.
    async fn add_group_members(
        &self,
        scope: &PoolScope,
        group: &GroupUid,
        users: &[UserUid],
        now: Timestamp,
    ) -> DomainResult<()>;
    async fn remove_group_members(
        &self,
        scope: &PoolScope,
        group: &GroupUid,
        users: &[UserUid],
    ) -> DomainResult<()>;
    /// Makes `group` the only group of each of `users`, in one write: each leaves every other
    /// group it is in and joins `group` (keeping when it joined, if it was a member already).
    /// `NotFound` when the group or a user is not in the pool; nothing is written then.
    async fn set_only_group(
        &self,
        scope: &PoolScope,
        group: &GroupUid,
        users: &[UserUid],
        now: Timestamp,
    ) -> DomainResult<()>;
    /// Every (user, group) membership of `users`, in one read: by user, then by when the user
    /// joined.
    async fn groups_of_users(
        &self,
        scope: &PoolScope,
        users: &[UserUid],
    ) -> DomainResult<Vec<(UserUid, Group)>>;
}

#[async_trait]
pub trait DepartmentStore: Send + Sync {
    /// Applies `changes` in order in one transaction holding the pool's department tree: all
    /// of them, or none (the first refusal is the answer).
    async fn apply_departments(
        &self,
        scope: &PoolScope,
        changes: &[DepartmentChange],
    ) -> DomainResult<()>;
    /// The departments of the pool from `source` with these external ids.
    async fn departments_by_external_id(
        &self,
        scope: &PoolScope,
        source: &str,
        external_ids: &[&str],
    ) -> DomainResult<Vec<DepartmentView>>;
    /// Inserts a department under its `parent_uid`, taking `path` and `name_path` from the
    /// parent as it is inside the write (a concurrent move or delete of the parent cannot be
    /// missed). Returns the department as stored; `NotFound` when the parent is gone,
    /// `Duplicated` when it already has a child of that name.
    async fn insert_department(
        &self,
        scope: &PoolScope,
        department: &Department,
    ) -> DomainResult<Department>;
    async fn get_department(
        &self,
        scope: &PoolScope,
        uid: &DepartmentUid,
    ) -> DomainResult<Option<DepartmentView>>;
    async fn root_department(&self, scope: &PoolScope) -> DomainResult<Option<DepartmentView>>;
    /// Writes a department back under its `parent_uid`. Paths are derived inside the write from
    /// the parent as it is then, and the subtree follows a move or rename; a parent inside the
    /// department's own subtree is refused there too, so racing moves cannot make a cycle.
    async fn update_department(
        &self,
        scope: &PoolScope,
        department: &Department,
    ) -> DomainResult<Department>;
    /// Deletes a department and its subtree (memberships go; users stay). Children and members
    /// are checked against `options` inside the write: `Conflict` when either is in the way.
    /// `false` when there is no such department.
    async fn delete_department(
        &self,
        scope: &PoolScope,
        uid: &DepartmentUid,
        options: DeleteOptions,
    ) -> DomainResult<bool>;
    async fn query_departments(
        &self,
        scope: &PoolScope,
        query: &DepartmentQuery,
    ) -> DomainResult<Page<DepartmentView>>;
    /// Every department whose path starts with `path`, at most `max_depth` levels below it,
    /// ordered by path.
    async fn subtree(
        &self,
        scope: &PoolScope,
        path: &str,
        max_depth: Option<u32>,
    ) -> DomainResult<Vec<DepartmentView>>;
    async fn add_department_members(
        &self,
        scope: &PoolScope,
        department: &DepartmentUid,
        users: &[UserUid],
        now: Timestamp,
    ) -> DomainResult<()>;
    async fn remove_department_members(
        &self,
        scope: &PoolScope,
        department: &DepartmentUid,
        users: &[UserUid],
    ) -> DomainResult<()>;
    /// Moves each of `users` from department `from` to department `to` in one write: each keeps
    /// when it joined (the earlier time, for a user already in `to`), so a primary membership
    /// stays primary. `NotFound` when either department is gone, `Conflict` naming the first
    /// user that is not in `from`; nothing is written then.
    async fn move_department_members(
        &self,
        scope: &PoolScope,
        from: &DepartmentUid,
        to: &DepartmentUid,
        users: &[UserUid],
    ) -> DomainResult<()>;
    /// A user's memberships, primary first (by when joined, then by path).
    async fn departments_of_user(
        &self,
        scope: &PoolScope,
        user: &UserUid,
    ) -> DomainResult<Vec<Membership>>;
    /// Every (user, membership) of `users`, in one read: by user, then as
    /// [`DepartmentStore::departments_of_user`] orders them.
    async fn departments_of_users(
        &self,
        scope: &PoolScope,
        users: &[UserUid],
    ) -> DomainResult<Vec<(UserUid, Membership)>>;
    /// One page (`number` from 1, `size`) of a department's members, by when they joined, with
    /// the exact total under `filter`.
    async fn department_members(
        &self,
        scope: &PoolScope,
        department: &DepartmentUid,
        filter: &MemberFilter,
        number: u32,
        size: u32,
    ) -> DomainResult<Page<DepartmentMember>>;
    /// Changes one membership in one write: `NotFound` when the user is not a member,
    /// `Conflict` when asked to stop being primary in the user's only department.
    async fn update_department_member(
        &self,
        scope: &PoolScope,
        department: &DepartmentUid,
        user: &UserUid,
        patch: &MemberPatch,
    ) -> DomainResult<()>;
    /// The departments among `uids` that are in the pool, in one read, ordered by path (so
    /// ancestors come before their descendants).
    async fn departments_by_uid(
        &self,
        scope: &PoolScope,
        uids: &[DepartmentUid],
    ) -> DomainResult<Vec<DepartmentView>>;
}

/// A pool's clients (OAuth applications). Secrets are stored sealed, as the service hands them.
#[async_trait]
pub trait ClientStore: Send + Sync {
    /// `Duplicated` on a uid clash.
    async fn insert_client(&self, scope: &PoolScope, client: &Client) -> DomainResult<()>;
    async fn get_client(&self, scope: &PoolScope, uid: &ClientUid) -> DomainResult<Option<Client>>;
    /// The data plane's lookup: a client of a pool, with no account in hand.
    async fn find_client(
        &self,
        pool: &UserPoolUid,
        uid: &ClientUid,
    ) -> DomainResult<Option<Client>>;
    async fn update_client(&self, scope: &PoolScope, client: &Client) -> DomainResult<()>;
    async fn delete_client(&self, scope: &PoolScope, uid: &ClientUid) -> DomainResult<bool>;
    async fn query_clients(
        &self,
        scope: &PoolScope,
        query: &ClientQuery,
    ) -> DomainResult<Page<Client>>;
}

/// A user's activity to record (see [`ActivityStore::record_active_user`]).
#[derive(Debug, Clone, Copy)]
pub struct ActiveUser<'a> {
    pub account_id: &'a AccountId,
    pub pool_uid: &'a UserPoolUid,
    pub user_uid: &'a UserUid,
    pub month: Month,
    pub at: Timestamp,
}

/// Monthly active users. Records outlive their pool and user (a month's figure is history),
/// and carry the owning account so they stay scoped to it.
#[async_trait]
pub trait ActivityStore: Send + Sync {
    /// Records the user as active in the month; whether this was the first record of that
    /// (pool, month, user). Exact under concurrent callers and processes: the pool-month's
    /// count grows in the same transaction as the first record, and only then.
    async fn record_active_user(&self, entry: &ActiveUser<'_>) -> DomainResult<bool>;
    /// The month's figure of every pool of the account: each live pool (0 without activity)
    /// and each deleted pool with activity in that month, ordered by pool uid.
    async fn account_maus(&self, account: &AccountId, month: Month) -> DomainResult<Vec<PoolMau>>;
    /// The month's figure of each of `pools` that is a live pool of the account or a deleted one
    /// with activity in any month; the others are left out.
    async fn pool_maus(
        &self,
        account: &AccountId,
        pools: &[UserPoolUid],
        month: Month,
    ) -> DomainResult<Vec<PoolMau>>;
}

/// The store's own facts and health.
#[async_trait]
pub trait MetaStore: Send + Sync {
    /// Whether the database answers.
    async fn ping(&self) -> DomainResult<()>;
    async fn meta(&self, name: &str) -> DomainResult<Option<String>>;
    /// Stores `value` under `name` unless a value is there already; returns the stored value
    /// (another process's, when it came first).
    async fn put_meta_once(&self, name: &str, value: &str) -> DomainResult<String>;
    /// Any one secret sealed with the master key (an access key's, a client's, a signing
    /// key's), to check a key against a store made before it had a canary.
    async fn any_sealed_secret(&self) -> DomainResult<Option<String>>;
}

/// What claiming a signed request found (see [`ReplayStore::claim`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Seen here for the first time.
    First,
    /// Seen before, with the action it carried then.
    Again { action: String },
}

/// Signed requests whose signature covers too little to be told from a replay, remembered with
/// the action they first carried until they would be refused as stale anyway.
#[async_trait]
pub trait ReplayStore: Send + Sync {
    /// Records `key` with `action` at `now` unless it is known, across every process sharing
    /// the store; remembered until `expires_at`.
    async fn claim(
        &self,
        key: &[u8; 32],
        action: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> DomainResult<Claim>;
}

/// Everything idplane stores.
pub trait Store:
    AccountStore
    + PoolStore
    + AttributeStore
    + UserStore
    + GroupStore
    + DepartmentStore
    + ActivityStore
    + ClientStore
    + MetaStore
    + ReplayStore
    + WorkloadStore
{
}

impl<T> Store for T where
    T: AccountStore
        + PoolStore
        + AttributeStore
        + UserStore
        + GroupStore
        + DepartmentStore
        + ActivityStore
        + ClientStore
        + MetaStore
        + ReplayStore
        + WorkloadStore
{
}

/// The data plane's own records: signing keys, codes, refresh tokens, revocations, sessions,
/// and the sign-in bookkeeping on users.
#[async_trait]
pub trait SignInStore: Send + Sync {
    /// The user one of whose identifiers of the kinds `attributes` has one of `keys` (see
    /// [`crate::identifiers`]: at most one user can), read in one statement.
    async fn user_by_identifier(
        &self,
        pool: &UserPoolUid,
        keys: &[String],
        attributes: &[Attribute],
    ) -> DomainResult<Option<User>>;
    /// A successful sign-in: `latest_login`, `num_logins` + 1, failures reset.
    async fn record_sign_in(
        &self,
        pool: &UserPoolUid,
        user: &UserUid,
        at: Timestamp,
    ) -> DomainResult<()>;
    /// A failed password: returns the consecutive failures so far.
    async fn record_failed_sign_in(&self, pool: &UserPoolUid, user: &UserUid) -> DomainResult<i64>;
    /// Refuses the user's password sign-in until `until` (timed lockout).
    async fn lock_user_until(
        &self,
        pool: &UserPoolUid,
        user: &UserUid,
        until: Timestamp,
    ) -> DomainResult<()>;
    /// A password change the user was made to do: stores `password_hash` and confirms the
    /// user only while the user is still at `generation` and still has to change the password
    /// (not disabled meanwhile, not changed already). The generation moves on and the user's
    /// sessions and grants end in the same transaction. Whether it happened.
    async fn change_forced_password(
        &self,
        pool: &UserPoolUid,
        user: &UserUid,
        generation: i64,
        password_hash: &str,
        now: Timestamp,
    ) -> DomainResult<bool>;

    async fn signing_keys(&self, pool: &UserPoolUid) -> DomainResult<Vec<SigningKeyRecord>>;
    async fn insert_signing_key(&self, key: &SigningKeyRecord) -> DomainResult<()>;
    /// Retires every key of the pool but `keep` (retired keys stay published).
    async fn retire_signing_keys(
        &self,
        pool: &UserPoolUid,
        keep: &str,
        at: Timestamp,
    ) -> DomainResult<u64>;

    async fn insert_code(&self, code: &AuthCode) -> DomainResult<()>;
    /// Redeems a code, at most once even against racing requests: its first redemption marks
    /// it spent and makes its grant (`grant`: the id, creation and end; the rest from the
    /// code) in one transaction; any later one revokes that grant and everything issued from
    /// it (RFC 6749 §4.1.2).
    async fn redeem_code(
        &self,
        pool: &UserPoolUid,
        code_hash: &str,
        grant: &GrantStart,
    ) -> DomainResult<CodeRedemption>;

    /// A grant made without a code (a native sign-in).
    async fn insert_grant(&self, grant: &Grant) -> DomainResult<()>;
    /// Revokes a grant and so every token issued from it.
    async fn revoke_grant(&self, pool: &UserPoolUid, grant_id: &str) -> DomainResult<()>;

    /// Stores the first refresh token of a grant.
    async fn insert_refresh(&self, token: &RefreshRecord) -> DomainResult<()>;
    /// Spends a refresh token at `now`, in one transaction that holds its grant: the token,
    /// its grant and the grant's generation must all be live. With rotation (`next` given)
    /// the token is marked used and `next` stored in the same grant; a token used before
    /// revokes the grant instead (reuse detection). A revocation racing this waits for it, so
    /// no token it issues outlives the revocation.
    async fn spend_refresh(
        &self,
        pool: &UserPoolUid,
        token_hash: &str,
        next: Option<&RefreshRecord>,
        now: Timestamp,
    ) -> DomainResult<RefreshSpend>;
    /// Revokes the grant of a refresh token; `false` when unknown.
    async fn revoke_refresh(&self, pool: &UserPoolUid, token_hash: &str) -> DomainResult<bool>;
    /// Looks a refresh token up without spending it (introspection); `revoked` also when its
    /// grant is revoked or of another generation than its user's.
    async fn find_refresh(
        &self,
        pool: &UserPoolUid,
        token_hash: &str,
    ) -> DomainResult<Option<RefreshRecord>>;

    async fn revoke_access_token(
        &self,
        pool: &UserPoolUid,
        jti: &str,
        expires_at: Timestamp,
    ) -> DomainResult<()>;
    /// Whether an access token may still be honoured: its `jti` not revoked and, for a token
    /// of a user, its grant live and of the user's current generation.
    async fn access_token_live(
        &self,
        pool: &UserPoolUid,
        jti: &str,
        grant: Option<&str>,
    ) -> DomainResult<bool>;

    async fn insert_session(&self, session: &LoginSession) -> DomainResult<()>;
    async fn session(
        &self,
        pool: &UserPoolUid,
        id_hash: &str,
    ) -> DomainResult<Option<LoginSession>>;
    /// Signs out: deletes the session and revokes every grant made in it, in one transaction.
    /// The session deleted, if there was one.
    async fn end_session(
        &self,
        pool: &UserPoolUid,
        id_hash: &str,
    ) -> DomainResult<Option<LoginSession>>;
}
