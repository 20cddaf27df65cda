//! The PostgreSQL backend: many specs' stores in one database, each a `store_id`.
//!
//! The same tables and guarantees as SQLite's: the schema is versioned and migrated in one
//! transaction (serialised between processes by a transaction-scoped advisory lock), every
//! write transaction locks its store's row first (so writers of one store take turns, as
//! SQLite's single writer does) and commits together with the serial bump, and the snapshot is
//! read in one repeatable-read transaction. Every statement names its store, so two specs in
//! one database never see each other's rows.

mod bulk;
mod connection;
mod dump;
pub(crate) mod lease;
mod reads;
mod writer;

use std::sync::{Arc, Mutex, MutexGuard};

use crate::migrations::{STATE_SCHEMA_VERSION, postgres as migrations};
use crate::{PostgresLocation, StateError};
use connection::{Param, PgConnection, Statement, text};
pub(crate) use writer::PgWriter;

/// An open PostgreSQL store.
pub(crate) struct PgStore {
    location: PostgresLocation,
    /// Reconnected on the next use after the server or the network dropped it.
    connection: Mutex<PgConnection>,
    /// The lease this process holds on the store through [`PgStore::lock`], if any: every
    /// write transaction checks it is still held (see `lease`).
    held_lease: Arc<Mutex<Option<String>>>,
}

impl PgStore {
    pub(crate) fn open(location: &PostgresLocation) -> Result<PgStore, StateError> {
        let connection = PgConnection::connect(location)?;
        migrate_schema(&connection, location)?;
        let lineage = uuid::Uuid::new_v4().to_string();
        connection.run_one(Statement::count(
            sql(
                location,
                "INSERT INTO {s}.stores (store_id, lineage, seal_key) VALUES ($1, $2, $3) \
                 ON CONFLICT (store_id) DO NOTHING",
            ),
            vec![
                text(location.store()),
                Param::Text(lineage),
                Param::Text(crate::new_seal_key()),
            ],
        ))?;
        Ok(PgStore {
            location: location.clone(),
            connection: Mutex::new(connection),
            held_lease: Arc::new(Mutex::new(None)),
        })
    }

    pub(crate) fn location(&self) -> &PostgresLocation {
        &self.location
    }

    /// The store's record of the lease this process holds on it (shared with the lease).
    pub(crate) fn held_lease(&self) -> Arc<Mutex<Option<String>>> {
        Arc::clone(&self.held_lease)
    }

    /// The connection, reconnected first if the last one was lost.
    fn connection(&self) -> Result<MutexGuard<'_, PgConnection>, StateError> {
        let mut guard = self
            .connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if guard.is_closed() {
            *guard = PgConnection::connect(&self.location)?;
        }
        Ok(guard)
    }

    /// `template` with `{s}` replaced by this store's schema.
    fn sql(&self, template: &str) -> String {
        sql(&self.location, template)
    }

    fn store_param(&self) -> Param {
        text(self.location.store())
    }

    /// Runs `change` in one transaction; see [`crate::StateStore::write`].
    pub(crate) fn write<T, E>(
        &mut self,
        change: impl FnOnce(&mut crate::StateWriter<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StateError>,
    {
        let held_lease = self
            .held_lease
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        let connection = self.connection().map_err(E::from)?;
        let mut writer = crate::StateWriter::postgres(PgWriter::begin(
            &connection,
            &self.location,
            held_lease.as_deref(),
        ));
        let outcome = change(&mut writer);
        let Some(writer) = writer.into_postgres() else {
            unreachable!("a PostgreSQL store makes PostgreSQL writers")
        };
        match outcome {
            Ok(value) => {
                let mut writer = writer;
                writer.bump_serial().map_err(E::from)?;
                writer.commit().map_err(E::from)?;
                Ok(value)
            }
            Err(error) => {
                writer.rollback();
                Err(error)
            }
        }
    }
}

/// `template` with `{s}` replaced by `location`'s schema (validated to need no quoting).
fn sql(location: &PostgresLocation, template: &str) -> String {
    template.replace("{s}", location.schema())
}

/// Brings the schema to [`STATE_SCHEMA_VERSION`]: a read when it is there already, else one
/// transaction holding an advisory lock namespaced by the schema's name, so two processes
/// opening a new database at once migrate it once. The lock is transaction-scoped, so it works
/// behind a transaction-pooling PgBouncer.
fn migrate_schema(
    connection: &PgConnection,
    location: &PostgresLocation,
) -> Result<(), StateError> {
    let current = schema_version_of(connection, location)?;
    if current == STATE_SCHEMA_VERSION {
        return Ok(());
    }
    check_not_newer(location, current)?;
    let schema = location.schema();
    let outcome = (|| {
        connection.run(&[
            Statement::command("BEGIN"),
            Statement::rows(
                "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))".to_string(),
                vec![Param::Text(format!("tandem.migrate.{schema}"))],
            ),
        ])?;
        connection.batch(&format!(
            "CREATE SCHEMA IF NOT EXISTS {schema}; \
             CREATE TABLE IF NOT EXISTS {schema}.schema_migrations ( \
                 version integer PRIMARY KEY, \
                 applied_at timestamptz NOT NULL DEFAULT now())"
        ))?;
        // Another process may have migrated while this one waited for the lock.
        let current = schema_version_of(connection, location)?;
        check_not_newer(location, current)?;
        for (index, migration) in migrations::MIGRATIONS
            .iter()
            .enumerate()
            .skip(current as usize)
        {
            connection.batch(&migration.replace("{schema}", schema))?;
            connection.run_one(Statement::count(
                format!("INSERT INTO {schema}.schema_migrations (version) VALUES ($1::int4)"),
                vec![Param::Int(index as i64 + 1)],
            ))?;
        }
        connection.run_one(Statement::command("COMMIT"))?;
        Ok(())
    })();
    if outcome.is_err() {
        let _ = connection.run_one(Statement::command("ROLLBACK"));
    }
    outcome
}

fn check_not_newer(location: &PostgresLocation, found: i64) -> Result<(), StateError> {
    if found > STATE_SCHEMA_VERSION {
        return Err(StateError::NewerSchema {
            location: location.to_string(),
            found,
            known: STATE_SCHEMA_VERSION,
        });
    }
    Ok(())
}

/// The schema's version: 0 when the schema or its version table does not exist yet.
fn schema_version_of(
    connection: &PgConnection,
    location: &PostgresLocation,
) -> Result<i64, StateError> {
    let rows = connection
        .run_one(Statement::rows(
            "SELECT to_regclass($1) IS NOT NULL".to_string(),
            vec![Param::Text(format!(
                "{}.schema_migrations",
                location.schema()
            ))],
        ))?
        .into_rows();
    let exists: bool = rows
        .first()
        .and_then(|row| row.try_get(0).ok())
        .unwrap_or(false);
    if !exists {
        return Ok(0);
    }
    let rows = connection
        .run_one(Statement::rows(
            sql(
                location,
                "SELECT COALESCE(MAX(version), 0)::int8 FROM {s}.schema_migrations",
            ),
            Vec::new(),
        ))?
        .into_rows();
    rows.first()
        .and_then(|row| row.try_get::<_, i64>(0).ok())
        .ok_or_else(|| connection.protocol_error("schema_migrations answered no version"))
}
