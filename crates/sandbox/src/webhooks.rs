//! HubSpot webhooks: events queued by writes are POSTed in batches of at most 100 to the
//! configured target URL, signed with `X-HubSpot-Signature-v3` (base64 HMAC-SHA256 over
//! method + URL + body + timestamp, keyed by the app's client secret) and
//! `X-HubSpot-Request-Timestamp` (epoch ms). Failed deliveries are retried a few times.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::Shared;

#[derive(Debug, Clone)]
pub struct WebhookSettings {
    pub target_url: Option<String>,
    pub client_secret: String,
    pub delivered: u64,
    pub failed: u64,
}

const MAX_EVENTS_PER_REQUEST: usize = 100;
const ATTEMPTS: u32 = 3;

/// The v3 signature HubSpot sends: base64(HMAC-SHA256(secret, METHOD + URI + body + ts)).
pub fn signature_v3(
    client_secret: &str,
    method: &str,
    uri: &str,
    body: &str,
    timestamp_ms: i64,
) -> String {
    let source = format!("{method}{uri}{body}{timestamp_ms}");
    let mut mac = match Hmac::<Sha256>::new_from_slice(client_secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(source.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Runs until `stop` flips: every 100 ms, delivers pending events.
pub async fn deliver_loop(shared: Arc<Shared>, mut stop: tokio::sync::watch::Receiver<bool>) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap_or_default();
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            _ = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
        let (target, secret) = {
            let settings = shared.webhook.lock().unwrap_or_else(|p| p.into_inner());
            (settings.target_url.clone(), settings.client_secret.clone())
        };
        let Some(target) = target else { continue };
        loop {
            let batch: Vec<serde_json::Value> = {
                let mut crm = shared.hubspot.write();
                let take = crm.webhook_events.len().min(MAX_EVENTS_PER_REQUEST);
                crm.webhook_events.drain(..take).collect()
            };
            if batch.is_empty() {
                break;
            }
            let portal = shared.portal_id;
            let batch: Vec<serde_json::Value> = batch
                .into_iter()
                .map(|mut event| {
                    event["portalId"] = portal.into();
                    event
                })
                .collect();
            let body = serde_json::Value::Array(batch).to_string();
            let mut delivered = false;
            for attempt in 0..ATTEMPTS {
                let timestamp = shared.clock.now_ms();
                let signature = signature_v3(&secret, "POST", &target, &body, timestamp);
                let result = client
                    .post(&target)
                    .header("content-type", "application/json")
                    .header("X-HubSpot-Signature-v3", signature)
                    .header("X-HubSpot-Request-Timestamp", timestamp.to_string())
                    .body(body.clone())
                    .send()
                    .await;
                if result.is_ok_and(|r| r.status().is_success()) {
                    delivered = true;
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200 * (attempt as u64 + 1))).await;
            }
            let mut settings = shared.webhook.lock().unwrap_or_else(|p| p.into_inner());
            if delivered {
                settings.delivered += 1;
            } else {
                settings.failed += 1;
            }
        }
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
}
