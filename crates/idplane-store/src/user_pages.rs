//! Reading a page of a user search: one statement whose rows carry the count, or a deep page
//! of one group's members selected from the matches' keys (`member_select`); on SQLite's read
//! connections where there are any (`lite`), else on sqlx's pool.

use idplane_core::error::{DomainError, DomainResult};
use idplane_core::ids::GroupUid;
use idplane_core::query::{Page, Paging};
use sqlx::Row;

use crate::error::internal;
use crate::lite;
use crate::member_select::{self, Bounds, Selection};
use crate::paging::SortSpec;
use crate::sql::Sql;
use crate::users::{UserRow, View};
use crate::{Dialect, SqlStore};

/// The users of a page of membership rows (`page`, selecting `member_uid` and `sort_key`),
/// in the page's order, with `count` as `total_found` when given.
pub(crate) fn members_of(page: &Sql, view: View, spec: &SortSpec, count: Option<&Sql>) -> Sql {
    let mut outer = Sql::new(&format!(
        "SELECT {}, p.sort_key, {}",
        view.columns(),
        view.extras("u.uid")
    ));
    match count {
        Some(count) => {
            outer.append(count);
            outer.push(" AS total_found FROM (");
        }
        None => {
            outer.push("p.member_uid FROM (");
        }
    }
    outer.append(page);
    outer.push(&format!(
        ") p JOIN users u ON u.uid = p.member_uid{}",
        // In the page's own order (by its columns, so that no second sort is needed).
        spec.outer_order("p.sort_key", "p.member_uid")
    ));
    outer
}

impl SqlStore {
    /// Runs a page statement whose rows carry `total_found` (`count`, run alone when the page
    /// is empty), with the next token for cursor paging.
    pub(crate) async fn run_page<T: UserRow>(
        &self,
        outer: Sql,
        count: Sql,
        spec: SortSpec,
        paging: &Paging,
        limit: u32,
    ) -> DomainResult<Page<T>> {
        let cursor = matches!(paging, Paging::Cursor { .. });
        if let Some(readers) = &self.readers {
            return readers
                .read(move |conn| read_page(conn, &outer, &count, &spec, cursor, limit))
                .await;
        }
        let mut rows = outer
            .query()
            .fetch_all(&self.pool)
            .await
            .map_err(internal)?;
        let total = match rows.first() {
            Some(row) => row.try_get::<i64, _>("total_found").map_err(internal)?,
            None => count_alone(&count)
                .query()
                .fetch_one(&self.pool)
                .await
                .and_then(|row| row.try_get::<Option<i64>, _>("n"))
                .map_err(internal)?
                .unwrap_or(0),
        };
        let next_token = spec.next_token(&mut rows, paging, limit, "uid")?;
        Ok(Page {
            items: rows
                .iter()
                .map(T::from_row)
                .collect::<DomainResult<Vec<_>>>()?,
            total,
            next_token,
        })
    }

    /// A deep page of one group's members by [`member_select`], `filter` being the ` WHERE …`
    /// clause over `group_members gm`; `None` when the keys could not be selected from, for
    /// the caller to answer in one statement instead. Both statements read one snapshot.
    pub(crate) async fn select_member_page<T: UserRow>(
        &self,
        group: &GroupUid,
        filter: &Sql,
        spec: &SortSpec,
        paging: &Paging,
    ) -> DomainResult<Option<Page<T>>> {
        let scan = member_select::key_scan(spec, filter, group.as_str());
        let (offset, limit) = paging.offset_limit();
        if let Some(readers) = &self.readers {
            let (filter, spec) = (filter.clone(), spec.clone());
            return readers
                .read(move |conn| read_member_page(conn, &scan, &filter, &spec, offset, limit))
                .await;
        }
        let mut tx = self.begin_snapshot().await.map_err(internal)?;
        let scan = scan.query().fetch_one(&mut *tx).await.map_err(internal)?;
        let n: i64 = scan.try_get("n").map_err(internal)?;
        let keys: Option<&str> = scan.try_get("keys").map_err(internal)?;
        let members: Option<i64> = scan.try_get("members").map_err(internal)?;
        let selection = member_select::select(n, keys, spec.kind, spec.direction, offset, limit)?;
        let bounds = match within(selection)? {
            Ok(bounds) => bounds,
            Err(answer) => return Ok(answer),
        };
        let rows = member_page::<T>(filter, spec, &bounds, members, self.dialect, limit)?
            .query()
            .fetch_all(&mut *tx)
            .await
            .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        let items = rows
            .iter()
            .map(T::from_row)
            .collect::<DomainResult<Vec<_>>>()?;
        Ok(paged(items, &bounds))
    }
}

/// Nothing on a page (none found, or past the end): the count on its own. (A group's stored
/// count is NULL when there is no such group.)
fn count_alone(count: &Sql) -> Sql {
    let mut alone = Sql::new("SELECT ");
    alone.append(count).push(" AS n");
    alone
}

