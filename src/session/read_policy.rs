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
