//! state: the state store (links, merge bases, watermarks, journal, queues, audit), in a
//! SQLite file or in a PostgreSQL database shared by a team.
//!
//! In: a [`StateLocation`] (`.tandem/state.db` beside the spec, or `--state PATH`, or
//! `--state postgres://…?store=NAME`). Out: a [`StateSnapshot`] for the planner, and
//! transactional writers for the runtime and the `errors` / `conflicts` commands. Both backends
//! keep the same guarantees: the schema is versioned and migrated in one transaction, every
//! change commits atomically together with a bump of the state serial, and an apply lock
//! ([`StateStore::lock_with`]) keeps two applies from running at once. [`migrate`] copies a
//! store between backends. Never: decides what to write (the planner does) or talks to a CRM.
//!
//! | backend    | one store is        | apply lock                     | see          |
//! |------------|---------------------|--------------------------------|--------------|
//! | SQLite     | a file (mode 0600)  | OS file lock, dies with holder | `sqlite/`    |
//! | PostgreSQL | a `store_id`        | renewed lease row              | `postgres/`  |

mod dump;
mod error;
mod location;
mod lock;
mod migrate;
mod migrations;
mod postgres;
mod sqlite;
mod writer;

use std::collections::BTreeMap;
use std::path::Path;

pub use dump::{
    AuditRow, ConflictRow, ErrorRow, JournalRow, LastIds, LinkRow, RunRow, StoreDump, WatermarkRow,
};
pub use error::StateError;
pub use location::{AsStateLocation, DEFAULT_POSTGRES_SCHEMA, PostgresLocation, StateLocation};
pub use lock::{ApplyLock, DEFAULT_LEASE, LockOptions};
pub use migrate::{MigrateOptions, MigrateReport, migrate};
pub use migrations::STATE_SCHEMA_VERSION;
pub use tandem_ground::sync_state::*;
pub use writer::{BaseEntries, StateWriter};

use lock::HeldLock;
use postgres::PgStore;
use sqlite::SqliteStore;

/// The default store location for a spec at `spec_path` (a file or a folder).
pub fn default_state_path(spec_path: &Path) -> std::path::PathBuf {
    let dir = if spec_path.is_dir() {
        spec_path.to_path_buf()
    } else {
        spec_path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| std::path::PathBuf::from("."))
    };
    dir.join(".tandem").join("state.db")
}

/// An open state store.
pub struct StateStore {
    location: StateLocation,
    backend: Backend,
}

enum Backend {
    Sqlite(SqliteStore),
    // Boxed: a PostgreSQL store holds its location and connection, three times a SQLite one.
    Postgres(Box<PgStore>),
}

impl std::fmt::Debug for StateStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The location displays without its password.
        write!(f, "StateStore({})", self.location)
    }
}

/// Calls the same method on whichever backend the store uses.
macro_rules! each_backend {
    ($self:ident, $store:ident => $call:expr) => {
        match &$self.backend {
            Backend::Sqlite($store) => $call,
            Backend::Postgres($store) => $call,
        }
    };
}

impl StateStore {
    /// Opens the store at `location` (a path opens a SQLite file), creating and migrating it
    /// to the current schema: a SQLite file and its folder with owner-only permissions, a
    /// PostgreSQL store as a row in its schema's `stores` (and the schema, the first time).
    pub fn open<L: AsStateLocation + ?Sized>(location: &L) -> Result<StateStore, StateError> {
        let location = location.as_state_location();
        let backend = match &location {
            StateLocation::Sqlite(path) => Backend::Sqlite(SqliteStore::open(path)?),
            StateLocation::Memory => Backend::Sqlite(SqliteStore::open_in_memory()?),
            StateLocation::Postgres(postgres) => {
                Backend::Postgres(Box::new(PgStore::open(postgres)?))
            }
        };
        Ok(StateStore { location, backend })
    }

    /// An in-memory SQLite store, for tests and the planner benchmarks.
    pub fn open_in_memory() -> Result<StateStore, StateError> {
        StateStore::open(&StateLocation::Memory)
    }

    pub fn location(&self) -> &StateLocation {
        &self.location
    }

    /// Takes the apply lock, failing at once when another apply holds it. In-memory stores
    /// lock nothing (`None`).
    pub fn lock(&self) -> Result<Option<ApplyLock>, StateError> {
        self.lock_with(LockOptions::default())
    }

