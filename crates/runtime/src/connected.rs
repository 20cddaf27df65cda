//! The [`Crm`] seam over the HTTP connectors: HubSpot and Salesforce as the runtime sees them.
//!
//! Reads map onto the connectors' readers (full scans the first time, watermark-based change
//! reads after), writes onto their batch calls; per-record errors become rejections except
//! `OUTCOME_UNKNOWN`, which stays unknown so the journal keeps it pending.
//!
//! A full read of a scoped HubSpot side sends the scope's pushdown as CRM search filters, so
//! only matching records cross the wire. Incremental reads stay unfiltered on purpose: a
//! record that left the scope since the last run must still be seen as changed (the planner
//! then leaves its pair alone), and a filter would hide exactly that record.

use std::collections::BTreeMap;

use serde_json::Value;

use tandem_connectors::{
    ConnectorError, HubSpotClient, HubSpotInput, RecordError, RemoteRecord, SalesforceClient,
    SalesforceInput, Watermark, WriteReport,
};
use tandem_ground::schema::System;
use tandem_language::compile::Pushdown;

use super::crm::{Crm, CrmError, ReadRequest, ReadResult, WriteBatch, WriteOutcome};

pub(super) fn crm_error(system: System, error: &ConnectorError) -> CrmError {
    match error {
        ConnectorError::DailyLimitExhausted { .. } | ConnectorError::CallCapReached { .. } => {
            CrmError::Exhausted {
                system,
                message: error.to_string(),
            }
        }
        _ if error.stops_run() => CrmError::Refused {
            system,
            message: error.to_string(),
        },
        _ => CrmError::Transport {
            system,
            message: error.to_string(),
        },
    }
}

pub(super) fn outcome_of(result: &Result<tandem_connectors::Written, RecordError>) -> WriteOutcome {
    match result {
        Ok(written) => WriteOutcome::Written {
            id: written.id.clone(),
        },
        Err(error) if error.code == "OUTCOME_UNKNOWN" => WriteOutcome::Unknown {
            reason: error.message.clone(),
        },
        Err(error) => {
            let fields = if error.fields.is_empty() {
                String::new()
            } else {
                format!(" [{}]", error.fields.join(", "))
            };
            WriteOutcome::Rejected {
                reason: format!("{}: {}{fields}", error.code, error.message),
                retryable: error.retryable,
            }
        }
    }
}

/// Puts a report's outcomes back in input order (keys are input indices). Inputs after the
/// last reported one were never sent; a gap before it is treated as unknown.
fn batch_of(system: System, report: WriteReport, inputs: usize) -> WriteBatch {
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
        stopped: report.stopped.as_ref().map(|e| crm_error(system, e)),
    }
}

fn watermark_of(cursor: Option<&Value>) -> Option<Watermark> {
    cursor.and_then(|c| serde_json::from_value(c.clone()).ok())
}

/// HubSpot through [`HubSpotClient`].
pub struct HubSpotCrm {
    pub client: HubSpotClient,
}

impl Crm for HubSpotCrm {
    fn system(&self) -> System {
        System::Hubspot
    }

    fn batch_size(&self) -> usize {
        tandem_plan::budget::HUBSPOT_BATCH as usize
    }

    fn remaining_budget(&self) -> Option<u64> {
        self.client.stats().quota.daily_remaining
    }

    fn calls(&self) -> u64 {
        self.client.stats().metered()
    }

    async fn read(&mut self, request: &ReadRequest<'_>) -> Result<ReadResult, CrmError> {
        // Association pseudo-fields are not properties: they are read after the records.
        let (properties, associated) = super::association::split_fields(request.fields);
        let request = &ReadRequest {
            fields: &properties,
            ..request.clone()
        };
        let err = |e: ConnectorError| crm_error(System::Hubspot, &e);
        let since = watermark_of(request.since);
        let mut records: Vec<RemoteRecord> = Vec::new();
        let cursor = {
            let mut reader = match &since {
                Some(mark) => self
                    .client
                    .read_changed(request.object, request.fields, Some(mark)),
                None => match request.pushdown {
                    Some(Pushdown::HubspotSearch { filter_groups }) => {
                        self.client
                            .read_matching(request.object, request.fields, filter_groups)
                    }
                    _ => self.client.read_all(request.object, request.fields),
                },
            };
            while let Some(page) = reader.next_page().await.map_err(err)? {
                records.extend(page);
            }
            reader.watermark()
        };
        if request.include_deleted {
            let mut reader = self.client.read_archived(request.object, request.fields);
            let floor = since.as_ref().and_then(|m| m.high_ms);
            while let Some(page) = reader.next_page().await.map_err(err)? {
                // Archived records older than the last read were seen then.
                records.extend(page.into_iter().filter(|r| {
                    match (
                        floor,
                        r.modified_at
                            .as_deref()
                            .and_then(tandem_ground::timestamp::parse_timestamp_ms),
                    ) {
                        (Some(floor), Some(at)) => at >= floor,
                        _ => true,
                    }
                }));
            }
        }
        self.attach_associations(request.object, &associated, &mut records)
            .await?;
        Ok(ReadResult {
            records,
            cursor: serde_json::to_value(&cursor).ok(),
        })
    }

    async fn read_associated(
        &mut self,
        object: &str,
        fields: &[String],
        ids: &[String],
    ) -> Result<BTreeMap<String, BTreeMap<String, Value>>, CrmError> {
        self.associated_values(object, fields, ids).await
    }

