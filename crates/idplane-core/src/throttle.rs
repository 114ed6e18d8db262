//! Throttling of failed authentications (OWASP ASVS 4.0 V2.2.1, NIST SP 800-63B §5.2.2): every
//! failure is counted against where it came from — the source address, the client whose
//! secret was wrong, the identifier whose password was wrong — and a key with too many recent
//! failures is refused for a while, successes are never slowed.
//!
//! Addresses and clients have a budget of failures that refills at a steady rate (a token
//! bucket). Identifiers follow the same timed lockout as stored users ([`LockoutPolicy`]): an
//! identifier nobody has then answers exactly like a user's, and cannot be told apart by it.
//! The counts live in this process's memory, bounded in size; a user's own lockout is in the
//! store and holds across processes.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

use crate::clock::Timestamp;

/// Where a request came from: the peer address, or the address a configured trusted proxy
/// header names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SourceAddress(pub IpAddr);

/// Timed lockout after consecutive failed passwords: `threshold` failures lock for `base`,
/// each further failure doubles it up to `max`; after `max_failures` the lock lasts until an
/// administrator lifts it (NIST SP 800-63B §5.2.2 allows at most 100 failures).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    pub threshold: u32,
    pub base: Duration,
    pub max: Duration,
    pub max_failures: u32,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        Self {
            threshold: 5,
            base: Duration::from_secs(60),
            max: Duration::from_secs(3600),
            max_failures: 100,
        }
    }
}

/// A lock that lasts until an administrator lifts it: far enough to be "never".
pub const UNTIL_UNLOCKED: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

impl LockoutPolicy {
    /// How long sign-in is refused after `failures` consecutive failures; `None` below the
    /// threshold.
    pub fn delay(&self, failures: i64) -> Option<Duration> {
        let threshold = i64::from(self.threshold.max(1));
        if failures < threshold {
            return None;
        }
        if failures >= i64::from(self.max_failures.max(self.threshold.max(1))) {
            return Some(UNTIL_UNLOCKED);
        }
        let doublings = u32::try_from(failures - threshold)
            .unwrap_or(u32::MAX)
            .min(30);
        let delay = self.base.saturating_mul(1u32 << doublings);
        Some(delay.min(self.max))
    }
}

/// A budget of failures: `burst` at once, refilled at `per_minute`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub burst: u32,
    pub per_minute: u32,
}

/// The throttle's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    pub address: Budget,
    pub client: Budget,
    pub lockout: LockoutPolicy,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            address: Budget {
                burst: 100,
                per_minute: 10,
            },
            client: Budget {
                burst: 100,
                per_minute: 60,
            },
            lockout: LockoutPolicy::default(),
        }
    }
}

/// What failures are counted against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Subject {
    Address(IpAddr),
    /// A pool's client (pool uid, client id as given).
    Client(String, String),
    /// A sign-in identifier of a pool (pool uid, the identifier as compared).
    Identifier(String, String),
}

#[derive(Debug, Clone, Copy)]
enum Count {
    /// Failures still allowed, as of `at` (milliseconds).
    Bucket { left: f64, at: i64 },
    /// Consecutive failures and until when the subject is refused.
    Lockout { failures: i64, until: i64 },
}

/// The most subjects remembered; beyond it, the ones that would be allowed anyway are dropped.
const MAX_SUBJECTS: usize = 100_000;

pub struct Throttle {
    policy: ThrottlePolicy,
    counts: Mutex<HashMap<Subject, Count>>,
}

impl Throttle {
    pub fn new(policy: ThrottlePolicy) -> Self {
        Self {
            policy,
            counts: Mutex::new(HashMap::new()),
        }
    }

    pub fn policy(&self) -> &ThrottlePolicy {
        &self.policy
    }

    fn budget(&self, subject: &Subject) -> Option<Budget> {
        match subject {
            Subject::Address(_) => Some(self.policy.address),
            Subject::Client(..) => Some(self.policy.client),
            Subject::Identifier(..) => None,
        }
    }

    fn refilled(budget: Budget, left: f64, at: i64, now: i64) -> f64 {
        let minutes = (now - at).max(0) as f64 / 60_000.0;
        (left + minutes * f64::from(budget.per_minute)).min(f64::from(budget.burst))
    }

    /// `Err(retry after)` while `subject` is refused; `Ok` otherwise. Counts nothing.
    pub fn check(&self, subject: &Subject, now: Timestamp) -> Result<(), Duration> {
        let Ok(counts) = self.counts.lock() else {
            return Ok(());
        };
        let now = now.millis();
        match (counts.get(subject), self.budget(subject)) {
            (Some(Count::Bucket { left, at }), Some(budget)) => {
                let left = Self::refilled(budget, *left, *at, now);
                if left >= 1.0 {
                    Ok(())
                } else {
                    let per_ms = f64::from(budget.per_minute.max(1)) / 60_000.0;
                    let wait = ((1.0 - left) / per_ms).ceil() as u64;
                    Err(Duration::from_millis(wait.max(1000)))
                }
            }
            (Some(Count::Lockout { until, .. }), _) if *until > now => {
                Err(Duration::from_millis((*until - now) as u64))
            }
            _ => Ok(()),
        }
    }

