//! Reading a page of a user search: one statement whose rows carry the count, or a deep page
//! of one group's members selected from the matches' keys (`member_select`).

use idplane_core::error::{DomainError, DomainResult};
use idplane_core::ids::GroupUid;
use idplane_core::query::{Page, Paging};

use crate::SqlStore;
use crate::backend::Conn;
use crate::member_select::{self, Bounds, Selection};
use crate::paging::{DEEP_OFFSET, PageRows, SortSpec};
use crate::sql::{Sql, sql};
use crate::user_query::member_sort_index;
use crate::users::{UserRow, View};

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
    /// is empty), with the next token for cursor paging; rows are read as they are stepped.
    pub(crate) async fn run_page<T: UserRow>(
        &self,
        outer: Sql,
        count: Sql,
        spec: SortSpec,
        paging: &Paging,
        limit: u32,
    ) -> DomainResult<Page<T>> {
        let reader = spec.page_reader(paging, limit, true, T::from_row);
        let rows = self.db.fold(outer, PageRows::default(), reader).await?;
        let total = match rows.total {
            Some(total) => total,
            None => self
                .db
                .fetch_one(count_alone(&count), |row| row.opt_int("n"))
                .await?
                .unwrap_or(0),
        };
        Ok(Page {
            items: rows.items,
            total,
            next_token: rows.next_token,
        })
    }
}

/// The fewest matches from which walking the sort key's index in order (each entry checked
/// against the filter, about `(offset + limit) × members / matches` entries read) is cheaper
/// than reading every match from the filter's index and sorting them (about `matches` entries,
/// the sort counted as as many again): `√((offset + limit) × members / 2)`, at least 1.
fn walk_from(offset: u64, limit: u32, members: i64) -> u64 {
    let work = (offset as f64 + f64::from(limit)) * members.max(0) as f64 / 2.0;
    (work.sqrt().ceil() as u64).max(1)
}

impl SqlStore {
    /// A page (offset paging) of one group's members under conditions on member keys other
    /// than the sort's, the plan chosen per request from how many members match. A first
    /// statement reads the matches up to [`walk_from`] of them — all their keys for a deep page
    /// ([`member_select`]), else just their count — and when it sees them all, the page is
    /// read from those keys or from the matches sorted; when there are more, the sort key's
    /// index is walked instead (and the matches counted in full for the total). `count` is the
    /// `(SELECT COUNT(*) …)` of `filter`. `None` when the keys could not be selected from, for
    /// the caller to answer in one statement. Every statement reads one snapshot.
    pub(crate) async fn planned_member_page<T: UserRow>(
        &self,
        group: &GroupUid,
        filter: &Sql,
        count: &Sql,
        spec: &SortSpec,
        paging: &Paging,
    ) -> DomainResult<Option<Page<T>>> {
        let (offset, limit) = paging.offset_limit();
        let mut snapshot = self.db.snapshot().await?;
        let members = snapshot
            .fetch_one(
                sql!(
                    "SELECT (SELECT member_count FROM groups WHERE uid = $1) AS n",
                    group.as_str()
                ),
                |row| row.opt_int("n"),
            )
            .await?
            .unwrap_or(0);
        let cap = walk_from(offset, limit, members);
        let sees_all = |n: i64| u64::try_from(n).is_ok_and(|n| n < cap);
        if offset >= DEEP_OFFSET {
            let scan = member_select::key_scan(spec, filter, cap);
            let (kind, direction) = (spec.kind, spec.direction);
            let (n, selection) = snapshot
                .fetch_one(scan, move |row| {
                    let n = row.int("n")?;
                    let keys = row.str("keys")?;
                    let selection = member_select::select(n, keys, kind, direction, offset, limit)?;
                    Ok((n, selection))
                })
                .await?;
            if sees_all(n) {
                let bounds = match within(selection)? {
                    Ok(bounds) => bounds,
                    Err(answer) => {
                        snapshot.commit().await?;
                        return Ok(answer);
                    }
                };
                let by_sort_index = self.db.weighs_indexes() || bounds.sort_index_pays(members);
                let page = member_page::<T>(filter, spec, &bounds, by_sort_index, limit)?;
                let items = snapshot.fetch(page, T::from_row).await?;
                snapshot.commit().await?;
                return Ok(paged(items, &bounds));
            }
        } else {
            let mut capped =
                Sql::new("SELECT COUNT(*) AS n FROM (SELECT 1 AS one FROM group_members gm");
            capped.append(filter);
            let c = capped.int_param(i64::try_from(cap).unwrap_or(i64::MAX));
            capped.push(&format!(" LIMIT {c}) s"));
            let n = snapshot.fetch_one(capped, |row| row.int("n")).await?;
            if sees_all(n) {
                return self
                    .read_member_page(snapshot, filter, spec, paging, n, None)
                    .await
                    .map(Some);
            }
        }
        let total = snapshot
            .fetch_one(count_alone(count), |row| row.opt_int("n"))
            .await?
            .unwrap_or(0);
        // SQLite is told which index to walk; PostgreSQL weighs them by its statistics.
        let index = member_sort_index(spec.expr).filter(|_| !self.db.weighs_indexes());
        self.read_member_page(snapshot, filter, spec, paging, total, Some(index))
            .await
            .map(Some)
    }

