//! rinnova's persistence. One pool over sqlx's Any driver, so the same portable SQL runs on
//! SQLite (the default, one file) and PostgreSQL; migrations per backend are embedded.
//!
//! Repositories are free functions over a connection (`&mut AnyConnection`), so a use case can
//! run several of them in one transaction ([`Store::begin`]).

pub mod records;
pub mod repo;

pub use records::*;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, Executor, Transaction};
use std::str::FromStr;

/// A write transaction: the database's, and — on SQLite — the process's turn to write.
pub struct Tx {
    inner: Transaction<'static, Any>,
    /// Held until commit or rollback (or drop).
    _turn: Option<tokio::sync::OwnedSemaphorePermit>,
    /// SQLite: the commit is on disk only once this has synced the WAL.
    group_sync: Option<std::sync::Arc<GroupSync>>,
}

impl std::ops::Deref for Tx {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &sqlx::AnyConnection {
        &self.inner
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.inner
    }
}

impl Tx {
    /// Commits, gives the turn to the next writer, and returns once the commit is on disk.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        let Tx {
            inner,
            _turn: turn,
            group_sync,
        } = self;
        inner.commit().await?;
        let Some(sync) = group_sync else {
            return Ok(());
        };
        let ticket = sync.written();
        drop(turn);
        sync.wait(ticket).await
    }

    /// Rolls back, then gives the turn to the next writer.
    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.inner.rollback().await
    }
}

/// Group commit for SQLite. The writer connection commits with `synchronous = NORMAL`: the
/// commit's frames are written to the WAL, in the kernel's cache, and the write turn passes on
/// at once. Before the commit is acknowledged, the WAL file is synced (`fdatasync`) — by this
/// commit's caller, or by one that started its sync after this commit was written: one sync
/// puts every commit written before it on disk, since the WAL is one file written in order
/// (SQLite's recovery keeps the frames up to the last whole commit). What an acknowledged
/// commit promises is FULL's — it survives a power cut — but commits no longer wait one
/// after another for the disk. Checkpoints sync the WAL and the database file themselves, as
/// with FULL.
#[derive(Debug)]
struct GroupSync {
    wal: std::path::PathBuf,
    /// Commits written to the WAL so far: each takes the next number once written.
    written: std::sync::atomic::AtomicU64,
    /// Up to which number the commits are on disk; held while one sync runs.
    synced: tokio::sync::Mutex<u64>,
    /// Syncs run so far.
    syncs: std::sync::atomic::AtomicU64,
}

impl GroupSync {
    fn new(wal: std::path::PathBuf) -> GroupSync {
        GroupSync {
            wal,
            written: std::sync::atomic::AtomicU64::new(0),
            synced: tokio::sync::Mutex::new(0),
            syncs: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Counts a commit whose frames are written; its number, to wait for.
    fn written(&self) -> u64 {
        self.written
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            + 1
    }

    /// Returns once commit `ticket` is on disk: synced by the one before in the queue, or by
    /// this call.
    async fn wait(&self, ticket: u64) -> Result<(), sqlx::Error> {
        let mut synced = self.synced.lock().await;
        if *synced >= ticket {
            return Ok(());
        }
        // Every commit counted so far is written: this sync covers them all.
        let upto = self.written.load(std::sync::atomic::Ordering::SeqCst);
        let wal = self.wal.clone();
        tokio::task::spawn_blocking(move || std::fs::File::open(&wal)?.sync_data())
            .await
            .map_err(|e| sqlx::Error::Io(std::io::Error::other(e)))??;
        self.syncs
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        *synced = upto;
        Ok(())
    }
}

/// A connection, inside a transaction or not.
pub type Conn = sqlx::AnyConnection;

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL (sqlite: or postgres:)")]
    UnsupportedUrl,
    #[error(
        "an in-memory SQLite database cannot serve rinnova: each connection would open one of \
         its own (name a file: sqlite://path?mode=rwc)"
    )]
    InMemory,
}

