//! Sorting and paging shared by every list: ORDER BY a sort key with the uid as tie-breaker,
//! LIMIT/OFFSET for page and offset paging, and keyset conditions for cursor paging.

use crate::row::Columns;
use crate::sql::{Bind, Sql};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use idplane_core::error::{DomainError, DomainResult, Field};
use idplane_core::query::{Paging, SortDirection};
use serde::{Deserialize, Serialize};

/// From this offset on, a page of one group's members matched on one key and sorted on another
/// is selected from the matches' keys (`member_select`), or else, on SQLite, sorted whole
/// ([`SortSpec::finish_sorted`]).
pub const DEEP_OFFSET: u64 = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Text,
    Int,
}

/// How one list is ordered.
#[derive(Debug, Clone)]
pub struct SortSpec {
    /// A column expression, e.g. `u.display_name`.
    pub expr: &'static str,
    pub kind: KeyKind,
    /// The unique column that breaks ties, e.g. `u.uid`.
    pub tiebreak: &'static str,
    pub direction: SortDirection,
}

#[derive(Debug, Serialize, Deserialize)]
struct Token {
    /// Which ordering the token belongs to.
    s: String,
    /// The last row's sort key.
    k: serde_json::Value,
    /// The last row's uid.
    u: String,
}

fn bad_token() -> DomainError {
    DomainError::invalid(
        Field::NextToken,
        "the token is malformed or belongs to another query or sort order",
    )
}

impl SortSpec {
    fn id(&self) -> String {
        let dir = match self.direction {
            SortDirection::Asc => "a",
            SortDirection::Desc => "d",
        };
        format!("{}:{dir}", self.expr)
    }

    fn dir_sql(&self) -> &'static str {
        match self.direction {
            SortDirection::Asc => "ASC",
            SortDirection::Desc => "DESC",
        }
    }

    /// The select-list item carrying the sort key, read back for next-page tokens.
    pub fn key_column(&self) -> String {
        format!("{} AS sort_key", self.expr)
    }

    /// `ORDER BY` for an outer query over a page made by [`SortSpec::finish`], whose sort key
    /// and tie-breaker are now `key` and `tiebreak`.
    pub fn outer_order(&self, key: &str, tiebreak: &str) -> String {
        let dir = self.dir_sql();
        format!(" ORDER BY {key} {dir}, {tiebreak} {dir}")
    }

    /// Appends the keyset condition (cursor paging with a token), ORDER BY and LIMIT/OFFSET.
    /// The SQL must end in a WHERE clause (so ` AND …` can follow). Returns the page size asked.
    pub fn finish(&self, sql: &mut Sql, paging: &Paging) -> DomainResult<u32> {
        if let Paging::Cursor {
            token: Some(token), ..
        } = paging
        {
            let raw = B64.decode(token).map_err(|_| bad_token())?;
            let token: Token = serde_json::from_slice(&raw).map_err(|_| bad_token())?;
            if token.s != self.id() {
                return Err(bad_token());
            }
            let key = match (self.kind, &token.k) {
                (KeyKind::Text, serde_json::Value::String(s)) => Bind::Text(s.clone()),
                (KeyKind::Int, serde_json::Value::Number(n)) => {
                    Bind::Int(n.as_i64().ok_or_else(bad_token)?)
                }
                _ => return Err(bad_token()),
            };
            let op = match self.direction {
                SortDirection::Asc => ">",
                SortDirection::Desc => "<",
            };
            let k1 = sql.param(key.clone());
            let k2 = sql.param(key);
            let u = sql.text_param(token.u);
            sql.push(&format!(
                " AND ({e} {op} {k1} OR ({e} = {k2} AND {t} {op} {u}))",
                e = self.expr,
                t = self.tiebreak
            ));
        }
        sql.push(&self.order_by());
        Ok(Self::limit_offset(sql, paging))
    }

    /// For a page deep into many matches on SQLite: ends a `WITH sorted AS MATERIALIZED (SELECT
    /// …` opened by the caller (its SQL ending in a WHERE clause) with the ORDER BY, and takes
    /// the page from the sorted rows. SQLite keeps `ORDER BY … LIMIT n OFFSET m` in a B-tree of
    /// the best n + m rows, re-balanced on every row; without a LIMIT it sorts in memory in
    /// one go, which is cheaper once n + m is a good part of the matches (5,100 of 10,000:
    /// 6.6 → 5.5 ms). A materialized CTE is an ephemeral table read in the order its rows were
    /// written. Not for cursor paging. Returns the page size asked.
    pub fn finish_sorted(&self, sql: &mut Sql, paging: &Paging) -> u32 {
        sql.push(&self.order_by());
        sql.push(") SELECT * FROM sorted");
        Self::limit_offset(sql, paging)
    }

    /// For offset and page paging on SQLite: ORDER BY and LIMIT/OFFSET with the sort key
    /// marked (unary `+`) so that no index is read for the order, and the filter's index is
    /// read instead, its matches sorted. Returns the page size asked.
    pub fn finish_unindexed(&self, sql: &mut Sql, paging: &Paging) -> u32 {
        let dir = self.dir_sql();
        sql.push(&format!(
            " ORDER BY +{} {dir}, {} {dir}",
            self.expr, self.tiebreak
        ));
        Self::limit_offset(sql, paging)
    }

    fn order_by(&self) -> String {
        let dir = self.dir_sql();
        format!(" ORDER BY {} {dir}, {} {dir}", self.expr, self.tiebreak)
    }

    /// Appends the page's LIMIT/OFFSET alone, for a statement that ordered its rows itself.
    /// Returns the page size asked.
    pub fn finish_limit_offset(&self, sql: &mut Sql, paging: &Paging) -> u32 {
        Self::limit_offset(sql, paging)
    }

    fn limit_offset(sql: &mut Sql, paging: &Paging) -> u32 {
        let (offset, limit) = paging.offset_limit();
        let fetch = match paging {
            Paging::Cursor { .. } => i64::from(limit) + 1,
            _ => i64::from(limit),
        };
        let l = sql.int_param(fetch);
        let o = sql.int_param(i64::try_from(offset).unwrap_or(i64::MAX));
        sql.push(&format!(" LIMIT {l} OFFSET {o}"));
        limit
    }

    /// Reads a page's rows as they are stepped, each by `read`, into [`PageRows`]: up to
    /// `limit` of them; for cursor paging the look-ahead row past them means a next page,
    /// whose token is made from the last row kept. With `counted`, the first row's
    /// `total_found` is kept too.
    pub fn page_reader<T, F>(
        &self,
        paging: &Paging,
        limit: u32,
        counted: bool,
        read: F,
    ) -> impl FnMut(&mut PageRows<T>, &dyn Columns) -> DomainResult<bool> + Send + 'static
    where
        F: Fn(&dyn Columns) -> DomainResult<T> + Send + 'static,
    {
        let spec = self.clone();
        let cursor = matches!(paging, Paging::Cursor { .. });
        let limit = limit as usize;
        let mut last = None;
        move |page, row| {
            if page.items.len() == limit {
                page.next_token = last.take();
                return Ok(false);
            }
            if counted && page.total.is_none() {
                page.total = Some(row.int("total_found")?);
            }
            if cursor && page.items.len() + 1 == limit {
                last = Some(spec.token_after(row, "uid")?);
            }
            page.items.push(read(row)?);
            Ok(true)
        }
    }

    /// The token of the page after `row`, read by the sort key (`sort_key`) and uid it carries.
    pub fn token_after(&self, row: &dyn Columns, uid_column: &str) -> DomainResult<String> {
        let key = match self.kind {
            KeyKind::Text => serde_json::Value::String(row.text("sort_key")?),
            KeyKind::Int => serde_json::Value::from(row.int("sort_key")?),
        };
        let token = Token {
            s: self.id(),
            k: key,
            u: row.text(uid_column)?,
        };
        let json = serde_json::to_vec(&token).map_err(DomainError::internal)?;
        Ok(B64.encode(json))
    }
}

