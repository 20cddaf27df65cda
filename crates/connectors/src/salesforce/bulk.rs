//! Bulk API 2.0 ingest: create job → upload CSV → UploadComplete → poll → read results.
//!
//! Results come back as CSV in no guaranteed order, so rows are matched to inputs by their
//! own key: `Id` for update and delete, the external-id value for upsert, and the whole row
//! for insert (Salesforce echoes the uploaded columns). A job costs about six calls
//! whatever its size, against one call per 200 records for collections.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use reqwest::Method;
use serde::Deserialize;

use super::SalesforceClient;
use super::write::{Operation, SalesforceInput};
use crate::call_budget::CallKind;
use crate::error::{ConnectorError, RecordError};
use crate::http::{Call, RetrySafety};
use crate::write::{WriteOutcome, WriteReport, Written};
use tandem_ground::schema::System;

/// Bulk API 2.0 writes `#N/A` to set a field to null.
const BULK_NULL: &str = "#N/A";

#[derive(Debug, Deserialize)]
struct JobInfo {
    id: String,
    #[serde(default)]
    state: String,
    #[serde(default, rename = "errorMessage")]
    error_message: Option<String>,
}

/// Splits `records` into ingest jobs of at most `max_records` records and about `max_bytes`
/// of CSV each (an estimate: every value's text plus quoting and a separator, which is never
/// less than what the writer produces for plain values and close for quoted ones).
pub(super) fn bulk_jobs(
    records: &[SalesforceInput],
    max_records: usize,
    max_bytes: usize,
) -> Vec<std::ops::Range<usize>> {
    let mut jobs = Vec::new();
    let mut start = 0;
    let mut bytes = 0usize;
    for (index, record) in records.iter().enumerate() {
        let row: usize = record.id.as_ref().map_or(0, |id| id.len() + 1)
            + record
                .fields
                .values()
                .map(|value| match value {
                    serde_json::Value::String(text) => text.len() + 3,
                    serde_json::Value::Null => BULK_NULL.len() + 1,
                    other => other.to_string().len() + 3,
                })
                .sum::<usize>()
            + 1;
        let full =
            index - start >= max_records.max(1) || (bytes + row > max_bytes && index > start);
        if full {
            jobs.push(start..index);
            start = index;
            bytes = 0;
        }
        bytes += row;
    }
    if start < records.len() {
        jobs.push(start..records.len());
    }
    jobs
}

/// The CSV to upload and, per input, the text that identifies its result row.
pub(super) fn build_csv(
    operation: Operation,
    external_id: Option<&str>,
    records: &[SalesforceInput],
) -> (Vec<String>, String, Vec<String>) {
    let mut columns: Vec<String> = Vec::new();
    if matches!(operation, Operation::Update | Operation::Delete) {
        columns.push("Id".to_string());
    }
    if operation != Operation::Delete {
        let names: BTreeSet<&String> = records.iter().flat_map(|r| r.fields.keys()).collect();
        columns.extend(
            names
                .into_iter()
                .filter(|name| name.as_str() != "Id")
                .cloned(),
        );
    }
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let _ = writer.write_record(&columns);
    let mut keys = Vec::with_capacity(records.len());
    for record in records {
        let row: Vec<String> = columns
            .iter()
            .map(|column| {
                if column == "Id" {
                    record.id.clone().unwrap_or_default()
                } else {
                    match record.fields.get(column) {
                        None => String::new(),
                        Some(serde_json::Value::Null) => BULK_NULL.to_string(),
                        Some(serde_json::Value::String(text)) => text.clone(),
                        Some(other) => other.to_string(),
                    }
                }
            })
            .collect();
        keys.push(row_key(operation, external_id, &columns, &row));
        let _ = writer.write_record(&row);
    }
    let csv = writer
        .into_inner()
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default();
    (columns, csv, keys)
}

fn row_key(
    operation: Operation,
    external_id: Option<&str>,
    columns: &[String],
    row: &[String],
) -> String {
    let pick = |name: &str| {
        columns
            .iter()
            .position(|c| c == name)
            .and_then(|i| row.get(i))
            .cloned()
            .unwrap_or_default()
    };
    match operation {
        Operation::Update | Operation::Delete => pick("Id"),
        Operation::Upsert => pick(external_id.unwrap_or("Id")),
        Operation::Create => row.join("\u{1f}"),
    }
}

