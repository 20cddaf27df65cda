//! CRM search compares values as HubSpot does: enumerations exactly, text case-insensitively
//! for `EQ`, `IN` against lower-cased text; and sorting on `hs_object_id` is numeric.

use crate::support;

use serde_json::{Value, json};
use support::{Api, start};
use tandem_ground::schema::System;

async fn total(api: &Api, filter: Value) -> u64 {
    let reply = api
        .post(
            "/crm/v3/objects/contacts/search",
            json!({"filterGroups": [{"filters": [filter]}]}),
        )
        .await;
    assert_eq!(reply.status, reqwest::StatusCode::OK, "{}", reply.text);
    reply.json()["total"].as_u64().expect("total")
}

fn contact(sandbox: &tandem_sandbox::SandboxHandle, fields: Value) -> String {
    sandbox
        .control()
        .act_create(
            System::Hubspot,
            "contacts",
            fields.as_object().expect("object"),
        )
        .expect("create")
}

#[tokio::test]
async fn enumeration_values_match_case_sensitively_and_text_case_insensitively() {
    let sandbox = start(0).await;
    let api = Api::hubspot(&sandbox);
    contact(
        &sandbox,
        json!({"email": "ada@example.com", "lifecyclestage": "customer", "city": "Paris"}),
    );
    let stage =
        |value: &str| json!({"propertyName": "lifecyclestage", "operator": "EQ", "value": value});
    assert_eq!(total(&api, stage("customer")).await, 1);
    assert_eq!(
        total(&api, stage("CUSTOMER")).await,
        0,
        "enumerations are exact"
    );
    let city = |value: &str| json!({"propertyName": "city", "operator": "EQ", "value": value});
    assert_eq!(
        total(&api, city("PARIS")).await,
        1,
        "EQ on text ignores case"
    );
    let city_in =
        |value: &str| json!({"propertyName": "city", "operator": "IN", "values": [value]});
    assert_eq!(total(&api, city_in("paris")).await, 1);
    assert_eq!(
        total(&api, city_in("Paris")).await,
        0,
        "IN compares lower-cased text with the values as sent"
    );
}

#[tokio::test]
async fn sort_on_hs_object_id_is_numeric_and_gt_pages_past_it() {
    let sandbox = start(0).await;
    let api = Api::hubspot(&sandbox);
    let mut ids: Vec<u64> = (0..12)
        .map(|i| {
            contact(&sandbox, json!({"email": format!("p{i}@example.com")}))
                .parse()
                .expect("numeric id")
        })
        .collect();
    ids.sort();
    let body = api
        .post(
            "/crm/v3/objects/contacts/search",
            json!({
                "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
                "filterGroups": [{"filters": [
                    {"propertyName": "hs_object_id", "operator": "GT", "value": ids[4].to_string()}
                ]}],
                "limit": 200,
            }),
        )
        .await
        .json();
    let got: Vec<u64> = body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["id"].as_str().expect("id").parse().expect("numeric"))
        .collect();
    assert_eq!(got, ids[5..].to_vec());
}