impl StoreError {
    /// Whether the database could not be reached or is going away (connection refused or lost,
    /// the pool's wait ran out, the server shutting down, SQLite busy): the request may be
    /// retried, nothing about it is wrong.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Db(
                sqlx::Error::Io(_)
                | sqlx::Error::Tls(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::WorkerCrashed,
            ) => true,
            Self::Db(sqlx::Error::Database(e)) => e.code().is_some_and(|c| {
                // PostgreSQL: connection exceptions (08…), operator intervention (57P…:
                // shutdown, cannot connect now), insufficient resources (53…). SQLite: 5
                // (BUSY) and 6 (LOCKED), also with extended codes.
                let c = c.as_ref();
                c.starts_with("08")
                    || c.starts_with("57P")
                    || c.starts_with("53")
                    || c == "5"
                    || c == "6"
                    || c.parse::<u32>()
                        .is_ok_and(|n| n & 0xff == 5 || n & 0xff == 6)
            }),
            _ => false,
        }
    }

    /// Whether the error is a uniqueness violation (a concurrent duplicate).
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, Self::Db(sqlx::Error::Database(e)) if e.is_unique_violation())
    }
}

/// The database behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The connection pool and what it is connected to.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    /// SQLite: the one connection write transactions run on. The only connection that writes,
    /// it keeps its page cache across transactions — SQLite drops a connection's whole cache
    /// when another connection has written since its last transaction, so write transactions
    /// on the shared pool began cold and read every page again from the kernel, holding the
    /// write turn meanwhile. (PostgreSQL: `None`, the pool serves both.)
    writer: Option<AnyPool>,
    /// SQLite: syncs the WAL for the commits of [`Store::writer`] (see [`GroupSync`]).
    group_sync: Option<std::sync::Arc<GroupSync>>,
    backend: Backend,
    /// SQLite: one writer of this process at a time, the others queued here in order and woken
    /// the moment it commits — not by SQLite's busy handler, which sleeps 1, 2, 5, 10… ms
    /// between tries and left the cores idle under load. (Other processes on the same file —
    /// the CLI — still meet the busy timeout.)
    write_turn: std::sync::Arc<tokio::sync::Semaphore>,
}

static SQLITE: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");
/// The migration that brought the audit chain (0011).
const AUDIT_CHAIN_MIGRATION: i64 = 11;

/// The advisory lock every PostgreSQL write transaction takes first (see [`Store::begin`]):
/// key 0x7269_6e6e_6f76 ("rinnov"), written out in decimal so the statement is a constant.
const BEGIN_LOCKED: &str = "BEGIN; SELECT pg_advisory_xact_lock(125797149863798)";

impl Store {
    /// Connects to `url` (`sqlite://path?mode=rwc` or `postgres://…`).
    pub async fn connect(url: &str, max_connections: u32) -> Result<Store, StoreError> {
        Self::connect_with(url, max_connections, std::time::Duration::from_secs(30)).await
    }

