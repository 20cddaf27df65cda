//! What the runtime reports while it works. Progress bars, the human summary and the JSON
//! view all consume these; the runtime never prints.

use serde::Serialize;

use tandem_ground::schema::System;
use tandem_plan::Action;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// Pending writes from a run that died were found and will be settled by this run.
    Recovered {
        entries: usize,
    },
    SyncStarted {
        sync: String,
        writes: usize,
    },
    /// One batched call finished.
    Batch {
        sync: String,
        target: System,
        action: Action,
        written: usize,
        rejected: usize,
        stale: usize,
    },
    /// A record skipped because its target changed since the plan.
    Stale {
        sync: String,
        target: System,
        id: String,
    },
    /// A record the CRM rejected; it waits in the error queue.
    Rejected {
        sync: String,
        target: System,
        record: String,
        reason: String,
    },
    /// The run stopped early (daily limit, transport failure); a re-run resumes.
    Stopped {
        reason: String,
    },
}

/// What an apply did, for the summary line and the exit code.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ApplySummary {
    pub run_id: String,
    pub created: u64,
    pub updated: u64,
    pub deleted: u64,
    pub linked: u64,
    pub stale: u64,
    pub rejected: u64,
    pub will_fail: u64,
    pub conflicts_queued: u64,
    pub recovered: u64,
    /// Why the run stopped before the end, if it did.
    pub stopped: Option<String>,
}

impl ApplySummary {
    pub fn complete(&self) -> bool {
        self.stopped.is_none()
    }
}
