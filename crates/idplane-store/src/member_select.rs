//! Deep pages of one group's members filtered on one key and sorted on another (a user-name
//! prefix sorted by display name, Offset 5,000): no index holds the matches in order, so the
//! database would sort every match for each page. Instead one scan of the filter's index
//! reads every match's sort key — which also counts them — and the page's first and last
//! keys are found from those in linear time; the page is then read in order from the sort
//! key's index between those two keys, skipping the matches tied with the first key that
//! come before the page. Like the database's sort it replaces, it holds every match's key in
//! memory at once.

use std::cmp::Ordering;

use idplane_core::error::{DomainError, DomainResult};
use idplane_core::query::SortDirection;

use crate::paging::{KeyKind, SortSpec};
use crate::sql::{Bind, Sql};

/// Ends one match's key in the scan's list.
const KEY_END: char = '\u{1e}';

/// The scan of the matches' keys: one row with `n`, how many matched (at most `cap`), `keys`,
/// those matches' sort keys (as text) joined by 0x1E (NULL for none). Stored text holds no
/// control characters (they are refused on input);
/// [`select`] checks the split anyway. `filter` is the ` WHERE …` clause over
/// `group_members gm`. A scan that stops at `cap` matches has not seen them all.
pub fn key_scan(spec: &SortSpec, filter: &Sql, cap: u64) -> Sql {
    let mut sql = Sql::new("");
    let key_end = sql.text_param(KEY_END.to_string());
    let key = match spec.kind {
        KeyKind::Text => spec.expr.to_owned(),
        KeyKind::Int => format!("CAST({} AS TEXT)", spec.expr),
    };
    sql.push(&format!(
        "SELECT COUNT(*) AS n, string_agg(s.k, {key_end}) AS keys \
         FROM (SELECT {key} AS k FROM group_members gm"
    ));
    sql.append(filter);
    let cap = sql.int_param(i64::try_from(cap).unwrap_or(i64::MAX));
    sql.push(&format!(" LIMIT {cap}) s"));
    sql
}

/// Where a page of matches lies in the sort's order.
#[derive(Debug, PartialEq, Eq)]
pub enum Selection {
    /// Past the last of `total` matches: an empty page.
    Past {
        total: usize,
    },
    Within(Bounds),
}

/// A page of matches: those keyed `first..=last` (in the sort's direction), after `skip` of
/// them, `len` rows.
#[derive(Debug, PartialEq, Eq)]
pub struct Bounds {
    pub first: Bind,
    pub last: Bind,
    /// The matches keyed `first` that come before the page.
    pub skip: u64,
    pub len: usize,
    /// How many matches are keyed `first..=last`.
    pub in_range: usize,
    pub total: usize,
}

impl Bounds {
    /// Appends ` AND key >= low AND key <= high` for the page's range of keys. `by_sort_index`
    /// false marks the conditions (SQLite's unary `+`) so that they do not choose the sort
    /// key's index, and the filter's index is read instead.
    pub fn restrict(&self, sql: &mut Sql, spec: &SortSpec, by_sort_index: bool) {
        let (low, high) = match spec.direction {
            SortDirection::Asc => (&self.first, &self.last),
            SortDirection::Desc => (&self.last, &self.first),
        };
        let low = sql.param(low.clone());
        let high = sql.param(high.clone());
        let mark = if by_sort_index { "" } else { "+" };
        sql.push(&format!(
            " AND {mark}{e} >= {low} AND {mark}{e} <= {high}",
            e = spec.expr
        ));
    }

    /// Whether reading the page from the sort key's index beats reading every match again
    /// from the filter's index and sorting those in range: the sort key's index holds about
    /// `in_range × members / total` of the group's entries in the range (the matches there,
    /// scaled by how few members match), against `total` entries for the filter's. Many
    /// members sharing the page's keys (a few display names for a large group) tip it.
    pub fn sort_index_pays(&self, members: i64) -> bool {
        let members = u128::try_from(members).unwrap_or(0);
        let total = self.total as u128;
        (self.in_range as u128) * members <= total * total
    }
}

/// Finds the page `offset..offset + limit` among the `n` matches whose keys are listed in
/// `keys` (see [`key_scan`]), or `None` when the list does not split into `n` keys (a stored
/// key holding the separator), for the caller to let the database sort.
pub fn select(
    n: i64,
    keys: Option<&str>,
    kind: KeyKind,
    direction: SortDirection,
    offset: u64,
    limit: u32,
) -> DomainResult<Option<Selection>> {
    let selection = match kind {
        KeyKind::Text => {
            let Some(keys) = split(keys, n, |k| Ok((head(k), k)))? else {
                return Ok(None);
            };
            bounds(keys, direction, offset, limit, |(_, k)| {
                Bind::Text((*k).to_owned())
            })
        }
        KeyKind::Int => {
            let Some(keys) = split(keys, n, |k| {
                k.parse::<i64>()
                    .map_err(|_| DomainError::internal("a member time key is not an integer"))
            })?
            else {
                return Ok(None);
            };
            bounds(keys, direction, offset, limit, |k| Bind::Int(*k))
        }
    };
    Ok(Some(selection))
}