/// `sf__Error` looks like `REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --`.
pub(super) fn parse_bulk_error(text: &str) -> RecordError {
    let (code, rest) = text.split_once(':').unwrap_or((text, ""));
    let rest = rest.trim_end_matches(" --").trim_end_matches("--");
    let (message, fields) = match rest.rsplit_once(':') {
        Some((message, fields)) if !fields.contains(' ') || fields.trim().is_empty() => (
            message.to_string(),
            fields
                .split(',')
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .map(str::to_string)
                .collect(),
        ),
        _ => (rest.to_string(), Vec::new()),
    };
    RecordError {
        system: System::Salesforce,
        retryable: code == "UNABLE_TO_LOCK_ROW",
        code: code.trim().to_string(),
        message: message.trim().to_string(),
        fields,
    }
}

impl SalesforceClient {
    pub(super) async fn bulk_write(
        &self,
        sobject: &str,
        operation: Operation,
        external_id: Option<&str>,
        records: &[SalesforceInput],
    ) -> WriteReport {
        let mut report = WriteReport::default();
        match self
            .run_bulk_job(sobject, operation, external_id, records)
            .await
        {
            Ok(outcomes) => report.outcomes = outcomes,
            Err(error) if error.stops_run() => report.stopped = Some(error),
            Err(error) => report.fail_all(
                records.iter().map(|r| r.key.clone()),
                &error.to_record_error(System::Salesforce),
            ),
        }
        report
    }

