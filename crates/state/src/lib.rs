//! state: the SQLite state store (links, merge bases, watermarks, journal, queues, audit).
//!
//! In: a path (`.tandem/state.db` beside the spec, or `--state PATH`). Out: a [`StateSnapshot`]
//! for the planner, and transactional writers for the runtime and the `errors` / `conflicts`
//! commands. The file is created with mode 0600, its schema is versioned (`PRAGMA
//! user_version`) and migrated in one transaction, every change commits atomically together
//! with a bump of the state serial, and an OS file lock keeps two applies from running at once.
//! Never: decides what to write (the planner does) or talks to a CRM.

mod cached;
mod lock;
mod migrations;
mod writer;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use miette::Diagnostic;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use tandem_ground::failure::RecordFailure;
use thiserror::Error;

use cached::{CachedStatements, STATEMENT_CACHE_CAPACITY};
pub use lock::ApplyLock;
pub use migrations::STATE_SCHEMA_VERSION;
pub use tandem_ground::sync_state::*;
pub use writer::{BaseEntries, StateWriter};

/// The default store location for a spec at `spec_path` (a file or a folder).
pub fn default_state_path(spec_path: &Path) -> PathBuf {
    let dir = if spec_path.is_dir() {
        spec_path.to_path_buf()
    } else {
        spec_path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    };
    dir.join(".tandem").join("state.db")
}

#[derive(Debug, Error, Diagnostic)]
pub enum StateError {
    #[error("cannot use the state store at {path}: {source}")]
    #[diagnostic(code(tandem::state::io))]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the state store at {path} is not a readable tandem store: {message}")]
    #[diagnostic(
        code(tandem::state::corrupt),
        help("restore it from a backup, or point `--state` at another path to start afresh")
    )]
    Database { path: String, message: String },
    #[error(
        "the state store at {path} was written by a newer tandem (schema {found}, this build knows {known})"
    )]
    #[diagnostic(
        code(tandem::state::newer_schema),
        help("upgrade tandem; this build will not downgrade a store")
    )]
    NewerSchema {
        path: String,
        found: i64,
        known: i64,
    },
    #[error("another apply holds the state lock {path} ({holder})")]
    #[diagnostic(
        code(tandem::state::locked),
        help(
            "wait for the other apply to finish; the lock is released when it exits, even if it crashes"
        )
    )]
    Locked { path: String, holder: String },
    #[error("no conflict #{id} is open")]
    #[diagnostic(
        code(tandem::state::unknown_conflict),
        help("`tandem conflicts list` shows the open conflicts and their numbers")
    )]
    UnknownConflict { id: i64 },
}

/// An open state store.
pub struct StateStore {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for StateStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StateStore({})", self.path.display())
    }
}

