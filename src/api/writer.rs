//! The one writer of a database. Every write transaction of the service
//! runs on one thread with one connection, in the order the requests asked;
//! the transactions that arrive while another group is being written are
//! committed together, in one database transaction.
//! One commit (one `fsync` on SQLite with `synchronous = FULL`) then
//! acknowledges many filings, so throughput follows the storage's commit
//! rate times the group size, and no request is answered before its group
//! has committed: an acknowledged write survives a crash.
//!
//! A transaction that fails on its own (a conflict, bad input found late)
//! fails alone: its group is rolled back and run again with each
//! transaction in a savepoint, and the others commit. A group that loses a race with another process (a busy SQLite
//! file, a deadlock) runs again as a whole, as single transactions did.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use diesel::Connection as _;
use rocket::tokio::sync::oneshot;

use crate::db::{self, Backend, DbConnection, TransactionError as _};
use crate::error::ApiError;

/// At most this many transactions share one commit.
const MAX_GROUP_SIZE: usize = 128;
/// A group takes no further transactions once it has run this long, so
/// that a waiting request's latency stays bounded when many arrive at once.
const MAX_GROUP_TIME: Duration = Duration::from_millis(15);

/// A handle on the writer thread of one database; cloning it is cheap. The
/// thread ends when the last handle is dropped.
#[derive(Debug, Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Job>,
}

/// What the writer thread is asked to do.
enum Job {
    /// A transaction that may share its commit with others.
    Grouped(Box<dyn GroupedWork>),
    /// Work that manages its own transactions; it runs between groups.
    Alone(Box<dyn FnOnce(&mut DbConnection) + Send>),
}

/// One transaction of a group, with the answer it owes its request.
trait GroupedWork: Send {
    /// Whether the work changes facts that results kept in memory were
    /// computed from (anything but an audit entry).
    fn changes_facts(&self) -> bool;

    /// Runs the work and keeps its result: in a savepoint of its own when
    /// `isolated`, else directly in the group's transaction, where any
    /// failure ends the group ([`GroupEnd::OneFailed`]). An error that only
    /// lost a race is returned either way, so that the whole group runs
    /// again.
    fn run(&mut self, conn: &mut DbConnection, isolated: bool) -> Result<(), GroupEnd>;

    /// Answers the request once the group has committed (`Ok`), or with
    /// the group's error.
    fn finish(self: Box<Self>, group: Result<(), &ApiError>);
}

/// Why a group's transaction was rolled back.
#[derive(Debug)]
enum GroupEnd {
    /// The group failed as a whole: it lost a race (and runs again), or
    /// the database failed.
    Failed(ApiError),
    /// One transaction of a group run without savepoints failed: the group
    /// runs again with each in a savepoint, so that it fails alone.
    OneFailed,
}

impl From<diesel::result::Error> for GroupEnd {
    fn from(error: diesel::result::Error) -> Self {
        Self::Failed(error.into())
    }
}

impl db::TransactionError for GroupEnd {
    fn is_transient(&self) -> bool {
        matches!(self, Self::Failed(error) if error.is_transient())
    }
}

/// A transaction waiting to be run, and where its answer goes.
struct Pending<T, F> {
    work: F,
    changes_facts: bool,
    result: Option<Result<T, ApiError>>,
    reply: oneshot::Sender<Result<T, ApiError>>,
}

