//! Monthly active users: recording that a user was active (the data plane's hot path) and the
//! figures GetUserPoolMaus answers.
//!
//! Recording is exact. The store keeps one row per (pool, month, user) and counters updated in
//! the same transaction as that row's first insert, so a user counts once however often they
//! act, across restarts and across processes sharing one database. In front of it each process
//! remembers which (pool, month, user) it has already written: a remembered user costs a map
//! look-up, and only the first activity of a user in a month (per process) reaches the store.
//! An entry is only added after the store has the row, so a hit is never wrong; a miss just
//! costs one idempotent write.

use crate::fields::Field;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::RwLock;

use crate::clock::Timestamp;
use crate::error::{AccessError, DomainError, DomainResult, Kind};
use crate::ids::{UserPoolUid, UserUid};
use crate::model::account::Caller;
use crate::model::activity::{MauReport, MauZone, Month, PoolMau};
use crate::model::pool::UserPool;
use crate::service::Directory;
use crate::store::ActiveUser;

/// How many (pool, month, user) entries a process remembers by default. An entry costs about
/// 20 to 40 bytes (a 128-bit key in a hash set), so the default bounds the memory near
/// 160 MiB at worst. Past the limit recording stays exact: each activity then writes (an
/// idempotent insert the store ignores).
pub const DEFAULT_REMEMBERED_USERS: usize = 4_000_000;

/// The most pools one GetUserPoolMaus request may name.
pub const MAX_NAMED_POOLS: usize = 1000;

/// The users of one pool a process has recorded in one month. Uids in the canonical UUID form
/// (every uid idplane makes) are kept as their 128 bits, a one-to-one encoding, so two
/// different uids never share an entry; any other uid is kept as text.
#[derive(Debug, Default)]
struct PoolUsers {
    uuids: HashSet<u128>,
    others: HashSet<Box<str>>,
}

impl PoolUsers {
    fn contains(&self, user: &str) -> bool {
        match canonical_uuid(user) {
            Some(bits) => self.uuids.contains(&bits),
            None => self.others.contains(user),
        }
    }

    /// Whether the user was new.
    fn insert(&mut self, user: &str) -> bool {
        match canonical_uuid(user) {
            Some(bits) => self.uuids.insert(bits),
            None => self.others.insert(user.into()),
        }
    }
}

/// The 128 bits of a lowercase hyphenated UUID (`8-4-4-4-12` hex digits), and `None` for any
/// other text, so the encoding is one-to-one on the strings it accepts.
fn canonical_uuid(text: &str) -> Option<u128> {
    let bytes = text.as_bytes();
    if bytes.len() != 36 {
        return None;
    }
    let mut bits: u128 = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            if b != b'-' {
                return None;
            }
            continue;
        }
        let nibble = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            _ => return None,
        };
        bits = (bits << 4) | u128::from(nibble);
    }
    Some(bits)
}

#[derive(Debug, Default)]
struct Remembered {
    months: BTreeMap<Month, HashMap<Box<str>, PoolUsers>>,
    entries: usize,
}

/// What this process has already written, for the months in use (the current one and the one
/// before it; older months are dropped as soon as a newer one is seen).
#[derive(Debug)]
pub(crate) struct ActivityMeter {
    zone: MauZone,
    capacity: usize,
    remembered: RwLock<Remembered>,
}

impl ActivityMeter {
    pub(crate) fn new(zone: MauZone, capacity: usize) -> Self {
        Self {
            zone,
            capacity,
            remembered: RwLock::new(Remembered::default()),
        }
    }

    pub(crate) fn zone(&self) -> &MauZone {
        &self.zone
    }

    fn contains(&self, pool: &UserPoolUid, month: Month, user: &UserUid) -> bool {
        let Ok(remembered) = self.remembered.read() else {
            return false;
        };
        remembered
            .months
            .get(&month)
            .and_then(|pools| pools.get(pool.as_str()))
            .is_some_and(|users| users.contains(user.as_str()))
    }

