//! Writes inside one state transaction. Every method is called through
//! [`super::StateStore::write`], so a batch's links, merge bases, journal outcome and audit
//! lines commit together or not at all.

use std::collections::BTreeMap;
use std::path::Path;
use tandem_ground::failure::RecordFailure;

use rusqlite::{OptionalExtension, Transaction, params};

use super::cached::CachedStatements;
use super::{FieldBase, StateError, db_error, now_rfc3339};

/// Merge bases by field key, in whichever map the caller holds them: the Plan keeps them in
/// a compact [`tandem_ground::field_map::FieldMap`], tests and tools in a `BTreeMap`.
pub trait BaseEntries {
    fn each_base(&self, visit: &mut dyn FnMut(&str, &FieldBase));
}

impl BaseEntries for BTreeMap<String, FieldBase> {
    fn each_base(&self, visit: &mut dyn FnMut(&str, &FieldBase)) {
        for (key, base) in self {
            visit(key, base);
        }
    }
}

impl BaseEntries
    for tandem_ground::field_map::FieldMap<tandem_ground::field_map::FieldName, FieldBase>
{
    fn each_base(&self, visit: &mut dyn FnMut(&str, &FieldBase)) {
        for (key, base) in self {
            visit(key, base);
        }
    }
}

pub struct StateWriter<'a> {
    tx: &'a Transaction<'a>,
    path: &'a Path,
}

impl<'a> StateWriter<'a> {
    pub(super) fn new(tx: &'a Transaction<'a>, path: &'a Path) -> Self {
        StateWriter { tx, path }
    }

    fn err(&self, error: rusqlite::Error) -> StateError {
        db_error(self.path, error)
    }

