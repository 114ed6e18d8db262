//! User pool clients on both backends: the store's rows, paging and filters, cascade and
//! isolation, and the client service's sealed secrets over it. PostgreSQL tests read
//! `IDPLANE_TEST_DATABASE_URL`; where it is unset they print why and pass. Each test gets its
//! own SQLite file or PostgreSQL schema.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::sync::Arc;

use idplane_core::changes::Changes;
use idplane_core::clock::{SystemClock, Timestamp};
use idplane_core::crypto::MasterKey;
use idplane_core::error::{ClientError, DomainError, Kind};
use idplane_core::ids::{ClientUid, DepartmentUid, UserPoolUid};
use idplane_core::model::client::{Client, ClientSettings, ClientType};
use idplane_core::model::department::Department;
use idplane_core::model::pool::{PoolSettings, UserPool};
use idplane_core::query::{
    ClientFilter, ClientQuery, ClientSortField, Paging, SortDirection, TextMatch,
};
use idplane_core::service::clients::NewClient;
use idplane_core::service::{ClientService, PoolAccess};
use idplane_core::store::{AccountStore, ClientStore, PoolScope, PoolStore, Store};
use idplane_store::SqlStore;

#[macro_use]
mod common;

use common::{Db, postgres_db, sqlite_db};

store_tests!(
    client_crud,
    client_paging_and_filters,
    clients_go_with_their_pool,
    clients_are_isolated,
    service_seals_secrets,
);

const T0: i64 = 1_700_000_000_000;

fn ts(offset: i64) -> Timestamp {
    Timestamp::from_millis(T0 + offset)
}

async fn new_pool(store: &SqlStore, account: &str) -> UserPool {
    let acct = store.ensure_account(account, ts(0)).await.unwrap();
    let pool = UserPool {
        uid: UserPoolUid::generate(),
        account_id: acct.id,
        name: format!("p-{}", UserPoolUid::generate()),
        description: String::new(),
        project_name: "default".to_owned(),
        enabled: true,
        settings: PoolSettings::default(),
        created_at: ts(0),
        updated_at: ts(0),
    };
    let root_uid = DepartmentUid::generate();
    let root = Department {
        path: format!("/{root_uid}/"),
        uid: root_uid,
        pool_uid: pool.uid.clone(),
        parent_uid: None,
        name: pool.name.clone(),
        description: String::new(),
        external_id: String::new(),
        source: String::new(),
        precedence: 0,
        iam_role_trn: String::new(),
        name_path: pool.name.clone(),
        created_at: ts(0),
        updated_at: ts(0),
    };
    store.insert_pool(&pool, &root).await.unwrap();
    pool
}

fn client(pool: &UserPool, name: &str, client_type: ClientType, at: i64) -> Client {
    Client {
        uid: ClientUid::generate(),
        pool_uid: pool.uid.clone(),
        name: name.to_owned(),
        description: String::new(),
        client_type,
        sealed_secret: client_type
            .is_confidential()
            .then(|| "sealed-bytes".to_owned()),
        settings: ClientSettings::default(),
        created_at: ts(at),
        updated_at: ts(at),
    }
}

fn query(
    filter: ClientFilter,
    sort: ClientSortField,
    dir: SortDirection,
    paging: Paging,
) -> ClientQuery {
    ClientQuery {
        filter,
        sort: (sort, dir),
        paging,
    }
}

fn first_100() -> Paging {
    Paging::Page {
        number: 1,
        size: 100,
    }
}

async fn names(store: &SqlStore, scope: &PoolScope, filter: ClientFilter) -> Vec<String> {
    let q = query(
        filter,
        ClientSortField::Name,
        SortDirection::Asc,
        first_100(),
    );
    let page = store.query_clients(scope, &q).await.unwrap();
    assert_eq!(page.total as usize, page.items.len());
    page.items.into_iter().map(|c| c.name).collect()
}