    fn remember(&self, pool: &UserPoolUid, month: Month, user: &UserUid) {
        let Ok(mut remembered) = self.remembered.write() else {
            return;
        };
        // Keep the newest two months: older ones no longer take activity.
        let newest = remembered
            .months
            .keys()
            .next_back()
            .copied()
            .map_or(month, |n| n.max(month));
        let floor = newest.previous().unwrap_or(newest);
        if month < floor {
            return;
        }
        while let Some(oldest) = remembered.months.keys().next().copied()
            && oldest < floor
        {
            if let Some(pools) = remembered.months.remove(&oldest) {
                let dropped: usize = pools.values().map(|u| u.uuids.len() + u.others.len()).sum();
                remembered.entries = remembered.entries.saturating_sub(dropped);
            }
        }
        if remembered.entries >= self.capacity {
            return;
        }
        let added = remembered
            .months
            .entry(month)
            .or_default()
            .entry(pool.as_str().into())
            .or_default()
            .insert(user.as_str());
        if added {
            remembered.entries += 1;
        }
    }

    #[cfg(test)]
    fn months(&self) -> Vec<Month> {
        self.remembered
            .read()
            .map(|r| r.months.keys().copied().collect())
            .unwrap_or_default()
    }
}

impl Directory {
    /// Records that `user` of `pool` did something that makes them a monthly active user (a
    /// successful sign-up, sign-in, token refresh, password change or reset, sign-out). The
    /// month is that of `at` in the configured zone, or of the recording time if that is later,
    /// so a month's figure is final once it ends. Control-plane actions never call this.
    ///
    /// Cheap when the user was already recorded this month by this process (no I/O); otherwise
    /// one write, which the store makes idempotent.
    pub async fn record_activity(
        &self,
        pool: &UserPool,
        user: &UserUid,
        at: Timestamp,
    ) -> DomainResult<()> {
        let month = self.activity.zone().month_of(at.max(self.now()));
        if self.activity.contains(&pool.uid, month, user) {
            return Ok(());
        }
        self.store
            .record_active_user(&ActiveUser {
                account_id: &pool.account_id,
                pool_uid: &pool.uid,
                user_uid: user,
                month,
                at,
            })
            .await?;
        self.activity.remember(&pool.uid, month, user);
        Ok(())
    }

    /// The month counts are kept in right now.
    pub fn current_month(&self) -> Month {
        self.activity.zone().month_of(self.now())
    }

