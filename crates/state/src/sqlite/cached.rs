//! Runs the state store's statements through the connection's prepared-statement cache.
//!
//! Apply writes a few rows per record (journal intent and outcome, link, merge base, audit,
//! error queue), each with one of a small fixed set of statements. `Connection::execute`
//! parses its SQL again on every call, which was most of apply's CPU time; a cached statement
//! is parsed once per connection and only rebound after that.

use rusqlite::{CachedStatement, Connection, Params, Row};

/// How many prepared statements a connection keeps. The store uses about twenty-five distinct
/// statements, so every one of them stays cached (rusqlite's default keeps 16, which the
/// writer's statements would cycle through and evict).
pub(super) const STATEMENT_CACHE_CAPACITY: usize = 64;

/// `execute` and `query_row` with the same signatures as [`Connection`]'s, through its cache.
/// A [`rusqlite::Transaction`] derefs to its connection, so writers call these on it too.
pub(super) trait CachedStatements {
    fn cached(&self, sql: &str) -> rusqlite::Result<CachedStatement<'_>>;

    fn execute_cached<P: Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.cached(sql)?.execute(params)
    }

    fn query_row_cached<T, P, F>(&self, sql: &str, params: P, read_row: F) -> rusqlite::Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    {
        self.cached(sql)?.query_row(params, read_row)
    }
}

impl CachedStatements for Connection {
    fn cached(&self, sql: &str) -> rusqlite::Result<CachedStatement<'_>> {
        self.prepare_cached(sql)
    }
}
