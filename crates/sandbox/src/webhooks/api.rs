//! The webhooks v3 management API, as the official clients call it
//! (`hubspot.webhooks.SettingsApi` / `SubscriptionsApi`; spec
//! PublicApiSpecs/Webhooks/Webhooks/Rollouts/147891/v3/webhooks.json):
//!
//! | Method | Path | Answer |
//! |---|---|---|
//! | GET, PUT, DELETE | `/webhooks/v3/{appId}/settings` | `SettingsResponse` `{targetUrl, throttling{maxConcurrentRequests}, createdAt, updatedAt}`; DELETE 204 |
//! | GET, POST | `/webhooks/v3/{appId}/subscriptions` | `{"results":[SubscriptionResponse]}`; POST 201 |
//! | GET, PATCH, DELETE | `/webhooks/v3/{appId}/subscriptions/{subscriptionId}` | `SubscriptionResponse`; DELETE 204 |
//! | POST | `/webhooks/v3/{appId}/subscriptions/batch/update` | `{"inputs":[{id, active}]}` -> batch response (207 with errors for unknown ids) |
//!
//! Authentication: the developer API key as `?hapikey=` (the clients' `developer_hapikey`), or
//! the portal's private app token (the spec's `private-apps-*` scopes). An unknown `appId`
//! answers 404. `maxConcurrentRequests` "must be a number greater than five".

use std::sync::Arc;

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::subscriptions::{NewSubscription, SubscriptionError, subscription_json};
use super::{WebhookSettings, settings};
use crate::Shared;
use crate::auth::TokenCheck;
use crate::clock;
use crate::hubspot::errors::{HsError, HsJson, standard_error};
use crate::hubspot::render::QueryParams;

fn unauthorized() -> Response {
    HsError::new(
        StatusCode::UNAUTHORIZED,
        "INVALID_AUTHENTICATION",
        "Authentication credentials not found. This API supports both API Key and OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
    )
    .into_response()
}

/// Counts the call and checks the developer API key or the portal token.
async fn authorize(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let key = crate::gate::endpoint_key(&request);
    crate::gate::count(&shared, tandem_ground::schema::System::Hubspot, &key);
    let params = QueryParams::parse(request.uri().query());
    let by_key = params
        .get("hapikey")
        .is_some_and(|given| given == settings(&shared).developer_api_key);
    let by_token = {
        let header = request
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        matches!(shared.hubspot.gate().auth.check(header), TokenCheck::Valid)
    };
    if !by_key && !by_token {
        return unauthorized();
    }
    next.run(request).await
}

fn check_app(settings: &WebhookSettings, app_id: &str) -> Result<(), HsError> {
    if app_id == settings.app_id.to_string() {
        Ok(())
    } else {
        Err(HsError::new(
            StatusCode::NOT_FOUND,
            "OBJECT_NOT_FOUND",
            format!("App {app_id} not found"),
        ))
    }
}

