//! Bulk API 2.0 ingest: create a job, upload CSV, mark `UploadComplete` (processed at once:
//! the job reads `JobComplete` on the next poll), abort, delete, and the successful / failed
//! / unprocessed result CSVs with `sf__Id`, `sf__Created`, `sf__Error` columns.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::api_version;
use super::errors::{SfError, SfFault, SfJson};
use super::records::resolve;
use super::write::{self, WriteOptions};
use crate::Shared;
use crate::clock;
use crate::crm::CrmData;
use crate::ids;

#[derive(Debug, Clone)]
pub struct BulkJob {
    pub id: String,
    pub object: String,
    pub operation: String,
    pub external_id_field: Option<String>,
    pub state: &'static str,
    pub line_ending: String,
    pub column_delimiter: String,
    pub api_version: String,
    pub created_ms: i64,
    pub modified_ms: i64,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub successes: Vec<(String, bool, Vec<String>)>,
    pub failures: Vec<(String, String, Vec<String>)>,
    pub unprocessed: Vec<Vec<String>>,
    pub client: Option<String>,
}

impl BulkJob {
    fn info(&self) -> Value {
        json!({
            "id": self.id,
            "operation": self.operation,
            "object": self.object,
            "createdById": crate::crm::integration_user_id(),
            "createdDate": clock::salesforce_datetime(self.created_ms),
            "systemModstamp": clock::salesforce_datetime(self.modified_ms),
            "state": self.state,
            "externalIdFieldName": self.external_id_field,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": self.api_version.parse::<f64>().unwrap_or(62.0),
            "contentUrl": format!("services/data/v{}/jobs/ingest/{}/batches", self.api_version, self.id),
            "lineEnding": self.line_ending,
            "columnDelimiter": self.column_delimiter,
            "jobType": "V2Ingest",
            "numberRecordsProcessed": self.successes.len() + self.failures.len(),
            "numberRecordsFailed": self.failures.len(),
            "retries": 0,
            "totalProcessingTime": 0,
            "apiActiveProcessingTime": 0,
            "apexProcessingTime": 0,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateJob {
    object: String,
    operation: String,
    external_id_field_name: Option<String>,
    content_type: Option<String>,
    line_ending: Option<String>,
    column_delimiter: Option<String>,
}

fn invalid_state(message: &str) -> SfError {
    SfError::new(StatusCode::CONFLICT, "INVALIDJOBSTATE", message)
}

fn not_found_job() -> SfError {
    SfError::new(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        "The requested resource does not exist",
    )
}

pub async fn create_job(
    State(shared): State<Arc<Shared>>,
    Path(version): Path<String>,
    headers: HeaderMap,
    SfJson(input): SfJson<CreateJob>,
) -> Result<Json<Value>, SfError> {
    let version = api_version(&version)?;
    let options = WriteOptions::from_headers(&headers);
    let now = shared.clock.tick_salesforce_ms();
    let mut crm = shared.salesforce.write();
    let object = resolve(&crm, &input.object).map_err(|_| {
        SfError::bad_request(
            "INVALIDENTITY",
            format!(
                "Entity '{}' is not supported by the Bulk API.",
                input.object
            ),
        )
    })?;
    if !matches!(
        input.operation.as_str(),
        "insert" | "update" | "upsert" | "delete" | "hardDelete"
    ) {
        return Err(SfError::bad_request(
            "INVALIDJOB",
            format!("Invalid operation: {}", input.operation),
        ));
    }
    if input.content_type.as_deref().is_some_and(|c| c != "CSV") {
        return Err(SfError::bad_request(
            "INVALIDJOB",
            "contentType must be CSV",
        ));
    }
    let external_id_field = match (&input.operation[..], &input.external_id_field_name) {
        ("upsert", None) => {
            return Err(SfError::bad_request(
                "INVALIDJOB",
                "External ID was blank for Upsert operation",
            ));
        }
        ("upsert", Some(field)) => {
            Some(write::upsert_field(&crm, &object, field).ok_or_else(|| {
                SfError::bad_request(
                    "INVALIDJOB",
                    format!("The field {field} is not an external id field on {object}"),
                )
            })?)
        }
        _ => None,
    };
    crm.next_bulk_job += 1;
    let id = ids::salesforce_id("750", crm.next_bulk_job);
    let job = BulkJob {
        id: id.clone(),
        object,
        operation: input.operation,
        external_id_field,
        state: "Open",
        line_ending: input.line_ending.unwrap_or_else(|| "LF".into()),
        column_delimiter: input.column_delimiter.unwrap_or_else(|| "COMMA".into()),
        api_version: version,
        created_ms: now,
        modified_ms: now,
        header: Vec::new(),
        rows: Vec::new(),
        successes: Vec::new(),
        failures: Vec::new(),
        unprocessed: Vec::new(),
        client: options.client,
    };
    let info = job.info();
    crm.bulk_jobs.insert(id, job);
    Ok(Json(info))
}

pub async fn list_jobs(
    State(shared): State<Arc<Shared>>,
    Path(version): Path<String>,
) -> Result<Json<Value>, SfError> {
    api_version(&version)?;
    let crm = shared.salesforce.read();
    let records: Vec<Value> = crm.bulk_jobs.values().map(BulkJob::info).collect();
    Ok(Json(
        json!({"done": true, "records": records, "nextRecordsUrl": null}),
    ))
}

pub async fn job_info(
    State(shared): State<Arc<Shared>>,
    Path((version, job)): Path<(String, String)>,
) -> Result<Json<Value>, SfError> {
    api_version(&version)?;
    let crm = shared.salesforce.read();
    crm.bulk_jobs
        .get(&job)
        .map(|j| Json(j.info()))
        .ok_or_else(not_found_job)
}

fn delimiter(name: &str) -> u8 {
    match name {
        "TAB" => b'\t',
        "SEMICOLON" => b';',
        "PIPE" => b'|',
        "CARET" => b'^',
        "BACKQUOTE" => b'`',
        _ => b',',
    }
}

/// The most CSV one Bulk API 2.0 upload may carry: 150 MB.
pub const MAX_UPLOAD_BYTES: usize = 150 * 1024 * 1024;

pub async fn upload(
    State(shared): State<Arc<Shared>>,
    Path((version, job)): Path<(String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> Result<StatusCode, SfError> {
    api_version(&version)?;
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            SfError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "EXCEEDED_MAX_SIZE_REQUEST",
                format!(
                    "Maximum size of request reached. Maximum size of request is {MAX_UPLOAD_BYTES} bytes."
                ),
            )
        } else {
            SfError::bad_request("INVALID_CSV", format!("could not read the upload: {rejection}"))
        }
    })?;
    let mut crm = shared.salesforce.write();
    let job = crm.bulk_jobs.get_mut(&job).ok_or_else(not_found_job)?;
    if job.state != "Open" {
        return Err(invalid_state(
            "Job is not in the Open state: data can only be uploaded to an Open job",
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(&job.column_delimiter))
        .has_headers(true)
        .from_reader(body.as_ref());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| {
            SfError::bad_request("INVALID_CSV", format!("could not read the CSV header: {e}"))
        })?
        .iter()
        .map(str::to_string)
        .collect();
    if !job.header.is_empty() && job.header != header {
        return Err(SfError::bad_request(
            "INVALID_CSV",
            "all uploads of a job must share the same header",
        ));
    }
    let mut rows = Vec::new();
    for (line, row) in reader.records().enumerate() {
        let row = row.map_err(|e| {
            SfError::bad_request("INVALID_CSV", format!("CSV row {}: {e}", line + 2))
        })?;
        rows.push(row.iter().map(str::to_string).collect());
    }
    job.header = header;
    job.rows.extend(rows);
    Ok(StatusCode::CREATED)
}

#[derive(Debug, Deserialize)]
pub struct StateChange {
    state: String,
}

pub async fn set_state(
    State(shared): State<Arc<Shared>>,
    Path((version, job_id)): Path<(String, String)>,
    SfJson(change): SfJson<StateChange>,
) -> Result<Json<Value>, SfError> {
    api_version(&version)?;
    let now = shared.clock.tick_salesforce_ms();
    let mut crm = shared.salesforce.write();
    let mut job = crm
        .bulk_jobs
        .get(&job_id)
        .cloned()
        .ok_or_else(not_found_job)?;
    match (job.state, change.state.as_str()) {
        ("Open", "UploadComplete") => {
            job.state = "UploadComplete";
            job.modified_ms = now;
            let response = job.info();
            process(&mut crm, &mut job, now);
            job.state = "JobComplete";
            crm.bulk_jobs.insert(job_id, job);
            Ok(Json(response))
        }
        ("Open" | "UploadComplete" | "InProgress", "Aborted") => {
            job.state = "Aborted";
            job.modified_ms = now;
            job.unprocessed = std::mem::take(&mut job.rows);
            let response = job.info();
            crm.bulk_jobs.insert(job_id, job);
            Ok(Json(response))
        }
        (current, wanted) => Err(invalid_state(&format!(
            "Cannot change the state of a job from {current} to {wanted}"
        ))),
    }
}

pub async fn delete_job(
    State(shared): State<Arc<Shared>>,
    Path((version, job)): Path<(String, String)>,
) -> Result<StatusCode, SfError> {
    api_version(&version)?;
    let mut crm = shared.salesforce.write();
    let state = crm
        .bulk_jobs
        .get(&job)
        .map(|j| j.state)
        .ok_or_else(not_found_job)?;
    if !matches!(
        state,
        "JobComplete" | "Aborted" | "Failed" | "UploadComplete" | "Open"
    ) {
        return Err(invalid_state("Job is still in progress"));
    }
    crm.bulk_jobs.remove(&job);
    Ok(StatusCode::NO_CONTENT)
}

fn error_text(faults: &[SfFault]) -> String {
    faults
        .iter()
        .map(|f| format!("{}:{}:{} --", f.code, f.message, f.fields.join(",")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Applies every uploaded row through the same write path as the REST API.
fn process(crm: &mut CrmData, job: &mut BulkJob, now_ms: i64) {
    let options = WriteOptions {
        client: job.client.clone(),
        allow_save: false,
    };
    let actor = options.actor();
    let rows = std::mem::take(&mut job.rows);
    for row in rows {
        let mut fields = Map::new();
        let mut id_value = None;
        for (name, value) in job.header.iter().zip(&row) {
            if name.eq_ignore_ascii_case("Id") {
                id_value = Some(value.clone());
                continue;
            }
            // "#N/A" clears a field; an empty cell leaves it untouched.
            match value.as_str() {
                "" => {}
                "#N/A" => {
                    fields.insert(name.clone(), Value::Null);
                }
                _ => {
                    fields.insert(name.clone(), Value::String(value.clone()));
                }
            }
        }
        let outcome: Result<(String, bool), Vec<SfFault>> = match job.operation.as_str() {
            "insert" => write::plan_create(crm, &job.object, &fields, &options)
                .map_err(|f| f.faults)
                .and_then(|values| {
                    crm.create(&job.object, &values, &actor, now_ms)
                        .map(|id| (id, true))
                        .ok_or_default()
                }),
            "update" => match id_value {
                None => Err(vec![SfFault::new(
                    "MISSING_ARGUMENT",
                    "Id not specified in an update call",
                    Vec::new(),
                )]),
                Some(id) => write::live_slot_for_write(crm, &job.object, &id, true)
                    .map_err(|f| vec![f])
                    .and_then(|slot| {
                        let values = write::plan_update(crm, &job.object, slot, &fields, &options)
                            .map_err(|f| f.faults)?;
                        crm.update(&job.object, slot, &values, &actor, now_ms);
                        Ok((
                            crm.store
                                .table(&job.object)
                                .map(|t| t.record(slot).id.to_string())
                                .unwrap_or_default(),
                            false,
                        ))
                    }),
            },
            "upsert" => {
                let field = job.external_id_field.clone().unwrap_or_default();
                let key = fields
                    .get(&field)
                    .and_then(Value::as_str)
                    .map(str::to_string);
                match key {
                    None => Err(vec![SfFault::new(
                        "MISSING_ARGUMENT",
                        format!("{field} not specified"),
                        Vec::new(),
                    )]),
                    Some(key) => match write::find_by_external_id(crm, &job.object, &field, &key)
                        .as_slice()
                    {
                        [] => write::plan_create(crm, &job.object, &fields, &options)
                            .map_err(|f| f.faults)
                            .and_then(|values| {
                                crm.create(&job.object, &values, &actor, now_ms)
                                    .map(|id| (id, true))
                                    .ok_or_default()
                            }),
                        [slot] => {
                            let slot = *slot;
                            write::plan_update(crm, &job.object, slot, &fields, &options)
                                .map_err(|f| f.faults)
                                .map(|values| {
                                    crm.update(&job.object, slot, &values, &actor, now_ms);
                                    (
                                        crm.store
                                            .table(&job.object)
                                            .map(|t| t.record(slot).id.to_string())
                                            .unwrap_or_default(),
                                        false,
                                    )
                                })
                        }
                        _ => Err(vec![SfFault::new(
                            "DUPLICATE_EXTERNAL_ID",
                            format!("{field}: more than one record found for external id field"),
                            vec![field.clone()],
                        )]),
                    },
                }
            }
            _ => match id_value {
                None => Err(vec![SfFault::new(
                    "MISSING_ARGUMENT",
                    "Id not specified in a delete call",
                    Vec::new(),
                )]),
                Some(id) => write::live_slot_for_write(crm, &job.object, &id, false)
                    .map_err(|f| vec![f])
                    .map(|slot| {
                        crm.delete(&job.object, slot, &actor, now_ms);
                        (
                            crm.store
                                .table(&job.object)
                                .map(|t| t.record(slot).id.to_string())
                                .unwrap_or_default(),
                            false,
                        )
                    }),
            },
        };
        match outcome {
            Ok((id, created)) => job.successes.push((id, created, row)),
            Err(faults) => job.failures.push((String::new(), error_text(&faults), row)),
        }
    }
}

trait OrDefaultFault<T> {
    fn ok_or_default(self) -> Result<T, Vec<SfFault>>;
}

impl<T> OrDefaultFault<T> for Option<T> {
    fn ok_or_default(self) -> Result<T, Vec<SfFault>> {
        self.ok_or_else(|| {
            vec![SfFault::new(
                "UNKNOWN_EXCEPTION",
                "the record could not be written",
                Vec::new(),
            )]
        })
    }
}

fn csv_response(header: Vec<String>, rows: Vec<Vec<String>>) -> Response {
    let mut writer = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(Vec::new());
    let _ = writer.write_record(&header);
    for row in rows {
        let _ = writer.write_record(&row);
    }
    let bytes = writer.into_inner().unwrap_or_default();
    let mut response = (StatusCode::OK, bytes).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("text/csv"),
    );
    response
}

fn with_job<T>(shared: &Shared, job: &str, f: impl FnOnce(&BulkJob) -> T) -> Result<T, SfError> {
    let crm = shared.salesforce.read();
    crm.bulk_jobs.get(job).map(f).ok_or_else(not_found_job)
}

pub async fn successful_results(
    State(shared): State<Arc<Shared>>,
    Path((version, job)): Path<(String, String)>,
) -> Result<Response, SfError> {
    api_version(&version)?;
    with_job(&shared, &job, |job| {
        let mut header = vec!["sf__Id".to_string(), "sf__Created".to_string()];
        header.extend(job.header.iter().cloned());
        let rows = job
            .successes
            .iter()
            .map(|(id, created, row)| {
                let mut out = vec![id.clone(), created.to_string()];
                out.extend(row.iter().cloned());
                out
            })
            .collect();
        csv_response(header, rows)
    })
}

pub async fn failed_results(
    State(shared): State<Arc<Shared>>,
    Path((version, job)): Path<(String, String)>,
) -> Result<Response, SfError> {
    api_version(&version)?;
    with_job(&shared, &job, |job| {
        let mut header = vec!["sf__Id".to_string(), "sf__Error".to_string()];
        header.extend(job.header.iter().cloned());
        let rows = job
            .failures
            .iter()
            .map(|(id, error, row)| {
                let mut out = vec![id.clone(), error.clone()];
                out.extend(row.iter().cloned());
                out
            })
            .collect();
        csv_response(header, rows)
    })
}

pub async fn unprocessed_records(
    State(shared): State<Arc<Shared>>,
    Path((version, job)): Path<(String, String)>,
) -> Result<Response, SfError> {
    api_version(&version)?;
    with_job(&shared, &job, |job| {
        csv_response(job.header.clone(), job.unprocessed.clone())
    })
}
