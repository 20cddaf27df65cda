//! Salesforce single-record endpoints: create, read, update, delete, read and upsert by
//! external id (201 created / 200 updated / 300 multiple matches), getUpdated, getDeleted.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::api_version;
use super::errors::{SfError, SfFault, SfJson};
use super::render::{ordered_fields, record_json, record_url};
use super::write::{self, RecordFailure, WriteOptions};
use crate::Shared;
use crate::clock;
use crate::crm::CrmData;
use crate::hubspot::render::QueryParams;
use crate::ids;

pub fn resolve(crm: &CrmData, object: &str) -> Result<String, SfError> {
    crm.resolve_salesforce_object(object)
        .ok_or_else(|| SfError::unknown_object(object))
}

fn failure_error(failure: RecordFailure) -> SfError {
    SfError::from_faults(StatusCode::BAD_REQUEST, failure.faults)
}

fn fault_error(fault: SfFault) -> SfError {
    let status = match fault.code.as_str() {
        "ENTITY_IS_DELETED" | "INVALID_CROSS_REFERENCE_KEY" => StatusCode::NOT_FOUND,
        _ => StatusCode::BAD_REQUEST,
    };
    if fault.code == "INVALID_CROSS_REFERENCE_KEY" {
        return SfError::not_found();
    }
    SfError::from_faults(status, vec![fault])
}

fn body_object(body: Value) -> Result<Map<String, Value>, SfError> {
    match body {
        Value::Object(map) => Ok(map),
        _ => Err(SfError::bad_request(
            "JSON_PARSER_ERROR",
            "Cannot deserialize instance of sObject from a non-object value",
        )),
    }
}

pub async fn create(
    State(shared): State<Arc<Shared>>,
    Path((version, object)): Path<(String, String)>,
    headers: HeaderMap,
    SfJson(body): SfJson<Value>,
) -> Result<Response, SfError> {
    api_version(&version)?;
    let options = WriteOptions::from_headers(&headers);
    let fields = body_object(body)?;
    let now = shared.clock.tick_salesforce_ms();
    let mut crm = shared.salesforce.write();
    let object = resolve(&crm, &object)?;
    if fields.keys().any(|k| k.eq_ignore_ascii_case("Id")) {
        return Err(SfError::bad_request(
            "INVALID_FIELD",
            "cannot specify Id in an insert call",
        ));
    }
    let values = write::plan_create(&crm, &object, &fields, &options).map_err(failure_error)?;
    let id = crm
        .create(&object, &values, &options.actor(), now)
        .ok_or_else(|| SfError::unknown_object(&object))?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": id, "success": true, "errors": []})),
    )
        .into_response())
}

fn all_fields(crm: &CrmData, object: &str) -> Vec<String> {
    crm.object(object)
        .map(|o| {
            ordered_fields(o)
                .into_iter()
                .map(|f| f.name.clone())
                .collect()
        })
        .unwrap_or_default()
}

fn requested_fields(
    crm: &CrmData,
    object: &str,
    params: &QueryParams,
) -> Result<Vec<String>, SfError> {
    let requested = params.list("fields");
    if requested.is_empty() {
        return Ok(all_fields(crm, object));
    }
    let schema = crm
        .object(object)
        .ok_or_else(|| SfError::unknown_object(object))?;
    for name in &requested {
        if !name.contains('.') && !schema.fields.keys().any(|f| f.eq_ignore_ascii_case(name)) {
            return Err(SfError::bad_request(
                "INVALID_FIELD",
                format!("No such column '{name}' on sobject of type {object}"),
            ));
        }
    }
    Ok(requested)
}