    /// [`Store::connect`], waiting at most `acquire_timeout` for a connection before a request
    /// is answered "unavailable" (the database cannot be reached or every connection is busy).
    pub async fn connect_with(
        url: &str,
        max_connections: u32,
        acquire_timeout: std::time::Duration,
    ) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl);
        };
        if backend == Backend::Sqlite && (url.contains(":memory:") || url.contains("mode=memory")) {
            return Err(StoreError::InMemory);
        }
        let options = AnyConnectOptions::from_str(url)?;
        let pool_options = |max_connections: u32, pragmas: &'static str| {
            let mut pool = AnyPoolOptions::new()
                .max_connections(max_connections)
                .acquire_timeout(acquire_timeout);
            if backend == Backend::Sqlite {
                // An embedded database cannot drop a connection: skip the ping before each acquire.
                pool = pool.test_before_acquire(false);
                pool = pool.after_connect(move |conn, _meta| {
                    Box::pin(async move {
                        conn.execute(sqlx::AssertSqlSafe(pragmas)).await?;
                        Ok(())
                    })
                });
            }
            pool
        };
        // WAL lets readers run beside the writer; busy_timeout makes writers queue instead of
        // failing. A 32 MiB WAL between checkpoints lets pages rewritten by many commits (index
        // pages of random serials) reach the database file once; 16 MiB of page cache spare
        // reads through the kernel. No memory map: with one, every BEGIN re-mapped and unmapped
        // pages (TLB shootdowns across cores), 2 % of the CPU of a renewal under load, for no
        // gain over the page cache.
        // FULL syncs the WAL at every commit: an acknowledged step, above all an issued
        // certificate, survives a power cut, not only a crash of the process. The connection
        // of this process's write transactions commits with NORMAL instead (written to the WAL,
        // not yet synced) and [`Tx::commit`] syncs the WAL before it returns — once for every
        // commit written meanwhile (see [`GroupSync`]): the same promise, without the write
        // turn waiting for the disk.
        const PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
             PRAGMA wal_autocheckpoint = 8192; PRAGMA cache_size = -16384; \
             PRAGMA mmap_size = 0;";
        const WRITER_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
             PRAGMA wal_autocheckpoint = 8192; PRAGMA cache_size = -16384; \
             PRAGMA mmap_size = 0;";
        let pool = pool_options(max_connections, PRAGMAS)
            .connect_with(options.clone())
            .await?;
        let (writer, group_sync) = match backend {
            Backend::Sqlite => {
                // Group commit needs the WAL of a database file: an in-memory database (or a
                // file system where WAL could not be set) gets a writer that syncs as FULL.
                let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
                    .fetch_one(&pool)
                    .await?;
                if mode.eq_ignore_ascii_case("wal") {
                    let mut wal = sqlx::sqlite::SqliteConnectOptions::from_str(url)?
                        .get_filename()
                        .as_os_str()
                        .to_owned();
                    wal.push("-wal");
                    let writer = pool_options(1, WRITER_PRAGMAS)
                        .connect_with(options)
                        .await?;
                    (
                        Some(writer),
                        Some(std::sync::Arc::new(GroupSync::new(wal.into()))),
                    )
                } else {
                    (
                        Some(pool_options(1, PRAGMAS).connect_with(options).await?),
                        None,
                    )
                }
            }
            Backend::Postgres => (None, None),
        };
        Ok(Store {
            pool,
            writer,
            group_sync,
            backend,
            write_turn: std::sync::Arc::new(tokio::sync::Semaphore::new(1)),
        })
    }

    /// A SQLite database file in `dir` (created if missing).
    pub async fn open_sqlite_dir(dir: &std::path::Path) -> Result<Store, StoreError> {
        let path = dir.join("rinnova.sqlite3");
        Self::connect(&format!("sqlite://{}?mode=rwc", path.display()), 8).await
    }

    /// Applies the embedded migrations of this backend.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        // Whether this run brings the audit chain (migration 11) to the database: only then do
        // rows from before it join the chain. Later, a row without a hash was written behind
        // the application's back, and `audit verify` names it (issue 21: chaining it at every
        // start, as before, made a forged row look genuine).
        let chain_applied = self
            .applied_migrations()
            .await?
            .contains(&AUDIT_CHAIN_MIGRATION);
        match self.backend {
            Backend::Sqlite => SQLITE.run(&self.pool).await?,
            Backend::Postgres => POSTGRES.run(&self.pool).await?,
        }
        if !chain_applied {
            let mut tx = self.begin().await?;
            let chained = repo::audit::chain_unchained(&mut tx).await?;
            tx.commit().await?;
            if chained > 0 {
                tracing::info!(rows = chained, "audit rows from before the chain chained");
            }
        }
        Ok(())
    }

    /// The versions of the migrations applied to the database (none on a new one).
    async fn applied_migrations(&self) -> Result<Vec<i64>, StoreError> {
        let mut c = self.pool.acquire().await?;
        let table = match self.backend {
            Backend::Sqlite => {
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'"
            }
            Backend::Postgres => {
                "SELECT COUNT(*) FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_name = '_sqlx_migrations'"
            }
        };
        let exists: i64 = sqlx::query_scalar(table).fetch_one(&mut *c).await?;
        if exists == 0 {
            return Ok(Vec::new());
        }
        Ok(
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                .fetch_all(&mut *c)
                .await?,
        )
    }

    /// Whether every migration this version embeds is applied (`audit verify` reads a
    /// database without migrating it).
    pub async fn is_migrated(&self) -> Result<bool, StoreError> {
        let applied = self.applied_migrations().await?;
        let embedded = match self.backend {
            Backend::Sqlite => &SQLITE,
            Backend::Postgres => &POSTGRES,
        };
        Ok(embedded.iter().all(|m| applied.contains(&m.version)))
    }

    /// Starts a write transaction. Write transactions run one at a time, on either backend:
    /// the use cases read, check and write in one transaction (is a renewal already open, is
    /// there credit, was this code used), and serialised writers make those checks hold
    /// without a retry loop around every use case. On SQLite the write lock is taken at once
    /// (`BEGIN IMMEDIATE`), so two writers queue rather than deadlock on a read-to-write
    /// upgrade; on PostgreSQL every write transaction first takes one transaction-scoped
    /// advisory lock, which serialises writers across every instance on the database (and is
    /// released by commit, rollback or a dropped connection). Reads outside transactions
    /// ([`Store::conn`]) never wait.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(match self.backend {
            Backend::Sqlite => {
                let turn = self
                    .write_turn
                    .clone()
                    .acquire_owned()
                    .await
                    .map_err(|_| sqlx::Error::PoolClosed)?;
                Tx {
                    inner: self
                        .writer
                        .as_ref()
                        .unwrap_or(&self.pool)
                        .begin_with("BEGIN IMMEDIATE")
                        .await?,
                    _turn: Some(turn),
                    group_sync: self.group_sync.clone(),
                }
            }
            // BEGIN and the lock in one round trip (a simple query may hold two statements).
            Backend::Postgres => Tx {
                inner: self.pool.begin_with(BEGIN_LOCKED).await?,
                _turn: None,
                group_sync: None,
            },
        })
    }

    /// A connection for reads outside a transaction.
    pub async fn conn(&self) -> Result<sqlx::pool::PoolConnection<Any>, StoreError> {
        Ok(self.pool.acquire().await?)
    }

    /// A connection of its own that cannot write (SQLite `query_only`, PostgreSQL read-only
    /// transactions), taken out of the pool and closed when dropped: for checks that must
    /// only read, such as `audit verify`.
    pub async fn read_only_conn(&self) -> Result<Conn, StoreError> {
        let mut c = self.pool.acquire().await?.detach();
        let set = match self.backend {
            Backend::Sqlite => "PRAGMA query_only = ON",
            Backend::Postgres => "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
        };
        sqlx::query(set).execute(&mut c).await?;
        Ok(c)
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// The process id of the PostgreSQL backend serving one of the pool's connections (`None`
    /// on SQLite): benchmarks find the server's processes from it.
    pub async fn postgres_backend_pid(&self) -> Result<Option<i32>, StoreError> {
        if self.backend != Backend::Postgres {
            return Ok(None);
        }
        let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
            .fetch_one(&self.pool)
            .await?;
        Ok(Some(pid))
    }

    /// The pool, for callers that run one statement.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }
}

