//! Properties HubSpot computes, over real HTTP: seeded scores, stage dates and lead statuses,
//! MQL candidates, association counts, stage dates stamped on writes, and the control API
//! writing as HubSpot itself where the public API answers `READ_ONLY_VALUE`.

use crate::support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{Api, hs_codes, start};

async fn patch_as_crm(base: &str, path: &str, body: Value) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .patch(format!("{base}{path}"))
        .json(&body)
        .send()
        .await
        .expect("control call");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn ms(text: &Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(text.as_str().expect("a datetime"))
        .expect("RFC 3339")
        .timestamp_millis()
}

#[tokio::test]
async fn the_default_portal_has_us_mql_candidates_with_scores_and_stage_dates() {
    let sandbox = start(100).await;
    let api = Api::hubspot(&sandbox);
    let found = api
        .post(
            "/crm/v3/objects/contacts/search",
            json!({
                "filterGroups": [{"filters": [
                    {"propertyName": "country", "operator": "EQ", "value": "United States"},
                    {"propertyName": "lifecyclestage", "operator": "EQ", "value": "marketingqualifiedlead"},
                    {"propertyName": "hubspotscore", "operator": "GT", "value": "50"},
                    {"propertyName": "email", "operator": "HAS_PROPERTY"}
                ]}],
                "properties": ["hubspotscore", "hs_lifecyclestage_marketingqualifiedlead_date", "hs_lead_status", "city"],
                "limit": 100
            }),
        )
        .await
        .json();
    let total = found["total"].as_u64().expect("total");
    assert!(total >= 8, "about one contact in ten is a US MQL: {found}");
    for contact in found["results"].as_array().expect("results") {
        let props = &contact["properties"];
        let score: f64 = props["hubspotscore"]
            .as_str()
            .expect("score")
            .parse()
            .expect("number");
        assert!((51.0..=95.0).contains(&score), "{contact}");
        let entered = ms(&props["hs_lifecyclestage_marketingqualifiedlead_date"]);
        assert!(entered >= ms(&contact["createdAt"]) && entered <= ms(&contact["updatedAt"]));
        assert!(
            props["hs_lead_status"].is_string(),
            "an MQL is being worked: {contact}"
        );
    }

    // Customers and subscribers are not worked as leads: no lead status.
    let customers = api
        .post(
            "/crm/v3/objects/contacts/search",
            json!({
                "filterGroups": [{"filters": [
                    {"propertyName": "lifecyclestage", "operator": "IN", "values": ["customer", "subscriber"]},
                    {"propertyName": "hs_lead_status", "operator": "HAS_PROPERTY"}
                ]}]
            }),
        )
        .await
        .json();
    assert_eq!(customers["total"], json!(0), "{customers}");
    // Every staged contact has its scores and the date it entered its stage.
    let staged = api
        .post(
            "/crm/v3/objects/contacts/search",
            json!({
                "filterGroups": [{"filters": [
                    {"propertyName": "lifecyclestage", "operator": "EQ", "value": "customer"},
                    {"propertyName": "hs_lifecyclestage_customer_date", "operator": "NOT_HAS_PROPERTY"}
                ]}]
            }),
        )
        .await
        .json();
    assert_eq!(staged["total"], json!(0), "{staged}");
    let unscored = api
        .post(
            "/crm/v3/objects/contacts/search",
            json!({"filterGroups": [{"filters": [{"propertyName": "hubspotscore", "operator": "NOT_HAS_PROPERTY"}]}]}),
        )
        .await
        .json();
    assert_eq!(unscored["total"], json!(0), "{unscored}");
}

