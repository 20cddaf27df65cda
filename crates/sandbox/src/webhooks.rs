//! HubSpot webhooks (v3): the app's settings and subscriptions API
//! (`/webhooks/v3/{appId}/settings`, `/webhooks/v3/{appId}/subscriptions`), and the deliveries
//! HubSpot makes to the app's target URL.
//!
//! A delivery is a JSON array of up to 100 notifications (`eventId`, `subscriptionId`,
//! `portalId`, `appId`, `occurredAt`, `subscriptionType`, `attemptNumber`, `objectId`,
//! `changeSource`, `sourceId`, and per type `propertyName`/`propertyValue`, `changeFlag`,
//! merge and association fields), POSTed with `X-HubSpot-Signature-v3` (base64
//! HMAC-SHA256 of method + URI + body + timestamp, keyed by the app's client secret, the URI
//! with the twelve escapes the docs list decoded), `X-HubSpot-Request-Timestamp` (epoch ms),
//! and the v1 signature pair (`X-HubSpot-Signature`, `X-HubSpot-Signature-Version: v1`).
//! Sources: developers.hubspot.com/docs/api/webhooks and .../request-validation, the official
//! Python client's `hubspot/utils/signature.py`, continuous-lifecycle-scale.md §1.1.1–1.1.2.
//!
//! `changeSource`: a write through the public API by the app is `INTEGRATION` with `sourceId`
//! the app id; a user's edit is `CRM_UI` with `sourceId` `userId:{id}` (observed in real
//! payloads quoted by third parties; HubSpot does not document the values per source).
//!
//! Two ways to aim deliveries: the app's own settings and subscriptions through the API (only
//! active subscriptions receive events), or the sandbox's catch-all set by
//! `SandboxConfig::webhook_target_url` / `PUT /_sandbox/webhooks`, which delivers every event
//! as if the app subscribed to all of them (`subscriptionId` 0). Setting a target URL through
//! the API turns the catch-all off.

mod api;
mod delivery;
mod subscriptions;

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use hmac::{Hmac, Mac};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::Shared;
use super::store::WriteOrigin;

pub use api::router;
pub use delivery::{DeliveryRecord, MAX_EVENTS_PER_REQUEST, MAX_RETRIES, Outcome, WebhookFaults};
pub use subscriptions::{EVENT_TYPES, MAX_SUBSCRIPTIONS, Subscription};

use delivery::{Delivery, Outbox};
use subscriptions::Subscriptions;

/// HubSpot's default and documented concurrency: "a concurrency limit of 10 requests".
pub const DEFAULT_MAX_CONCURRENT_REQUESTS: usize = 10;

/// The app's webhook configuration and delivery state.
#[derive(Debug)]
pub struct WebhookSettings {
    pub target_url: Option<String>,
    pub client_secret: String,
    /// Batches delivered (2xx), and batches given up after the last retry.
    pub delivered: u64,
    pub failed: u64,
    pub app_id: u64,
    pub developer_api_key: String,
    /// Deliver every event (the sandbox's convenience target) rather than only subscribed ones.
    pub catch_all: bool,
    pub max_concurrent_requests: usize,
    /// When the settings were written through the API.
    pub settings_created_ms: Option<i64>,
    pub settings_updated_ms: Option<i64>,
    pub subscriptions: Subscriptions,
    pub faults: WebhookFaults,
    pub outbox: Outbox,
    next_event_id: u64,
    /// The user id a UI edit names in `sourceId`.
    pub acting_user_id: Option<u64>,
}

impl WebhookSettings {
    pub fn new(
        target_url: Option<String>,
        client_secret: String,
        app_id: u64,
        developer_api_key: String,
        seed: u64,
    ) -> Self {
        WebhookSettings {
            catch_all: target_url.is_some(),
            target_url,
            client_secret,
            delivered: 0,
            failed: 0,
            app_id,
            developer_api_key,
            max_concurrent_requests: DEFAULT_MAX_CONCURRENT_REQUESTS,
            settings_created_ms: None,
            settings_updated_ms: None,
            subscriptions: Subscriptions::default(),
            faults: WebhookFaults::default(),
            outbox: Outbox::new(ChaCha8Rng::seed_from_u64(seed ^ 0x5748_4f4f)),
            next_event_id: 1_000_000_000 + (seed % 1_000) * 1_000_000,
            acting_user_id: None,
        }
    }

