//! Salesforce metadata and org endpoints: versions, resources, describeGlobal, sObject
//! basic info and describe, `/limits`, and the OAuth token endpoint.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use serde_json::{Value, json};

use super::errors::SfError;
use super::render::{describe_json, object_summary, record_json};
use super::{NEWEST_VERSION, OLDEST_VERSION, api_version};
use crate::Shared;
use tandem_ground::schema::System;

fn release_label(version: u32) -> String {
    let offset = version as i64 - 62;
    let season = ["Winter", "Spring", "Summer"][offset.rem_euclid(3) as usize];
    let year = 25 + offset.div_euclid(3);
    format!("{season} '{year:02}")
}

pub async fn versions() -> Json<Value> {
    let list: Vec<Value> = (OLDEST_VERSION..=NEWEST_VERSION)
        .map(|v| json!({"label": release_label(v), "url": format!("/services/data/v{v}.0"), "version": format!("{v}.0")}))
        .collect();
    Json(Value::Array(list))
}

pub async fn resources(Path(version): Path<String>) -> Result<Json<Value>, SfError> {
    let version = api_version(&version)?;
    let base = format!("/services/data/v{version}");
    Ok(Json(json!({
        "sobjects": format!("{base}/sobjects"),
        "query": format!("{base}/query"),
        "queryAll": format!("{base}/queryAll"),
        "composite": format!("{base}/composite"),
        "limits": format!("{base}/limits"),
        "jobs": format!("{base}/jobs"),
    })))
}

pub async fn describe_global(
    State(shared): State<Arc<Shared>>,
    Path(version): Path<String>,
) -> Result<Json<Value>, SfError> {
    let version = api_version(&version)?;
    let crm = shared.salesforce.read();
    let sobjects: Vec<Value> = crm
        .schema
        .objects
        .values()
        .map(|object| {
            let prefix = crm
                .store
                .table(&object.name)
                .map(|t| t.key_prefix.clone())
                .unwrap_or_default();
            Value::Object(object_summary(object, &prefix, &version))
        })
        .collect();
    Ok(Json(
        json!({"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": sobjects}),
    ))
}

pub async fn sobject_info(
    State(shared): State<Arc<Shared>>,
    Path((version, object)): Path<(String, String)>,
) -> Result<Json<Value>, SfError> {
    let version = api_version(&version)?;
    let crm = shared.salesforce.read();
    let name = crm
        .resolve_salesforce_object(&object)
        .ok_or_else(|| SfError::unknown_object(&object))?;
    let schema = crm
        .object(&name)
        .ok_or_else(|| SfError::unknown_object(&object))?;
    let table = crm
        .store
        .table(&name)
        .ok_or_else(|| SfError::unknown_object(&object))?;
    // Recent items: the last few records touched, as the real resource lists them.
    let mut recent: Vec<u32> = table
        .slots()
        .filter(|s| !table.record(*s).is_deleted())
        .collect();
    recent.sort_by_key(|s| std::cmp::Reverse(table.record(*s).modified_ms));
    let fields = vec!["Id".to_string()];
    let recent_items: Vec<Value> = recent
        .iter()
        .take(5)
        .map(|s| record_json(&crm, &version, table, table.record(*s), &fields))
        .collect();
    Ok(Json(
        json!({"objectDescribe": object_summary(schema, &table.key_prefix, &version), "recentItems": recent_items}),
    ))
}

pub async fn describe(
    State(shared): State<Arc<Shared>>,
    Path((version, object)): Path<(String, String)>,
) -> Result<Json<Value>, SfError> {
    let version = api_version(&version)?;
    let crm = shared.salesforce.read();
    let name = crm
        .resolve_salesforce_object(&object)
        .ok_or_else(|| SfError::unknown_object(&object))?;
    let schema = crm
        .object(&name)
        .ok_or_else(|| SfError::unknown_object(&object))?;
    Ok(Json(describe_json(&crm, schema, &version)))
}