pub async fn read(
    State(shared): State<Arc<Shared>>,
    Path((version, object, id)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, SfError> {
    let version = api_version(&version)?;
    let params = QueryParams::parse(raw.as_deref());
    let crm = shared.salesforce.read();
    let object = resolve(&crm, &object)?;
    let fields = requested_fields(&crm, &object, &params)?;
    let table = crm
        .store
        .table(&object)
        .ok_or_else(|| SfError::unknown_object(&object))?;
    let not_found = || {
        SfError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("Provided external ID field does not exist or is not accessible: {id}"),
        )
    };
    let normalized = ids::normalize_salesforce_id(&id).ok_or_else(not_found)?;
    let record = table.get(&normalized).ok_or_else(not_found)?;
    if record.is_deleted() {
        return Err(SfError::dml(
            StatusCode::NOT_FOUND,
            "ENTITY_IS_DELETED",
            "entity is deleted",
        ));
    }
    Ok(Json(record_json(&crm, &version, table, record, &fields)))
}

pub async fn update(
    State(shared): State<Arc<Shared>>,
    Path((version, object, id)): Path<(String, String, String)>,
    headers: HeaderMap,
    SfJson(body): SfJson<Value>,
) -> Result<StatusCode, SfError> {
    api_version(&version)?;
    let options = WriteOptions::from_headers(&headers);
    let fields = body_object(body)?;
    let now = shared.clock.tick_salesforce_ms();
    let mut crm = shared.salesforce.write();
    let object = resolve(&crm, &object)?;
    let slot = write::live_slot_for_write(&crm, &object, &id, true).map_err(fault_error)?;
    let values =
        write::plan_update(&crm, &object, slot, &fields, &options).map_err(failure_error)?;
    crm.update(&object, slot, &values, &options.actor(), now);
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete(
    State(shared): State<Arc<Shared>>,
    Path((version, object, id)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<StatusCode, SfError> {
    api_version(&version)?;
    let options = WriteOptions::from_headers(&headers);
    let now = shared.clock.tick_salesforce_ms();
    let mut crm = shared.salesforce.write();
    let object = resolve(&crm, &object)?;
    let slot = write::live_slot_for_write(&crm, &object, &id, false).map_err(fault_error)?;
    crm.delete(&object, slot, &options.actor(), now);
    Ok(StatusCode::NO_CONTENT)
}

fn multiple_choices(crm: &CrmData, version: &str, object: &str, slots: &[u32]) -> Response {
    let Some(table) = crm.store.table(object) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let urls: Vec<Value> = slots
        .iter()
        .map(|s| Value::String(record_url(version, object, &table.record(*s).id)))
        .collect();
    (StatusCode::MULTIPLE_CHOICES, Json(Value::Array(urls))).into_response()
}

fn external_field(crm: &CrmData, object: &str, field: &str) -> Result<String, SfError> {
    write::upsert_field(crm, object, field).ok_or_else(|| {
        SfError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("Provided external ID field does not exist or is not accessible: {field}"),
        )
    })
}

pub async fn read_by_external_id(
    State(shared): State<Arc<Shared>>,
    Path((version, object, field, value)): Path<(String, String, String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, SfError> {
    let version = api_version(&version)?;
    let params = QueryParams::parse(raw.as_deref());
    let crm = shared.salesforce.read();
    let object = resolve(&crm, &object)?;
    let field = external_field(&crm, &object, &field)?;
    let fields = requested_fields(&crm, &object, &params)?;
    let slots = write::find_by_external_id(&crm, &object, &field, &value);
    let table = crm
        .store
        .table(&object)
        .ok_or_else(|| SfError::unknown_object(&object))?;
    match slots.as_slice() {
        [] => Err(SfError::not_found()),
        [slot] => Ok(Json(record_json(
            &crm,
            &version,
            table,
            table.record(*slot),
            &fields,
        ))
        .into_response()),
        many => Ok(multiple_choices(&crm, &version, &object, many)),
    }
}

pub async fn upsert_by_external_id(
    State(shared): State<Arc<Shared>>,
    Path((version, object, field, value)): Path<(String, String, String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    SfJson(body): SfJson<Value>,
) -> Result<Response, SfError> {
    let version = api_version(&version)?;
    let version_number: u32 = version
        .trim_end_matches(".0")
        .parse()
        .unwrap_or(super::NEWEST_VERSION);
    let params = QueryParams::parse(raw.as_deref());
    let options = WriteOptions::from_headers(&headers);
    let mut fields = body_object(body)?;
    let now = shared.clock.tick_salesforce_ms();
    let mut crm = shared.salesforce.write();
    let object = resolve(&crm, &object)?;
    let field = external_field(&crm, &object, &field)?;
    let slots = write::find_by_external_id(&crm, &object, &field, &value);
    match slots.as_slice() {
        [] => {
            if params.flag("updateOnly") || field == "Id" {
                return Err(SfError::not_found());
            }
            fields.insert(field.clone(), Value::String(value));
            let values =
                write::plan_create(&crm, &object, &fields, &options).map_err(failure_error)?;
            let id = crm
                .create(&object, &values, &options.actor(), now)
                .ok_or_else(|| SfError::unknown_object(&object))?;
            Ok((
                StatusCode::CREATED,
                Json(json!({"id": id, "success": true, "errors": [], "created": true})),
            )
                .into_response())
        }
        [slot] => {
            let slot = *slot;
            let id = crm
                .store
                .table(&object)
                .map(|t| t.record(slot).id.to_string())
                .unwrap_or_default();
            write::live_slot_for_write(&crm, &object, &id, true).map_err(fault_error)?;
            let values = write::plan_update(&crm, &object, slot, &fields, &options)
                .map_err(failure_error)?;
            crm.update(&object, slot, &values, &options.actor(), now);
            if version_number < 46 {
                return Ok(StatusCode::NO_CONTENT.into_response());
            }
            Ok(
                Json(json!({"id": id, "success": true, "errors": [], "created": false}))
                    .into_response(),
            )
        }
        many => Ok(multiple_choices(&crm, &version, &object, many)),
    }
}

fn window(params: &QueryParams, now_ms: i64, max_days: i64) -> Result<(i64, i64), SfError> {
    let parse = |key: &str| -> Result<i64, SfError> {
        let text = params.get(key).ok_or_else(|| {
            SfError::bad_request("MISSING_ARGUMENT", format!("{key} not specified"))
        })?;
        clock::parse_datetime_ms(text).ok_or_else(|| {
            SfError::bad_request(
                "INVALID_REPLICATION_DATE",
                format!("{key} is not a valid dateTime: {text}"),
            )
        })
    };
    let start = parse("start")? / 1000 * 1000;
    let end = parse("end")? / 1000 * 1000;
    if end <= start {
        return Err(SfError::bad_request(
            "INVALID_REPLICATION_DATE",
            "startDate must chronologically precede endDate by more than one minute",
        ));
    }
    if start < now_ms - max_days * 86_400_000 {
        return Err(SfError::bad_request(
            "INVALID_REPLICATION_DATE",
            format!("startDate cannot be more than {max_days} days ago"),
        ));
    }
    Ok((start, end))
}

const ID_LIMIT: usize = 600_000;

pub async fn get_updated(
    State(shared): State<Arc<Shared>>,
    Path((version, object)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, SfError> {
    api_version(&version)?;
    let params = QueryParams::parse(raw.as_deref());
    let now = shared.clock.now_ms();
    let (start, end) = window(&params, now, 30)?;
    let crm = shared.salesforce.read();
    let object = resolve(&crm, &object)?;
    let table = crm
        .store
        .table(&object)
        .ok_or_else(|| SfError::unknown_object(&object))?;
    let ids: Vec<Value> = table
        .records
        .iter()
        .filter(|r| !r.is_deleted() && r.modified_ms >= start && r.modified_ms < end)
        .map(|r| Value::String(r.id.to_string()))
        .collect();
    if ids.len() > ID_LIMIT {
        return Err(SfError::bad_request(
            "EXCEEDED_ID_LIMIT",
            "Too many ids were requested; narrow the date range",
        ));
    }
    let latest = end.min(now) / 60_000 * 60_000;
    Ok(Json(
        json!({"ids": ids, "latestDateCovered": clock::salesforce_datetime(latest)}),
    ))
}

pub async fn get_deleted(
    State(shared): State<Arc<Shared>>,
    Path((version, object)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, SfError> {
    api_version(&version)?;
    let params = QueryParams::parse(raw.as_deref());
    let now = shared.clock.now_ms();
    let (start, end) = window(&params, now, 15)?;
    let crm = shared.salesforce.read();
    let object = resolve(&crm, &object)?;
    let table = crm
        .store
        .table(&object)
        .ok_or_else(|| SfError::unknown_object(&object))?;
    let deleted: Vec<Value> = table
        .records
        .iter()
        .filter_map(|r| r.deleted_ms.filter(|at| *at >= start && *at < end).map(|at| (r, at)))
        .map(|(r, at)| json!({"id": r.id.to_string(), "deletedDate": clock::salesforce_datetime(at)}))
        .collect();
    if deleted.len() > ID_LIMIT {
        return Err(SfError::bad_request(
            "EXCEEDED_ID_LIMIT",
            "Too many ids were requested; narrow the date range",
        ));
    }
    let latest = end.min(now) / 60_000 * 60_000;
    Ok(Json(json!({
        "deletedRecords": deleted,
        "earliestDateAvailable": clock::salesforce_datetime(clock::day_start_ms(now - 15 * 86_400_000)),
        "latestDateCovered": clock::salesforce_datetime(latest),
    })))
}