impl<T, F> GroupedWork for Pending<T, F>
where
    T: Send,
    F: FnMut(&mut DbConnection) -> Result<T, ApiError> + Send,
{
    fn changes_facts(&self) -> bool {
        self.changes_facts
    }

    fn run(&mut self, conn: &mut DbConnection, isolated: bool) -> Result<(), GroupEnd> {
        let result = if isolated {
            conn.transaction(|conn| (self.work)(conn))
        } else {
            (self.work)(conn)
        };
        let end = match &result {
            Err(error) if error.is_transient() => Some(GroupEnd::Failed(error.clone())),
            Err(_) if !isolated => Some(GroupEnd::OneFailed),
            _ => None,
        };
        self.result = Some(result);
        end.map_or(Ok(()), Err)
    }

    fn finish(self: Box<Self>, group: Result<(), &ApiError>) {
        let answer = match (group, self.result) {
            (Ok(()), Some(result)) => result,
            (Ok(()), None) => Err(ApiError::internal("a grouped transaction did not run")),
            (Err(error), _) => Err(error.clone()),
        };
        // The request may have gone meanwhile; its write stands.
        let _ = self.reply.send(answer);
    }
}

impl Writer {
    /// Starts the writer thread for the database at `url`; it connects on
    /// its first job.
    pub fn start(url: &str) -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::channel();
        let (stop, stopped) = mpsc::channel::<()>();
        let restart_due = Arc::new(AtomicBool::new(false));
        let writer_url = url.to_owned();
        let restart = Arc::clone(&restart_due);
        std::thread::Builder::new()
            .name("database writer".to_owned())
            .spawn(move || {
                serve(&writer_url, &queue, &restart);
                drop(stop);
            })?;
        if Backend::of_url(url) == Backend::Sqlite {
            let url = url.to_owned();
            std::thread::Builder::new()
                .name("wal checkpointer".to_owned())
                .spawn(move || checkpoint_until(&url, &stopped, &restart_due))?;
        }
        Ok(Self { jobs })
    }

    /// Runs `work` as one write transaction, possibly sharing its commit
    /// with others; answers once that commit is done. `work` may run
    /// again when the group loses a race, so it must be repeatable.
    pub async fn transaction<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnMut(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    {
        self.grouped(work, true).await
    }

    /// Runs `work`, which only appends to the audit trail, as
    /// [`Writer::transaction`] does, without moving the data generation
    /// on: the map figures and hotspots kept in memory stay valid.
    pub async fn append_audit<F>(&self, work: F) -> Result<(), ApiError>
    where
        F: FnMut(&mut DbConnection) -> Result<(), ApiError> + Send + 'static,
    {
        self.grouped(work, false).await
    }

    async fn grouped<T, F>(&self, work: F, changes_facts: bool) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnMut(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let pending = Pending {
            work,
            changes_facts,
            result: None,
            reply,
        };
        self.submit(Job::Grouped(Box::new(pending)))?;
        answer.await.map_err(|_| stopped())?
    }

    /// Runs `work`, which begins and commits its own transactions, on the
    /// writer's connection between two groups.
    pub async fn alone<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        self.submit(Job::Alone(Box::new(move |conn| {
            let result = work(conn);
            db::generation::bump();
            let _ = reply.send(result);
        })))?;
        answer.await.map_err(|_| stopped())?
    }

    fn submit(&self, job: Job) -> Result<(), ApiError> {
        self.jobs.send(job).map_err(|_| stopped())
    }
}

/// The error of a request whose write was not carried out because the
/// writer stopped (its thread panicked, or the service is shutting down).
fn stopped() -> ApiError {
    ApiError::internal("the database writer stopped before answering")
}

/// The page cache of the writer's SQLite connection, in KiB: the pages a
/// filing touches (indexes of people, occupancies, signals, the audit
/// chain) stay in memory in a city of 400 000 addresses.
const WRITER_CACHE_KIB: u32 = 64 * 1024;

/// Sets up the writer's connection. On SQLite: a larger page cache, and no
/// automatic checkpoint: copying the log into the database file (and its
/// `fsync`) would otherwise fall in the commit of whichever request filled
/// the log. On PostgreSQL: one generic plan per prepared statement. The
/// writer's statements find a few rows by index, and PostgreSQL would
/// otherwise plan most of them anew on every run (those with date or array
/// parameters), which took as long as running them.
fn writer_connection(mut conn: DbConnection) -> diesel::ConnectionResult<DbConnection> {
    use diesel::connection::SimpleConnection as _;

    let setup = match conn.backend() {
        Backend::Sqlite => {
            format!("PRAGMA wal_autocheckpoint = 0; PRAGMA cache_size = -{WRITER_CACHE_KIB};")
        }
        Backend::Postgresql => "SET plan_cache_mode = force_generic_plan".to_owned(),
    };
    conn.batch_execute(&setup)
        .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
    Ok(conn)
}

