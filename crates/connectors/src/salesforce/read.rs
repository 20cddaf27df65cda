//! Salesforce reads: SOQL on `SystemModstamp` with an overlap window and dedupe, paged by
//! `nextRecordsUrl`; `queryAll` for soft deletes and merges (`MasterRecordId`); getDeleted.
//!
//! One query locator serves a whole read, so pages never overlap within a run; the
//! [`ChangeTracker`] drops rows of the overlap window that the previous run delivered.

use reqwest::Method;
use serde::Deserialize;

use super::soql;
use super::{SALESFORCE_COLLECTION_LIMIT, SalesforceClient};
use crate::call_budget::CallKind;
use crate::error::ConnectorError;
use crate::http::Call;
use crate::watermark::{ChangeTracker, Watermark, ms_to_rfc3339, parse_timestamp_ms};
use tandem_ground::field_map::{FieldMap, FieldName};
use tandem_ground::record::RemoteRecord;

#[derive(Debug, Deserialize)]
struct QueryResponse {
    // `totalSize`, `done` and `records` are in every answer to a query; a 200 without them
    // (a proxy's `{}`, a wrong URL) is refused instead of read as an empty org.
    #[serde(rename = "totalSize")]
    _total_size: u64,
    done: bool,
    #[serde(default, rename = "nextRecordsUrl")]
    next_records_url: Option<String>,
    records: Vec<serde_json::Map<String, serde_json::Value>>,
}

/// Pages of one SOQL read; call [`SalesforceReader::next_page`] until `None`, then save
/// [`SalesforceReader::watermark`].
#[derive(Debug)]
pub struct SalesforceReader<'c> {
    client: &'c SalesforceClient,
    /// `query` or `queryAll`.
    resource: &'static str,
    soql: String,
    next: Option<String>,
    started: bool,
    done: bool,
    tracker: ChangeTracker,
    /// Fields copied into each record (the select list minus `Id`). Every record's map shares
    /// these names instead of allocating its own.
    fields: Vec<FieldName>,
}

impl SalesforceClient {
    /// Records of `sobject` whose `SystemModstamp` is at or after the watermark minus the
    /// overlap (all records when `None`), ordered by `SystemModstamp, Id`. Leads always
    /// carry `IsConverted` and the `Converted*Id` fields.
    pub fn query_changed(
        &self,
        sobject: &str,
        fields: &[String],
        since: Option<&Watermark>,
    ) -> Result<SalesforceReader<'_>, ConnectorError> {
        let tracker = ChangeTracker::new(since, self.overlap_ms);
        let soql = soql::changed_query(sobject, fields, tracker.start_ms())?;
        let fields = soql::select_list(sobject, fields)
            .into_iter()
            .filter(|f| f != "Id")
            .collect();
        Ok(SalesforceReader::new(self, "query", soql, tracker, fields))
    }

    /// Every record of `sobject` within a scope condition (a full read: the watermark it
    /// leaves starts the next, unfiltered, change read). Incremental reads stay unfiltered
    /// so a record that left the scope is still seen as changed.
    pub fn query_scoped(
        &self,
        sobject: &str,
        fields: &[String],
        condition: &str,
    ) -> Result<SalesforceReader<'_>, ConnectorError> {
        let tracker = ChangeTracker::new(None, self.overlap_ms);
        let soql = soql::scoped_query(sobject, fields, condition)?;
        let fields = soql::select_list(sobject, fields)
            .into_iter()
            .filter(|f| f != "Id")
            .collect();
        Ok(SalesforceReader::new(self, "query", soql, tracker, fields))
    }

    /// The records of `ids` (live ones; a deleted or unknown id is left out), 200 ids per
    /// SOQL query. The runtime reads records that wait for another record this way on every
    /// incremental run. An id that is not a Salesforce id is refused before any call, so
    /// nothing but ids reaches the query text.
    pub async fn query_ids(
        &self,
        sobject: &str,
        fields: &[String],
        ids: &[String],
    ) -> Result<Vec<RemoteRecord>, ConnectorError> {
        let mut out = Vec::new();
        for chunk in ids.chunks(SALESFORCE_COLLECTION_LIMIT) {
            let mut quoted = Vec::with_capacity(chunk.len());
            for id in chunk {
                let Some(id) = tandem_ground::crm_facts::salesforce_id::normalize(id) else {
                    return Err(ConnectorError::UnexpectedResponse {
                        system: tandem_ground::schema::System::Salesforce,
                        path: format!("{sobject} ids"),
                        message: format!("{id:?} is not a Salesforce record id"),
                    });
                };
                quoted.push(format!("'{id}'"));
            }
            let condition = format!("Id IN ({})", quoted.join(", "));
            let mut reader = self.query_scoped(sobject, fields, &condition)?;
            while let Some(page) = reader.next_page().await? {
                out.extend(page);
            }
        }
        Ok(out)
    }

    /// Soft-deleted records (Recycle Bin, 15 days) via `queryAll`: `deleted: true`, and
    /// `merged_into` = `MasterRecordId` for merge losers (Lead, Contact, Account).
    pub fn query_deleted(
        &self,
        sobject: &str,
        since: Option<&Watermark>,
    ) -> Result<SalesforceReader<'_>, ConnectorError> {
        let tracker = ChangeTracker::new(since, self.overlap_ms);
        let soql = soql::deleted_query(sobject, tracker.start_ms())?;
        Ok(SalesforceReader::new(
            self,
            "queryAll",
            soql,
            tracker,
            vec!["SystemModstamp".into()],
        ))
    }

    /// `GET /sobjects/{X}/deleted/?start=&end=` (window within the last 15 days): ids and
    /// deletion times of records deleted in `[start, end]`, including hard deletes the
    /// Recycle Bin no longer shows.
    pub async fn get_deleted(
        &self,
        sobject: &str,
        start_ms: i64,
        end_ms: i64,
    ) -> Result<Vec<RemoteRecord>, ConnectorError> {
        soql::check_names([sobject])?;
        let mut url = self.data_url(&["sobjects", sobject, "deleted", ""]).await;
        let start = ms_to_rfc3339(start_ms).unwrap_or_default();
        let end = ms_to_rfc3339(end_ms).unwrap_or_default();
        url.query_pairs_mut()
            .append_pair("start", &start)
            .append_pair("end", &end);
        let body: serde_json::Value = self
            .core
            .send(Call::new(Method::GET, url, CallKind::Read))
            .await?
            .json()?;
        let deleted = body
            .get("deletedRecords")
            .and_then(|v| v.as_array())
            .cloned()
            .unwrap_or_default();
        Ok(deleted
            .into_iter()
            .filter_map(|entry| {
                let id = entry.get("id")?.as_str()?.to_string();
                let at = entry
                    .get("deletedDate")
                    .and_then(|d| d.as_str())
                    .map(str::to_string);
                Some(RemoteRecord {
                    id,
                    fields: FieldMap::new(),
                    modified_at: at
                        .as_deref()
                        .and_then(parse_timestamp_ms)
                        .and_then(ms_to_rfc3339)
                        .or(at),
                    deleted: true,
                    merged_into: None,
                })
            })
            .collect())
    }

    /// `GET /limits`: the org's daily allocations; `DailyApiRequests` also feeds the budget.
    pub async fn limits(&self) -> Result<serde_json::Value, ConnectorError> {
        let url = self.data_url(&["limits"]).await;
        let body: serde_json::Value = self
            .core
            .send(Call::new(Method::GET, url, CallKind::Metadata))
            .await?
            .json()?;
        if let Some(reading) = crate::call_budget::parse_salesforce_limits(&body) {
            self.core.budget.observe(reading);
        }
        Ok(body)
    }
}

