//! The SQL store: one implementation over sqlx's `Any` driver for SQLite and PostgreSQL.
//!
//! The two differ only where the databases do: the migrations (`engine/migrations/<backend>/`),
//! how a write transaction begins (`BEGIN IMMEDIATE` on SQLite, so two writers queue on the
//! database lock instead of failing at commit; plain `BEGIN` on PostgreSQL, whose row lock on
//! the case serialises writers), and SQLite's connection settings (WAL, `synchronous`,
//! `busy_timeout`, foreign keys). Every query is written once, with `$n` placeholders, which
//! both accept.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};

use super::{
    Append, AuditEntry, CaseHead, FigureGroup, FigureQuery, Operation, OutboxEntry, Store,
    StoreError, StoredCase, StoredEvent, format,
};
use crate::diagnostics::SourceFile;
use crate::indicators::record::Figure;
use crate::runtime::{Action, FORMAT_VERSION};

mod figures;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// One file, embedded.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// How SQLite makes a commit durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// Every commit is on disk before it is reported (fsync of the WAL at each commit): an
    /// accepted event survives a power cut. The default.
    #[default]
    Full,
    /// The WAL is synced at checkpoints only: a commit survives a crash of the process, but
    /// the last commits may be lost in a power cut. Faster; the operator's choice.
    Normal,
}

/// How a store is opened.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// SQLite only: how commits are made durable.
    pub synchronous: Synchronous,
    /// SQLite only: how long a writer waits for another's lock before it fails.
    pub busy_timeout: Duration,
    /// Connections in the pool.
    pub max_connections: u32,
    /// How long to wait for a connection (a stopped server fails after this).
    pub acquire_timeout: Duration,
    /// Open read-only: every write fails with [`StoreError::ReadOnly`]. A SQLite file whose
    /// permissions forbid writing is always opened read-only (also for root).
    pub read_only: bool,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            synchronous: Synchronous::Full,
            busy_timeout: Duration::from_secs(10),
            max_connections: 8,
            acquire_timeout: Duration::from_secs(10),
            read_only: false,
        }
    }
}

/// A store in a SQLite file or a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
}

