//! One SQLite connection on a thread of its own, taking work in order from its own queue, so
//! that the statements of one transaction all reach the same connection — and, for a reader
//! outside any transaction, also from a queue all readers share, so that a single read waits
//! for whichever reader is free first. Work is handed whole to the thread and its rows read
//! there: one hand-off there and one back per statement, however many rows it steps. (Tokio
//! blocking tasks would keep adding threads to the blocking pool under load, and the
//! allocator's memory with each.)

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use flume::{Receiver, Sender};
use rusqlite::Connection;
use tokio::sync::oneshot;

use crate::error::{DbError, StoreError};

/// Work for a thread's connection.
pub(super) type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// Where work is queued for one thread, or for all the readers.
pub(super) struct Queue {
    jobs: Mutex<Option<Sender<Job>>>,
}

impl Queue {
    pub(super) fn new() -> (Self, Receiver<Job>) {
        let (jobs, queue) = flume::unbounded::<Job>();
        let queue_side = Self {
            jobs: Mutex::new(Some(jobs)),
        };
        (queue_side, queue)
    }

    /// Queues `job`; false when the store is closed.
    pub(super) fn send(&self, job: Job) -> bool {
        self.jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .is_some_and(|jobs| jobs.send(job).is_ok())
    }

    /// Runs `work` on the connection that takes it and waits for its answer.
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

    /// Takes no more work.
    pub(super) fn close(&self) {
        self.jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
    }
}

pub(super) struct Thread {
    pub(super) queue: Queue,
    /// Set when the store closes: the thread ends after the work it is doing.
    closing: Arc<AtomicBool>,
}

impl Thread {
    /// Starts a thread named `name` on the connection `open` makes there; it also takes work
    /// from `shared` whenever its connection is outside a transaction.
    pub(super) async fn start<F>(
        name: String,
        open: F,
        shared: Option<Receiver<Job>>,
    ) -> Result<Self, StoreError>
    where
        F: FnOnce() -> Result<Connection, DbError> + Send + 'static,
    {
        let (queue, own) = Queue::new();
        let (opened, answer) = oneshot::channel();
        let closing = Arc::new(AtomicBool::new(false));
        let ends = Arc::clone(&closing);
        std::thread::Builder::new()
            .name(name)
            .spawn(move || match open() {
                Ok(mut conn) => {
                    let _ = opened.send(Ok(()));
                    serve(&mut conn, &own, shared.as_ref(), &ends);
                }
                Err(e) => {
                    let _ = opened.send(Err(e));
                }
            })
            .map_err(|e| StoreError::Config(format!("starting an SQLite thread: {e}")))?;
        answer
            .await
            .map_err(|_| StoreError::Config("an SQLite thread ended at start".to_owned()))??;
        Ok(Self { queue, closing })
    }

    /// Ends the thread once the work queued before is done, closing its connection.
    pub(super) fn close(&self) {
        self.closing.store(true, Ordering::Release);
        // Wakes the thread to see the flag, then takes no more work.
        self.queue.send(Box::new(|_| {}));
        self.queue.close();
    }
}

/// The thread's work, one job at a time, until its queues close or the store closes.
fn serve(
    conn: &mut Connection,
    own: &Receiver<Job>,
    shared: Option<&Receiver<Job>>,
    ends: &AtomicBool,
) {
    loop {
        let next = match shared {
            // Inside a transaction only the lease's own work may run here.
            Some(shared) if conn.is_autocommit() => flume::Selector::new()
                .recv(own, |job| job)
                .recv(shared, |job| job)
                .wait(),
            _ => own.recv(),
        };
        let Ok(job) = next else {
            return;
        };
        // Work that panics loses its answer (its asker sees an error), not the thread; the
        // transaction it left open is rolled back by its lease.
        let _ = catch_unwind(AssertUnwindSafe(|| job(conn)));
        if ends.load(Ordering::Acquire) {
            return;
        }
    }
}
