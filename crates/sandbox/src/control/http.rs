//! The `/_sandbox/` HTTP routes: thin wrappers over [`SandboxControl`].

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{ControlError, ConvertOptions, FieldAccess, SandboxControl};
use crate::faults::{FaultKind, FaultSettings};
use crate::limits::LimitSettings;
use crate::salesforce::bulk_query::QueryJobBehaviour;
use crate::{Shared, clock};
use tandem_ground::schema::System;

type Ctx = State<Arc<Shared>>;

pub(super) fn control_error(error: ControlError) -> Response {
    let status = match error {
        ControlError::UnknownObject(_)
        | ControlError::UnknownField { .. }
        | ControlError::UnknownValue { .. }
        | ControlError::NotFound { .. } => StatusCode::NOT_FOUND,
        _ => StatusCode::BAD_REQUEST,
    };
    let body = match &error {
        ControlError::Refused { code, .. } => {
            json!({"error": error.to_string(), "errorCode": code})
        }
        _ => json!({"error": error.to_string()}),
    };
    (status, Json(body)).into_response()
}

fn ok(value: Value) -> Response {
    Json(value).into_response()
}

/// `PUT /_sandbox/tokens/rotation` body; a missing or non-boolean `rotate` is refused by the
/// JSON extractor before anything changes.
#[derive(Debug, Deserialize)]
struct RotationBody {
    rotate: bool,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct AdvanceBody {
    seconds: Option<i64>,
    ms: Option<i64>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct QueueBody {
    faults: Vec<FaultKind>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct ResetBody {
    data: bool,
}

/// `POST /_sandbox/merge/{object}`: `{"winner", "loser"}`, or on Salesforce up to two
/// `losers` and `masterFields` to set on the winner (SOAP `merge()`'s `masterRecord`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MergeBody {
    winner: String,
    loser: Option<String>,
    #[serde(default)]
    losers: Vec<String>,
    #[serde(default)]
    master_fields: Map<String, Value>,
}

/// `POST /_sandbox/clock/freeze`: the second to stamp Salesforce writes with (RFC 3339 or
/// Salesforce spelling in `at`, or epoch `atMs`); absent, the next Salesforce second.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct FreezeBody {
    at: Option<String>,
    at_ms: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WebhookBody {
    target_url: Option<String>,
    client_secret: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RuleBody {
    enabled: bool,
}

/// The `/_sandbox/` routes for one server (they act on that server's CRM).
pub fn router(system: System) -> Router<Arc<Shared>> {
    let own = match system {
        System::Hubspot => super::hubspot_http::routes(),
        System::Salesforce => Router::new(),
    };
    own.merge(common(system))
}

fn common(system: System) -> Router<Arc<Shared>> {
    Router::new()
        .route("/_sandbox/counters", get(move |State(s): Ctx| async move { ok(json!(SandboxControl::new(s).counters(system))) }))
        .route("/_sandbox/writes", get(move |State(s): Ctx| async move { ok(json!(SandboxControl::new(s).writes(system))) }))
        .route(
            "/_sandbox/reset",
            post(move |State(s): Ctx, body: Option<Json<ResetBody>>| async move {
                SandboxControl::new(s).reset(body.map(|b| b.0.data).unwrap_or(false));
                ok(json!({"reset": true}))
            }),
        )
        .route(
            "/_sandbox/clock",
            get(|State(s): Ctx| async move {
                let now = s.clock.now_ms();
                let frozen = s.clock.salesforce_frozen_at();
                ok(json!({"nowMs": now, "now": clock::salesforce_datetime(now), "offsetMs": s.clock.offset_ms(),
                          "salesforceFrozenAt": frozen.map(clock::salesforce_datetime)}))
            }),
        )
        .route(
            "/_sandbox/clock/freeze",
            post(move |State(s): Ctx, body: Option<Json<FreezeBody>>| async move {
                if system != System::Salesforce {
                    return control_error(ControlError::Unsupported("freezing the clock stamps Salesforce writes; call it on the Salesforce server".into()));
                }
                let body = body.map(|b| b.0).unwrap_or_default();
                let at = match (body.at_ms, body.at.as_deref()) {
                    (Some(ms), _) => Some(ms),
                    (None, Some(text)) => match clock::parse_datetime_ms(text) {
                        Some(ms) => Some(ms),
                        None => return control_error(ControlError::Unsupported(format!("`at` is not a datetime: {text}"))),
                    },
                    (None, None) => None,
                };
                let frozen = SandboxControl::new(s).freeze_salesforce_clock(at);
                ok(json!({"frozen": true, "atMs": frozen, "at": clock::salesforce_datetime(frozen)}))
            })
            .delete(move |State(s): Ctx| async move {
                SandboxControl::new(s).unfreeze_salesforce_clock();
                ok(json!({"frozen": false}))
            }),
        )
        .route(
            "/_sandbox/bulk/query-jobs",
            get(move |State(s): Ctx| async move {
                ok(json!(s.salesforce.read().query_job_behaviour))
            })
            .put(move |State(s): Ctx, Json(behaviour): Json<QueryJobBehaviour>| async move {
                if system != System::Salesforce {
                    return control_error(ControlError::Unsupported("Bulk API query jobs are a Salesforce feature".into()));
                }
                SandboxControl::new(s).set_query_job_behaviour(behaviour.clone());
                ok(json!(behaviour))
            }),
        )
        .route(
            "/_sandbox/clock/advance",
            post(|State(s): Ctx, Json(body): Json<AdvanceBody>| async move {
                let delta = body.ms.unwrap_or(0) + body.seconds.unwrap_or(0) * 1000;
                s.clock.advance_ms(delta);
                let now = s.clock.now_ms();
                ok(json!({"nowMs": now, "now": clock::salesforce_datetime(now)}))
            }),
        )
        .route(
            "/_sandbox/faults",
            get(move |State(s): Ctx| async move {
                let gate = s.system(system).gate();
                ok(json!({"settings": gate.faults.settings, "queued": gate.faults.queued}))
            })
            .put(move |State(s): Ctx, Json(settings): Json<FaultSettings>| async move {
                SandboxControl::new(s).set_faults(system, settings);
                ok(json!({"ok": true}))
            })
            .delete(move |State(s): Ctx| async move {
                SandboxControl::new(s).clear_faults(system);
                ok(json!({"ok": true}))
            }),
        )
        .route(
            "/_sandbox/faults/queue",
            post(move |State(s): Ctx, Json(body): Json<QueueBody>| async move {
                SandboxControl::new(s).queue_faults(system, &body.faults);
                ok(json!({"queued": body.faults.len()}))
            }),
        )
        .route(
            "/_sandbox/tokens/expire",
            post(move |State(s): Ctx| async move {
                SandboxControl::new(s).expire_tokens(system);
                ok(json!({"expired": true}))
            }),
        )
        .route(
            "/_sandbox/tokens/rotation",
            put(move |State(s): Ctx, Json(body): Json<RotationBody>| async move {
                SandboxControl::new(s).set_refresh_rotation(system, body.rotate);
                ok(json!({"rotate": body.rotate}))
            }),
        )
        .route(
            "/_sandbox/limits",
            get(move |State(s): Ctx| async move {
                let gate = s.system(system).gate();
                let usage = gate.limits.usage();
                ok(json!({"settings": gate.limits.settings, "dailyUsed": usage.daily_used}))
            })
            .put(move |State(s): Ctx, Json(settings): Json<LimitSettings>| async move {
                SandboxControl::new(s).set_limits(system, settings);
                ok(json!({"ok": true}))
            }),
        )
        .route(
            "/_sandbox/limits/exhaust",
            post(move |State(s): Ctx| async move {
                SandboxControl::new(s).exhaust_daily_limit(system);
                ok(json!({"exhausted": true}))
            }),
        )
        .route(
            "/_sandbox/records/{object}",
            post(move |State(s): Ctx, Path(object): Path<String>, Json(fields): Json<Map<String, Value>>| async move {
                match SandboxControl::new(s).act_create(system, &object, &fields) {
                    Ok(id) => (StatusCode::CREATED, Json(json!({"id": id}))).into_response(),
                    Err(error) => control_error(error),
                }
            }),
        )
        .route(
            "/_sandbox/records/{object}/{id}",
            get(move |State(s): Ctx, Path((object, id)): Path<(String, String)>| async move {
                match SandboxControl::new(s).record(system, &object, &id) {
                    Some(record) => ok(json!(record)),
                    None => control_error(ControlError::NotFound { object, id }),
                }
            })
            .patch(move |State(s): Ctx, Path((object, id)): Path<(String, String)>, Json(fields): Json<Map<String, Value>>| async move {
                match SandboxControl::new(s).act_update(system, &object, &id, &fields) {
                    Ok(()) => ok(json!({"ok": true})),
                    Err(error) => control_error(error),
                }
            })
            .delete(move |State(s): Ctx, Path((object, id)): Path<(String, String)>| async move {
                match SandboxControl::new(s).act_delete(system, &object, &id) {
                    Ok(()) => ok(json!({"ok": true})),
                    Err(error) => control_error(error),
                }
            }),
        )
        .route(
            "/_sandbox/records/{object}/{id}/undelete",
            post(move |State(s): Ctx, Path((object, id)): Path<(String, String)>| async move {
                match SandboxControl::new(s).act_undelete(system, &object, &id) {
                    Ok(()) => ok(json!({"ok": true})),
                    Err(error) => control_error(error),
                }
            }),
        )
        .route(
            "/_sandbox/merge/{object}",
            post(move |State(s): Ctx, Path(object): Path<String>, Json(body): Json<MergeBody>| async move {
                let mut losers = body.losers.clone();
                losers.extend(body.loser.clone());
                let control = SandboxControl::new(s);
                if system == System::Salesforce {
                    return match control.merge_salesforce(&object, &body.winner, &losers, &body.master_fields) {
                        Ok(merged) => ok(json!({"ok": true, "id": merged.id, "mergedRecordIds": merged.merged_record_ids,
                                                "updatedRelatedIds": merged.updated_related_ids})),
                        Err(error) => control_error(error),
                    };
                }
                let [loser] = losers.as_slice() else {
                    return control_error(ControlError::Unsupported("a HubSpot merge takes exactly one `loser`".into()));
                };
                match control.act_merge(system, &object, &body.winner, loser) {
                    Ok(()) => ok(json!({"ok": true})),
                    Err(error) => control_error(error),
                }
            }),
        )
        .route(
            "/_sandbox/leads/{id}/convert",
            post(move |State(s): Ctx, Path(id): Path<String>, body: Option<Json<ConvertOptions>>| async move {
                if system != System::Salesforce {
                    return control_error(ControlError::Unsupported("lead conversion is a Salesforce action".into()));
                }
                match SandboxControl::new(s).convert_lead(&id, &body.map(|b| b.0).unwrap_or_default()) {
                    Ok(conversion) => ok(json!(conversion)),
                    Err(error) => control_error(error),
                }
            }),
        )
        .route(
            "/_sandbox/duplicate-rules/{object}",
            put(move |State(s): Ctx, Path(object): Path<String>, Json(body): Json<RuleBody>| async move {
                SandboxControl::new(s).set_duplicate_rule(&object, body.enabled);
                ok(json!({"object": object, "enabled": body.enabled}))
            }),
        )
        .route(
            "/_sandbox/schema/{object}/fields/{field}",
            delete(move |State(s): Ctx, Path((object, field)): Path<(String, String)>| async move {
                match SandboxControl::new(s).remove_field(system, &object, &field) {
                    Ok(()) => ok(json!({"object": object, "field": field, "removed": true})),
                    Err(error) => control_error(error),
                }
            })
            .patch(move |State(s): Ctx, Path((object, field)): Path<(String, String)>, Json(access): Json<FieldAccess>| async move {
                match SandboxControl::new(s).set_field_access(system, &object, &field, access) {
                    Ok(now) => ok(json!({"object": object, "field": field, "createable": now.createable, "updateable": now.updateable})),
                    Err(error) => control_error(error),
                }
            }),
        )
        .route(
            "/_sandbox/schema/{object}/fields/{field}/values/{value}",
            delete(move |State(s): Ctx, Path((object, field, value)): Path<(String, String, String)>| async move {
                match SandboxControl::new(s).remove_picklist_value(system, &object, &field, &value) {
                    Ok(()) => ok(json!({"object": object, "field": field, "value": value, "removed": true})),
                    Err(error) => control_error(error),
                }
            }),
        )
        .route(
            "/_sandbox/webhooks",
            put(move |State(s): Ctx, Json(body): Json<WebhookBody>| async move {
                SandboxControl::new(s).set_webhook(body.target_url, body.client_secret);
                ok(json!({"ok": true}))
            }),
        )
}
