//! PostgreSQL writes inside one transaction, behind [`crate::StateWriter`].
//!
//! A write that answers nothing is queued and sent with the next write that answers something
//! (a count, a conflict that may be unknown) or with the commit, in one pipeline. Journal
//! intents, journal outcomes, audit lines and error-queue clears are collected further into
//! one statement per kind (`bulk`); a journal intent's id is handed out here, from the next id
//! read once per transaction. So a batch of a hundred records' writes is two round trips.
//! A queued write's failure surfaces when it is sent, and the transaction rolls back whole,
//! which is what PostgreSQL does at a transaction's first failed statement anyway.
//!
//! The merges and the other ids happen in SQL: `base || $n` merges a link's merge base field
//! by field (jsonb's top-level merge), and a new row's id is one more than the highest of the
//! table's ids in the store and the store's `last_x_id` (a read of the primary key's last
//! entry). The counters in `stores` are brought up to date once, with the serial bump at
//! commit, and when an error row is cleared, so ids are never reused (SQLite's AUTOINCREMENT).
//! Updating the `stores` row for every insert instead would leave a chain of row versions in
//! one transaction that each update walks: quadratic in the batch.

use super::bulk::{AuditLine, Bulk, Intent};
use super::connection::{Param, PgConnection, Reply, Statement, text};
use crate::writer::bases_as_json;
use crate::{BaseEntries, FieldBase, PostgresLocation, StateError, now_rfc3339};
use tandem_ground::failure::RecordFailure;

pub(crate) struct PgWriter<'a> {
    connection: &'a PgConnection,
    location: &'a PostgresLocation,
    /// The lease this transaction must still hold; checked by the first statement.
    lease_id: Option<String>,
    queued: Vec<Statement>,
    /// Set once `BEGIN` went out: from then on a failure needs a `ROLLBACK`.
    began: bool,
    /// Set by `commit` and `rollback`; a writer dropped without either (the caller's closure
    /// panicked) rolls back, so the connection never carries an open transaction into the
    /// store's next use.
    finished: bool,
    /// Rows collected for one statement per kind (see `bulk`).
    bulk: Bulk,
    /// The id the next journal intent gets. Read once per transaction: the store's row lock
    /// (taken first) keeps every other writer of the store out until the commit.
    next_journal_id: Option<i64>,
    /// Set by `bump_serial`; the bump goes out with the commit, after the collected rows,
    /// since it also brings the store's id counters up to date.
    bump_serial: bool,
}

impl<'a> PgWriter<'a> {
    /// Queues `BEGIN`, the lock on the store's row (writers of one store take turns, like
    /// SQLite's single writer; the lock ends with the transaction, so it works behind a
    /// transaction-pooling PgBouncer) and, under a lease, the check that it is still held.
    pub(crate) fn begin(
        connection: &'a PgConnection,
        location: &'a PostgresLocation,
        lease_id: Option<&str>,
    ) -> Self {
        let mut writer = PgWriter {
            connection,
            location,
            lease_id: lease_id.map(str::to_string),
            queued: Vec::new(),
            began: false,
            finished: false,
            bulk: Bulk::default(),
            next_journal_id: None,
            bump_serial: false,
        };
        // Both checks raise an error rather than answer "no row", so a failed check aborts
        // the transaction on the server even when its COMMIT is already in the pipeline.
        writer.queued.push(Statement::command("BEGIN"));
        let lock_store = writer.rows("SELECT {s}.lock_store($1)", vec![]);
        writer.queued.push(lock_store);
        if let Some(lease_id) = lease_id {
            let hold_lease = writer.rows("SELECT {s}.hold_lease($1, $2)", vec![text(lease_id)]);
            writer.queued.push(hold_lease);
        }
        writer
    }

    /// A statement of this store: `{s}` is the schema, `$1` the store id, then `params`.
    fn statement(&self, template: &str, params: Vec<Param>, count: bool) -> Statement {
        let sql = template.replace("{s}", self.location.schema());
        let mut all = Vec::with_capacity(params.len() + 1);
        all.push(text(self.location.store()));
        all.extend(params);
        if count {
            Statement::count(sql, all)
        } else {
            Statement::rows(sql, all)
        }
    }

    fn rows(&self, template: &str, params: Vec<Param>) -> Statement {
        self.statement(template, params, false)
    }

    fn count(&self, template: &str, params: Vec<Param>) -> Statement {
        self.statement(template, params, true)
    }

    fn queue(&mut self, template: &str, params: Vec<Param>) -> Result<(), StateError> {
        let statement = self.count(template, params);
        self.queued.push(statement);
        Ok(())
    }

