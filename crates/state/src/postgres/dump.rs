//! A PostgreSQL store as plain rows and back, for `migrate`.

use tokio_postgres::Row;

use super::connection::{Param, PgConnection, Reply, Statement, text};
use super::{PgStore, sql};
use crate::StateError;
use crate::dump::{
    AuditRow, ConflictRow, ErrorRow, JournalRow, LastIds, LinkRow, RunRow, StoreDump, WatermarkRow,
};

/// Every data table of a store, emptied by an import with `replace`.
const TABLES: [&str; 7] = [
    "links",
    "watermarks",
    "journal",
    "error_queue",
    "conflicts",
    "audit",
    "runs",
];

/// How many inserts go out in one pipeline during an import.
const INSERTS_PER_ROUND_TRIP: usize = 1000;

impl PgStore {
    /// Reads the whole store inside one repeatable-read transaction.
    pub(crate) fn export(&self) -> Result<StoreDump, StateError> {
        let mut tables = self
            .read_tables(&[
                "SELECT serial, lineage, last_journal_id, last_error_id, last_conflict_id, \
                 last_audit_id, seal_key FROM {s}.stores WHERE store_id = $1",
                "SELECT sync, hs_id, sf_id, base, {s}.rfc3339(linked_at) FROM {s}.links \
                 WHERE store_id = $1 ORDER BY sync, hs_id",
                "SELECT sync, side, value FROM {s}.watermarks WHERE store_id = $1 \
                 ORDER BY sync, side",
                "SELECT id, run_id, sync, action, target, record_key, payload, status, \
                 {s}.rfc3339(created_at), {s}.rfc3339(updated_at) FROM {s}.journal \
                 WHERE store_id = $1 ORDER BY id",
                "SELECT id, sync, target, source_id, reason, fingerprint, attempts, \
                 retry_requested, {s}.rfc3339(first_seen), {s}.rfc3339(last_seen) \
                 FROM {s}.error_queue WHERE store_id = $1 ORDER BY id",
                "SELECT id, sync, hs_id, sf_id, field, hs_value, sf_value, base, status, \
                 resolution, {s}.rfc3339(created_at), {s}.rfc3339(resolved_at) \
                 FROM {s}.conflicts WHERE store_id = $1 ORDER BY id",
                "SELECT id, {s}.rfc3339(at), run_id, sync, target, record_id, action, field, \
                 old, new FROM {s}.audit WHERE store_id = $1 ORDER BY id",
                "SELECT run_id, {s}.rfc3339(started_at), {s}.rfc3339(finished_at), \
                 plan_digest, status, summary FROM {s}.runs WHERE store_id = $1 ORDER BY run_id",
            ])?
            .into_iter();
        let mut next = || tables.next().unwrap_or_default();
        let store = next();
        let store = store
            .first()
            .ok_or_else(|| self.corrupt_store("no row in stores"))?;
        let mut dump = StoreDump {
            serial: self.column(store, 0)?,
            lineage: self.column(store, 1)?,
            seal_key: tandem_ground::sync_state::SealKey(self.column(store, 6)?),
            last_ids: LastIds {
                journal: self.column(store, 2)?,
                errors: self.column(store, 3)?,
                conflicts: self.column(store, 4)?,
                audit: self.column(store, 5)?,
            },
            ..StoreDump::default()
        };
        for row in next() {
            dump.links.push(LinkRow {
                sync: self.column(&row, 0)?,
                hs_id: self.column(&row, 1)?,
                sf_id: self.column(&row, 2)?,
                base: self.column(&row, 3)?,
                linked_at: self.column(&row, 4)?,
            });
        }
        for row in next() {
            dump.watermarks.push(WatermarkRow {
                sync: self.column(&row, 0)?,
                side: self.column(&row, 1)?,
                value: self.column(&row, 2)?,
            });
        }
        for row in next() {
            dump.journal.push(JournalRow {
                id: self.column(&row, 0)?,
                run_id: self.column(&row, 1)?,
                sync: self.column(&row, 2)?,
                action: self.column(&row, 3)?,
                target: self.column(&row, 4)?,
                record_key: self.column(&row, 5)?,
                payload: self.column(&row, 6)?,
                status: self.column(&row, 7)?,
                created_at: self.column(&row, 8)?,
                updated_at: self.column(&row, 9)?,
            });
        }
        for row in next() {
            dump.errors.push(ErrorRow {
                id: self.column(&row, 0)?,
                sync: self.column(&row, 1)?,
                target: self.column(&row, 2)?,
                source_id: self.column(&row, 3)?,
                reason: self.column(&row, 4)?,
                fingerprint: self.column(&row, 5)?,
                attempts: self.column(&row, 6)?,
                retry_requested: self.column(&row, 7)?,
                first_seen: self.column(&row, 8)?,
                last_seen: self.column(&row, 9)?,
            });
        }
        for row in next() {
            dump.conflicts.push(ConflictRow {
                id: self.column(&row, 0)?,
                sync: self.column(&row, 1)?,
                hs_id: self.column(&row, 2)?,
                sf_id: self.column(&row, 3)?,
                field: self.column(&row, 4)?,
                hs_value: self.column(&row, 5)?,
                sf_value: self.column(&row, 6)?,
                base: self.column(&row, 7)?,
                status: self.column(&row, 8)?,
                resolution: self.column(&row, 9)?,
                created_at: self.column(&row, 10)?,
                resolved_at: self.column(&row, 11)?,
            });
        }
        for row in next() {
            dump.audit.push(AuditRow {
                id: self.column(&row, 0)?,
                at: self.column(&row, 1)?,
                run_id: self.column(&row, 2)?,
                sync: self.column(&row, 3)?,
                target: self.column(&row, 4)?,
                record_id: self.column(&row, 5)?,
                action: self.column(&row, 6)?,
                field: self.column(&row, 7)?,
                old: self.column(&row, 8)?,
                new: self.column(&row, 9)?,
            });
        }
        for row in next() {
            dump.runs.push(RunRow {
                run_id: self.column(&row, 0)?,
                started_at: self.column(&row, 1)?,
                finished_at: self.column(&row, 2)?,
                plan_digest: self.column(&row, 3)?,
                status: self.column(&row, 4)?,
                summary: self.column(&row, 5)?,
            });
        }
        Ok(dump)
    }

