//! The per-request gate in front of every CRM route: counts the call under its route
//! template, checks the bearer token, injects faults, enforces limits, and stamps the limit
//! headers each CRM sends (`X-HubSpot-RateLimit-*`, `Sforce-Limit-Info`).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use tandem_ground::schema::System;

use super::Shared;
use super::auth::TokenCheck;
use super::faults::{FaultKind, RowLockFault};
use super::limits::{LimitHit, Usage};

/// The counter key of a request: `METHOD /route/{template}`.
pub fn endpoint_key(request: &Request) -> String {
    let path = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| request.uri().path().to_string());
    format!("{} {}", request.method(), path)
}

pub fn count(shared: &Shared, system: System, key: &str) {
    *shared
        .system(system)
        .gate()
        .counters
        .entry(key.to_string())
        .or_insert(0) += 1;
}

/// Middleware that only counts (token endpoints, version list).
pub async fn count_only(
    State((shared, system)): State<(Arc<Shared>, System)>,
    request: Request,
    next: Next,
) -> Response {
    let key = endpoint_key(&request);
    count(&shared, system, &key);
    next.run(request).await
}

enum Verdict {
    /// Let the call through; `true` when the handler must apply a row-lock fault.
    Pass(Usage, bool),
    Refuse(Response),
    Hang(u64),
}

pub async fn gate(
    State((shared, system)): State<(Arc<Shared>, System)>,
    request: Request,
    next: Next,
) -> Response {
    let key = endpoint_key(&request);
    let is_search = system == System::Hubspot && key.ends_with("/search");
    let latency;
    let verdict = {
        let mut gate = shared.system(system).gate();
        *gate.counters.entry(key.clone()).or_insert(0) += 1;
        latency = gate.faults.settings.latency_ms;
        let header = request
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        let check = gate.auth.check(header);
        let usage = gate.limits.usage();
        match check {
            TokenCheck::Valid => match gate.faults.draw(&key) {
                Some(FaultKind::Timeout) => {
                    Verdict::Hang(gate.faults.settings.timeout_ms.unwrap_or(30_000))
                }
                Some(kind) if kind != FaultKind::UnableToLockRow => {
                    Verdict::Refuse(fault_response(system, kind, usage))
                }
                drawn => {
                    let locked = drawn == Some(FaultKind::UnableToLockRow);
                    let now = shared.clock.now_ms();
                    match gate
                        .limits
                        .admit(now, system == System::Hubspot && !is_search, is_search)
                    {
                        Ok(usage) => Verdict::Pass(usage, locked),
                        Err(hit) => {
                            Verdict::Refuse(limit_response(system, hit, gate.limits.usage()))
                        }
                    }
                }
            },
            TokenCheck::Expired => Verdict::Refuse(unauthorized(system, true, usage)),
            TokenCheck::Unknown | TokenCheck::Missing => {
                Verdict::Refuse(unauthorized(system, false, usage))
            }
        }
    };
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    match verdict {
        Verdict::Refuse(response) => response,
        Verdict::Hang(ms) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            let usage = shared.system(system).gate().limits.usage();
            with_headers(
                system,
                server_error(system, StatusCode::GATEWAY_TIMEOUT),
                usage,
                false,
            )
        }
        Verdict::Pass(usage, locked) => {
            let mut request = request;
            if locked {
                request.extensions_mut().insert(RowLockFault);
            }
            let response = next.run(request).await;
            with_headers(system, response, usage, is_search)
        }
    }
}

fn header(response: &mut Response, name: &'static str, value: String) {
    if let Ok(value) = HeaderValue::from_str(&value) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(name), value);
    }
}