async fn client_crud(db: &Db) {
    let store = db.open().await;
    let pool = new_pool(&store, "acme").await;
    let scope = PoolScope::trusted(&pool);
    let mut web = client(&pool, "web", ClientType::WebApplication, 1);
    web.description = "the shop".to_owned();
    web.settings.allowed_callback_urls = vec!["https://app.example.com/cb".to_owned()];
    web.settings.refresh_token.rotation = false;
    store.insert_client(&scope, &web).await.unwrap();
    let spa = client(&pool, "spa", ClientType::SinglePageApplication, 2);
    store.insert_client(&scope, &spa).await.unwrap();

    assert_eq!(
        store.get_client(&scope, &web.uid).await.unwrap(),
        Some(web.clone())
    );
    assert_eq!(
        store.get_client(&scope, &spa.uid).await.unwrap(),
        Some(spa.clone())
    );
    assert_eq!(spa.sealed_secret, None);
    assert_eq!(
        store.find_client(&pool.uid, &web.uid).await.unwrap(),
        Some(web.clone())
    );
    let missing = ClientUid::generate();
    assert_eq!(store.get_client(&scope, &missing).await.unwrap(), None);
    assert_eq!(store.find_client(&pool.uid, &missing).await.unwrap(), None);

    match store.insert_client(&scope, &web).await {
        Err(DomainError::IdTaken(Kind::Client)) => {}
        other => panic!("a uid clash must be Duplicated, got {other:?}"),
    }

    let mut changed = web.clone();
    changed.name = "web 2".to_owned();
    changed.settings.allowed_logout_urls = vec!["https://app.example.com/bye".to_owned()];
    changed.settings.id_token_lifetime_seconds = 900;
    changed.updated_at = ts(50);
    store.update_client(&scope, &changed).await.unwrap();
    let read = store.get_client(&scope, &web.uid).await.unwrap().unwrap();
    assert_eq!(read, changed);
    assert_eq!(
        read.sealed_secret, web.sealed_secret,
        "updates keep the secret"
    );
    assert_eq!(read.created_at, web.created_at);

    let ghost = client(&pool, "ghost", ClientType::MobileApplication, 3);
    match store.update_client(&scope, &ghost).await {
        Err(DomainError::Client(ClientError::NotFound(_))) => {}
        other => panic!("updating an unknown client must be NotFound, got {other:?}"),
    }

    assert!(store.delete_client(&scope, &web.uid).await.unwrap());
    assert!(!store.delete_client(&scope, &web.uid).await.unwrap());
    assert_eq!(store.get_client(&scope, &web.uid).await.unwrap(), None);
    assert_eq!(
        names(&store, &scope, ClientFilter::default()).await,
        ["spa"]
    );
}

