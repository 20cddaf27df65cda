//! HubSpot webhooks v3 over real HTTP: the app's settings and subscriptions API, deliveries to
//! a real receiver (signed, sourced, batched by 100, at most `maxConcurrentRequests` at a time,
//! retried with the sandbox clock, given up after ten retries, timed out after five seconds),
//! the faults the control API injects, and the deliveries log.

use crate::support;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{Api, start_with};
use tandem_sandbox::webhooks::{signature_v1, signature_v3};
use tandem_sandbox::{SandboxConfig, SandboxHandle};

/// A webhook receiver on loopback that records each request and answers as scripted.
#[derive(Clone, Default)]
struct Receiver {
    calls: Arc<Mutex<Vec<(HeaderMap, String)>>>,
    /// Statuses for the next requests, then 200.
    script: Arc<Mutex<VecDeque<u16>>>,
    /// Always answer this status when set.
    always: Arc<Mutex<Option<u16>>>,
    hold_ms: Arc<Mutex<u64>>,
    in_flight: Arc<AtomicUsize>,
    max_in_flight: Arc<AtomicUsize>,
}

impl Receiver {
    async fn serve() -> (String, Receiver) {
        let receiver = Receiver::default();
        let state = receiver.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| {
                let state = state.clone();
                async move {
                    let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                    state.max_in_flight.fetch_max(now, Ordering::SeqCst);
                    let hold = *state.hold_ms.lock().expect("lock");
                    if hold > 0 {
                        tokio::time::sleep(Duration::from_millis(hold)).await;
                    }
                    state
                        .calls
                        .lock()
                        .expect("lock")
                        .push((headers, String::from_utf8_lossy(&body).to_string()));
                    let code = match *state.always.lock().expect("lock") {
                        Some(code) => code,
                        None => state
                            .script
                            .lock()
                            .expect("lock")
                            .pop_front()
                            .unwrap_or(200),
                    };
                    state.in_flight.fetch_sub(1, Ordering::SeqCst);
                    AxumStatus::from_u16(code).unwrap_or(AxumStatus::OK)
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
        (url, receiver)
    }

    fn bodies(&self) -> Vec<String> {
        self.calls
            .lock()
            .expect("lock")
            .iter()
            .map(|(_, b)| b.clone())
            .collect()
    }

    fn events(&self) -> Vec<Value> {
        self.bodies()
            .iter()
            .flat_map(|b| serde_json::from_str::<Vec<Value>>(b).expect("a JSON array"))
            .collect()
    }
}

/// Polls until `done` holds (or ten seconds pass).
async fn eventually(mut done: impl FnMut() -> bool) -> bool {
    for _ in 0..200 {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    done()
}

async fn call(
    method: reqwest::Method,
    url: String,
    body: Option<Value>,
    bearer: Option<&str>,
) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new().request(method, url);
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("sent");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The app's webhooks API, authenticated with the developer API key.
fn app_url(sandbox: &SandboxHandle, path: &str) -> String {
    let separator = if path.contains('?') { '&' } else { '?' };
    format!(
        "{}/webhooks/v3/{}{path}{separator}hapikey={}",
        sandbox.hubspot_url(),
        sandbox.hubspot_app_id(),
        sandbox.hubspot_developer_api_key()
    )
}

async fn subscribe(sandbox: &SandboxHandle, body: Value) -> String {
    let (status, created) = call(
        reqwest::Method::POST,
        app_url(sandbox, "/subscriptions"),
        Some(body),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["id"].as_str().expect("string id").to_string()
}

async fn aim(sandbox: &SandboxHandle, url: &str, concurrency: u64) {
    let (status, body) = call(
        reqwest::Method::PUT,
        app_url(sandbox, "/settings"),
        Some(json!({"targetUrl": url, "throttling": {"maxConcurrentRequests": concurrency}})),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn deliveries(sandbox: &SandboxHandle) -> Value {
    call(
        reqwest::Method::GET,
        format!("{}/_sandbox/webhooks/deliveries", sandbox.hubspot_url()),
        None,
        None,
    )
    .await
    .1
}

async fn webhook_faults(sandbox: &SandboxHandle, faults: Value) {
    let (status, body) = call(
        reqwest::Method::PUT,
        format!("{}/_sandbox/webhooks/faults", sandbox.hubspot_url()),
        Some(faults),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

fn small() -> SandboxConfig {
    SandboxConfig {
        seed: 7,
        records_per_object: 3,
        ..SandboxConfig::default()
    }
}

async fn catch_all(records: usize) -> (SandboxHandle, String, Receiver) {
    let (url, receiver) = Receiver::serve().await;
    let sandbox = start_with(SandboxConfig {
        records_per_object: records,
        webhook_target_url: Some(url.clone()),
        webhook_client_secret: "shh".into(),
        ..small()
    })
    .await;
    (sandbox, url, receiver)
}

#[tokio::test]
async fn the_subscriptions_api_authenticates_validates_and_manages_subscriptions() {
    let sandbox = start_with(small()).await;
    let base = format!(
        "{}/webhooks/v3/{}",
        sandbox.hubspot_url(),
        sandbox.hubspot_app_id()
    );
    let (status, body) = call(
        reqwest::Method::GET,
        format!("{base}/subscriptions"),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["category"], json!("INVALID_AUTHENTICATION"));
    let token = sandbox.hubspot_token();
    let (status, body) = call(
        reqwest::Method::GET,
        format!("{base}/subscriptions"),
        None,
        Some(&token),
    )
    .await;
    assert_eq!((status, body), (StatusCode::OK, json!({"results": []})));
    let (status, _) = call(
        reqwest::Method::GET,
        format!("{}/webhooks/v3/1/subscriptions", sandbox.hubspot_url()),
        None,
        Some(&token),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, _) = call(
        reqwest::Method::GET,
        app_url(&sandbox, "/settings"),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no settings yet");
    let (status, body) = call(
        reqwest::Method::PUT,
        app_url(&sandbox, "/settings"),
        Some(json!({"targetUrl": "https://example.com/hook", "throttling": {"maxConcurrentRequests": 3}})),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("greater than five")
    );
    aim(&sandbox, "https://example.com/hook", 10).await;
    let (_, settings) = call(
        reqwest::Method::GET,
        app_url(&sandbox, "/settings"),
        None,
        None,
    )
    .await;
    assert_eq!(settings["targetUrl"], json!("https://example.com/hook"));
    assert_eq!(settings["throttling"]["maxConcurrentRequests"], json!(10));
    assert!(settings["createdAt"].is_string());

    let id = subscribe(
        &sandbox,
        json!({"eventType": "contact.propertyChange", "propertyName": "email", "active": true}),
    )
    .await;
    let paused = subscribe(&sandbox, json!({"eventType": "deal.creation"})).await;
    let (_, listed) = call(
        reqwest::Method::GET,
        app_url(&sandbox, "/subscriptions"),
        None,
        None,
    )
    .await;
    let listed = listed["results"].as_array().cloned().expect("results");
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["id"], json!(id));
    assert_eq!(listed[0]["propertyName"], json!("email"));
    assert_eq!(listed[0]["active"], json!(true));
    assert_eq!(
        listed[1]["active"],
        json!(false),
        "new subscriptions start paused"
    );
    let (status, patched) = call(
        reqwest::Method::PATCH,
        app_url(&sandbox, &format!("/subscriptions/{paused}")),
        Some(json!({"active": true})),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(patched["active"], json!(true));
    let (status, batch) = call(
        reqwest::Method::POST,
        app_url(&sandbox, "/subscriptions/batch/update"),
        Some(json!({"inputs": [{"id": id, "active": false}, {"id": "999", "active": true}]})),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::MULTI_STATUS, "{batch}");
    assert_eq!(batch["results"][0]["active"], json!(false));
    assert_eq!(batch["numErrors"], json!(1));
    let (status, _) = call(
        reqwest::Method::DELETE,
        app_url(&sandbox, &format!("/subscriptions/{paused}")),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(
        reqwest::Method::GET,
        app_url(&sandbox, &format!("/subscriptions/{paused}")),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for (body, why) in [
        (json!({"eventType": "contact.updated"}), "unknown type"),
        (
            json!({"eventType": "contact.propertyChange"}),
            "no property",
        ),
        (
            json!({"eventType": "contact.propertyChange", "propertyName": "hs_lastmodifieddate"}),
            "unsubscribable",
        ),
        (json!({"eventType": "object.creation"}), "no object type"),
    ] {
        let (status, body) = call(
            reqwest::Method::POST,
            app_url(&sandbox, "/subscriptions"),
            Some(body),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{why}: {body}");
    }
}

#[tokio::test]
async fn only_active_subscriptions_receive_signed_events_naming_their_source() {
    let (url, receiver) = Receiver::serve().await;
    let sandbox = start_with(SandboxConfig {
        webhook_client_secret: "app-secret".into(),
        ..small()
    })
    .await;
    aim(&sandbox, &url, 10).await;
    let email_sub = subscribe(
        &sandbox,
        json!({"eventType": "contact.propertyChange", "propertyName": "email", "active": true}),
    )
    .await;
    let creation = subscribe(&sandbox, json!({"eventType": "contact.creation"})).await;
    let api = Api::hubspot(&sandbox);
    let id = api
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "first@x.io"}}),
        )
        .await
        .json()["id"]
        .as_str()
        .expect("id")
        .to_string();
    api.patch(
        &format!("/crm/v3/objects/contacts/{id}"),
        json!({"properties": {"jobtitle": "not subscribed"}}),
    )
    .await;
    api.patch(
        &format!("/crm/v3/objects/contacts/{id}"),
        json!({"properties": {"email": "second@x.io"}}),
    )
    .await;
    assert!(eventually(|| !receiver.events().is_empty()).await);
    let event = receiver.events()[0].clone();
    assert_eq!(event["subscriptionType"], json!("contact.propertyChange"));
    assert_eq!(event["subscriptionId"].to_string(), email_sub);
    assert_eq!(event["propertyName"], json!("email"));
    assert_eq!(event["propertyValue"], json!("second@x.io"));
    assert_eq!(event["objectId"].to_string(), id);
    assert_eq!(event["appId"], json!(sandbox.hubspot_app_id()));
    assert!(event["portalId"].is_u64());
    assert_eq!(event["attemptNumber"], json!(0));
    assert!(event["eventId"].is_u64() && event["occurredAt"].is_i64());
    assert_eq!(event["changeSource"], json!("INTEGRATION"));
    assert_eq!(
        event["sourceId"],
        json!(sandbox.hubspot_app_id().to_string())
    );

    let (headers, body) = receiver.calls.lock().expect("lock")[0].clone();
    let timestamp: i64 = headers["x-hubspot-request-timestamp"]
        .to_str()
        .expect("ts")
        .parse()
        .expect("ms");
    let now = chrono::Utc::now().timestamp_millis();
    assert!((now - timestamp).abs() < 300_000, "a fresh timestamp");
    assert_eq!(
        headers["x-hubspot-signature-v3"].to_str().expect("v3"),
        signature_v3("app-secret", "POST", &url, &body, timestamp)
    );
    assert_eq!(
        headers["x-hubspot-signature"].to_str().expect("v1"),
        signature_v1("app-secret", &body)
    );
    assert_eq!(headers["x-hubspot-signature-version"], "v1");

    // A user's edit in the UI names the user.
    sandbox
        .control()
        .act_update(
            tandem_ground::schema::System::Hubspot,
            "contacts",
            &id,
            &serde_json::from_value(json!({"email": "third@x.io"})).expect("map"),
        )
        .expect("edited");
    assert!(eventually(|| receiver.events().len() >= 2).await);
    let by_user = receiver.events()[1].clone();
    assert_eq!(by_user["changeSource"], json!("CRM_UI"));
    assert_eq!(by_user["sourceId"], json!("userId:9000000"));

    // The paused creation subscription received nothing; activated, it does.
    call(
        reqwest::Method::PATCH,
        app_url(&sandbox, &format!("/subscriptions/{creation}")),
        Some(json!({"active": true})),
        None,
    )
    .await;
    api.post(
        "/crm/v3/objects/contacts",
        json!({"properties": {"email": "later@x.io"}}),
    )
    .await;
    assert!(eventually(|| receiver.events().len() >= 3).await);
    let events = receiver.events();
    let types: Vec<&str> = events
        .iter()
        .filter_map(|e| e["subscriptionType"].as_str())
        .collect();
    assert_eq!(
        types,
        vec![
            "contact.propertyChange",
            "contact.propertyChange",
            "contact.creation"
        ]
    );
    assert_eq!(events[2]["changeFlag"], json!("CREATED"));
    assert_eq!(events[2]["subscriptionId"].to_string(), creation);
}

#[tokio::test]
async fn deliveries_hold_one_hundred_events_and_respect_the_concurrency_limit() {
    let (sandbox, _, receiver) = catch_all(1).await;
    *receiver.hold_ms.lock().expect("lock") = 600;
    let api = Api::hubspot(&sandbox);
    // Hold the batches back, then release all fifteen at once.
    webhook_faults(&sandbox, json!({"delayMs": 60_000})).await;
    for batch in 0..15 {
        let inputs: Vec<Value> = (0..100)
            .map(|i| json!({"properties": {"email": format!("bulk{batch}-{i}@x.io")}}))
            .collect();
        let reply = api
            .post(
                "/crm/v3/objects/contacts/batch/create",
                json!({"inputs": inputs}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(receiver.bodies().is_empty(), "held by the delay");
    sandbox.control().advance_clock_ms(61_000);
    assert!(eventually(|| receiver.events().len() >= 1_500).await);
    let sizes: Vec<usize> = receiver
        .bodies()
        .iter()
        .map(|b| serde_json::from_str::<Vec<Value>>(b).expect("array").len())
        .collect();
    assert!(sizes.iter().all(|n| *n <= 100), "{sizes:?}");
    assert_eq!(sizes.iter().sum::<usize>(), 1_500);
    assert_eq!(receiver.max_in_flight.load(Ordering::SeqCst), 10);
    let control = sandbox.control();
    assert!(eventually(|| control.webhook_deliveries().0 == sizes.len() as u64).await);
}

#[tokio::test]
async fn the_apps_concurrency_setting_is_honoured() {
    let (url, receiver) = Receiver::serve().await;
    *receiver.hold_ms.lock().expect("lock") = 600;
    let sandbox = start_with(small()).await;
    aim(&sandbox, &url, 6).await;
    subscribe(
        &sandbox,
        json!({"eventType": "contact.creation", "active": true}),
    )
    .await;
    webhook_faults(&sandbox, json!({"delayMs": 60_000})).await;
    let api = Api::hubspot(&sandbox);
    for batch in 0..9 {
        let inputs: Vec<Value> = (0..100)
            .map(|i| json!({"properties": {"email": format!("six{batch}-{i}@x.io")}}))
            .collect();
        api.post(
            "/crm/v3/objects/contacts/batch/create",
            json!({"inputs": inputs}),
        )
        .await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    sandbox.control().advance_clock_ms(61_000);
    assert!(eventually(|| receiver.events().len() >= 900).await);
    assert_eq!(receiver.max_in_flight.load(Ordering::SeqCst), 6);
}

#[tokio::test]
async fn failed_deliveries_are_retried_on_the_sandbox_clock_until_accepted() {
    let (sandbox, _, receiver) = catch_all(1).await;
    receiver.script.lock().expect("lock").extend([500, 429]);
    let api = Api::hubspot(&sandbox);
    api.post(
        "/crm/v3/objects/contacts",
        json!({"properties": {"email": "retry@x.io"}}),
    )
    .await;
    let control = sandbox.control();
    for attempt in 1..=2 {
        assert!(eventually(|| control.webhook_delivery_log().len() >= attempt).await);
        let log = deliveries(&sandbox).await;
        let last = log["attempts"]
            .as_array()
            .and_then(|a| a.last())
            .cloned()
            .expect("an attempt");
        assert_eq!(last["outcome"], json!("failed"), "{last}");
        let due = last["nextAttemptAtMs"].as_i64().expect("a retry is due");
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(
            receiver.bodies().len(),
            attempt,
            "not before the retry is due"
        );
        let now = sandbox.control().now_ms();
        sandbox.control().advance_clock_ms(due - now + 1_000);
    }
    assert!(eventually(|| receiver.bodies().len() >= 3).await);
    let bodies = receiver.bodies();
    let attempts: Vec<Value> = bodies
        .iter()
        .map(|b| serde_json::from_str::<Vec<Value>>(b).expect("array")[0].clone())
        .collect();
    let numbers: Vec<Value> = attempts
        .iter()
        .map(|e| e["attemptNumber"].clone())
        .collect();
    assert_eq!(numbers, vec![json!(0), json!(1), json!(2)]);
    assert!(
        attempts
            .iter()
            .all(|e| e["eventId"] == attempts[0]["eventId"])
    );
    let log = deliveries(&sandbox).await;
    let outcomes: Vec<Value> = log["attempts"]
        .as_array()
        .expect("attempts")
        .iter()
        .map(|a| json!([a["outcome"], a["status"]]))
        .collect();
    assert_eq!(
        outcomes,
        vec![
            json!(["failed", 500]),
            json!(["failed", 429]),
            json!(["delivered", 200])
        ]
    );
    assert!(eventually(|| sandbox.control().webhook_deliveries() == (1, 0)).await);
}

#[tokio::test]
async fn a_batch_that_keeps_failing_is_given_up_after_ten_retries() {
    let (sandbox, _, receiver) = catch_all(1).await;
    *receiver.always.lock().expect("lock") = Some(503);
    let api = Api::hubspot(&sandbox);
    api.post(
        "/crm/v3/objects/contacts",
        json!({"properties": {"email": "hopeless@x.io"}}),
    )
    .await;
    let control = sandbox.control();
    for attempt in 1..=11 {
        // The attempt is settled (and its retry scheduled) before the clock moves on.
        assert!(
            eventually(|| control.webhook_delivery_log().len() >= attempt).await,
            "attempt {attempt}"
        );
        // Longer than the longest wait (512 minutes, plus jitter).
        sandbox.control().advance_clock_ms(9 * 3_600_000);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        receiver.bodies().len(),
        11,
        "the first attempt and ten retries"
    );
    let log = deliveries(&sandbox).await;
    let attempts = log["attempts"].as_array().cloned().expect("attempts");
    assert_eq!(attempts.len(), 11);
    assert_eq!(attempts[10]["gaveUp"], json!(true));
    assert!(attempts[..10].iter().all(|a| a["gaveUp"] == json!(false)));
    assert_eq!(log["failed"], json!(1));
}

#[tokio::test]
async fn a_receiver_slower_than_five_seconds_is_a_timeout() {
    let (sandbox, _, receiver) = catch_all(1).await;
    *receiver.hold_ms.lock().expect("lock") = 6_000;
    Api::hubspot(&sandbox)
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "slow@x.io"}}),
        )
        .await;
    let mut timed_out = Value::Null;
    for _ in 0..160 {
        let log = deliveries(&sandbox).await;
        if let Some(first) = log["attempts"].as_array().and_then(|a| a.first()) {
            timed_out = first.clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(timed_out["outcome"], json!("failed"), "{timed_out}");
    assert!(
        timed_out["error"]
            .as_str()
            .unwrap_or_default()
            .starts_with("timeout"),
        "{timed_out}"
    );
    assert!(timed_out["nextAttemptAtMs"].is_i64());
}

#[tokio::test]
async fn faults_drop_and_duplicate_deliveries() {
    let (sandbox, _, receiver) = catch_all(1).await;
    let api = Api::hubspot(&sandbox);
    webhook_faults(&sandbox, json!({"dropRate": 1.0})).await;
    api.post(
        "/crm/v3/objects/contacts",
        json!({"properties": {"email": "lost@x.io"}}),
    )
    .await;
    let dropped = async {
        for _ in 0..100 {
            let log = deliveries(&sandbox).await;
            if log["attempts"].as_array().is_some_and(|a| !a.is_empty()) {
                return log;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Value::Null
    }
    .await;
    assert_eq!(
        dropped["attempts"][0]["outcome"],
        json!("dropped"),
        "{dropped}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(receiver.bodies().is_empty());

    webhook_faults(&sandbox, json!({"duplicateRate": 1.0})).await;
    api.post(
        "/crm/v3/objects/contacts",
        json!({"properties": {"email": "twice@x.io"}}),
    )
    .await;
    assert!(eventually(|| receiver.bodies().len() >= 2).await);
    let events = receiver.events();
    assert_eq!(events[0]["eventId"], events[1]["eventId"]);
    let control = sandbox.control();
    assert!(eventually(|| control.webhook_delivery_log().len() >= 3).await);
    let log = deliveries(&sandbox).await;
    let duplicates: Vec<&Value> = log["attempts"]
        .as_array()
        .expect("attempts")
        .iter()
        .filter(|a| a["duplicate"] == json!(true))
        .collect();
    assert_eq!(duplicates.len(), 1);
    let (status, _) = call(
        reqwest::Method::PUT,
        format!("{}/_sandbox/webhooks/faults", sandbox.hubspot_url()),
        Some(json!({"dropRate": 2.0})),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn merges_deletions_associations_and_activities_reach_their_subscriptions() {
    let (url, receiver) = Receiver::serve().await;
    let sandbox = start_with(small()).await;
    aim(&sandbox, &url, 10).await;
    for body in [
        json!({"eventType": "contact.merge", "active": true}),
        json!({"eventType": "contact.deletion", "active": true}),
        json!({"eventType": "contact.associationChange", "active": true}),
        json!({"eventType": "object.creation", "objectTypeId": "0-48", "active": true}),
    ] {
        subscribe(&sandbox, body).await;
    }
    let api = Api::hubspot(&sandbox);
    let contacts: Vec<String> = api.get("/crm/v3/objects/contacts?limit=2").await.json()["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_string())
        .collect();
    api.post(
        "/crm/v3/objects/contacts/merge",
        json!({"primaryObjectId": contacts[0], "objectIdToMerge": contacts[1]}),
    )
    .await;
    let company = api.get("/crm/v3/objects/companies?limit=3").await.json()["results"][2]["id"]
        .as_str()
        .expect("id")
        .to_string();
    api.put(
        &format!(
            "/crm/v4/objects/contacts/{}/associations/default/companies/{company}",
            contacts[0]
        ),
        json!(null),
    )
    .await;
    api.post(
        "/crm/v3/objects/calls",
        json!({"properties": {"hs_timestamp": "2025-01-01T00:00:00Z", "hs_call_title": "Hi"}}),
    )
    .await;
    let kinds = || -> Vec<String> {
        receiver
            .events()
            .iter()
            .filter_map(|e| e["subscriptionType"].as_str().map(str::to_string))
            .collect()
    };
    assert!(
        eventually(|| {
            let k = kinds();
            [
                "contact.merge",
                "contact.deletion",
                "contact.associationChange",
                "object.creation",
            ]
            .iter()
            .all(|t| k.iter().any(|x| x == t))
        })
        .await,
        "{:?}",
        kinds()
    );
    let events = receiver.events();
    let find = |kind: &str| {
        events
            .iter()
            .find(|e| e["subscriptionType"] == json!(kind))
            .cloned()
            .expect("event")
    };
    let merge = find("contact.merge");
    assert_eq!(merge["primaryObjectId"], json!(contacts[0]));
    assert_eq!(merge["mergedObjectIds"], json!([contacts[1]]));
    assert_eq!(merge["newObjectId"], json!(contacts[0]));
    assert!(merge["numberOfPropertiesMoved"].is_u64());
    assert_eq!(
        find("contact.deletion")["objectId"].to_string(),
        contacts[1]
    );
    let association = events
        .iter()
        .find(|e| {
            e["subscriptionType"] == json!("contact.associationChange")
                && support::id_text(&e["toObjectId"]) == company
        })
        .cloned()
        .expect("the new association's event");
    assert_eq!(association["associationType"], json!("CONTACT_TO_COMPANY"));
    assert_eq!(association["toObjectId"].to_string(), company);
    assert_eq!(association["associationRemoved"], json!(false));
    let created = find("object.creation");
    assert_eq!(created["objectTypeId"], json!("0-48"));
    assert_eq!(created["changeFlag"], json!("CREATED"));
}
