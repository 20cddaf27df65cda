//! HubSpot batch endpoints: read / create / update / upsert / archive, at most 100 inputs.
//! Partial failures answer 207 with per-input `StandardError`s tied to `objectWriteTraceId`;
//! without a trace id on every input, one bad input fails the whole call and nothing is
//! written.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::errors::{HsError, HsJson, standard_error};
use super::objects::{failure_response, resolve};
use super::render::{default_properties, record_json};
use super::write::{self, WriteFailure};
use crate::Shared;
use crate::clock;
use crate::crm::{Actor, CrmData};
use crate::store::{Record, Table};
use crate::validate::WriteKind;

pub const MAX_BATCH_INPUTS: usize = 100;

fn inputs(body: &Value) -> Result<Vec<Value>, HsError> {
    let inputs = body
        .get("inputs")
        .and_then(Value::as_array)
        .ok_or_else(|| HsError::validation("Invalid input JSON: `inputs` is required"))?;
    if inputs.len() > MAX_BATCH_INPUTS {
        return Err(HsError::validation(format!(
            "Batch input size {} exceeds the maximum of {MAX_BATCH_INPUTS} inputs",
            inputs.len()
        )));
    }
    Ok(inputs.clone())
}

fn batch_body(results: Vec<Value>, errors: Vec<Value>, now_ms: i64) -> Response {
    let stamp = clock::hubspot_datetime(now_ms);
    let mut body = json!({
        "status": "COMPLETE",
        "results": results,
        "requestedAt": stamp,
        "startedAt": stamp,
        "completedAt": stamp,
    });
    if errors.is_empty() {
        return Json(body).into_response();
    }
    body["numErrors"] = json!(errors.len());
    body["errors"] = Value::Array(errors);
    (StatusCode::MULTI_STATUS, Json(body)).into_response()
}

