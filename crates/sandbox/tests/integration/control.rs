//! The `/_sandbox/` control API over HTTP, webhooks with signature v3, persistence to a data
//! directory, custom objects from a config file, and the generator's overlap and dirt.

use crate::support;

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::HeaderMap;
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{Api, SF, start, start_with};
use tandem_ground::schema::System;
use tandem_sandbox::webhooks::signature_v3;
use tandem_sandbox::{CustomCatalog, SandboxConfig};

async fn control(
    base: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let client = reqwest::Client::new();
    let mut request = client.request(method, format!("{base}{path}"));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("control call");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn act_as_a_user_over_http_and_see_it_in_the_write_log() {
    let sandbox = start(3).await;
    let hs = sandbox.hubspot_url();
    let api = Api::hubspot(&sandbox);
    let id = api.get("/crm/v3/objects/contacts?limit=1").await.json()["results"][0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let (status, _) = control(
        &hs,
        reqwest::Method::PATCH,
        &format!("/_sandbox/records/contacts/{id}"),
        Some(json!({"jobtitle": "Edited in UI"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let read = api
        .get(&format!(
            "/crm/v3/objects/contacts/{id}?properties=jobtitle"
        ))
        .await
        .json();
    assert_eq!(read["properties"]["jobtitle"], json!("Edited in UI"));
    let (status, body) = control(
        &hs,
        reqwest::Method::PATCH,
        &format!("/_sandbox/records/contacts/{id}"),
        Some(json!({"lifecyclestage": "bogus"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (_, writes) = control(&hs, reqwest::Method::GET, "/_sandbox/writes", None).await;
    assert_eq!(writes[0]["origin"], json!("user"));
    assert_eq!(writes[0]["fields"], json!(["jobtitle"]));
    let (status, created) = control(
        &hs,
        reqwest::Method::POST,
        "/_sandbox/records/companies",
        Some(json!({"name": "UI Co", "domain": "ui.co"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let company = created["id"].as_str().expect("id").to_string();
    let (status, _) = control(
        &hs,
        reqwest::Method::DELETE,
        &format!("/_sandbox/records/companies/{company}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        api.get(&format!("/crm/v3/objects/companies/{company}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let (status, _) = control(
        &hs,
        reqwest::Method::POST,
        &format!("/_sandbox/records/companies/{company}/undelete"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        api.get(&format!("/crm/v3/objects/companies/{company}"))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn convert_lead_merge_clock_faults_and_limits_over_http() {
    let sandbox = start(4).await;
    let sf = sandbox.salesforce_url();
    let api = Api::salesforce(&sandbox);
    let leads = api
        .get(&format!("{SF}/query?q=SELECT+Id+FROM+Lead"))
        .await
        .json();
    let lead = leads["records"][0]["Id"].as_str().expect("id").to_string();
    let (status, conversion) = control(
        &sf,
        reqwest::Method::POST,
        &format!("/_sandbox/leads/{lead}/convert"),
        Some(json!({"createOpportunity": true})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{conversion}");
    assert!(
        conversion["contactId"]
            .as_str()
            .expect("contact")
            .starts_with("003")
    );
    assert!(
        conversion["opportunityId"]
            .as_str()
            .expect("opportunity")
            .starts_with("006")
    );
    let (status, _) = control(
        &sf,
        reqwest::Method::POST,
        &format!("/_sandbox/leads/{lead}/convert"),
        None,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a converted lead cannot convert again"
    );

    let accounts = api
        .get(&format!("{SF}/query?q=SELECT+Id+FROM+Account+ORDER+BY+Id"))
        .await
        .json();
    let winner = accounts["records"][0]["Id"]
        .as_str()
        .expect("id")
        .to_string();
    let loser = accounts["records"][1]["Id"]
        .as_str()
        .expect("id")
        .to_string();
    let (status, _) = control(
        &sf,
        reqwest::Method::POST,
        "/_sandbox/merge/Account",
        Some(json!({"winner": winner, "loser": loser})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, record) = control(
        &sf,
        reqwest::Method::GET,
        &format!("/_sandbox/records/Account/{loser}"),
        None,
    )
    .await;
    assert_eq!(record["MasterRecordId"], json!(winner));
    assert_eq!(record["IsDeleted"], json!("true"));

    let (_, before) = control(&sf, reqwest::Method::GET, "/_sandbox/clock", None).await;
    let (_, after) = control(
        &sf,
        reqwest::Method::POST,
        "/_sandbox/clock/advance",
        Some(json!({"seconds": 3600})),
    )
    .await;
    let moved = after["nowMs"].as_i64().expect("now") - before["nowMs"].as_i64().expect("now");
    assert!((3_600_000..3_700_000).contains(&moved), "{moved}");

    let (status, _) = control(
        &sf,
        reqwest::Method::POST,
        "/_sandbox/faults/queue",
        Some(json!({"faults": ["server_error"]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        api.get(&format!("{SF}/limits")).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    let (status, _) = control(
        &sf,
        reqwest::Method::PUT,
        "/_sandbox/faults",
        Some(json!({"serverErrorRate": 1.0})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        api.get(&format!("{SF}/limits")).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    control(&sf, reqwest::Method::DELETE, "/_sandbox/faults", None).await;
    control(&sf, reqwest::Method::POST, "/_sandbox/limits/exhaust", None).await;
    assert_eq!(
        api.get(&format!("{SF}/limits")).await.status,
        StatusCode::FORBIDDEN
    );
    control(
        &sf,
        reqwest::Method::POST,
        "/_sandbox/reset",
        Some(json!({})),
    )
    .await;
    assert_eq!(
        api.get(&format!("{SF}/limits")).await.status,
        StatusCode::OK
    );
    control(&sf, reqwest::Method::POST, "/_sandbox/tokens/expire", None).await;
    assert_eq!(
        api.get(&format!("{SF}/limits")).await.status,
        StatusCode::UNAUTHORIZED
    );
    let (status, _) = control(
        &sf,
        reqwest::Method::PUT,
        "/_sandbox/duplicate-rules/Contact",
        Some(json!({"enabled": true})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<(HeaderMap, String)>>>);

#[tokio::test]
async fn webhooks_post_signed_event_batches() {
    let received = Received::default();
    let sink = received.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let sink = sink.clone();
            async move {
                sink.0
                    .lock()
                    .expect("lock")
                    .push((headers, String::from_utf8_lossy(&body).to_string()));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let target = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });

    let sandbox = start_with(SandboxConfig {
        records_per_object: 2,
        webhook_target_url: Some(target.clone()),
        webhook_client_secret: "shh".into(),
        ..SandboxConfig::default()
    })
    .await;
    let api = Api::hubspot(&sandbox);
    let created = api
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "hook@x.io"}}),
        )
        .await
        .json();
    let id = created["id"].as_str().expect("id").to_string();
    api.patch(
        &format!("/crm/v3/objects/contacts/{id}"),
        json!({"properties": {"lifecyclestage": "customer"}}),
    )
    .await;
    let company = api.get("/crm/v3/objects/companies?limit=1").await.json()["results"][0]["id"]
        .as_str()
        .expect("company")
        .to_string();
    api.put(
        &format!("/crm/v4/objects/contacts/{id}/associations/default/companies/{company}"),
        json!(null),
    )
    .await;
    let mut events: Vec<Value> = Vec::new();
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let batches = received.0.lock().expect("lock").clone();
        events = batches
            .iter()
            .flat_map(|(_, body)| serde_json::from_str::<Vec<Value>>(body).unwrap_or_default())
            .collect();
        if events.len() >= 3 {
            break;
        }
    }
    let types: Vec<&str> = events
        .iter()
        .filter_map(|e| e["subscriptionType"].as_str())
        .collect();
    assert!(types.contains(&"contact.creation"), "{types:?}");
    let change = events
        .iter()
        .find(|e| e["subscriptionType"] == "contact.propertyChange")
        .expect("property change event");
    assert_eq!(change["propertyName"], json!("lifecyclestage"));
    assert_eq!(change["propertyValue"], json!("customer"));
    assert_eq!(change["objectId"].to_string(), id);
    let association = events
        .iter()
        .find(|e| e["subscriptionType"] == "contact.associationChange")
        .expect("association event");
    assert_eq!(association["associationType"], json!("CONTACT_TO_COMPANY"));
    assert_eq!(association["toObjectId"].to_string(), company);
    assert_eq!(association["associationRemoved"], json!(false));
    let (headers, body) = received.0.lock().expect("lock")[0].clone();
    let timestamp: i64 = headers["x-hubspot-request-timestamp"]
        .to_str()
        .expect("ts")
        .parse()
        .expect("ms");
    let expected = signature_v3("shh", "POST", &target, &body, timestamp);
    assert_eq!(
        headers["x-hubspot-signature-v3"].to_str().expect("sig"),
        expected
    );
    // The sandbox counts a delivery once it has read the receiver's answer, a moment after
    // the receiver saw the body.
    let mut delivered = 0;
    for _ in 0..50 {
        delivered = sandbox.control().webhook_deliveries().0;
        if delivered >= 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(delivered >= 1);
}

#[tokio::test]
async fn data_directory_survives_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = SandboxConfig {
        records_per_object: 3,
        data_dir: Some(dir.path().to_path_buf()),
        ..SandboxConfig::default()
    };
    let first = start_with(config.clone()).await;
    let created = Api::salesforce(&first)
        .post(
            &format!("{SF}/sobjects/Account/"),
            json!({"Name": "Persisted Co"}),
        )
        .await
        .json();
    let id = created["id"].as_str().expect("id").to_string();
    first.control().advance_clock_ms(5_000);
    first.shutdown().await.expect("saves");
    assert!(dir.path().join("sandbox-state.json").exists());

    let second = start_with(config).await;
    let read = Api::salesforce(&second)
        .get(&format!("{SF}/sobjects/Account/{id}?fields=Name"))
        .await
        .json();
    assert_eq!(read["Name"], json!("Persisted Co"));
    let again = Api::salesforce(&second)
        .post(&format!("{SF}/sobjects/Account/"), json!({"Name": "Next"}))
        .await
        .json();
    assert_ne!(
        again["id"],
        json!(id),
        "id counters continue after a restart"
    );
    assert_eq!(
        second.control().record_count(System::Salesforce, "Account"),
        5,
        "3 seeded + 2 created"
    );
}

#[tokio::test]
async fn custom_objects_and_fields_come_from_the_config_file() {
    let yaml = r#"
salesforce:
  objects:
    Contact:
      name: Contact
      label: Contact
      fields:
        Tier__c: {name: Tier__c, label: Tier, type: picklist, custom: true, picklist: {restricted: true, values: [{value: Gold, label: Gold}, {value: Silver, label: Silver}]}}
    Invoice__c:
      name: Invoice__c
      label: Invoice
      custom: true
      fields:
        Id: {name: Id, label: Record ID, type: id, createable: false, updateable: false, nillable: false, id_lookup: true}
        Amount__c: {name: Amount__c, label: Amount, type: currency, custom: true, required_on_create: true, nillable: false}
hubspot:
  objects:
    contacts:
      name: contacts
      label: Contacts
      fields:
        favorite_color: {name: favorite_color, label: Favorite color, type: string, custom: true}
"#;
    let custom = CustomCatalog::from_yaml_str(yaml, "test.yaml").expect("config parses");
    let sandbox = start_with(SandboxConfig {
        records_per_object: 2,
        custom,
        ..SandboxConfig::default()
    })
    .await;
    let sf = Api::salesforce(&sandbox);
    let bad = sf
        .post(
            &format!("{SF}/sobjects/Contact/"),
            json!({"LastName": "X", "Tier__c": "Bronze"}),
        )
        .await;
    assert_eq!(
        bad.json()[0]["errorCode"],
        json!("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST")
    );
    let missing = sf
        .post(&format!("{SF}/sobjects/Invoice__c/"), json!({}))
        .await;
    assert_eq!(
        missing.json()[0]["errorCode"],
        json!("REQUIRED_FIELD_MISSING")
    );
    let invoice = sf
        .post(
            &format!("{SF}/sobjects/Invoice__c/"),
            json!({"Amount__c": 12.5}),
        )
        .await;
    assert_eq!(invoice.status, StatusCode::CREATED, "{}", invoice.text);
    assert!(
        sf.get(&format!("{SF}/sobjects"))
            .await
            .text
            .contains("Invoice__c")
    );
    let hs = Api::hubspot(&sandbox);
    let created = hs
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"favorite_color": "teal"}}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert!(CustomCatalog::from_yaml_str("hubspot: [", "broken.yaml").is_err());
}

#[tokio::test]
async fn generated_data_is_deterministic_overlapping_and_dirty() {
    let one = start(60).await;
    let two = start(60).await;
    let query = "SELECT+Id,Email,LastName+FROM+Contact+ORDER+BY+Id";
    let a = Api::salesforce(&one)
        .get(&format!("{SF}/query?q={query}"))
        .await
        .json();
    let b = Api::salesforce(&two)
        .get(&format!("{SF}/query?q={query}"))
        .await
        .json();
    assert_eq!(a["records"], b["records"], "same seed, same data");

    let hubspot = Api::hubspot(&one)
        .get("/crm/v3/objects/contacts?limit=100&properties=email")
        .await
        .json();
    let hs_emails: std::collections::BTreeSet<String> = hubspot["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["properties"]["email"].as_str().map(str::to_lowercase))
        .collect();
    let sf_emails: Vec<String> = a["records"]
        .as_array()
        .expect("records")
        .iter()
        .filter_map(|r| r["Email"].as_str().map(str::to_string))
        .collect();
    let shared = sf_emails
        .iter()
        .filter(|e| hs_emails.contains(&e.to_lowercase()))
        .count();
    assert!(shared >= 10, "a first sync has matches to find: {shared}");
    assert!(
        sf_emails
            .iter()
            .any(|e| e.chars().any(|c| c.is_uppercase())),
        "mixed-case emails"
    );
    let mut seen = std::collections::BTreeSet::new();
    assert!(
        sf_emails.iter().any(|e| !seen.insert(e.to_lowercase())),
        "duplicate emails"
    );
    assert!(sf_emails.len() < 60, "some contacts have no email");
}

#[tokio::test]
async fn objects_without_a_dedicated_generator_get_typed_valid_records() {
    let sandbox = start(8).await;
    let control = sandbox.control();
    assert_eq!(control.record_count(System::Hubspot, "tasks"), 8);
    assert_eq!(control.record_count(System::Hubspot, "subscriptions"), 8);
    assert_eq!(
        control.record_count(System::Salesforce, "Subscription__c"),
        8
    );
    let tasks = Api::hubspot(&sandbox)
        .get("/crm/v3/objects/tasks?limit=8&properties=hs_timestamp")
        .await
        .json();
    for task in tasks["results"].as_array().expect("results") {
        assert!(
            task["properties"]["hs_timestamp"].is_string(),
            "required hs_timestamp is set: {task}"
        );
    }
    let subs = Api::salesforce(&sandbox)
        .get(&format!(
            "{SF}/query?q=SELECT+Id,OwnerId+FROM+Subscription__c"
        ))
        .await
        .json();
    assert_eq!(subs["totalSize"], json!(8));
    assert!(
        subs["records"][0]["Id"]
            .as_str()
            .expect("id")
            .starts_with('a'),
        "custom key prefix"
    );
}

/// One Salesforce refresh grant over the wire: (status, body).
async fn salesforce_refresh(
    sandbox: &tandem_sandbox::SandboxHandle,
    refresh: &str,
) -> (StatusCode, Value) {
    let (client_id, client_secret) = sandbox.client_credentials();
    let response = reqwest::Client::new()
        .post(format!(
            "{}/services/oauth2/token",
            sandbox.salesforce_url()
        ))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", client_id.as_str()),
            ("client_secret", client_secret.as_str()),
            ("refresh_token", refresh),
        ])
        .send()
        .await
        .expect("token call");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn rotation_route_makes_each_salesforce_refresh_return_a_new_token_and_kill_the_old() {
    let sandbox = start(1).await;
    let sf = sandbox.salesforce_url();
    let original = sandbox.refresh_token(System::Salesforce);

    // Off by default: the same token refreshes twice and none is returned.
    let (status, body) = salesforce_refresh(&sandbox, &original).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.get("refresh_token").is_none(), "{body}");

    let (status, body) = control(
        &sf,
        reqwest::Method::PUT,
        "/_sandbox/tokens/rotation",
        Some(json!({"rotate": true})),
    )
    .await;
    assert_eq!((status, body), (StatusCode::OK, json!({"rotate": true})));
    let (status, body) = salesforce_refresh(&sandbox, &original).await;
    assert_eq!(status, StatusCode::OK);
    let rotated = body["refresh_token"]
        .as_str()
        .expect("rotated token")
        .to_string();
    assert_ne!(rotated, original);

    let (status, body) = salesforce_refresh(&sandbox, &original).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], json!("invalid_grant"));
    let (status, _) = salesforce_refresh(&sandbox, &rotated).await;
    assert_eq!(status, StatusCode::OK);

    let (status, _) = control(
        &sf,
        reqwest::Method::PUT,
        "/_sandbox/tokens/rotation",
        Some(json!({"rotate": "yes"})),
    )
    .await;
    assert!(status.is_client_error(), "{status}");
    sandbox.shutdown().await.expect("shutdown");
}