fn subscription_error(error: SubscriptionError) -> HsError {
    match error {
        SubscriptionError::NotFound(_) => {
            HsError::new(StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND", error.to_string())
        }
        other => HsError::validation(other.to_string()),
    }
}

fn settings_json(settings: &WebhookSettings) -> Option<Value> {
    let target = settings.target_url.as_ref()?;
    let created = settings.settings_created_ms?;
    Some(json!({
        "targetUrl": target,
        "throttling": {"maxConcurrentRequests": settings.max_concurrent_requests, "period": "SECONDLY"},
        "createdAt": clock::hubspot_datetime(created),
        "updatedAt": clock::hubspot_datetime(settings.settings_updated_ms.unwrap_or(created)),
    }))
}

async fn get_settings(
    State(shared): State<Arc<Shared>>,
    Path(app_id): Path<String>,
) -> Result<Json<Value>, HsError> {
    let settings = settings(&shared);
    check_app(&settings, &app_id)?;
    settings_json(&settings).map(Json).ok_or_else(|| {
        HsError::new(
            StatusCode::NOT_FOUND,
            "OBJECT_NOT_FOUND",
            format!("No webhook settings exist for app {app_id}"),
        )
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Throttling {
    max_concurrent_requests: i64,
    #[serde(default)]
    #[allow(dead_code)]
    period: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SettingsChange {
    target_url: String,
    throttling: Throttling,
}

async fn put_settings(
    State(shared): State<Arc<Shared>>,
    Path(app_id): Path<String>,
    HsJson(change): HsJson<SettingsChange>,
) -> Result<Json<Value>, HsError> {
    let parsed = url::Url::parse(&change.target_url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"));
    if parsed.is_none() {
        return Err(HsError::validation(format!(
            "targetUrl {} is not a valid URL",
            change.target_url
        )));
    }
    if change.throttling.max_concurrent_requests <= 5 {
        return Err(HsError::validation(format!(
            "throttling.maxConcurrentRequests must be a number greater than five, got {}",
            change.throttling.max_concurrent_requests
        )));
    }
    let now = shared.clock.now_ms();
    let body = {
        let mut settings = settings(&shared);
        check_app(&settings, &app_id)?;
        settings.target_url = Some(change.target_url);
        settings.max_concurrent_requests = change.throttling.max_concurrent_requests as usize;
        settings.catch_all = false;
        settings.settings_created_ms.get_or_insert(now);
        settings.settings_updated_ms = Some(now);
        settings_json(&settings).unwrap_or(Value::Null)
    };
    shared.hubspot.write().webhooks_enabled = true;
    Ok(Json(body))
}

async fn delete_settings(
    State(shared): State<Arc<Shared>>,
    Path(app_id): Path<String>,
) -> Result<StatusCode, HsError> {
    {
        let mut settings = settings(&shared);
        check_app(&settings, &app_id)?;
        settings.target_url = None;
        settings.catch_all = false;
        settings.settings_created_ms = None;
        settings.settings_updated_ms = None;
        settings.outbox.clear();
    }
    shared.hubspot.write().webhooks_enabled = false;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_subscriptions(
    State(shared): State<Arc<Shared>>,
    Path(app_id): Path<String>,
) -> Result<Json<Value>, HsError> {
    let settings = settings(&shared);
    check_app(&settings, &app_id)?;
    let results: Vec<Value> = settings
        .subscriptions
        .list()
        .map(subscription_json)
        .collect();
    Ok(Json(json!({"results": results})))
}

async fn create_subscription(
    State(shared): State<Arc<Shared>>,
    Path(app_id): Path<String>,
    HsJson(new): HsJson<NewSubscription>,
) -> Result<Response, HsError> {
    let now = shared.clock.now_ms();
    let mut settings = settings(&shared);
    check_app(&settings, &app_id)?;
    let created = settings
        .subscriptions
        .create(new, now)
        .map_err(subscription_error)?;
    Ok((StatusCode::CREATED, Json(subscription_json(created))).into_response())
}

async fn get_subscription(
    State(shared): State<Arc<Shared>>,
    Path((app_id, id)): Path<(String, String)>,
) -> Result<Json<Value>, HsError> {
    let settings = settings(&shared);
    check_app(&settings, &app_id)?;
    let subscription = settings
        .subscriptions
        .get(&id)
        .map_err(subscription_error)?;
    Ok(Json(subscription_json(subscription)))
}

#[derive(Debug, Deserialize)]
struct Patch {
    #[serde(default)]
    active: Option<bool>,
}

async fn patch_subscription(
    State(shared): State<Arc<Shared>>,
    Path((app_id, id)): Path<(String, String)>,
    HsJson(patch): HsJson<Patch>,
) -> Result<Json<Value>, HsError> {
    let now = shared.clock.now_ms();
    let mut settings = settings(&shared);
    check_app(&settings, &app_id)?;
    let current = settings
        .subscriptions
        .get(&id)
        .map_err(subscription_error)?
        .active;
    let updated = settings
        .subscriptions
        .set_active(&id, patch.active.unwrap_or(current), now)
        .map_err(subscription_error)?;
    Ok(Json(subscription_json(updated)))
}

async fn delete_subscription(
    State(shared): State<Arc<Shared>>,
    Path((app_id, id)): Path<(String, String)>,
) -> Result<StatusCode, HsError> {
    let mut settings = settings(&shared);
    check_app(&settings, &app_id)?;
    settings
        .subscriptions
        .delete(&id)
        .map_err(subscription_error)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn batch_update(
    State(shared): State<Arc<Shared>>,
    Path(app_id): Path<String>,
    HsJson(body): HsJson<Value>,
) -> Result<Response, HsError> {
    let inputs = body
        .get("inputs")
        .and_then(Value::as_array)
        .cloned()
        .ok_or_else(|| HsError::validation("Invalid input JSON: `inputs` is required"))?;
    let now = shared.clock.now_ms();
    let mut settings = settings(&shared);
    check_app(&settings, &app_id)?;
    let mut results = Vec::new();
    let mut errors = Vec::new();
    for input in &inputs {
        let id = match input.get("id") {
            Some(Value::String(id)) => id.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        };
        let Some(active) = input.get("active").and_then(Value::as_bool) else {
            errors.push(standard_error(
                "VALIDATION_ERROR",
                "Each input needs `id` and `active`",
                json!({"ids": [id]}),
            ));
            continue;
        };
        match settings.subscriptions.set_active(&id, active, now) {
            Ok(updated) => results.push(subscription_json(updated)),
            Err(error) => errors.push(standard_error(
                "OBJECT_NOT_FOUND",
                &error.to_string(),
                json!({"ids": [id]}),
            )),
        }
    }
    let stamp = clock::hubspot_datetime(now);
    let mut response =
        json!({"status": "COMPLETE", "results": results, "startedAt": stamp, "completedAt": stamp});
    if errors.is_empty() {
        return Ok(Json(response).into_response());
    }
    response["numErrors"] = json!(errors.len());
    response["errors"] = Value::Array(errors);
    Ok((StatusCode::MULTI_STATUS, Json(response)).into_response())
}

/// The routes, with their own authentication (not the portal's rate limits: developer API
/// calls are limited separately).
pub fn router(shared: Arc<Shared>) -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/webhooks/v3/{app_id}/settings",
            get(get_settings).put(put_settings).delete(delete_settings),
        )
        .route(
            "/webhooks/v3/{app_id}/subscriptions",
            get(list_subscriptions).post(create_subscription),
        )
        .route(
            "/webhooks/v3/{app_id}/subscriptions/batch/update",
            post(batch_update),
        )
        .route(
            "/webhooks/v3/{app_id}/subscriptions/{subscription_id}",
            get(get_subscription)
                .patch(patch_subscription)
                .delete(delete_subscription),
        )
        .route_layer(middleware::from_fn_with_state(shared, authorize))
}