/// A page's rows as [`SortSpec::page_reader`] read them.
pub struct PageRows<T> {
    pub items: Vec<T>,
    /// The count the rows carried (`total_found`), when asked for and there was a row.
    pub total: Option<i64>,
    pub next_token: Option<String>,
}

impl<T> Default for PageRows<T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            total: None,
            next_token: None,
        }
    }
}

impl crate::SqlStore {
    /// How many rows `from` holds under `filter` (a ` WHERE …` clause).
    pub(crate) async fn count(&self, from: &str, filter: &Sql) -> DomainResult<i64> {
        let mut count = Sql::new(&format!("SELECT COUNT(*) AS n FROM {from}"));
        count.append(filter);
        Ok(self.db.fetch_one(count, |row| row.int("n")).await?)
    }

    /// One page of `columns` from `from` under `filter`, in `spec`'s order, each row read by
    /// `read`, and the token of the next page for cursor paging. The rows' uid column must be
    /// named `uid`.
    pub(crate) async fn page<T, F>(
        &self,
        columns: &str,
        from: &str,
        filter: &Sql,
        spec: &SortSpec,
        paging: &Paging,
        read: F,
    ) -> DomainResult<(Vec<T>, Option<String>)>
    where
        T: Send + 'static,
        F: Fn(&dyn Columns) -> DomainResult<T> + Send + 'static,
    {
        let mut page = Sql::new(&format!(
            "SELECT {columns}, {} FROM {from}",
            spec.key_column()
        ));
        page.append(filter);
        let limit = spec.finish(&mut page, paging)?;
        let reader = spec.page_reader(paging, limit, false, read);
        let rows = self.db.fold(page, PageRows::default(), reader).await?;
        Ok((rows.items, rows.next_token))
    }
}
