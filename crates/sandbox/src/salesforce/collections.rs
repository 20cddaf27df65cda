//! sObject collections: create / update / upsert / delete / retrieve up to 200 records per
//! call, `allOrNone`, per-record results in request order (`statusCode` errors).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Map, Value, json};

use super::api_version;
use super::errors::{SfError, SfFault, SfJson};
use super::records::resolve;
use super::render::record_json;
use super::write::{self, RecordFailure, WriteOptions};
use crate::Shared;
use crate::crm::CrmData;
use crate::faults::RowLockFault;
use crate::hubspot::render::QueryParams;

pub const MAX_RECORDS: usize = 200;

/// A delete to run: (object, slot, id), or the id and why it cannot be deleted.
type PlannedDelete = Result<(String, u32, String), (String, SfFault)>;

fn too_many() -> SfError {
    SfError::bad_request(
        "EXCEEDED_ID_LIMIT",
        "record limit reached. cannot submit more than 200 records into this call",
    )
}

struct Body {
    all_or_none: bool,
    records: Vec<Map<String, Value>>,
}

fn parse_body(body: &Value) -> Result<Body, SfError> {
    let records = body
        .get("records")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            SfError::bad_request("JSON_PARSER_ERROR", "Missing required field: records")
        })?;
    if records.len() > MAX_RECORDS {
        return Err(too_many());
    }
    let records = records
        .iter()
        .map(|r| {
            r.as_object().cloned().ok_or_else(|| {
                SfError::bad_request("JSON_PARSER_ERROR", "each record must be a JSON object")
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Body {
        all_or_none: body
            .get("allOrNone")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        records,
    })
}

fn record_type(crm: &CrmData, record: &Map<String, Value>) -> Result<String, SfError> {
    let name = record
        .get("attributes")
        .and_then(|a| a.get("type"))
        .and_then(Value::as_str)
        .ok_or_else(|| SfError::bad_request("INVALID_TYPE", "Must send a concrete entity type."))?;
    resolve(crm, name).map_err(|_| {
        SfError::bad_request(
            "INVALID_TYPE",
            format!("sObject type '{name}' is not supported."),
        )
    })
}

fn success(id: &str, created: Option<bool>) -> Value {
    let mut body = json!({"id": id, "success": true, "errors": []});
    if let Some(created) = created {
        body["created"] = Value::Bool(created);
    }
    body
}

fn failure(id: Option<&str>, faults: &[SfFault]) -> Value {
    json!({"id": id, "success": false, "errors": faults.iter().map(SfFault::record_json).collect::<Vec<_>>()})
}

fn rolled_back(id: Option<&str>) -> Value {
    failure(
        id,
        &[SfFault::new(
            "ALL_OR_NONE_OPERATION_ROLLED_BACK",
            "Record rolled back because not all records were valid and the request was using AllOrNone header",
            Vec::new(),
        )],
    )
}

/// A planned write for one record of a collection.
enum Planned {
    Create(String, Vec<(String, Option<String>)>),
    Update(String, u32, Vec<(String, Option<String>)>),
    Failed(Option<String>, Vec<SfFault>),
}

/// An injected row-lock fault: the first record updating an existing record fails with
/// `UNABLE_TO_LOCK_ROW` (with `allOrNone` the others then roll back, as for any failure).
fn apply_row_lock(crm: &CrmData, plans: &mut [Planned], lock: Option<Extension<RowLockFault>>) {
    if lock.is_none() {
        return;
    }
    let Some(planned) = plans.iter_mut().find(|p| matches!(p, Planned::Update(..))) else {
        return;
    };
    if let Planned::Update(object, slot, _) = planned {
        let id = crm
            .store
            .table(object)
            .map(|t| t.record(*slot).id.to_string())
            .unwrap_or_default();
        let fault = SfFault::new(
            "UNABLE_TO_LOCK_ROW",
            format!("unable to obtain exclusive access to this record or 1 records: {id}"),
            Vec::new(),
        );
        *planned = Planned::Failed(Some(id), vec![fault]);
    }
}

/// Request-level failures abort the call with 400; the rest become per-record results.
fn settle(result: Result<Planned, RecordFailure>, id: Option<String>) -> Result<Planned, SfError> {
    match result {
        Ok(planned) => Ok(planned),
        Err(failure) if failure.request_level => Err(SfError::from_faults(
            StatusCode::BAD_REQUEST,
            failure.faults,
        )),
        Err(failure) => Ok(Planned::Failed(id, failure.faults)),
    }
}

fn execute(
    shared: &Shared,
    crm: &mut CrmData,
    plans: Vec<Planned>,
    all_or_none: bool,
    options: &WriteOptions,
    with_created: bool,
) -> Vec<Value> {
    let any_failed = plans.iter().any(|p| matches!(p, Planned::Failed(..)));
    let now = shared.clock.tick_salesforce_ms();
    let actor = options.actor();
    plans
        .into_iter()
        .map(|planned| match planned {
            Planned::Failed(id, faults) => failure(id.as_deref(), &faults),
            Planned::Create(_, _) if all_or_none && any_failed => rolled_back(None),
            Planned::Update(_, slot, _) if all_or_none && any_failed => {
                let _ = slot;
                rolled_back(None)
            }
            Planned::Create(object, values) => match crm.create(&object, &values, &actor, now) {
                Some(id) => success(&id, with_created.then_some(true)),
                None => failure(
                    None,
                    &[SfFault::new(
                        "UNKNOWN_EXCEPTION",
                        "create failed",
                        Vec::new(),
                    )],
                ),
            },
            Planned::Update(object, slot, values) => {
                crm.update(&object, slot, &values, &actor, now);
                let id = crm
                    .store
                    .table(&object)
                    .map(|t| t.record(slot).id.to_string())
                    .unwrap_or_default();
                success(&id, with_created.then_some(false))
            }
        })
        .collect()
}

pub async fn create(
    State(shared): State<Arc<Shared>>,
    Path(version): Path<String>,
    headers: HeaderMap,
    SfJson(body): SfJson<Value>,
) -> Result<Json<Value>, SfError> {
    api_version(&version)?;
    let options = WriteOptions::from_headers(&headers);
    let body = parse_body(&body)?;
    let mut crm = shared.salesforce.write();
    let mut plans = Vec::new();
    for record in &body.records {
        let object = record_type(&crm, record)?;
        let planned = if record.keys().any(|k| k.eq_ignore_ascii_case("Id")) {
            Ok(Planned::Failed(
                None,
                vec![SfFault::new(
                    "INVALID_FIELD",
                    "cannot specify Id in an insert call",
                    vec!["Id".into()],
                )],
            ))
        } else {
            write::plan_create(&crm, &object, record, &options)
                .map(|values| Planned::Create(object.clone(), values))
        };
        plans.push(settle(planned, None)?);
    }
    Ok(Json(Value::Array(execute(
        &shared,
        &mut crm,
        plans,
        body.all_or_none,
        &options,
        false,
    ))))
}

pub async fn update(
    State(shared): State<Arc<Shared>>,
    Path(version): Path<String>,
    headers: HeaderMap,
    lock: Option<Extension<RowLockFault>>,
    SfJson(body): SfJson<Value>,
) -> Result<Json<Value>, SfError> {
    api_version(&version)?;
    let options = WriteOptions::from_headers(&headers);
    let body = parse_body(&body)?;
    let mut crm = shared.salesforce.write();
    let mut plans = Vec::new();
    for record in &body.records {
        let object = record_type(&crm, record)?;
        let id = record
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("Id"))
            .and_then(|(_, v)| v.as_str())
            .map(str::to_string);
        let planned = match &id {
            None => Ok(Planned::Failed(
                None,
                vec![SfFault::new(
                    "MISSING_ARGUMENT",
                    "Id not specified in an update call",
                    Vec::new(),
                )],
            )),
            Some(id_text) => match write::live_slot_for_write(&crm, &object, id_text, true) {
                Err(fault) => Ok(Planned::Failed(Some(id_text.clone()), vec![fault])),
                Ok(slot) => write::plan_update(&crm, &object, slot, record, &options)
                    .map(|values| Planned::Update(object.clone(), slot, values)),
            },
        };
        plans.push(settle(planned, id)?);
    }
    apply_row_lock(&crm, &mut plans, lock);
    Ok(Json(Value::Array(execute(
        &shared,
        &mut crm,
        plans,
        body.all_or_none,
        &options,
        false,
    ))))
}

pub async fn upsert(
    State(shared): State<Arc<Shared>>,
    Path((version, object, field)): Path<(String, String, String)>,
    headers: HeaderMap,
    lock: Option<Extension<RowLockFault>>,
    SfJson(body): SfJson<Value>,
) -> Result<Json<Value>, SfError> {
    api_version(&version)?;
    let options = WriteOptions::from_headers(&headers);
    let body = parse_body(&body)?;
    let mut crm = shared.salesforce.write();
    let object = resolve(&crm, &object)?;
    let field = write::upsert_field(&crm, &object, &field)
        .filter(|f| f != "Id")
        .ok_or_else(|| SfError::bad_request("INVALID_FIELD", format!("Field name provided, {field} is not an External ID or indexed field for {object}")))?;
    let mut plans = Vec::new();
    for record in &body.records {
        let value = record
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(&field))
            .and_then(|(_, v)| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            });
        let planned = match value {
            None => Ok(Planned::Failed(
                None,
                vec![SfFault::new(
                    "MISSING_ARGUMENT",
                    format!("{field} not specified"),
                    Vec::new(),
                )],
            )),
            Some(value) => {
                let slots = write::find_by_external_id(&crm, &object, &field, &value);
                match slots.as_slice() {
                    [] => write::plan_create(&crm, &object, record, &options)
                        .map(|values| Planned::Create(object.clone(), values)),
                    [slot] => {
                        let id = crm
                            .store
                            .table(&object)
                            .map(|t| t.record(*slot).id.to_string())
                            .unwrap_or_default();
                        match write::live_slot_for_write(&crm, &object, &id, true) {
                            Err(fault) => Ok(Planned::Failed(Some(id), vec![fault])),
                            Ok(slot) => write::plan_update(&crm, &object, slot, record, &options)
                                .map(|values| Planned::Update(object.clone(), slot, values)),
                        }
                    }
                    many => {
                        let ids: Vec<String> = many
                            .iter()
                            .filter_map(|s| {
                                crm.store
                                    .table(&object)
                                    .map(|t| t.record(*s).id.to_string())
                            })
                            .collect();
                        Ok(Planned::Failed(
                            None,
                            vec![SfFault::new(
                                "DUPLICATE_EXTERNAL_ID",
                                format!(
                                    "{field}: more than one record found for external id field: [{}]",
                                    ids.join(", ")
                                ),
                                vec![field.clone()],
                            )],
                        ))
                    }
                }
            }
        };
        plans.push(settle(planned, None)?);
    }
    apply_row_lock(&crm, &mut plans, lock);
    Ok(Json(Value::Array(execute(
        &shared,
        &mut crm,
        plans,
        body.all_or_none,
        &options,
        true,
    ))))
}

