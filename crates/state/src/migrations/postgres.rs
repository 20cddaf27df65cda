//! The PostgreSQL schema, one migration per version, recorded in `SCHEMA.schema_migrations`.
//!
//! The same tables as SQLite's, in PostgreSQL types (jsonb for JSON, timestamptz for times,
//! bigint ids, boolean flags), with two differences that follow from many specs sharing one
//! database: every table's key starts with `store_id` (a spec's store; see `docs/state.md` for
//! why a column and not a schema per spec), and SQLite's `meta` rows are the typed columns of
//! `stores`, which also holds each table's last id, so ids count from 1 per store and are never
//! reused, as SQLite's AUTOINCREMENT does. `leases` holds the apply locks.
//!
//! `{schema}` stands for the configured schema name (validated to need no quoting).
//! Append only: a released migration is never edited, because stores in the wild have run it.

/// Migration `i` takes a PostgreSQL schema from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 0 -> 1: the first layout.
    r#"
    CREATE TABLE {schema}.stores (
        store_id          text PRIMARY KEY,
        lineage           text NOT NULL,
        -- The key saved plans are sealed with (SQLite: meta `plan_seal_key`). Never shown.
        seal_key          text NOT NULL,
        serial            bigint NOT NULL DEFAULT 0,
        created_at        timestamptz NOT NULL DEFAULT now(),
        last_journal_id   bigint NOT NULL DEFAULT 0,
        last_error_id     bigint NOT NULL DEFAULT 0,
        last_conflict_id  bigint NOT NULL DEFAULT 0,
        last_audit_id     bigint NOT NULL DEFAULT 0
    );
    -- One row per linked pair. `base` is the merge base: field key -> {hs, sf}.
    CREATE TABLE {schema}.links (
        store_id   text NOT NULL REFERENCES {schema}.stores ON DELETE CASCADE,
        sync       text NOT NULL,
        hs_id      text NOT NULL,
        sf_id      text NOT NULL,
        base       jsonb NOT NULL DEFAULT '{}',
        linked_at  timestamptz NOT NULL,
        PRIMARY KEY (store_id, sync, hs_id),
        UNIQUE (store_id, sync, sf_id)
    );
    CREATE TABLE {schema}.watermarks (
        store_id  text NOT NULL REFERENCES {schema}.stores ON DELETE CASCADE,
        sync      text NOT NULL,
        side      text NOT NULL,
        value     text NOT NULL,
        PRIMARY KEY (store_id, sync, side)
    );
    CREATE TABLE {schema}.journal (
        store_id    text NOT NULL REFERENCES {schema}.stores ON DELETE CASCADE,
        id          bigint NOT NULL,
        run_id      text NOT NULL,
        sync        text NOT NULL,
        action      text NOT NULL,
        target      text NOT NULL,
        record_key  text NOT NULL,
        payload     jsonb NOT NULL,
        status      text NOT NULL,
        created_at  timestamptz NOT NULL,
        updated_at  timestamptz NOT NULL,
        PRIMARY KEY (store_id, id)
    );
    CREATE INDEX journal_status ON {schema}.journal (store_id, status);
    CREATE TABLE {schema}.error_queue (
        store_id         text NOT NULL REFERENCES {schema}.stores ON DELETE CASCADE,
        id               bigint NOT NULL,
        sync             text NOT NULL,
        target           text NOT NULL,
        source_id        text NOT NULL,
        reason           text NOT NULL,
        fingerprint      text NOT NULL,
        attempts         bigint NOT NULL DEFAULT 1,
        retry_requested  boolean NOT NULL DEFAULT false,
        first_seen       timestamptz NOT NULL,
        last_seen        timestamptz NOT NULL,
        PRIMARY KEY (store_id, id),
        UNIQUE (store_id, sync, target, source_id)
    );
    CREATE TABLE {schema}.conflicts (
        store_id     text NOT NULL REFERENCES {schema}.stores ON DELETE CASCADE,
        id           bigint NOT NULL,
        sync         text NOT NULL,
        hs_id        text NOT NULL,
        sf_id        text NOT NULL,
        field        text NOT NULL,
        hs_value     jsonb NOT NULL,
        sf_value     jsonb NOT NULL,
        base         jsonb,
        status       text NOT NULL,
        resolution   text,
        created_at   timestamptz NOT NULL,
        resolved_at  timestamptz,
        PRIMARY KEY (store_id, id)
    );
    CREATE UNIQUE INDEX conflicts_open ON {schema}.conflicts (store_id, sync, hs_id, field)
        WHERE status = 'open';
    CREATE TABLE {schema}.audit (
        store_id   text NOT NULL REFERENCES {schema}.stores ON DELETE CASCADE,
        id         bigint NOT NULL,
        at         timestamptz NOT NULL,
        run_id     text NOT NULL,
        sync       text NOT NULL,
        target     text NOT NULL,
        record_id  text NOT NULL,
        action     text NOT NULL,
        field      text NOT NULL,
        old        jsonb NOT NULL,
        new        jsonb NOT NULL,
        PRIMARY KEY (store_id, id)
    );
    CREATE TABLE {schema}.runs (
        store_id     text NOT NULL REFERENCES {schema}.stores ON DELETE CASCADE,
        run_id       text NOT NULL,
        started_at   timestamptz NOT NULL,
        finished_at  timestamptz,
        plan_digest  text NOT NULL,
        status       text NOT NULL,
        summary      text,
        PRIMARY KEY (store_id, run_id)
    );
    -- The apply lock of each store: a lease its holder renews, so it works behind a
    -- transaction-pooling PgBouncer (a session advisory lock would not) and dies with an
    -- expiry when its holder does.
    CREATE TABLE {schema}.leases (
        store_id     text PRIMARY KEY REFERENCES {schema}.stores ON DELETE CASCADE,
        lease_id     text NOT NULL,
        holder       text NOT NULL,
        acquired_at  timestamptz NOT NULL,
        renewed_at   timestamptz NOT NULL,
        expires_at   timestamptz NOT NULL
    );
    -- The first statement of every write transaction: locks the store's row, so writers of
    -- one store take turns (SQLite has one writer), and raises TDS01 when the store is gone,
    -- which aborts the transaction whatever else was pipelined behind it.
    CREATE FUNCTION {schema}.lock_store(p_store text) RETURNS void
        LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM 1 FROM {schema}.stores WHERE store_id = p_store FOR UPDATE;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'the store % is gone', p_store USING ERRCODE = 'TDS01';
        END IF;
    END $$;
    -- Under an apply lease, the second: raises TDL01 unless the lease is still this holder's,
    -- and keeps it (FOR SHARE) from being taken over or forced until the transaction ends.
    CREATE FUNCTION {schema}.hold_lease(p_store text, p_lease text) RETURNS void
        LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM 1 FROM {schema}.leases
            WHERE store_id = p_store AND lease_id = p_lease AND expires_at > clock_timestamp()
            FOR SHARE;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'the lease % of store % is not held', p_lease, p_store
                USING ERRCODE = 'TDL01';
        END IF;
    END $$;
    -- The store's timestamps as SQLite keeps them: RFC 3339, UTC, whole seconds.
    CREATE FUNCTION {schema}.rfc3339(timestamptz) RETURNS text
        LANGUAGE sql STABLE STRICT
        AS $$ SELECT to_char($1 AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') $$;
    "#,
];
