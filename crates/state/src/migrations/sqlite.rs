//! The SQLite schema, one migration per version; `PRAGMA user_version` records how many ran.
//!
//! Append only: a released migration is never edited, because stores in the wild have run it.

/// Migration `i` takes a SQLite store from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 0 -> 1: the first layout.
    r#"
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    -- One row per linked pair. `base` is the JSON merge base: field key -> {hs, sf}.
    CREATE TABLE links (
        sync       TEXT NOT NULL,
        hs_id      TEXT NOT NULL,
        sf_id      TEXT NOT NULL,
        base       TEXT NOT NULL DEFAULT '{}',
        linked_at  TEXT NOT NULL,
        PRIMARY KEY (sync, hs_id),
        UNIQUE (sync, sf_id)
    );
    CREATE TABLE watermarks (
        sync   TEXT NOT NULL,
        side   TEXT NOT NULL,
        value  TEXT NOT NULL,
        PRIMARY KEY (sync, side)
    );
    CREATE TABLE journal (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id      TEXT NOT NULL,
        sync        TEXT NOT NULL,
        action      TEXT NOT NULL,
        target      TEXT NOT NULL,
        record_key  TEXT NOT NULL,
        payload     TEXT NOT NULL,
        status      TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL
    );
    CREATE INDEX journal_status ON journal (status);
    CREATE TABLE error_queue (
        id               INTEGER PRIMARY KEY AUTOINCREMENT,
        sync             TEXT NOT NULL,
        target           TEXT NOT NULL,
        source_id        TEXT NOT NULL,
        reason           TEXT NOT NULL,
        fingerprint      TEXT NOT NULL,
        attempts         INTEGER NOT NULL DEFAULT 1,
        retry_requested  INTEGER NOT NULL DEFAULT 0,
        first_seen       TEXT NOT NULL,
        last_seen        TEXT NOT NULL,
        UNIQUE (sync, target, source_id)
    );
    CREATE TABLE conflicts (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        sync        TEXT NOT NULL,
        hs_id       TEXT NOT NULL,
        sf_id       TEXT NOT NULL,
        field       TEXT NOT NULL,
        hs_value    TEXT NOT NULL,
        sf_value    TEXT NOT NULL,
        base        TEXT,
        status      TEXT NOT NULL,
        resolution  TEXT,
        created_at  TEXT NOT NULL,
        resolved_at TEXT
    );
    CREATE UNIQUE INDEX conflicts_open ON conflicts (sync, hs_id, field) WHERE status = 'open';
    CREATE TABLE audit (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        at         TEXT NOT NULL,
        run_id     TEXT NOT NULL,
        sync       TEXT NOT NULL,
        target     TEXT NOT NULL,
        record_id  TEXT NOT NULL,
        action     TEXT NOT NULL,
        field      TEXT NOT NULL,
        old        TEXT NOT NULL,
        new        TEXT NOT NULL
    );
    CREATE TABLE runs (
        run_id       TEXT PRIMARY KEY,
        started_at   TEXT NOT NULL,
        finished_at  TEXT,
        plan_digest  TEXT NOT NULL,
        status       TEXT NOT NULL,
        summary      TEXT
    );
    "#,
];
