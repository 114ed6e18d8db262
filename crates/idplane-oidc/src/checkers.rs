//! Password checks on threads of their own, one per core, each keeping its argon2id working
//! memory from one check to the next. argon2id is bound by memory bandwidth (19 MiB a check),
//! so more checks at once than cores would only thrash the caches; callers queue instead.
//! On Linux the threads run under `SCHED_BATCH`: the scheduler then treats them as the
//! CPU-bound work they are and stops preempting them for every short request-handling
//! wake-up, which left a tenth of each core's time to context switches.

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

use idplane_core::crypto::PasswordChecker;
use tokio::sync::oneshot;

struct Job {
    password: String,
    hash: String,
    reply: oneshot::Sender<bool>,
}

/// A fixed set of checker threads fed from one queue. Dropping it ends the threads once the
/// queue is empty.
pub struct CheckerPool {
    jobs: Sender<Job>,
}

impl CheckerPool {
    /// Starts `threads` checker threads (at least one).
    pub fn start(threads: usize) -> std::io::Result<Self> {
        let (jobs, queue) = channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads.max(1) {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("idplane-hash-{n}"))
                .spawn(move || run(&queue))?;
        }
        Ok(Self { jobs })
    }

    /// Whether `password` matches the PHC string `hash`; false when the pool has stopped.
    pub async fn verify(&self, password: String, hash: String) -> bool {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            password,
            hash,
            reply,
        };
        self.jobs.send(job).is_ok() && answer.await.unwrap_or(false)
    }
}

fn run(queue: &Mutex<Receiver<Job>>) {
    run_as_batch();
    let mut checker = PasswordChecker::new();
    loop {
        let job = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        if job.reply.is_closed() {
            // The asker is gone (its client gave up while the job queued): under a flood of
            // sign-ins, hashing for nobody would only lengthen the queue.
            continue;
        }
        let matches = checker.verify(&job.password, &job.hash);
        // The asker may have gone (its connection closed); nothing to tell then.
        let _ = job.reply.send(matches);
    }
}

/// Marks the calling thread CPU-bound (`SCHED_BATCH`, niceness unchanged). Harmless to fail:
/// the checks are as correct, only a little slower under load.
#[cfg(target_os = "linux")]
fn run_as_batch() {
    use thread_priority::unix::{
        NormalThreadSchedulePolicy, ThreadSchedulePolicy, set_thread_priority_and_policy,
        thread_native_id,
    };
    use thread_priority::{ThreadPriority, ThreadPriorityOsValue};
    let policy = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Batch);
    let priority = ThreadPriority::Os(ThreadPriorityOsValue::default());
    if let Err(e) = set_thread_priority_and_policy(thread_native_id(), priority, policy) {
        tracing::debug!(error = ?e, "password checker stays under the default scheduling policy");
    }
}

#[cfg(not(target_os = "linux"))]
fn run_as_batch() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn checks_in_parallel_and_keeps_answers_apart() {
        let pool = Arc::new(CheckerPool::start(2).unwrap());
        let hash = idplane_core::crypto::hash_password("right").unwrap();
        let mut asks = Vec::new();
        for n in 0..6 {
            let (pool, hash) = (pool.clone(), hash.clone());
            let password = if n % 2 == 0 { "right" } else { "wrong" };
            asks.push(tokio::spawn(async move {
                (n, pool.verify(password.to_owned(), hash).await)
            }));
        }
        for ask in asks {
            let (n, matches) = ask.await.unwrap();
            assert_eq!(matches, n % 2 == 0, "check {n}");
        }
        assert!(!pool.verify("right".into(), "garbage".into()).await);
    }
}