    /// A page (offset paging) of a pool's users, or of one group's members, under conditions
    /// the membership rows alone cannot answer, the plan chosen per request as for member
    /// pages: one statement reads the matches up to [`walk_from`] of them (out of `population`,
    /// the pool's or the group's stored count, a `(SELECT …)`) into a materialized set, counts
    /// them and takes the page from them sorted, so the filter is evaluated once. When it saw
    /// them all, that is the answer. `None` when there are more: walking the sort key's index
    /// is then the cheaper plan, and the caller's one statement does that. `from` is what
    /// `filter` reads (`users u`, joined to `group_members gm` within a group).
    pub(crate) async fn planned_pool_page<T: UserRow>(
        &self,
        from: &str,
        population: &Sql,
        filter: &Sql,
        spec: &SortSpec,
        paging: &Paging,
    ) -> DomainResult<Option<Page<T>>> {
        let (offset, limit) = paging.offset_limit();
        let mut snapshot = self.db.snapshot().await?;
        let users = snapshot
            .fetch_one(count_alone(population), |row| row.opt_int("n"))
            .await?
            .unwrap_or(0);
        let cap = walk_from(offset, limit, users);
        let sees_all = |n: i64| u64::try_from(n).is_ok_and(|n| n < cap);
        let mut page = capped_matches(from, filter, spec, cap);
        // One row carries the count even when the page is empty (its user columns NULL).
        page.push(&format!(
            ", page AS (SELECT uid, sort_key FROM matched{}",
            spec.outer_order("sort_key", "uid")
        ));
        spec.finish_limit_offset(&mut page, paging);
        page.push(&format!(
            ") SELECT c.n AS total_found, {}, p.sort_key, {}p.uid AS page_uid \
             FROM (SELECT COUNT(*) AS n FROM matched) c LEFT JOIN page p ON TRUE \
             LEFT JOIN users u ON u.uid = p.uid{}",
            T::VIEW.columns(),
            T::VIEW.extras("u.uid"),
            spec.outer_order("p.sort_key", "p.uid")
        ));
        let (total, items) = snapshot
            .fold(
                page,
                (0, Vec::new()),
                |(total, items): &mut (i64, Vec<T>), row| {
                    *total = row.int("total_found")?;
                    if row.opt_text("page_uid")?.is_some() {
                        items.push(T::from_row(row)?);
                    }
                    Ok(true)
                },
            )
            .await?;
        snapshot.commit().await?;
        Ok(sees_all(total).then_some(Page {
            items,
            total,
            next_token: None,
        }))
    }

    /// Reads, in `snapshot`, the page of the `total` matches of `filter`: walking the sort
    /// key's index (`walk`, naming the index for SQLite) or from the filter's, the matches
    /// sorted.
    async fn read_member_page<T: UserRow>(
        &self,
        mut snapshot: Conn,
        filter: &Sql,
        spec: &SortSpec,
        paging: &Paging,
        total: i64,
        walk: Option<Option<&'static str>>,
    ) -> DomainResult<Page<T>> {
        let (offset, _) = paging.offset_limit();
        if u64::try_from(total).map_or(true, |t| offset >= t) {
            snapshot.commit().await?;
            return Ok(Page {
                items: Vec::new(),
                total,
                next_token: None,
            });
        }
        let hint = match walk {
            Some(Some(index)) => format!(" INDEXED BY {index}"),
            _ => String::new(),
        };
        let mut page = Sql::new(&format!(
            "SELECT gm.user_uid AS member_uid, {} FROM group_members gm{hint}",
            spec.key_column()
        ));
        page.append(filter);
        if walk.is_none() && !self.db.weighs_indexes() {
            spec.finish_unindexed(&mut page, paging);
        } else {
            spec.finish(&mut page, paging)?;
        }
        let items = snapshot
            .fetch(members_of(&page, T::VIEW, spec, None), T::from_row)
            .await?;
        snapshot.commit().await?;
        Ok(Page {
            items,
            total,
            next_token: None,
        })
    }
}

/// `WITH matched AS MATERIALIZED (…)`: the uid and sort key of up to `cap` users matching
/// `filter` (a ` WHERE …` clause over `from`), evaluated once however often it is read.
fn capped_matches(from: &str, filter: &Sql, spec: &SortSpec, cap: u64) -> Sql {
    let mut sql = Sql::new(&format!(
        "WITH matched AS MATERIALIZED (SELECT u.uid AS uid, {} FROM {from}",
        spec.key_column()
    ));
    sql.append(filter);
    let c = sql.int_param(i64::try_from(cap).unwrap_or(i64::MAX));
    sql.push(&format!(" LIMIT {c})"));
    sql
}

/// Nothing on a page (none found, or past the end): the count on its own. (A group's stored
/// count is NULL when there is no such group.)
fn count_alone(count: &Sql) -> Sql {
    let mut alone = Sql::new("SELECT ");
    alone.append(count).push(" AS n");
    alone
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

/// The statement reading the page `bounds` selected, with its users, from the sort key's
/// index or else the filter's (see [`Bounds::restrict`]).
fn member_page<T: UserRow>(
    filter: &Sql,
    spec: &SortSpec,
    bounds: &Bounds,
    by_sort_index: bool,
    limit: u32,
) -> DomainResult<Sql> {
    let mut page = Sql::new(&format!(
        "SELECT gm.user_uid AS member_uid, {} FROM group_members gm",
        spec.key_column()
    ));
    page.append(filter);
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

#[cfg(test)]
mod tests {
    use super::walk_from;

    #[test]
    fn walking_wins_from_enough_matches() {
        // A 100,000-member group, a page at Offset 9,900: from 22,361 matches on, the sort
        // index holds the page within its first ~44,700 entries.
        assert_eq!(walk_from(9_900, 100, 100_000), 22_361);
        // The first page: from 2,237 matches.
        assert_eq!(walk_from(0, 100, 100_000), 2_237);
        // An empty group: any match at all means walking (there is nothing to walk).
        assert_eq!(walk_from(0, 100, 0), 1);
        assert_eq!(walk_from(0, 100, -5), 1);
    }
}
