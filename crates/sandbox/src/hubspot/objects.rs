//! HubSpot CRM v3 object endpoints: list (with `archived`), read by id or `idProperty`,
//! create, update, archive, and merge (see [`super::merge`] for what a merge does to ids).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::errors::{HsError, HsJson};
use super::render::{QueryParams, default_properties, record_json};
use super::write::{self, WriteFailure};
use crate::Shared;
use crate::crm::{Actor, CrmData};

pub fn resolve(crm: &CrmData, object_type: &str) -> Result<String, HsError> {
    crm.resolve_hubspot_object(object_type)
        .ok_or_else(|| HsError::unknown_object(object_type))
}

pub fn failure_response(failure: WriteFailure) -> HsError {
    match failure {
        WriteFailure::Invalid(violations) => HsError::from_violations(&violations),
        WriteFailure::DuplicateEmail { existing_id } => HsError::new(
            StatusCode::CONFLICT,
            "CONFLICT",
            format!("Contact already exists. Existing ID: {existing_id}"),
        ),
        WriteFailure::NotFound { .. } => HsError::not_found(),
    }
}

fn requested_properties(params: &QueryParams, object: &str) -> Vec<String> {
    let requested = params.list("properties");
    if requested.is_empty() {
        default_properties(object)
    } else {
        requested
    }
}

fn with_associations(
    crm: &CrmData,
    object: &str,
    mut body: Value,
    id: &str,
    targets: &[String],
) -> Value {
    let Ok(numeric) = id.parse::<u64>() else {
        return body;
    };
    let mut associations = serde_json::Map::new();
    for target in targets {
        let Some(target) = crm.resolve_hubspot_object(target) else {
            continue;
        };
        // v3 lists an associated record once per association type: the primary one as
        // `deal_to_company`, the unlabeled default as `deal_to_company_unlabeled`.
        // Without a primary type between the two, the default type is plain `call_to_contact`.
        let base = format!("{}_to_{}", singular(object), singular(&target));
        let has_primary = crate::associations::types_between(&crm.schema, object, &target)
            .iter()
            .any(|t| t.label.as_deref() == Some("Primary"));
        let mut results: Vec<Value> = Vec::new();
        for (to, kinds) in crm.associations.list(object, numeric, &target) {
            for kind in kinds {
                let defined = crm
                    .associations
                    .defined(&crm.schema, object, &target, kind.type_id);
                let name = match defined {
                    Some(t) if t.default && has_primary => format!("{base}_unlabeled"),
                    Some(t) if t.default => base.clone(),
                    Some(t) => match t.label.as_deref() {
                        None | Some("Primary") => base.clone(),
                        Some(label) => label.to_lowercase().replace(' ', "_"),
                    },
                    None => base.clone(),
                };
                results.push(json!({"id": to.to_string(), "type": name}));
            }
        }
        if !results.is_empty() {
            associations.insert(target.clone(), json!({"results": results}));
        }
    }
    if !associations.is_empty() {
        body["associations"] = Value::Object(associations);
    }
    body
}

pub fn singular(object: &str) -> &str {
    match object {
        "contacts" => "contact",
        "companies" => "company",
        "deals" => "deal",
        "tickets" => "ticket",
        "calls" => "call",
        "emails" => "email",
        "meetings" => "meeting",
        "notes" => "note",
        "tasks" => "task",
        other => other,
    }
}

