//! The data plane's records on both backends: sign-in lookups and timed lockout, single-use
//! codes and their grants, refresh-token rotation with reuse detection that races cannot beat,
//! and access ending when a user's credentials or state change. PostgreSQL tests read
//! `IDPLANE_TEST_DATABASE_URL`; where it is unset they print why and pass.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::sync::Arc;

use idplane_core::error::{DomainError, Field, UserError};
use idplane_core::identifiers::{self, Attribute};
use idplane_core::ids::{ClientUid, UserPoolUid, UserUid};
use idplane_core::model::sign_in::{
    AuthCode, CodeRedemption, Grant, GrantStart, LoginSession, RefreshRecord, RefreshSpend,
    SigningKeyRecord,
};
use idplane_core::model::user::{User, UserState, UserWrite};
use idplane_core::store::{PoolScope, PoolStore, SignInStore, UserStore};
use idplane_store::SqlStore;

#[macro_use]
mod common;

use common::fixtures::{new_pool, ts, user};
use common::{Db, postgres_db, sqlite_db};

store_tests!(
    lookups_and_lockout,
    codes_are_redeemed_once,
    refresh_rotation_and_reuse,
    racing_refreshes_leave_nothing_alive,
    revocation_racing_refreshes,
    credential_changes_end_access,
    forced_password_change_happens_once,
    stale_writes_are_refused,
    keys_revocations_and_sessions,
    identifiers_are_unique_across_kinds,
    identifiers_of_older_users_are_filled_in,
    colliding_older_identifiers_stop_the_start,
);

struct Fixture {
    store: Arc<SqlStore>,
    scope: PoolScope,
    pool: UserPoolUid,
    client: ClientUid,
    user: User,
}

async fn fixture(db: &Db) -> Fixture {
    let store = Arc::new(db.open().await);
    let (scope, _) = new_pool(&store, "acct").await;
    let mut u = user(&scope, Some("Signer"), 0);
    u.profile.email = Some("Signer@Example.test".to_owned());
    u.state = UserState::Confirmed;
    store.insert_user(&scope, &u).await.unwrap();
    Fixture {
        pool: scope.pool_uid().clone(),
        scope,
        store,
        client: ClientUid::generate(),
        user: u,
    }
}

impl Fixture {
    fn grant(&self, id: &str) -> Grant {
        Grant {
            id: id.to_owned(),
            pool_uid: self.pool.clone(),
            client_uid: self.client.clone(),
            user_uid: self.user.uid.clone(),
            generation: self.user.generation,
            session_id: Some("s1".to_owned()),
            created_at: ts(1),
            expires_at: ts(20_000),
        }
    }

    fn refresh(&self, hash: &str, grant: &str) -> RefreshRecord {
        RefreshRecord {
            token_hash: hash.to_owned(),
            family: grant.to_owned(),
            pool_uid: self.pool.clone(),
            client_uid: self.client.clone(),
            user_uid: self.user.uid.clone(),
            scope: "openid".to_owned(),
            session_id: Some("s1".to_owned()),
            auth_time: ts(1),
            created_at: ts(1),
            expires_at: ts(10_000),
            family_expires_at: ts(20_000),
            used_at: None,
            revoked: false,
        }
    }

    /// A grant with one live refresh token `{grant}-0`.
    async fn live_grant(&self, grant: &str) {
        self.store.insert_grant(&self.grant(grant)).await.unwrap();
        self.store
            .insert_refresh(&self.refresh(&format!("{grant}-0"), grant))
            .await
            .unwrap();
    }

    fn code(&self, hash: &str) -> AuthCode {
        AuthCode {
            code_hash: hash.to_owned(),
            pool_uid: self.pool.clone(),
            client_uid: self.client.clone(),
            user_uid: self.user.uid.clone(),
            redirect_uri: "https://a/cb".to_owned(),
            scope: "openid".to_owned(),
            nonce: Some("n".to_owned()),
            code_challenge: None,
            session_id: None,
            auth_time: ts(1),
            expires_at: ts(1000),
            generation: self.user.generation,
        }
    }