impl SqlStore {
    /// Opens (creating if needed) the SQLite database at `path`, and migrates it.
    pub async fn sqlite(path: &Path, options: &StoreOptions) -> Result<SqlStore, StoreError> {
        let text = path.to_str().ok_or_else(|| {
            StoreError::Invalid(format!("the path {} is not UTF-8", path.display()))
        })?;
        if text.contains(['?', '#']) {
            return Err(StoreError::Invalid(format!(
                "the database path `{text}` holds `?` or `#`; choose a path without them"
            )));
        }
        let read_only =
            options.read_only || std::fs::metadata(path).is_ok_and(|m| m.permissions().readonly());
        let mode = if read_only { "ro" } else { "rwc" };
        let url = format!("sqlite://{text}?mode={mode}");
        let synchronous = match options.synchronous {
            Synchronous::Full => "FULL",
            Synchronous::Normal => "NORMAL",
        };
        let busy = options.busy_timeout.as_millis();
        let settings: Arc<str> = if read_only {
            format!("PRAGMA busy_timeout = {busy}; PRAGMA query_only = ON;").into()
        } else {
            format!(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous}; \
                 PRAGMA busy_timeout = {busy}; PRAGMA foreign_keys = ON;"
            )
            .into()
        };
        let store = SqlStore::connect(&url, Backend::Sqlite, options, Some(settings)).await?;
        if read_only {
            store.check_migrated().await?;
        } else {
            store.migrate().await?;
        }
        Ok(store)
    }

    /// Connects to the PostgreSQL database at `url` (`postgres://…`), and migrates it.
    pub async fn postgres(url: &str, options: &StoreOptions) -> Result<SqlStore, StoreError> {
        let store = SqlStore::connect(url, Backend::Postgres, options, None).await?;
        if options.read_only {
            store.check_migrated().await?;
        } else {
            store.migrate().await?;
        }
        Ok(store)
    }

    /// Opens a store by its address: `postgres://…` or `postgresql://…` for PostgreSQL, else
    /// a SQLite file path (optionally `sqlite://path`).
    pub async fn open(address: &str, options: &StoreOptions) -> Result<SqlStore, StoreError> {
        if address.starts_with("postgres://") || address.starts_with("postgresql://") {
            SqlStore::postgres(address, options).await
        } else {
            let path = address.strip_prefix("sqlite://").unwrap_or(address);
            SqlStore::sqlite(Path::new(path), options).await
        }
    }

    async fn connect(
        url: &str,
        backend: Backend,
        options: &StoreOptions,
        settings: Option<Arc<str>>,
    ) -> Result<SqlStore, StoreError> {
        sqlx::any::install_default_drivers();
        let mut pool = AnyPoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .acquire_timeout(options.acquire_timeout);
        if let Some(settings) = settings {
            pool = pool.after_connect(move |conn, _| {
                let settings = Arc::clone(&settings);
                Box::pin(async move {
                    sqlx::raw_sql(sqlx::AssertSqlSafe(settings.to_string()))
                        .execute(conn)
                        .await?;
                    Ok(())
                })
            });
        }
        let pool = pool.connect(url).await.map_err(classify)?;
        Ok(SqlStore { pool, backend })
    }

    /// Which database it runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    fn migrator(&self) -> &'static sqlx::migrate::Migrator {
        match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    /// Applies the migrations not yet applied (forward only; a released migration is never
    /// edited, which sqlx checks by checksum).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        self.migrator().run(&self.pool).await.map_err(|e| match e {
            sqlx::migrate::MigrateError::Execute(e) => classify(e),
            other => StoreError::Database(format!("migrating the store: {other}")),
        })
    }

    /// A read-only store must already be migrated to this build's version.
    async fn check_migrated(&self) -> Result<(), StoreError> {
        let latest = self.migrator().iter().map(|m| m.version).max().unwrap_or(0);
        let applied: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(&self.pool)
                .await
                .map_err(classify)?;
        if applied != Some(latest) {
            return Err(StoreError::ReadOnly(format!(
                "the database is at migration {applied:?}, this build needs {latest}, and a \
                 read-only store cannot migrate"
            )));
        }
        Ok(())
    }

    /// Closes every connection (waits for running queries).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    async fn begin(&self) -> Result<WriteTx, StoreError> {
        let mut conn = self.pool.acquire().await.map_err(classify)?;
        let begin = match self.backend {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        };
        sqlx::raw_sql(begin)
            .execute(&mut *conn)
            .await
            .map_err(classify)?;
        Ok(WriteTx { conn, open: true })
    }
}

/// A database error as a store error: what the operator can act on.
fn classify(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            let message = db.message().to_owned();
            // SQLite's primary result code is the low byte of its extended code.
            let sqlite = code.parse::<i32>().ok().map(|c| c & 0xff);
            match (sqlite, code.as_str()) {
                (Some(8), _) | (_, "25006") => StoreError::ReadOnly(message),
                (Some(13), _) | (_, "53100") => StoreError::Full(message),
                (_, c) if c.starts_with("08") || c.starts_with("57P") => {
                    StoreError::Unavailable(message)
                }
                _ => StoreError::Database(message),
            }
        }
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_) => StoreError::Unavailable(e.to_string()),
        _ => {
            let text = e.to_string();
            if text.contains("disk is full") || text.contains("No space left") {
                StoreError::Full(text)
            } else if text.contains("readonly") || text.contains("read-only") {
                StoreError::ReadOnly(text)
            } else {
                StoreError::Database(text)
            }
        }
    }
}

/// A write transaction on a pooled connection, begun and ended with plain SQL. A transaction
/// that is not committed or rolled back (an error returned early, a cancelled future) closes its
/// connection instead of returning it to the pool, so the database rolls it back and no later
/// caller ever runs inside it. (sqlx's own `Transaction` counts its depth itself, and loses
/// count when SQLite rolls back on its own, e.g. on a full disk.)
struct WriteTx {
    conn: sqlx::pool::PoolConnection<sqlx::Any>,
    open: bool,
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &Self::Target {
        &self.conn
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.conn
    }
}