pub async fn list(
    State(shared): State<Arc<Shared>>,
    Path(object_type): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, HsError> {
    let params = QueryParams::parse(raw.as_deref());
    let crm = shared.hubspot.read();
    let object = resolve(&crm, &object_type)?;
    let limit: usize = match params.get("limit") {
        Some(text) => text
            .parse()
            .map_err(|_| HsError::validation(format!("Invalid limit: {text}")))?,
        None => 10,
    };
    if limit > 100 {
        return Err(HsError::validation(
            "limit must be less than or equal to 100",
        ));
    }
    let after: usize = match params.get("after") {
        Some(text) => text
            .parse()
            .map_err(|_| HsError::validation(format!("Invalid after: {text}")))?,
        None => 0,
    };
    let archived = params.flag("archived");
    let properties = requested_properties(&params, &object);
    let targets = params.list("associations");
    let Some(table) = crm.store.table(&object) else {
        return Err(HsError::not_found());
    };
    let mut results = Vec::with_capacity(limit);
    let mut next = None;
    let mut slot = after;
    while slot < table.len() {
        let record = table.record(slot as u32);
        if record.is_deleted() == archived && record.merged_into.is_none() {
            if results.len() == limit {
                next = Some(slot);
                break;
            }
            let body = record_json(&crm, table, record, &properties);
            results.push(with_associations(&crm, &object, body, &record.id, &targets));
        }
        slot += 1;
    }
    let mut body = json!({"results": results});
    if let Some(next) = next {
        let link = format!(
            "{}/crm/v3/objects/{object_type}?after={next}",
            shared.base_url(tandem_ground::schema::System::Hubspot)
        );
        body["paging"] = json!({"next": {"after": next.to_string(), "link": link}});
    }
    Ok(Json(body))
}

pub async fn get_one(
    State(shared): State<Arc<Shared>>,
    Path((object_type, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, HsError> {
    let params = QueryParams::parse(raw.as_deref());
    let resolve_merged = shared.hubspot_portal().merge.resolves_absorbed_ids();
    let crm = shared.hubspot.read();
    let object = resolve(&crm, &object_type)?;
    let table = crm.store.table(&object).ok_or_else(HsError::not_found)?;
    let archived = params.flag("archived");
    // An id a merge absorbed is not archived: it reads as its survivor, or not at all.
    let slot = if archived {
        table.slot_of(&id).filter(|slot| {
            let record = table.record(*slot);
            record.is_deleted() && record.merged_into.is_none()
        })
    } else {
        match params.get("idProperty") {
            None | Some("hs_object_id") => {
                super::merge::live_slot_following_merges(table, &id, resolve_merged)
            }
            Some(property) => write::find_slot(&crm, &object, &id, Some(property)),
        }
    };
    let slot = slot.ok_or_else(HsError::not_found)?;
    let record = table.record(slot);
    let body = record_json(&crm, table, record, &requested_properties(&params, &object));
    Ok(Json(with_associations(
        &crm,
        &object,
        body,
        &record.id,
        &params.list("associations"),
    )))
}

pub async fn create(
    State(shared): State<Arc<Shared>>,
    Path(object_type): Path<String>,
    HsJson(input): HsJson<Value>,
) -> Result<Response, HsError> {
    let now = shared.clock.tick_ms();
    let mut crm = shared.hubspot.write();
    let object = resolve(&crm, &object_type)?;
    let properties = write::properties_of(&input);
    let id = write::create(&mut crm, &object, &properties, &Actor::api(None), now)
        .map_err(failure_response)?;
    if let Some(associations) = input.get("associations").and_then(Value::as_array) {
        super::associations::apply_create_associations(&mut crm, &object, &id, associations, now);
    }
    let table = crm.store.table(&object).ok_or_else(HsError::not_found)?;
    let slot = table.slot_of(&id).ok_or_else(HsError::not_found)?;
    let mut names: Vec<String> = properties.keys().cloned().collect();
    names.extend(default_properties(&object));
    names.sort();
    names.dedup();
    let body = record_json(&crm, table, table.record(slot), &names);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

pub async fn update(
    State(shared): State<Arc<Shared>>,
    Path((object_type, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    HsJson(input): HsJson<Value>,
) -> Result<Json<Value>, HsError> {
    let params = QueryParams::parse(raw.as_deref());
    let now = shared.clock.tick_ms();
    let mut crm = shared.hubspot.write();
    let object = resolve(&crm, &object_type)?;
    let slot = write::find_slot(&crm, &object, &id, params.get("idProperty"))
        .ok_or_else(HsError::not_found)?;
    let properties = write::properties_of(&input);
    write::update(&mut crm, &object, slot, &properties, &Actor::api(None), now)
        .map_err(failure_response)?;
    let table = crm.store.table(&object).ok_or_else(HsError::not_found)?;
    let mut names: Vec<String> = properties.keys().cloned().collect();
    names.extend(default_properties(&object));
    names.sort();
    names.dedup();
    Ok(Json(record_json(&crm, table, table.record(slot), &names)))
}

pub async fn archive(
    State(shared): State<Arc<Shared>>,
    Path((object_type, id)): Path<(String, String)>,
) -> Result<StatusCode, HsError> {
    let now = shared.clock.tick_ms();
    let mut crm = shared.hubspot.write();
    let object = resolve(&crm, &object_type)?;
    // Archiving an already archived or unknown id answers 204 as HubSpot does.
    if let Some(slot) = write::find_slot(&crm, &object, &id, None) {
        crm.delete(&object, slot, &Actor::api(None), now);
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MergeInput {
    primary_object_id: String,
    object_id_to_merge: String,
}

/// `POST /crm/v3/objects/{objectType}/merge` for contacts, companies, deals and tickets; the
/// answer is the surviving record (`SimplePublicObject`).
pub async fn merge(
    State(shared): State<Arc<Shared>>,
    Path(object_type): Path<String>,
    HsJson(input): HsJson<MergeInput>,
) -> Result<Json<Value>, HsError> {
    let behavior = shared.hubspot_portal().merge;
    let now = shared.clock.tick_ms();
    let mut crm = shared.hubspot.write();
    let object = resolve(&crm, &object_type)?;
    if !super::merge::mergeable(&object) {
        return Err(HsError::not_found());
    }
    if input.primary_object_id == input.object_id_to_merge {
        return Err(HsError::validation("Cannot merge an object with itself"));
    }
    let winner = write::find_slot(&crm, &object, &input.primary_object_id, None)
        .ok_or_else(HsError::not_found)?;
    let loser = write::find_slot(&crm, &object, &input.object_id_to_merge, None)
        .ok_or_else(HsError::not_found)?;
    let survivor = super::merge::merge(
        &mut crm,
        behavior,
        &object,
        winner,
        loser,
        &Actor::api(None),
        now,
    )
    .ok_or_else(HsError::not_found)?;
    let table = crm.store.table(&object).ok_or_else(HsError::not_found)?;
    let mut names = default_properties(&object);
    names.push("hs_merged_object_ids".into());
    Ok(Json(record_json(
        &crm,
        table,
        table.record(survivor),
        &names,
    )))
}
