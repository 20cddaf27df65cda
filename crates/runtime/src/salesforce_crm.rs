//! Salesforce as the runtime sees it, over [`SalesforceClient`]: SOQL reads (scoped on full
//! reads, unfiltered change reads), `queryAll` for deletions, sObject Collections writes.

use std::collections::BTreeMap;

use tandem_connectors::{ConnectorError, RemoteRecord, SalesforceClient, SalesforceInput};
use tandem_ground::schema::System;
use tandem_language::compile::Pushdown;

use super::connector_outcome::{batch_of, crm_error, watermark_of};
use super::crm::{Crm, CrmError, ReadRequest, ReadResult, RecordWrite, WriteBatch};

/// Salesforce through [`SalesforceClient`].
pub struct SalesforceCrm {
    pub client: SalesforceClient,
}

impl Crm for SalesforceCrm {
    fn system(&self) -> System {
        System::Salesforce
    }

    fn remaining_budget(&self) -> Option<u64> {
        self.client.stats().quota.daily_remaining
    }

    fn calls(&self) -> u64 {
        self.client.stats().metered()
    }

    async fn read(&mut self, request: &ReadRequest<'_>) -> Result<ReadResult, CrmError> {
        let err = |e: ConnectorError| crm_error(System::Salesforce, e);
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

    async fn read_ids(
        &mut self,
        object: &str,
        fields: &[String],
        ids: &[String],
    ) -> Result<Vec<RemoteRecord>, CrmError> {
        self.client
            .query_ids(object, fields, ids)
            .await
            .map_err(|e| crm_error(System::Salesforce, e))
    }

    async fn create(&mut self, object: &str, records: &[RecordWrite]) -> WriteBatch {
        // Salesforce keeps links in reference fields: a write to it has no association.
        let inputs: Vec<SalesforceInput> = records
            .iter()
            .enumerate()
            .map(|(i, write)| SalesforceInput::new(i.to_string(), None, write.fields.clone()))
            .collect();
        let report = self.client.create(object, &inputs).await;
        batch_of(System::Salesforce, report, inputs.len())
    }

    async fn update(&mut self, object: &str, records: &[(String, RecordWrite)]) -> WriteBatch {
        let inputs: Vec<SalesforceInput> = records
            .iter()
            .enumerate()
            .map(|(i, (id, write))| {
                SalesforceInput::new(i.to_string(), Some(id.clone()), write.fields.clone())
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