/// The `n` keys of `keys`, each read by `read`, or `None` if it does not split so (the
/// separator is one byte, never inside a multi-byte character).
fn split<'k, K>(
    keys: Option<&'k str>,
    n: i64,
    read: impl Fn(&'k str) -> DomainResult<K>,
) -> DomainResult<Option<Vec<K>>> {
    let Ok(n) = usize::try_from(n) else {
        return Ok(None);
    };
    let Some(keys) = keys else {
        return Ok((n == 0).then(Vec::new));
    };
    let mut split = Vec::with_capacity(n);
    let mut start = 0;
    for end in memchr::memchr_iter(KEY_END as u8, keys.as_bytes()) {
        let Some(key) = keys.get(start..end) else {
            return Ok(None);
        };
        split.push(read(key)?);
        start = end + 1;
    }
    let Some(last) = keys.get(start..) else {
        return Ok(None);
    };
    split.push(read(last)?);
    Ok((split.len() == n).then_some(split))
}

/// A text key's first 8 bytes as a number (zero-padded), compared before the key itself:
/// the same order, and most comparisons end there.
fn head(key: &str) -> u64 {
    let mut bytes = [0u8; 8];
    let len = key.len().min(8);
    bytes[..len].copy_from_slice(&key.as_bytes()[..len]);
    u64::from_be_bytes(bytes)
}

