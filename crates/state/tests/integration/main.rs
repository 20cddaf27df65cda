//! The state store's tests, in one binary. `store_suite` runs every case against both
//! backends (the same assertions); the `postgres_*` modules test what only PostgreSQL has.
//!
//! The PostgreSQL cases need a server: `TANDEM_TEST_POSTGRES_URL` names it (`.ci/run` installs
//! and starts one, and `eval "$(.ci/start-postgres)"` does the same on a developer's machine).
//! Unset, those cases fail and say so: a green run always means they ran.

mod support;

mod error_codes;
mod locations;
mod migrate_between_backends;
mod postgres_connection;
mod postgres_locking;
mod postgres_namespaces;
mod sqlite_files;
mod store_suite;
