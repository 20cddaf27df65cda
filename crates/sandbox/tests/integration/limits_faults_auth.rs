//! Limits, injected faults and token expiry / refresh over real HTTP, on both servers.

use crate::support;

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;
use support::{Api, SF, sf_code, start, start_with};
use tandem_ground::schema::System;
use tandem_sandbox::{FaultKind, FaultSettings, LimitSettings, SandboxConfig};

#[tokio::test]
async fn hubspot_ten_second_window_answers_429_with_headers_and_body() {
    let sandbox = start_with(SandboxConfig {
        records_per_object: 1,
        hubspot_limits: LimitSettings {
            burst_max: 3,
            search_per_second: 5,
            daily_max: 1000,
        },
        ..SandboxConfig::default()
    })
    .await;
    let api = Api::hubspot(&sandbox);
    let first = api.get("/crm/v3/objects/contacts?limit=1").await;
    assert_eq!(
        first.header("x-hubspot-ratelimit-max").as_deref(),
        Some("3")
    );
    assert_eq!(
        first.header("x-hubspot-ratelimit-remaining").as_deref(),
        Some("2")
    );
    assert_eq!(
        first
            .header("x-hubspot-ratelimit-interval-milliseconds")
            .as_deref(),
        Some("10000")
    );
    assert_eq!(
        first.header("x-hubspot-ratelimit-daily").as_deref(),
        Some("1000")
    );
    assert_eq!(
        first
            .header("x-hubspot-ratelimit-daily-remaining")
            .as_deref(),
        Some("999")
    );
    api.get("/crm/v3/objects/contacts?limit=1").await;
    api.get("/crm/v3/objects/contacts?limit=1").await;
    let limited = api.get("/crm/v3/objects/contacts?limit=1").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    let body = limited.json();
    assert_eq!(body["errorType"], json!("RATE_LIMIT"));
    assert_eq!(body["policyName"], json!("TEN_SECONDLY_ROLLING"));
    assert_eq!(
        body["message"],
        json!("You have reached your ten_secondly_rolling limit.")
    );
    assert_eq!(
        limited.header("x-hubspot-ratelimit-remaining").as_deref(),
        Some("0")
    );
}

