//! What a batch write reports back: one outcome per attempted input, and why it stopped early.

use super::error::{ConnectorError, RecordError};

/// A record that was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// The CRM id of the record (for HubSpot associations: the `from` id).
    pub id: String,
    /// Whether the record was created (creates, and upserts that inserted).
    pub created: bool,
}

/// The outcome of one input, under the caller's key.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteOutcome {
    pub key: String,
    pub result: Result<Written, RecordError>,
}

/// Outcomes for every input that was attempted, in input order per chunk. When `stopped` is
/// set (daily limit, call cap, credentials), inputs after the stop are absent from
/// `outcomes`: they were never sent and may be sent by a later run.
#[derive(Debug, Default)]
pub struct WriteReport {
    pub outcomes: Vec<WriteOutcome>,
    pub stopped: Option<ConnectorError>,
}

impl WriteReport {
    pub fn succeeded(&self) -> usize {
        self.outcomes.iter().filter(|o| o.result.is_ok()).count()
    }

    pub fn failed(&self) -> impl Iterator<Item = (&str, &RecordError)> {
        self.outcomes
            .iter()
            .filter_map(|o| o.result.as_ref().err().map(|e| (o.key.as_str(), e)))
    }

    pub(crate) fn fail_all(&mut self, keys: impl Iterator<Item = String>, error: &RecordError) {
        self.outcomes.extend(keys.map(|key| WriteOutcome {
            key,
            result: Err(error.clone()),
        }));
    }
}
