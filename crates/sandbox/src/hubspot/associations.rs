//! HubSpot associations v4: read, create default and labelled, delete, batch create / read /
//! archive / associate-default, and association labels (`GET`, `POST`, `PUT`,
//! `DELETE .../labels`, `USER_DEFINED` type ids).
//!
//! A labelled create replaces the pair's labels with the ones sent and always keeps the
//! unlabeled default type ("to replace the existing label, only include the new label in the
//! request"; "a default unlabeled association added when any records are associated"):
//! developers.hubspot.com/docs/api-reference/latest/crm/associations/associate-records/guide.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::errors::{HsError, HsJson, standard_error};
use super::objects::resolve;
use super::render::QueryParams;
use super::write;
use crate::Shared;
use crate::associations::{self, AssociationType, Category, LabelError};
use crate::clock;
use crate::crm::CrmData;

fn types_json(crm: &CrmData, kinds: &[AssociationType], from: &str, to: &str) -> Vec<Value> {
    kinds
        .iter()
        .map(|kind| {
            let label = crm
                .associations
                .defined(&crm.schema, from, to, kind.type_id)
                .and_then(|t| t.label);
            json!({"category": kind.category.as_str(), "typeId": kind.type_id, "label": label})
        })
        .collect()
}

fn live_id(crm: &CrmData, object: &str, id: &str) -> Option<u64> {
    write::find_slot(crm, object, id, None)?;
    id.parse().ok()
}

