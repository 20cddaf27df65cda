//! Reads of a PostgreSQL store: the planner's snapshot (one repeatable-read transaction, sent
//! as one pipeline) and the queries of the `errors`, `conflicts` and `audit` commands.

use std::collections::BTreeMap;

use tokio_postgres::Row;
use tokio_postgres::types::FromSql;

use super::connection::{Reply, Statement};
use super::{PgStore, schema_version_of};
use crate::{
    AuditEntry, FieldBase, JournalEntry, Link, OpenConflict, PendingCreate, QueuedError, SealKey,
    StateError, StateSnapshot,
};
use tandem_ground::failure::RecordFailure;
use tandem_ground::record_write::RecordWrite;

const SELECT_STORE: &str = "SELECT serial, lineage, seal_key FROM {s}.stores WHERE store_id = $1";
const SELECT_LINKS: &str =
    "SELECT sync, hs_id, sf_id, base FROM {s}.links WHERE store_id = $1 ORDER BY sync, hs_id";
const SELECT_CONFLICTS_OPEN: &str = "SELECT id, sync, hs_id, sf_id, field, hs_value, sf_value, base, resolution \
     FROM {s}.conflicts WHERE store_id = $1 AND status = 'open' ORDER BY id";
const SELECT_CONFLICTS_UNSETTLED: &str = "SELECT id, sync, hs_id, sf_id, field, hs_value, sf_value, base, resolution \
     FROM {s}.conflicts WHERE store_id = $1 AND status IN ('open', 'resolved') ORDER BY id";
const SELECT_ERRORS: &str = "SELECT id, sync, target, source_id, reason, fingerprint, attempts, retry_requested \
     FROM {s}.error_queue WHERE store_id = $1 ORDER BY id";
const SELECT_WATERMARKS: &str =
    "SELECT sync, side, value FROM {s}.watermarks WHERE store_id = $1 ORDER BY sync, side";
const SELECT_PENDING_CREATES: &str = "SELECT id, sync, target, record_key, payload, {s}.rfc3339(created_at) \
     FROM {s}.journal WHERE store_id = $1 AND status = 'pending' AND action = 'create' ORDER BY id";
const SELECT_JOURNAL: &str = "SELECT id, run_id, sync, action, target, record_key, payload, status \
     FROM {s}.journal WHERE store_id = $1 ORDER BY id";
const SELECT_JOURNAL_PENDING: &str = "SELECT id, run_id, sync, action, target, record_key, payload, status \
     FROM {s}.journal WHERE store_id = $1 AND status = 'pending' ORDER BY id";
const SELECT_AUDIT: &str = "SELECT {s}.rfc3339(at), run_id, sync, target, record_id, action, field, old, new \
     FROM {s}.audit WHERE store_id = $1 ORDER BY id";

impl PgStore {
    /// Runs read-only statements in one repeatable-read transaction, so they see one state.
    pub(super) fn read_tables(&self, templates: &[&str]) -> Result<Vec<Vec<Row>>, StateError> {
        let connection = self.connection()?;
        let mut statements = vec![Statement::command(
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        )];
        for template in templates {
            statements.push(Statement::rows(
                self.sql(template),
                vec![self.store_param()],
            ));
        }
        statements.push(Statement::command("COMMIT"));
        let replies = connection.run(&statements);
        if replies.is_err() {
            let _ = connection.run_one(Statement::command("ROLLBACK"));
        }
        let mut replies = replies?;
        replies.pop();
        Ok(replies.into_iter().skip(1).map(Reply::into_rows).collect())
    }

    fn read_one(&self, template: &str) -> Result<Vec<Row>, StateError> {
        let connection = self.connection()?;
        Ok(connection
            .run_one(Statement::rows(
                self.sql(template),
                vec![self.store_param()],
            ))?
            .into_rows())
    }

    fn corrupt(&self, message: String) -> StateError {
        StateError::Database {
            location: self.location.to_string(),
            message,
        }
    }

    /// Column `index` of `row`; a type the schema does not allow is a corrupt store.
    fn get<'r, T: FromSql<'r>>(&self, row: &'r Row, index: usize) -> Result<T, StateError> {
        row.try_get(index)
            .map_err(|e| self.corrupt(format!("column {index}: {e}")))
    }

    pub(crate) fn schema_version(&self) -> Result<i64, StateError> {
        let connection = self.connection()?;
        schema_version_of(&connection, &self.location)
    }