/// The page `offset..offset + limit` of `keys` sorted in `direction`, in linear time: two
/// partitions find its first and last keys, two counts place it among the keys tied with
/// them. Ties are broken by the database (by uid) when the page is read.
fn bounds<K: Ord>(
    mut keys: Vec<K>,
    direction: SortDirection,
    offset: u64,
    limit: u32,
    bind: impl Fn(&K) -> Bind,
) -> Selection {
    let total = keys.len();
    let start = usize::try_from(offset).unwrap_or(usize::MAX);
    if start >= total {
        return Selection::Past { total };
    }
    let end = start.saturating_add(limit as usize).min(total);
    let cmp = |a: &K, b: &K| -> Ordering {
        match direction {
            SortDirection::Asc => a.cmp(b),
            SortDirection::Desc => b.cmp(a),
        }
    };
    keys.select_nth_unstable_by(start, cmp);
    let last_at = end - 1;
    if last_at > start {
        keys[start + 1..].select_nth_unstable_by(last_at - start - 1, cmp);
    }
    let (first, last) = (&keys[start], &keys[last_at]);
    let before = keys[..start]
        .iter()
        .filter(|k| cmp(k, first) == Ordering::Less)
        .count();
    let in_range = keys
        .iter()
        .filter(|k| cmp(k, first) != Ordering::Less && cmp(k, last) != Ordering::Greater)
        .count();
    Selection::Within(Bounds {
        first: bind(first),
        last: bind(last),
        skip: (start - before) as u64,
        len: end - start,
        in_range,
        total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What the scan returns for these keys.
    fn scanned(keys: &[&str]) -> (i64, Option<String>) {
        let joined = (!keys.is_empty()).then(|| keys.join(&KEY_END.to_string()));
        (keys.len() as i64, joined)
    }

    fn within(
        scan: &(i64, Option<String>),
        kind: KeyKind,
        direction: SortDirection,
        offset: u64,
        limit: u32,
    ) -> Bounds {
        match select(scan.0, scan.1.as_deref(), kind, direction, offset, limit) {
            Ok(Some(Selection::Within(b))) => b,
            other => panic!("{other:?}"),
        }
    }

    fn text(s: &str) -> Bind {
        Bind::Text(s.to_owned())
    }

    #[test]
    fn pages_of_text_keys() {
        // Sorted: "", "a", "b", "b", "b", "é"
        let scan = scanned(&["b", "a", "b", "é", "", "b"]);
        let b = within(&scan, KeyKind::Text, SortDirection::Asc, 3, 2);
        assert_eq!((b.first, b.last), (text("b"), text("b")));
        assert_eq!((b.skip, b.len, b.in_range, b.total), (1, 2, 3, 6));
        let b = within(&scan, KeyKind::Text, SortDirection::Asc, 1, 10);
        assert_eq!((b.first, b.last), (text("a"), text("é")));
        assert_eq!((b.skip, b.len, b.in_range), (0, 5, 5));
        let b = within(&scan, KeyKind::Text, SortDirection::Desc, 0, 2);
        assert_eq!((b.first, b.last), (text("é"), text("b")));
        assert_eq!((b.skip, b.len, b.in_range), (0, 2, 4));
        assert_eq!(
            select(
                6,
                scan.1.as_deref(),
                KeyKind::Text,
                SortDirection::Asc,
                6,
                2
            )
            .unwrap(),
            Some(Selection::Past { total: 6 })
        );
        assert_eq!(
            select(0, None, KeyKind::Text, SortDirection::Asc, 0, 2).unwrap(),
            Some(Selection::Past { total: 0 })
        );
        // One empty key is a list of one.
        let b = within(&scanned(&[""]), KeyKind::Text, SortDirection::Asc, 0, 1);
        assert_eq!((b.first, b.total), (text(""), 1));
    }

    #[test]
    fn pages_of_int_keys() {
        let scan = scanned(&["5", "3", "5", "-1"]);
        let b = within(&scan, KeyKind::Int, SortDirection::Desc, 1, 10);
        assert_eq!((b.first, b.last), (Bind::Int(5), Bind::Int(-1)));
        assert_eq!((b.skip, b.len, b.in_range, b.total), (1, 3, 4, 4));
        assert!(select(1, Some("x"), KeyKind::Int, SortDirection::Asc, 0, 1).is_err());
    }

    /// A key holding the separator is noticed: the database sorts instead.
    #[test]
    fn keys_that_do_not_split_are_left_to_the_database() {
        let (_, keys) = scanned(&["a\u{1e}b", "k"]);
        assert_eq!(
            select(2, keys.as_deref(), KeyKind::Text, SortDirection::Asc, 0, 5).unwrap(),
            None
        );
        assert_eq!(
            select(2, Some("a"), KeyKind::Text, SortDirection::Asc, 0, 5).unwrap(),
            None
        );
        assert_eq!(
            select(1, None, KeyKind::Text, SortDirection::Asc, 0, 5).unwrap(),
            None
        );
    }

    #[test]
    fn the_sort_index_is_read_unless_ties_span_the_group() {
        let b = |in_range, total| Bounds {
            first: text("a"),
            last: text("a"),
            skip: 0,
            len: 1,
            in_range,
            total,
        };
        // 100 of 10,000 matches in range, 1 in 10 members match: ~1,000 entries to read.
        assert!(b(100, 10_000).sort_index_pays(100_000));
        // Every match shares the page's key: the whole group would be read.
        assert!(!b(10_000, 10_000).sort_index_pays(100_000));
    }

    /// The page of (key, uid) pairs in the database's order: by key, ties by uid.
    fn reference(pairs: &[(String, u32)], direction: SortDirection) -> Vec<(String, u32)> {
        let mut sorted = pairs.to_vec();
        sorted.sort();
        if direction == SortDirection::Desc {
            sorted.reverse();
        }
        sorted
    }

    proptest! {
        #[test]
        fn heads_keep_the_order_of_keys(a in "[ab\u{0}é]{0,12}", b in "[ab\u{0}é]{0,12}") {
            prop_assert_eq!((head(&a), a.as_str()).cmp(&(head(&b), b.as_str())), a.cmp(&b));
        }

        /// Reading the matches keyed `first..=last` in order, skipping `skip` and taking
        /// `len`, gives the page a full sort gives.
        #[test]
        fn bounds_give_the_page_of_a_full_sort(
            keys in proptest::collection::vec("[a-c,:é]{0,3}|[ab]{7,10}", 0..60),
            desc in proptest::bool::ANY,
            offset in 0u64..70,
            limit in 1u32..20,
        ) {
            let pairs: Vec<(String, u32)> =
                keys.iter().cloned().zip(0u32..).collect();
            let direction = if desc { SortDirection::Desc } else { SortDirection::Asc };
            let sorted = reference(&pairs, direction);
            let start = (offset as usize).min(sorted.len());
            let end = (start + limit as usize).min(sorted.len());
            let want = &sorted[start..end];
            let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
            let scan = scanned(&refs);
            match select(scan.0, scan.1.as_deref(), KeyKind::Text, direction, offset, limit) {
                Ok(Some(Selection::Past { total })) => {
                    prop_assert_eq!(total, keys.len());
                    prop_assert!(want.is_empty());
                }
                Ok(Some(Selection::Within(b))) => {
                    let (Bind::Text(first), Bind::Text(last)) = (&b.first, &b.last) else {
                        panic!("text keys");
                    };
                    let (low, high) = if desc { (last, first) } else { (first, last) };
                    let in_range: Vec<_> = sorted
                        .iter()
                        .filter(|(k, _)| k >= low && k <= high)
                        .cloned()
                        .collect();
                    prop_assert_eq!(in_range.len(), b.in_range);
                    prop_assert_eq!(b.total, keys.len());
                    let got: Vec<_> = in_range
                        .into_iter()
                        .skip(b.skip as usize)
                        .take(b.len)
                        .collect();
                    prop_assert_eq!(got.as_slice(), want);
                }
                other => panic!("{other:?}"),
            }
        }
    }
}
