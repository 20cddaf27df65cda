//! HubSpot metadata and account endpoints: properties (rendered from the schema model),
//! pipelines, the daily usage endpoint, and the OAuth token endpoint (owners: `owners.rs`).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use serde_json::{Value, json};

use super::errors::HsError;
use super::objects::resolve;
use super::render::{QueryParams, property_json};
use crate::Shared;
use crate::clock;
use crate::gate::correlation_id;
use tandem_ground::schema::System;

pub async fn properties(
    State(shared): State<Arc<Shared>>,
    Path(object_type): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, HsError> {
    let params = QueryParams::parse(raw.as_deref());
    let crm = shared.hubspot.read();
    let object = resolve(&crm, &object_type)?;
    let schema = crm.object(&object).ok_or_else(HsError::not_found)?;
    if params.flag("archived") {
        return Ok(Json(json!({"results": []})));
    }
    let wanted = params.list("properties");
    let results: Vec<Value> = schema
        .fields
        .values()
        .enumerate()
        .filter(|(_, field)| wanted.is_empty() || wanted.contains(&field.name))
        .map(|(order, field)| property_json(schema, field, order))
        .collect();
    Ok(Json(json!({"results": results})))
}

pub async fn property(
    State(shared): State<Arc<Shared>>,
    Path((object_type, name)): Path<(String, String)>,
) -> Result<Json<Value>, HsError> {
    let crm = shared.hubspot.read();
    let object = resolve(&crm, &object_type)?;
    let schema = crm.object(&object).ok_or_else(HsError::not_found)?;
    let (order, field) = schema
        .fields
        .values()
        .enumerate()
        .find(|(_, f)| f.name == name)
        .ok_or_else(|| {
            HsError::new(
                StatusCode::NOT_FOUND,
                "OBJECT_NOT_FOUND",
                format!("Unable to find property {name} for object type {object}"),
            )
        })?;
    Ok(Json(property_json(schema, field, order)))
}

/// A pipeline as `Pipeline`: deal stages carry `metadata.probability` and `isClosed`, ticket
/// stages `metadata.ticketState` (`OPEN` / `CLOSED`).
fn pipeline_json(pipeline: &tandem_ground::schema::Pipeline, order: usize, object: &str) -> Value {
    let stamp = "2019-08-06T02:41:52.000Z";
    let stages: Vec<Value> = pipeline
        .stages
        .iter()
        .map(|stage| {
            let mut metadata = serde_json::Map::new();
            metadata.insert("isClosed".into(), Value::String(stage.closed.to_string()));
            if object == "tickets" {
                let state = if stage.closed { "CLOSED" } else { "OPEN" };
                metadata.insert("ticketState".into(), Value::String(state.into()));
            }
            if let Some(probability) = stage.probability {
                metadata.insert(
                    "probability".into(),
                    Value::String(format!("{probability}")),
                );
            }
            json!({
                "label": stage.label, "displayOrder": stage.display_order, "metadata": metadata,
                "id": stage.id, "createdAt": stamp, "updatedAt": stamp, "archived": false,
                "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
            })
        })
        .collect();
    json!({"label": pipeline.label, "displayOrder": order, "id": pipeline.id, "stages": stages, "createdAt": stamp, "updatedAt": stamp, "archived": false})
}

pub async fn pipelines(
    State(shared): State<Arc<Shared>>,
    Path(object_type): Path<String>,
) -> Result<Json<Value>, HsError> {
    let crm = shared.hubspot.read();
    let object = resolve(&crm, &object_type)?;
    let schema = crm.object(&object).ok_or_else(HsError::not_found)?;
    let results: Vec<Value> = schema
        .pipelines
        .iter()
        .enumerate()
        .map(|(i, p)| pipeline_json(p, i, &object))
        .collect();
    Ok(Json(json!({"results": results})))
}

pub async fn pipeline(
    State(shared): State<Arc<Shared>>,
    Path((object_type, id)): Path<(String, String)>,
) -> Result<Json<Value>, HsError> {
    let crm = shared.hubspot.read();
    let object = resolve(&crm, &object_type)?;
    let schema = crm.object(&object).ok_or_else(HsError::not_found)?;
    let (order, found) = schema
        .pipelines
        .iter()
        .enumerate()
        .find(|(_, p)| p.id == id)
        .ok_or_else(HsError::not_found)?;
    Ok(Json(pipeline_json(found, order, &object)))
}

pub async fn daily_usage(State(shared): State<Arc<Shared>>) -> Json<Value> {
    let now = shared.clock.now_ms();
    let gate = shared.hubspot.gate();
    let usage = gate.limits.usage();
    Json(json!({"results": [{
        "name": "private-apps-api-calls-daily",
        "usageLimit": usage.daily_max,
        "currentUsage": usage.daily_used,
        "collectedAt": clock::hubspot_datetime(now),
        "fetchStatus": "SUCCESS",
        "resetsAt": clock::hubspot_datetime(gate.limits.resets_at_ms(now)),
    }]}))
}

fn oauth_error(status: &str, message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"status": status, "message": message, "correlationId": correlation_id(), "requestId": correlation_id()})),
    )
        .into_response()
}

/// `POST /oauth/v1/token` (and v3): form-encoded refresh_token or authorization_code grants.
pub async fn token(
    State(shared): State<Arc<Shared>>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let mut gate = shared.hubspot.gate();
    if !gate.auth.client_matches(
        form.get("client_id").map(String::as_str),
        form.get("client_secret").map(String::as_str),
    ) {
        return oauth_error("BAD_CLIENT_ID", "missing or unknown client id");
    }
    match form.get("grant_type").map(String::as_str) {
        Some("refresh_token") => {
            if form.get("refresh_token") != Some(&gate.auth.refresh_token) {
                return oauth_error("BAD_REFRESH_TOKEN", "missing or unknown refresh token");
            }
            gate.auth.after_refresh();
        }
        Some("authorization_code") => {
            if !form.contains_key("code") {
                return oauth_error("BAD_AUTH_CODE", "missing or unknown auth code");
            }
        }
        _ => {
            return oauth_error(
                "BAD_GRANT_TYPE",
                "grant_type must be refresh_token or authorization_code",
            );
        }
    }
    let access_token = gate.auth.issue();
    Json(json!({
        "token_type": "bearer",
        "refresh_token": gate.auth.refresh_token,
        "access_token": access_token,
        "expires_in": 1800,
        "token_use": "access_token",
        "hub_id": shared.portal_id,
        "user_id": 9_000_000,
        "scopes": ["crm.objects.contacts.read", "crm.objects.contacts.write", "crm.objects.companies.read", "crm.objects.companies.write", "crm.objects.deals.read", "crm.objects.deals.write", "crm.schemas.contacts.read", "oauth"],
    }))
    .into_response()
}

/// Used by `System`-generic code that needs the name of this module's CRM.
pub const SYSTEM: System = System::Hubspot;