    fn store_row(&self, rows: &[Row]) -> Result<(i64, String, SealKey), StateError> {
        let row = rows
            .first()
            .ok_or_else(|| self.corrupt(format!("no store `{}`", self.location.store())))?;
        Ok((
            self.get(row, 0)?,
            self.get(row, 1)?,
            SealKey(self.get(row, 2)?),
        ))
    }

    pub(crate) fn serial(&self) -> Result<i64, StateError> {
        Ok(self.store_row(&self.read_one(SELECT_STORE)?)?.0)
    }

    pub(crate) fn lineage(&self) -> Result<String, StateError> {
        Ok(self.store_row(&self.read_one(SELECT_STORE)?)?.1)
    }

    /// The key Plans made against this store are sealed with.
    pub(crate) fn seal_key(&self) -> Result<SealKey, StateError> {
        Ok(self.store_row(&self.read_one(SELECT_STORE)?)?.2)
    }

    pub(crate) fn snapshot(&self) -> Result<StateSnapshot, StateError> {
        let mut tables = self
            .read_tables(&[
                SELECT_STORE,
                SELECT_LINKS,
                SELECT_CONFLICTS_UNSETTLED,
                SELECT_ERRORS,
                SELECT_WATERMARKS,
                SELECT_PENDING_CREATES,
            ])?
            .into_iter();
        let mut next = || tables.next().unwrap_or_default();
        let (serial, lineage, seal_key) = self.store_row(&next())?;
        let mut snapshot = StateSnapshot {
            serial,
            lineage,
            seal_key,
            ..StateSnapshot::default()
        };
        for row in next() {
            let sync: String = self.get(&row, 0)?;
            let hs_id: String = self.get(&row, 1)?;
            let sf_id: String = self.get(&row, 2)?;
            let base: serde_json::Value = self.get(&row, 3)?;
            let base: BTreeMap<String, FieldBase> = serde_json::from_value(base).map_err(|e| {
                self.corrupt(format!(
                    "merge base of link {hs_id} <-> {sf_id} is not a merge base: {e}"
                ))
            })?;
            snapshot
                .links
                .entry(sync)
                .or_default()
                .push(Link { hs_id, sf_id, base });
        }
        for conflict in self.conflict_rows(next())? {
            snapshot
                .conflicts
                .entry(conflict.sync.clone())
                .or_default()
                .push(conflict);
        }
        for error in self.error_rows(next())? {
            snapshot
                .errors
                .entry(error.sync.clone())
                .or_default()
                .push(error);
        }
        for row in next() {
            let sync: String = self.get(&row, 0)?;
            snapshot
                .watermarks
                .entry(sync)
                .or_default()
                .insert(self.get(&row, 1)?, self.get(&row, 2)?);
        }
        for row in next() {
            let sync: String = self.get(&row, 1)?;
            let payload: serde_json::Value = self.get(&row, 4)?;
            let pending = PendingCreate {
                journal_id: self.get(&row, 0)?,
                target: self.get(&row, 2)?,
                source_id: self.get(&row, 3)?,
                // The plain fields sent: what recovery compares with the records it finds.
                payload: RecordWrite::from_journal(&payload).fields,
                sent_at: self.get(&row, 5)?,
            };
            snapshot
                .pending_creates
                .entry(sync)
                .or_default()
                .push(pending);
        }
        Ok(snapshot)
    }

    fn conflict_rows(&self, rows: Vec<Row>) -> Result<Vec<OpenConflict>, StateError> {
        rows.iter()
            .map(|row| {
                let base: Option<serde_json::Value> = self.get(row, 7)?;
                Ok(OpenConflict {
                    id: self.get(row, 0)?,
                    sync: self.get(row, 1)?,
                    hs_id: self.get(row, 2)?,
                    sf_id: self.get(row, 3)?,
                    field: self.get(row, 4)?,
                    hs_value: self.get(row, 5)?,
                    sf_value: self.get(row, 6)?,
                    base: base.and_then(|b| serde_json::from_value(b).ok()),
                    resolution: self.get(row, 8)?,
                })
            })
            .collect()
    }