    async fn live(&self, hash: &str) -> bool {
        self.store
            .find_refresh(&self.pool, hash)
            .await
            .unwrap()
            .is_some_and(|r| !r.revoked)
    }
}

fn start(id: &str) -> GrantStart {
    GrantStart {
        id: id.to_owned(),
        created_at: ts(2),
        expires_at: ts(20_000),
    }
}

async fn lookups_and_lockout(db: &Db) {
    let f = fixture(db).await;
    let (store, pool, u) = (&f.store, &f.pool, &f.user);
    const ALL: [Attribute; 3] = Attribute::ALL;
    let all = &ALL;
    let find = |typed: &'static str, attrs: &'static [Attribute]| {
        let store = store.clone();
        let pool = pool.clone();
        async move {
            let keys = identifiers::candidates(typed, attrs);
            store
                .user_by_identifier(&pool, &keys, attrs)
                .await
                .unwrap()
                .map(|u| u.uid)
        }
    };
    assert_eq!(find("SIGNER", all).await, Some(u.uid.clone()));
    assert_eq!(find("signer@example.TEST", all).await, Some(u.uid.clone()));
    assert_eq!(
        find("signer@example.TEST", &[Attribute::Username]).await,
        None,
        "the e-mail address is not a user name"
    );
    assert_eq!(find("", all).await, None);
    assert!(store.pool_by_uid(pool).await.unwrap().is_some());

    assert_eq!(store.record_failed_sign_in(pool, &u.uid).await.unwrap(), 1);
    assert_eq!(store.record_failed_sign_in(pool, &u.uid).await.unwrap(), 2);
    store.lock_user_until(pool, &u.uid, ts(500)).await.unwrap();
    store.lock_user_until(pool, &u.uid, ts(400)).await.unwrap();
    let got = store.get_user(&f.scope, &u.uid).await.unwrap().unwrap();
    assert_eq!(
        (got.failed_sign_ins, got.locked_until),
        (2, Some(ts(500))),
        "a lock is only ever extended"
    );
    store.record_sign_in(pool, &u.uid, ts(5)).await.unwrap();
    let got = store.get_user(&f.scope, &u.uid).await.unwrap().unwrap();
    assert_eq!((got.num_logins, got.latest_login), (1, Some(ts(5))));
    assert_eq!((got.failed_sign_ins, got.locked_until), (0, None));
    assert_eq!(store.record_failed_sign_in(pool, &u.uid).await.unwrap(), 1);
    // An administrator's unlock clears the count and the lock.
    store.lock_user_until(pool, &u.uid, ts(900)).await.unwrap();
    let locked = store.get_user(&f.scope, &u.uid).await.unwrap().unwrap();
    let unlock = UserWrite {
        clears_lockout: true,
        ..UserWrite::default()
    };
    store.update_user(&f.scope, &locked, unlock).await.unwrap();
    let got = store.get_user(&f.scope, &u.uid).await.unwrap().unwrap();
    assert_eq!((got.failed_sign_ins, got.locked_until), (0, None));
}

