//! The `user_identifiers` table: each user's sign-in identifiers by their comparison key,
//! unique across user names, e-mail addresses and phone numbers of a pool. Written with the
//! user in the same transaction; filled in at start for users stored before it existed.

use std::collections::HashMap;

use crate::SqlStore;
use crate::backend::Conn;
use crate::error::{DbError, StoreError};
use crate::sql::{Sql, sql};
use idplane_core::error::{DomainError, DomainResult, UserError};
use idplane_core::identifiers::{self, Attribute};
use idplane_core::ids::UserPoolUid;
use idplane_core::model::user::User;

/// The `store_meta` entry saying every user has its identifier rows.
const FILLED: &str = "user_identifiers";

/// The keys of a user's identifiers, as its stored values give them.
pub(crate) fn keys_of(user: &User) -> Vec<(Attribute, String)> {
    let p = &user.profile;
    identifiers::keys_of(
        p.preferred_username.as_deref(),
        p.email.as_deref(),
        p.phone_number.as_deref(),
    )
}

/// Writes a user's identifier rows, replacing any it had. `Duplicated` naming the attribute
/// when another user of the pool has one of the keys.
pub(crate) async fn write(tx: &mut Conn, pool: &UserPoolUid, user: &User) -> DomainResult<()> {
    let keys = keys_of(user);
    tx.execute(sql!(
        "DELETE FROM user_identifiers WHERE user_uid = $1",
        user.uid.as_str()
    ))
    .await?;
    if keys.is_empty() {
        return Ok(());
    }
    let mut check = Sql::new("SELECT match_key FROM user_identifiers WHERE pool_uid = ");
    let p = check.text_param(pool.as_str());
    check.push(&p);
    let list: Vec<String> = keys
        .iter()
        .map(|(_, k)| check.text_param(k.clone()))
        .collect();
    check.push(&format!(" AND match_key IN ({})", list.join(", ")));
    if let Some(key) = tx
        .fetch_optional(check, |row| row.text("match_key"))
        .await?
    {
        return Err(clash(&keys, &key));
    }
    let mut insert =
        Sql::new("INSERT INTO user_identifiers (pool_uid, match_key, user_uid, attribute) VALUES ");
    let rows: Vec<String> = keys
        .iter()
        .map(|(attribute, key)| {
            let p = insert.text_param(pool.as_str());
            let k = insert.text_param(key.clone());
            let u = insert.text_param(user.uid.as_str());
            let a = insert.text_param(attribute.as_str());
            format!("({p}, {k}, {u}, {a})")
        })
        .collect();
    insert.push(&rows.join(", "));
    tx.execute(insert).await.map_err(|e| match e {
        // A concurrent writer took one of the keys between the check and the insert.
        DbError::Unique(_) => DomainError::from(keys[0].0.taken()),
        e => e.into(),
    })?;
    Ok(())
}

fn clash(keys: &[(Attribute, String)], taken: &str) -> DomainError {
    let attribute = keys
        .iter()
        .find(|(_, k)| k == taken)
        .map_or(Attribute::Username, |(a, _)| *a);
    attribute.taken().into()
}