#[tokio::test]
async fn the_public_api_refuses_read_only_properties_that_hubspot_itself_can_set() {
    let sandbox = start(3).await;
    let hs = sandbox.hubspot_url();
    let api = Api::hubspot(&sandbox);
    let id = api.get("/crm/v3/objects/contacts?limit=1").await.json()["results"][0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let refused = api
        .patch(
            &format!("/crm/v3/objects/contacts/{id}"),
            json!({"properties": {"hubspotscore": "99"}}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    assert_eq!(hs_codes(&refused), vec!["READ_ONLY_VALUE".to_string()]);
    assert_eq!(refused.json()["category"], json!("VALIDATION_ERROR"));

    let (status, body) = patch_as_crm(
        &hs,
        &format!("/_sandbox/records/contacts/{id}/as-crm"),
        json!({"hubspotscore": 99, "hs_lifecyclestage_evangelist_date": "2024-05-01T10:00:00Z", "createdate": "2020-01-02T03:04:05.000Z"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let read = api
        .get(&format!(
            "/crm/v3/objects/contacts/{id}?properties=hubspotscore,hs_lifecyclestage_evangelist_date"
        ))
        .await
        .json();
    assert_eq!(read["properties"]["hubspotscore"], json!("99"));
    assert_eq!(
        read["properties"]["hs_lifecyclestage_evangelist_date"],
        json!("2024-05-01T10:00:00.000Z")
    );
    assert_eq!(
        read["properties"]["createdate"],
        json!("2020-01-02T03:04:05.000Z")
    );
    assert_eq!(read["createdAt"], json!("2020-01-02T03:04:05.000Z"));
    let writes: Value = reqwest::get(format!("{hs}/_sandbox/writes"))
        .await
        .expect("writes")
        .json()
        .await
        .expect("json");
    let last = writes.as_array().and_then(|w| w.last()).expect("logged");
    assert_eq!(last["origin"], json!("system"));

    // Values still have to be values; association counts are derived, not set.
    let (status, _) = patch_as_crm(
        &hs,
        &format!("/_sandbox/records/contacts/{id}/as-crm"),
        json!({"hubspotscore": "high"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, body) = patch_as_crm(
        &hs,
        &format!("/_sandbox/records/contacts/{id}/as-crm"),
        json!({"num_associated_deals": 4}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _) = patch_as_crm(
        &hs,
        &format!("/_sandbox/records/contacts/{id}/as-crm"),
        json!({"no_such_property": 1}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn entering_a_stage_through_the_api_stamps_its_date_once() {
    let sandbox = start(2).await;
    let api = Api::hubspot(&sandbox);
    let created = api
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "stage@x.io", "lifecyclestage": "lead"}}),
        )
        .await
        .json();
    let id = created["id"].as_str().expect("id").to_string();
    let props = "hs_lifecyclestage_lead_date,hs_lifecyclestage_customer_date";
    let read = api
        .get(&format!("/crm/v3/objects/contacts/{id}?properties={props}"))
        .await
        .json();
    let lead_date = read["properties"]["hs_lifecyclestage_lead_date"].clone();
    assert_eq!(ms(&lead_date), ms(&read["createdAt"]));
    assert_eq!(
        read["properties"]["hs_lifecyclestage_customer_date"],
        Value::Null
    );
    sandbox.control().advance_clock_ms(60_000);
    api.patch(
        &format!("/crm/v3/objects/contacts/{id}"),
        json!({"properties": {"lifecyclestage": "customer"}}),
    )
    .await;
    let after = api
        .get(&format!("/crm/v3/objects/contacts/{id}?properties={props}"))
        .await
        .json();
    assert_eq!(
        after["properties"]["hs_lifecyclestage_lead_date"],
        lead_date
    );
    let customer = ms(&after["properties"]["hs_lifecyclestage_customer_date"]);
    assert_eq!(customer, ms(&after["updatedAt"]));
    assert!(customer >= ms(&lead_date) + 60_000);
}

#[tokio::test]
async fn association_counts_follow_the_associations() {
    let sandbox = start(4).await;
    let api = Api::hubspot(&sandbox);
    let company = api.get("/crm/v3/objects/companies?limit=1").await.json()["results"][0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let count = |body: &Value| -> u64 {
        body["properties"]["num_associated_contacts"]
            .as_str()
            .expect("count")
            .parse()
            .expect("number")
    };
    let listed = api
        .get(&format!(
            "/crm/v4/objects/companies/{company}/associations/contacts"
        ))
        .await
        .json();
    let before = api
        .get(&format!(
            "/crm/v3/objects/companies/{company}?properties=num_associated_contacts"
        ))
        .await
        .json();
    assert_eq!(
        count(&before),
        listed["results"].as_array().expect("results").len() as u64
    );
    let contact = api
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "counted@x.io"}}),
        )
        .await
        .json()["id"]
        .as_str()
        .expect("id")
        .to_string();
    api.put(
        &format!("/crm/v4/objects/contacts/{contact}/associations/default/companies/{company}"),
        json!(null),
    )
    .await;
    let after = api
        .get(&format!(
            "/crm/v3/objects/companies/{company}?properties=num_associated_contacts"
        ))
        .await
        .json();
    assert_eq!(count(&after), count(&before) + 1);
    // An archived contact no longer counts.
    api.delete(&format!("/crm/v3/objects/contacts/{contact}"))
        .await;
    let archived = api
        .get(&format!(
            "/crm/v3/objects/companies/{company}?properties=num_associated_contacts"
        ))
        .await
        .json();
    assert_eq!(count(&archived), count(&before));
}
