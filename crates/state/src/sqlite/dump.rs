//! A SQLite store as plain rows and back, for `migrate`.

use rusqlite::{Connection, params};

use super::{SqliteStore, db_error};
use crate::StateError;
use crate::dump::{
    AuditRow, ConflictRow, ErrorRow, JournalRow, LastIds, LinkRow, RunRow, StoreDump, WatermarkRow,
};

/// The AUTOINCREMENT tables, as `sqlite_sequence` names them, with their place in [`LastIds`].
const SEQUENCES: [&str; 4] = ["journal", "error_queue", "conflicts", "audit"];

/// Every data table, emptied by an import with `replace`.
const TABLES: [&str; 7] = [
    "links",
    "watermarks",
    "journal",
    "error_queue",
    "conflicts",
    "audit",
    "runs",
];

impl SqliteStore {
    /// Reads the whole store inside one read transaction.
    pub(crate) fn export(&self) -> Result<StoreDump, StateError> {
        let to_err = |e| db_error(&self.path, e);
        let transaction = self.conn.unchecked_transaction().map_err(to_err)?;
        let dump = read_all(&transaction).map_err(to_err)?;
        transaction.commit().map_err(to_err)?;
        Ok(dump)
    }

    /// Replaces the store's contents with `dump` in one transaction, keeping its serial and
    /// lineage. Refuses a store that holds anything unless `replace`.
    pub(crate) fn import(&mut self, dump: &StoreDump, replace: bool) -> Result<(), StateError> {
        let path = self.path.clone();
        let to_err = |e| db_error(&path, e);
        let transaction = self.conn.transaction().map_err(to_err)?;
        let mut rows = 0u64;
        for table in TABLES {
            let count: i64 = transaction
                .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |row| {
                    row.get(0)
                })
                .map_err(to_err)?;
            rows += count as u64;
        }
        let serial: i64 = transaction
            .query_row(
                "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'serial'",
                [],
                |row| row.get(0),
            )
            .map_err(to_err)?;
        if (rows > 0 || serial != 0) && !replace {
            return Err(StateError::MigrateDestinationNotEmpty {
                destination: path.display().to_string(),
                serial,
                rows,
            });
        }
        write_all(&transaction, dump).map_err(to_err)?;
        transaction.commit().map_err(to_err)
    }
}

fn json(text: String) -> serde_json::Value {
    serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
}

fn read_all(conn: &Connection) -> rusqlite::Result<StoreDump> {
    let mut dump = StoreDump {
        serial: conn.query_row(
            "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'serial'",
            [],
            |row| row.get(0),
        )?,
        lineage: conn.query_row("SELECT value FROM meta WHERE key = 'lineage'", [], |row| {
            row.get(0)
        })?,
        seal_key: tandem_ground::sync_state::SealKey(conn.query_row(
            "SELECT value FROM meta WHERE key = 'plan_seal_key'",
            [],
            |row| row.get(0),
        )?),
        ..StoreDump::default()
    };
    let mut statement = conn.prepare("SELECT name, seq FROM sqlite_sequence")?;
    let sequences = statement.query_map([], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
    })?;
    for sequence in sequences {
        let (name, last) = sequence?;
        match name.as_str() {
            "journal" => dump.last_ids.journal = last,
            "error_queue" => dump.last_ids.errors = last,
            "conflicts" => dump.last_ids.conflicts = last,
            "audit" => dump.last_ids.audit = last,
            _ => {}
        }
    }
    dump.links = rows(
        conn,
        "SELECT sync, hs_id, sf_id, base, linked_at FROM links ORDER BY sync, hs_id",
        |row| {
            Ok(LinkRow {
                sync: row.get(0)?,
                hs_id: row.get(1)?,
                sf_id: row.get(2)?,
                base: json(row.get(3)?),
                linked_at: row.get(4)?,
            })
        },
    )?;
    dump.watermarks = rows(
        conn,
        "SELECT sync, side, value FROM watermarks ORDER BY sync, side",
        |row| {
            Ok(WatermarkRow {
                sync: row.get(0)?,
                side: row.get(1)?,
                value: row.get(2)?,
            })
        },
    )?;
    dump.journal = rows(
        conn,
        "SELECT id, run_id, sync, action, target, record_key, payload, status, created_at, \
         updated_at FROM journal ORDER BY id",
        |row| {
            Ok(JournalRow {
                id: row.get(0)?,
                run_id: row.get(1)?,
                sync: row.get(2)?,
                action: row.get(3)?,
                target: row.get(4)?,
                record_key: row.get(5)?,
                payload: json(row.get(6)?),
                status: row.get(7)?,
                created_at: row.get(8)?,
                updated_at: row.get(9)?,
            })
        },
    )?;
    dump.errors = rows(
        conn,
        "SELECT id, sync, target, source_id, reason, fingerprint, attempts, retry_requested, \
         first_seen, last_seen FROM error_queue ORDER BY id",
        |row| {
            Ok(ErrorRow {
                id: row.get(0)?,
                sync: row.get(1)?,
                target: row.get(2)?,
                source_id: row.get(3)?,
                reason: row.get(4)?,
                fingerprint: row.get(5)?,
                attempts: row.get(6)?,
                retry_requested: row.get::<_, i64>(7)? != 0,
                first_seen: row.get(8)?,
                last_seen: row.get(9)?,
            })
        },
    )?;
    dump.conflicts = rows(
        conn,
        "SELECT id, sync, hs_id, sf_id, field, hs_value, sf_value, base, status, resolution, \
         created_at, resolved_at FROM conflicts ORDER BY id",
        |row| {
            Ok(ConflictRow {
                id: row.get(0)?,
                sync: row.get(1)?,
                hs_id: row.get(2)?,
                sf_id: row.get(3)?,
                field: row.get(4)?,
                hs_value: json(row.get(5)?),
                sf_value: json(row.get(6)?),
                base: row.get::<_, Option<String>>(7)?.map(json),
                status: row.get(8)?,
                resolution: row.get(9)?,
                created_at: row.get(10)?,
                resolved_at: row.get(11)?,
            })
        },
    )?;
    dump.audit = rows(
        conn,
        "SELECT id, at, run_id, sync, target, record_id, action, field, old, new FROM audit \
         ORDER BY id",
        |row| {
            Ok(AuditRow {
                id: row.get(0)?,
                at: row.get(1)?,
                run_id: row.get(2)?,
                sync: row.get(3)?,
                target: row.get(4)?,
                record_id: row.get(5)?,
                action: row.get(6)?,
                field: row.get(7)?,
                old: json(row.get(8)?),
                new: json(row.get(9)?),
            })
        },
    )?;
    dump.runs = rows(
        conn,
        "SELECT run_id, started_at, finished_at, plan_digest, status, summary FROM runs \
         ORDER BY run_id",
        |row| {
            Ok(RunRow {
                run_id: row.get(0)?,
                started_at: row.get(1)?,
                finished_at: row.get(2)?,
                plan_digest: row.get(3)?,
                status: row.get(4)?,
                summary: row.get(5)?,
            })
        },
    )?;
    Ok(dump)
}