    async fn live_ids(
        &mut self,
        object: &str,
        ids: &[String],
    ) -> Result<std::collections::BTreeSet<String>, CrmError> {
        self.client
            .live_ids(object, ids)
            .await
            .map_err(|e| crm_error(System::Hubspot, &e))
    }

    async fn create(&mut self, object: &str, records: &[BTreeMap<String, Value>]) -> WriteBatch {
        let inputs: Vec<HubSpotInput> = records
            .iter()
            .enumerate()
            .map(|(i, fields)| super::connected_associations::create_input(i, fields))
            .collect();
        let report = self.client.batch_create(object, &inputs).await;
        batch_of(System::Hubspot, report, inputs.len())
    }

    async fn update(
        &mut self,
        object: &str,
        records: &[(String, BTreeMap<String, Value>)],
    ) -> WriteBatch {
        if let Some(batch) = self.update_with_associations(object, records).await {
            return batch;
        }
        let inputs: Vec<HubSpotInput> = records
            .iter()
            .enumerate()
            .map(|(i, (id, fields))| {
                HubSpotInput::new(i.to_string(), Some(id.clone()), strings(fields))
            })
            .collect();
        let report = self.client.batch_update(object, &inputs).await;
        batch_of(System::Hubspot, report, inputs.len())
    }

    async fn delete(&mut self, object: &str, ids: &[String]) -> WriteBatch {
        let report = self.client.batch_archive(object, ids).await;
        // Archive reports are keyed by record id; re-key them by position.
        let positions: BTreeMap<&str, usize> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        let mut rekeyed = WriteReport {
            outcomes: Vec::new(),
            stopped: report.stopped,
        };
        for outcome in report.outcomes {
            let key = positions
                .get(outcome.key.as_str())
                .map(|i| i.to_string())
                .unwrap_or(outcome.key);
            rekeyed.outcomes.push(tandem_connectors::WriteOutcome {
                key,
                result: outcome.result,
            });
        }
        batch_of(System::Hubspot, rekeyed, ids.len())
    }
}

/// HubSpot properties are strings; `""` clears one.
pub(super) fn strings(fields: &BTreeMap<String, Value>) -> BTreeMap<String, String> {
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

/// Salesforce through [`SalesforceClient`].
pub struct SalesforceCrm {
    pub client: SalesforceClient,
}

impl Crm for SalesforceCrm {
    fn system(&self) -> System {
        System::Salesforce
    }

    fn batch_size(&self) -> usize {
        tandem_plan::budget::SALESFORCE_BATCH as usize
    }

    fn remaining_budget(&self) -> Option<u64> {
        self.client.stats().quota.daily_remaining
    }

    fn calls(&self) -> u64 {
        self.client.stats().metered()
    }

    async fn read(&mut self, request: &ReadRequest<'_>) -> Result<ReadResult, CrmError> {
        let err = |e: ConnectorError| crm_error(System::Salesforce, &e);
        let since = watermark_of(request.since);
        let mut records: Vec<RemoteRecord> = Vec::new();
        let cursor = {
            // A full read of a scoped side asks Salesforce for the scope's records only;
            // change reads stay unfiltered (see `SalesforceClient::query_scoped`).
            let mut reader = match (&since, request.pushdown) {
                (None, Some(Pushdown::Soql { condition })) => {
                    self.client
                        .query_scoped(request.object, request.fields, condition)
                }
                _ => self
                    .client
                    .query_changed(request.object, request.fields, since.as_ref()),
            }
            .map_err(err)?;
            while let Some(page) = reader.next_page().await.map_err(err)? {
                records.extend(page);
            }
            reader.watermark()
        };
        if request.include_deleted {
            let mut reader = self
                .client
                .query_deleted(request.object, since.as_ref())
                .map_err(err)?;
            while let Some(page) = reader.next_page().await.map_err(err)? {
                records.extend(page);
            }
        }
        Ok(ReadResult {
            records,
            cursor: serde_json::to_value(&cursor).ok(),
        })
    }

    async fn create(&mut self, object: &str, records: &[BTreeMap<String, Value>]) -> WriteBatch {
        let inputs: Vec<SalesforceInput> = records
            .iter()
            .enumerate()
            .map(|(i, fields)| SalesforceInput::new(i.to_string(), None, fields.clone()))
            .collect();
        let report = self.client.create(object, &inputs).await;
        batch_of(System::Salesforce, report, inputs.len())
    }

    async fn update(
        &mut self,
        object: &str,
        records: &[(String, BTreeMap<String, Value>)],
    ) -> WriteBatch {
        let inputs: Vec<SalesforceInput> = records
            .iter()
            .enumerate()
            .map(|(i, (id, fields))| {
                SalesforceInput::new(i.to_string(), Some(id.clone()), fields.clone())
            })
            .collect();
        let report = self.client.update(object, &inputs).await;
        batch_of(System::Salesforce, report, inputs.len())
    }

    async fn delete(&mut self, object: &str, ids: &[String]) -> WriteBatch {
        let inputs: Vec<SalesforceInput> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| SalesforceInput::new(i.to_string(), Some(id.clone()), BTreeMap::new()))
            .collect();
        let report = self.client.delete(object, &inputs).await;
        batch_of(System::Salesforce, report, inputs.len())
    }
}