    async fn run_bulk_job(
        &self,
        sobject: &str,
        operation: Operation,
        external_id: Option<&str>,
        records: &[SalesforceInput],
    ) -> Result<Vec<WriteOutcome>, ConnectorError> {
        let (columns, csv, keys) = build_csv(operation, external_id, records);
        let verb = match operation {
            Operation::Create => "insert",
            Operation::Update => "update",
            Operation::Upsert => "upsert",
            Operation::Delete => "delete",
        };
        let mut body = serde_json::json!({"object": sobject, "operation": verb, "contentType": "CSV", "lineEnding": "LF", "columnDelimiter": "COMMA"});
        if let Some(field) = external_id {
            body["externalIdFieldName"] = serde_json::Value::String(field.to_string());
        }
        // Creating a job writes nothing, but a lost answer would leave an orphan Open job;
        // that is harmless (Salesforce deletes it), so job creation may be retried.
        let url = self.data_url(&["jobs", "ingest"]).await;
        let create = Call::new(Method::POST, url, CallKind::Write)
            .json(body)
            .header("Sforce-Call-Options", self.call_options.clone());
        let job: JobInfo = self.core.send(create).await?.json()?;
        let upload_url = self.data_url(&["jobs", "ingest", &job.id, "batches"]).await;
        // Re-uploading the same data to an Open job replaces nothing twice: safe to retry.
        self.core
            .send(Call::new(Method::PUT, upload_url, CallKind::Write).csv(csv))
            .await?;
        let job_url = self.data_url(&["jobs", "ingest", &job.id]).await;
        let close = Call::new(Method::PATCH, job_url.clone(), CallKind::Write)
            .json(serde_json::json!({"state": "UploadComplete"}))
            .safety(RetrySafety::Idempotent);
        self.core.send(close).await?;
        let mut wait = self.bulk_poll;
        let finished = loop {
            tokio::time::sleep(wait).await;
            let info: JobInfo = self
                .core
                .send(Call::new(Method::GET, job_url.clone(), CallKind::Metadata))
                .await?
                .json()?;
            match info.state.as_str() {
                "JobComplete" => break info,
                "Failed" | "Aborted" => {
                    return Err(ConnectorError::BulkJobFailed {
                        job_id: info.id,
                        state: info.state,
                        message: info.error_message.unwrap_or_default(),
                    });
                }
                _ => wait = (wait * 2).min(std::time::Duration::from_secs(5)),
            }
        };
        let mut remaining: BTreeMap<String, VecDeque<usize>> = BTreeMap::new();
        for (index, key) in keys.iter().enumerate() {
            remaining.entry(key.clone()).or_default().push_back(index);
        }
        let mut outcomes: Vec<Option<Result<Written, RecordError>>> = vec![None; records.len()];
        for (resource, success) in [("successfulResults", true), ("failedResults", false)] {
            let url = self
                .data_url(&["jobs", "ingest", &finished.id, resource, ""])
                .await;
            let reply = self
                .core
                .send(Call::new(Method::GET, url, CallKind::Read))
                .await?;
            let mut reader = csv::ReaderBuilder::new().from_reader(reply.body.as_slice());
            let header: Vec<String> = reader
                .headers()
                .map(|h| h.iter().map(str::to_string).collect())
                .unwrap_or_default();
            let position = |name: &str| header.iter().position(|h| h == name);
            let (id_at, created_at, error_at) = (
                position("sf__Id"),
                position("sf__Created"),
                position("sf__Error"),
            );
            for row in reader.records().flatten() {
                let values: Vec<String> = columns
                    .iter()
                    .map(|column| {
                        position(column)
                            .and_then(|i| row.get(i))
                            .unwrap_or("")
                            .to_string()
                    })
                    .collect();
                let key = row_key(operation, external_id, &columns, &values);
                let Some(index) = remaining.get_mut(&key).and_then(VecDeque::pop_front) else {
                    continue;
                };
                let field =
                    |at: Option<usize>| at.and_then(|i| row.get(i)).unwrap_or("").to_string();
                outcomes[index] = Some(if success {
                    Ok(Written {
                        id: field(id_at),
                        created: field(created_at).eq_ignore_ascii_case("true"),
                    })
                } else {
                    Err(parse_bulk_error(&field(error_at)))
                });
            }
        }
        Ok(records
            .iter()
            .zip(outcomes)
            .map(|(record, outcome)| WriteOutcome {
                key: record.key.clone(),
                result: outcome.unwrap_or_else(|| {
                    Err(RecordError {
                        system: System::Salesforce,
                        code: "UNPROCESSED".into(),
                        message: format!("Bulk job {} did not process this record", finished.id),
                        fields: Vec::new(),
                        retryable: true,
                    })
                }),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(key: &str, id: Option<&str>, fields: &[(&str, serde_json::Value)]) -> SalesforceInput {
        SalesforceInput::new(
            key,
            id.map(str::to_string),
            fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn update_csv_puts_id_first_quotes_text_and_nulls_with_na() {
        let records = [
            input(
                "a",
                Some("00Q1"),
                &[
                    ("LastName", "O'Brien, Jr".into()),
                    ("Phone", serde_json::Value::Null),
                ],
            ),
            input(
                "b",
                Some("00Q2"),
                &[("LastName", "Lee".into()), ("NumberOfEmployees", 12.into())],
            ),
        ];
        let (columns, csv, keys) = build_csv(Operation::Update, None, &records);
        assert_eq!(
            columns,
            vec!["Id", "LastName", "NumberOfEmployees", "Phone"]
        );
        assert_eq!(
            csv,
            "Id,LastName,NumberOfEmployees,Phone\n00Q1,\"O'Brien, Jr\",,#N/A\n00Q2,Lee,12,\n"
        );
        assert_eq!(keys, vec!["00Q1", "00Q2"]);
    }

    #[test]
    fn jobs_split_on_record_count_and_upload_size() {
        let records: Vec<SalesforceInput> = (0..10)
            .map(|i| {
                input(
                    &i.to_string(),
                    Some("00Q000000000001AAA"),
                    &[("Title", "x".repeat(80).into())],
                )
            })
            .collect();
        assert_eq!(bulk_jobs(&records, 4, usize::MAX), vec![0..4, 4..8, 8..10]);
        // About 103 bytes per row: 250 bytes hold two rows.
        assert_eq!(
            bulk_jobs(&records, 100, 250),
            vec![0..2, 2..4, 4..6, 6..8, 8..10]
        );
        // A single row larger than the limit still goes, alone.
        assert_eq!(bulk_jobs(&records[..2], 100, 10), vec![0..1, 1..2]);
        assert!(bulk_jobs(&[], 100, 10).is_empty());
    }

    #[test]
    fn bulk_error_text_splits_into_code_message_and_fields() {
        let error = parse_bulk_error(
            "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --",
        );
        assert_eq!(error.code, "REQUIRED_FIELD_MISSING");
        assert_eq!(error.message, "Required fields are missing: [LastName]");
        assert_eq!(error.fields, vec!["LastName".to_string()]);
        assert!(!error.retryable);
    }
}
