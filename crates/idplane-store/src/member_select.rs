//! Deep pages of one group's members filtered on one key and sorted on another (a user-name
//! prefix sorted by display name, Offset 5,000): no index holds both, so the database would
//! sort every match for each page. Instead one scan of the filter's index reads every match's
//! sort key and uid — which also counts them — and the page is selected from those pairs in
//! linear time; then only the page's users are read. Like the database's sort it replaces,
//! it holds every match's key in memory at once (about 50 bytes each).

use std::cmp::Ordering;

use idplane_core::error::{DomainError, DomainResult};
use idplane_core::query::SortDirection;

use crate::paging::{KeyKind, SortSpec};
use crate::sql::Sql;

/// Ends a key from its uid in the scan's list.
const KEY_END: char = '\u{1f}';
/// Ends one match's record in the scan's list.
const RECORD_END: char = '\u{1e}';

/// The scan of the matches' keys: one row with `n`, how many matched, and `keys`, every
/// match as `<key> 0x1F <uid>`, joined by 0x1E (NULL for none). Stored text holds no control
/// characters (they are refused on input) and uids are `A-Z a-z 0-9 - _ .`; [`select`]
/// checks the split anyway. `filter` is the ` WHERE …` clause over `group_members gm`.
pub fn key_scan(spec: &SortSpec, filter: &Sql) -> Sql {
    let mut sql = Sql::new("");
    let key_end = sql.text_param(KEY_END.to_string());
    let record_end = sql.text_param(RECORD_END.to_string());
    sql.push(&format!(
        "SELECT COUNT(*) AS n, string_agg({} || {key_end} || gm.user_uid, {record_end}) AS keys \
         FROM group_members gm",
        spec.expr
    ));
    sql.append(filter);
    sql
}

/// The uids of one page of matches, in order, and how many matched.
#[derive(Debug, PartialEq, Eq)]
pub struct Selected {
    pub uids: Vec<String>,
    pub total: usize,
}

/// Selects the page `offset..offset + limit` of the `n` matches listed in `keys` (see
/// [`key_scan`]), or `None` when the list does not split into `n` records of a key and a
/// uid (a stored key holding the separators), for the caller to let the database sort.
pub fn select(
    n: i64,
    keys: Option<&str>,
    kind: KeyKind,
    direction: SortDirection,
    offset: u64,
    limit: u32,
) -> DomainResult<Option<Selected>> {
    let keys = keys.unwrap_or("");
    let Some(records) = records(keys, n) else {
        return Ok(None);
    };
    Ok(Some(match kind {
        KeyKind::Text => {
            let pairs = records
                .into_iter()
                .map(|(k, u)| ((head(k), k), u))
                .collect();
            select_pairs(pairs, direction, offset, limit)
        }
        KeyKind::Int => {
            let pairs = records
                .into_iter()
                .map(|(k, u)| k.parse::<i64>().map(|k| (k, u)))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| DomainError::internal("a member time key is not an integer"))?;
            select_pairs(pairs, direction, offset, limit)
        }
    }))
}

/// The `n` (key, uid) records of `keys`, or `None` if it does not split so: one pass over
/// the separators (single bytes, never inside a multi-byte character).
fn records(keys: &str, n: i64) -> Option<Vec<(&str, &str)>> {
    let n = usize::try_from(n).ok()?;
    if keys.is_empty() {
        return (n == 0).then(Vec::new);
    }
    let mut pairs = Vec::with_capacity(n);
    let (mut start, mut key_end) = (0, None);
    for at in memchr::memchr2_iter(KEY_END as u8, RECORD_END as u8, keys.as_bytes()) {
        if keys.as_bytes().get(at) == Some(&(KEY_END as u8)) {
            if key_end.replace(at).is_some() {
                return None;
            }
        } else {
            let end = key_end.take()?;
            pairs.push((keys.get(start..end)?, keys.get(end + 1..at)?));
            start = at + 1;
        }
    }
    let end = key_end?;
    pairs.push((keys.get(start..end)?, keys.get(end + 1..)?));
    (pairs.len() == n).then_some(pairs)
}

/// A text key's first 8 bytes as a number (zero-padded), compared before the key itself:
/// the same order, and most comparisons end there.
fn head(key: &str) -> u64 {
    let mut bytes = [0u8; 8];
    let len = key.len().min(8);
    bytes[..len].copy_from_slice(&key.as_bytes()[..len]);
    u64::from_be_bytes(bytes)
}

