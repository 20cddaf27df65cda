//! Injected faults over real HTTP: 429 storms, 5xx, timeouts, token expiry mid-run, the
//! daily limit running out, the per-run call cap.

use crate::connectors_support;

use std::time::{Duration, Instant};

use connectors_support::*;
use serde_json::json;
use tandem::connectors::{
    ConnectorError, HubSpotClient, HubSpotInput, SalesforceClient, SalesforceInput,
};
use tandem::sandbox::{FaultKind, FaultSettings};
use tandem::schema::System;

#[tokio::test]
async fn hubspot_rate_limit_storm_is_ridden_out_honouring_retry_after() {
    let sandbox = sandbox(1, &[("contacts", 30)]).await;
    let client = hubspot(&sandbox);
    sandbox.control().queue_faults(
        System::Hubspot,
        &[FaultKind::RateLimited, FaultKind::RateLimited],
    );
    let started = Instant::now();
    let (records, _) = read_all_pages!(client.read_all("contacts", &["email".to_string()]));
    assert_eq!(records.len(), 30);
    // The sandbox sends Retry-After: 10 with each ten-secondly 429.
    assert!(
        started.elapsed() >= Duration::from_secs(20),
        "waited {:?}",
        started.elapsed()
    );
    assert_eq!(client.stats().retries, 2);
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn salesforce_request_limit_storm_is_retried_when_limits_show_quota_left() {
    let sandbox = sandbox(1, &[("Lead", 10)]).await;
    let client = salesforce(&sandbox);
    sandbox.control().queue_faults(
        System::Salesforce,
        &[
            FaultKind::RateLimited,
            FaultKind::RateLimited,
            FaultKind::RateLimited,
        ],
    );
    let (records, _) = read_all_pages!(
        client
            .query_changed("Lead", &["Email".to_string()], None)
            .unwrap()
    );
    assert_eq!(records.len(), 10);
    assert_eq!(client.stats().retries, 3);
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn server_errors_are_retried_for_reads_and_idempotent_writes() {
    let sandbox = sandbox(1, &[("contacts", 5)]).await;
    let client = hubspot(&sandbox);
    let control = sandbox.control();
    control.queue_faults(
        System::Hubspot,
        &[FaultKind::ServerError, FaultKind::ServerError],
    );
    let (records, _) = read_all_pages!(client.read_all("contacts", &["email".to_string()]));
    assert_eq!(records.len(), 5);
    control.queue_faults(System::Hubspot, &[FaultKind::ServerError]);
    let inputs: Vec<HubSpotInput> = records
        .iter()
        .map(|r| {
            HubSpotInput::new(
                r.id.clone(),
                Some(r.id.clone()),
                props(&[("jobtitle", "X")]),
            )
        })
        .collect();
    let report = client.batch_update("contacts", &inputs).await;
    assert_eq!(report.succeeded(), 5);
    assert_eq!(
        control.call_count(
            System::Hubspot,
            "POST /crm/v3/objects/{object_type}/batch/update"
        ),
        2
    );
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_create_is_never_resent_after_a_server_error() {
    let sandbox = sandbox(1, &[]).await;
    let hs = hubspot(&sandbox);
    let sf = salesforce(&sandbox);
    let control = sandbox.control();
    control.queue_faults(System::Hubspot, &[FaultKind::ServerError]);
    let report = hs
        .batch_create(
            "contacts",
            &[HubSpotInput::new(
                "n",
                None,
                props(&[("email", "n@example.com")]),
            )],
        )
        .await;
    assert_eq!(
        report.outcomes[0].result.clone().unwrap_err().code,
        "OUTCOME_UNKNOWN"
    );
    assert_eq!(
        control.call_count(
            System::Hubspot,
            "POST /crm/v3/objects/{object_type}/batch/create"
        ),
        1
    );
    control.queue_faults(System::Salesforce, &[FaultKind::ServerError]);
    let report = sf
        .create(
            "Lead",
            &[SalesforceInput::new(
                "n",
                None,
                fields(&[("LastName", json!("N")), ("Company", json!("C"))]),
            )],
        )
        .await;
    assert_eq!(
        report.outcomes[0].result.clone().unwrap_err().code,
        "OUTCOME_UNKNOWN"
    );
    assert_eq!(
        control.call_count(
            System::Salesforce,
            "POST /services/data/{version}/composite/sobjects"
        ),
        1
    );
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_timed_out_read_is_retried() {
    let sandbox = sandbox(1, &[("Lead", 5)]).await;
    let mut limits = test_limits();
    limits.request_timeout = Duration::from_millis(400);
    let client = SalesforceClient::new(&salesforce_config(&sandbox, limits)).unwrap();
    let control = sandbox.control();
    control.set_faults(
        System::Salesforce,
        FaultSettings {
            timeout_ms: Some(2_000),
            ..FaultSettings::default()
        },
    );
    control.queue_faults(System::Salesforce, &[FaultKind::Timeout]);
    let (records, _) = read_all_pages!(
        client
            .query_changed("Lead", &["Email".to_string()], None)
            .unwrap()
    );
    assert_eq!(records.len(), 5);
    assert_eq!(client.stats().retries, 1);
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn token_expiry_mid_run_refreshes_once_and_the_run_continues() {
    let sandbox = sandbox(1, &[("contacts", 250)]).await;
    let client = HubSpotClient::new(&hubspot_oauth_config(&sandbox, test_limits(), None)).unwrap();
    let mut reader = client.read_all("contacts", &["email".to_string()]);
    let mut total = reader.next_page().await.unwrap().unwrap().len();
    sandbox.control().expire_tokens(System::Hubspot);
    while let Some(page) = reader.next_page().await.unwrap() {
        total += page.len();
    }
    assert_eq!(total, 250);
    assert_eq!(client.stats().auth, 1, "exactly one refresh");
    // Salesforce: same, through the refresh-token grant.
    let sf = SalesforceClient::new(&salesforce_oauth_config(&sandbox, test_limits())).unwrap();
    sandbox.control().expire_tokens(System::Salesforce);
    let (leads, _) = read_all_pages!(
        sf.query_changed("Lead", &["Email".to_string()], None)
            .unwrap()
    );
    assert_eq!(leads.len(), 1);
    assert_eq!(sf.stats().auth, 1);
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn an_expired_static_token_stops_with_a_redacted_error() {
    let sandbox = sandbox(1, &[("contacts", 5)]).await;
    let token = sandbox.hubspot_token();
    let client = hubspot(&sandbox);
    sandbox.control().expire_tokens(System::Hubspot);
    let mut reader = client.read_all("contacts", &["email".to_string()]);
    let error = reader.next_page().await.unwrap_err();
    assert!(
        matches!(error, ConnectorError::Unauthorized { .. }),
        "{error:?}"
    );
    assert!(error.stops_run());
    assert!(!format!("{error} {error:?}").contains(&token));
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn daily_limit_exhausted_mid_write_stops_cleanly_after_the_last_good_batch() {
    let sandbox = sandbox(1, &[("contacts", 250)]).await;
    let client = hubspot(&sandbox);
    let (records, _) = read_all_pages!(client.read_all("contacts", &["email".to_string()]));
    let control = sandbox.control();
    let daily = control.limits(System::Hubspot).daily_max;
    control.set_daily_used(System::Hubspot, daily - 1);
    let inputs: Vec<HubSpotInput> = records
        .iter()
        .map(|r| {
            HubSpotInput::new(
                r.id.clone(),
                Some(r.id.clone()),
                props(&[("jobtitle", "Z")]),
            )
        })
        .collect();
    let report = client.batch_update("contacts", &inputs).await;
    assert_eq!(report.succeeded(), 100, "the first batch landed");
    assert_eq!(
        report.outcomes.len(),
        100,
        "nothing after the stop is reported as attempted"
    );
    assert!(
        matches!(
            report.stopped,
            Some(ConnectorError::DailyLimitExhausted { .. })
        ),
        "{:?}",
        report.stopped
    );
    // No further call is even sent once the limit is known to be spent.
    let calls = control.total_calls(System::Hubspot);
    let again = client.batch_update("contacts", &inputs[100..]).await;
    assert!(matches!(
        again.stopped,
        Some(ConnectorError::DailyLimitExhausted { .. })
    ));
    assert_eq!(control.total_calls(System::Hubspot), calls);
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn salesforce_daily_limit_exhausted_is_a_typed_stop() {
    let sandbox = sandbox(1, &[("Lead", 3)]).await;
    let client = salesforce(&sandbox);
    sandbox.control().exhaust_daily_limit(System::Salesforce);
    let error = client
        .query_changed("Lead", &["Email".to_string()], None)
        .unwrap()
        .next_page()
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            ConnectorError::DailyLimitExhausted {
                system: System::Salesforce,
                ..
            }
        ),
        "{error:?}"
    );
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_per_run_call_cap_stops_before_the_next_call_is_sent() {
    let sandbox = sandbox(1, &[("contacts", 500)]).await;
    let mut limits = test_limits();
    limits.max_calls_per_run = Some(2);
    let client = HubSpotClient::new(&hubspot_config(&sandbox, limits)).unwrap();
    let mut reader = client.read_all("contacts", &["email".to_string()]);
    assert!(reader.next_page().await.unwrap().is_some());
    assert!(reader.next_page().await.unwrap().is_some());
    let error = reader.next_page().await.unwrap_err();
    assert!(
        matches!(error, ConnectorError::CallCapReached { cap: 2, .. }),
        "{error:?}"
    );
    assert_eq!(sandbox.control().total_calls(System::Hubspot), 2);
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn client_side_pacing_keeps_hubspot_under_its_burst_window() {
    let sandbox = sandbox(1, &[("contacts", 400)]).await;
    // The CRM allows 3 calls per rolling 10 s; the client is configured to match.
    let control = sandbox.control();
    let mut allowance = control.limits(System::Hubspot);
    allowance.burst_max = 3;
    control.set_limits(System::Hubspot, allowance);
    let mut limits = test_limits();
    limits.burst_per_window = 3;
    limits.window = Duration::from_secs(10);
    let client = HubSpotClient::new(&hubspot_config(&sandbox, limits)).unwrap();
    let started = Instant::now();
    let (records, _) = read_all_pages!(client.read_all("contacts", &["email".to_string()]));
    assert_eq!(records.len(), 400);
    // Four list calls: the fourth waited for the window instead of drawing a 429.
    assert!(
        started.elapsed() >= Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(client.stats().retries, 0, "no 429 had to be retried");
    assert_eq!(control.total_calls(System::Hubspot), 4);
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_rate_limited_create_is_resent_because_nothing_was_written() {
    let sandbox = sandbox(1, &[("contacts", 2)]).await;
    let client = hubspot(&sandbox);
    let control = sandbox.control();
    control.queue_faults(System::Hubspot, &[FaultKind::RateLimited]);
    let report = client
        .batch_create(
            "contacts",
            &[HubSpotInput::new(
                "n",
                None,
                props(&[("email", "once@example.com")]),
            )],
        )
        .await;
    assert!(
        report.outcomes[0].result.as_ref().is_ok_and(|w| w.created),
        "{:?}",
        report.outcomes
    );
    assert_eq!(
        control.call_count(
            System::Hubspot,
            "POST /crm/v3/objects/{object_type}/batch/create"
        ),
        2
    );
    assert_eq!(
        control.record_count(System::Hubspot, "contacts"),
        3,
        "created exactly once"
    );
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_timed_out_create_is_reported_unknown_and_not_resent() {
    let sandbox = sandbox(1, &[]).await;
    let mut limits = test_limits();
    limits.request_timeout = Duration::from_millis(400);
    let client = SalesforceClient::new(&salesforce_config(&sandbox, limits)).unwrap();
    let control = sandbox.control();
    control.set_faults(
        System::Salesforce,
        FaultSettings {
            timeout_ms: Some(1_500),
            ..FaultSettings::default()
        },
    );
    control.queue_faults(System::Salesforce, &[FaultKind::Timeout]);
    let report = client
        .create(
            "Lead",
            &[SalesforceInput::new(
                "t",
                None,
                fields(&[("LastName", json!("T")), ("Company", json!("C"))]),
            )],
        )
        .await;
    let error = report.outcomes[0].result.clone().unwrap_err();
    assert_eq!(error.code, "OUTCOME_UNKNOWN");
    assert!(!error.retryable);
    assert_eq!(
        control.call_count(
            System::Salesforce,
            "POST /services/data/{version}/composite/sobjects"
        ),
        1
    );
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn hubspot_daily_usage_feeds_the_budget() {
    let sandbox = sandbox(1, &[]).await;
    let client = hubspot(&sandbox);
    let control = sandbox.control();
    let daily = control.limits(System::Hubspot).daily_max;
    control.set_daily_used(System::Hubspot, 1_234);
    let body = client.daily_usage().await.unwrap();
    assert!(
        body["results"][0]["usageLimit"].as_u64().is_some(),
        "{body}"
    );
    let quota = client.stats().quota;
    assert_eq!(quota.daily_max, Some(daily));
    assert!(
        quota
            .daily_remaining
            .is_some_and(|left| left <= daily - 1_234)
    );
    sandbox.shutdown().await.unwrap();
}