impl WriteTx {
    /// Commits. A connection lost during the commit leaves its outcome unknown, which the
    /// caller must not take for "nothing written" (a retry could store the event twice).
    async fn commit(mut self) -> Result<(), StoreError> {
        match sqlx::raw_sql("COMMIT").execute(&mut *self.conn).await {
            Ok(_) => {
                self.open = false;
                Ok(())
            }
            Err(e) => Err(match classify(e) {
                StoreError::Unavailable(message) => StoreError::Uncertain(message),
                other => other,
            }),
        }
    }

    /// Rolls back, keeping the connection when that works.
    async fn rollback(mut self) {
        if sqlx::raw_sql("ROLLBACK")
            .execute(&mut *self.conn)
            .await
            .is_ok()
        {
            self.open = false;
        }
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        if self.open {
            self.conn.close_on_drop();
        }
    }
}

fn micros(t: Timestamp) -> i64 {
    t.as_microsecond()
}

fn timestamp(us: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_microsecond(us)
        .map_err(|e| StoreError::Database(format!("a stored time {us} is out of range: {e}")))
}

fn seq_i64(seq: u64) -> Result<i64, StoreError> {
    i64::try_from(seq).map_err(|_| StoreError::Invalid(format!("sequence number {seq} too large")))
}

fn seq_u64(seq: i64) -> u64 {
    u64::try_from(seq).unwrap_or(0)
}

/// The actor id and role of an audit entry are checked like every actor id the engine takes.
fn check_audit(audit: &AuditEntry) -> Result<(), StoreError> {
    for (what, text) in [("actor id", &audit.actor), ("role", &audit.role)] {
        if let Some(problem) = crate::text::actor_id_problem(text) {
            return Err(StoreError::Invalid(format!(
                "the audit entry's {what} is refused: {problem}"
            )));
        }
    }
    if audit.route.is_empty() || audit.route.len() > 32 {
        return Err(StoreError::Invalid(
            "the audit entry's route must be a short name such as `cli`".to_owned(),
        ));
    }
    Ok(())
}