#[tokio::test]
async fn daily_limits_on_both_systems() {
    let sandbox = start(1).await;
    let control = sandbox.control();
    control.exhaust_daily_limit(System::Hubspot);
    control.exhaust_daily_limit(System::Salesforce);
    let hubspot = Api::hubspot(&sandbox).get("/crm/v3/objects/contacts").await;
    assert_eq!(hubspot.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(hubspot.json()["policyName"], json!("DAILY"));
    let salesforce = Api::salesforce(&sandbox).get(&format!("{SF}/limits")).await;
    assert_eq!(salesforce.status, StatusCode::FORBIDDEN);
    assert_eq!(sf_code(&salesforce), "REQUEST_LIMIT_EXCEEDED");
    assert_eq!(
        salesforce.json()[0]["message"],
        json!("TotalRequests Limit exceeded.")
    );
    assert_eq!(
        salesforce.header("sforce-limit-info").as_deref(),
        Some("api-usage=100000/100000")
    );
    // The daily allowance resets at midnight of the sandbox clock.
    control.advance_clock_ms(86_400_000);
    assert_eq!(
        Api::salesforce(&sandbox)
            .get(&format!("{SF}/limits"))
            .await
            .status,
        StatusCode::OK
    );
    let usage = Api::hubspot(&sandbox)
        .get("/account-info/v3/api-usage/daily/private-apps")
        .await
        .json();
    assert_eq!(
        usage["results"][0]["name"],
        json!("private-apps-api-calls-daily")
    );
    assert_eq!(usage["results"][0]["currentUsage"], json!(1));
}

#[tokio::test]
async fn queued_faults_fail_the_next_calls_in_order() {
    let sandbox = start(1).await;
    let control = sandbox.control();
    control.queue_faults(
        System::Hubspot,
        &[
            FaultKind::ServerError,
            FaultKind::RateLimited,
            FaultKind::Unauthorized,
        ],
    );
    let api = Api::hubspot(&sandbox);
    let first = api.get("/crm/v3/objects/contacts").await;
    assert_eq!(first.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(first.json()["status"], json!("error"));
    let second = api.get("/crm/v3/objects/contacts").await;
    assert_eq!(second.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(second.json()["errorType"], json!("RATE_LIMIT"));
    assert_eq!(
        api.get("/crm/v3/objects/contacts").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        api.get("/crm/v3/objects/contacts").await.status,
        StatusCode::OK
    );

    control.queue_faults(
        System::Salesforce,
        &[FaultKind::ServerError, FaultKind::RateLimited],
    );
    let sf = Api::salesforce(&sandbox);
    let error = sf.get(&format!("{SF}/limits")).await;
    assert_eq!(error.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(sf_code(&error), "SERVER_UNAVAILABLE");
    assert_eq!(
        sf_code(&sf.get(&format!("{SF}/limits")).await),
        "REQUEST_LIMIT_EXCEEDED"
    );
    assert_eq!(
        control.call_count(System::Salesforce, "GET /services/data/{version}/limits"),
        2
    );
}

#[tokio::test]
async fn probability_faults_latency_and_timeouts() {
    let sandbox = start(1).await;
    let control = sandbox.control();
    let api = Api::hubspot(&sandbox);
    control.set_faults(
        System::Hubspot,
        FaultSettings {
            server_error_rate: 1.0,
            ..FaultSettings::default()
        },
    );
    assert_eq!(
        api.get("/crm/v3/objects/contacts").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    control.set_faults(
        System::Hubspot,
        FaultSettings {
            rate_limit_rate: 1.0,
            ..FaultSettings::default()
        },
    );
    assert_eq!(
        api.get("/crm/v3/objects/contacts").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    control.set_faults(
        System::Hubspot,
        FaultSettings {
            latency_ms: 150,
            ..FaultSettings::default()
        },
    );
    let started = Instant::now();
    assert_eq!(
        api.get("/crm/v3/objects/contacts").await.status,
        StatusCode::OK
    );
    assert!(started.elapsed() >= Duration::from_millis(150));
    control.set_faults(
        System::Hubspot,
        FaultSettings {
            timeout_rate: 1.0,
            timeout_ms: Some(400),
            ..FaultSettings::default()
        },
    );
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(150))
        .build()
        .expect("client");
    let timed_out = client
        .get(format!("{}/crm/v3/objects/contacts", sandbox.hubspot_url()))
        .bearer_auth(sandbox.hubspot_token())
        .send()
        .await;
    assert!(
        timed_out.is_err_and(|e| e.is_timeout()),
        "the client times out"
    );
    let waited = api.get("/crm/v3/objects/contacts").await;
    assert_eq!(
        waited.status,
        StatusCode::GATEWAY_TIMEOUT,
        "a patient client gets a 504"
    );
    control.set_faults(
        System::Hubspot,
        FaultSettings {
            server_error_rate: 1.0,
            endpoint_filter: Some("/search".into()),
            ..FaultSettings::default()
        },
    );
    assert_eq!(
        api.get("/crm/v3/objects/contacts").await.status,
        StatusCode::OK,
        "the filter spares other endpoints"
    );
    assert_eq!(
        api.post("/crm/v3/objects/contacts/search", json!({}))
            .await
            .status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    control.clear_faults(System::Hubspot);
    assert_eq!(
        api.post("/crm/v3/objects/contacts/search", json!({}))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn expired_tokens_answer_401_and_refresh_through_the_token_endpoints() {
    let sandbox = start(1).await;
    let control = sandbox.control();
    let (client_id, client_secret) = sandbox.client_credentials();
    let http = reqwest::Client::new();

    control.expire_tokens(System::Hubspot);
    let expired = Api::hubspot(&sandbox).get("/crm/v3/objects/contacts").await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    assert_eq!(expired.json()["category"], json!("EXPIRED_AUTHENTICATION"));
    let refresh = sandbox.refresh_token(System::Hubspot);
    let bad = http
        .post(format!("{}/oauth/v1/token", sandbox.hubspot_url()))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", client_id.as_str()),
            ("client_secret", client_secret.as_str()),
            ("refresh_token", "wrong"),
        ])
        .send()
        .await
        .expect("token call");
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        bad.json::<serde_json::Value>().await.expect("json")["status"],
        json!("BAD_REFRESH_TOKEN")
    );
    let token: serde_json::Value = http
        .post(format!("{}/oauth/v1/token", sandbox.hubspot_url()))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", client_id.as_str()),
            ("client_secret", client_secret.as_str()),
            ("refresh_token", refresh.as_str()),
        ])
        .send()
        .await
        .expect("token call")
        .json()
        .await
        .expect("json");
    assert_eq!(token["token_type"], json!("bearer"));
    assert_eq!(token["expires_in"], json!(1800));
    let fresh = token["access_token"].as_str().expect("token");
    let ok = http
        .get(format!("{}/crm/v3/objects/contacts", sandbox.hubspot_url()))
        .bearer_auth(fresh)
        .send()
        .await
        .expect("call");
    assert_eq!(ok.status(), StatusCode::OK);
    let unknown = http
        .get(format!("{}/crm/v3/objects/contacts", sandbox.hubspot_url()))
        .bearer_auth("made-up")
        .send()
        .await
        .expect("call");
    assert_eq!(
        unknown.json::<serde_json::Value>().await.expect("json")["category"],
        json!("INVALID_AUTHENTICATION")
    );

    control.expire_tokens(System::Salesforce);
    let expired = Api::salesforce(&sandbox).get(&format!("{SF}/limits")).await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        expired.json(),
        json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}])
    );
    let sf_refresh = sandbox.refresh_token(System::Salesforce);
    let token: serde_json::Value = http
        .post(format!(
            "{}/services/oauth2/token",
            sandbox.salesforce_url()
        ))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", client_id.as_str()),
            ("client_secret", client_secret.as_str()),
            ("refresh_token", sf_refresh.as_str()),
        ])
        .send()
        .await
        .expect("token call")
        .json()
        .await
        .expect("json");
    assert_eq!(token["instance_url"], json!(sandbox.salesforce_url()));
    assert_eq!(token["token_type"], json!("Bearer"));
    let fresh = token["access_token"].as_str().expect("token");
    let ok = http
        .get(format!("{}{SF}/limits", sandbox.salesforce_url()))
        .bearer_auth(fresh)
        .send()
        .await
        .expect("call");
    assert_eq!(ok.status(), StatusCode::OK);
    let credentials: serde_json::Value = http
        .post(format!(
            "{}/services/oauth2/token",
            sandbox.salesforce_url()
        ))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client_id.as_str()),
            ("client_secret", client_secret.as_str()),
        ])
        .send()
        .await
        .expect("token call")
        .json()
        .await
        .expect("json");
    assert!(credentials["access_token"].is_string());
    assert!(
        credentials.get("refresh_token").is_none(),
        "client credentials give no refresh token"
    );
    let bad_grant: serde_json::Value = http
        .post(format!(
            "{}/services/oauth2/token",
            sandbox.salesforce_url()
        ))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", client_id.as_str()),
            ("client_secret", client_secret.as_str()),
            ("refresh_token", "nope"),
        ])
        .send()
        .await
        .expect("token call")
        .json()
        .await
        .expect("json");
    assert_eq!(bad_grant["error"], json!("invalid_grant"));
}

