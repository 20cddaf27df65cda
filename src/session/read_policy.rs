//! Whether a plan may read only what changed since the last apply, or must read everything.

use crate::state::StateStore;

/// How a plan reads both CRMs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadMode {
    /// Only what changed since the last apply (the saved read cursors).
    Incremental,
    /// Everything.
    Full,
}

/// The read mode for this run. `full` is `--full`. Otherwise incremental, except when the
/// last run left work of unknown outcome, a human asked for a retry, or a human resolved a
/// conflict: those need a full look. A store that cannot answer one of these questions gets
/// a full read, the safe side.
pub fn read_mode(store: &StateStore, full: bool) -> ReadMode {
    if full {
        return ReadMode::Full;
    }
    let pending = store
        .pending_journal()
        .map(|pending| !pending.is_empty())
        .unwrap_or(true);
    let retry = store
        .queued_errors()
        .map(|errors| errors.iter().any(|error| error.retry_requested))
        .unwrap_or(true);
    let resolved = store
        .conflicts(true)
        .map(|conflicts| conflicts.iter().any(|c| c.resolution.is_some()))
        .unwrap_or(true);
    if pending || retry || resolved {
        ReadMode::Full
    } else {
        ReadMode::Incremental
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn rejection() -> tandem_ground::failure::RecordFailure {
        tandem_ground::failure::RecordFailure::Rejected {
            code: "REQUIRED_FIELD_MISSING".to_string(),
            message: "Required fields are missing: [LastName]".to_string(),
            fields: vec!["LastName".to_string()],
            retryable: false,
        }
    }

    fn store() -> StateStore {
        StateStore::open_in_memory().expect("in-memory store")
    }

    #[test]
    fn a_quiet_store_is_read_incrementally_unless_full_is_asked() {
        let store = store();
        assert_eq!(read_mode(&store, false), ReadMode::Incremental);
        assert_eq!(read_mode(&store, true), ReadMode::Full);
    }

    #[test]
    fn a_write_of_unknown_outcome_needs_a_full_read() {
        let mut store = store();
        store
            .write(|w| {
                w.journal_intent("run", "leads", "create", "sf", "501", &json!({}))
                    .map(|_| ())
            })
            .expect("journal");
        assert_eq!(read_mode(&store, false), ReadMode::Full);
    }

    #[test]
    fn a_retry_asked_for_needs_a_full_read() {
        let mut store = store();
        store
            .write(|w| w.enqueue_error("leads", "sf", "501", &rejection(), "f1"))
            .expect("queue");
        assert_eq!(read_mode(&store, false), ReadMode::Incremental);
        store.write(|w| w.request_retry(&[])).expect("retry");
        assert_eq!(read_mode(&store, false), ReadMode::Full);
    }

    #[test]
    fn a_resolved_conflict_needs_a_full_read() {
        let mut store = store();
        store
            .write(|w| {
                w.open_conflict(
                    "accounts",
                    "101",
                    "001",
                    "name",
                    &json!("a"),
                    &json!("b"),
                    None,
                )
            })
            .expect("conflict");
        assert_eq!(read_mode(&store, false), ReadMode::Incremental);
        let id = store.conflicts(false).expect("conflicts")[0].id;
        store
            .write(|w| w.resolve_conflict(id, "hs"))
            .expect("resolve");
        assert_eq!(read_mode(&store, false), ReadMode::Full);
    }
}