/// The writer thread: takes jobs until every handle is gone, and starts
/// the SQLite log again between them when a checkpoint asks for it.
fn serve(url: &str, queue: &mpsc::Receiver<Job>, restart_due: &AtomicBool) {
    let mut connection: Option<DbConnection> = None;
    let mut next = queue.recv().ok();
    while let Some(job) = next.take() {
        let conn = match connection.as_mut() {
            Some(conn) => conn,
            None => match db::connect(url).and_then(writer_connection) {
                Ok(conn) => connection.insert(conn),
                Err(error) => {
                    log::error!("the database writer cannot connect: {error}");
                    // The job is dropped unanswered: its request gets a 500.
                    drop(job);
                    next = queue.recv().ok();
                    continue;
                }
            },
        };
        if restart_due.swap(false, Ordering::Relaxed)
            && let Err(error) = restart_log(conn)
        {
            log::warn!("the WAL could not be started again: {error}");
        }
        let ran = std::panic::catch_unwind(AssertUnwindSafe(|| match job {
            Job::Alone(work) => {
                work(conn);
                queue.recv().ok()
            }
            Job::Grouped(first) => write_group(conn, first, queue),
        }));
        if let Ok(following) = ran {
            next = following.or_else(|| queue.recv().ok());
        } else {
            // The transaction a panic left open goes with its connection;
            // the group's requests get a 500.
            log::error!("a write panicked; the writer reconnects");
            connection = None;
            next = queue.recv().ok();
        }
    }
}

/// How often the write-ahead log is copied into the SQLite database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// How long the writer waits for readers of older snapshots before it
/// lets the log grow for another round.
const RESTART_WAIT_MS: u32 = 20;

/// Copies the write-ahead log into the database file every
/// [`CHECKPOINT_EVERY`] until the writer stops, so that the writer never
/// does it in a request's commit (it does not checkpoint itself; see
/// [`serve`]). A passive checkpoint waits for no reader or writer; after
/// each, the writer is asked to start the log again ([`restart_log`]).
fn checkpoint_until(url: &str, stopped: &mpsc::Receiver<()>, restart_due: &AtomicBool) {
    use diesel::connection::SimpleConnection as _;

    let mut connection: Option<DbConnection> = None;
    while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(CHECKPOINT_EVERY) {
        let conn = match connection.as_mut() {
            Some(conn) => conn,
            None => match db::connect(url) {
                Ok(conn) => connection.insert(conn),
                Err(error) => {
                    log::warn!("the WAL checkpointer cannot connect: {error}");
                    continue;
                }
            },
        };
        match conn.batch_execute("PRAGMA wal_checkpoint(PASSIVE)") {
            Ok(()) => restart_due.store(true, Ordering::Relaxed),
            Err(error) => log::warn!("a WAL checkpoint failed: {error}"),
        }
    }
}

/// Lets the next write start the log from its beginning, between two of
/// the writer's transactions. SQLite starts it again only when a write
/// begins while all of the log is copied into the database file and no
/// reader holds a snapshot in it: under a steady load of filings and reads
/// that moment never came, and the log grew by everything written (1.6 GB
/// in 15 s of filings). A restarting checkpoint on the writer's own
/// connection copies what was written since the last passive one and
/// waits for the readers of older snapshots, at most [`RESTART_WAIT_MS`];
/// when they take longer the log grows until the next round.
fn restart_log(conn: &mut DbConnection) -> diesel::QueryResult<()> {
    use diesel::connection::SimpleConnection as _;

    let restarted = conn.batch_execute(&format!(
        "PRAGMA busy_timeout = {RESTART_WAIT_MS}; PRAGMA wal_checkpoint(RESTART);"
    ));
    // The writer's own wait for other writers comes back whatever happened.
    let waits_again = conn.batch_execute(&format!(
        "PRAGMA busy_timeout = {};",
        db::connection::SQLITE_BUSY_TIMEOUT_MS
    ));
    restarted.and(waits_again)
}