/// RFC 6749 §4.1.2: a code is used once; a second use revokes what the first one issued.
async fn codes_are_redeemed_once(db: &Db) {
    let f = fixture(db).await;
    let (store, pool) = (&f.store, &f.pool);
    store.insert_code(&f.code("c1")).await.unwrap();
    let (ga, gb) = (start("g-a"), start("g-b"));
    let (a, b) = tokio::join!(
        store.redeem_code(pool, "c1", &ga),
        store.redeem_code(pool, "c1", &gb)
    );
    let outcomes = [a.unwrap(), b.unwrap()];
    let winner = match &outcomes {
        [CodeRedemption::Redeemed(c), CodeRedemption::Replayed] => {
            assert_eq!(**c, f.code("c1"));
            "g-a"
        }
        [CodeRedemption::Replayed, CodeRedemption::Redeemed(_)] => "g-b",
        other => panic!("one redemption, one replay: {other:?}"),
    };
    // The winner's grant was made and then revoked by the replay.
    store
        .insert_refresh(&f.refresh("after-replay", winner))
        .await
        .unwrap();
    assert!(!f.live("after-replay").await);
    assert_eq!(
        store
            .redeem_code(pool, "nope", &start("g-c"))
            .await
            .unwrap(),
        CodeRedemption::Unknown
    );
    // A code redeemed alone makes a live grant that carries the code's generation.
    store.insert_code(&f.code("c2")).await.unwrap();
    assert!(matches!(
        store.redeem_code(pool, "c2", &start("g-d")).await.unwrap(),
        CodeRedemption::Redeemed(_)
    ));
    store
        .insert_refresh(&f.refresh("r-d", "g-d"))
        .await
        .unwrap();
    assert!(f.live("r-d").await);
    // Replaying it later revokes that grant too.
    assert_eq!(
        store.redeem_code(pool, "c2", &start("g-e")).await.unwrap(),
        CodeRedemption::Replayed
    );
    assert!(!f.live("r-d").await);
}

async fn refresh_rotation_and_reuse(db: &Db) {
    let f = fixture(db).await;
    let (store, pool) = (&f.store, &f.pool);
    f.live_grant("fam").await;
    let spent = store
        .spend_refresh(pool, "fam-0", Some(&f.refresh("fam-1", "fam")), ts(2))
        .await
        .unwrap();
    assert!(matches!(spent, RefreshSpend::Spent(r) if r.used_at == Some(ts(2))));
    assert!(f.live("fam-1").await);
    // The spent token again: reuse, and the whole grant goes.
    assert_eq!(
        store
            .spend_refresh(pool, "fam-0", Some(&f.refresh("fam-2", "fam")), ts(3))
            .await
            .unwrap(),
        RefreshSpend::Reused
    );
    assert!(!f.live("fam-1").await);
    assert_eq!(
        store
            .spend_refresh(pool, "fam-1", Some(&f.refresh("fam-3", "fam")), ts(4))
            .await
            .unwrap(),
        RefreshSpend::Invalid
    );
    // Without rotation a token is used again, until it expires.
    f.live_grant("keep").await;
    for at in [3, 4] {
        assert!(matches!(
            store
                .spend_refresh(pool, "keep-0", None, ts(at))
                .await
                .unwrap(),
            RefreshSpend::Spent(_)
        ));
    }
    assert_eq!(
        store
            .spend_refresh(pool, "keep-0", None, ts(20_001))
            .await
            .unwrap(),
        RefreshSpend::Invalid,
        "expired"
    );
    // Signing out of a session revokes its grants.
    store.end_session(pool, "s1").await.unwrap();
    assert!(!f.live("keep-0").await);
    assert!(!store.revoke_refresh(pool, "nope").await.unwrap());
}

/// Many refreshes of one token at once: exactly one wins, the rest are reuse, and the reuse
/// leaves nothing alive — the winner's new token included, whenever it was written.
async fn racing_refreshes_leave_nothing_alive(db: &Db) {
    let f = Arc::new(fixture(db).await);
    for round in 0..12 {
        let grant = format!("race{round}");
        f.live_grant(&grant).await;
        let mut tasks = Vec::new();
        for n in 0..12 {
            let f = f.clone();
            let grant = grant.clone();
            tasks.push(tokio::spawn(async move {
                let next = f.refresh(&format!("{grant}-next{n}"), &grant);
                let outcome = f
                    .store
                    .spend_refresh(&f.pool, &format!("{grant}-0"), Some(&next), ts(2))
                    .await
                    .unwrap();
                (n, outcome)
            }));
        }
        let mut winners = Vec::new();
        for task in tasks {
            let (n, outcome) = task.await.unwrap();
            match outcome {
                RefreshSpend::Spent(_) => winners.push(n),
                RefreshSpend::Reused | RefreshSpend::Invalid => {}
            }
        }
        assert_eq!(winners.len(), 1, "round {round}: {winners:?}");
        let next = format!("{grant}-next{}", winners[0]);
        assert!(
            !f.live(&next).await,
            "round {round}: the winner's token survived"
        );
        assert_eq!(
            f.store
                .spend_refresh(&f.pool, &next, Some(&f.refresh("x", &grant)), ts(3))
                .await
                .unwrap(),
            RefreshSpend::Invalid
        );
    }
}