    /// GetUserPoolMaus: the monthly active users of the named pools of the caller's account, or
    /// of all of them when none is named, in `month` (`YYYY-MM`; absent or empty: the current
    /// month).
    ///
    /// All pools means every live pool (0 without activity) and every deleted pool that has
    /// activity in that month, ordered by uid, so the figures add up to the account's total.
    /// A named pool is found if it is a live pool of the account or a deleted one with any
    /// recorded activity; otherwise `NotFound`. A key bound to a pool sees only that pool.
    pub async fn monthly_active_users(
        &self,
        caller: &Caller,
        pools: &[String],
        month: Option<&str>,
    ) -> DomainResult<MauReport> {
        let month = match month {
            None | Some("") => self.current_month(),
            Some(text) => Month::parse(text)?,
        };
        if pools.len() > MAX_NAMED_POOLS {
            return Err(DomainError::invalid(
                Field::PoolIds,
                format!("at most {MAX_NAMED_POOLS} user pools per request"),
            ));
        }
        let account = caller.account_id();
        if pools.is_empty() {
            let pools = match caller.bound_pool() {
                Some(bound) => {
                    let asked = std::slice::from_ref(bound);
                    let found = self.store.pool_maus(account, asked, month).await?;
                    if found.is_empty() {
                        return Err(DomainError::not_found(Kind::UserPool, bound.as_str()));
                    }
                    found
                }
                None => self.store.account_maus(account, month).await?,
            };
            return Ok(MauReport { month, pools });
        }
        let mut asked: Vec<UserPoolUid> = Vec::with_capacity(pools.len());
        let mut seen = HashSet::with_capacity(pools.len());
        for uid in pools {
            let uid = UserPoolUid::parse(uid)?;
            if seen.insert(uid.clone()) {
                asked.push(uid);
            }
        }
        let mut found: HashMap<UserPoolUid, u64> = self
            .store
            .pool_maus(account, &asked, month)
            .await?
            .into_iter()
            .map(|m| (m.pool_uid, m.users))
            .collect();
        let mut answer = Vec::with_capacity(asked.len());
        for uid in asked {
            let Some(users) = found.remove(&uid) else {
                return Err(DomainError::not_found(Kind::UserPool, uid.as_str()));
            };
            if caller.bound_pool().is_some_and(|bound| *bound != uid) {
                return Err(AccessError::OtherPool.into());
            }
            answer.push(PoolMau {
                pool_uid: uid,
                users,
            });
        }
        Ok(MauReport {
            month,
            pools: answer,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uid(s: &str) -> UserUid {
        UserUid::from_stored(s.to_owned())
    }

    #[test]
    fn canonical_uuids_only() {
        let u = "0192f5e4-7b3c-7def-8a12-3456789abcde";
        assert_eq!(
            canonical_uuid(u),
            Some(0x0192_f5e4_7b3c_7def_8a12_3456_789a_bcde)
        );
        assert_eq!(canonical_uuid(&u.to_uppercase()), None);
        assert_eq!(canonical_uuid(&u.replace('-', "")), None);
        assert_eq!(canonical_uuid("0192f5e4-7b3c-7def-8a12_3456789abcde"), None);
        assert_eq!(canonical_uuid("alice"), None);
    }

    #[test]
    fn remembers_exactly() {
        let meter = ActivityMeter::new(MauZone::utc(), 100);
        let pool = UserPoolUid::from_stored("p".to_owned());
        let other_pool = UserPoolUid::from_stored("q".to_owned());
        let m = Month::parse("2025-01").unwrap();
        let lower = uid("0192f5e4-7b3c-7def-8a12-3456789abcde");
        let upper = uid("0192F5E4-7B3C-7DEF-8A12-3456789ABCDE");
        meter.remember(&pool, m, &lower);
        assert!(meter.contains(&pool, m, &lower));
        assert!(
            !meter.contains(&pool, m, &upper),
            "another uid, another user"
        );
        assert!(!meter.contains(&other_pool, m, &lower));
        assert!(!meter.contains(&pool, Month::parse("2025-02").unwrap(), &lower));
        meter.remember(&pool, m, &uid("bob"));
        assert!(meter.contains(&pool, m, &uid("bob")));
        assert!(!meter.contains(&pool, m, &uid("bo")));
    }

    #[test]
    fn keeps_two_months() {
        let meter = ActivityMeter::new(MauZone::utc(), 100);
        let pool = UserPoolUid::from_stored("p".to_owned());
        let u = uid("u");
        let months: Vec<Month> = ["2025-01", "2025-02", "2025-03"]
            .iter()
            .map(|m| Month::parse(m).unwrap())
            .collect();
        for m in &months {
            meter.remember(&pool, *m, &u);
        }
        assert_eq!(meter.months(), months[1..].to_vec());
        // A late write for an older month does not push the newer ones out.
        meter.remember(&pool, months[0], &u);
        assert_eq!(meter.months(), months[1..].to_vec());
        assert!(!meter.contains(&pool, months[0], &u));
    }

    #[test]
    fn stops_remembering_at_capacity() {
        let meter = ActivityMeter::new(MauZone::utc(), 2);
        let pool = UserPoolUid::from_stored("p".to_owned());
        let m = Month::parse("2025-01").unwrap();
        for name in ["a", "b", "c"] {
            meter.remember(&pool, m, &uid(name));
        }
        assert!(meter.contains(&pool, m, &uid("b")));
        assert!(!meter.contains(&pool, m, &uid("c")));
    }
}
