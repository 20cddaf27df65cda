//! HubSpot as the runtime sees it, over [`HubSpotClient`]: reads map onto the connector's
//! readers (full scans the first time, watermark-based change reads after), writes onto its
//! batch calls; association pseudo-fields are read and written in [`associations`].
//!
//! A full read of a scoped HubSpot side sends the scope's pushdown as CRM search filters, so
//! only matching records cross the wire. Incremental reads stay unfiltered on purpose: a
//! record that left the scope since the last run must still be seen as changed (the planner
//! then leaves its pair alone), and a filter would hide exactly that record.

mod associations;

use std::collections::BTreeMap;

use serde_json::Value;

use tandem_connectors::{ConnectorError, HubSpotClient, HubSpotInput, RemoteRecord, WriteReport};
use tandem_ground::schema::System;
use tandem_language::compile::Pushdown;

use super::connector_outcome::{batch_of, crm_error, hubspot_strings, watermark_of};
use super::crm::{Crm, CrmError, ReadRequest, ReadResult, RecordWrite, WriteBatch};

/// HubSpot through [`HubSpotClient`].
pub struct HubSpotCrm {
    pub client: HubSpotClient,
}

impl Crm for HubSpotCrm {
    fn system(&self) -> System {
        System::Hubspot
    }

    fn remaining_budget(&self) -> Option<u64> {
        self.client.stats().quota.daily_remaining
    }

    fn calls(&self) -> u64 {
        self.client.stats().metered()
    }

    async fn read(&mut self, request: &ReadRequest<'_>) -> Result<ReadResult, CrmError> {
        // Association pseudo-fields are not properties: they are read after the records.
        let (properties, associated) = associations::split_fields(request.fields);
        let request = &ReadRequest {
            fields: &properties,
            ..request.clone()
        };
        let err = |e: ConnectorError| crm_error(System::Hubspot, e);
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

    async fn read_ids(
        &mut self,
        object: &str,
        fields: &[String],
        ids: &[String],
    ) -> Result<Vec<RemoteRecord>, CrmError> {
        let (properties, associated) = associations::split_fields(fields);
        let mut records = self
            .client
            .read_ids(object, &properties, ids)
            .await
            .map_err(|e| crm_error(System::Hubspot, e))?;
        self.attach_associations(object, &associated, &mut records)
            .await?;
        Ok(records)
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
            .map_err(|e| crm_error(System::Hubspot, e))
    }

    async fn create(&mut self, object: &str, records: &[RecordWrite]) -> WriteBatch {
        let inputs: Vec<HubSpotInput> = records
            .iter()
            .enumerate()
            .map(|(i, write)| associations::create_input(i, write))
            .collect();
        let report = self.client.batch_create(object, &inputs).await;
        batch_of(System::Hubspot, report, inputs.len())
    }

    async fn update(&mut self, object: &str, records: &[(String, RecordWrite)]) -> WriteBatch {
        if let Some(batch) = self.update_with_associations(object, records).await {
            return batch;
        }
        let inputs: Vec<HubSpotInput> = records
            .iter()
            .enumerate()
            .map(|(i, (id, write))| {
                HubSpotInput::new(
                    i.to_string(),
                    Some(id.clone()),
                    hubspot_strings(&write.fields),
                )
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