/// A revocation racing a refresh: whichever runs first, no token of the grant is live after.
async fn revocation_racing_refreshes(db: &Db) {
    let f = Arc::new(fixture(db).await);
    for round in 0..24 {
        let grant = format!("rev{round}");
        f.live_grant(&grant).await;
        let refresher = {
            let f = f.clone();
            let grant = grant.clone();
            tokio::spawn(async move {
                let next = f.refresh(&format!("{grant}-1"), &grant);
                f.store
                    .spend_refresh(&f.pool, &format!("{grant}-0"), Some(&next), ts(2))
                    .await
                    .unwrap()
            })
        };
        let revoker = {
            let f = f.clone();
            let grant = grant.clone();
            tokio::spawn(async move {
                f.store
                    .revoke_refresh(&f.pool, &format!("{grant}-0"))
                    .await
                    .unwrap()
            })
        };
        refresher.await.unwrap();
        assert!(revoker.await.unwrap());
        for token in ["0", "1"] {
            assert!(
                !f.live(&format!("{grant}-{token}")).await,
                "round {round}: {token} alive"
            );
        }
        assert!(
            !f.store
                .access_token_live(&f.pool, "jti", Some(&grant))
                .await
                .unwrap()
        );
    }
}

/// A new password or state moves the generation on and ends sessions and grants in the same
/// write; a grant or session made under the old generation is worth nothing after.
async fn credential_changes_end_access(db: &Db) {
    let f = fixture(db).await;
    let (store, pool) = (&f.store, &f.pool);
    f.live_grant("g1").await;
    store
        .insert_session(&LoginSession {
            id_hash: "sess".to_owned(),
            pool_uid: pool.clone(),
            user_uid: f.user.uid.clone(),
            created_at: ts(1),
            expires_at: ts(10_000),
            generation: 0,
        })
        .await
        .unwrap();
    assert!(
        store
            .access_token_live(pool, "j", Some("g1"))
            .await
            .unwrap()
    );
    let mut changed = f.user.clone();
    changed.password_hash = Some("new-hash".to_owned());
    let ends = UserWrite {
        ends_access: true,
        ..UserWrite::default()
    };
    store.update_user(&f.scope, &changed, ends).await.unwrap();
    let now = store
        .get_user(&f.scope, &f.user.uid)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(now.generation, 1);
    assert!(!f.live("g1-0").await);
    assert!(
        !store
            .access_token_live(pool, "j", Some("g1"))
            .await
            .unwrap()
    );
    assert!(store.session(pool, "sess").await.unwrap().is_none());
    // A grant written late, under the old generation (a racing code redemption), is dead.
    f.live_grant("late").await;
    assert!(!f.live("late-0").await);
    assert!(
        !store
            .access_token_live(pool, "j", Some("late"))
            .await
            .unwrap()
    );
    // Tokens of clients (no grant) are judged by their jti alone.
    assert!(store.access_token_live(pool, "j", None).await.unwrap());
}

