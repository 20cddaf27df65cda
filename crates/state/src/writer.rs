//! Writes inside one state transaction. Every method is called through
//! [`crate::StateStore::write`], so a batch's links, merge bases, journal outcome and audit
//! lines commit together with the serial bump, or not at all, on either backend.

use std::collections::BTreeMap;

use crate::postgres::PgWriter;
use crate::sqlite::SqliteWriter;
use crate::{FieldBase, StateError};
use tandem_ground::failure::RecordFailure;

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

/// The writes of one transaction. On PostgreSQL, a write that returns nothing is sent with the
/// next one that returns something (or with the commit), pipelined; its failure is reported
/// there. Either way the whole transaction rolls back, as PostgreSQL aborts a transaction at
/// its first failed statement.
pub struct StateWriter<'a> {
    backend: WriterBackend<'a>,
}

enum WriterBackend<'a> {
    Sqlite(SqliteWriter<'a>),
    // Boxed: a PostgreSQL writer carries its queued statements and collected rows.
    Postgres(Box<PgWriter<'a>>),
}

/// Calls the same method on whichever backend the writer writes to.
macro_rules! each_backend {
    ($self:ident, $writer:ident => $call:expr) => {
        match &mut $self.backend {
            WriterBackend::Sqlite($writer) => $call,
            WriterBackend::Postgres($writer) => $call,
        }
    };
}

impl<'a> StateWriter<'a> {
    pub(crate) fn sqlite(writer: SqliteWriter<'a>) -> Self {
        StateWriter {
            backend: WriterBackend::Sqlite(writer),
        }
    }

    pub(crate) fn postgres(writer: PgWriter<'a>) -> Self {
        StateWriter {
            backend: WriterBackend::Postgres(Box::new(writer)),
        }
    }

    pub(crate) fn bump_serial(&mut self) -> Result<(), StateError> {
        each_backend!(self, w => w.bump_serial())
    }

    pub(crate) fn into_postgres(self) -> Option<PgWriter<'a>> {
        match self.backend {
            WriterBackend::Postgres(writer) => Some(*writer),
            WriterBackend::Sqlite(_) => None,
        }
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
        each_backend!(self, w => w.link(sync, hs_id, sf_id, base))
    }

    /// Merges field bases into an existing link; a no-op when the link is gone.
    pub fn update_base(
        &mut self,
        sync: &str,
        hs_id: &str,
        base: &impl BaseEntries,
    ) -> Result<(), StateError> {
        each_backend!(self, w => w.update_base(sync, hs_id, base))
    }

    pub fn unlink(&mut self, sync: &str, hs_id: &str) -> Result<(), StateError> {
        each_backend!(self, w => w.unlink(sync, hs_id))
    }

    pub fn set_watermark(&mut self, sync: &str, side: &str, value: &str) -> Result<(), StateError> {
        each_backend!(self, w => w.set_watermark(sync, side, value))
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
        each_backend!(self, w => w.journal_intent(run_id, sync, action, target, record_key, payload))
    }

    /// Settles a journal entry: `done`, `failed`, `stale`, or `recovered` (a pending entry
    /// from a crashed run that the next plan re-derived).
    pub fn journal_settle(&mut self, id: i64, status: &str) -> Result<(), StateError> {
        each_backend!(self, w => w.journal_settle(id, status))
    }

    /// Marks every still-pending entry of earlier runs as recovered.
    pub fn journal_recover_pending(&mut self) -> Result<usize, StateError> {
        each_backend!(self, w => w.journal_recover_pending())
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
        each_backend!(self, w => w.enqueue_error(sync, target, source_id, reason, fingerprint))
    }

    /// Removes a record from the error queue once a write for it succeeded.
    pub fn clear_error(
        &mut self,
        sync: &str,
        target: &str,
        source_id: &str,
    ) -> Result<(), StateError> {
        each_backend!(self, w => w.clear_error(sync, target, source_id))
    }

    /// `tandem errors retry`: asks the next run to retry these (all when `ids` is empty).
    pub fn request_retry(&mut self, ids: &[i64]) -> Result<usize, StateError> {
        each_backend!(self, w => w.request_retry(ids))
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
        each_backend!(self, w => w.open_conflict(sync, hs_id, sf_id, field, hs_value, sf_value, base))
    }

    /// A human chose a side (`hs` or `sf`) for conflict `id`; the next plan writes it.
    pub fn resolve_conflict(&mut self, id: i64, side: &str) -> Result<(), StateError> {
        each_backend!(self, w => w.resolve_conflict(id, side))
    }

    /// Closes a conflict once its resolution was written (or the two sides agree again).
    pub fn close_conflict(
        &mut self,
        sync: &str,
        hs_id: &str,
        field: &str,
    ) -> Result<(), StateError> {
        each_backend!(self, w => w.close_conflict(sync, hs_id, field))
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
        each_backend!(self, w => w.audit(run_id, sync, target, record_id, action, field, old, new))
    }

    pub fn run_started(&mut self, run_id: &str, plan_digest: &str) -> Result<(), StateError> {
        each_backend!(self, w => w.run_started(run_id, plan_digest))
    }

    pub fn run_finished(
        &mut self,
        run_id: &str,
        status: &str,
        summary: &str,
    ) -> Result<(), StateError> {
        each_backend!(self, w => w.run_finished(run_id, status, summary))
    }
}

/// The merged base of a link, as JSON text: the field bases `base` holds, by key.
pub(crate) fn bases_as_json(base: &impl BaseEntries) -> serde_json::Value {
    let mut merged: BTreeMap<String, FieldBase> = BTreeMap::new();
    base.each_base(&mut |field, value| {
        merged.insert(field.to_string(), value.clone());
    });
    serde_json::to_value(&merged).unwrap_or_else(|_| serde_json::json!({}))
}
