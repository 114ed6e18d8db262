//! Password hashing and checking on threads of their own, one per core, so argon2id never runs
//! on an async worker (a hundred passwords in one CreateUsers would otherwise hold a runtime
//! thread for seconds). Each thread keeps its argon2id working memory from one check to the
//! next. argon2id is bound by memory bandwidth (19 MiB a hash), so more at once than cores would
//! only thrash the caches; callers queue instead. On Linux the threads run under `SCHED_BATCH`:
//! the scheduler then treats them as the CPU-bound work they are and stops preempting them for
//! every short request-handling wake-up.

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use crate::crypto::{self, PasswordChecker};
use crate::error::{DomainError, DomainResult};

enum Job {
    Verify {
        password: String,
        hash: String,
        reply: oneshot::Sender<bool>,
    },
    Hash {
        password: String,
        reply: oneshot::Sender<DomainResult<String>>,
    },
}

impl Job {
    fn abandoned(&self) -> bool {
        match self {
            Job::Verify { reply, .. } => reply.is_closed(),
            Job::Hash { reply, .. } => reply.is_closed(),
        }
    }
}

/// A fixed set of password threads fed from one queue. Dropping the last handle ends the
/// threads once the queue is empty.
pub struct PasswordWorkers {
    jobs: Sender<Job>,
}

impl PasswordWorkers {
    /// Starts `threads` password threads (at least one).
    pub fn start(threads: usize) -> std::io::Result<Arc<Self>> {
        let (jobs, queue) = channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads.max(1) {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("idplane-hash-{n}"))
                .spawn(move || run(&queue))?;
        }
        Ok(Arc::new(Self { jobs }))
    }

    /// One thread per core of this machine.
    pub fn per_core() -> std::io::Result<Arc<Self>> {
        Self::start(std::thread::available_parallelism().map_or(1, usize::from))
    }

    /// Whether `password` matches the PHC string `hash`; false when the threads have stopped.
    pub async fn verify(&self, password: String, hash: String) -> bool {
        let (reply, answer) = oneshot::channel();
        let job = Job::Verify {
            password,
            hash,
            reply,
        };
        self.jobs.send(job).is_ok() && answer.await.unwrap_or(false)
    }

    /// `password` hashed into a new PHC string (argon2id, OWASP's parameters).
    pub async fn hash(&self, password: String) -> DomainResult<String> {
        let (reply, answer) = oneshot::channel();
        let stopped = || DomainError::internal("the password threads have stopped");
        self.jobs
            .send(Job::Hash { password, reply })
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
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
        if job.abandoned() {
            // The asker is gone (its client gave up while the job queued): under a flood of
            // sign-ins, hashing for nobody would only lengthen the queue.
            continue;
        }
        // The asker may have gone meanwhile (its connection closed); nothing to tell then.
        match job {
            Job::Verify {
                password,
                hash,
                reply,
            } => {
                let _ = reply.send(checker.verify(&password, &hash));
            }
            Job::Hash { password, reply } => {
                let _ = reply.send(crypto::hash_password(&password));
            }
        }
    }
}

/// Marks the calling thread CPU-bound (`SCHED_BATCH`, niceness unchanged). Harmless to fail:
/// the work is as correct, only a little slower under load.
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
        tracing::debug!(error = ?e, "password thread stays under the default scheduling policy");
    }
}

#[cfg(not(target_os = "linux"))]
fn run_as_batch() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn checks_in_parallel_and_keeps_answers_apart() {
        let workers = PasswordWorkers::start(2).unwrap();
        let hash = workers.hash("right".into()).await.unwrap();
        let mut asks = Vec::new();
        for n in 0..6 {
            let (workers, hash) = (workers.clone(), hash.clone());
            let password = if n % 2 == 0 { "right" } else { "wrong" };
            asks.push(tokio::spawn(async move {
                (n, workers.verify(password.to_owned(), hash).await)
            }));
        }
        for ask in asks {
            let (n, matches) = ask.await.unwrap();
            assert_eq!(matches, n % 2 == 0, "check {n}");
        }
        assert!(!workers.verify("right".into(), "garbage".into()).await);
    }

    /// The hash is made on a password thread: the runtime's only thread keeps running other
    /// tasks meanwhile (an inline hash would hold it until done).
    #[tokio::test(flavor = "current_thread")]
    async fn hashing_leaves_the_runtime_free() {
        let workers = PasswordWorkers::start(1).unwrap();
        let hashing = tokio::spawn(async move { workers.hash("x".into()).await });
        let mut turns = 0u64;
        while !hashing.is_finished() {
            tokio::task::yield_now().await;
            turns += 1;
        }
        assert!(hashing.await.unwrap().unwrap().starts_with("$argon2id$"));
        assert!(turns > 10, "only {turns} turns while hashing");
    }
}
