//! The one place requests are sent: pacing, the per-run cap, auth, retries and quota reading.
//!
//! In: a [`Call`] (method, URL, body, what kind of call it is and whether repeating it is
//! safe). Out: the [`Reply`] of the first attempt the CRM accepted, or a typed
//! [`ConnectorError`]. Each CRM's way of saying "rate limited", "daily limit gone" or
//! "session expired" is decided by [`classify_hubspot`] / [`classify_salesforce`], which are
//! pure and unit-tested. Never: retries a request whose effect is unknown unless the caller
//! said it is idempotent.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rand::SeedableRng;
use rand::rngs::StdRng;
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use url::Url;

use super::auth::TokenSource;
use super::call_budget::{
    CallBudget, CallKind, QuotaReading, parse_hubspot_rate_headers, parse_sforce_limit_info,
};
use super::config::Limits;
use super::error::ConnectorError;
use super::pacing::Pacer;
use super::retry::{Backoff, parse_retry_after};
use tandem_ground::schema::System;

/// Whether a request may be sent again after a failure whose effect is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetrySafety {
    /// Reads, updates with fixed values, upserts by key, deletes: repeating cannot duplicate.
    Idempotent,
    /// Creates: repeat only when the CRM certainly did not apply the request (429, lock
    /// errors reported before any write); a timeout or 5xx becomes `OutcomeUnknown`.
    OnlyIfRejected,
}

/// Which pacer a call waits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pace {
    General,
    Search,
}

#[derive(Debug, Clone)]
pub enum Body {
    Empty,
    Json(serde_json::Value),
    Csv(String),
}

#[derive(Debug, Clone)]
pub struct Call {
    pub method: Method,
    pub url: Url,
    pub body: Body,
    pub kind: CallKind,
    pub safety: RetrySafety,
    pub pace: Pace,
    pub headers: Vec<(&'static str, String)>,
}

impl Call {
    pub fn new(method: Method, url: Url, kind: CallKind) -> Self {
        Call {
            method,
            url,
            body: Body::Empty,
            kind,
            safety: RetrySafety::Idempotent,
            pace: Pace::General,
            headers: Vec::new(),
        }
    }

    pub fn json(mut self, body: serde_json::Value) -> Self {
        self.body = Body::Json(body);
        self
    }

    pub fn csv(mut self, body: String) -> Self {
        self.body = Body::Csv(body);
        self
    }

    pub fn safety(mut self, safety: RetrySafety) -> Self {
        self.safety = safety;
        self
    }

