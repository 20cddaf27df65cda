//! Pure values the state store hands to the planner and takes back from the runtime.
//!
//! The planner never sees SQLite: it receives a [`StateSnapshot`] (links with their merge
//! bases, open conflicts, queued errors, the serial) and returns a Plan; the runtime turns the
//! Plan's outcomes back into store writes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The last synced value of one mapped field on both sides: the merge base.
///
/// Values are canonical JSON (after the planner's type normalisation), so `"100"` from HubSpot
/// and `100` from Salesforce compare as the same number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct FieldBase {
    pub hs: serde_json::Value,
    pub sf: serde_json::Value,
}

/// One HubSpot record linked to one Salesforce record within a sync.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Link {
    pub hs_id: String,
    pub sf_id: String,
    /// Merge bases by field key (the mapping's key in the Program).
    pub base: BTreeMap<String, FieldBase>,
}

/// A `review` conflict waiting for a human (`tandem conflicts list|resolve`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenConflict {
    pub id: i64,
    pub sync: String,
    pub hs_id: String,
    pub sf_id: String,
    pub field: String,
    pub hs_value: serde_json::Value,
    pub sf_value: serde_json::Value,
    pub base: Option<FieldBase>,
    /// `None` while open; `Some("hs")` / `Some("sf")` once a human chose a side.
    pub resolution: Option<String>,
}

/// A per-record failure waiting in the error queue (`tandem errors list|retry`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueuedError {
    pub id: i64,
    pub sync: String,
    /// The side the failed write targeted (`hs` / `sf`).
    pub target: String,
    /// The id of the record the write came from (the source side's id).
    pub source_id: String,
    pub reason: crate::failure::RecordFailure,
    /// A digest of the Program and the source values when it failed: the record is retried
    /// automatically once this changes (the spec or the data changed).
    pub fingerprint: String,
    pub attempts: i64,
    /// Set by `tandem errors retry`: try again on the next run even if nothing changed.
    pub retry_requested: bool,
}

/// The state store's own secret for sealing the Plans made against it: a saved plan whose
/// seal does not match its content was changed after `tandem plan` made it, and is refused.
/// It never leaves the store but in this value, and is never shown.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct SealKey(pub String);

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealKey(redacted)")
    }
}

/// Everything the planner needs from the state store, as plain values.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct StateSnapshot {
    /// Incremented by every apply that changed state; a saved Plan records it.
    pub serial: i64,
    /// A random id fixed when the store is created, so a plan for one store is refused by another.
    pub lineage: String,
    /// The key Plans made against this store are sealed with.
    #[serde(skip)]
    pub seal_key: SealKey,
    /// Links per sync name.
    pub links: BTreeMap<String, Vec<Link>>,
    /// Open and resolved-but-unapplied conflicts per sync name.
    pub conflicts: BTreeMap<String, Vec<OpenConflict>>,
    /// Queued errors per sync name.
    pub errors: BTreeMap<String, Vec<QueuedError>>,
    /// Read watermarks per sync name and side (`hs` / `sf`), RFC 3339.
    pub watermarks: BTreeMap<String, BTreeMap<String, String>>,
    /// Creates a crashed (or cut off) run sent without learning their outcome, per sync name,
    /// oldest first: the planner looks for the records they made before creating again.
    #[serde(default)]
    pub pending_creates: BTreeMap<String, Vec<PendingCreate>>,
}

/// A create whose outcome is unknown: journaled, maybe sent, never settled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingCreate {
    /// The journal entry's id.
    pub journal_id: i64,
    /// `hs` / `sf`: the side the record was created in.
    pub target: String,
    /// The record it was created from, on the other side.
    pub source_id: String,
    /// The field values sent, as the target's wire payload (by target field name).
    pub payload: BTreeMap<String, serde_json::Value>,
    /// When the intent was journaled, just before the call (RFC 3339, whole seconds, floored):
    /// the record, if it was made, was created at or after it.
    pub sent_at: String,
}

/// A write-ahead journal entry: one intended record write, recorded before it is sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    pub id: i64,
    pub run_id: String,
    pub sync: String,
    /// `create`, `update` or `delete`.
    pub action: String,
    /// `hs` / `sf`: the side being written.
    pub target: String,
    /// The record being written (updates, deletes) or the source record (creates).
    pub record_key: String,
    pub payload: serde_json::Value,
    /// `pending` (sent or about to be; outcome unknown), `done`, `failed`, `stale`.
    pub status: String,
}

/// One line of the audit log: when, which run, which record and field, old -> new.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: String,
    pub run_id: String,
    pub sync: String,
    pub target: String,
    pub record_id: String,
    pub action: String,
    pub field: String,
    pub old: serde_json::Value,
    pub new: serde_json::Value,
}