    pub(super) fn bump_serial(&mut self) -> Result<(), StateError> {
        self.tx
            .execute_cached(
                "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'serial'",
                [],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Links `hs_id` and `sf_id` in `sync` (or keeps the existing link) and merges `base`
    /// into its merge base field by field. A record already linked to a different partner
    /// is relinked: the newest link wins, because it was just confirmed against both CRMs.
    pub fn link(
        &mut self,
        sync: &str,
        hs_id: &str,
        sf_id: &str,
        base: &impl BaseEntries,
    ) -> Result<(), StateError> {
        let existing: Option<(String, String)> = self
            .tx
            .query_row_cached(
                "SELECT sf_id, base FROM links WHERE sync = ?1 AND hs_id = ?2",
                params![sync, hs_id],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let mut merged: BTreeMap<String, FieldBase> = match &existing {
            Some((existing_sf, text)) if existing_sf == sf_id => {
                serde_json::from_str(text).unwrap_or_default()
            }
            _ => BTreeMap::new(),
        };
        base.each_base(&mut |field, value| {
            merged.insert(field.to_string(), value.clone());
        });
        let text = serde_json::to_string(&merged).unwrap_or_else(|_| "{}".to_string());
        // Drop any link that would break the one-to-one pairing before inserting this one.
        self.tx
            .execute_cached(
                "DELETE FROM links WHERE sync = ?1 AND (hs_id = ?2 OR sf_id = ?3)",
                params![sync, hs_id, sf_id],
            )
            .map_err(|e| self.err(e))?;
        self.tx
            .execute_cached(
                "INSERT INTO links (sync, hs_id, sf_id, base, linked_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![sync, hs_id, sf_id, text, now_rfc3339()],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Merges field bases into an existing link; a no-op when the link is gone.
    pub fn update_base(
        &mut self,
        sync: &str,
        hs_id: &str,
        base: &impl BaseEntries,
    ) -> Result<(), StateError> {
        let existing: Option<String> = self
            .tx
            .query_row_cached(
                "SELECT base FROM links WHERE sync = ?1 AND hs_id = ?2",
                params![sync, hs_id],
                |row| row.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let Some(text) = existing else {
            return Ok(());
        };
        let mut merged: BTreeMap<String, FieldBase> =
            serde_json::from_str(&text).unwrap_or_default();
        base.each_base(&mut |field, value| {
            merged.insert(field.to_string(), value.clone());
        });
        let text = serde_json::to_string(&merged).unwrap_or_else(|_| "{}".to_string());
        self.tx
            .execute_cached(
                "UPDATE links SET base = ?3 WHERE sync = ?1 AND hs_id = ?2",
                params![sync, hs_id, text],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    pub fn unlink(&mut self, sync: &str, hs_id: &str) -> Result<(), StateError> {
        self.tx
            .execute_cached(
                "DELETE FROM links WHERE sync = ?1 AND hs_id = ?2",
                params![sync, hs_id],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    pub fn set_watermark(&mut self, sync: &str, side: &str, value: &str) -> Result<(), StateError> {
        self.tx
            .execute_cached(
                "INSERT INTO watermarks (sync, side, value) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (sync, side) DO UPDATE SET value = excluded.value",
                params![sync, side, value],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Records an intended write before it is sent; returns the entry's id.
    pub fn journal_intent(
        &mut self,
        run_id: &str,
        sync: &str,
        action: &str,
        target: &str,
        record_key: &str,
        payload: &serde_json::Value,
    ) -> Result<i64, StateError> {
        let now = now_rfc3339();
        self.tx
            .execute_cached(
                "INSERT INTO journal (run_id, sync, action, target, record_key, payload, status, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?7, ?7)",
                params![run_id, sync, action, target, record_key, payload.to_string(), now],
            )
            .map_err(|e| self.err(e))?;
        Ok(self.tx.last_insert_rowid())
    }

    /// Settles a journal entry: `done`, `failed`, `stale`, or `recovered` (a pending entry
    /// from a crashed run that the next plan re-derived).
    pub fn journal_settle(&mut self, id: i64, status: &str) -> Result<(), StateError> {
        self.tx
            .execute_cached(
                "UPDATE journal SET status = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, status, now_rfc3339()],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Marks every still-pending entry of earlier runs as recovered.
    pub fn journal_recover_pending(&mut self) -> Result<usize, StateError> {
        self.tx
            .execute_cached(
                "UPDATE journal SET status = 'recovered', updated_at = ?1 WHERE status = 'pending'",
                params![now_rfc3339()],
            )
            .map_err(|e| self.err(e))
    }

    /// Puts a failed record in the error queue (or bumps its attempt count).
    pub fn enqueue_error(
        &mut self,
        sync: &str,
        target: &str,
        source_id: &str,
        reason: &RecordFailure,
        fingerprint: &str,
    ) -> Result<(), StateError> {
        let now = now_rfc3339();
        let reason = reason.to_stored();
        self.tx
            .execute_cached(
                "INSERT INTO error_queue (sync, target, source_id, reason, fingerprint, first_seen, last_seen) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) \
                 ON CONFLICT (sync, target, source_id) DO UPDATE SET reason = excluded.reason, \
                 fingerprint = excluded.fingerprint, attempts = attempts + 1, retry_requested = 0, \
                 last_seen = excluded.last_seen",
                params![sync, target, source_id, reason, fingerprint, now],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Removes a record from the error queue once a write for it succeeded.
    pub fn clear_error(
        &mut self,
        sync: &str,
        target: &str,
        source_id: &str,
    ) -> Result<(), StateError> {
        self.tx
            .execute_cached(
                "DELETE FROM error_queue WHERE sync = ?1 AND target = ?2 AND source_id = ?3",
                params![sync, target, source_id],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// `tandem errors retry`: asks the next run to retry these (all when `ids` is empty).
    pub fn request_retry(&mut self, ids: &[i64]) -> Result<usize, StateError> {
        if ids.is_empty() {
            return self
                .tx
                .execute_cached("UPDATE error_queue SET retry_requested = 1", [])
                .map_err(|e| self.err(e));
        }
        let mut changed = 0;
        for id in ids {
            changed += self
                .tx
                .execute_cached(
                    "UPDATE error_queue SET retry_requested = 1 WHERE id = ?1",
                    params![id],
                )
                .map_err(|e| self.err(e))?;
        }
        Ok(changed)
    }

    /// Queues a `review` conflict. An already-open conflict on the same field is refreshed
    /// with the latest values instead of duplicated.
    #[allow(clippy::too_many_arguments)]
    pub fn open_conflict(
        &mut self,
        sync: &str,
        hs_id: &str,
        sf_id: &str,
        field: &str,
        hs_value: &serde_json::Value,
        sf_value: &serde_json::Value,
        base: Option<&FieldBase>,
    ) -> Result<(), StateError> {
        let base_text = base.map(|b| serde_json::to_string(b).unwrap_or_default());
        let updated = self
            .tx
            .execute_cached(
                "UPDATE conflicts SET sf_id = ?3, hs_value = ?5, sf_value = ?6, base = ?7 \
                 WHERE sync = ?1 AND hs_id = ?2 AND field = ?4 AND status = 'open'",
                params![
                    sync,
                    hs_id,
                    sf_id,
                    field,
                    hs_value.to_string(),
                    sf_value.to_string(),
                    base_text
                ],
            )
            .map_err(|e| self.err(e))?;
        if updated == 0 {
            self.tx
                .execute_cached(
                    "INSERT INTO conflicts (sync, hs_id, sf_id, field, hs_value, sf_value, base, status, created_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'open', ?8)",
                    params![
                        sync,
                        hs_id,
                        sf_id,
                        field,
                        hs_value.to_string(),
                        sf_value.to_string(),
                        base_text,
                        now_rfc3339()
                    ],
                )
                .map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    /// A human chose a side (`hs` or `sf`) for conflict `id`; the next plan writes it.
    pub fn resolve_conflict(&mut self, id: i64, side: &str) -> Result<(), StateError> {
        let changed = self
            .tx
            .execute_cached(
                "UPDATE conflicts SET status = 'resolved', resolution = ?2, resolved_at = ?3 \
                 WHERE id = ?1 AND status = 'open'",
                params![id, side, now_rfc3339()],
            )
            .map_err(|e| self.err(e))?;
        if changed == 0 {
            return Err(StateError::UnknownConflict { id });
        }
        Ok(())
    }

    /// Closes a conflict once its resolution was written (or the two sides agree again).
    pub fn close_conflict(
        &mut self,
        sync: &str,
        hs_id: &str,
        field: &str,
    ) -> Result<(), StateError> {
        self.tx
            .execute_cached(
                "UPDATE conflicts SET status = 'closed' \
                 WHERE sync = ?1 AND hs_id = ?2 AND field = ?3 AND status IN ('open', 'resolved')",
                params![sync, hs_id, field],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub fn audit(
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
        self.tx
            .execute_cached(
                "INSERT INTO audit (at, run_id, sync, target, record_id, action, field, old, new) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    now_rfc3339(),
                    run_id,
                    sync,
                    target,
                    record_id,
                    action,
                    field,
                    old.to_string(),
                    new.to_string()
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    pub fn run_started(&mut self, run_id: &str, plan_digest: &str) -> Result<(), StateError> {
        self.tx
            .execute_cached(
                "INSERT INTO runs (run_id, started_at, plan_digest, status) VALUES (?1, ?2, ?3, 'running')",
                params![run_id, now_rfc3339(), plan_digest],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    pub fn run_finished(
        &mut self,
        run_id: &str,
        status: &str,
        summary: &str,
    ) -> Result<(), StateError> {
        self.tx
            .execute_cached(
                "UPDATE runs SET finished_at = ?2, status = ?3, summary = ?4 WHERE run_id = ?1",
                params![run_id, now_rfc3339(), status, summary],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }
}
