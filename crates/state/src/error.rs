//! The state store's errors: one enum for both backends, each variant with a permanent code.
//!
//! Every `location` field holds a [`crate::StateLocation`] as it displays, so a PostgreSQL
//! password never reaches a message: the location's `Display` leaves it out.

use miette::Diagnostic;
use thiserror::Error;

#[derive(Debug, Error, Diagnostic)]
pub enum StateError {
    #[error("cannot use the state store at {location}: {source}")]
    #[diagnostic(code(tandem::state::io))]
    Io {
        location: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the state store at {location} is not a readable tandem store: {message}")]
    #[diagnostic(
        code(tandem::state::corrupt),
        help("restore it from a backup, or point `--state` at another path to start afresh")
    )]
    Database { location: String, message: String },
    #[error(
        "the state store at {location} was written by a newer tandem (schema {found}, this build knows {known})"
    )]
    #[diagnostic(
        code(tandem::state::newer_schema),
        help("upgrade tandem; this build will not downgrade a store")
    )]
    NewerSchema {
        location: String,
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
    Locked {
        /// The lock: `state.db.lock` beside a SQLite store, or a PostgreSQL store's location
        /// (shown without its password).
        path: String,
        /// Who holds it; for a PostgreSQL lease also its id and when it expires.
        holder: String,
    },
    #[error(
        "another apply still holds the state lock {location} ({holder}) after waiting {:.1} s",
        *waited_ms as f64 / 1000.0
    )]
    #[diagnostic(
        code(tandem::state::lock_timeout),
        help(
            "wait longer (`--lock-timeout`), or, if its holder died: a SQLite lock is already free once its holder exits; a PostgreSQL lease expires unless renewed, and `tandem state force-unlock LEASE` removes it at once"
        )
    )]
    LockTimeout {
        location: String,
        holder: String,
        /// How long this process waited for the lock.
        waited_ms: u64,
    },
    #[error("no conflict #{id} is open")]
    #[diagnostic(
        code(tandem::state::unknown_conflict),
        help("`tandem conflicts list` shows the open conflicts and their numbers")
    )]
    UnknownConflict { id: i64 },
    #[error("`{text}` is not a state store location: {reason}")]
    #[diagnostic(
        code(tandem::state::invalid_location),
        help(
            "give a SQLite file path, or `postgres://USER:PASSWORD@HOST:PORT/DATABASE?store=NAME` (optional `&schema=NAME`)"
        )
    )]
    InvalidLocation { text: String, reason: String },
    #[error("cannot connect to the PostgreSQL state store at {location}: {message}")]
    #[diagnostic(
        code(tandem::state::connect),
        help("check that the server runs and accepts this user, password and database")
    )]
    Connect { location: String, message: String },
    #[error("the connection to the PostgreSQL state store at {location} was lost: {message}")]
    #[diagnostic(
        code(tandem::state::connection_lost),
        help(
            "the open transaction was rolled back whole by the server; run again once the server is reachable (the store reconnects on its next use)"
        )
    )]
    ConnectionLost { location: String, message: String },
    #[error("the PostgreSQL state store at {location} refused a statement ({sqlstate}): {message}")]
    #[diagnostic(
        code(tandem::state::postgres),
        help("nothing of the failed transaction was kept; the SQLSTATE code names the cause")
    )]
    Postgres {
        location: String,
        /// The server's five-character SQLSTATE code, e.g. `42501` (insufficient privilege).
        sqlstate: String,
        message: String,
    },
    #[error(
        "the apply lease on {location} was lost (lease {lease_id}): another process took it or it was force-unlocked"
    )]
    #[diagnostic(
        code(tandem::state::lease_lost),
        help(
            "this run stopped writing state the moment it noticed; plan again, since another apply may have changed the store"
        )
    )]
    LeaseLost { location: String, lease_id: String },
    #[error("{location} holds no apply lease {lease_id}{}", current_note(current.as_deref()))]
    #[diagnostic(
        code(tandem::state::no_such_lease),
        help(
            "copy the lease id from the `locked` error; a SQLite lock cannot be forced: the kernel releases it when its holder exits"
        )
    )]
    NoSuchLease {
        location: String,
        lease_id: String,
        /// The lease held now, if any (its holder's description).
        current: Option<String>,
    },
    #[error(
        "will not migrate into {destination}: it already holds a store (serial {serial}, {rows} rows)"
    )]
    #[diagnostic(
        code(tandem::state::migrate_destination_not_empty),
        help("migrate into an empty store, or pass `--replace` to overwrite this one whole")
    )]
    MigrateDestinationNotEmpty {
        destination: String,
        serial: i64,
        rows: u64,
    },
    #[error(
        "the copy in {destination} does not match {source_location}: {what} (the destination was left as the copy wrote it)"
    )]
    #[diagnostic(
        code(tandem::state::migrate_verify_failed),
        help("keep using the source store; report this as a bug with both stores")
    )]
    MigrateVerifyFailed {
        source_location: String,
        destination: String,
        what: String,
    },
}

fn current_note(current: Option<&str>) -> String {
    match current {
        Some(holder) => format!(" (the lease held now: {holder})"),
        None => " (no lease is held)".to_string(),
    }
}
