//! Workload pools on both backends, through the use cases: names unique per account, lookups
//! by id or name that never cross accounts, tag filters, sorting and paging, the pool `default`
//! made once under racing requests, and input that is refused.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::sync::Arc;

use idplane_core::clock::{Clock, SystemClock};
use idplane_core::crypto::MasterKey;
use idplane_core::error::{
    AccessError, DomainError, Field, WorkloadIdentityError, WorkloadPoolError,
};
use idplane_core::ids::{UserPoolUid, WorkloadPoolId};
use idplane_core::model::account::Caller;
use idplane_core::model::pool::Tag;
use idplane_core::model::workload::Metadata;
use idplane_core::query::{
    Paging, SortDirection, TagFilter, TextMatch, WorkloadPoolFilter, WorkloadPoolQuery,
    WorkloadPoolSortField,
};
use idplane_core::service::AccessKeyService;
use idplane_core::service::workload_identities::{MetadataEdit, NewWorkloadIdentity};
use idplane_core::service::workloads::{
    NewWorkloadPool, WorkloadPoolChange, WorkloadPoolRef, WorkloadService,
};
use idplane_core::store::{Store, WorkloadStore};
use idplane_store::SqlStore;

#[macro_use]
mod common;

use common::fixtures::new_pool;
use common::{Db, postgres_db, sqlite_db};

store_tests!(
    pools_round_trip,
    lists_filter_sort_and_page,
    default_pool_is_made_once,
    refused_input_and_callers,
    identities_keep_their_pool,
);

fn service(store: &SqlStore) -> WorkloadService {
    let store: Arc<dyn Store> = Arc::new(store.clone());
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    WorkloadService::new(store, clock)
}

/// A caller of `account`, through the access-key service as a signed request would make it.
async fn caller(store: &SqlStore, account: &str, bound: Option<&UserPoolUid>) -> Caller {
    let store: Arc<dyn Store> = Arc::new(store.clone());
    let keys = AccessKeyService::new(store, MasterKey::generate(), Arc::new(SystemClock));
    let created = keys
        .create(account, bound.map(UserPoolUid::as_str), "test")
        .await
        .unwrap();
    keys.lookup(created.key.id.as_str())
        .await
        .unwrap()
        .into_caller()
}

fn tag(key: &str, value: &str) -> Tag {
    Tag {
        key: key.to_owned(),
        value: value.to_owned(),
    }
}

fn new(name: &str, tags: Vec<Tag>) -> NewWorkloadPool {
    NewWorkloadPool {
        name: name.to_owned(),
        description: format!("{name} pool"),
        project_name: String::new(),
        tags,
    }
}

fn by_name(name: &str) -> WorkloadPoolRef {
    WorkloadPoolRef {
        id: None,
        name: Some(name.to_owned()),
    }
}

fn not_found(e: DomainError) -> bool {
    matches!(e, DomainError::WorkloadPool(WorkloadPoolError::NotFound(_)))
}