    /// Sends everything queued plus `last`, and returns `last`'s answer.
    fn send(&mut self, last: Statement) -> Result<Reply, StateError> {
        let mut replies = self.send_all(vec![last])?;
        replies
            .pop()
            .ok_or_else(|| self.connection.protocol_error("no answer"))
    }

    /// Sends everything queued plus `more`; returns the answers to `more`.
    fn send_all(&mut self, more: Vec<Statement>) -> Result<Vec<Reply>, StateError> {
        let collected = self.bulk.take_all(self.location);
        self.queued.extend(collected);
        let mut batch = std::mem::take(&mut self.queued);
        let queued = batch.len();
        batch.extend(more);
        self.began = true;
        let mut replies = self
            .connection
            .run(&batch)
            .map_err(|error| self.named(error))?;
        Ok(replies.split_off(queued))
    }

    /// The opening checks' errors by their own names.
    fn named(&self, error: StateError) -> StateError {
        match (&error, &self.lease_id) {
            (StateError::Postgres { sqlstate, .. }, Some(lease_id)) if sqlstate == "TDL01" => {
                StateError::LeaseLost {
                    location: self.location.to_string(),
                    lease_id: lease_id.clone(),
                }
            }
            (
                StateError::Postgres {
                    sqlstate, message, ..
                },
                _,
            ) if sqlstate == "TDS01" => StateError::Database {
                location: self.location.to_string(),
                message: message.clone(),
            },
            _ => error,
        }
    }

    pub(crate) fn bump_serial(&mut self) -> Result<(), StateError> {
        self.bump_serial = true;
        Ok(())
    }

    /// The serial bump, with the store's id counters brought up to date.
    fn serial_bump(&self) -> Statement {
        self.count(
            "UPDATE {s}.stores SET serial = serial + 1, \
                 last_journal_id = GREATEST(last_journal_id, \
                     (SELECT COALESCE(MAX(id), 0) FROM {s}.journal WHERE store_id = $1)), \
                 last_error_id = GREATEST(last_error_id, \
                     (SELECT COALESCE(MAX(id), 0) FROM {s}.error_queue WHERE store_id = $1)), \
                 last_conflict_id = GREATEST(last_conflict_id, \
                     (SELECT COALESCE(MAX(id), 0) FROM {s}.conflicts WHERE store_id = $1)), \
                 last_audit_id = GREATEST(last_audit_id, \
                     (SELECT COALESCE(MAX(id), 0) FROM {s}.audit WHERE store_id = $1)) \
             WHERE store_id = $1",
            vec![],
        )
    }

    /// Sends what is queued and commits. Any failure leaves nothing of the transaction.
    pub(crate) fn commit(mut self) -> Result<(), StateError> {
        let mut last = Vec::new();
        if self.bump_serial {
            last.push(self.serial_bump());
        }
        last.push(Statement::command("COMMIT"));
        let outcome = self.send_all(last);
        if outcome.is_err() {
            self.rollback();
        } else {
            self.finished = true;
        }
        outcome.map(|_| ())
    }

    /// Ends the transaction without keeping anything (a no-op warning when the server already
    /// ended it; an error when the connection is gone, and then the server rolled it back).
    pub(crate) fn rollback(mut self) {
        self.roll_back_if_open();
    }

    fn roll_back_if_open(&mut self) {
        if self.began && !self.finished {
            let _ = self.connection.run_one(Statement::command("ROLLBACK"));
        }
        self.finished = true;
    }

    pub(crate) fn link(
        &mut self,
        sync: &str,
        hs_id: &str,
        sf_id: &str,
        base: &impl BaseEntries,
    ) -> Result<(), StateError> {
        // Drop any link that would break the one-to-one pairing; what is left under this
        // HubSpot id is this very pair, whose base the insert merges into.
        self.queue(
            "DELETE FROM {s}.links WHERE store_id = $1 AND sync = $2 \
             AND ((hs_id = $3 AND sf_id <> $4) OR (sf_id = $4 AND hs_id <> $3))",
            vec![text(sync), text(hs_id), text(sf_id)],
        )?;
        self.queue(
            "INSERT INTO {s}.links (store_id, sync, hs_id, sf_id, base, linked_at) \
             VALUES ($1, $2, $3, $4, $5, $6::timestamptz) \
             ON CONFLICT (store_id, sync, hs_id) DO UPDATE \
             SET base = {s}.links.base || excluded.base, linked_at = excluded.linked_at",
            vec![
                text(sync),
                text(hs_id),
                text(sf_id),
                Param::Json(bases_as_json(base)),
                Param::Text(now_rfc3339()),
            ],
        )
    }