impl StateStore {
    /// Opens the store at `path`, creating it (and its folder) with owner-only permissions and
    /// migrating it to the current schema.
    pub fn open(path: &Path) -> Result<StateStore, StateError> {
        let io_error = |source| StateError::Io {
            path: path.display().to_string(),
            source,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(io_error)?;
        }
        // Create the file ourselves first so SQLite inherits mode 0600 (it copies the main
        // database's permissions onto its -wal and -shm files).
        drop(lock::open_private(path).map_err(io_error)?);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .map_err(io_error)?;
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        )
        .map_err(|e| db_error(path, e))?;
        Self::init(conn, path.to_path_buf())
    }

    /// An in-memory store, for tests and the planner benchmarks.
    pub fn open_in_memory() -> Result<StateStore, StateError> {
        let conn = Connection::open_in_memory().map_err(|e| db_error(Path::new(":memory:"), e))?;
        Self::init(conn, PathBuf::from(":memory:"))
    }

    fn init(mut conn: Connection, path: PathBuf) -> Result<StateStore, StateError> {
        let to_err = |e| db_error(&path, e);
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(to_err)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE_CAPACITY);
        // WAL keeps readers (plan) unblocked by a writer (apply); FULL sync makes every commit
        // durable before the next CRM write is sent.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(to_err)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(to_err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(to_err)?;
        migrate(&mut conn, &path)?;
        // The key saved plans are sealed with: made once, kept with the store.
        conn.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('plan_seal_key', ?1)",
            params![format!(
                "{}{}",
                uuid::Uuid::new_v4().simple(),
                uuid::Uuid::new_v4().simple()
            )],
        )
        .map_err(to_err)?;
        Ok(StateStore { conn, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Takes the apply lock (`state.db.lock` beside the store). In-memory stores lock nothing.
    pub fn lock(&self) -> Result<Option<ApplyLock>, StateError> {
        if self.path == Path::new(":memory:") {
            return Ok(None);
        }
        let mut lock_path = self.path.clone().into_os_string();
        lock_path.push(".lock");
        ApplyLock::acquire(Path::new(&lock_path)).map(Some)
    }

    /// The schema version the store is at (always [`STATE_SCHEMA_VERSION`] once open).
    pub fn schema_version(&self) -> Result<i64, StateError> {
        self.conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(|e| db_error(&self.path, e))
    }

    pub fn serial(&self) -> Result<i64, StateError> {
        Ok(self
            .meta("serial")?
            .and_then(|s| s.parse().ok())
            .unwrap_or(0))
    }

    pub fn lineage(&self) -> Result<String, StateError> {
        Ok(self.meta("lineage")?.unwrap_or_default())
    }

    /// The key Plans made against this store are sealed with.
    pub fn seal_key(&self) -> Result<SealKey, StateError> {
        Ok(SealKey(self.meta("plan_seal_key")?.unwrap_or_default()))
    }

    fn meta(&self, key: &str) -> Result<Option<String>, StateError> {
        self.conn
            .query_row_cached("SELECT value FROM meta WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()
            .map_err(|e| db_error(&self.path, e))
    }

    /// Runs a parameterless SELECT and maps every row; failures name the state file.
    fn select_rows<T>(
        &self,
        sql: &str,
        map_row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, StateError> {
        let to_err = |e| db_error(&self.path, e);
        let mut statement = self.conn.prepare(sql).map_err(to_err)?;
        let rows = statement.query_map([], map_row).map_err(to_err)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(to_err)
    }

    /// Reads everything the planner needs, as plain values, in a defined order.
    pub fn snapshot(&self) -> Result<StateSnapshot, StateError> {
        let mut snapshot = StateSnapshot {
            serial: self.serial()?,
            lineage: self.lineage()?,
            seal_key: self.seal_key()?,
            ..StateSnapshot::default()
        };
        let rows = self.select_rows(
            "SELECT sync, hs_id, sf_id, base FROM links ORDER BY sync, hs_id",
            |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                ))
            },
        )?;
        for row in rows {
            let (sync, hs_id, sf_id, base) = row;
            let base = serde_json::from_str(&base).map_err(|e| StateError::Database {
                path: self.path.display().to_string(),
                message: format!("merge base of link {hs_id} <-> {sf_id} is not JSON: {e}"),
            })?;
            snapshot
                .links
                .entry(sync)
                .or_default()
                .push(Link { hs_id, sf_id, base });
        }
        for conflict in self.conflicts(true)? {
            snapshot
                .conflicts
                .entry(conflict.sync.clone())
                .or_default()
                .push(conflict);
        }
        for error in self.queued_errors()? {
            snapshot
                .errors
                .entry(error.sync.clone())
                .or_default()
                .push(error);
        }
        let rows = self.select_rows(
            "SELECT sync, side, value FROM watermarks ORDER BY sync, side",
            |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                ))
            },
        )?;
        for row in rows {
            let (sync, side, value) = row;
            snapshot
                .watermarks
                .entry(sync)
                .or_default()
                .insert(side, value);
        }
        for pending in self.pending_creates()? {
            snapshot
                .pending_creates
                .entry(pending.0)
                .or_default()
                .push(pending.1);
        }
        Ok(snapshot)
    }

    /// Conflicts not yet settled: open ones, plus (with `include_resolved`) ones a human
    /// resolved that the next apply has not written yet.
    pub fn conflicts(&self, include_resolved: bool) -> Result<Vec<OpenConflict>, StateError> {
        let sql = if include_resolved {
            "SELECT id, sync, hs_id, sf_id, field, hs_value, sf_value, base, resolution FROM conflicts \
             WHERE status IN ('open', 'resolved') ORDER BY id"
        } else {
            "SELECT id, sync, hs_id, sf_id, field, hs_value, sf_value, base, resolution FROM conflicts \
             WHERE status = 'open' ORDER BY id"
        };
        let rows = self.select_rows(sql, |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, String>(4)?,
                row.get::<_, String>(5)?,
                row.get::<_, String>(6)?,
                row.get::<_, Option<String>>(7)?,
                row.get::<_, Option<String>>(8)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, sync, hs_id, sf_id, field, hs_value, sf_value, base, resolution) = row;
            out.push(OpenConflict {
                id,
                sync,
                hs_id,
                sf_id,
                field,
                hs_value: parse_json(&hs_value),
                sf_value: parse_json(&sf_value),
                base: base.and_then(|b| serde_json::from_str(&b).ok()),
                resolution,
            });
        }
        Ok(out)
    }

    pub fn queued_errors(&self) -> Result<Vec<QueuedError>, StateError> {
        self.select_rows(
            "SELECT id, sync, target, source_id, reason, fingerprint, attempts, retry_requested \
                 FROM error_queue ORDER BY id",
            |row| {
                Ok(QueuedError {
                    id: row.get(0)?,
                    sync: row.get(1)?,
                    target: row.get(2)?,
                    source_id: row.get(3)?,
                    reason: RecordFailure::from_stored(&row.get::<_, String>(4)?),
                    fingerprint: row.get(5)?,
                    attempts: row.get(6)?,
                    retry_requested: row.get::<_, i64>(7)? != 0,
                })
            },
        )
    }

    /// Journal entries whose outcome is unknown: written before a crash, never confirmed.
    pub fn pending_journal(&self) -> Result<Vec<JournalEntry>, StateError> {
        self.journal_where("status = 'pending'")
    }

    /// Pending creates with their sync, oldest first.
    fn pending_creates(&self) -> Result<Vec<(String, PendingCreate)>, StateError> {
        let rows = self.select_rows(
            "SELECT id, sync, target, record_key, payload, created_at FROM journal \
             WHERE status = 'pending' AND action = 'create' ORDER BY id",
            |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, String>(5)?,
                ))
            },
        )?;
        Ok(rows
            .into_iter()
            .map(|(journal_id, sync, target, source_id, payload, sent_at)| {
                // The plain fields sent: what recovery compares with the records it finds.
                let payload =
                    tandem_ground::record_write::RecordWrite::from_journal(&parse_json(&payload))
                        .fields;
                let pending = PendingCreate {
                    journal_id,
                    target,
                    source_id,
                    payload,
                    sent_at,
                };
                (sync, pending)
            })
            .collect())
    }

    pub fn journal(&self) -> Result<Vec<JournalEntry>, StateError> {
        self.journal_where("1 = 1")
    }

    fn journal_where(&self, condition: &str) -> Result<Vec<JournalEntry>, StateError> {
        let sql = format!(
            "SELECT id, run_id, sync, action, target, record_key, payload, status FROM journal \
             WHERE {condition} ORDER BY id"
        );
        self.select_rows(&sql, |row| {
            Ok(JournalEntry {
                id: row.get(0)?,
                run_id: row.get(1)?,
                sync: row.get(2)?,
                action: row.get(3)?,
                target: row.get(4)?,
                record_key: row.get(5)?,
                payload: parse_json(&row.get::<_, String>(6)?),
                status: row.get(7)?,
            })
        })
    }

    /// The audit log, oldest first.
    pub fn audit_log(&self) -> Result<Vec<AuditEntry>, StateError> {
        self.select_rows("SELECT at, run_id, sync, target, record_id, action, field, old, new FROM audit ORDER BY id", |row| {
                Ok(AuditEntry {
                    at: row.get(0)?,
                    run_id: row.get(1)?,
                    sync: row.get(2)?,
                    target: row.get(3)?,
                    record_id: row.get(4)?,
                    action: row.get(5)?,
                    field: row.get(6)?,
                    old: parse_json(&row.get::<_, String>(7)?),
                    new: parse_json(&row.get::<_, String>(8)?),
                })
            })
    }

    /// Runs `change` in one transaction. When it returns `Ok` the serial is bumped and
    /// everything commits together; on `Err` (or a crash) nothing it wrote survives.
    pub fn write<T, E>(
        &mut self,
        change: impl FnOnce(&mut StateWriter<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StateError>,
    {
        let path = self.path.clone();
        let transaction = self
            .conn
            .transaction()
            .map_err(|e| E::from(db_error(&path, e)))?;
        let mut writer = StateWriter::new(&transaction, &path);
        let value = change(&mut writer)?;
        writer.bump_serial().map_err(E::from)?;
        transaction
            .commit()
            .map_err(|e| E::from(db_error(&path, e)))?;
        Ok(value)
    }

    /// The partner of `id` (a record on `side`, `hs` or `sf`) in `sync`, if linked.
    pub fn partner(&self, sync: &str, side: &str, id: &str) -> Result<Option<String>, StateError> {
        let sql = if side == "hs" {
            "SELECT sf_id FROM links WHERE sync = ?1 AND hs_id = ?2"
        } else {
            "SELECT hs_id FROM links WHERE sync = ?1 AND sf_id = ?2"
        };
        self.conn
            .query_row_cached(sql, params![sync, id], |row| row.get(0))
            .optional()
            .map_err(|e| db_error(&self.path, e))
    }

    /// Counts of what the store holds, for summaries and tests.
    pub fn counts(&self) -> Result<BTreeMap<&'static str, i64>, StateError> {
        let mut out = BTreeMap::new();
        for (name, sql) in [
            ("links", "SELECT COUNT(*) FROM links"),
            (
                "journal_pending",
                "SELECT COUNT(*) FROM journal WHERE status = 'pending'",
            ),
            ("errors", "SELECT COUNT(*) FROM error_queue"),
            (
                "conflicts_open",
                "SELECT COUNT(*) FROM conflicts WHERE status = 'open'",
            ),
            ("audit", "SELECT COUNT(*) FROM audit"),
        ] {
            let count: i64 = self
                .conn
                .query_row(sql, [], |row| row.get(0))
                .map_err(|e| db_error(&self.path, e))?;
            out.insert(name, count);
        }
        Ok(out)
    }
}

fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StateError> {
    let to_err = |e| db_error(path, e);
    let current: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(to_err)?;
    if current > STATE_SCHEMA_VERSION {
        return Err(StateError::NewerSchema {
            path: path.display().to_string(),
            found: current,
            known: STATE_SCHEMA_VERSION,
        });
    }
    if current == STATE_SCHEMA_VERSION {
        return Ok(());
    }
    let transaction = conn.transaction().map_err(to_err)?;
    for (index, sql) in migrations::MIGRATIONS
        .iter()
        .enumerate()
        .skip(current as usize)
    {
        transaction.execute_batch(sql).map_err(to_err)?;
        if index == 0 {
            transaction
                .execute(
                    "INSERT INTO meta (key, value) VALUES ('serial', '0'), ('lineage', ?1)",
                    params![uuid::Uuid::new_v4().to_string()],
                )
                .map_err(to_err)?;
        }
    }
    transaction
        .pragma_update(None, "user_version", STATE_SCHEMA_VERSION)
        .map_err(to_err)?;
    transaction.commit().map_err(to_err)
}

pub(crate) fn db_error(path: &Path, error: rusqlite::Error) -> StateError {
    StateError::Database {
        path: path.display().to_string(),
        message: error.to_string(),
    }
}

fn parse_json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or(serde_json::Value::Null)
}

/// The current time as RFC 3339 (UTC, seconds): the store's timestamps.
pub(crate) fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