/// Creates the database `name` on the PostgreSQL server at `base` (`postgres://user@host:port`)
/// and returns its URL (benchmarks and tests run on databases of their own).
pub async fn create_postgres_database(base: &str, name: &str) -> Result<String, StoreError> {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let base = base.trim_end_matches('/');
    let mut admin = sqlx::AnyConnection::connect(&format!("{base}/postgres")).await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await?;
    admin.close().await?;
    Ok(format!("{base}/{name}"))
}

/// Drops the database `name` on the PostgreSQL server at `base` (after a benchmark).
pub async fn drop_postgres_database(base: &str, name: &str) -> Result<(), StoreError> {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let base = base.trim_end_matches('/');
    let mut admin = sqlx::AnyConnection::connect(&format!("{base}/postgres")).await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await?;
    admin.close().await?;
    Ok(())
}

/// For the test suites: the store a test runs on. SQLite in `dir` by default; with
/// `RINNOVA_TEST_POSTGRES=postgres://user@host:port` a fresh PostgreSQL database of its own
/// (named `rinnova_t_…`; `scripts/test` drops the previous run's), so the same suites run on
/// both backends.
pub mod testing {
    use super::{Store, StoreError};

    /// The PostgreSQL server the tests use, if any.
    pub fn postgres_base() -> Option<String> {
        std::env::var("RINNOVA_TEST_POSTGRES")
            .ok()
            .filter(|u| !u.trim().is_empty())
            .map(|u| u.trim().trim_end_matches('/').to_owned())
    }