impl<'c> SalesforceReader<'c> {
    fn new(
        client: &'c SalesforceClient,
        resource: &'static str,
        soql: String,
        tracker: ChangeTracker,
        fields: Vec<String>,
    ) -> Self {
        SalesforceReader {
            client,
            resource,
            soql,
            next: None,
            started: false,
            done: false,
            tracker,
            fields: fields.into_iter().map(FieldName::from).collect(),
        }
    }

    /// The SOQL this reader sends (for logs and the plan's read summary).
    pub fn soql(&self) -> &str {
        &self.soql
    }

    pub fn watermark(&self) -> Watermark {
        self.tracker.finish()
    }

    /// The next page (up to 2,000 rows), or `None` at the end.
    pub async fn next_page(&mut self) -> Result<Option<Vec<RemoteRecord>>, ConnectorError> {
        if self.done {
            return Ok(None);
        }
        let url = match (&self.next, self.started) {
            (Some(next), _) => self.client.relative_url(next).await?,
            (None, false) => {
                let mut url = self.client.data_url(&[self.resource]).await;
                url.query_pairs_mut().append_pair("q", &self.soql);
                url
            }
            (None, true) => {
                self.done = true;
                return Ok(None);
            }
        };
        self.started = true;
        let call = Call::new(Method::GET, url, CallKind::Read)
            .header("Sforce-Query-Options", "batchSize=2000");
        let response: QueryResponse = self.client.core.send(call).await?.json()?;
        self.next = response.next_records_url.filter(|_| !response.done);
        if self.next.is_none() {
            self.done = true;
        }
        let mut page = Vec::with_capacity(response.records.len());
        for mut row in response.records {
            row.remove("attributes");
            let Some(id) = row.get("Id").and_then(|v| v.as_str()).map(str::to_string) else {
                continue;
            };
            let stamp = row
                .get("SystemModstamp")
                .and_then(|v| v.as_str())
                .map(str::to_string);
            let stamp_ms = stamp.as_deref().and_then(parse_timestamp_ms);
            if let Some(ms) = stamp_ms
                && !self.tracker.admit(&id, ms)
            {
                continue;
            }
            let deleted = row
                .get("IsDeleted")
                .and_then(|v| v.as_bool())
                .unwrap_or(false);
            let merged_into = row
                .get("MasterRecordId")
                .and_then(|v| v.as_str())
                .map(str::to_string);
            let fields = self
                .fields
                .iter()
                .map(|field| {
                    (
                        field.clone(),
                        row.get(field.as_str())
                            .cloned()
                            .unwrap_or(serde_json::Value::Null),
                    )
                })
                .collect();
            page.push(RemoteRecord {
                id,
                fields,
                modified_at: stamp_ms.and_then(ms_to_rfc3339).or(stamp),
                deleted,
                merged_into,
            });
        }
        Ok(Some(page))
    }
}