/// Sorting `pairs` by (key, uid) in `direction` and taking `offset..offset + limit`, in
/// linear time: two partitions around the page's ends, then a sort of the page alone.
fn select_pairs<K: Ord>(
    mut pairs: Vec<(K, &str)>,
    direction: SortDirection,
    offset: u64,
    limit: u32,
) -> Selected {
    let total = pairs.len();
    let cmp = |a: &(K, &str), b: &(K, &str)| -> Ordering {
        let o = a.cmp(b);
        match direction {
            SortDirection::Asc => o,
            SortDirection::Desc => o.reverse(),
        }
    };
    let start = usize::try_from(offset).unwrap_or(usize::MAX).min(total);
    let end = start.saturating_add(limit as usize).min(total);
    if start < total {
        pairs.select_nth_unstable_by(start, cmp);
    }
    let rest = &mut pairs[start..];
    let len = end - start;
    if len < rest.len() {
        rest.select_nth_unstable_by(len, cmp);
    }
    rest[..len].sort_unstable_by(cmp);
    let uids = pairs[start..end]
        .iter()
        .map(|(_, u)| (*u).to_owned())
        .collect();
    Selected { uids, total }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn reference(
        mut pairs: Vec<(String, String)>,
        direction: SortDirection,
        offset: u64,
        limit: u32,
    ) -> Vec<String> {
        pairs.sort();
        if direction == SortDirection::Desc {
            pairs.reverse();
        }
        pairs
            .into_iter()
            .skip(offset as usize)
            .take(limit as usize)
            .map(|(_, u)| u)
            .collect()
    }

    /// What the scan returns for these (key, uid) pairs.
    fn scanned(pairs: &[(String, String)]) -> (i64, Option<String>) {
        let records: Vec<String> = pairs
            .iter()
            .map(|(k, u)| format!("{k}{KEY_END}{u}"))
            .collect();
        let keys = (!records.is_empty()).then(|| records.join(&RECORD_END.to_string()));
        (records.len() as i64, keys)
    }

    fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, u)| ((*k).to_owned(), (*u).to_owned()))
            .collect()
    }

    fn page(
        scan: &(i64, Option<String>),
        kind: KeyKind,
        direction: SortDirection,
        offset: u64,
        limit: u32,
    ) -> Option<Selected> {
        select(scan.0, scan.1.as_deref(), kind, direction, offset, limit).unwrap()
    }

    #[test]
    fn pages_of_text_keys() {
        let scan = scanned(&owned(&[
            ("b", "2"),
            ("a,1:x", "9"),
            ("b", "1"),
            ("é\"", "3"),
            ("", "0"),
        ]));
        let asc = page(&scan, KeyKind::Text, SortDirection::Asc, 1, 2).unwrap();
        assert_eq!(
            (asc.uids, asc.total),
            (vec!["9".to_owned(), "1".to_owned()], 5)
        );
        let desc = page(&scan, KeyKind::Text, SortDirection::Desc, 0, 2).unwrap();
        assert_eq!(desc.uids, ["3", "2"]);
        let past = page(&scan, KeyKind::Text, SortDirection::Asc, 9, 2).unwrap();
        assert_eq!((past.uids.len(), past.total), (0, 5));
        let none = page(&(0, None), KeyKind::Text, SortDirection::Asc, 0, 2).unwrap();
        assert_eq!((none.uids.len(), none.total), (0, 0));
    }

    #[test]
    fn pages_of_int_keys() {
        let scan = scanned(&owned(&[("5", "a"), ("3", "b"), ("5", "0"), ("-1", "z")]));
        let got = page(&scan, KeyKind::Int, SortDirection::Desc, 1, 10).unwrap();
        assert_eq!(got.uids, ["0", "b", "z"]);
        assert_eq!(got.total, 4);
        assert!(select(1, Some("x\u{1f}a"), KeyKind::Int, SortDirection::Asc, 0, 1).is_err());
    }

    /// A key holding a separator is noticed: the database sorts instead.
    #[test]
    fn keys_that_do_not_split_are_left_to_the_database() {
        for key in ["a\u{1e}b", "a\u{1f}b", "x\u{1f}u1\u{1e}y"] {
            let scan = scanned(&owned(&[(key, "u0"), ("k", "u2")]));
            assert_eq!(
                page(&scan, KeyKind::Text, SortDirection::Asc, 0, 5),
                None,
                "{key:?}"
            );
        }
        let scan = scanned(&owned(&[("a", "u0")]));
        assert_eq!(
            page(&(2, scan.1), KeyKind::Text, SortDirection::Asc, 0, 5),
            None
        );
        assert_eq!(
            page(&(1, None), KeyKind::Text, SortDirection::Asc, 0, 5),
            None
        );
    }

    proptest! {
        #[test]
        fn heads_keep_the_order_of_keys(a in "[ab\u{0}é]{0,12}", b in "[ab\u{0}é]{0,12}") {
            prop_assert_eq!((head(&a), a.as_str()).cmp(&(head(&b), b.as_str())), a.cmp(&b));
        }

        #[test]
        fn selection_matches_a_full_sort(
            keys in proptest::collection::vec(("[a-c,:é]{0,3}|[ab]{7,10}", 0u32..50), 0..60),
            desc in any::<bool>(),
            offset in 0u64..70,
            limit in 1u32..20,
        ) {
            // Unique uids, keys that repeat.
            let pairs: Vec<(String, String)> = keys
                .into_iter()
                .enumerate()
                .map(|(i, (k, u))| (k, format!("{u:02}-{i}")))
                .collect();
            let direction = if desc { SortDirection::Desc } else { SortDirection::Asc };
            let got = page(&scanned(&pairs), KeyKind::Text, direction, offset, limit).unwrap();
            prop_assert_eq!(got.total, pairs.len());
            prop_assert_eq!(got.uids, reference(pairs, direction, offset, limit));
        }
    }
}