/// Writes `first` and the transactions queued behind it as one group and
/// commits it; returns a job that could not join the group, if any.
fn write_group(
    conn: &mut DbConnection,
    first: Box<dyn GroupedWork>,
    queue: &mpsc::Receiver<Job>,
) -> Option<Job> {
    let mut group = vec![first];
    let mut left_over = None;
    // A savepoint per transaction costs two statements (two round trips
    // on PostgreSQL) and is almost never used: the group first runs
    // without, and only when one of its transactions fails does it run
    // again with them.
    let mut isolated = false;
    let outcome = loop {
        let ran = db::write_transaction(conn, |conn| {
            let started = Instant::now();
            for work in &mut group {
                work.run(conn, isolated)?;
            }
            while left_over.is_none()
                && group.len() < MAX_GROUP_SIZE
                && started.elapsed() < MAX_GROUP_TIME
            {
                match queue.try_recv() {
                    Ok(Job::Grouped(mut work)) => {
                        let ran = work.run(conn, isolated);
                        group.push(work);
                        ran?;
                    }
                    Ok(alone @ Job::Alone(_)) => left_over = Some(alone),
                    Err(_) => break,
                }
            }
            Ok::<(), GroupEnd>(())
        });
        match ran {
            Ok(()) => break Ok(()),
            Err(GroupEnd::OneFailed) if !isolated => isolated = true,
            Err(GroupEnd::OneFailed) => {
                break Err(ApiError::internal(
                    "a grouped transaction failed the group from its savepoint",
                ));
            }
            Err(GroupEnd::Failed(error)) => break Err(error),
        }
    };
    // Before any answer, so that a reader who saw the answer sees the
    // change too.
    if group.iter().any(|work| work.changes_facts()) {
        db::generation::bump();
    }
    for work in group {
        work.finish(outcome.as_ref().map(|&()| ()));
    }
    left_over
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

    use diesel::connection::SimpleConnection as _;
    use diesel::sql_types::BigInt;
    use diesel::{QueryableByName, RunQueryDsl as _};

    use super::*;

    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }

    /// A writer over a fresh SQLite file with one table of numbers.
    fn writer_over_a_fresh_file() -> (tempfile::TempDir, String, Writer) {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = dir.path().join("w.sqlite3").display().to_string();
        let mut conn = db::connect(&url).expect("a connection");
        db::run_migrations(&mut conn).expect("the schema");
        conn.batch_execute("CREATE TABLE numbers (n BIGINT NOT NULL UNIQUE)")
            .expect("the table");
        let writer = Writer::start(&url).expect("the writer thread");
        (dir, url, writer)
    }

    fn stored(url: &str) -> i64 {
        stored_where(url, "TRUE")
    }

    /// How many stored numbers meet the SQL `condition`.
    fn stored_where(url: &str, condition: &str) -> i64 {
        diesel::sql_query(format!(
            "SELECT COUNT(*) AS n FROM numbers WHERE {condition}"
        ))
        .get_result::<Count>(&mut db::connect(url).expect("a connection"))
        .expect("the count")
        .n
    }

    fn insert(n: i64) -> impl FnMut(&mut DbConnection) -> Result<i64, ApiError> {
        move |conn| {
            diesel::sql_query(format!("INSERT INTO numbers (n) VALUES ({n})")).execute(conn)?;
            Ok(n)
        }
    }

    #[rocket::async_test]
    async fn transactions_arriving_together_all_commit_and_one_that_fails_fails_alone() {
        let (_dir, url, writer) = writer_over_a_fresh_file();
        let mut requests = Vec::new();
        for n in 0..200 {
            let writer = writer.clone();
            // 150 is filed twice: one of the two breaks the unique index.
            let n = if n == 199 { 150 } else { n };
            requests.push(rocket::tokio::spawn(async move {
                writer.transaction(insert(n)).await
            }));
        }
        let mut failed = 0;
        for request in requests {
            match request.await.expect("the request task") {
                Ok(_) => {}
                Err(ApiError::Conflict(_)) => failed += 1,
                Err(other) => panic!("unexpected error {other:?}"),
            }
        }
        assert_eq!(failed, 1, "only the duplicate fails");
        assert_eq!(stored(&url), 199, "every other transaction is stored");
    }

    #[rocket::async_test]
    async fn a_transaction_that_fails_after_writing_leaves_nothing_and_its_group_commits() {
        let (_dir, url, writer) = writer_over_a_fresh_file();
        let mut requests = Vec::new();
        for n in 0..100 {
            let writer = writer.clone();
            requests.push(rocket::tokio::spawn(async move {
                let mut insert = insert(n);
                writer
                    .transaction(move |conn| {
                        let n = insert(conn)?;
                        if n % 10 == 7 {
                            return Err(ApiError::conflict("found late"));
                        }
                        Ok(n)
                    })
                    .await
            }));
        }
        let mut failed = 0;
        for request in requests {
            if request.await.expect("the request task").is_err() {
                failed += 1;
            }
        }
        assert_eq!(failed, 10);
        assert_eq!(stored(&url), 90, "nothing of a failed transaction stays");
        assert_eq!(stored_where(&url, "n % 10 = 7"), 0);
    }

    #[rocket::async_test]
    async fn the_log_starts_again_under_a_steady_load_of_writes() {
        let (dir, _url, writer) = writer_over_a_fresh_file();
        let log = dir.path().join("w.sqlite3-wal");
        // The log's size is the most it held between two starts; without
        // them it grows by every commit, three times over in three rounds.
        let mut sizes = Vec::new();
        let mut n = 0;
        for _ in 0..3 {
            let until = Instant::now() + 2 * CHECKPOINT_EVERY;
            while Instant::now() < until {
                writer.transaction(insert(n)).await.expect("a write");
                n += 1;
            }
            sizes.push(std::fs::metadata(&log).map_or(0, |m| m.len()));
        }
        assert!(sizes[0] > 0, "{sizes:?}");
        assert!(
            sizes[2] < 2 * sizes[0],
            "the log grew with every write: {sizes:?} after {n} commits"
        );
    }

    #[rocket::async_test]
    async fn a_write_that_panics_fails_its_request_and_the_writer_goes_on() {
        let (_dir, url, writer) = writer_over_a_fresh_file();
        let panicking = writer
            .transaction(|_conn: &mut DbConnection| -> Result<(), ApiError> {
                panic!("a defect in a use case")
            })
            .await;
        assert!(
            matches!(panicking, Err(ApiError::Internal(_))),
            "{panicking:?}"
        );
        assert_eq!(
            writer.transaction(insert(7)).await.expect("a later write"),
            7
        );
        assert_eq!(stored(&url), 1);
    }

    #[rocket::async_test]
    async fn work_alone_runs_between_groups_with_its_own_transactions() {
        let (_dir, url, writer) = writer_over_a_fresh_file();
        let counted = writer
            .alone(|conn| {
                db::write_transaction(conn, insert(1))?;
                db::write_transaction(conn, insert(2))?;
                Ok(diesel::sql_query("SELECT COUNT(*) AS n FROM numbers")
                    .get_result::<Count>(conn)?
                    .n)
            })
            .await
            .expect("the work");
        assert_eq!(counted, 2);
        assert_eq!(stored(&url), 2);
    }
}