    pub(crate) fn update_base(
        &mut self,
        sync: &str,
        hs_id: &str,
        base: &impl BaseEntries,
    ) -> Result<(), StateError> {
        self.queue(
            "UPDATE {s}.links SET base = base || $4 WHERE store_id = $1 AND sync = $2 AND hs_id = $3",
            vec![text(sync), text(hs_id), Param::Json(bases_as_json(base))],
        )
    }

    pub(crate) fn unlink(&mut self, sync: &str, hs_id: &str) -> Result<(), StateError> {
        self.queue(
            "DELETE FROM {s}.links WHERE store_id = $1 AND sync = $2 AND hs_id = $3",
            vec![text(sync), text(hs_id)],
        )
    }

    pub(crate) fn set_watermark(
        &mut self,
        sync: &str,
        side: &str,
        value: &str,
    ) -> Result<(), StateError> {
        self.queue(
            "INSERT INTO {s}.watermarks (store_id, sync, side, value) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (store_id, sync, side) DO UPDATE SET value = excluded.value",
            vec![text(sync), text(side), text(value)],
        )
    }

    pub(crate) fn journal_intent(
        &mut self,
        run_id: &str,
        sync: &str,
        action: &str,
        target: &str,
        record_key: &str,
        payload: &serde_json::Value,
    ) -> Result<i64, StateError> {
        let id = match self.next_journal_id {
            Some(id) => id,
            None => {
                let statement = self.rows(
                    "SELECT GREATEST(COALESCE(MAX(id), 0), \
                         (SELECT last_journal_id FROM {s}.stores WHERE store_id = $1)) + 1 \
                     FROM {s}.journal WHERE store_id = $1",
                    vec![],
                );
                let rows = self.send(statement)?.into_rows();
                rows.first()
                    .and_then(|row| row.try_get::<_, i64>(0).ok())
                    .ok_or_else(|| self.connection.protocol_error("no next journal id"))?
            }
        };
        self.next_journal_id = Some(id + 1);
        self.bulk.intent(Intent {
            id,
            run_id,
            sync,
            action,
            target,
            record_key,
            payload,
            at: now_rfc3339(),
        });
        Ok(id)
    }

    pub(crate) fn journal_settle(&mut self, id: i64, status: &str) -> Result<(), StateError> {
        self.bulk.settle(id, status, now_rfc3339());
        Ok(())
    }

    pub(crate) fn journal_recover_pending(&mut self) -> Result<usize, StateError> {
        let statement = self.count(
            "UPDATE {s}.journal SET status = 'recovered', updated_at = $2::timestamptz \
             WHERE store_id = $1 AND status = 'pending'",
            vec![Param::Text(now_rfc3339())],
        );
        Ok(self.send(statement)?.count() as usize)
    }

    pub(crate) fn enqueue_error(
        &mut self,
        sync: &str,
        target: &str,
        source_id: &str,
        reason: &RecordFailure,
        fingerprint: &str,
    ) -> Result<(), StateError> {
        // A clear collected earlier must happen before this, not after.
        if let Some(clears) = self.bulk.take_clears(self.location) {
            self.queued.push(clears);
        }
        // Update the queued row if there is one; else take the next id and insert.
        self.queue(
            "WITH updated AS ( \
                 UPDATE {s}.error_queue SET reason = $5, fingerprint = $6, \
                     attempts = attempts + 1, retry_requested = false, last_seen = $7::timestamptz \
                 WHERE store_id = $1 AND sync = $2 AND target = $3 AND source_id = $4 RETURNING 1) \
             INSERT INTO {s}.error_queue (store_id, id, sync, target, source_id, reason, \
                 fingerprint, first_seen, last_seen) \
             SELECT $1, GREATEST(COALESCE(MAX(id), 0), \
                 (SELECT last_error_id FROM {s}.stores WHERE store_id = $1)) + 1, \
                 $2, $3, $4, $5, $6, $7::timestamptz, $7::timestamptz \
             FROM {s}.error_queue WHERE store_id = $1 HAVING NOT EXISTS (SELECT 1 FROM updated)",
            vec![
                text(sync),
                text(target),
                text(source_id),
                Param::Text(reason.to_stored()),
                text(fingerprint),
                Param::Text(now_rfc3339()),
            ],
        )
    }

    pub(crate) fn clear_error(
        &mut self,
        sync: &str,
        target: &str,
        source_id: &str,
    ) -> Result<(), StateError> {
        self.bulk.clear(sync, target, source_id);
        Ok(())
    }

