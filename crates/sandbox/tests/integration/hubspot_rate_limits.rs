//! HubSpot's limits as a real portal reports them, per account tier: the `X-HubSpot-RateLimit-*`
//! headers (the secondly pair included), the 429 bodies, the separate search bucket, and the
//! tier chosen in `SandboxConfig` or through the control API.

use crate::support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{Api, start, start_with};
use tandem_sandbox::{HubspotAccount, HubspotTier, Sandbox, SandboxConfig};

fn header(reply: &support::Reply, name: &str) -> String {
    reply
        .header(name)
        .unwrap_or_else(|| panic!("no {name} header"))
}

#[tokio::test]
async fn a_starter_portal_reports_and_enforces_its_limits() {
    let sandbox = start_with(SandboxConfig {
        records_per_object: 1,
        hubspot_account: Some(HubspotAccount::new(HubspotTier::Starter)),
        ..SandboxConfig::default()
    })
    .await;
    let api = Api::hubspot(&sandbox);
    let first = api.get("/crm/v3/objects/contacts?limit=1").await;
    assert_eq!(header(&first, "x-hubspot-ratelimit-max"), "100");
    assert_eq!(header(&first, "x-hubspot-ratelimit-remaining"), "99");
    assert_eq!(
        header(&first, "x-hubspot-ratelimit-interval-milliseconds"),
        "10000"
    );
    assert_eq!(header(&first, "x-hubspot-ratelimit-daily"), "250000");
    assert_eq!(
        header(&first, "x-hubspot-ratelimit-daily-remaining"),
        "249999"
    );
    assert_eq!(header(&first, "x-hubspot-ratelimit-secondly"), "10");
    assert_eq!(
        header(&first, "x-hubspot-ratelimit-secondly-remaining"),
        "9"
    );
    let second = api.get("/crm/v3/objects/contacts?limit=1").await;
    assert_eq!(
        header(&second, "x-hubspot-ratelimit-secondly-remaining"),
        "8"
    );

    let mut limited = None;
    for _ in 0..120 {
        let reply = api.get("/crm/v3/objects/contacts?limit=1").await;
        if reply.status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(reply);
            break;
        }
    }
    let limited = limited.expect("the 101st call in ten seconds is refused");
    let body = limited.json();
    assert_eq!(body["policyName"], json!("TEN_SECONDLY_ROLLING"));
    assert_eq!(body["errorType"], json!("RATE_LIMIT"));
    assert_eq!(body["status"], json!("error"));
    assert!(body["correlationId"].is_string());
    assert_eq!(header(&limited, "retry-after"), "10");
    assert_eq!(header(&limited, "x-hubspot-ratelimit-remaining"), "0");

    // Search has its own bucket and no rate-limit headers, whatever the tier.
    let search = api
        .post("/crm/v3/objects/contacts/search", json!({"limit": 1}))
        .await;
    assert_eq!(search.status, StatusCode::OK, "{}", search.text);
    assert!(search.header("x-hubspot-ratelimit-max").is_none());
}

#[tokio::test]
async fn search_allows_five_requests_a_second() {
    let sandbox = start(1).await;
    let api = Api::hubspot(&sandbox);
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(
            api.post("/crm/v3/objects/contacts/search", json!({"limit": 1}))
                .await,
        );
    }
    let refused = statuses
        .iter()
        .find(|r| r.status == StatusCode::TOO_MANY_REQUESTS)
        .expect("the sixth search in a second is refused");
    assert_eq!(refused.json()["policyName"], json!("SECONDLY"));
    assert_eq!(
        refused.json()["message"],
        json!("You have reached your secondly limit.")
    );
}

#[tokio::test]
async fn the_control_api_moves_the_portal_between_tiers() {
    let sandbox = start(1).await;
    let hs = sandbox.hubspot_url();
    let api = Api::hubspot(&sandbox);
    let professional = api.get("/crm/v3/objects/contacts?limit=1").await;
    assert_eq!(header(&professional, "x-hubspot-ratelimit-max"), "190");
    assert_eq!(header(&professional, "x-hubspot-ratelimit-daily"), "625000");
    assert_eq!(header(&professional, "x-hubspot-ratelimit-secondly"), "19");

    let client = reqwest::Client::new();
    let put = |body: Value| {
        let client = client.clone();
        let url = format!("{hs}/_sandbox/limits/tier");
        async move {
            let response = client.put(url).json(&body).send().await.expect("sent");
            let status = response.status();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (status, body) = put(json!({"tier": "enterprise", "apiLimitIncreasePacks": 2})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["settings"]["burstMax"], json!(250));
    assert_eq!(body["settings"]["dailyMax"], json!(3_000_000));
    let enterprise = api.get("/crm/v3/objects/contacts?limit=1").await;
    assert_eq!(header(&enterprise, "x-hubspot-ratelimit-max"), "250");
    assert_eq!(header(&enterprise, "x-hubspot-ratelimit-daily"), "3000000");
    assert_eq!(header(&enterprise, "x-hubspot-ratelimit-secondly"), "25");
    let usage = api
        .get("/account-info/v3/api-usage/daily/private-apps")
        .await
        .json();
    assert_eq!(usage["results"][0]["usageLimit"], json!(3_000_000));

    let (status, body) = put(json!({"tier": "enterprise", "apiLimitIncreasePacks": 3})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _) = put(json!({"tier": "platinum"})).await;
    assert!(status.is_client_error());
    let (status, body) = put(json!({"tier": "free"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["settings"]["burstMax"], json!(100));
    assert_eq!(body["settings"]["dailyMax"], json!(250_000));
    let shown: Value = reqwest::get(format!("{hs}/_sandbox/limits/tier"))
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(shown["account"]["tier"], json!("free"));

    // The daily allowance of the tier runs out as HubSpot's does.
    sandbox
        .control()
        .set_daily_used(tandem_ground::schema::System::Hubspot, 250_000);
    let spent = api.get("/crm/v3/objects/contacts?limit=1").await;
    assert_eq!(spent.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(spent.json()["policyName"], json!("DAILY"));
}

#[tokio::test]
async fn a_config_with_three_limit_packs_is_refused() {
    let refused = Sandbox::start(SandboxConfig {
        records_per_object: 0,
        hubspot_account: Some(HubspotAccount {
            tier: HubspotTier::Professional,
            api_limit_increase_packs: 3,
        }),
        ..SandboxConfig::default()
    })
    .await;
    let Err(error) = refused else {
        panic!("three packs cannot be bought")
    };
    assert!(error.to_string().contains("at most 2"), "{error}");
}