pub async fn list(
    State(shared): State<Arc<Shared>>,
    Path((from_type, from_id, to_type)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, HsError> {
    let params = QueryParams::parse(raw.as_deref());
    let crm = shared.hubspot.read();
    let from = resolve(&crm, &from_type)?;
    let to = resolve(&crm, &to_type)?;
    let id = live_id(&crm, &from, &from_id).ok_or_else(HsError::not_found)?;
    let limit: usize = params
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(500)
        .min(500);
    let after: usize = params
        .get("after")
        .and_then(|a| a.parse().ok())
        .unwrap_or(0);
    let links = crm.associations.list(&from, id, &to);
    let results: Vec<Value> = links
        .iter()
        .skip(after)
        .take(limit)
        .map(|(to_id, kinds)| json!({"toObjectId": to_id, "associationTypes": types_json(&crm, kinds, &from, &to)}))
        .collect();
    let mut body = json!({"results": results});
    if after + limit < links.len() {
        body["paging"] = json!({"next": {"after": (after + limit).to_string()}});
    }
    Ok(Json(body))
}

fn parse_types(crm: &CrmData, from: &str, to: &str, body: &Value) -> Result<Vec<u32>, HsError> {
    let list = body
        .as_array()
        .ok_or_else(|| HsError::validation("expected an array of association types"))?;
    let mut ids = Vec::new();
    for item in list {
        let category = item
            .get("associationCategory")
            .and_then(Value::as_str)
            .unwrap_or("HUBSPOT_DEFINED");
        let type_id = item
            .get("associationTypeId")
            .and_then(Value::as_u64)
            .unwrap_or(0) as u32;
        let defined = crm.associations.defined(&crm.schema, from, to, type_id);
        if Category::parse(category).is_none_or(|c| defined.is_none_or(|t| t.category != c)) {
            return Err(HsError::validation(format!(
                "association type {category}/{type_id} is not valid from {from} to {to}"
            )));
        }
        ids.push(type_id);
    }
    Ok(ids)
}

fn created_body(
    crm: &CrmData,
    from_id: u64,
    to_id: u64,
    from: &str,
    to: &str,
    type_ids: &[u32],
) -> Value {
    let labels: Vec<Value> = type_ids
        .iter()
        .filter_map(|id| {
            crm.associations
                .defined(&crm.schema, from, to, *id)
                .and_then(|t| t.label)
        })
        .map(|l| Value::String(l.to_string()))
        .collect();
    json!({"fromObjectTypeId": from, "fromObjectId": from_id, "toObjectTypeId": to, "toObjectId": to_id, "labels": labels})
}

pub async fn put_labelled(
    State(shared): State<Arc<Shared>>,
    Path((from_type, from_id, to_type, to_id)): Path<(String, String, String, String)>,
    HsJson(body): HsJson<Value>,
) -> Result<Response, HsError> {
    let mut crm = shared.hubspot.write();
    let from = resolve(&crm, &from_type)?;
    let to = resolve(&crm, &to_type)?;
    let type_ids = parse_types(&crm, &from, &to, &body)?;
    let a = live_id(&crm, &from, &from_id).ok_or_else(HsError::not_found)?;
    let b = live_id(&crm, &to, &to_id).ok_or_else(HsError::not_found)?;
    write_labelled(&mut crm, &from, a, &to, b, &type_ids, shared.clock.now_ms());
    Ok((
        StatusCode::CREATED,
        Json(created_body(&crm, a, b, &from, &to, &type_ids)),
    )
        .into_response())
}

pub async fn put_default(
    State(shared): State<Arc<Shared>>,
    Path((from_type, from_id, to_type, to_id)): Path<(String, String, String, String)>,
) -> Result<Json<Value>, HsError> {
    let mut crm = shared.hubspot.write();
    let from = resolve(&crm, &from_type)?;
    let to = resolve(&crm, &to_type)?;
    let default = associations::default_type(&crm.schema, &from, &to).ok_or_else(|| {
        HsError::validation(format!("no default association from {from} to {to}"))
    })?;
    let a = live_id(&crm, &from, &from_id).ok_or_else(HsError::not_found)?;
    let b = live_id(&crm, &to, &to_id).ok_or_else(HsError::not_found)?;
    crm.associate(&from, a, &to, b, default.type_id, shared.clock.now_ms());
    let stamp = clock::hubspot_datetime(shared.clock.now_ms());
    Ok(Json(json!({
        "status": "COMPLETE",
        "results": [{"from": {"id": a.to_string()}, "to": {"id": b.to_string()}, "associationSpec": {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": default.type_id}}],
        "startedAt": stamp, "completedAt": stamp,
    })))
}

pub async fn delete_pair(
    State(shared): State<Arc<Shared>>,
    Path((from_type, from_id, to_type, to_id)): Path<(String, String, String, String)>,
) -> Result<StatusCode, HsError> {
    let mut crm = shared.hubspot.write();
    let from = resolve(&crm, &from_type)?;
    let to = resolve(&crm, &to_type)?;
    if let (Ok(a), Ok(b)) = (from_id.parse::<u64>(), to_id.parse::<u64>()) {
        crm.dissociate(&from, a, &to, b, shared.clock.now_ms());
    }
    Ok(StatusCode::NO_CONTENT)
}

pub async fn labels(
    State(shared): State<Arc<Shared>>,
    Path((from_type, to_type)): Path<(String, String)>,
) -> Result<Json<Value>, HsError> {
    let crm = shared.hubspot.read();
    let from = resolve(&crm, &from_type)?;
    let to = resolve(&crm, &to_type)?;
    let results: Vec<Value> = associations::all_types(&crm.schema, &crm.associations, &from, &to)
        .iter()
        .map(label_json)
        .collect();
    Ok(Json(json!({"results": results})))
}

fn label_json(t: &associations::TypeDef) -> Value {
    json!({"category": t.category.as_str(), "typeId": t.type_id, "label": t.label})
}

/// Writes the types a labelled create names: the labels sent replace the pair's other labels,
/// and the unlabeled default type is always there.
fn write_labelled(
    crm: &mut CrmData,
    from: &str,
    a: u64,
    to: &str,
    b: u64,
    ids: &[u32],
    now_ms: i64,
) {
    let default = associations::default_type(&crm.schema, from, to);
    let labelled = ids
        .iter()
        .any(|id| default.as_ref().is_none_or(|d| d.type_id != *id));
    if labelled {
        let existing: Vec<u32> = crm
            .associations
            .list(from, a, to)
            .into_iter()
            .filter(|(other, _)| *other == b)
            .flat_map(|(_, kinds)| kinds.into_iter().map(|k| k.type_id))
            .collect();
        for type_id in existing {
            let keep =
                ids.contains(&type_id) || default.as_ref().is_some_and(|d| d.type_id == type_id);
            if keep {
                continue;
            }
            if let Some(t) = crm.associations.defined(&crm.schema, from, to, type_id) {
                crm.associations
                    .remove_type(from, a, to, b, type_id, t.inverse_id);
            }
        }
        if let Some(default) = &default {
            crm.associate(from, a, to, b, default.type_id, now_ms);
        }
    }
    for type_id in ids {
        crm.associate(from, a, to, b, *type_id, now_ms);
    }
}

#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelInput {
    name: String,
    label: String,
    #[serde(default)]
    inverse_label: Option<String>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelUpdate {
    association_type_id: u32,
    label: String,
    #[serde(default)]
    inverse_label: Option<String>,
}

fn label_error(error: LabelError) -> HsError {
    match error {
        LabelError::Unknown(_) => {
            HsError::new(StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND", error.to_string())
        }
        other => HsError::validation(other.to_string()),
    }
}

/// `POST /crm/v4/associations/{from}/{to}/labels`: `{"name","label","inverseLabel"?}` ->
/// 200 `{"results":[{category:"USER_DEFINED",typeId,label}...]}` (both directions).
pub async fn create_label(
    State(shared): State<Arc<Shared>>,
    Path((from_type, to_type)): Path<(String, String)>,
    HsJson(input): HsJson<LabelInput>,
) -> Result<Json<Value>, HsError> {
    let mut crm = shared.hubspot.write();
    let from = resolve(&crm, &from_type)?;
    let to = resolve(&crm, &to_type)?;
    let crm = &mut *crm;
    let made = crm
        .associations
        .create_label(
            &crm.schema,
            &from,
            &to,
            &input.name,
            &input.label,
            input.inverse_label.as_deref(),
        )
        .map_err(label_error)?;
    let results: Vec<Value> = made.iter().map(label_json).collect();
    Ok(Json(json!({"results": results})))
}

/// `PUT /crm/v4/associations/{from}/{to}/labels`: `{"associationTypeId","label","inverseLabel"?}`
/// -> 204.
pub async fn update_label(
    State(shared): State<Arc<Shared>>,
    Path((from_type, to_type)): Path<(String, String)>,
    HsJson(input): HsJson<LabelUpdate>,
) -> Result<StatusCode, HsError> {
    let mut crm = shared.hubspot.write();
    let from = resolve(&crm, &from_type)?;
    let to = resolve(&crm, &to_type)?;
    let crm = &mut *crm;
    crm.associations
        .update_label(
            &crm.schema,
            &from,
            &to,
            input.association_type_id,
            &input.label,
            input.inverse_label.as_deref(),
        )
        .map_err(label_error)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /crm/v4/associations/{from}/{to}/labels/{associationTypeId}` -> 204.
pub async fn delete_label(
    State(shared): State<Arc<Shared>>,
    Path((from_type, to_type, type_id)): Path<(String, String, String)>,
) -> Result<StatusCode, HsError> {
    let mut crm = shared.hubspot.write();
    let from = resolve(&crm, &from_type)?;
    let to = resolve(&crm, &to_type)?;
    let type_id: u32 = type_id.parse().map_err(|_| {
        HsError::validation(format!(
            "associationTypeId must be an integer, got {type_id}"
        ))
    })?;
    let crm = &mut *crm;
    crm.associations
        .delete_label(&crm.schema, &from, &to, type_id)
        .map_err(label_error)?;
    Ok(StatusCode::NO_CONTENT)
}

fn id_of(value: Option<&Value>) -> String {
    value
        .and_then(|v| v.get("id"))
        .and_then(|v| {
            v.as_str()
                .map(str::to_string)
                .or_else(|| v.as_u64().map(|n| n.to_string()))
        })
        .unwrap_or_default()
}

fn no_associations_found(from: &str, to: &str, id: &str) -> Value {
    let (from, to) = (super::objects::singular(from), super::objects::singular(to));
    let mut error = standard_error(
        "OBJECT_NOT_FOUND",
        &format!("No {to} is associated with {from} {id}."),
        json!({"fromObjectId": [id], "fromObjectType": [from], "toObjectType": [to]}),
    );
    error["subCategory"] = json!("crm.associations.NO_ASSOCIATIONS_FOUND");
    error
}

fn batch_response(
    results: Vec<Value>,
    errors: Vec<Value>,
    now_ms: i64,
    ok_status: StatusCode,
) -> Response {
    let stamp = clock::hubspot_datetime(now_ms);
    let mut body =
        json!({"status": "COMPLETE", "results": results, "startedAt": stamp, "completedAt": stamp});
    if errors.is_empty() {
        return (ok_status, Json(body)).into_response();
    }
    body["numErrors"] = json!(errors.len());
    body["errors"] = Value::Array(errors);
    (StatusCode::MULTI_STATUS, Json(body)).into_response()
}

pub async fn batch(
    State(shared): State<Arc<Shared>>,
    Path((from_type, to_type, action)): Path<(String, String, String)>,
    HsJson(body): HsJson<Value>,
) -> Result<Response, HsError> {
    let inputs = body
        .get("inputs")
        .and_then(Value::as_array)
        .cloned()
        .ok_or_else(|| HsError::validation("`inputs` is required"))?;
    if inputs.len() > 1000 {
        return Err(HsError::validation(
            "Batch input size exceeds the maximum of 1000 inputs",
        ));
    }
    let now = shared.clock.now_ms();
    let mut crm = shared.hubspot.write();
    let from = resolve(&crm, &from_type)?;
    let to = resolve(&crm, &to_type)?;
    let mut results = Vec::new();
    let mut errors = Vec::new();
    match action.as_str() {
        "read" => {
            for input in &inputs {
                let id = input
                    .get("id")
                    .and_then(|v| {
                        v.as_str()
                            .map(str::to_string)
                            .or_else(|| v.as_u64().map(|n| n.to_string()))
                    })
                    .unwrap_or_default();
                let to_list: Vec<Value> = live_id(&crm, &from, &id)
                    .map(|numeric| crm.associations.list(&from, numeric, &to))
                    .unwrap_or_default()
                    .iter()
                    .map(|(to_id, kinds)| json!({"toObjectId": to_id, "associationTypes": types_json(&crm, kinds, &from, &to)}))
                    .collect();
                // HubSpot answers a record with no associations (or no such record) with a
                // `NO_ASSOCIATIONS_FOUND` error in a 207, not with an empty result.
                if to_list.is_empty() {
                    errors.push(no_associations_found(&from, &to, &id));
                } else {
                    results.push(json!({"from": {"id": id}, "to": to_list}));
                }
            }
            Ok(batch_response(results, errors, now, StatusCode::OK))
        }
        "create" => {
            for input in &inputs {
                let a_text = id_of(input.get("from"));
                let b_text = id_of(input.get("to"));
                let types = input
                    .get("types")
                    .cloned()
                    .unwrap_or(Value::Array(Vec::new()));
                let outcome = parse_types(&crm, &from, &to, &types).and_then(|ids| {
                    let a = live_id(&crm, &from, &a_text).ok_or_else(HsError::not_found)?;
                    let b = live_id(&crm, &to, &b_text).ok_or_else(HsError::not_found)?;
                    Ok((a, b, ids))
                });
                match outcome {
                    Ok((a, b, ids)) => {
                        write_labelled(&mut crm, &from, a, &to, b, &ids, shared.clock.now_ms());
                        results.push(created_body(&crm, a, b, &from, &to, &ids));
                    }
                    Err(error) => errors.push(standard_error(
                        error.category,
                        &error.message,
                        json!({"fromObjectId": [a_text], "toObjectId": [b_text]}),
                    )),
                }
            }
            Ok(batch_response(results, errors, now, StatusCode::CREATED))
        }
        "archive" => {
            for input in &inputs {
                let a_text = id_of(input.get("from"));
                let targets: Vec<String> = match input.get("to") {
                    Some(Value::Array(list)) => list.iter().map(|t| id_of(Some(t))).collect(),
                    other => vec![id_of(other)],
                };
                if let Ok(a) = a_text.parse::<u64>() {
                    for target in targets {
                        if let Ok(b) = target.parse::<u64>() {
                            crm.dissociate(&from, a, &to, b, shared.clock.now_ms());
                        }
                    }
                }
            }
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        _ => Err(HsError::new(
            StatusCode::NOT_FOUND,
            "OBJECT_NOT_FOUND",
            format!("Unknown batch action {action}"),
        )),
    }
}

pub async fn batch_associate_default(
    State(shared): State<Arc<Shared>>,
    Path((from_type, to_type)): Path<(String, String)>,
    HsJson(body): HsJson<Value>,
) -> Result<Response, HsError> {
    let inputs = body
        .get("inputs")
        .and_then(Value::as_array)
        .cloned()
        .ok_or_else(|| HsError::validation("`inputs` is required"))?;
    let now = shared.clock.now_ms();
    let mut crm = shared.hubspot.write();
    let from = resolve(&crm, &from_type)?;
    let to = resolve(&crm, &to_type)?;
    let default = associations::default_type(&crm.schema, &from, &to).ok_or_else(|| {
        HsError::validation(format!("no default association from {from} to {to}"))
    })?;
    let mut results = Vec::new();
    let mut errors = Vec::new();
    for input in &inputs {
        let a_text = id_of(input.get("from"));
        let b_text = id_of(input.get("to"));
        match (live_id(&crm, &from, &a_text), live_id(&crm, &to, &b_text)) {
            (Some(a), Some(b)) => {
                crm.associate(&from, a, &to, b, default.type_id, shared.clock.now_ms());
                results.push(json!({"from": {"id": a_text}, "to": {"id": b_text}, "associationSpec": {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": default.type_id}}));
            }
            _ => errors.push(standard_error(
                "OBJECT_NOT_FOUND",
                "One or both records do not exist",
                json!({"fromObjectId": [a_text], "toObjectId": [b_text]}),
            )),
        }
    }
    Ok(batch_response(results, errors, now, StatusCode::OK))
}

/// Associations given inline on create (`associations: [{to:{id}, types:[...]}]`).
pub fn apply_create_associations(
    crm: &mut CrmData,
    from: &str,
    from_id: &str,
    associations: &[Value],
    now_ms: i64,
) {
    let Ok(a) = from_id.parse::<u64>() else {
        return;
    };
    for association in associations {
        let target_id = id_of(association.get("to"));
        let Ok(b) = target_id.parse::<u64>() else {
            continue;
        };
        let types = association
            .get("types")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for kind in types {
            let type_id = kind
                .get("associationTypeId")
                .and_then(Value::as_u64)
                .unwrap_or(0) as u32;
            let target = crm.schema.objects.keys().find(|to| {
                crm.associations
                    .defined(&crm.schema, from, to, type_id)
                    .is_some()
                    && write::find_slot(crm, to, &target_id, None).is_some()
            });
            if let Some(to) = target.cloned() {
                crm.associate(from, a, &to, b, type_id, now_ms);
            }
        }
    }
}