    /// The notifications one write event becomes: one per matching subscription (or one for
    /// the catch-all), each with its own `eventId` and the app and portal filled in.
    fn notifications(&mut self, event: &Value, portal_id: u64) -> Vec<Value> {
        let targets: Vec<(u64, Option<String>, Option<String>)> = if self.catch_all {
            vec![(0, None, None)]
        } else {
            self.subscriptions
                .matching(event)
                .into_iter()
                .map(|(id, kind, type_id)| (id, Some(kind), type_id))
                .collect()
        };
        let source_id = match event.get("changeSource").and_then(Value::as_str) {
            Some("INTEGRATION") => Some(self.app_id.to_string()),
            Some("CRM_UI") => self.acting_user_id.map(|id| format!("userId:{id}")),
            _ => None,
        };
        targets
            .into_iter()
            .map(|(subscription, kind, type_id)| {
                self.next_event_id += 1;
                let mut copy = event.clone();
                copy["eventId"] = self.next_event_id.into();
                copy["subscriptionId"] = subscription.into();
                copy["portalId"] = portal_id.into();
                copy["appId"] = self.app_id.into();
                if let Some(kind) = kind {
                    copy["subscriptionType"] = kind.into();
                }
                if let Some(type_id) = type_id {
                    copy["objectTypeId"] = type_id.into();
                }
                if let Some(source) = &source_id {
                    copy["sourceId"] = source.clone().into();
                }
                let created = copy
                    .get("subscriptionType")
                    .and_then(Value::as_str)
                    .is_some_and(|t| t.ends_with(".creation"));
                if created {
                    copy["changeFlag"] = "CREATED".into();
                }
                copy
            })
            .collect()
    }
}

/// The `changeSource` a write's origin shows in webhook events and property history.
pub fn change_source(origin: &WriteOrigin) -> &'static str {
    match origin {
        WriteOrigin::Api { .. } => "INTEGRATION",
        WriteOrigin::User => "CRM_UI",
        WriteOrigin::System => "CALCULATED",
        // Seeded data predates the subscriptions; it never produces events.
        WriteOrigin::Seed => "IMPORT",
    }
}

