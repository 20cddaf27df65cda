//! The connectors' answers in the runtime's terms: request-level errors as [`CrmError`]s,
//! per-record results as [`WriteOutcome`]s in input order, saved cursors as watermarks.

use std::collections::BTreeMap;

use serde_json::Value;

use tandem_connectors::{ConnectorError, RecordError, Watermark, WriteReport};
use tandem_ground::schema::System;

use super::crm::{CrmError, WriteBatch, WriteOutcome};

pub(super) fn crm_error(system: System, error: ConnectorError) -> CrmError {
    CrmError::from_connector(system, error)
}

pub(super) fn outcome_of(result: &Result<tandem_connectors::Written, RecordError>) -> WriteOutcome {
    match result {
        Ok(written) => WriteOutcome::Written {
            id: written.id.clone(),
        },
        Err(error) if error.code == "OUTCOME_UNKNOWN" => WriteOutcome::Unknown {
            reason: error.message.clone(),
        },
        Err(error) => WriteOutcome::rejected(
            &error.code,
            &error.message,
            error.fields.clone(),
            error.retryable,
        ),
    }
}

/// Puts a report's outcomes back in input order (keys are input indices). Inputs after the
/// last reported one were never sent; a gap before it is treated as unknown.
pub(super) fn batch_of(system: System, report: WriteReport, inputs: usize) -> WriteBatch {
    let mut by_index: BTreeMap<usize, WriteOutcome> = BTreeMap::new();
    for outcome in &report.outcomes {
        if let Ok(index) = outcome.key.parse::<usize>() {
            by_index.insert(index, outcome_of(&outcome.result));
        }
    }
    let last = by_index.keys().next_back().copied();
    let mut outcomes = Vec::new();
    if let Some(last) = last {
        for index in 0..=last.min(inputs.saturating_sub(1)) {
            outcomes.push(by_index.remove(&index).unwrap_or(WriteOutcome::Unknown {
                reason: "the CRM reported no result for this record".to_string(),
            }));
        }
    }
    WriteBatch {
        outcomes,
        stopped: report.stopped.map(|e| crm_error(system, e)),
    }
}

pub(super) fn watermark_of(cursor: Option<&Value>) -> Option<Watermark> {
    cursor.and_then(|c| serde_json::from_value(c.clone()).ok())
}

/// HubSpot properties are strings; `""` clears one.
pub(super) fn hubspot_strings(fields: &BTreeMap<String, Value>) -> BTreeMap<String, String> {
    fields
        .iter()
        .map(|(k, v)| {
            let text = match v {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), text)
        })
        .collect()
}
