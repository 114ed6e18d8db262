//! Reading a page of a user search: one statement whose rows carry the count, or a deep page
//! of one group's members selected from the matches' keys (`member_select`).

use idplane_core::error::{DomainError, DomainResult};
use idplane_core::ids::GroupUid;
use idplane_core::query::{Page, Paging};

use crate::SqlStore;
use crate::member_select::{self, Bounds, Selection};
use crate::paging::{DEEP_OFFSET, PageRows, SortSpec};
use crate::sql::Sql;
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

    /// A deep page of one group's members by [`member_select`], `filter` being the ` WHERE …`
    /// clause over `group_members gm`; `None` when the keys could not be selected from, for
    /// the caller to answer in one statement instead. Both statements read one snapshot, and
    /// the scan's keys are selected from where the database hands over its row.
    pub(crate) async fn select_member_page<T: UserRow>(
        &self,
        group: &GroupUid,
        filter: &Sql,
        spec: &SortSpec,
        paging: &Paging,
    ) -> DomainResult<Option<Page<T>>> {
        let scan = member_select::key_scan(spec, filter, group.as_str());
        let (offset, limit) = paging.offset_limit();
        let (kind, direction) = (spec.kind, spec.direction);
        let mut snapshot = self.db.snapshot().await?;
        let (selection, members) = snapshot
            .fetch_one(scan, move |row| {
                let n = row.int("n")?;
                let selection =
                    member_select::select(n, row.str("keys")?, kind, direction, offset, limit)?;
                Ok((selection, row.opt_int("members")?))
            })
            .await?;
        let bounds = match within(selection)? {
            Ok(bounds) => bounds,
            Err(answer) => return Ok(answer),
        };
        let by_sort_index =
            self.db.weighs_indexes() || bounds.sort_index_pays(members.unwrap_or(0));
        let page = member_page::<T>(filter, spec, &bounds, by_sort_index, limit)?;
        let items = snapshot.fetch(page, T::from_row).await?;
        snapshot.commit().await?;
        Ok(paged(items, &bounds))
    }
}

/// How a page of one group's members filtered on one key and sorted on another is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MemberPlan {
    /// The sort key's index in order, each entry checked against the filter, until the page
    /// is read: about `(offset + limit) × members / matches` entries.
    WalkSortIndex,
    /// The filter's index, every match read and the matches sorted: about `matches` entries.
    FilterFirst,
    /// Deep into many matches: their keys scanned and the page found among them
    /// ([`member_select`]).
    SelectFromKeys,
}

impl MemberPlan {
    /// The cheaper plan for a page at `offset` of `limit` rows among `matches` of `members`.
    /// Walking the sort index reads entries that fail the filter; filtering first reads each
    /// match once but sorts them all (counted as twice the entries).
    fn choose(offset: u64, limit: u32, matches: i64, members: i64) -> Self {
        let matches = u128::try_from(matches.max(1)).unwrap_or(1);
        let members = u128::try_from(members.max(0)).unwrap_or(0);
        let walk = (u128::from(offset) + u128::from(limit)) * members / matches;
        if walk <= 2 * matches {
            Self::WalkSortIndex
        } else if offset >= DEEP_OFFSET {
            Self::SelectFromKeys
        } else {
            Self::FilterFirst
        }
    }
}

impl SqlStore {
    /// A page (offset paging) of one group's members under conditions on member keys other
    /// than the sort's, the plan chosen per request: the matches are counted first (the
    /// answer's total, read from the filter's index), and that count decides between reading
    /// the sort key's index in order and reading the matches and sorting them. `count` is the
    /// `(SELECT COUNT(*) …)` of `filter`. `None` for the caller to select the page from the
    /// matches' keys instead.
    pub(crate) async fn planned_member_page<T: UserRow>(
        &self,
        group: &GroupUid,
        filter: &Sql,
        count: &Sql,
        spec: &SortSpec,
        paging: &Paging,
    ) -> DomainResult<Option<Page<T>>> {
        let (offset, limit) = paging.offset_limit();
        let mut counting = Sql::new("SELECT ");
        counting.append(count);
        let g = counting.text_param(group.as_str());
        counting.push(&format!(
            " AS n, (SELECT g.member_count FROM groups g WHERE g.uid = {g}) AS members"
        ));
        let mut snapshot = self.db.snapshot().await?;
        let (total, members) = snapshot
            .fetch_one(counting, |row| {
                Ok((
                    row.opt_int("n")?.unwrap_or(0),
                    row.opt_int("members")?.unwrap_or(0),
                ))
            })
            .await?;
        let past = u64::try_from(total).map_or(true, |t| offset >= t);
        let plan = MemberPlan::choose(offset, limit, total, members);
        if past || plan == MemberPlan::SelectFromKeys {
            snapshot.commit().await?;
            return Ok(past.then_some(Page {
                items: Vec::new(),
                total,
                next_token: None,
            }));
        }
        // SQLite is told which index to read; PostgreSQL weighs them by its statistics.
        let hint = match member_sort_index(spec.expr) {
            Some(index) if plan == MemberPlan::WalkSortIndex && !self.db.weighs_indexes() => {
                format!(" INDEXED BY {index}")
            }
            _ => String::new(),
        };
        let mut page = Sql::new(&format!(
            "SELECT gm.user_uid AS member_uid, {} FROM group_members gm{hint}",
            spec.key_column()
        ));
        page.append(filter);
        if plan == MemberPlan::FilterFirst && !self.db.weighs_indexes() {
            spec.finish_unindexed(&mut page, paging);
        } else {
            spec.finish(&mut page, paging)?;
        }
        let items = snapshot
            .fetch(members_of(&page, T::VIEW, spec, None), T::from_row)
            .await?;
        snapshot.commit().await?;
        Ok(Some(Page {
            items,
            total,
            next_token: None,
        }))
    }
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
    use super::MemberPlan;

    #[test]
    fn plans_follow_how_many_members_match() {
        // Most members match: the sort index holds the page within its first entries.
        assert_eq!(
            MemberPlan::choose(9_900, 100, 97_000, 100_000),
            MemberPlan::WalkSortIndex
        );
        // One member matches: read it from the filter's index.
        assert_eq!(
            MemberPlan::choose(0, 100, 1, 100_000),
            MemberPlan::FilterFirst
        );
        // Deep into a tenth of the group: select the page from the matches' keys.
        assert_eq!(
            MemberPlan::choose(5_000, 100, 10_000, 100_000),
            MemberPlan::SelectFromKeys
        );
        // Nothing matches (the count is taken as one, never divided by zero).
        assert_eq!(MemberPlan::choose(0, 100, 0, 0), MemberPlan::WalkSortIndex);
    }
}
