//! Reading a page of a user search: one statement whose rows carry the count, or a deep page
//! of one group's members selected from the matches' keys (`member_select`).

use idplane_core::error::{DomainError, DomainResult};
use idplane_core::ids::GroupUid;
use idplane_core::query::{Page, Paging};

use crate::SqlStore;
use crate::member_select::{self, Bounds, Selection};
use crate::paging::{PageRows, SortSpec};
use crate::sql::Sql;
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