    /// Creates a fresh database on the tests' PostgreSQL server and returns its URL.
    pub async fn fresh_postgres_database(base: &str) -> Result<String, StoreError> {
        super::create_postgres_database(base, &format!("rinnova_t_{:016x}", rand_u64())).await
    }

    fn rand_u64() -> u64 {
        use std::hash::{BuildHasher, Hasher};
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        // RandomState is seeded randomly per process; the counter tells apart this process's.
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(NEXT.fetch_add(1, Ordering::Relaxed));
        h.write_u32(std::process::id());
        h.finish()
    }

    /// The database URL for one test: a fresh PostgreSQL database, or the SQLite file in `dir`.
    pub async fn database_url(dir: &std::path::Path) -> Result<String, StoreError> {
        match postgres_base() {
            Some(base) => fresh_postgres_database(&base).await,
            None => Ok(format!(
                "sqlite://{}?mode=rwc",
                dir.join("rinnova.sqlite3").display()
            )),
        }
    }

    /// Applies the migrations up to `version` only: a database as an earlier version left it.
    pub async fn migrate_to(store: &Store, version: i64) -> Result<(), StoreError> {
        match store.backend {
            super::Backend::Sqlite => super::SQLITE.run_to(version, &store.pool).await?,
            super::Backend::Postgres => super::POSTGRES.run_to(version, &store.pool).await?,
        }
        Ok(())
    }

    /// The store for one test: see the module.
    pub async fn store(dir: &std::path::Path) -> Result<Store, StoreError> {
        Store::connect(&database_url(dir).await?, 8).await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails loudly on purpose")]
    use super::GroupSync;
    use std::sync::Arc;
    use std::sync::atomic::Ordering;

    #[tokio::test]
    async fn one_sync_covers_every_commit_written_before_it_and_none_after() {
        let dir = tempfile::tempdir().unwrap();
        let wal = dir.path().join("db-wal");
        std::fs::write(&wal, b"frames").unwrap();
        let sync = GroupSync::new(wal);
        let (first, second) = (sync.written(), sync.written());
        sync.wait(second).await.unwrap();
        assert_eq!(sync.syncs.load(Ordering::Relaxed), 1);
        // Written before that sync began: already on disk, no second sync.
        sync.wait(first).await.unwrap();
        assert_eq!(sync.syncs.load(Ordering::Relaxed), 1);
        // Written after it: needs a sync of its own.
        let third = sync.written();
        sync.wait(third).await.unwrap();
        assert_eq!(sync.syncs.load(Ordering::Relaxed), 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn commits_waiting_together_share_syncs_and_each_returns_synced() {
        let dir = tempfile::tempdir().unwrap();
        let wal = dir.path().join("db-wal");
        std::fs::write(&wal, b"frames").unwrap();
        let sync = Arc::new(GroupSync::new(wal));
        let tasks: Vec<_> = (0..64)
            .map(|_| {
                let sync = sync.clone();
                tokio::spawn(async move {
                    let ticket = sync.written();
                    sync.wait(ticket).await.unwrap();
                    // On return, the sync that covered this commit is recorded.
                    assert!(*sync.synced.lock().await >= ticket);
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        let syncs = sync.syncs.load(Ordering::Relaxed);
        assert!((1..=64).contains(&syncs), "{syncs} syncs");
        assert_eq!(*sync.synced.lock().await, 64);
    }

    #[tokio::test]
    async fn a_wal_that_cannot_be_synced_fails_the_commit() {
        let dir = tempfile::tempdir().unwrap();
        let sync = GroupSync::new(dir.path().join("missing-wal"));
        let ticket = sync.written();
        assert!(sync.wait(ticket).await.is_err());
        assert_eq!(*sync.synced.lock().await, 0);
    }
}