async fn forced_password_change_happens_once(db: &Db) {
    let f = fixture(db).await;
    let (store, pool, scope) = (&f.store, &f.pool, &f.scope);
    let mut u = f.user.clone();
    u.state = UserState::ForceChangePassword;
    store
        .update_user(scope, &u, UserWrite::default())
        .await
        .unwrap();
    f.live_grant("other-device").await;
    assert!(
        store
            .change_forced_password(pool, &u.uid, 0, "h1", ts(5))
            .await
            .unwrap()
    );
    let after = store.get_user(scope, &u.uid).await.unwrap().unwrap();
    assert_eq!(
        (
            after.state,
            after.generation,
            after.password_hash.as_deref()
        ),
        (UserState::Confirmed, 1, Some("h1"))
    );
    assert!(!f.live("other-device-0").await, "other sessions end");
    // The same form again: refused, the password stays.
    assert!(
        !store
            .change_forced_password(pool, &u.uid, 0, "attacker", ts(6))
            .await
            .unwrap()
    );
    assert!(
        !store
            .change_forced_password(pool, &u.uid, 1, "attacker", ts(6))
            .await
            .unwrap(),
        "no change is owed any more"
    );
    // Disabled meanwhile: refused.
    let mut again = after.clone();
    again.state = UserState::ForceChangePassword;
    store
        .update_user(scope, &again, UserWrite::default())
        .await
        .unwrap();
    let mut disabled = store.get_user(scope, &u.uid).await.unwrap().unwrap();
    disabled.state = UserState::Disabled;
    let ends = UserWrite {
        ends_access: true,
        ..UserWrite::default()
    };
    store.update_user(scope, &disabled, ends).await.unwrap();
    assert!(
        !store
            .change_forced_password(pool, &u.uid, 1, "attacker", ts(7))
            .await
            .unwrap()
    );
    let last = store.get_user(scope, &u.uid).await.unwrap().unwrap();
    assert_eq!(last.password_hash.as_deref(), Some("h1"));
}

async fn stale_writes_are_refused(db: &Db) {
    let f = fixture(db).await;
    let (store, scope) = (&f.store, &f.scope);
    let read = f.user.clone();
    let mut first = read.clone();
    first.password_hash = Some("new".to_owned());
    let ends = UserWrite {
        ends_access: true,
        ..UserWrite::default()
    };
    store.update_user(scope, &first, ends).await.unwrap();
    let mut stale = read.clone();
    stale.profile.nickname = Some("nick".to_owned());
    match store.update_user(scope, &stale, UserWrite::default()).await {
        Err(DomainError::User(UserError::ChangedConcurrently)) => {}
        other => panic!("a write from a stale read must be refused: {other:?}"),
    }
    let kept = store.get_user(scope, &read.uid).await.unwrap().unwrap();
    assert_eq!(kept.password_hash.as_deref(), Some("new"));
    let mut gone = read.clone();
    gone.uid = UserUid::generate();
    assert!(matches!(
        store.update_user(scope, &gone, UserWrite::default()).await,
        Err(DomainError::User(UserError::NotFound(_)))
    ));
}

