//! Salesforce writes through sObject collections (≤200 records, `allOrNone: false`), switching
//! to Bulk API 2.0 above the configured size.
//!
//! Collections answer 200 with one result per record in request order. Records that failed
//! only with a row lock (`UNABLE_TO_LOCK_ROW`) were not written, so they alone are resent
//! after a backoff, even for creates. Every write carries `Sforce-Call-Options`.

use std::collections::BTreeMap;

use reqwest::Method;
use serde::Deserialize;

use super::{SALESFORCE_COLLECTION_LIMIT, SalesforceClient, soql};
use crate::call_budget::CallKind;
use crate::error::RecordError;
use crate::http::{Call, RetrySafety};
use crate::write::{WriteOutcome, WriteReport, Written};
use tandem_ground::schema::System;

/// One record to write. `key` is the caller's handle for the outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct SalesforceInput {
    pub key: String,
    /// Required for update and delete; absent for create and upsert.
    pub id: Option<String>,
    /// Field values as Salesforce JSON (`null` clears a field). For upsert, includes the
    /// external-id field.
    pub fields: BTreeMap<String, serde_json::Value>,
}

impl SalesforceInput {
    pub fn new(
        key: impl Into<String>,
        id: Option<String>,
        fields: BTreeMap<String, serde_json::Value>,
    ) -> Self {
        SalesforceInput {
            key: key.into(),
            id,
            fields,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Operation {
    Create,
    Update,
    Upsert,
    Delete,
}

#[derive(Debug, Deserialize)]
struct SaveResult {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    success: bool,
    #[serde(default)]
    created: Option<bool>,
    #[serde(default)]
    errors: Vec<SaveError>,
}

#[derive(Debug, Deserialize)]
struct SaveError {
    #[serde(default, rename = "statusCode")]
    status_code: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    fields: Vec<String>,
}

/// Records per Bulk API 2.0 ingest job.
const BULK_JOB_MAX_RECORDS: usize = 100_000;

/// Per-record codes that mean "not written, try again".
fn retryable_code(code: &str) -> bool {
    matches!(
        code,
        "UNABLE_TO_LOCK_ROW" | "SERVER_UNAVAILABLE" | "REQUEST_RUNNING_TOO_LONG"
    )
}

impl SalesforceClient {
    /// `POST /composite/sobjects` (or a Bulk API 2.0 `insert` job above the threshold).
    pub async fn create(&self, sobject: &str, records: &[SalesforceInput]) -> WriteReport {
        self.write(sobject, Operation::Create, None, records).await
    }

    /// `PATCH /composite/sobjects` (every input needs `id`), or Bulk `update`.
    pub async fn update(&self, sobject: &str, records: &[SalesforceInput]) -> WriteReport {
        self.write(sobject, Operation::Update, None, records).await
    }

    /// `PATCH /composite/sobjects/{sobject}/{external_id_field}`, or Bulk `upsert`.
    pub async fn upsert(
        &self,
        sobject: &str,
        external_id_field: &str,
        records: &[SalesforceInput],
    ) -> WriteReport {
        self.write(sobject, Operation::Upsert, Some(external_id_field), records)
            .await
    }

    /// `DELETE /composite/sobjects?ids=…&allOrNone=false`, or Bulk `delete`. Inputs need `id`.
    pub async fn delete(&self, sobject: &str, records: &[SalesforceInput]) -> WriteReport {
        self.write(sobject, Operation::Delete, None, records).await
    }

    async fn write(
        &self,
        sobject: &str,
        operation: Operation,
        external_id: Option<&str>,
        records: &[SalesforceInput],
    ) -> WriteReport {
        let mut report = WriteReport::default();
        if let Err(error) = soql::check_names(std::iter::once(sobject).chain(external_id)) {
            report.fail_all(
                records.iter().map(|r| r.key.clone()),
                &error.to_record_error(System::Salesforce),
            );
            return report;
        }
        if records.len() > self.bulk_threshold {
            // Jobs of at most 100,000 records and `bulk_upload_max_bytes` of CSV each keep every
            // upload under Salesforce's 150 MB cap.
            for job in
                super::bulk::bulk_jobs(records, BULK_JOB_MAX_RECORDS, self.bulk_upload_max_bytes)
            {
                let part = self
                    .bulk_write(sobject, operation, external_id, &records[job])
                    .await;
                report.outcomes.extend(part.outcomes);
                if part.stopped.is_some() {
                    report.stopped = part.stopped;
                    break;
                }
            }
            return report;
        }
        for chunk in records.chunks(SALESFORCE_COLLECTION_LIMIT) {
            if let Err(stop) = self
                .collection_chunk(sobject, operation, external_id, chunk, &mut report)
                .await
            {
                report.stopped = Some(stop);
                return report;
            }
        }
        report
    }

    /// Sends one chunk, resending only its row-locked records; returns `Err` when the run
    /// must stop (outcomes of the chunk's unsent records are then left out).
    async fn collection_chunk(
        &self,
        sobject: &str,
        operation: Operation,
        external_id: Option<&str>,
        chunk: &[SalesforceInput],
        report: &mut WriteReport,
    ) -> Result<(), crate::error::ConnectorError> {
        let mut pending: Vec<&SalesforceInput> = chunk.iter().collect();
        let mut attempt = 0u32;
        loop {
            let call = self
                .collection_call(sobject, operation, external_id, &pending)
                .await;
            let results: Vec<SaveResult> = match self.core.send(call).await {
                Ok(reply) => match reply.json() {
                    Ok(results) => results,
                    Err(error) => {
                        report.fail_all(
                            pending.iter().map(|r| r.key.clone()),
                            &error.to_record_error(System::Salesforce),
                        );
                        return Ok(());
                    }
                },
                Err(error) if error.stops_run() => return Err(error),
                Err(error) => {
                    report.fail_all(
                        pending.iter().map(|r| r.key.clone()),
                        &error.to_record_error(System::Salesforce),
                    );
                    return Ok(());
                }
            };
            let mut locked = Vec::new();
            for (index, input) in pending.iter().enumerate() {
                let Some(result) = results.get(index) else {
                    report.outcomes.push(WriteOutcome {
                        key: input.key.clone(),
                        result: Err(RecordError {
                            system: System::Salesforce,
                            code: "MISSING_RESULT".into(),
                            message: "Salesforce returned fewer results than records sent".into(),
                            fields: Vec::new(),
                            retryable: false,
                        }),
                    });
                    continue;
                };
                if result.success {
                    let id = result
                        .id
                        .clone()
                        .or_else(|| input.id.clone())
                        .unwrap_or_default();
                    let created = match operation {
                        Operation::Create => true,
                        Operation::Upsert => result.created.unwrap_or(false),
                        Operation::Update | Operation::Delete => false,
                    };
                    report.outcomes.push(WriteOutcome {
                        key: input.key.clone(),
                        result: Ok(Written { id, created }),
                    });
                    continue;
                }
                let error = to_record_error(&result.errors);
                if error.retryable && attempt + 1 < self.core.max_attempts() {
                    locked.push(*input);
                } else if operation == Operation::Delete && error.code == "ENTITY_IS_DELETED" {
                    // Deleting what is already deleted is the outcome asked for (and what a
                    // resent delete sees).
                    let id = input.id.clone().unwrap_or_default();
                    report.outcomes.push(WriteOutcome {
                        key: input.key.clone(),
                        result: Ok(Written { id, created: false }),
                    });
                } else {
                    report.outcomes.push(WriteOutcome {
                        key: input.key.clone(),
                        result: Err(error),
                    });
                }
            }
            if locked.is_empty() {
                return Ok(());
            }
            tokio::time::sleep(self.core.backoff_wait(attempt)).await;
            attempt += 1;
            pending = locked;
        }
    }

    async fn collection_call(
        &self,
        sobject: &str,
        operation: Operation,
        external_id: Option<&str>,
        records: &[&SalesforceInput],
    ) -> Call {
        let record_json = |input: &SalesforceInput, with_id: bool| {
            let mut json = serde_json::Map::new();
            json.insert("attributes".into(), serde_json::json!({"type": sobject}));
            if with_id && let Some(id) = &input.id {
                json.insert("Id".into(), serde_json::Value::String(id.clone()));
            }
            for (field, value) in &input.fields {
                json.insert(field.clone(), value.clone());
            }
            serde_json::Value::Object(json)
        };
        let call = match operation {
            Operation::Create => {
                let url = self.data_url(&["composite", "sobjects"]).await;
                let body = serde_json::json!({"allOrNone": false, "records": records.iter().map(|r| record_json(r, false)).collect::<Vec<_>>()});
                Call::new(Method::POST, url, CallKind::Write)
                    .json(body)
                    .safety(RetrySafety::OnlyIfRejected)
            }
            Operation::Update => {
                let url = self.data_url(&["composite", "sobjects"]).await;
                let body = serde_json::json!({"allOrNone": false, "records": records.iter().map(|r| record_json(r, true)).collect::<Vec<_>>()});
                Call::new(Method::PATCH, url, CallKind::Write).json(body)
            }
            Operation::Upsert => {
                let url = self
                    .data_url(&[
                        "composite",
                        "sobjects",
                        sobject,
                        external_id.unwrap_or("Id"),
                    ])
                    .await;
                let body = serde_json::json!({"allOrNone": false, "records": records.iter().map(|r| record_json(r, false)).collect::<Vec<_>>()});
                Call::new(Method::PATCH, url, CallKind::Write).json(body)
            }
            Operation::Delete => {
                let mut url = self.data_url(&["composite", "sobjects"]).await;
                let ids: Vec<&str> = records.iter().filter_map(|r| r.id.as_deref()).collect();
                url.query_pairs_mut()
                    .append_pair("ids", &ids.join(","))
                    .append_pair("allOrNone", "false");
                Call::new(Method::DELETE, url, CallKind::Write)
            }
        };
        call.header("Sforce-Call-Options", self.call_options.clone())
    }
}

fn to_record_error(errors: &[SaveError]) -> RecordError {
    let first = errors.first();
    let code = first
        .map(|e| e.status_code.clone())
        .unwrap_or_else(|| "UNKNOWN_ERROR".into());
    RecordError {
        system: System::Salesforce,
        retryable: retryable_code(&code),
        code,
        message: errors
            .iter()
            .map(|e| e.message.as_str())
            .collect::<Vec<_>>()
            .join("; "),
        fields: errors
            .iter()
            .flat_map(|e| e.fields.iter().cloned())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_record_errors_keep_code_message_and_fields() {
        let errors: Vec<SaveError> = serde_json::from_str(
            r#"[{"statusCode":"REQUIRED_FIELD_MISSING","message":"Required fields are missing: [LastName]","fields":["LastName"]}]"#,
        )
        .unwrap();
        let error = to_record_error(&errors);
        assert_eq!(error.code, "REQUIRED_FIELD_MISSING");
        assert_eq!(error.fields, vec!["LastName".to_string()]);
        assert!(!error.retryable);
        let locked: Vec<SaveError> = serde_json::from_str(
            r#"[{"statusCode":"UNABLE_TO_LOCK_ROW","message":"unable to obtain exclusive access to this record","fields":[]}]"#,
        )
        .unwrap();
        assert!(to_record_error(&locked).retryable);
    }
}
