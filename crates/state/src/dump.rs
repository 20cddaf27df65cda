//! A whole store as plain rows, for `migrate`: every table of both backends maps onto these
//! structs column for column, so a copy is an export from one backend and an import into the
//! other, and a digest of the rows (with JSON in a canonical form) proves the copy is exact.

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tandem_ground::sync_state::SealKey;

/// Everything a store holds.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct StoreDump {
    pub lineage: String,
    pub serial: i64,
    /// Kept by the copy, so saved plans stay valid; never serialized or shown (its `Debug` is
    /// redacted), but part of the digest.
    #[serde(skip)]
    pub seal_key: SealKey,
    /// The last id handed out per table, so ids stay unique after the copy even where the rows
    /// holding the highest ids were deleted (cleared errors).
    pub last_ids: LastIds,
    pub links: Vec<LinkRow>,
    pub watermarks: Vec<WatermarkRow>,
    pub journal: Vec<JournalRow>,
    pub errors: Vec<ErrorRow>,
    pub conflicts: Vec<ConflictRow>,
    pub audit: Vec<AuditRow>,
    pub runs: Vec<RunRow>,
}

#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct LastIds {
    pub journal: i64,
    pub errors: i64,
    pub conflicts: i64,
    pub audit: i64,
}

/// Timestamps are RFC 3339 text (UTC, whole seconds) on both backends' side of the API.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LinkRow {
    pub sync: String,
    pub hs_id: String,
    pub sf_id: String,
    pub base: Value,
    pub linked_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WatermarkRow {
    pub sync: String,
    pub side: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JournalRow {
    pub id: i64,
    pub run_id: String,
    pub sync: String,
    pub action: String,
    pub target: String,
    pub record_key: String,
    pub payload: Value,
    pub status: String,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorRow {
    pub id: i64,
    pub sync: String,
    pub target: String,
    pub source_id: String,
    pub reason: String,
    pub fingerprint: String,
    pub attempts: i64,
    pub retry_requested: bool,
    pub first_seen: String,
    pub last_seen: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConflictRow {
    pub id: i64,
    pub sync: String,
    pub hs_id: String,
    pub sf_id: String,
    pub field: String,
    pub hs_value: Value,
    pub sf_value: Value,
    pub base: Option<Value>,
    pub status: String,
    pub resolution: Option<String>,
    pub created_at: String,
    pub resolved_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: String,
    pub run_id: String,
    pub sync: String,
    pub target: String,
    pub record_id: String,
    pub action: String,
    pub field: String,
    pub old: Value,
    pub new: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunRow {
    pub run_id: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub plan_digest: String,
    pub status: String,
    pub summary: Option<String>,
}

impl StoreDump {
    /// Rows per table, in a fixed order (what `migrate` compares and reports).
    pub fn counts(&self) -> Vec<(&'static str, u64)> {
        vec![
            ("links", self.links.len() as u64),
            ("watermarks", self.watermarks.len() as u64),
            ("journal", self.journal.len() as u64),
            ("error_queue", self.errors.len() as u64),
            ("conflicts", self.conflicts.len() as u64),
            ("audit", self.audit.len() as u64),
            ("runs", self.runs.len() as u64),
        ]
    }

    pub fn row_count(&self) -> u64 {
        self.counts().iter().map(|(_, count)| count).sum()
    }

    /// A store that was never written: serial 0 and no rows.
    pub fn is_empty(&self) -> bool {
        self.serial == 0 && self.row_count() == 0
    }

    /// SHA-256 over every row, JSON objects with their keys sorted (PostgreSQL's jsonb keeps
    /// its own key order, so the digest must not depend on it). Lower-case hex.
    pub fn digest(&self) -> String {
        let mut canonical = serde_json::to_value(self).unwrap_or(Value::Null);
        sort_keys(&mut canonical);
        let mut hasher = Sha256::new();
        hasher.update(serde_json::to_vec(&canonical).unwrap_or_default());
        hasher.update(self.seal_key.0.as_bytes());
        let digest = hasher.finalize();
        digest.iter().map(|byte| format!("{byte:02x}")).collect()
    }
}

fn sort_keys(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            for (key, mut entry) in entries {
                sort_keys(&mut entry);
                map.insert(key, entry);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(sort_keys),
        _ => {}
    }
}