    fn error_rows(&self, rows: Vec<Row>) -> Result<Vec<QueuedError>, StateError> {
        rows.iter()
            .map(|row| {
                Ok(QueuedError {
                    id: self.get(row, 0)?,
                    sync: self.get(row, 1)?,
                    target: self.get(row, 2)?,
                    source_id: self.get(row, 3)?,
                    reason: RecordFailure::from_stored(&self.get::<String>(row, 4)?),
                    fingerprint: self.get(row, 5)?,
                    attempts: self.get(row, 6)?,
                    retry_requested: self.get(row, 7)?,
                })
            })
            .collect()
    }

    fn journal_rows(&self, rows: Vec<Row>) -> Result<Vec<JournalEntry>, StateError> {
        rows.iter()
            .map(|row| {
                Ok(JournalEntry {
                    id: self.get(row, 0)?,
                    run_id: self.get(row, 1)?,
                    sync: self.get(row, 2)?,
                    action: self.get(row, 3)?,
                    target: self.get(row, 4)?,
                    record_key: self.get(row, 5)?,
                    payload: self.get(row, 6)?,
                    status: self.get(row, 7)?,
                })
            })
            .collect()
    }

    pub(crate) fn conflicts(
        &self,
        include_resolved: bool,
    ) -> Result<Vec<OpenConflict>, StateError> {
        let template = if include_resolved {
            SELECT_CONFLICTS_UNSETTLED
        } else {
            SELECT_CONFLICTS_OPEN
        };
        self.conflict_rows(self.read_one(template)?)
    }

    pub(crate) fn queued_errors(&self) -> Result<Vec<QueuedError>, StateError> {
        self.error_rows(self.read_one(SELECT_ERRORS)?)
    }

    pub(crate) fn pending_journal(&self) -> Result<Vec<JournalEntry>, StateError> {
        self.journal_rows(self.read_one(SELECT_JOURNAL_PENDING)?)
    }

    pub(crate) fn journal(&self) -> Result<Vec<JournalEntry>, StateError> {
        self.journal_rows(self.read_one(SELECT_JOURNAL)?)
    }

    pub(crate) fn audit_log(&self) -> Result<Vec<AuditEntry>, StateError> {
        self.read_one(SELECT_AUDIT)?
            .iter()
            .map(|row| {
                Ok(AuditEntry {
                    at: self.get(row, 0)?,
                    run_id: self.get(row, 1)?,
                    sync: self.get(row, 2)?,
                    target: self.get(row, 3)?,
                    record_id: self.get(row, 4)?,
                    action: self.get(row, 5)?,
                    field: self.get(row, 6)?,
                    old: self.get(row, 7)?,
                    new: self.get(row, 8)?,
                })
            })
            .collect()
    }

    pub(crate) fn partner(
        &self,
        sync: &str,
        side: &str,
        id: &str,
    ) -> Result<Option<String>, StateError> {
        let template = if side == "hs" {
            "SELECT sf_id FROM {s}.links WHERE store_id = $1 AND sync = $2 AND hs_id = $3"
        } else {
            "SELECT hs_id FROM {s}.links WHERE store_id = $1 AND sync = $2 AND sf_id = $3"
        };
        let connection = self.connection()?;
        let rows = connection
            .run_one(Statement::rows(
                self.sql(template),
                vec![self.store_param(), super::text(sync), super::text(id)],
            ))?
            .into_rows();
        rows.first().map(|row| self.get(row, 0)).transpose()
    }

    pub(crate) fn counts(&self) -> Result<BTreeMap<&'static str, i64>, StateError> {
        let names = [
            "links",
            "journal_pending",
            "errors",
            "conflicts_open",
            "audit",
        ];
        let tables = self.read_tables(&[
            "SELECT COUNT(*) FROM {s}.links WHERE store_id = $1",
            "SELECT COUNT(*) FROM {s}.journal WHERE store_id = $1 AND status = 'pending'",
            "SELECT COUNT(*) FROM {s}.error_queue WHERE store_id = $1",
            "SELECT COUNT(*) FROM {s}.conflicts WHERE store_id = $1 AND status = 'open'",
            "SELECT COUNT(*) FROM {s}.audit WHERE store_id = $1",
        ])?;
        let mut out = BTreeMap::new();
        for (name, rows) in names.into_iter().zip(tables) {
            let row = rows
                .first()
                .ok_or_else(|| self.corrupt(format!("COUNT of {name} answered no row")))?;
            out.insert(name, self.get(row, 0)?);
        }
        Ok(out)
    }
}