/// [`SqlStore::run_page`] on an SQLite read connection, rows read as they are stepped.
fn read_page<T: UserRow>(
    conn: &rusqlite::Connection,
    outer: &Sql,
    count: &Sql,
    spec: &SortSpec,
    cursor: bool,
    limit: u32,
) -> DomainResult<Page<T>> {
    let limit = limit as usize;
    let (items, total, next_token) = lite::query(conn, outer, |mut rows| {
        let (mut items, mut total, mut last) = (Vec::with_capacity(limit), None, None);
        while let Some(row) = rows.next()? {
            if items.len() == limit {
                // Cursor paging's look-ahead row: there is a next page.
                return Ok((items, total, last));
            }
            if total.is_none() {
                total = Some(row.get("total_found")?);
            }
            if cursor && items.len() + 1 == limit {
                last = Some(spec.token_after(&row, "uid")?);
            }
            items.push(T::from_row(&row)?);
        }
        Ok((items, total, None))
    })?;
    let total = match total {
        Some(total) => total,
        None => lite::query(conn, &count_alone(count), |mut rows| match rows.next()? {
            Some(row) => row.get::<Option<i64>>("n"),
            None => Ok(None),
        })?
        .unwrap_or(0),
    };
    Ok(Page {
        items,
        total,
        next_token,
    })
}

/// [`SqlStore::select_member_page`] on an SQLite read connection: the scan's keys are selected
/// from where SQLite holds them, and the page's rows read as they are stepped.
fn read_member_page<T: UserRow>(
    conn: &rusqlite::Connection,
    scan: &Sql,
    filter: &Sql,
    spec: &SortSpec,
    offset: u64,
    limit: u32,
) -> DomainResult<Option<Page<T>>> {
    lite::begin(conn)?;
    let (selection, members) = lite::query(conn, scan, |mut rows| {
        let row = rows
            .next()?
            .ok_or_else(|| DomainError::internal("the key scan read no row"))?;
        let n: i64 = row.get("n")?;
        let selection = member_select::select(
            n,
            row.str("keys")?,
            spec.kind,
            spec.direction,
            offset,
            limit,
        )?;
        let members: Option<i64> = row.get("members")?;
        Ok((selection, members))
    })?;
    let bounds = match within(selection)? {
        Ok(bounds) => bounds,
        Err(answer) => return Ok(answer),
    };
    let page = member_page::<T>(filter, spec, &bounds, members, Dialect::Sqlite, limit)?;
    let items = lite::query(conn, &page, |mut rows| {
        let mut items = Vec::with_capacity(bounds.len);
        while let Some(row) = rows.next()? {
            items.push(T::from_row(&row)?);
        }
        Ok(items)
    })?;
    lite::commit(conn)?;
    Ok(paged(items, &bounds))
}

/// The bounds of the page a key scan selected, or else the answer: `None` for a scan that
/// could not be selected from, an empty page past the last match.
fn within<T>(selection: Option<Selection>) -> DomainResult<Result<Bounds, Option<Page<T>>>> {
    match selection {
        None => Ok(Err(None)),
        Some(Selection::Past { total }) => Ok(Err(Some(Page {
            items: Vec::new(),
            total: i64::try_from(total).map_err(DomainError::internal)?,
            next_token: None,
        }))),
        Some(Selection::Within(bounds)) => Ok(Ok(bounds)),
    }
}

/// The statement reading the page `bounds` selected, with its users; `members` is the
/// group's member count.
fn member_page<T: UserRow>(
    filter: &Sql,
    spec: &SortSpec,
    bounds: &Bounds,
    members: Option<i64>,
    dialect: Dialect,
    limit: u32,
) -> DomainResult<Sql> {
    let mut page = Sql::new(&format!(
        "SELECT gm.user_uid AS member_uid, {} FROM group_members gm",
        spec.key_column()
    ));
    page.append(filter);
    // Only SQLite takes the hint; PostgreSQL weighs the indexes by its own statistics.
    let by_sort_index =
        dialect == Dialect::Postgres || bounds.sort_index_pays(members.unwrap_or(0));
    bounds.restrict(&mut page, spec, by_sort_index);
    spec.finish(
        &mut page,
        &Paging::Offset {
            offset: bounds.skip,
            limit,
        },
    )?;
    Ok(members_of(&page, T::VIEW, spec, None))
}

/// The selected page, or `None` when it did not read as many rows as were selected (which the
/// snapshot rules out; the caller then answers in one statement).
fn paged<T>(items: Vec<T>, bounds: &Bounds) -> Option<Page<T>> {
    let total = i64::try_from(bounds.total).ok()?;
    (items.len() == bounds.len).then_some(Page {
        items,
        total,
        next_token: None,
    })
}