    /// Takes the apply lock, waiting up to `options.wait` for another holder; the error after
    /// that names the holder. SQLite: `state.db.lock` beside the store. PostgreSQL: the
    /// store's lease, renewed by a thread of this process until the lock is dropped, and
    /// checked by every write transaction of this store while it is held.
    pub fn lock_with(&self, options: LockOptions) -> Result<Option<ApplyLock>, StateError> {
        match &self.backend {
            Backend::Sqlite(store) => Ok(store.lock(options.wait)?.map(|file| ApplyLock {
                held: HeldLock::File(file),
            })),
            Backend::Postgres(store) => {
                let lease =
                    postgres::lease::Lease::acquire(store.location(), options, store.held_lease())?;
                Ok(Some(ApplyLock {
                    held: HeldLock::Lease(lease),
                }))
            }
        }
    }

    /// Removes the apply lease `lease_id` (from the `locked` error) whose holder died, and
    /// returns who held it. A SQLite lock cannot be stale (the kernel releases it when its
    /// holder exits), so on SQLite this always fails with `NoSuchLease`, naming the live
    /// holder if there is one.
    pub fn force_unlock(&self, lease_id: &str) -> Result<String, StateError> {
        match &self.backend {
            Backend::Sqlite(store) => store.force_unlock(lease_id),
            Backend::Postgres(store) => postgres::lease::force_unlock(store.location(), lease_id),
        }
    }

    /// The schema version the store is at (always [`STATE_SCHEMA_VERSION`] once open).
    pub fn schema_version(&self) -> Result<i64, StateError> {
        each_backend!(self, store => store.schema_version())
    }

    pub fn serial(&self) -> Result<i64, StateError> {
        each_backend!(self, store => store.serial())
    }

    pub fn lineage(&self) -> Result<String, StateError> {
        each_backend!(self, store => store.lineage())
    }

    /// The key Plans made against this store are sealed with (never shown; `migrate` keeps it,
    /// so a saved plan stays valid against the copy).
    pub fn seal_key(&self) -> Result<SealKey, StateError> {
        each_backend!(self, store => store.seal_key())
    }

    /// Reads everything the planner needs, as plain values, in a defined order.
    pub fn snapshot(&self) -> Result<StateSnapshot, StateError> {
        each_backend!(self, store => store.snapshot())
    }

    /// Conflicts not yet settled: open ones, plus (with `include_resolved`) ones a human
    /// resolved that the next apply has not written yet.
    pub fn conflicts(&self, include_resolved: bool) -> Result<Vec<OpenConflict>, StateError> {
        each_backend!(self, store => store.conflicts(include_resolved))
    }

    pub fn queued_errors(&self) -> Result<Vec<QueuedError>, StateError> {
        each_backend!(self, store => store.queued_errors())
    }

    /// Journal entries whose outcome is unknown: written before a crash, never confirmed.
    pub fn pending_journal(&self) -> Result<Vec<JournalEntry>, StateError> {
        each_backend!(self, store => store.pending_journal())
    }

    pub fn journal(&self) -> Result<Vec<JournalEntry>, StateError> {
        each_backend!(self, store => store.journal())
    }

    /// The audit log, oldest first.
    pub fn audit_log(&self) -> Result<Vec<AuditEntry>, StateError> {
        each_backend!(self, store => store.audit_log())
    }

    /// The partner of `id` (a record on `side`, `hs` or `sf`) in `sync`, if linked.
    pub fn partner(&self, sync: &str, side: &str, id: &str) -> Result<Option<String>, StateError> {
        each_backend!(self, store => store.partner(sync, side, id))
    }

    /// Counts of what the store holds, for summaries and tests.
    pub fn counts(&self) -> Result<BTreeMap<&'static str, i64>, StateError> {
        each_backend!(self, store => store.counts())
    }

    /// Every row of the store, for `migrate` and for comparing two stores.
    pub fn export(&self) -> Result<StoreDump, StateError> {
        each_backend!(self, store => store.export())
    }

    /// Runs `change` in one transaction. When it returns `Ok` the serial is bumped and
    /// everything commits together; on `Err` (or a crash, or a lost connection) nothing it
    /// wrote survives.
    pub fn write<T, E>(
        &mut self,
        change: impl FnOnce(&mut StateWriter<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StateError>,
    {
        match &mut self.backend {
            Backend::Sqlite(store) => store.write(change),
            Backend::Postgres(store) => store.write(change),
        }
    }

    /// Replaces the whole store with `dump` in one transaction (serial, lineage and ids as
    /// they are in it); refuses a store that holds anything unless `replace`.
    pub(crate) fn import(&mut self, dump: &StoreDump, replace: bool) -> Result<(), StateError> {
        match &mut self.backend {
            Backend::Sqlite(store) => store.import(dump, replace),
            Backend::Postgres(store) => store.import(dump, replace),
        }
    }
}

/// A fresh key for sealing the Plans made against a new store.
pub(crate) fn new_seal_key() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// The current time as RFC 3339 (UTC, seconds): the store's timestamps.
pub(crate) fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
