//! What the runtime reports while it works. Progress bars, the human summary and the JSON
//! view all consume these; the runtime never prints.

use std::sync::Arc;

use serde::{Serialize, Serializer};

use tandem_ground::failure::RecordFailure;
use tandem_ground::schema::System;
use tandem_plan::Action;
use tandem_state::StateError;

use super::crm::CrmError;

#[derive(Debug, Clone, Serialize)]
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
        reason: RecordFailure,
    },
    /// The run stopped early (daily limit, transport failure); a re-run resumes.
    Stopped {
        reason: StopReason,
    },
}

/// Why an apply stopped before the end. A re-run resumes where it stopped.
#[derive(Debug, Clone, thiserror::Error, miette::Diagnostic)]
pub enum StopReason {
    /// A CRM call could not go on: the daily limit, a transport failure, refused credentials.
    #[error("{0}; run `tandem apply` again later to resume")]
    #[diagnostic(transparent)]
    Crm(CrmError),
    /// The state store refused a write; nothing after it was sent.
    #[error("{0}; run `tandem apply` again to resume")]
    #[diagnostic(transparent)]
    State(Arc<StateError>),
}

/// The JSON views show a stop as its code and message.
impl Serialize for StopReason {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use miette::Diagnostic;
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("code", &self.code().map(|c| c.to_string()))?;
        map.serialize_entry("message", &self.to_string())?;
        map.end()
    }
}

/// What an apply did, for the summary line and the exit code.
#[derive(Debug, Clone, Default, Serialize)]
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
    pub stopped: Option<StopReason>,
}

impl ApplySummary {
    pub fn complete(&self) -> bool {
        self.stopped.is_none()
    }
}