#[tokio::test]
async fn counters_are_kept_per_endpoint_template() {
    let sandbox = start(2).await;
    let api = Api::hubspot(&sandbox);
    let list = api.get("/crm/v3/objects/contacts?limit=2").await.json();
    for record in list["results"].as_array().expect("results") {
        api.get(&format!(
            "/crm/v3/objects/contacts/{}",
            record["id"].as_str().expect("id")
        ))
        .await;
    }
    let control = sandbox.control();
    assert_eq!(
        control.call_count(System::Hubspot, "GET /crm/v3/objects/{object_type}"),
        1
    );
    assert_eq!(
        control.call_count(
            System::Hubspot,
            "GET /crm/v3/objects/{object_type}/{object_id}"
        ),
        2
    );
    let over_http: serde_json::Value =
        reqwest::get(format!("{}/_sandbox/counters", sandbox.hubspot_url()))
            .await
            .expect("call")
            .json()
            .await
            .expect("json");
    assert_eq!(
        over_http["GET /crm/v3/objects/{object_type}/{object_id}"],
        json!(2)
    );
    control.reset(false);
    assert_eq!(control.total_calls(System::Hubspot), 0);
}

#[tokio::test]
async fn other_grants_on_both_token_endpoints() {
    let sandbox = start(1).await;
    let (client_id, client_secret) = sandbox.client_credentials();
    let http = reqwest::Client::new();
    let code: serde_json::Value = http
        .post(format!("{}/oauth/v3/token", sandbox.hubspot_url()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", client_id.as_str()),
            ("client_secret", client_secret.as_str()),
            ("code", "abc"),
            ("redirect_uri", "http://localhost/cb"),
        ])
        .send()
        .await
        .expect("token call")
        .json()
        .await
        .expect("json");
    assert!(code["access_token"].is_string() && code["refresh_token"].is_string());
    let wrong_client = http
        .post(format!("{}/oauth/v1/token", sandbox.hubspot_url()))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", "someone-else"),
            ("refresh_token", "x"),
        ])
        .send()
        .await
        .expect("token call");
    assert_eq!(wrong_client.status(), StatusCode::BAD_REQUEST);
    let password: serde_json::Value = http
        .post(format!(
            "{}/services/oauth2/token",
            sandbox.salesforce_url()
        ))
        .form(&[
            ("grant_type", "password"),
            ("client_id", client_id.as_str()),
            ("client_secret", client_secret.as_str()),
            ("username", "u"),
            ("password", "p"),
        ])
        .send()
        .await
        .expect("token call")
        .json()
        .await
        .expect("json");
    // The username-password flow issues no refresh token ("No refresh token is issued",
    // REST API Developer Guide); a client must log in again when the session ends.
    assert!(password["access_token"].is_string());
    assert!(password["refresh_token"].is_null(), "{password}");
    assert!(password["issued_at"].is_string());
    let bad_client: serde_json::Value = http
        .post(format!(
            "{}/services/oauth2/token",
            sandbox.salesforce_url()
        ))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "nope"),
            ("client_secret", "nope"),
        ])
        .send()
        .await
        .expect("token call")
        .json()
        .await
        .expect("json");
    assert_eq!(bad_client["error"], json!("invalid_client_id"));
}