/// `GET /limits`: `DailyApiRequests.Remaining` is `Max` less the calls counted so far,
/// this one included, so it agrees with this response's `Sforce-Limit-Info: api-usage=N/M`.
pub async fn limits(
    State(shared): State<Arc<Shared>>,
    Path(version): Path<String>,
) -> Result<Json<Value>, SfError> {
    api_version(&version)?;
    let usage = shared.salesforce.gate().limits.usage();
    let crm = shared.salesforce.read();
    let bulk_jobs = crm.bulk_jobs.len() as u64;
    let query_jobs = crm.query_jobs_created;
    let query_max = super::bulk_query::DAILY_QUERY_JOBS;
    let pair = |max: u64, remaining: u64| json!({"Max": max, "Remaining": remaining});
    Ok(Json(json!({
        "ConcurrentAsyncGetReportInstances": pair(200, 200),
        "ConcurrentSyncReportRuns": pair(20, 20),
        "DailyApiRequests": {"Max": usage.daily_max, "Remaining": usage.daily_max.saturating_sub(usage.daily_used), "tandem": pair(0, 0)},
        "DailyAsyncApexExecutions": pair(250_000, 250_000),
        "DailyBulkApiBatches": pair(15_000, 15_000u64.saturating_sub(bulk_jobs)),
        "DailyBulkV2QueryFileStorageMB": pair(976_562, 976_562),
        "DailyBulkV2QueryJobs": pair(query_max, query_max.saturating_sub(query_jobs)),
        "DataStorageMB": pair(1024, 1024),
        "FileStorageMB": pair(1024, 1024),
        "SingleEmail": pair(5000, 5000),
    })))
}

fn token_error(error: &str, description: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

/// `POST /services/oauth2/token`: refresh_token, client_credentials, password and
/// JWT bearer grants (see `jwt.rs` for what the assertion check covers). Only the refresh
/// grant with rotation on answers a `refresh_token`; the password, client-credentials and JWT
/// flows issue none.
pub async fn token(
    State(shared): State<Arc<Shared>>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let base = shared.base_url(System::Salesforce);
    let mut gate = shared.salesforce.gate();
    let client_id = form.get("client_id").map(String::as_str);
    let client_secret = form.get("client_secret").map(String::as_str);
    let grant = form
        .get("grant_type")
        .map(String::as_str)
        .unwrap_or_default();
    // The JWT bearer grant names its client inside the assertion, not in the form.
    if grant == "urn:ietf:params:oauth:grant-type:jwt-bearer" {
        let assertion = form
            .get("assertion")
            .map(String::as_str)
            .unwrap_or_default();
        let now_secs = shared.clock.now_ms() / 1000;
        if let Err(description) =
            super::jwt::check_assertion(assertion, &gate.auth.client_id, &base, now_secs)
        {
            return token_error("invalid_grant", description);
        }
    } else if !gate.auth.client_matches(client_id, client_secret) {
        return token_error("invalid_client_id", "client identifier invalid");
    }
    let include_refresh = match grant {
        "refresh_token" => {
            if form.get("refresh_token") != Some(&gate.auth.refresh_token) {
                return token_error("invalid_grant", "expired access/refresh token");
            }
            // A rotated refresh token is returned so the client can store it.
            gate.auth.after_refresh();
            gate.auth.rotate_refresh
        }
        "client_credentials" => {
            if client_secret.is_none() {
                return token_error("invalid_client", "invalid client credentials");
            }
            false
        }
        // "No refresh token is issued" and "This flow doesn't support scopes or refresh
        // tokens" (REST API Developer Guide / Salesforce Help, "OAuth 2.0 Username-Password
        // Flow").
        "password" => false,
        "urn:ietf:params:oauth:grant-type:jwt-bearer" => false,
        _ => return token_error("unsupported_grant_type", "grant type not supported"),
    };
    let access_token = gate.auth.issue();
    let issued_at = shared.clock.now_ms().to_string();
    let user_id = crate::crm::integration_user_id();
    let mut body = json!({
        "access_token": access_token,
        "signature": "c2FuZGJveC1zaWduYXR1cmU=",
        "scope": "api refresh_token",
        "instance_url": base,
        "id": format!("{base}/id/00D5g000004SBX1EAO/{user_id}"),
        "token_type": "Bearer",
        "issued_at": issued_at,
    });
    if include_refresh {
        body["refresh_token"] = Value::String(gate.auth.refresh_token.clone());
    }
    if grant == "password" {
        if let Value::Object(map) = &mut body {
            map.remove("scope");
        }
    }
    Json(body).into_response()
}