async fn insert_audit(
    conn: &mut sqlx::AnyConnection,
    audit: &AuditEntry,
) -> Result<(), StoreError> {
    check_audit(audit)?;
    let seq = audit.seq.map(seq_i64).transpose()?;
    sqlx::query(
        "INSERT INTO lots_audit (at_us, actor, role, operation, route, case_id, seq) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(micros(audit.at))
    .bind(&audit.actor)
    .bind(&audit.role)
    .bind(audit.operation.as_str())
    .bind(&audit.route)
    .bind(audit.case_id.as_deref())
    .bind(seq)
    .execute(conn)
    .await
    .map_err(classify)?;
    Ok(())
}

/// The catalog files as stored, and their hash.
fn catalog_files(sources: &[SourceFile]) -> Result<(String, String), StoreError> {
    let files: Vec<(&str, &str)> = sources.iter().map(|s| (s.name(), s.text())).collect();
    let json = serde_json::to_string(&files).map_err(|e| StoreError::Database(e.to_string()))?;
    Ok((crate::model::workflow::content_hash(&json), json))
}

fn outbox_entry(row: &AnyRow) -> Result<OutboxEntry, StoreError> {
    let body: String = row.try_get("body").map_err(classify)?;
    let action: Action = serde_json::from_str(&body)
        .map_err(|e| StoreError::Database(format!("a stored action cannot be read: {e}")))?;
    let until: Option<i64> = row.try_get("lease_until_us").map_err(classify)?;
    let attempts: i64 = row.try_get("attempts").map_err(classify)?;
    Ok(OutboxEntry {
        action,
        case_id: row.try_get("case_id").map_err(classify)?,
        attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
        lease_until: until.map(timestamp).transpose()?,
        lease_owner: row.try_get("lease_owner").map_err(classify)?,
    })
}

impl Store for SqlStore {
    async fn append(&self, append: Append<'_>) -> Result<u64, StoreError> {
        check_audit(append.audit)?;
        let Append {
            case_id,
            expected_seq,
            pin,
            events,
            actions,
            figures,
            audit,
        } = append;
        if let Some(problem) = crate::text::case_id_problem(case_id) {
            return Err(StoreError::Invalid(format!(
                "the case id is refused: {problem}"
            )));
        }
        for (i, e) in events.iter().enumerate() {
            if e.recorded.seq != expected_seq + 1 + i as u64 {
                return Err(StoreError::Invalid(format!(
                    "event {} of the append is numbered {}, expected {}",
                    i + 1,
                    e.recorded.seq,
                    expected_seq + 1 + i as u64
                )));
            }
        }
        let last = expected_seq + events.len() as u64;
        let now = micros(audit.at);
        let new_case = match (expected_seq, pin) {
            (0, None) => {
                return Err(StoreError::Invalid(format!(
                    "case `{case_id}` is new: its first append names the workflow version it is pinned to"
                )));
            }
            (0, Some(pin)) => Some(pin),
            _ => None,
        };
        let mut tx = self.begin().await?;
        if let Some(pin) = new_case {
            // The catalog files are kept once per workflow version (they are large; most cases
            // open on a version already kept).
            let kept: Option<i64> = sqlx::query_scalar(
                "SELECT version FROM lots_definitions WHERE workflow = $1 AND content_hash = $2",
            )
            .bind(&pin.workflow)
            .bind(&pin.content_hash)
            .fetch_optional(&mut *tx)
            .await
            .map_err(classify)?;
            if kept.is_none() {
                let (hash, files) = catalog_files(&pin.sources)?;
                sqlx::query(
                    "INSERT INTO lots_catalogs (hash, files, stored_us) VALUES ($1, $2, $3) \
                     ON CONFLICT (hash) DO NOTHING",
                )
                .bind(&hash)
                .bind(&files)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(classify)?;
                sqlx::query(
                    "INSERT INTO lots_definitions (workflow, content_hash, version, catalog_hash) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (workflow, content_hash) DO NOTHING",
                )
                .bind(&pin.workflow)
                .bind(&pin.content_hash)
                .bind(i64::from(pin.version))
                .bind(&hash)
                .execute(&mut *tx)
                .await
                .map_err(classify)?;
            }
            let inserted = sqlx::query(
                "INSERT INTO lots_cases \
                 (case_id, workflow, content_hash, unit, seq, opened_us, updated_us) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (case_id) DO NOTHING",
            )
            .bind(case_id)
            .bind(&pin.workflow)
            .bind(&pin.content_hash)
            .bind(&pin.unit)
            .bind(seq_i64(last)?)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(classify)?;
            if inserted.rows_affected() == 0 {
                let actual = current_seq(&mut tx, case_id).await?;
                tx.rollback().await;
                return Err(StoreError::Conflict {
                    case_id: case_id.to_owned(),
                    expected: 0,
                    actual,
                });
            }
        } else {
            let updated = sqlx::query(
                "UPDATE lots_cases SET seq = $1, updated_us = $2 WHERE case_id = $3 AND seq = $4",
            )
            .bind(seq_i64(last)?)
            .bind(now)
            .bind(case_id)
            .bind(seq_i64(expected_seq)?)
            .execute(&mut *tx)
            .await
            .map_err(classify)?;
            if updated.rows_affected() == 0 {
                let actual = current_seq(&mut tx, case_id).await?;
                tx.rollback().await;
                return Err(if actual == 0 {
                    StoreError::NotFound(case_id.to_owned())
                } else {
                    StoreError::Conflict {
                        case_id: case_id.to_owned(),
                        expected: expected_seq,
                        actual,
                    }
                });
            }
        }
        for e in events {
            let body = format::encode(&e.recorded).map_err(StoreError::Database)?;
            sqlx::query(
                "INSERT INTO lots_events \
                 (case_id, seq, format, happened_at, recorded_us, body) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(case_id)
            .bind(seq_i64(e.recorded.seq)?)
            .bind(i64::from(FORMAT_VERSION))
            .bind(e.recorded.at.to_string())
            .bind(micros(e.recorded_at))
            .bind(body)
            .execute(&mut *tx)
            .await
            .map_err(classify)?;
        }
        // The outbox rows in few statements (a statement is a round trip to the database), at
        // most 1,000 rows each (5,000 bound values: within both databases' limits).
        for actions in actions.chunks(1000) {
            let rows: Vec<String> = (0..actions.len())
                .map(|i| {
                    let n = 5 * i;
                    format!(
                        "(${}, ${}, ${}, ${}, ${})",
                        n + 1,
                        n + 2,
                        n + 3,
                        n + 4,
                        n + 5
                    )
                })
                .collect();
            let text = format!(
                "INSERT INTO lots_outbox (action_id, case_id, seq, body, created_us) VALUES {}",
                rows.join(", ")
            );
            // Only placeholders are formatted into the text; every value is bound.
            let mut insert = sqlx::query(sqlx::AssertSqlSafe(text));
            for a in actions {
                let body =
                    serde_json::to_string(a).map_err(|e| StoreError::Database(e.to_string()))?;
                insert = insert
                    .bind(a.id.clone())
                    .bind(case_id.to_owned())
                    .bind(seq_i64(a.seq)?)
                    .bind(body)
                    .bind(now);
            }
            insert.execute(&mut *tx).await.map_err(classify)?;
        }
        figures::write(&mut tx, case_id, figures).await?;
        let mut audit = audit.clone();
        audit.case_id = Some(case_id.to_owned());
        audit.seq = Some(last);
        insert_audit(&mut tx, &audit).await?;
        tx.commit().await?;
        Ok(last)
    }

    async fn load(
        &self,
        case_id: &str,
        audit: Option<&AuditEntry>,
    ) -> Result<Option<StoredCase>, StoreError> {
        let mut conn = self.pool.acquire().await.map_err(classify)?;
        let Some(head) = sqlx::query(
            "SELECT case_id, workflow, content_hash, unit, seq FROM lots_cases WHERE case_id = $1",
        )
        .bind(case_id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(classify)?
        else {
            return Ok(None);
        };
        let head = case_head(&head)?;
        let rows = sqlx::query(
            "SELECT seq, format, recorded_us, body FROM lots_events \
             WHERE case_id = $1 AND seq <= $2 ORDER BY seq",
        )
        .bind(case_id)
        .bind(seq_i64(head.seq)?)
        .fetch_all(&mut *conn)
        .await
        .map_err(classify)?;
        let mut events = Vec::with_capacity(rows.len());
        for row in &rows {
            let seq: i64 = row.try_get("seq").map_err(classify)?;
            let fmt: i64 = row.try_get("format").map_err(classify)?;
            let body: String = row.try_get("body").map_err(classify)?;
            let recorded = format::decode(fmt, &body).map_err(|message| StoreError::Format {
                case_id: case_id.to_owned(),
                seq: seq_u64(seq),
                message,
            })?;
            if recorded.seq != seq_u64(seq) {
                return Err(StoreError::Format {
                    case_id: case_id.to_owned(),
                    seq: seq_u64(seq),
                    message: format!("the event's body says it is event {}", recorded.seq),
                });
            }
            events.push(StoredEvent {
                recorded: Arc::new(recorded),
                recorded_at: timestamp(row.try_get("recorded_us").map_err(classify)?)?,
            });
        }
        if events.len() as u64 != head.seq {
            return Err(StoreError::Format {
                case_id: case_id.to_owned(),
                seq: events.len() as u64 + 1,
                message: format!(
                    "the case has {} stored events, its head says {}",
                    events.len(),
                    head.seq
                ),
            });
        }
        if let Some(audit) = audit {
            let mut audit = audit.clone();
            audit.case_id = Some(case_id.to_owned());
            audit.seq.get_or_insert(head.seq);
            insert_audit(&mut conn, &audit).await?;
        }
        Ok(Some(StoredCase { head, events }))
    }

    async fn cases(&self) -> Result<Vec<CaseHead>, StoreError> {
        let rows = sqlx::query(
            "SELECT case_id, workflow, content_hash, unit, seq FROM lots_cases ORDER BY case_id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(classify)?;
        rows.iter().map(case_head).collect()
    }

    async fn definition(
        &self,
        workflow: &str,
        content_hash: &str,
    ) -> Result<Option<Vec<SourceFile>>, StoreError> {
        let files: Option<String> = sqlx::query_scalar(
            "SELECT c.files FROM lots_definitions d JOIN lots_catalogs c ON c.hash = d.catalog_hash \
             WHERE d.workflow = $1 AND d.content_hash = $2",
        )
        .bind(workflow)
        .bind(content_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(classify)?;
        let Some(files) = files else {
            return Ok(None);
        };
        let files: Vec<(String, String)> = serde_json::from_str(&files)
            .map_err(|e| StoreError::Database(format!("stored catalog files: {e}")))?;
        Ok(Some(
            files
                .into_iter()
                .map(|(name, text)| SourceFile::new(name, text))
                .collect(),
        ))
    }

    async fn pending(&self, limit: u32) -> Result<Vec<OutboxEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT action_id, case_id, body, attempts, lease_owner, lease_until_us \
             FROM lots_outbox WHERE acked_us IS NULL ORDER BY ordinal LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(classify)?;
        rows.iter().map(outbox_entry).collect()
    }

    async fn claim(
        &self,
        owner: &str,
        now: Timestamp,
        until: Timestamp,
        limit: u32,
        audit: &AuditEntry,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        if let Some(problem) = crate::text::actor_id_problem(owner) {
            return Err(StoreError::Invalid(format!(
                "the lease owner is refused: {problem}"
            )));
        }
        let mut tx = self.begin().await?;
        // The outer conditions are checked again on each row as it is locked (PostgreSQL), so
        // two claimers racing for the same rows never both get one.
        let rows = sqlx::query(
            "UPDATE lots_outbox SET lease_owner = $1, lease_until_us = $2, attempts = attempts + 1 \
             WHERE acked_us IS NULL AND (lease_until_us IS NULL OR lease_until_us <= $3) \
             AND ordinal IN (SELECT ordinal FROM lots_outbox WHERE acked_us IS NULL \
               AND (lease_until_us IS NULL OR lease_until_us <= $3) ORDER BY ordinal LIMIT $4) \
             RETURNING ordinal, action_id, case_id, body, attempts, lease_owner, lease_until_us",
        )
        .bind(owner)
        .bind(micros(until))
        .bind(micros(now))
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await
        .map_err(classify)?;
        let mut claimed: Vec<(i64, OutboxEntry)> = Vec::with_capacity(rows.len());
        for row in &rows {
            claimed.push((
                row.try_get("ordinal").map_err(classify)?,
                outbox_entry(row)?,
            ));
        }
        claimed.sort_by_key(|(ordinal, _)| *ordinal);
        insert_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(claimed.into_iter().map(|(_, e)| e).collect())
    }

    async fn acknowledge(
        &self,
        action_id: &str,
        at: Timestamp,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let case_id: Option<String> = sqlx::query_scalar(
            "UPDATE lots_outbox SET acked_us = $1 WHERE action_id = $2 AND acked_us IS NULL \
             RETURNING case_id",
        )
        .bind(micros(at))
        .bind(action_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(classify)?;
        let Some(case_id) = case_id else {
            tx.rollback().await;
            return Ok(false);
        };
        let mut audit = audit.clone();
        audit.case_id = Some(case_id);
        insert_audit(&mut tx, &audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn record(&self, audit: &AuditEntry) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await.map_err(classify)?;
        insert_audit(&mut conn, audit).await
    }

    async fn figure_groups(&self, q: &FigureQuery<'_>) -> Result<Vec<FigureGroup>, StoreError> {
        let mut conn = self.pool.acquire().await.map_err(classify)?;
        figures::groups(&mut conn, q).await
    }

    async fn cases_without_figures(
        &self,
        workflow: &str,
        indicator: &str,
    ) -> Result<Vec<String>, StoreError> {
        sqlx::query_scalar(
            "SELECT case_id FROM lots_cases WHERE workflow = $1 AND NOT EXISTS \
             (SELECT 1 FROM lots_figures f WHERE f.case_id = lots_cases.case_id \
              AND f.indicator = $2) ORDER BY case_id",
        )
        .bind(workflow)
        .bind(indicator)
        .fetch_all(&self.pool)
        .await
        .map_err(classify)
    }

    async fn complete_figures(&self) -> Result<Vec<String>, StoreError> {
        sqlx::query_scalar("SELECT indicator FROM lots_figures_complete ORDER BY indicator")
            .fetch_all(&self.pool)
            .await
            .map_err(classify)
    }

    async fn mark_complete(&self, indicator: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO lots_figures_complete (indicator) VALUES ($1) \
             ON CONFLICT (indicator) DO NOTHING",
        )
        .bind(indicator)
        .execute(&self.pool)
        .await
        .map_err(classify)
        .map(|_| ())
    }

    async fn replace_figures(&self, case_id: &str, figures: &[Figure]) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        figures::write(&mut tx, case_id, figures).await?;
        tx.commit().await
    }

    async fn audit_log(&self, case_id: Option<&str>) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = match case_id {
            Some(id) => {
                sqlx::query(
                    "SELECT at_us, actor, role, operation, route, case_id, seq FROM lots_audit \
                     WHERE case_id = $1 ORDER BY ordinal",
                )
                .bind(id)
                .fetch_all(&self.pool)
                .await
            }
            None => {
                sqlx::query(
                    "SELECT at_us, actor, role, operation, route, case_id, seq FROM lots_audit \
                     ORDER BY ordinal",
                )
                .fetch_all(&self.pool)
                .await
            }
        }
        .map_err(classify)?;
        rows.iter()
            .map(|row| {
                let operation: String = row.try_get("operation").map_err(classify)?;
                let seq: Option<i64> = row.try_get("seq").map_err(classify)?;
                Ok(AuditEntry {
                    at: timestamp(row.try_get("at_us").map_err(classify)?)?,
                    actor: row.try_get("actor").map_err(classify)?,
                    role: row.try_get("role").map_err(classify)?,
                    operation: Operation::parse(&operation).ok_or_else(|| {
                        StoreError::Database(format!("unknown audit operation `{operation}`"))
                    })?,
                    route: row.try_get("route").map_err(classify)?,
                    case_id: row.try_get("case_id").map_err(classify)?,
                    seq: seq.map(seq_u64),
                })
            })
            .collect()
    }
}

fn case_head(row: &AnyRow) -> Result<CaseHead, StoreError> {
    let seq: i64 = row.try_get("seq").map_err(classify)?;
    Ok(CaseHead {
        case_id: row.try_get("case_id").map_err(classify)?,
        workflow: row.try_get("workflow").map_err(classify)?,
        content_hash: row.try_get("content_hash").map_err(classify)?,
        unit: row.try_get("unit").map_err(classify)?,
        seq: seq_u64(seq),
    })
}

async fn current_seq(conn: &mut sqlx::AnyConnection, case_id: &str) -> Result<u64, StoreError> {
    let seq: Option<i64> = sqlx::query_scalar("SELECT seq FROM lots_cases WHERE case_id = $1")
        .bind(case_id)
        .fetch_optional(conn)
        .await
        .map_err(classify)?;
    Ok(seq.map_or(0, seq_u64))
}
