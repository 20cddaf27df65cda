//! The HubSpot server's own `/_sandbox/` routes: thin wrappers over the HubSpot part of
//! [`SandboxControl`].

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::SandboxControl;
use super::http::control_error;
use crate::Shared;
use crate::hubspot::merge::MergeBehavior;
use crate::hubspot::owners::NewOwner;
use crate::hubspot::tier::HubspotAccount;
use crate::webhooks::WebhookFaults;
use tandem_ground::schema::System;

type Ctx = State<Arc<Shared>>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MergeBehaviorBody {
    behavior: MergeBehavior,
}

fn ok(value: Value) -> Response {
    Json(value).into_response()
}

pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/_sandbox/owners",
            get(|State(s): Ctx| async move { ok(json!(SandboxControl::new(s).owners())) }).post(
                |State(s): Ctx, Json(new): Json<NewOwner>| async move {
                    match SandboxControl::new(s).add_owner(new) {
                        Ok(owner) => (StatusCode::CREATED, Json(owner)).into_response(),
                        Err(error) => control_error(error),
                    }
                },
            ),
        )
        .route(
            "/_sandbox/owners/{id}",
            axum::routing::delete(|State(s): Ctx, Path(id): Path<String>| async move {
                match SandboxControl::new(s).archive_owner(&id) {
                    Ok(owner) => ok(owner),
                    Err(error) => control_error(error),
                }
            }),
        )
        .route(
            "/_sandbox/limits/tier",
            get(|State(s): Ctx| async move {
                let control = SandboxControl::new(s);
                ok(json!({"account": control.hubspot_account(), "settings": control.limits(System::Hubspot)}))
            })
            .put(|State(s): Ctx, Json(account): Json<HubspotAccount>| async move {
                match SandboxControl::new(s).set_hubspot_account(account) {
                    Ok(settings) => ok(json!({"account": account, "settings": settings})),
                    Err(error) => control_error(error),
                }
            }),
        )
        .route(
            "/_sandbox/merge-behavior",
            get(|State(s): Ctx| async move {
                ok(json!({"behavior": SandboxControl::new(s).merge_behavior()}))
            })
            .put(|State(s): Ctx, Json(body): Json<MergeBehaviorBody>| async move {
                SandboxControl::new(s).set_merge_behavior(body.behavior);
                ok(json!({"behavior": body.behavior}))
            }),
        )
        .route(
            "/_sandbox/webhooks/faults",
            put(|State(s): Ctx, Json(faults): Json<WebhookFaults>| async move {
                match SandboxControl::new(s).set_webhook_faults(faults.clone()) {
                    Ok(()) => ok(json!(faults)),
                    Err(error) => control_error(error),
                }
            })
            .delete(|State(s): Ctx| async move {
                match SandboxControl::new(s).set_webhook_faults(WebhookFaults::default()) {
                    Ok(()) => ok(json!(WebhookFaults::default())),
                    Err(error) => control_error(error),
                }
            }),
        )
        .route(
            "/_sandbox/webhooks/deliveries",
            get(|State(s): Ctx| async move {
                let control = SandboxControl::new(s);
                let (delivered, failed) = control.webhook_deliveries();
                ok(json!({
                    "delivered": delivered,
                    "failed": failed,
                    "attempts": control.webhook_delivery_log(),
                }))
            }),
        )
        .route(
            "/_sandbox/records/{object}/{id}/as-crm",
            patch(
                |State(s): Ctx,
                 Path((object, id)): Path<(String, String)>,
                 Json(fields): Json<Map<String, Value>>| async move {
                    match SandboxControl::new(s).act_as_crm(System::Hubspot, &object, &id, &fields) {
                        Ok(()) => ok(json!({"ok": true})),
                        Err(error) => control_error(error),
                    }
                },
            ),
        )
}