async fn keys_revocations_and_sessions(db: &Db) {
    let f = fixture(db).await;
    let (store, pool) = (&f.store, &f.pool);
    for (kid, at) in [("k1", 1), ("k2", 2)] {
        store
            .insert_signing_key(&SigningKeyRecord {
                kid: kid.to_owned(),
                pool_uid: pool.clone(),
                algorithm: "ES256".to_owned(),
                sealed_private: "sealed".to_owned(),
                public_jwk: "{}".to_owned(),
                created_at: ts(at),
                retired_at: None,
            })
            .await
            .unwrap();
    }
    assert_eq!(
        store.retire_signing_keys(pool, "k2", ts(3)).await.unwrap(),
        1
    );
    let keys = store.signing_keys(pool).await.unwrap();
    assert_eq!(
        keys.iter()
            .map(|k| (k.kid.as_str(), k.retired_at))
            .collect::<Vec<_>>(),
        vec![("k2", None), ("k1", Some(ts(3)))]
    );
    store
        .revoke_access_token(pool, "j1", ts(100))
        .await
        .unwrap();
    store
        .revoke_access_token(pool, "j1", ts(100))
        .await
        .unwrap();
    assert!(!store.access_token_live(pool, "j1", None).await.unwrap());
    assert!(store.access_token_live(pool, "j2", None).await.unwrap());
    let session = LoginSession {
        id_hash: "h1".to_owned(),
        pool_uid: pool.clone(),
        user_uid: f.user.uid.clone(),
        created_at: ts(1),
        expires_at: ts(100),
        generation: 0,
    };
    store.insert_session(&session).await.unwrap();
    assert_eq!(
        store.session(pool, "h1").await.unwrap(),
        Some(session.clone())
    );
    f.live_grant("g").await;
    // Signing out names the session by its pool: another pool's id ends nothing.
    let (other, _) = new_pool(store, "acct-2").await;
    assert!(
        store
            .end_session(other.pool_uid(), "h1")
            .await
            .unwrap()
            .is_none()
    );
    assert!(f.live("g-0").await);
    // A session of the pool ends with every grant made in it (the fixture's grants are "s1").
    let signed_in = LoginSession {
        id_hash: "s1".to_owned(),
        ..session
    };
    store.insert_session(&signed_in).await.unwrap();
    assert_eq!(
        store.end_session(pool, "s1").await.unwrap(),
        Some(signed_in)
    );
    assert!(store.session(pool, "s1").await.unwrap().is_none());
    assert!(!f.live("g-0").await);
    assert!(store.end_session(pool, "s1").await.unwrap().is_none());
    f.live_grant("g2").await;
    // Deleting the user ends everything that was theirs.
    store.delete_user(&f.scope, &f.user.uid).await.unwrap();
    assert!(store.session(pool, "h1").await.unwrap().is_none());
    assert!(store.find_refresh(pool, "g2-0").await.unwrap().is_none());
    assert!(
        !store
            .access_token_live(pool, "j", Some("g2"))
            .await
            .unwrap()
    );
}

fn with_identifiers(
    scope: &PoolScope,
    name: Option<&str>,
    email: Option<&str>,
    phone: Option<&str>,
) -> User {
    let mut u = user(scope, name, 0);
    u.profile.email = email.map(str::to_owned);
    u.profile.phone_number = phone.map(str::to_owned);
    u
}

fn duplicated_field(result: Result<(), DomainError>) -> Field {
    match result {
        Err(e) if e.is_taken() => e.field().unwrap(),
        other => panic!("expected a taken identifier, got {other:?}"),
    }
}

/// A user name, an e-mail address and a phone number are one key space per pool: a user name
/// shaped like another user's e-mail address is taken (it would shadow that address at sign-in).
async fn identifiers_are_unique_across_kinds(db: &Db) {
    let store = db.open().await;
    let (scope, _) = new_pool(&store, "acct").await;
    let carol = with_identifiers(
        &scope,
        Some("carol"),
        Some("Carol@Corp.Example"),
        Some("+8613800138000"),
    );
    store.insert_user(&scope, &carol).await.unwrap();
    let field = duplicated_field(
        store
            .insert_user(
                &scope,
                &with_identifiers(&scope, Some("carol@corp.example"), None, None),
            )
            .await,
    );
    assert_eq!(field, Field::Username);
    let field = duplicated_field(
        store
            .insert_user(
                &scope,
                &with_identifiers(&scope, Some("mallory"), None, Some("+8613800138000")),
            )
            .await,
    );
    assert_eq!(field, Field::Phone);
    // Another pool is another key space.
    let (other, _) = new_pool(&store, "acct").await;
    store
        .insert_user(
            &other,
            &with_identifiers(&other, Some("carol@corp.example"), None, None),
        )
        .await
        .unwrap();
    // A change frees the old keys and takes the new ones, atomically.
    let mut changed = carol.clone();
    changed.profile.email = Some("carol2@corp.example".to_owned());
    store
        .update_user(&scope, &changed, UserWrite::default())
        .await
        .unwrap();
    let dave = with_identifiers(&scope, Some("dave"), Some("CAROL@corp.example"), None);
    store.insert_user(&scope, &dave).await.unwrap();
    let mut grab = dave.clone();
    grab.profile.preferred_username = Some("CAROL".to_owned());
    let field = duplicated_field(store.update_user(&scope, &grab, UserWrite::default()).await);
    assert_eq!(field, Field::Username);
    let kept = store.get_user(&scope, &dave.uid).await.unwrap().unwrap();
    assert_eq!(kept.profile.preferred_username.as_deref(), Some("dave"));
    // Deleting a user frees its keys.
    store.delete_user(&scope, &carol.uid).await.unwrap();
    store
        .insert_user(
            &scope,
            &with_identifiers(&scope, Some("carol"), None, Some("+8613800138000")),
        )
        .await
        .unwrap();
}