pub async fn delete(
    State(shared): State<Arc<Shared>>,
    Path(version): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Json<Value>, SfError> {
    api_version(&version)?;
    let params = QueryParams::parse(raw.as_deref());
    let options = WriteOptions::from_headers(&headers);
    let ids = params.list("ids");
    if ids.len() > MAX_RECORDS {
        return Err(too_many());
    }
    let all_or_none = params.flag("allOrNone");
    let now = shared.clock.tick_salesforce_ms();
    let mut crm = shared.salesforce.write();
    let objects: Vec<String> = crm.schema.objects.keys().cloned().collect();
    let mut plans: Vec<PlannedDelete> = Vec::new();
    for id in &ids {
        let owner = objects
            .iter()
            .find(|o| super::render::id_matches_object(&crm, o, id));
        let planned = match owner {
            None => Err((
                id.clone(),
                SfFault::new("MALFORMED_ID", format!("malformed id {id}"), Vec::new()),
            )),
            Some(object) => write::live_slot_for_write(&crm, object, id, false)
                .map(|slot| (object.clone(), slot, id.clone()))
                .map_err(|fault| (id.clone(), fault)),
        };
        plans.push(planned);
    }
    let any_failed = plans.iter().any(Result::is_err);
    let actor = options.actor();
    let results = plans
        .into_iter()
        .map(|planned| match planned {
            Err((id, fault)) => failure(Some(&id), &[fault]),
            Ok((_, _, id)) if all_or_none && any_failed => rolled_back(Some(&id)),
            Ok((object, slot, _)) => {
                crm.delete(&object, slot, &actor, now);
                let id = crm
                    .store
                    .table(&object)
                    .map(|t| t.record(slot).id.to_string())
                    .unwrap_or_default();
                success(&id, None)
            }
        })
        .collect();
    Ok(Json(Value::Array(results)))
}

fn retrieve_records(
    shared: &Shared,
    version: &str,
    object: &str,
    ids: &[String],
    fields: &[String],
) -> Result<Json<Value>, SfError> {
    if ids.len() > 2000 {
        return Err(too_many());
    }
    let crm = shared.salesforce.read();
    let object = resolve(&crm, object)?;
    let table = crm
        .store
        .table(&object)
        .ok_or_else(|| SfError::unknown_object(&object))?;
    let schema = crm
        .object(&object)
        .ok_or_else(|| SfError::unknown_object(&object))?;
    if fields.is_empty() {
        return Err(SfError::bad_request(
            "MISSING_ARGUMENT",
            "fields not specified",
        ));
    }
    for name in fields {
        if !name.contains('.') && !schema.fields.keys().any(|f| f.eq_ignore_ascii_case(name)) {
            return Err(SfError::bad_request(
                "INVALID_FIELD",
                format!("No such column '{name}' on sobject of type {object}"),
            ));
        }
    }
    let records = ids
        .iter()
        .map(|id| {
            crate::ids::normalize_salesforce_id(id)
                .and_then(|id| table.get(&id))
                .filter(|r| !r.is_deleted())
                .map(|r| record_json(&crm, version, table, r, fields))
                .unwrap_or(Value::Null)
        })
        .collect();
    Ok(Json(Value::Array(records)))
}

pub async fn retrieve(
    State(shared): State<Arc<Shared>>,
    Path((version, object)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, SfError> {
    let version = api_version(&version)?;
    let params = QueryParams::parse(raw.as_deref());
    retrieve_records(
        &shared,
        &version,
        &object,
        &params.list("ids"),
        &params.list("fields"),
    )
}

pub async fn retrieve_post(
    State(shared): State<Arc<Shared>>,
    Path((version, object)): Path<(String, String)>,
    SfJson(body): SfJson<Value>,
) -> Result<Json<Value>, SfError> {
    let version = api_version(&version)?;
    let list = |key: &str| -> Vec<String> {
        body.get(key)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    retrieve_records(&shared, &version, &object, &list("ids"), &list("fields"))
}