    pub fn pace(mut self, pace: Pace) -> Self {
        self.pace = pace;
        self
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub path: String,
    pub system: System,
}

impl Reply {
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ConnectorError> {
        serde_json::from_slice(&self.body).map_err(|error| ConnectorError::UnexpectedResponse {
            system: self.system,
            path: self.path.clone(),
            message: error.to_string(),
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

/// What a reply means for the retry loop.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Success,
    Unauthorized(String),
    DailyLimit(String),
    /// Worth retrying. `not_applied` is true when the CRM certainly did nothing (so even a
    /// create may be repeated); `retry_after` is the server's requested wait.
    Transient {
        retry_after: Option<Duration>,
        not_applied: bool,
        message: String,
    },
    Fatal {
        code: String,
        message: String,
    },
}

/// Shared state of one client: HTTP connection pool, token, budget, pacers, randomness.
#[derive(Debug)]
pub struct HttpCore {
    pub system: System,
    pub http: reqwest::Client,
    pub tokens: TokenSource,
    pub budget: Arc<CallBudget>,
    general: Pacer,
    search: Pacer,
    backoff: Backoff,
    max_attempts: u32,
    rng: std::sync::Mutex<StdRng>,
    /// Salesforce `/limits`: read when REQUEST_LIMIT_EXCEEDED could mean either the daily
    /// allocation or the concurrency limit.
    limits_probe: Option<Url>,
}

impl HttpCore {
    pub fn new(
        system: System,
        tokens: TokenSource,
        limits: &Limits,
    ) -> Result<Self, ConnectorError> {
        let http = reqwest::Client::builder()
            .timeout(limits.request_timeout)
            .user_agent(concat!("tandem/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| ConnectorError::Transport {
                system,
                method: "-".into(),
                path: "-".into(),
                message: error.to_string(),
            })?;
        Ok(HttpCore {
            system,
            http,
            tokens,
            budget: Arc::new(CallBudget::new(system, limits.max_calls_per_run)),
            general: Pacer::new(limits.burst_per_window, limits.window),
            search: Pacer::new(limits.search_per_second, Duration::from_secs(1)),
            backoff: Backoff {
                base: limits.base_backoff,
                max: limits.max_backoff,
            },
            max_attempts: limits.max_attempts.max(1),
            rng: std::sync::Mutex::new(StdRng::from_entropy()),
            limits_probe: None,
        })
    }

    pub fn set_limits_probe(&mut self, url: Url) {
        self.limits_probe = Some(url);
    }

    /// Whether the daily allocation is really spent, judged from the reply's
    /// `Sforce-Limit-Info` or, failing that, one `/limits` read. A probe that fails counts
    /// as "spent": stopping is the safe answer.
    async fn daily_limit_confirmed(&self, headers: &HeaderMap) -> bool {
        if let Some((used, max)) = headers
            .get("sforce-limit-info")
            .and_then(|value| value.to_str().ok())
            .and_then(parse_sforce_limit_info)
        {
            return used >= max;
        }
        let Some(url) = &self.limits_probe else {
            return true;
        };
        if self.budget.reserve(CallKind::Metadata, false).is_err() {
            return true;
        }
        let Ok((token, _)) = self.tokens.current(&self.http).await else {
            return true;
        };
        let Ok(response) = self
            .http
            .get(url.clone())
            .bearer_auth(token.access.expose())
            .send()
            .await
        else {
            return true;
        };
        if !response.status().is_success() {
            return true;
        }
        let Ok(body) = response.json::<serde_json::Value>().await else {
            return true;
        };
        match super::call_budget::parse_salesforce_limits(&body) {
            Some(reading) => {
                let spent = reading.daily_remaining == Some(0);
                self.budget.observe(reading);
                spent
            }
            None => true,
        }
    }

    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The jittered wait before retry number `retry` (for callers that resend a subset).
    pub fn backoff_wait(&self, retry: u32) -> Duration {
        self.wait_for(retry, None)
    }

    fn wait_for(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        match self.rng.lock() {
            Ok(mut rng) => self.backoff.wait(retry, retry_after, &mut *rng),
            Err(_) => self.backoff.ceiling(retry),
        }
    }

    /// Sends `call`, retrying per its safety, and returns the accepted reply.
    pub async fn send(&self, call: Call) -> Result<Reply, ConnectorError> {
        let path = call.url.path().to_string();
        let method = call.method.as_str().to_string();
        let mut retry: u32 = 0;
        let mut refreshed = false;
        loop {
            self.budget.reserve(call.kind, retry > 0)?;
            match call.pace {
                Pace::General => self.general.acquire().await,
                Pace::Search => self.search.acquire().await,
            }
            let (token, token_requests) = self.tokens.current(&self.http).await?;
            for _ in 0..token_requests {
                self.budget.reserve(CallKind::Auth, false)?;
            }
            let mut request = self
                .http
                .request(call.method.clone(), call.url.clone())
                .bearer_auth(token.access.expose());
            for (name, value) in &call.headers {
                request = request.header(*name, value);
            }
            request = match &call.body {
                Body::Empty => request,
                Body::Json(json) => request.json(json),
                Body::Csv(text) => request
                    .header("Content-Type", "text/csv")
                    .body(text.clone()),
            };
            let outcome = match request.send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let headers = response.headers().clone();
                    match response.bytes().await {
                        Ok(body) => Ok((status, headers, body.to_vec())),
                        Err(error) => Err(error),
                    }
                }
                Err(error) => Err(error),
            };
            let (status, headers, body) = match outcome {
                Ok(parts) => parts,
                Err(error) => {
                    // Connection refused before sending is certainly not applied; a timeout
                    // or a dropped connection after sending might have been.
                    let not_applied = error.is_connect();
                    let message = error.without_url().to_string();
                    if (not_applied || call.safety == RetrySafety::Idempotent)
                        && retry + 1 < self.max_attempts
                    {
                        tokio::time::sleep(self.wait_for(retry, None)).await;
                        retry += 1;
                        continue;
                    }
                    return Err(if not_applied || call.safety == RetrySafety::Idempotent {
                        ConnectorError::RetriesExhausted {
                            system: self.system,
                            method,
                            path,
                            attempts: retry + 1,
                            message,
                        }
                    } else {
                        ConnectorError::OutcomeUnknown {
                            system: self.system,
                            method,
                            path,
                            message,
                        }
                    });
                }
            };
            self.observe_quota(&headers).await;
            let verdict = match self.system {
                System::Hubspot => classify_hubspot(status, &headers, &body),
                System::Salesforce => classify_salesforce(status, &headers, &body),
            };
            match verdict {
                Verdict::Success => {
                    return Ok(Reply {
                        status,
                        headers,
                        body,
                        path,
                        system: self.system,
                    });
                }
                Verdict::Unauthorized(message) => {
                    if !refreshed && self.tokens.can_refresh() {
                        refreshed = true;
                        let requests = self
                            .tokens
                            .refresh_after_unauthorized(&self.http, token.generation)
                            .await?;
                        for _ in 0..requests {
                            self.budget.reserve(CallKind::Auth, false)?;
                        }
                        continue;
                    }
                    return Err(ConnectorError::Unauthorized {
                        system: self.system,
                        message: self.scrub(&message).await,
                    });
                }
                Verdict::DailyLimit(detail)
                    if self.system == System::Salesforce
                        && !self.daily_limit_confirmed(&headers).await =>
                {
                    // The concurrency limit shares the daily limit's error code.
                    if retry + 1 < self.max_attempts {
                        tokio::time::sleep(self.wait_for(retry, retry_after(&headers))).await;
                        retry += 1;
                        continue;
                    }
                    return Err(ConnectorError::RetriesExhausted {
                        system: self.system,
                        method,
                        path,
                        attempts: retry + 1,
                        message: self.scrub(&detail).await,
                    });
                }
                Verdict::DailyLimit(detail) => {
                    self.budget.observe(QuotaReading {
                        daily_remaining: Some(0),
                        ..QuotaReading::default()
                    });
                    return Err(ConnectorError::DailyLimitExhausted {
                        system: self.system,
                        detail: self.scrub(&detail).await,
                    });
                }
                Verdict::Transient {
                    retry_after,
                    not_applied,
                    message,
                } => {
                    let may_retry = not_applied || call.safety == RetrySafety::Idempotent;
                    if may_retry && retry + 1 < self.max_attempts {
                        let wait = self.wait_for(retry, retry_after);
                        if status == 429 {
                            // Everyone sharing this client waits, not just this caller.
                            match call.pace {
                                Pace::General => self.general.hold_for(wait).await,
                                Pace::Search => self.search.hold_for(wait).await,
                            }
                        }
                        tokio::time::sleep(wait).await;
                        retry += 1;
                        continue;
                    }
                    let message = self.scrub(&format!("HTTP {status}: {message}")).await;
                    return Err(if may_retry {
                        ConnectorError::RetriesExhausted {
                            system: self.system,
                            method,
                            path,
                            attempts: retry + 1,
                            message,
                        }
                    } else {
                        ConnectorError::OutcomeUnknown {
                            system: self.system,
                            method,
                            path,
                            message,
                        }
                    });
                }
                Verdict::Fatal { code, message } => {
                    return Err(ConnectorError::Rejected {
                        system: self.system,
                        method,
                        path,
                        status,
                        code,
                        message: self.scrub(&message).await,
                    });
                }
            }
        }
    }

    async fn observe_quota(&self, headers: &HeaderMap) {
        let reading = match self.system {
            System::Hubspot => parse_hubspot_rate_headers(
                headers
                    .iter()
                    .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?))),
            ),
            System::Salesforce => headers
                .get("sforce-limit-info")
                .and_then(|value| value.to_str().ok())
                .and_then(parse_sforce_limit_info)
                .map(|(used, max)| QuotaReading {
                    daily_max: Some(max),
                    daily_remaining: Some(max.saturating_sub(used)),
                    ..QuotaReading::default()
                })
                .unwrap_or_default(),
        };
        // HubSpot says the 10-second window is spent: hold the pacer until it rolls over.
        if reading.burst_remaining == Some(0) {
            let interval = reading.burst_interval_ms.unwrap_or(10_000);
            self.general.hold_for(Duration::from_millis(interval)).await;
        }
        self.budget.observe(reading);
    }