    fn column<'r, T: tokio_postgres::types::FromSql<'r>>(
        &self,
        row: &'r Row,
        index: usize,
    ) -> Result<T, StateError> {
        row.try_get(index)
            .map_err(|e| self.corrupt_store(&format!("column {index}: {e}")))
    }

    fn corrupt_store(&self, message: &str) -> StateError {
        StateError::Database {
            location: self.location.to_string(),
            message: message.to_string(),
        }
    }

    /// Replaces the store's contents with `dump` in one transaction, keeping its serial,
    /// lineage and ids. Refuses a store that holds anything unless `replace`.
    pub(crate) fn import(&mut self, dump: &StoreDump, replace: bool) -> Result<(), StateError> {
        let connection = self.connection()?;
        let outcome = import_in_transaction(&connection, self, dump, replace);
        if outcome.is_err() {
            let _ = connection.run_one(Statement::command("ROLLBACK"));
        }
        outcome
    }
}

fn import_in_transaction(
    connection: &PgConnection,
    store: &PgStore,
    dump: &StoreDump,
    replace: bool,
) -> Result<(), StateError> {
    let location = &store.location;
    let store_id = || text(location.store());
    let mut opening = vec![
        Statement::command("BEGIN"),
        Statement::rows(
            sql(
                location,
                "SELECT serial FROM {s}.stores WHERE store_id = $1 FOR UPDATE",
            ),
            vec![store_id()],
        ),
    ];
    for table in TABLES {
        opening.push(Statement::rows(
            sql(
                location,
                &format!("SELECT COUNT(*) FROM {{s}}.{table} WHERE store_id = $1"),
            ),
            vec![store_id()],
        ));
    }
    let replies = connection.run(&opening)?;
    let mut replies = replies.into_iter().skip(1).map(Reply::into_rows);
    let serial: i64 = replies
        .next()
        .and_then(|rows| rows.first().and_then(|row| row.try_get(0).ok()))
        .ok_or_else(|| store.corrupt_store("no row in stores"))?;
    let mut rows = 0u64;
    for counted in replies {
        let count: i64 = counted
            .first()
            .and_then(|row| row.try_get(0).ok())
            .unwrap_or(0);
        rows += count as u64;
    }
    if (rows > 0 || serial != 0) && !replace {
        return Err(StateError::MigrateDestinationNotEmpty {
            destination: location.to_string(),
            serial,
            rows,
        });
    }
    let mut statements = Vec::new();
    for table in TABLES {
        statements.push(Statement::count(
            sql(
                location,
                &format!("DELETE FROM {{s}}.{table} WHERE store_id = $1"),
            ),
            vec![store_id()],
        ));
    }
    statements.push(Statement::count(
        sql(
            location,
            "UPDATE {s}.stores SET serial = $2, lineage = $3, last_journal_id = $4, \
             last_error_id = $5, last_conflict_id = $6, last_audit_id = $7, seal_key = $8 \
             WHERE store_id = $1",
        ),
        vec![
            store_id(),
            Param::Int(dump.serial),
            text(&dump.lineage),
            Param::Int(dump.last_ids.journal),
            Param::Int(dump.last_ids.errors),
            Param::Int(dump.last_ids.conflicts),
            Param::Int(dump.last_ids.audit),
            text(&dump.seal_key.0),
        ],
    ));
    let insert = |template: &str, params: Vec<Param>| {
        let mut all = vec![store_id()];
        all.extend(params);
        Statement::count(sql(location, template), all)
    };
    for row in &dump.links {
        statements.push(insert(
            "INSERT INTO {s}.links (store_id, sync, hs_id, sf_id, base, linked_at) \
             VALUES ($1, $2, $3, $4, $5, $6::timestamptz)",
            vec![
                text(&row.sync),
                text(&row.hs_id),
                text(&row.sf_id),
                Param::Json(row.base.clone()),
                text(&row.linked_at),
            ],
        ));
    }
    for row in &dump.watermarks {
        statements.push(insert(
            "INSERT INTO {s}.watermarks (store_id, sync, side, value) VALUES ($1, $2, $3, $4)",
            vec![text(&row.sync), text(&row.side), text(&row.value)],
        ));
    }
    for row in &dump.journal {
        statements.push(insert(
            "INSERT INTO {s}.journal (store_id, id, run_id, sync, action, target, record_key, \
             payload, status, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::timestamptz, $11::timestamptz)",
            vec![
                Param::Int(row.id),
                text(&row.run_id),
                text(&row.sync),
                text(&row.action),
                text(&row.target),
                text(&row.record_key),
                Param::Json(row.payload.clone()),
                text(&row.status),
                text(&row.created_at),
                text(&row.updated_at),
            ],
        ));
    }
    for row in &dump.errors {
        statements.push(insert(
            "INSERT INTO {s}.error_queue (store_id, id, sync, target, source_id, reason, \
             fingerprint, attempts, retry_requested, first_seen, last_seen) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::timestamptz, $11::timestamptz)",
            vec![
                Param::Int(row.id),
                text(&row.sync),
                text(&row.target),
                text(&row.source_id),
                text(&row.reason),
                text(&row.fingerprint),
                Param::Int(row.attempts),
                Param::Bool(row.retry_requested),
                text(&row.first_seen),
                text(&row.last_seen),
            ],
        ));
    }
    for row in &dump.conflicts {
        statements.push(insert(
            "INSERT INTO {s}.conflicts (store_id, id, sync, hs_id, sf_id, field, hs_value, \
             sf_value, base, status, resolution, created_at, resolved_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::timestamptz, \
             $13::timestamptz)",
            vec![
                Param::Int(row.id),
                text(&row.sync),
                text(&row.hs_id),
                text(&row.sf_id),
                text(&row.field),
                Param::Json(row.hs_value.clone()),
                Param::Json(row.sf_value.clone()),
                Param::OptJson(row.base.clone()),
                text(&row.status),
                Param::OptText(row.resolution.clone()),
                text(&row.created_at),
                Param::OptText(row.resolved_at.clone()),
            ],
        ));
    }
    for row in &dump.audit {
        statements.push(insert(
            "INSERT INTO {s}.audit (store_id, id, at, run_id, sync, target, record_id, action, \
             field, old, new) \
             VALUES ($1, $2, $3::timestamptz, $4, $5, $6, $7, $8, $9, $10, $11)",
            vec![
                Param::Int(row.id),
                text(&row.at),
                text(&row.run_id),
                text(&row.sync),
                text(&row.target),
                text(&row.record_id),
                text(&row.action),
                text(&row.field),
                Param::Json(row.old.clone()),
                Param::Json(row.new.clone()),
            ],
        ));
    }
    for row in &dump.runs {
        statements.push(insert(
            "INSERT INTO {s}.runs (store_id, run_id, started_at, finished_at, plan_digest, \
             status, summary) VALUES ($1, $2, $3::timestamptz, $4::timestamptz, $5, $6, $7)",
            vec![
                text(&row.run_id),
                text(&row.started_at),
                Param::OptText(row.finished_at.clone()),
                text(&row.plan_digest),
                text(&row.status),
                Param::OptText(row.summary.clone()),
            ],
        ));
    }
    for chunk in statements.chunks(INSERTS_PER_ROUND_TRIP) {
        connection.run(chunk)?;
    }
    connection.run_one(Statement::command("COMMIT"))?;
    Ok(())
}