/// Raw statements against the test database (its schema on PostgreSQL), as an older version
/// would have left the data.
async fn raw(db: &Db, statements: &[String]) {
    db.raw(statements).await;
}

fn legacy_user(pool: &str, name: &str, email: &str, phone: &str) -> String {
    format!(
        "INSERT INTO users (uid, pool_uid, preferred_username, email, phone_number, state, \
         created_at, updated_at) VALUES ('{}', '{pool}', '{name}', '{email}', '{phone}', \
         'CONFIRMED', 1, 1)",
        UserUid::generate()
    )
}

async fn identifiers_of_older_users_are_filled_in(db: &Db) {
    let store = db.open().await;
    let (scope, _) = new_pool(&store, "acct").await;
    let pool = scope.pool_uid().as_str().to_owned();
    store.close().await;
    raw(
        db,
        &[
            legacy_user(&pool, "ann", "Ann@Example.com", "+86-138-0000-0001"),
            legacy_user(&pool, "bob", "bob@example.com", "13800000002"),
            "DELETE FROM store_meta WHERE name = 'user_identifiers'".to_owned(),
        ],
    )
    .await;
    let store = db.open().await;
    let all = Attribute::ALL;
    let ann = store
        .user_by_identifier(
            scope.pool_uid(),
            &identifiers::candidates("ann@EXAMPLE.com", &all),
            &all,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        ann.profile.phone_number.as_deref(),
        Some("+8613800000001"),
        "normalised to E.164"
    );
    let bob = store
        .user_by_identifier(
            scope.pool_uid(),
            &identifiers::candidates("BOB", &all),
            &all,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        bob.profile.phone_number.as_deref(),
        Some("13800000002"),
        "kept: no country code"
    );
    let field = duplicated_field(
        store
            .insert_user(
                &scope,
                &with_identifiers(&scope, Some("ann@example.com"), None, None),
            )
            .await,
    );
    assert_eq!(field, Field::Username);
    store.close().await;
}

async fn colliding_older_identifiers_stop_the_start(db: &Db) {
    let store = db.open().await;
    let (scope, _) = new_pool(&store, "acct").await;
    let pool = scope.pool_uid().as_str().to_owned();
    store.close().await;
    raw(
        db,
        &[
            legacy_user(&pool, "x1", "\u{00C4}pfel@corp.example", ""),
            legacy_user(&pool, "x2", "", "+86 138 0000 0009"),
            legacy_user(&pool, "x3", "", "+86-138-0000-0009"),
            "DELETE FROM store_meta WHERE name = 'user_identifiers'".to_owned(),
        ],
    )
    .await;
    raw(
        db,
        &[legacy_user(&pool, "x4", "\u{00E4}pfel@corp.example", "")],
    )
    .await;
    let opened = match &db.schema {
        Some(s) => SqlStore::connect_with_schema(&db.url, s).await,
        None => SqlStore::connect(&db.url).await,
    };
    let Err(e) = opened else {
        panic!("the start must be refused");
    };
    let report = e.to_string();
    assert!(report.contains("2 user identifiers collide"), "{report}");
    assert!(
        report.contains("x3") || report.contains("+8613800000009"),
        "{report}"
    );
}