    /// Counts one failure against `subject`.
    pub fn failed(&self, subject: Subject, now: Timestamp) {
        let Ok(mut counts) = self.counts.lock() else {
            return;
        };
        let now = now.millis();
        if counts.len() >= MAX_SUBJECTS && !counts.contains_key(&subject) {
            self.forget_idle(&mut counts, now);
            if counts.len() >= MAX_SUBJECTS {
                return;
            }
        }
        let budget = self.budget(&subject);
        let lockout = self.policy.lockout;
        let count = counts.entry(subject).or_insert(match budget {
            Some(b) => Count::Bucket {
                left: f64::from(b.burst),
                at: now,
            },
            None => Count::Lockout {
                failures: 0,
                until: 0,
            },
        });
        match (count, budget) {
            (Count::Bucket { left, at }, Some(b)) => {
                *left = (Self::refilled(b, *left, *at, now) - 1.0).max(0.0);
                *at = now;
            }
            (Count::Lockout { failures, until }, _) => {
                *failures += 1;
                if let Some(delay) = lockout.delay(*failures) {
                    let delay = i64::try_from(delay.as_millis()).unwrap_or(i64::MAX / 4);
                    *until = now.saturating_add(delay);
                }
            }
            _ => {}
        }
    }

    /// Forgets the failures of `subject` (an identifier signed in after all).
    pub fn succeeded(&self, subject: &Subject) {
        if let Ok(mut counts) = self.counts.lock() {
            counts.remove(subject);
        }
    }

    /// Drops subjects that would be allowed in full now: full buckets, expired lockouts below
    /// the threshold's reach.
    fn forget_idle(&self, counts: &mut HashMap<Subject, Count>, now: i64) {
        counts.retain(|subject, count| match (count, self.budget(subject)) {
            (Count::Bucket { left, at }, Some(b)) => {
                Self::refilled(b, *left, *at, now) < f64::from(b.burst)
            }
            (Count::Lockout { until, .. }, _) => *until > now,
            _ => false,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_millis(seconds * 1000)
    }

    #[test]
    fn lockout_grows_and_then_waits_for_an_administrator() {
        let p = LockoutPolicy::default();
        assert_eq!(p.delay(4), None);
        assert_eq!(p.delay(5), Some(Duration::from_secs(60)));
        assert_eq!(p.delay(6), Some(Duration::from_secs(120)));
        assert_eq!(p.delay(9), Some(Duration::from_secs(960)));
        assert_eq!(p.delay(20), Some(Duration::from_secs(3600)));
        assert_eq!(p.delay(100), Some(UNTIL_UNLOCKED));
        assert_eq!(p.delay(i64::MAX), Some(UNTIL_UNLOCKED));
    }

    #[test]
    fn address_budgets_refill_and_successes_cost_nothing() {
        let t = Throttle::new(ThrottlePolicy {
            address: Budget {
                burst: 3,
                per_minute: 60,
            },
            ..ThrottlePolicy::default()
        });
        let ip = Subject::Address("10.0.0.1".parse().unwrap());
        for _ in 0..3 {
            assert!(t.check(&ip, at(0)).is_ok());
            t.failed(ip.clone(), at(0));
        }
        let wait = t.check(&ip, at(0)).unwrap_err();
        assert!(
            wait >= Duration::from_secs(1) && wait <= Duration::from_secs(2),
            "{wait:?}"
        );
        assert!(
            t.check(&ip, at(1)).is_ok(),
            "one failure refilled after a second"
        );
        let other = Subject::Address("10.0.0.2".parse().unwrap());
        assert!(t.check(&other, at(0)).is_ok());
    }

    #[test]
    fn identifiers_lock_like_users() {
        let t = Throttle::new(ThrottlePolicy::default());
        let id = Subject::Identifier("pool".into(), "nobody".into());
        for _ in 0..4 {
            t.failed(id.clone(), at(0));
        }
        assert!(t.check(&id, at(0)).is_ok());
        t.failed(id.clone(), at(0));
        assert_eq!(t.check(&id, at(0)), Err(Duration::from_secs(60)));
        assert!(t.check(&id, at(61)).is_ok());
        t.failed(id.clone(), at(61));
        assert_eq!(t.check(&id, at(61)), Err(Duration::from_secs(120)));
        t.succeeded(&id);
        assert!(t.check(&id, at(61)).is_ok());
    }

    #[test]
    fn memory_stays_bounded() {
        let t = Throttle::new(ThrottlePolicy::default());
        for n in 0..(MAX_SUBJECTS as u32 + 10) {
            t.failed(Subject::Identifier("p".into(), n.to_string()), at(0));
        }
        assert!(t.counts.lock().unwrap().len() <= MAX_SUBJECTS);
    }
}
