//! The versioned schema of both backends, in one place: migration `i` of each dialect takes a
//! store from version `i` to `i + 1`, and both lists always have the same length, so a version
//! number means the same tables in SQLite and in PostgreSQL. Each migration runs inside one
//! transaction, so a store is never left half-migrated.
//!
//! Append only: a released migration is never edited, because stores in the wild have run it.
//! A new version adds one entry to both lists.

pub(crate) mod postgres;
pub(crate) mod sqlite;

/// The schema version of a store once every migration has run (both dialects).
pub const STATE_SCHEMA_VERSION: i64 = sqlite::MIGRATIONS.len() as i64;

const _: () = assert!(
    sqlite::MIGRATIONS.len() == postgres::MIGRATIONS.len(),
    "every schema version needs a migration in both dialects"
);
