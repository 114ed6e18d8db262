//! The `user_attribute_values` table: each custom attribute value of each user in a row of its
//! own, indexed by attribute and value (and by order key for numbers and times), so a
//! `CustomAttributeFilter` is answered from an index. Written with the user in the same
//! transaction; filled in at start for users stored before it existed.

use crate::SqlStore;
use crate::backend::Conn;
use crate::error::StoreError;
use crate::sql::{Bind, Sql, like_escape, prefix_upper_bound, sql};
use idplane_core::attribute_filter::{
    AttributeFilter, AttributeTest, Relation, ValueTest, ordinal,
};
use idplane_core::error::DomainResult;
use idplane_core::ids::UserPoolUid;
use idplane_core::model::user::User;

/// The `store_meta` entry saying every user has its value rows.
const FILLED: &str = "user_attribute_values";

/// Rows per INSERT (5 parameters a row).
const ROWS_PER_STATEMENT: usize = 1000;

/// Writes a user's value rows, replacing any it had.
pub(crate) async fn write(tx: &mut Conn, pool: &UserPoolUid, user: &User) -> DomainResult<()> {
    tx.execute(sql!(
        "DELETE FROM user_attribute_values WHERE user_uid = $1",
        user.uid.as_str()
    ))
    .await?;
    write_many(tx, pool, std::slice::from_ref(user)).await
}

/// Value rows for users inserted in bulk (in the same transaction), many rows a statement.
pub(crate) async fn write_many(
    tx: &mut Conn,
    pool: &UserPoolUid,
    users: &[User],
) -> DomainResult<()> {
    let rows: Vec<(&str, &str, &str)> = users
        .iter()
        .flat_map(|u| {
            u.profile
                .custom_attributes
                .iter()
                .filter(|(_, value)| !value.is_empty())
                .map(|(name, value)| (u.uid.as_str(), name.as_str(), value.as_str()))
        })
        .collect();
    insert_rows(tx, pool.as_str(), &rows).await
}

async fn insert_rows(tx: &mut Conn, pool: &str, rows: &[(&str, &str, &str)]) -> DomainResult<()> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let mut sql = Sql::new(
            "INSERT INTO user_attribute_values (pool_uid, user_uid, name, value, ordinal) VALUES ",
        );
        let values: Vec<String> = chunk
            .iter()
            .map(|(uid, name, value)| {
                let p = sql.text_param(pool);
                let u = sql.text_param(*uid);
                let n = sql.text_param(*name);
                let v = sql.text_param(*value);
                let o = sql.param(ordinal(value).map_or(Bind::NullInt, Bind::Int));
                format!("({p}, {u}, {n}, {v}, {o})")
            })
            .collect();
        sql.push(&values.join(", "));
        tx.execute(sql).await?;
    }
    Ok(())
}

/// ` AND (…)`: the users `filter` finds in the pool bound as `pool`.
pub(crate) fn condition(sql: &mut Sql, pool: &str, filter: &AttributeFilter<AttributeTest>) {
    let mut outer = terms(sql, pool, &filter.terms);
    for group in &filter.groups {
        let mut middle = terms(sql, pool, &group.terms);
        for inner in &group.groups {
            middle.push(joined(inner.relation, terms(sql, pool, &inner.terms)));
        }
        outer.push(joined(group.relation, middle));
    }
    sql.push(&format!(" AND {}", joined(filter.relation, outer)));
}

fn terms(sql: &mut Sql, pool: &str, terms: &[AttributeTest]) -> Vec<String> {
    terms.iter().map(|t| term(sql, pool, t)).collect()
}

/// `(a AND b …)`; a level with nothing in it holds for every user.
fn joined(relation: Relation, parts: Vec<String>) -> String {
    if parts.is_empty() {
        return "(1 = 1)".to_owned();
    }
    let glue = match relation {
        Relation::And => " AND ",
        Relation::Or => " OR ",
    };
    format!("({})", parts.join(glue))
}

fn term(sql: &mut Sql, pool: &str, t: &AttributeTest) -> String {
    let name = sql.text_param(t.name.as_str());
    let holders = |test: String| {
        format!(
            "u.uid IN (SELECT v.user_uid FROM user_attribute_values v \
             WHERE v.pool_uid = {pool} AND v.name = {name}{test})"
        )
    };
    match &t.test {
        ValueTest::Present => holders(String::new()),
        ValueTest::Absent => format!("NOT {}", holders(String::new())),
        ValueTest::Text(op, value) => {
            let v = sql.text_param(value.as_str());
            holders(format!(" AND v.value {} {v}", op.sql()))
        }
        ValueTest::Ordinal(op, key) => {
            let k = sql.int_param(*key);
            holders(format!(
                " AND v.ordinal IS NOT NULL AND v.ordinal {} {k}",
                op.sql()
            ))
        }
        ValueTest::Contains(text) => {
            let p = sql.text_param(format!("%{}%", like_escape(text)));
            holders(format!(" AND lower(v.value) LIKE {p} ESCAPE '\\'"))
        }
        ValueTest::StartsWith(text) => {
            let lo = sql.text_param(text.as_str());
            let mut test = format!(" AND v.value >= {lo}");
            if let Some(hi) = prefix_upper_bound(text) {
                let hi = sql.text_param(hi);
                test.push_str(&format!(" AND v.value < {hi}"));
            }
            holders(test)
        }
    }
}

/// A stored user's pool, uid and custom attribute values.
type Held = (String, String, Vec<(String, String)>);

impl SqlStore {
    /// Gives every user stored before the value table existed its rows, in one transaction.
    pub(crate) async fn fill_attribute_values(&self) -> Result<(), StoreError> {
        let mut tx = self.db.write().await?;
        tx.lock_table("user_attribute_values").await?;
        let done = sql!("SELECT value FROM store_meta WHERE name = $1", FILLED);
        if tx.fetch_optional(done, |_| Ok(())).await?.is_some() {
            return Ok(());
        }
        let users = Sql::new(
            "SELECT uid, pool_uid, custom_attributes FROM users \
             WHERE custom_attributes <> '[]' ORDER BY pool_uid, uid",
        );
        let held: Vec<Held> = tx
            .fold(users, Vec::new(), |held: &mut Vec<_>, row| {
                let values: Vec<(String, String)> =
                    serde_json::from_str(&row.text("custom_attributes")?)
                        .map_err(|e| crate::error::DbError::Other(e.to_string()))?;
                held.push((row.text("pool_uid")?, row.text("uid")?, values));
                Ok(true)
            })
            .await?;
        for (pool, uid, values) in &held {
            let rows: Vec<(&str, &str, &str)> = values
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(n, v)| (uid.as_str(), n.as_str(), v.as_str()))
                .collect();
            insert_rows(&mut tx, pool, &rows)
                .await
                .map_err(|e| StoreError::Config(e.to_string()))?;
        }
        tx.execute(sql!(
            "INSERT INTO store_meta (name, value) VALUES ($1, 'v1')",
            FILLED
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