async fn client_paging_and_filters(db: &Db) {
    let store = db.open().await;
    let pool = new_pool(&store, "acme").await;
    let scope = PoolScope::trusted(&pool);
    let mut all = Vec::new();
    for i in 0..23_i64 {
        let t = ClientType::ALL[(i % 4) as usize];
        let mut c = client(&pool, &format!("app-{i:02}"), t, 100 - i % 5);
        c.description = if i % 3 == 0 {
            "Shop front"
        } else {
            "back office"
        }
        .to_owned();
        c.updated_at = ts(1000 + i);
        store.insert_client(&scope, &c).await.unwrap();
        all.push(c);
    }

    // Every ordering, page by page, sees each client exactly once and in order.
    for sort in [
        ClientSortField::CreateTime,
        ClientSortField::UpdateTime,
        ClientSortField::Name,
    ] {
        for dir in [SortDirection::Asc, SortDirection::Desc] {
            let mut seen: Vec<Client> = Vec::new();
            for number in 1..=5 {
                let q = query(
                    ClientFilter::default(),
                    sort,
                    dir,
                    Paging::Page { number, size: 5 },
                );
                let page = store.query_clients(&scope, &q).await.unwrap();
                assert_eq!(page.total, 23);
                assert_eq!(page.items.len(), if number == 5 { 3 } else { 5 });
                seen.extend(page.items);
            }
            let key = |c: &Client| match sort {
                ClientSortField::CreateTime => (c.created_at.millis().to_string(), c.uid.clone()),
                ClientSortField::UpdateTime => (c.updated_at.millis().to_string(), c.uid.clone()),
                ClientSortField::Name => (c.name.clone(), c.uid.clone()),
            };
            let mut want = all.clone();
            want.sort_by_key(key);
            if dir == SortDirection::Desc {
                want.reverse();
            }
            let got: Vec<&ClientUid> = seen.iter().map(|c| &c.uid).collect();
            let want: Vec<&ClientUid> = want.iter().map(|c| &c.uid).collect();
            assert_eq!(got, want, "{sort:?} {dir:?}");
            let q = query(
                ClientFilter::default(),
                sort,
                dir,
                Paging::Page { number: 9, size: 5 },
            );
            let past = store.query_clients(&scope, &q).await.unwrap();
            assert!(past.items.is_empty());
            assert_eq!(past.total, 23);
        }
    }

    // Cursor paging walks the same rows.
    let mut token = None;
    let mut walked = 0;
    loop {
        let q = query(
            ClientFilter::default(),
            ClientSortField::CreateTime,
            SortDirection::Desc,
            Paging::cursor(token, 7).unwrap(),
        );
        let page = store.query_clients(&scope, &q).await.unwrap();
        walked += page.items.len();
        match page.next_token {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    assert_eq!(walked, 23);

    let machines = ClientFilter {
        client_types: vec![ClientType::MachineToMachine],
        ..ClientFilter::default()
    };
    assert_eq!(
        names(&store, &scope, machines).await,
        ["app-03", "app-07", "app-11", "app-15", "app-19"]
    );
    let public = ClientFilter {
        client_types: vec![
            ClientType::SinglePageApplication,
            ClientType::MobileApplication,
        ],
        ..ClientFilter::default()
    };
    assert_eq!(names(&store, &scope, public).await.len(), 12);
    let shop = ClientFilter {
        description: Some("shop".to_owned()),
        ..ClientFilter::default()
    };
    assert_eq!(names(&store, &scope, shop).await.len(), 8);
    for (m, n) in [
        (TextMatch::Exact("app-07".to_owned()), 1),
        (TextMatch::Exact("APP-07".to_owned()), 0),
        (TextMatch::Prefix("app-1".to_owned()), 10),
        (TextMatch::Contains("P-2".to_owned()), 3),
    ] {
        let f = ClientFilter {
            name: Some(m.clone()),
            ..ClientFilter::default()
        };
        assert_eq!(names(&store, &scope, f).await.len(), n, "{m:?}");
    }
    let both = ClientFilter {
        name: Some(TextMatch::Prefix("app-1".to_owned())),
        client_types: vec![ClientType::WebApplication],
        description: Some("SHOP".to_owned()),
    };
    assert_eq!(names(&store, &scope, both).await, ["app-12"]);
}

async fn clients_go_with_their_pool(db: &Db) {
    let store = db.open().await;
    let pool = new_pool(&store, "acme").await;
    let keep = new_pool(&store, "acme").await;
    let scope = PoolScope::trusted(&pool);
    let a = client(&pool, "a", ClientType::WebApplication, 1);
    let b = client(&pool, "b", ClientType::MachineToMachine, 2);
    let k = client(&keep, "k", ClientType::WebApplication, 3);
    store.insert_client(&scope, &a).await.unwrap();
    store.insert_client(&scope, &b).await.unwrap();
    store
        .insert_client(&PoolScope::trusted(&keep), &k)
        .await
        .unwrap();
    let view = store
        .get_pool(&pool.account_id, &pool.uid)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.total_clients, 2);

    assert!(
        store
            .delete_pool(&pool.account_id, &pool.uid)
            .await
            .unwrap()
    );
    assert_eq!(store.find_client(&pool.uid, &a.uid).await.unwrap(), None);
    assert_eq!(store.find_client(&pool.uid, &b.uid).await.unwrap(), None);
    assert_eq!(
        store.find_client(&keep.uid, &k.uid).await.unwrap(),
        Some(k),
        "other pools keep their clients"
    );
    let kept = store
        .get_pool(&keep.account_id, &keep.uid)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.total_clients, 1);
}

