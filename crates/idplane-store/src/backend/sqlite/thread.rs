//! One SQLite connection on a thread of its own, taking work from its own queue in order, so
//! that the statements of one transaction all reach the same connection. Work is handed whole
//! to the thread and its rows read there: one hand-off there and one back per statement,
//! however many rows it steps. (Run as tokio blocking tasks instead, reads kept adding threads
//! to the blocking pool, and the allocator's memory with each.)

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use flume::Sender;
use rusqlite::Connection;
use tokio::sync::oneshot;

use crate::error::{DbError, StoreError};

/// Work for the thread's connection.
type Job = Box<dyn FnOnce(&mut Connection) + Send>;

pub(super) struct Thread {
    jobs: Mutex<Option<Sender<Job>>>,
    /// Set when the store closes: the thread ends after the work it is doing.
    closing: Arc<AtomicBool>,
}

impl Thread {
    /// Starts a thread named `name` on the connection `open` makes there.
    pub(super) async fn start<F>(name: String, open: F) -> Result<Self, StoreError>
    where
        F: FnOnce() -> Result<Connection, DbError> + Send + 'static,
    {
        let (jobs, queue) = flume::unbounded::<Job>();
        let (opened, answer) = oneshot::channel();
        let closing = Arc::new(AtomicBool::new(false));
        let ends = Arc::clone(&closing);
        std::thread::Builder::new()
            .name(name)
            .spawn(move || {
                let mut conn = match open() {
                    Ok(conn) => {
                        let _ = opened.send(Ok(()));
                        conn
                    }
                    Err(e) => {
                        let _ = opened.send(Err(e));
                        return;
                    }
                };
                while let Ok(job) = queue.recv() {
                    // Work that panics loses its answer (its asker sees an error), not the
                    // thread; the transaction it left open is rolled back by its lease.
                    let _ = catch_unwind(AssertUnwindSafe(|| job(&mut conn)));
                    if ends.load(Ordering::Acquire) {
                        break;
                    }
                }
            })
            .map_err(|e| StoreError::Config(format!("starting an SQLite thread: {e}")))?;
        answer
            .await
            .map_err(|_| StoreError::Config("an SQLite thread ended at start".to_owned()))??;
        Ok(Self {
            jobs: Mutex::new(Some(jobs)),
            closing,
        })
    }

    /// Queues `job`; false when the thread has ended.
    pub(super) fn send(&self, job: Job) -> bool {
        self.jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .is_some_and(|jobs| jobs.send(job).is_ok())
    }

    /// Runs `work` on the connection and waits for its answer.
    pub(super) async fn call<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, E> + Send + 'static,
    {
        let (answer, answered) = oneshot::channel();
        let sent = self.send(Box::new(move |conn| {
            // The asker may have gone (a dropped request): then nobody reads the answer.
            let _ = answer.send(work(conn));
        }));
        if !sent {
            return Err(DbError::Other("the store is closed".to_owned()).into());
        }
        answered.await.map_err(|_| {
            E::from(DbError::Other(
                "a statement ended without an answer".to_owned(),
            ))
        })?
    }

    /// Ends the thread once the work queued before is done, closing its connection.
    pub(super) fn close(&self) {
        self.closing.store(true, Ordering::Release);
        // Wakes the thread to see the flag, then takes no more work.
        self.send(Box::new(|_| {}));
        self.jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
    }
}