    /// Removes every credential this client holds from `text`.
    pub async fn scrub(&self, text: &str) -> String {
        let mut text = text.to_string();
        for secret in self.tokens.known_secrets().await {
            text = secret.scrub(&text);
        }
        truncate(&text, 600)
    }
}

fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get("retry-after")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| parse_retry_after(value, SystemTime::now()))
}

/// HubSpot: 429 with `policyName: DAILY` ends the run; other 429s and 423 wait; 5xx retries.
pub fn classify_hubspot(status: u16, headers: &HeaderMap, body: &[u8]) -> Verdict {
    if (200..300).contains(&status) {
        return Verdict::Success;
    }
    let json: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let text = |key: &str| {
        json.get(key)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string()
    };
    let message = if text("message").is_empty() {
        String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned()
    } else {
        text("message")
    };
    match status {
        401 => Verdict::Unauthorized(message),
        429 => {
            let policy = text("policyName");
            if policy.eq_ignore_ascii_case("DAILY") {
                return Verdict::DailyLimit(message);
            }
            let interval = headers
                .get("x-hubspot-ratelimit-interval-milliseconds")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            let server_wait = retry_after(headers).or_else(|| {
                // Without Retry-After, a spent ten-second window means waiting for it to roll.
                (policy.contains("TEN_SECONDLY") || policy.is_empty())
                    .then(|| interval.map(Duration::from_millis))
                    .flatten()
            });
            Verdict::Transient {
                retry_after: server_wait,
                not_applied: true,
                message,
            }
        }
        // 423 Locked on heavy upserts: HubSpot asks for at least 2 seconds.
        423 => Verdict::Transient {
            retry_after: Some(retry_after(headers).unwrap_or(Duration::from_secs(2))),
            not_applied: true,
            message,
        },
        500..=599 => Verdict::Transient {
            retry_after: retry_after(headers),
            not_applied: false,
            message,
        },
        _ => {
            let category = text("category");
            let code = json
                .get("errors")
                .and_then(|errors| errors.get(0))
                .and_then(|first| first.get("code"))
                .and_then(|code| code.as_str())
                .map(|inner| format!("{category}/{inner}"))
                .unwrap_or(if category.is_empty() {
                    format!("HTTP_{status}")
                } else {
                    category
                });
            Verdict::Fatal { code, message }
        }
    }
}