/// The request URI as the v3 signature covers it: the escapes HubSpot lists (`%3A %2F %3F %40
/// %21 %24 %27 %28 %29 %2A %2C %3B`) decoded, nothing else.
pub fn signature_uri(uri: &str) -> String {
    const ESCAPES: &[(&str, char)] = &[
        ("%3A", ':'),
        ("%2F", '/'),
        ("%3F", '?'),
        ("%40", '@'),
        ("%21", '!'),
        ("%24", '$'),
        ("%27", '\''),
        ("%28", '('),
        ("%29", ')'),
        ("%2A", '*'),
        ("%2C", ','),
        ("%3B", ';'),
    ];
    let mut out = String::with_capacity(uri.len());
    let mut rest = uri;
    while let Some(index) = rest.find('%') {
        out.push_str(&rest[..index]);
        let candidate = rest.get(index..index + 3).unwrap_or("");
        match ESCAPES
            .iter()
            .find(|(escape, _)| escape.eq_ignore_ascii_case(candidate))
        {
            Some((_, decoded)) => {
                out.push(*decoded);
                rest = &rest[index + 3..];
            }
            None => {
                out.push('%');
                rest = &rest[index + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The v3 signature HubSpot sends: base64(HMAC-SHA256(secret, METHOD + URI + body + ts)).
pub fn signature_v3(
    client_secret: &str,
    method: &str,
    uri: &str,
    body: &str,
    timestamp_ms: i64,
) -> String {
    let source = format!("{method}{}{body}{timestamp_ms}", signature_uri(uri));
    let mut mac = match Hmac::<Sha256>::new_from_slice(client_secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(source.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The legacy v1 signature still sent beside v3: hex(SHA-256(secret + body)).
pub fn signature_v1(client_secret: &str, body: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(client_secret.as_bytes());
    hasher.update(body.as_bytes());
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn settings(shared: &Shared) -> std::sync::MutexGuard<'_, WebhookSettings> {
    shared.webhook.lock().unwrap_or_else(|p| p.into_inner())
}

/// Runs until `stop` flips: every 100 ms (real time), turns new write events into
/// notifications, batches them, and starts the attempts that are due (sandbox time).
pub async fn deliver_loop(shared: Arc<Shared>, mut stop: tokio::sync::watch::Receiver<bool>) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(delivery::RESPONSE_TIMEOUT_MS))
        .user_agent("HubSpot Connect 2.0 (http://dev.hubspot.com/)")
        .build()
        .unwrap_or_default();
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            _ = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
        // Nothing is queued without a target; do not take the CRM's write lock for nothing.
        if settings(&shared).target_url.is_none() {
            continue;
        }
        let events: Vec<Value> = std::mem::take(&mut shared.hubspot.write().webhook_events);
        let acting_user = shared.hubspot_portal().owners.acting_user_id();
        let due = {
            let mut settings = settings(&shared);
            settings.acting_user_id = acting_user;
            let Some(target) = settings.target_url.clone() else {
                continue;
            };
            for event in &events {
                for notification in settings.notifications(event, shared.portal_id) {
                    settings.outbox.push(notification);
                }
            }
            let now = shared.clock.now_ms();
            let faults = settings.faults.clone();
            settings.outbox.batch(&faults, now);
            let max = settings.max_concurrent_requests;
            let due = settings.outbox.take_due(now, max);
            (target, settings.client_secret.clone(), due)
        };
        let (target, secret, due) = due;
        for delivery in due {
            tokio::spawn(attempt(
                shared.clone(),
                client.clone(),
                target.clone(),
                secret.clone(),
                delivery,
            ));
        }
    }
}

/// One attempt of one batch.
async fn attempt(
    shared: Arc<Shared>,
    client: reqwest::Client,
    target: String,
    secret: String,
    delivery: Delivery,
) {
    let body = delivery.body();
    let timestamp = shared.clock.now_ms();
    let result = client
        .post(&target)
        .header("content-type", "application/json")
        .header(
            "X-HubSpot-Signature-v3",
            signature_v3(&secret, "POST", &target, &body, timestamp),
        )
        .header("X-HubSpot-Request-Timestamp", timestamp.to_string())
        .header("X-HubSpot-Signature", signature_v1(&secret, &body))
        .header("X-HubSpot-Signature-Version", "v1")
        .body(body)
        .send()
        .await;
    let outcome = match result {
        Ok(response) if response.status().is_success() => Outcome::Delivered {
            status: response.status().as_u16(),
        },
        Ok(response) => Outcome::Failed {
            status: Some(response.status().as_u16()),
            error: format!("HTTP {}", response.status().as_u16()),
        },
        Err(error) if error.is_timeout() => Outcome::Failed {
            status: None,
            error: "timeout: no answer within 5 seconds".into(),
        },
        Err(error) => Outcome::Failed {
            status: None,
            error: format!("connection failed: {error}"),
        },
    };
    let now = shared.clock.now_ms();
    let mut settings = settings(&shared);
    let faults = settings.faults.clone();
    match settings.outbox.settle(delivery, outcome, &faults, now) {
        Some(true) => settings.delivered += 1,
        Some(false) => settings.failed += 1,
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_hubspot_sdk_algorithm() {
        // Same inputs always give the same signature; any change to the body changes it.
        let a = signature_v3("secret", "POST", "http://x/hook", "[]", 1_700_000_000_000);
        let b = signature_v3("secret", "POST", "http://x/hook", "[]", 1_700_000_000_000);
        let c = signature_v3("secret", "POST", "http://x/hook", "[{}]", 1_700_000_000_000);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.len(), 44);
    }

    #[test]
    fn the_signed_uri_decodes_only_the_listed_escapes() {
        assert_eq!(
            signature_uri("https://x.io/hook%3Fa%3Db%2Cc%20d%2f"),
            "https://x.io/hook?a%3Db,c%20d/"
        );
        assert_eq!(
            signature_v3("s", "POST", "https://x.io/a%40b", "[]", 1),
            signature_v3("s", "POST", "https://x.io/a@b", "[]", 1)
        );
    }

    #[test]
    fn v1_signature_is_the_hex_sha256_of_secret_and_body() {
        // sha256("abc") with an empty secret.
        assert_eq!(
            signature_v1("", "abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