    pub(crate) fn request_retry(&mut self, ids: &[i64]) -> Result<usize, StateError> {
        if ids.is_empty() {
            let statement = self.count(
                "UPDATE {s}.error_queue SET retry_requested = true WHERE store_id = $1",
                vec![],
            );
            return Ok(self.send(statement)?.count() as usize);
        }
        // One statement per id, as SQLite does, so the count means the same on both.
        let statements = ids
            .iter()
            .map(|id| {
                self.count(
                    "UPDATE {s}.error_queue SET retry_requested = true \
                     WHERE store_id = $1 AND id = $2",
                    vec![Param::Int(*id)],
                )
            })
            .collect();
        let replies = self.send_all(statements)?;
        Ok(replies.iter().map(Reply::count).sum::<u64>() as usize)
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn open_conflict(
        &mut self,
        sync: &str,
        hs_id: &str,
        sf_id: &str,
        field: &str,
        hs_value: &serde_json::Value,
        sf_value: &serde_json::Value,
        base: Option<&FieldBase>,
    ) -> Result<(), StateError> {
        let base = base.map(|b| serde_json::to_value(b).unwrap_or(serde_json::Value::Null));
        self.queue(
            "WITH updated AS ( \
                 UPDATE {s}.conflicts SET sf_id = $4, hs_value = $6, sf_value = $7, base = $8 \
                 WHERE store_id = $1 AND sync = $2 AND hs_id = $3 AND field = $5 \
                 AND status = 'open' RETURNING 1) \
             INSERT INTO {s}.conflicts (store_id, id, sync, hs_id, sf_id, field, hs_value, \
                 sf_value, base, status, created_at) \
             SELECT $1, GREATEST(COALESCE(MAX(id), 0), \
                 (SELECT last_conflict_id FROM {s}.stores WHERE store_id = $1)) + 1, \
                 $2, $3, $4, $5, $6, $7, $8, 'open', $9::timestamptz \
             FROM {s}.conflicts WHERE store_id = $1 HAVING NOT EXISTS (SELECT 1 FROM updated)",
            vec![
                text(sync),
                text(hs_id),
                text(sf_id),
                text(field),
                Param::Json(hs_value.clone()),
                Param::Json(sf_value.clone()),
                Param::OptJson(base),
                Param::Text(now_rfc3339()),
            ],
        )
    }

    pub(crate) fn resolve_conflict(&mut self, id: i64, side: &str) -> Result<(), StateError> {
        let statement = self.count(
            "UPDATE {s}.conflicts SET status = 'resolved', resolution = $3, \
             resolved_at = $4::timestamptz WHERE store_id = $1 AND id = $2 AND status = 'open'",
            vec![Param::Int(id), text(side), Param::Text(now_rfc3339())],
        );
        if self.send(statement)?.count() == 0 {
            return Err(StateError::UnknownConflict { id });
        }
        Ok(())
    }

    pub(crate) fn close_conflict(
        &mut self,
        sync: &str,
        hs_id: &str,
        field: &str,
    ) -> Result<(), StateError> {
        self.queue(
            "UPDATE {s}.conflicts SET status = 'closed' WHERE store_id = $1 AND sync = $2 \
             AND hs_id = $3 AND field = $4 AND status IN ('open', 'resolved')",
            vec![text(sync), text(hs_id), text(field)],
        )
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn audit(
        &mut self,
        run_id: &str,
        sync: &str,
        target: &str,
        record_id: &str,
        action: &str,
        field: &str,
        old: &serde_json::Value,
        new: &serde_json::Value,
    ) -> Result<(), StateError> {
        self.bulk.audit(AuditLine {
            at: now_rfc3339(),
            run_id,
            sync,
            target,
            record_id,
            action,
            field,
            old,
            new,
        });
        Ok(())
    }

    pub(crate) fn run_started(
        &mut self,
        run_id: &str,
        plan_digest: &str,
    ) -> Result<(), StateError> {
        self.queue(
            "INSERT INTO {s}.runs (store_id, run_id, started_at, plan_digest, status) \
             VALUES ($1, $2, $3::timestamptz, $4, 'running')",
            vec![text(run_id), Param::Text(now_rfc3339()), text(plan_digest)],
        )
    }

    pub(crate) fn run_finished(
        &mut self,
        run_id: &str,
        status: &str,
        summary: &str,
    ) -> Result<(), StateError> {
        self.queue(
            "UPDATE {s}.runs SET finished_at = $3::timestamptz, status = $4, summary = $5 \
             WHERE store_id = $1 AND run_id = $2",
            vec![
                text(run_id),
                Param::Text(now_rfc3339()),
                text(status),
                text(summary),
            ],
        )
    }
}

impl Drop for PgWriter<'_> {
    fn drop(&mut self) {
        self.roll_back_if_open();
    }
}