/// Salesforce: `[{"message","errorCode"}]` bodies. REQUEST_LIMIT_EXCEEDED is the daily limit
/// when it says "TotalRequests", else the concurrency limit (transient).
pub fn classify_salesforce(status: u16, headers: &HeaderMap, body: &[u8]) -> Verdict {
    if (200..300).contains(&status) || status == 300 {
        return Verdict::Success;
    }
    let json: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let first = json.get(0).unwrap_or(&json);
    let field = |key: &str| {
        first
            .get(key)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string()
    };
    let code = {
        let code = field("errorCode");
        if code.is_empty() {
            field("error")
        } else {
            code
        }
    };
    let message = {
        let message = field("message");
        if message.is_empty() {
            String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned()
        } else {
            message
        }
    };
    match (status, code.as_str()) {
        (401, _) | (_, "INVALID_SESSION_ID") => Verdict::Unauthorized(message),
        (_, "REQUEST_LIMIT_EXCEEDED") if message.contains("TotalRequests") => {
            Verdict::DailyLimit(message)
        }
        (_, "REQUEST_LIMIT_EXCEEDED") | (429, _) => Verdict::Transient {
            retry_after: retry_after(headers),
            not_applied: true,
            message,
        },
        (_, "UNABLE_TO_LOCK_ROW") => Verdict::Transient {
            retry_after: retry_after(headers),
            not_applied: true,
            message,
        },
        (500..=599, _) => Verdict::Transient {
            retry_after: retry_after(headers),
            not_applied: false,
            message,
        },
        _ => Verdict::Fatal {
            code: if code.is_empty() {
                format!("HTTP_{status}")
            } else {
                code
            },
            message,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn hubspot_ten_secondly_429_waits_for_the_interval_but_daily_429_stops() {
        let burst = br#"{"status":"error","message":"You have reached your ten_secondly_rolling limit.","errorType":"RATE_LIMIT","policyName":"TEN_SECONDLY_ROLLING"}"#;
        let verdict = classify_hubspot(
            429,
            &headers(&[("x-hubspot-ratelimit-interval-milliseconds", "10000")]),
            burst,
        );
        assert!(matches!(
            verdict,
            Verdict::Transient { retry_after: Some(wait), not_applied: true, .. } if wait == Duration::from_secs(10)
        ));
        let with_header = classify_hubspot(429, &headers(&[("retry-after", "3")]), burst);
        assert!(
            matches!(with_header, Verdict::Transient { retry_after: Some(wait), .. } if wait == Duration::from_secs(3))
        );
        let daily = br#"{"status":"error","message":"You have reached your daily limit.","errorType":"RATE_LIMIT","policyName":"DAILY"}"#;
        assert!(matches!(
            classify_hubspot(429, &HeaderMap::new(), daily),
            Verdict::DailyLimit(_)
        ));
    }

    #[test]
    fn hubspot_validation_errors_are_fatal_with_category_and_code() {
        let body = br#"{"status":"error","message":"Property values were not valid","category":"VALIDATION_ERROR","errors":[{"message":"bad","code":"INVALID_EMAIL"}]}"#;
        assert_eq!(
            classify_hubspot(400, &HeaderMap::new(), body),
            Verdict::Fatal {
                code: "VALIDATION_ERROR/INVALID_EMAIL".into(),
                message: "Property values were not valid".into()
            }
        );
        assert!(matches!(
            classify_hubspot(502, &HeaderMap::new(), b"<html>"),
            Verdict::Transient {
                not_applied: false,
                ..
            }
        ));
        assert!(matches!(
            classify_hubspot(401, &HeaderMap::new(), b"{}"),
            Verdict::Unauthorized(_)
        ));
    }

    #[test]
    fn salesforce_request_limit_is_daily_only_for_total_requests() {
        let daily = br#"[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]"#;
        assert!(matches!(
            classify_salesforce(403, &HeaderMap::new(), daily),
            Verdict::DailyLimit(_)
        ));
        let concurrent = br#"[{"message":"ConcurrentPerOrgLongTxn Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]"#;
        assert!(matches!(
            classify_salesforce(403, &HeaderMap::new(), concurrent),
            Verdict::Transient {
                not_applied: true,
                ..
            }
        ));
    }

    #[test]
    fn salesforce_lock_rows_retry_and_validation_does_not() {
        let lock = br#"[{"message":"unable to obtain exclusive access to this record","errorCode":"UNABLE_TO_LOCK_ROW"}]"#;
        assert!(matches!(
            classify_salesforce(400, &HeaderMap::new(), lock),
            Verdict::Transient {
                not_applied: true,
                ..
            }
        ));
        let invalid =
            br#"[{"message":"No such column 'Foo' on entity 'Lead'","errorCode":"INVALID_FIELD"}]"#;
        assert_eq!(
            classify_salesforce(400, &HeaderMap::new(), invalid),
            Verdict::Fatal {
                code: "INVALID_FIELD".into(),
                message: "No such column 'Foo' on entity 'Lead'".into()
            }
        );
        let expired =
            br#"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"#;
        assert!(matches!(
            classify_salesforce(401, &HeaderMap::new(), expired),
            Verdict::Unauthorized(_)
        ));
        assert!(matches!(
            classify_salesforce(503, &HeaderMap::new(), b""),
            Verdict::Transient {
                not_applied: false,
                ..
            }
        ));
    }
}