async fn pools_round_trip(db: &Db) {
    let store = db.open().await;
    let svc = service(&store);
    let acme = caller(&store, "acme", None).await;
    let other = caller(&store, "other", None).await;
    let made = svc
        .create_pool(
            &acme,
            new("agents", vec![tag("env", "prod"), tag("team", "")]),
        )
        .await
        .unwrap();
    assert_eq!(made.project_name, "default");
    let by_id = WorkloadPoolRef {
        id: Some(made.id.clone()),
        name: None,
    };
    assert_eq!(svc.pool(&acme, &by_id).await.unwrap(), made);
    assert_eq!(svc.pool(&acme, &by_name("agents")).await.unwrap(), made);
    let both = WorkloadPoolRef {
        id: Some(made.id.clone()),
        name: Some("agents".into()),
    };
    assert_eq!(svc.pool(&acme, &both).await.unwrap(), made);
    let disagreeing = WorkloadPoolRef {
        id: Some(made.id.clone()),
        name: Some("other".into()),
    };
    assert!(not_found(svc.pool(&acme, &disagreeing).await.unwrap_err()));
    // Names are unique per account; another account may use the same name, and never sees
    // this account's pool by its id or name (OWASP ASVS 4.0 V4.2.1).
    assert!(matches!(
        svc.create_pool(&acme, new("agents", vec![]))
            .await
            .unwrap_err(),
        DomainError::WorkloadPool(WorkloadPoolError::NameTaken)
    ));
    assert!(not_found(svc.pool(&other, &by_id).await.unwrap_err()));
    let theirs = svc
        .create_pool(&other, new("agents", vec![]))
        .await
        .unwrap();
    assert_ne!(theirs.id, made.id);
    assert!(not_found(
        svc.update_pool(
            &other,
            "missing",
            WorkloadPoolChange {
                description: Some("x".into())
            }
        )
        .await
        .unwrap_err()
    ));
    let changed = svc
        .update_pool(
            &acme,
            "agents",
            WorkloadPoolChange {
                description: Some("changed".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(changed.description, "changed");
    assert_eq!(changed.tags, made.tags);
    assert_eq!(svc.pool(&acme, &by_id).await.unwrap(), changed);
    // Deleting one account's pool leaves the other's of the same name.
    svc.delete_pool(&acme, "agents").await.unwrap();
    assert!(not_found(svc.pool(&acme, &by_id).await.unwrap_err()));
    assert!(not_found(
        svc.delete_pool(&acme, "agents").await.unwrap_err()
    ));
    assert_eq!(svc.pool(&other, &by_name("agents")).await.unwrap(), theirs);
    let tagged = query(vec![TagFilter {
        key: "env".into(),
        values: vec![],
    }]);
    assert_eq!(svc.list_pools(&acme, tagged).await.unwrap().total, 0);
}

fn query(tags: Vec<TagFilter>) -> WorkloadPoolQuery {
    WorkloadPoolQuery {
        filter: WorkloadPoolFilter {
            tags,
            ..WorkloadPoolFilter::default()
        },
        sort: (WorkloadPoolSortField::Name, SortDirection::Asc),
        paging: Paging::page(1, 100).unwrap(),
    }
}

async fn lists_filter_sort_and_page(db: &Db) {
    let store = db.open().await;
    let svc = service(&store);
    let acme = caller(&store, "acme", None).await;
    let other = caller(&store, "other", None).await;
    for i in 0..12 {
        let env = if i % 3 == 0 { "prod" } else { "dev" };
        let mut tags = vec![tag("env", env)];
        if i % 4 == 0 {
            tags.push(tag("owner", &format!("o{}", i % 8)));
        }
        let mut n = new(&format!("pool-{i:02}"), tags);
        if i == 5 {
            n.project_name = "special".into();
        }
        svc.create_pool(&acme, n).await.unwrap();
    }
    svc.create_pool(&other, new("pool-99", vec![tag("env", "prod")]))
        .await
        .unwrap();
    let names = |page: idplane_core::query::Page<idplane_core::model::workload::WorkloadPool>| {
        page.items.into_iter().map(|p| p.name).collect::<Vec<_>>()
    };
    let all = svc.list_pools(&acme, query(vec![])).await.unwrap();
    assert_eq!(all.total, 12);
    assert_eq!(names(all)[..2], ["pool-00", "pool-01"]);
    let prod = query(vec![TagFilter {
        key: "env".into(),
        values: vec!["prod".into()],
    }]);
    assert_eq!(
        names(svc.list_pools(&acme, prod).await.unwrap()),
        ["pool-00", "pool-03", "pool-06", "pool-09"]
    );
    // Several filters must all hold; a filter without values asks only for the key.
    let both = query(vec![
        TagFilter {
            key: "env".into(),
            values: vec!["prod".into(), "staging".into()],
        },
        TagFilter {
            key: "owner".into(),
            values: vec![],
        },
    ]);
    assert_eq!(
        names(svc.list_pools(&acme, both).await.unwrap()),
        ["pool-00"]
    );
    let mut q = query(vec![]);
    q.filter.name = Some(TextMatch::Contains("OOL-1".into()));
    q.sort = (WorkloadPoolSortField::Name, SortDirection::Desc);
    assert_eq!(
        names(svc.list_pools(&acme, q).await.unwrap()),
        ["pool-11", "pool-10"]
    );
    let mut q = query(vec![]);
    q.filter.project_name = Some("special".into());
    assert_eq!(names(svc.list_pools(&acme, q).await.unwrap()), ["pool-05"]);
    // Pages: 5 per page, newest first; the third page holds the two oldest.
    let mut q = query(vec![]);
    q.sort = (WorkloadPoolSortField::CreatedAt, SortDirection::Desc);
    q.paging = Paging::page(3, 5).unwrap();
    let page = svc.list_pools(&acme, q).await.unwrap();
    assert_eq!(page.total, 12);
    assert_eq!(names(page), ["pool-01", "pool-00"]);
    let mut q = query(vec![]);
    q.filter.id = Some(WorkloadPoolId::generate().into_string());
    assert_eq!(svc.list_pools(&acme, q).await.unwrap().total, 0);
}

async fn default_pool_is_made_once(db: &Db) {
    let store = db.open().await;
    let svc = service(&store);
    let acme = caller(&store, "acme", None).await;
    let mut racing = Vec::new();
    for _ in 0..8 {
        let (svc, acme) = (svc.clone(), acme.clone());
        racing.push(tokio::spawn(async move {
            svc.pool(&acme, &WorkloadPoolRef::default()).await.unwrap()
        }));
    }
    let mut ids = Vec::new();
    for r in racing {
        ids.push(r.await.unwrap().id);
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "one default pool: {ids:?}");
    let mut q = query(vec![]);
    q.filter.name = Some(TextMatch::Contains("default".into()));
    assert_eq!(svc.list_pools(&acme, q).await.unwrap().total, 1);
}

async fn refused_input_and_callers(db: &Db) {
    let store = db.open().await;
    let svc = service(&store);
    let acme = caller(&store, "acme", None).await;
    let invalid = |e: DomainError, want: Field| match e {
        DomainError::Invalid { field, .. } | DomainError::Missing { field } => {
            assert_eq!(field, want)
        }
        other => panic!("expected an invalid {want:?}, got {other:?}"),
    };
    for bad in ["", "has space", "ünïcode", &"x".repeat(129), "semi;colon"] {
        invalid(
            svc.create_pool(&acme, new(bad, vec![])).await.unwrap_err(),
            Field::WorkloadPoolName,
        );
    }
    let many: Vec<Tag> = (0..51).map(|i| tag(&format!("k{i}"), "v")).collect();
    invalid(
        svc.create_pool(&acme, new("many", many)).await.unwrap_err(),
        Field::TagKey,
    );
    invalid(
        svc.create_pool(&acme, new("twice", vec![tag("k", "1"), tag("k", "2")]))
            .await
            .unwrap_err(),
        Field::TagKey,
    );
    invalid(
        svc.create_pool(&acme, new("ctl", vec![tag("k\u{1f}", "v")]))
            .await
            .unwrap_err(),
        Field::TagKey,
    );
    invalid(
        svc.create_pool(&acme, new("ctl", vec![tag("k", "v\u{1e}")]))
            .await
            .unwrap_err(),
        Field::TagValue,
    );
    let mut long = new("long", vec![]);
    long.description = "d".repeat(2049);
    invalid(
        svc.create_pool(&acme, long).await.unwrap_err(),
        Field::WorkloadPoolDescription,
    );
    let filters: Vec<TagFilter> = (0..51)
        .map(|i| TagFilter {
            key: format!("k{i}"),
            values: vec![],
        })
        .collect();
    invalid(
        svc.list_pools(&acme, query(filters)).await.unwrap_err(),
        Field::TagFilters,
    );
    // Nothing refused was stored.
    assert_eq!(svc.list_pools(&acme, query(vec![])).await.unwrap().total, 0);
    // A key bound to one user pool manages no workload pools.
    let (scope, _) = new_pool(&store, "acme").await;
    let bound = caller(&store, "acme", Some(scope.pool_uid())).await;
    assert!(matches!(
        svc.create_pool(&bound, new("bound", vec![]))
            .await
            .unwrap_err(),
        DomainError::Access(AccessError::BoundKeyManagesWorkloads)
    ));
    assert!(matches!(
        svc.pool(&bound, &WorkloadPoolRef::default())
            .await
            .unwrap_err(),
        DomainError::Access(AccessError::BoundKeyManagesWorkloads)
    ));
}

fn agent(name: &str) -> NewWorkloadIdentity {
    NewWorkloadIdentity {
        name: name.to_owned(),
        ..NewWorkloadIdentity::default()
    }
}

/// A pool holding identities is not deleted, decided with the deletion itself; an identity is
/// never stored in a pool that is gone; a write that read an old revision is refused.
async fn identities_keep_their_pool(db: &Db) {
    let store = db.open().await;
    let svc = service(&store);
    let acme = caller(&store, "acme", None).await;
    let pool = svc.create_pool(&acme, new("held", vec![])).await.unwrap();
    let (_, made) = svc
        .create_identity(&acme, Some("held"), agent("agent-one"))
        .await
        .unwrap();
    assert!(matches!(
        svc.create_identity(&acme, Some("held"), agent("agent-one"))
            .await
            .unwrap_err(),
        DomainError::WorkloadIdentity(WorkloadIdentityError::NameTaken)
    ));
    assert!(matches!(
        svc.delete_pool(&acme, "held").await.unwrap_err(),
        DomainError::WorkloadPool(WorkloadPoolError::HasIdentities)
    ));
    assert_eq!(
        svc.pool(&acme, &by_name("held"))
            .await
            .unwrap()
            .total_identities,
        1
    );
    // Changes racing each other are applied one after the other: none is lost.
    let mut racing = Vec::new();
    for i in 0..16 {
        let (svc, acme) = (svc.clone(), acme.clone());
        racing.push(tokio::spawn(async move {
            let value = Metadata {
                key: "k".into(),
                values: vec![format!("v{i}")],
            };
            svc.edit_identity_metadata(
                &acme,
                Some("held"),
                "agent-one",
                MetadataEdit::Add(vec![value]),
            )
            .await
            .unwrap()
        }));
    }
    for r in racing {
        r.await.unwrap();
    }
    let (_, now) = svc
        .identity(&acme, Some("held"), "agent-one")
        .await
        .unwrap();
    assert_eq!(now.metadata[0].values.len(), 16);
    assert_eq!(now.revision, 16);
    // A change that fails writes nothing.
    let failed = store
        .change_workload_identity(&pool.id, "agent-one", &|identity| {
            identity.description = "lost".into();
            Err(DomainError::internal("refused"))
        })
        .await;
    assert!(failed.is_err());
    let (_, after) = svc
        .identity(&acme, Some("held"), "agent-one")
        .await
        .unwrap();
    assert_eq!(after, now);
    svc.delete_identity(&acme, Some("held"), "agent-one")
        .await
        .unwrap();
    svc.delete_pool(&acme, "held").await.unwrap();
    // The store refuses an identity of a deleted pool (as a racing insert would find it).
    let orphan = idplane_core::model::workload::WorkloadIdentity {
        pool_id: pool.id.clone(),
        ..made
    };
    assert!(matches!(
        store.insert_workload_identity(&orphan).await.unwrap_err(),
        DomainError::WorkloadPool(WorkloadPoolError::NotFound(_))
    ));
}