fn with_headers(system: System, mut response: Response, usage: Usage, is_search: bool) -> Response {
    match system {
        System::Salesforce => {
            header(
                &mut response,
                "sforce-limit-info",
                format!("api-usage={}/{}", usage.daily_used, usage.daily_max),
            );
        }
        System::Hubspot => {
            // HubSpot sends no rate-limit headers on search responses.
            if !is_search {
                header(
                    &mut response,
                    "x-hubspot-ratelimit-max",
                    usage.burst_max.to_string(),
                );
                header(
                    &mut response,
                    "x-hubspot-ratelimit-remaining",
                    usage.burst_remaining.to_string(),
                );
                header(
                    &mut response,
                    "x-hubspot-ratelimit-interval-milliseconds",
                    "10000".into(),
                );
                header(
                    &mut response,
                    "x-hubspot-ratelimit-secondly",
                    usage.secondly_max.to_string(),
                );
                header(
                    &mut response,
                    "x-hubspot-ratelimit-secondly-remaining",
                    usage.secondly_remaining.to_string(),
                );
                header(
                    &mut response,
                    "x-hubspot-ratelimit-daily",
                    usage.daily_max.to_string(),
                );
                header(
                    &mut response,
                    "x-hubspot-ratelimit-daily-remaining",
                    usage.daily_max.saturating_sub(usage.daily_used).to_string(),
                );
            }
        }
    }
    response
}

pub fn correlation_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn unauthorized(system: System, expired: bool, usage: Usage) -> Response {
    let response = match system {
        System::Salesforce => (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}])),
        )
            .into_response(),
        System::Hubspot => {
            let body = if expired {
                json!({
                    "status": "error",
                    "message": "The OAuth token used to make this call expired 1 second(s) ago.",
                    "correlationId": correlation_id(),
                    "category": "EXPIRED_AUTHENTICATION",
                })
            } else {
                json!({
                    "status": "error",
                    "message": "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
                    "correlationId": correlation_id(),
                    "category": "INVALID_AUTHENTICATION",
                })
            };
            (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response()
        }
    };
    with_headers(system, response, usage, false)
}

fn server_error(system: System, status: StatusCode) -> Response {
    match system {
        System::Salesforce => (
            status,
            axum::Json(json!([{"message": "Server temporarily unavailable", "errorCode": "SERVER_UNAVAILABLE"}])),
        )
            .into_response(),
        System::Hubspot => (
            status,
            axum::Json(json!({
                "status": "error",
                "message": "internal error",
                "correlationId": correlation_id(),
                "category": "INTERNAL_ERROR",
            })),
        )
            .into_response(),
    }
}

fn fault_response(system: System, kind: FaultKind, usage: Usage) -> Response {
    let response = match kind {
        FaultKind::ServerError => server_error(system, StatusCode::SERVICE_UNAVAILABLE),
        FaultKind::RateLimited => return limit_response(system, LimitHit::Burst, usage),
        FaultKind::Unauthorized => return unauthorized(system, true, usage),
        FaultKind::Timeout => server_error(system, StatusCode::GATEWAY_TIMEOUT),
        // Never refused as a whole call: `gate` hands it to the collection handler, which
        // fails one record. Kept here only so the match stays exhaustive.
        FaultKind::UnableToLockRow => server_error(system, StatusCode::SERVICE_UNAVAILABLE),
    };
    with_headers(system, response, usage, false)
}

/// The refusal each CRM sends when a limit is hit.
pub fn limit_response(system: System, hit: LimitHit, usage: Usage) -> Response {
    match system {
        System::Salesforce => {
            let response = (
                StatusCode::FORBIDDEN,
                axum::Json(json!([{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}])),
            )
                .into_response();
            with_headers(system, response, usage, false)
        }
        System::Hubspot => {
            let (message, policy) = match hit {
                LimitHit::Burst => (
                    "You have reached your ten_secondly_rolling limit.",
                    "TEN_SECONDLY_ROLLING",
                ),
                LimitHit::SearchSecondly => ("You have reached your secondly limit.", "SECONDLY"),
                LimitHit::Daily => ("You have reached your daily limit.", "DAILY"),
            };
            let body = json!({
                "status": "error",
                "message": message,
                "errorType": "RATE_LIMIT",
                "correlationId": correlation_id(),
                "policyName": policy,
                "requestId": correlation_id(),
            });
            let mut response = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
            if hit == LimitHit::Burst {
                header(&mut response, "retry-after", "10".into());
            }
            with_headers(system, response, usage, hit == LimitHit::SearchSecondly)
        }
    }
}