fn rows<T>(
    conn: &Connection,
    sql: &str,
    map_row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<Vec<T>> {
    let mut statement = conn.prepare(sql)?;
    let mapped = statement.query_map([], map_row)?;
    mapped.collect()
}

fn write_all(conn: &Connection, dump: &StoreDump) -> rusqlite::Result<()> {
    for table in TABLES {
        conn.execute(&format!("DELETE FROM {table}"), [])?;
    }
    conn.execute(
        "UPDATE meta SET value = ?1 WHERE key = 'serial'",
        params![dump.serial.to_string()],
    )?;
    conn.execute(
        "UPDATE meta SET value = ?1 WHERE key = 'lineage'",
        params![dump.lineage],
    )?;
    conn.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('plan_seal_key', ?1)",
        params![dump.seal_key.0],
    )?;
    let LastIds {
        journal,
        errors,
        conflicts,
        audit,
    } = dump.last_ids;
    for (name, last) in SEQUENCES
        .into_iter()
        .zip([journal, errors, conflicts, audit])
    {
        conn.execute("DELETE FROM sqlite_sequence WHERE name = ?1", params![name])?;
        conn.execute(
            "INSERT INTO sqlite_sequence (name, seq) VALUES (?1, ?2)",
            params![name, last],
        )?;
    }
    let mut insert = conn.prepare(
        "INSERT INTO links (sync, hs_id, sf_id, base, linked_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for row in &dump.links {
        insert.execute(params![
            row.sync,
            row.hs_id,
            row.sf_id,
            row.base.to_string(),
            row.linked_at
        ])?;
    }
    let mut insert =
        conn.prepare("INSERT INTO watermarks (sync, side, value) VALUES (?1, ?2, ?3)")?;
    for row in &dump.watermarks {
        insert.execute(params![row.sync, row.side, row.value])?;
    }
    let mut insert = conn.prepare(
        "INSERT INTO journal (id, run_id, sync, action, target, record_key, payload, status, \
         created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    for row in &dump.journal {
        insert.execute(params![
            row.id,
            row.run_id,
            row.sync,
            row.action,
            row.target,
            row.record_key,
            row.payload.to_string(),
            row.status,
            row.created_at,
            row.updated_at
        ])?;
    }
    let mut insert = conn.prepare(
        "INSERT INTO error_queue (id, sync, target, source_id, reason, fingerprint, attempts, \
         retry_requested, first_seen, last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    for row in &dump.errors {
        insert.execute(params![
            row.id,
            row.sync,
            row.target,
            row.source_id,
            row.reason,
            row.fingerprint,
            row.attempts,
            row.retry_requested as i64,
            row.first_seen,
            row.last_seen
        ])?;
    }
    let mut insert = conn.prepare(
        "INSERT INTO conflicts (id, sync, hs_id, sf_id, field, hs_value, sf_value, base, status, \
         resolution, created_at, resolved_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    for row in &dump.conflicts {
        insert.execute(params![
            row.id,
            row.sync,
            row.hs_id,
            row.sf_id,
            row.field,
            row.hs_value.to_string(),
            row.sf_value.to_string(),
            row.base.as_ref().map(ToString::to_string),
            row.status,
            row.resolution,
            row.created_at,
            row.resolved_at
        ])?;
    }
    let mut insert = conn.prepare(
        "INSERT INTO audit (id, at, run_id, sync, target, record_id, action, field, old, new) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    for row in &dump.audit {
        insert.execute(params![
            row.id,
            row.at,
            row.run_id,
            row.sync,
            row.target,
            row.record_id,
            row.action,
            row.field,
            row.old.to_string(),
            row.new.to_string()
        ])?;
    }
    let mut insert = conn.prepare(
        "INSERT INTO runs (run_id, started_at, finished_at, plan_digest, status, summary) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for row in &dump.runs {
        insert.execute(params![
            row.run_id,
            row.started_at,
            row.finished_at,
            row.plan_digest,
            row.status,
            row.summary
        ])?;
    }
    Ok(())
}