fn trace_id(input: &Value) -> Option<String> {
    input
        .get("objectWriteTraceId")
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// A per-input failure as a `StandardError`, carrying the trace id in `context`.
fn input_error(failure: &WriteFailure, trace: Option<&str>) -> Value {
    let http = failure_response(match failure {
        WriteFailure::Invalid(v) => WriteFailure::Invalid(v.clone()),
        WriteFailure::DuplicateEmail { existing_id } => WriteFailure::DuplicateEmail {
            existing_id: existing_id.clone(),
        },
        WriteFailure::NotFound { id } => WriteFailure::NotFound { id: id.clone() },
    });
    let mut context = serde_json::Map::new();
    if let Some(trace) = trace {
        context.insert("objectWriteTraceId".into(), json!([trace]));
    }
    if let WriteFailure::NotFound { id } = failure {
        context.insert("ids".into(), json!([id]));
    }
    let mut error = standard_error(http.category, &http.message, Value::Object(context));
    error["errors"] = Value::Array(http.errors);
    error
}

/// One result of a batch write as HubSpot returns it: the record with the properties the
/// input wrote, tied back to the input by its `objectWriteTraceId`.
fn written_result(
    crm: &CrmData,
    table: &Table,
    record: &Record,
    input: &Value,
    object: &str,
) -> Value {
    let mut result = record_json(crm, table, record, &written_properties(input, object));
    if let Some(trace) = trace_id(input) {
        result["objectWriteTraceId"] = Value::String(trace);
    }
    result
}

fn written_properties(input: &Value, object: &str) -> Vec<String> {
    let mut names: Vec<String> = write::properties_of(input).keys().cloned().collect();
    names.extend(default_properties(object));
    names.sort();
    names.dedup();
    names
}

pub async fn read(
    State(shared): State<Arc<Shared>>,
    Path(object_type): Path<String>,
    HsJson(body): HsJson<Value>,
) -> Result<Response, HsError> {
    let inputs = inputs(&body)?;
    let resolve_merged = shared.hubspot_portal().merge.resolves_absorbed_ids();
    let crm = shared.hubspot.read();
    let object = resolve(&crm, &object_type)?;
    let properties: Vec<String> = body
        .get("properties")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .filter(|list: &Vec<String>| !list.is_empty())
        .unwrap_or_else(|| default_properties(&object));
    let id_property = body.get("idProperty").and_then(Value::as_str);
    let table = crm.store.table(&object).ok_or_else(HsError::not_found)?;
    let mut results = Vec::new();
    let mut missing = Vec::new();
    for input in &inputs {
        let id = input
            .get("id")
            .and_then(|v| {
                v.as_str()
                    .map(str::to_string)
                    .or_else(|| v.as_u64().map(|n| n.to_string()))
            })
            .unwrap_or_default();
        let slot = match id_property {
            None | Some("hs_object_id") => {
                super::merge::live_slot_following_merges(table, &id, resolve_merged)
            }
            Some(property) => write::find_slot(&crm, &object, &id, Some(property)),
        };
        match slot {
            Some(slot) => results.push(record_json(&crm, table, table.record(slot), &properties)),
            None => missing.push(id),
        }
    }
    let errors = if missing.is_empty() {
        Vec::new()
    } else {
        vec![standard_error(
            "OBJECT_NOT_FOUND",
            &format!(
                "Could not get some {} objects, they may be deleted or not exist. Check that ids are valid.",
                super::objects::singular(&object).to_uppercase()
            ),
            json!({"ids": missing}),
        )]
    };
    Ok(batch_body(results, errors, shared.clock.now_ms()))
}

/// Validates every input first so that, without trace ids, a bad input writes nothing.
fn all_traced(inputs: &[Value]) -> bool {
    inputs.iter().all(|input| trace_id(input).is_some())
}

pub async fn create(
    State(shared): State<Arc<Shared>>,
    Path(object_type): Path<String>,
    HsJson(body): HsJson<Value>,
) -> Result<Response, HsError> {
    let inputs = inputs(&body)?;
    let now = shared.clock.tick_ms();
    let mut crm = shared.hubspot.write();
    let object = resolve(&crm, &object_type)?;
    let traced = all_traced(&inputs);
    let mut plans = Vec::new();
    let mut emails_in_batch = std::collections::HashSet::new();
    for input in &inputs {
        let properties = write::properties_of(input);
        let planned =
            write::validate(&crm, &object, WriteKind::Create, &properties).and_then(|values| {
                write::check_unique_email(&crm, &object, &values, None)?;
                if let Some(email) = values
                    .iter()
                    .find(|(n, _)| n == "email")
                    .and_then(|(_, v)| v.clone())
                {
                    if !emails_in_batch.insert(email.to_lowercase()) {
                        return Err(WriteFailure::Invalid(vec![
                            crate::validate::Violation::BadEmail {
                                field: "email".into(),
                                label: "Email".into(),
                                value: format!("{email} (duplicated within this batch)"),
                            },
                        ]));
                    }
                }
                Ok(values)
            });
        if let (Err(failure), false) = (&planned, traced) {
            return Err(whole_call_failure(failure));
        }
        plans.push(planned);
    }
    let mut results = Vec::new();
    let mut errors = Vec::new();
    for (input, planned) in inputs.iter().zip(plans) {
        match planned {
            Ok(values) => {
                if let Some(id) = crm.create(&object, &values, &Actor::api(None), now) {
                    if let Some(associations) = input.get("associations").and_then(Value::as_array)
                    {
                        super::associations::apply_create_associations(
                            &mut crm,
                            &object,
                            &id,
                            associations,
                            now,
                        );
                    }
                    let table = crm.store.table(&object).ok_or_else(HsError::not_found)?;
                    if let Some(slot) = table.slot_of(&id) {
                        results.push(written_result(
                            &crm,
                            table,
                            table.record(slot),
                            input,
                            &object,
                        ));
                    }
                }
            }
            Err(failure) => errors.push(input_error(&failure, trace_id(input).as_deref())),
        }
    }
    let response = batch_body(results, errors, now);
    if response.status() == StatusCode::OK {
        let (mut parts, body) = response.into_parts();
        parts.status = StatusCode::CREATED;
        return Ok(Response::from_parts(parts, body));
    }
    Ok(response)
}

fn whole_call_failure(failure: &WriteFailure) -> HsError {
    failure_response(match failure {
        WriteFailure::Invalid(v) => WriteFailure::Invalid(v.clone()),
        WriteFailure::DuplicateEmail { existing_id } => WriteFailure::DuplicateEmail {
            existing_id: existing_id.clone(),
        },
        WriteFailure::NotFound { id } => WriteFailure::NotFound { id: id.clone() },
    })
}

fn input_id(input: &Value) -> String {
    input
        .get("id")
        .and_then(|v| {
            v.as_str()
                .map(str::to_string)
                .or_else(|| v.as_u64().map(|n| n.to_string()))
        })
        .unwrap_or_default()
}

pub async fn update(
    State(shared): State<Arc<Shared>>,
    Path(object_type): Path<String>,
    HsJson(body): HsJson<Value>,
) -> Result<Response, HsError> {
    let inputs = inputs(&body)?;
    let now = shared.clock.tick_ms();
    let mut crm = shared.hubspot.write();
    let object = resolve(&crm, &object_type)?;
    let traced = all_traced(&inputs);
    let mut plans = Vec::new();
    for input in &inputs {
        let id = input_id(input);
        let id_property = input.get("idProperty").and_then(Value::as_str);
        let planned = match write::find_slot(&crm, &object, &id, id_property) {
            None => Err(WriteFailure::NotFound { id }),
            Some(slot) => write::validate(
                &crm,
                &object,
                WriteKind::Update,
                &write::properties_of(input),
            )
            .and_then(|values| {
                write::check_unique_email(&crm, &object, &values, Some(slot))
                    .map(|_| (slot, values))
            }),
        };
        if let (Err(failure @ WriteFailure::Invalid(_)), false) = (&planned, traced) {
            return Err(whole_call_failure(failure));
        }
        plans.push(planned);
    }
    let mut results = Vec::new();
    let mut errors = Vec::new();
    for (input, planned) in inputs.iter().zip(plans) {
        match planned {
            Ok((slot, values)) => {
                crm.update(&object, slot, &values, &Actor::api(None), now);
                let table = crm.store.table(&object).ok_or_else(HsError::not_found)?;
                results.push(written_result(
                    &crm,
                    table,
                    table.record(slot),
                    input,
                    &object,
                ));
            }
            Err(failure) => errors.push(input_error(&failure, trace_id(input).as_deref())),
        }
    }
    Ok(batch_body(results, errors, now))
}

pub async fn upsert(
    State(shared): State<Arc<Shared>>,
    Path(object_type): Path<String>,
    HsJson(body): HsJson<Value>,
) -> Result<Response, HsError> {
    let inputs = inputs(&body)?;
    let now = shared.clock.tick_ms();
    let mut crm = shared.hubspot.write();
    let object = resolve(&crm, &object_type)?;
    let traced = all_traced(&inputs);
    let mut results = Vec::new();
    let mut errors = Vec::new();
    // Validate everything first so an untraced failure writes nothing.
    let mut plans = Vec::new();
    for input in &inputs {
        let planned = plan_upsert(&crm, &object, input);
        if let (Err(failure), false) = (&planned, traced) {
            return Err(whole_call_failure(failure));
        }
        plans.push(planned);
    }
    for (input, planned) in inputs.iter().zip(plans) {
        match planned {
            Ok(Upsert::Update(slot, values)) => {
                crm.update(&object, slot, &values, &Actor::api(None), now);
                let table = crm.store.table(&object).ok_or_else(HsError::not_found)?;
                let mut record = record_json(
                    &crm,
                    table,
                    table.record(slot),
                    &written_properties(input, &object),
                );
                record["new"] = Value::Bool(false);
                results.push(record);
            }
            Ok(Upsert::Create(values)) => {
                if let Some(id) = crm.create(&object, &values, &Actor::api(None), now) {
                    let table = crm.store.table(&object).ok_or_else(HsError::not_found)?;
                    if let Some(slot) = table.slot_of(&id) {
                        let mut record = record_json(
                            &crm,
                            table,
                            table.record(slot),
                            &written_properties(input, &object),
                        );
                        record["new"] = Value::Bool(true);
                        results.push(record);
                    }
                }
            }
            Err(failure) => errors.push(input_error(&failure, trace_id(input).as_deref())),
        }
    }
    Ok(batch_body(results, errors, now))
}

enum Upsert {
    Update(u32, Vec<(String, Option<String>)>),
    Create(Vec<(String, Option<String>)>),
}

fn plan_upsert(crm: &CrmData, object: &str, input: &Value) -> Result<Upsert, WriteFailure> {
    let id = input_id(input);
    let id_property = input
        .get("idProperty")
        .and_then(Value::as_str)
        .unwrap_or("hs_object_id");
    let schema = crm
        .object(object)
        .ok_or(WriteFailure::Invalid(Vec::new()))?;
    let unique = id_property == "hs_object_id"
        || (object == "contacts" && id_property == "email")
        || schema.field(id_property).is_some_and(|f| f.unique);
    if !unique {
        return Err(WriteFailure::Invalid(vec![
            crate::validate::Violation::NotWritable {
                field: format!("{id_property} (idProperty must be a unique property)"),
            },
        ]));
    }
    match write::find_slot(crm, object, &id, Some(id_property)) {
        Some(slot) => {
            let values =
                write::validate(crm, object, WriteKind::Update, &write::properties_of(input))?;
            write::check_unique_email(crm, object, &values, Some(slot))?;
            Ok(Upsert::Update(slot, values))
        }
        None => {
            if id_property == "hs_object_id" {
                return Err(WriteFailure::NotFound { id });
            }
            let mut properties = write::properties_of(input);
            properties.insert(id_property.to_string(), Value::String(id));
            let values = write::validate(crm, object, WriteKind::Create, &properties)?;
            write::check_unique_email(crm, object, &values, None)?;
            Ok(Upsert::Create(values))
        }
    }
}

pub async fn archive(
    State(shared): State<Arc<Shared>>,
    Path(object_type): Path<String>,
    HsJson(body): HsJson<Value>,
) -> Result<StatusCode, HsError> {
    let inputs = inputs(&body)?;
    let now = shared.clock.tick_ms();
    let mut crm = shared.hubspot.write();
    let object = resolve(&crm, &object_type)?;
    for input in &inputs {
        if let Some(slot) = write::find_slot(&crm, &object, &input_id(input), None) {
            crm.delete(&object, slot, &Actor::api(None), now);
        }
    }
    Ok(StatusCode::NO_CONTENT)
}