async fn clients_are_isolated(db: &Db) {
    let store = db.open().await;
    let mine = new_pool(&store, "acme").await;
    let sibling = new_pool(&store, "acme").await;
    let theirs = new_pool(&store, "globex").await;
    let c = client(&mine, "c", ClientType::WebApplication, 1);
    store
        .insert_client(&PoolScope::trusted(&mine), &c)
        .await
        .unwrap();

    for other in [&sibling, &theirs] {
        let scope = PoolScope::trusted(other);
        assert_eq!(store.get_client(&scope, &c.uid).await.unwrap(), None);
        assert_eq!(store.find_client(&other.uid, &c.uid).await.unwrap(), None);
        assert!(!store.delete_client(&scope, &c.uid).await.unwrap());
        let mut stolen = c.clone();
        stolen.name = "stolen".to_owned();
        assert!(store.update_client(&scope, &stolen).await.is_err());
        assert!(
            names(&store, &scope, ClientFilter::default())
                .await
                .is_empty()
        );
    }
    let read = store
        .get_client(&PoolScope::trusted(&mine), &c.uid)
        .await
        .unwrap();
    assert_eq!(
        read,
        Some(c),
        "nothing from another pool reached the client"
    );
}

async fn service_seals_secrets(db: &Db) {
    let store = db.open().await;
    let pool = new_pool(&store, "acme").await;
    let access = PoolAccess::trusted(pool.clone());
    let dyn_store: Arc<dyn Store> = Arc::new(store.clone());
    let key = MasterKey::generate();
    let service = ClientService::new(
        dyn_store.clone(),
        key.clone(),
        Arc::new(SystemClock),
        Changes::new(),
    );
    let new = |t| NewClient {
        name: "app".to_owned(),
        description: String::new(),
        client_type: t,
        settings: ClientSettings::default(),
    };

    let web = service
        .create(&access, new(ClientType::WebApplication))
        .await
        .unwrap();
    let plain = web.secret.clone().unwrap();
    assert!(plain.len() >= 43);
    let stored = store
        .get_client(access.scope(), &web.client.uid)
        .await
        .unwrap()
        .unwrap();
    let sealed = stored.sealed_secret.clone().unwrap();
    assert!(
        !sealed.contains(&plain),
        "the store holds the secret sealed"
    );
    assert_eq!(key.open(&sealed).unwrap(), plain.as_bytes());

    let found = service
        .find(&pool.uid, &web.client.uid)
        .await
        .unwrap()
        .unwrap();
    assert!(service.verify_secret(&found, &plain));
    assert!(!service.verify_secret(&found, &format!("{plain}x")));
    assert!(!service.verify_secret(&found, ""));
    assert_eq!(
        service.secret(&found).unwrap().as_deref(),
        Some(plain.as_str())
    );
    let revealed = service.reveal(&access, &web.client.uid).await.unwrap();
    assert_eq!(revealed.secret.as_deref(), Some(plain.as_str()));
    assert!(
        !format!("{revealed:?}").contains(&plain),
        "Debug never prints the secret"
    );

    let m2m = service
        .create(&access, new(ClientType::MachineToMachine))
        .await
        .unwrap();
    assert_ne!(m2m.secret, web.secret, "every client gets its own secret");

    let spa = service
        .create(&access, new(ClientType::SinglePageApplication))
        .await
        .unwrap();
    assert_eq!(spa.secret, None);
    let spa = service
        .find(&pool.uid, &spa.client.uid)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(spa.sealed_secret, None);
    assert!(!service.verify_secret(&spa, ""));
    assert_eq!(service.secret(&spa).unwrap(), None);

    let unknown = ClientUid::generate();
    assert_eq!(service.find(&pool.uid, &unknown).await.unwrap(), None);
    let other = new_pool(&store, "acme").await;
    assert_eq!(
        service.find(&other.uid, &web.client.uid).await.unwrap(),
        None
    );

    // Another master key cannot open the secret: the check fails closed.
    let wrong = ClientService::new(
        dyn_store,
        MasterKey::generate(),
        Arc::new(SystemClock),
        Changes::new(),
    );
    assert!(!wrong.verify_secret(&found, &plain));
    assert!(wrong.secret(&found).is_err());

    // Updates keep the secret; the type cannot change.
    let updated = service
        .update(&access, &web.client.uid, |e| e.name = "renamed".to_owned())
        .await
        .unwrap();
    assert_eq!(updated.sealed_secret, found.sealed_secret);
    assert!(service.verify_secret(&updated, &plain));
}