/// Identifier rows for users inserted in bulk (in the same transaction): many rows a statement.
pub(crate) async fn write_many(
    tx: &mut Conn,
    pool: &UserPoolUid,
    users: &[User],
) -> DomainResult<()> {
    let rows: Vec<(String, String, &'static str)> = users
        .iter()
        .flat_map(|u| {
            keys_of(u)
                .into_iter()
                .map(|(a, k)| (k, u.uid.as_str().to_owned(), a.as_str()))
        })
        .collect();
    insert_rows(tx, pool, &rows).await
}

async fn insert_rows(
    tx: &mut Conn,
    pool: &UserPoolUid,
    rows: &[(String, String, &'static str)],
) -> DomainResult<()> {
    for chunk in rows.chunks(2000) {
        let mut sql = Sql::new(
            "INSERT INTO user_identifiers (pool_uid, match_key, user_uid, attribute) VALUES ",
        );
        let values: Vec<String> = chunk
            .iter()
            .map(|(key, uid, attribute)| {
                let p = sql.text_param(pool.as_str());
                let k = sql.text_param(key.clone());
                let u = sql.text_param(uid.clone());
                let a = sql.text_param(*attribute);
                format!("({p}, {k}, {u}, {a})")
            })
            .collect();
        sql.push(&values.join(", "));
        tx.execute(sql).await.map_err(|e| match e {
            DbError::Unique(_) => DomainError::from(UserError::UsernameTaken),
            e => e.into(),
        })?;
    }
    Ok(())
}

/// One user whose stored identifiers the backfill changes or keys.
struct Stored {
    uid: String,
    values: [Option<String>; 3],
}

/// The stored form of an identifier stored before the current rules: normalised when it is
/// valid now, kept as it is otherwise (its key is still computed from it).
fn restored(attribute: Attribute, value: &str) -> String {
    let prepared = match attribute {
        Attribute::Username => identifiers::username(value),
        Attribute::Email => identifiers::email(value),
        Attribute::Phone => identifiers::phone(value),
    };
    prepared.unwrap_or_else(|_| value.to_owned())
}

impl SqlStore {
    /// Gives every user stored before the identifier table existed its rows, normalising the
    /// stored identifiers, all in one transaction. Refuses — changing nothing — with a report
    /// of every clash when two users of a pool would share a key.
    pub(crate) async fn fill_identifiers(&self) -> Result<(), StoreError> {
        let mut tx = self.db.write().await?;
        tx.lock_table("user_identifiers").await?;
        let done = sql!("SELECT value FROM store_meta WHERE name = $1", FILLED);
        if tx.fetch_optional(done, |_| Ok(())).await?.is_some() {
            return Ok(());
        }
        let users = Sql::new(
            "SELECT uid, pool_uid, preferred_username, email, phone_number FROM users \
             ORDER BY pool_uid, uid",
        );
        let pools: Vec<(String, Vec<Stored>)> = tx
            .fold(
                users,
                Vec::new(),
                |pools: &mut Vec<(String, Vec<Stored>)>, row| {
                    let pool = row.text("pool_uid")?;
                    let mut values: [Option<String>; 3] = [None, None, None];
                    for (i, column) in ["preferred_username", "email", "phone_number"]
                        .into_iter()
                        .enumerate()
                    {
                        let v = row.text(column)?;
                        values[i] = (!v.is_empty()).then_some(v);
                    }
                    let user = Stored {
                        uid: row.text("uid")?,
                        values,
                    };
                    match pools.last_mut() {
                        Some((p, users)) if *p == pool => users.push(user),
                        _ => pools.push((pool, vec![user])),
                    }
                    Ok(true)
                },
            )
            .await?;
        let mut clashes = Vec::new();
        let mut work = Vec::new();
        for (pool, users) in pools {
            let mut owners: HashMap<String, (String, Attribute, String)> = HashMap::new();
            let mut inserts = Vec::new();
            for user in users {
                let mut normal: [Option<String>; 3] = [None, None, None];
                for (i, attribute) in Attribute::ALL.into_iter().enumerate() {
                    normal[i] = user.values[i].as_deref().map(|v| restored(attribute, v));
                }
                let keys = identifiers::keys_of(
                    normal[0].as_deref(),
                    normal[1].as_deref(),
                    normal[2].as_deref(),
                );
                for (attribute, key) in keys {
                    let value = normal[attribute_index(attribute)]
                        .clone()
                        .unwrap_or_default();
                    match owners.get(&key) {
                        Some((other, other_attribute, other_value)) => clashes.push(format!(
                            "pool {pool}: user {other} ({} {other_value:?}) and user {} ({} {value:?}) \
                             are the same identifier {key:?}",
                            other_attribute.as_str(),
                            user.uid,
                            attribute.as_str()
                        )),
                        None => {
                            owners.insert(key.clone(), (user.uid.clone(), attribute, value));
                            inserts.push((key, user.uid.clone(), attribute.as_str()));
                        }
                    }
                }
                if normal != user.values {
                    work.push((user.uid, normal));
                }
            }
            if clashes.is_empty() {
                let pool = UserPoolUid::from_stored(pool);
                insert_rows(&mut tx, &pool, &inserts)
                    .await
                    .map_err(|e| StoreError::Config(e.to_string()))?;
            }
        }
        if !clashes.is_empty() {
            let shown = clashes
                .iter()
                .take(50)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n  ");
            return Err(StoreError::Config(format!(
                "{} user identifiers collide under the comparison rules for user names, e-mail \
                 addresses and phone numbers (see the README's Security section); nothing was \
                 changed. Give each user its own identifiers (e.g. with an older version, or in the \
                 database) and start again:\n  {shown}",
                clashes.len()
            )));
        }
        for (uid, normal) in work {
            let [username, email, phone] = normal.map(Option::unwrap_or_default);
            tx.execute(sql!(
                "UPDATE users SET preferred_username = $1, email = $2, phone_number = $3 \
                 WHERE uid = $4",
                username,
                email,
                phone,
                uid
            ))
            .await?;
        }
        tx.execute(sql!(&format!(
            "{} FROM users u WHERE u.uid = group_members.user_uid",
            crate::users::MEMBER_KEY_UPDATE
        )))
        .await?;
        tx.execute(sql!(
            "INSERT INTO store_meta (name, value) VALUES ($1, 'v1')",
            FILLED
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

fn attribute_index(attribute: Attribute) -> usize {
    match attribute {
        Attribute::Username => 0,
        Attribute::Email => 1,
        Attribute::Phone => 2,
    }
}
