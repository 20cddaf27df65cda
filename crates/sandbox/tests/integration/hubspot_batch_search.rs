//! HubSpot batch read / create / update / upsert / archive and CRM search over real HTTP.

use crate::support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{Api, start};

fn ids(body: &Value) -> Vec<String> {
    body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_string())
        .collect()
}

#[tokio::test]
async fn batch_create_all_valid_answers_201_with_every_record() {
    let sandbox = start(2).await;
    let api = Api::hubspot(&sandbox);
    let inputs: Vec<Value> = (0..100)
        .map(|i| json!({"properties": {"email": format!("b{i}@batch.io"), "firstname": "B"}}))
        .collect();
    let reply = api
        .post(
            "/crm/v3/objects/contacts/batch/create",
            json!({"inputs": inputs}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let body = reply.json();
    assert_eq!(body["status"], json!("COMPLETE"));
    assert_eq!(body["results"].as_array().expect("results").len(), 100);
    for key in ["requestedAt", "startedAt", "completedAt"] {
        assert!(body[key].is_string());
    }
}

#[tokio::test]
async fn batch_of_101_inputs_is_refused() {
    let sandbox = start(1).await;
    let api = Api::hubspot(&sandbox);
    let inputs: Vec<Value> = (0..101)
        .map(|i| json!({"properties": {"email": format!("x{i}@y.io")}}))
        .collect();
    let reply = api
        .post(
            "/crm/v3/objects/contacts/batch/create",
            json!({"inputs": inputs}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["category"], json!("VALIDATION_ERROR"));
    assert_eq!(
        sandbox
            .control()
            .record_count(tandem_ground::schema::System::Hubspot, "contacts"),
        1
    );
}

#[tokio::test]
async fn traced_batch_with_a_bad_input_answers_207_and_writes_the_good_ones() {
    let sandbox = start(1).await;
    let api = Api::hubspot(&sandbox);
    let inputs = json!([
        {"properties": {"email": "good1@t.io"}, "objectWriteTraceId": "t1"},
        {"properties": {"email": "bad", "lifecyclestage": "nope"}, "objectWriteTraceId": "t2"},
        {"properties": {"email": "good2@t.io"}, "objectWriteTraceId": "t3"},
    ]);
    let reply = api
        .post(
            "/crm/v3/objects/contacts/batch/create",
            json!({"inputs": inputs}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::MULTI_STATUS, "{}", reply.text);
    let body = reply.json();
    assert_eq!(body["numErrors"], json!(1));
    assert_eq!(
        body["errors"][0]["context"]["objectWriteTraceId"],
        json!(["t2"])
    );
    assert_eq!(body["errors"][0]["category"], json!("VALIDATION_ERROR"));
    let traces: Vec<&str> = body["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["objectWriteTraceId"].as_str())
        .collect();
    assert_eq!(traces, vec!["t1", "t3"]);
}

#[tokio::test]
async fn untraced_batch_with_a_bad_input_fails_whole_and_writes_nothing() {
    let sandbox = start(1).await;
    let api = Api::hubspot(&sandbox);
    let before = sandbox
        .control()
        .record_count(tandem_ground::schema::System::Hubspot, "contacts");
    let inputs =
        json!([{"properties": {"email": "ok@t.io"}}, {"properties": {"lifecyclestage": "nope"}}]);
    let reply = api
        .post(
            "/crm/v3/objects/contacts/batch/create",
            json!({"inputs": inputs}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        sandbox
            .control()
            .record_count(tandem_ground::schema::System::Hubspot, "contacts"),
        before
    );
}

#[tokio::test]
async fn batch_read_update_upsert_and_archive() {
    let sandbox = start(5).await;
    let api = Api::hubspot(&sandbox);
    let existing = ids(&api.get("/crm/v3/objects/companies?limit=3").await.json());
    let read = api
        .post("/crm/v3/objects/companies/batch/read", json!({"inputs": [{"id": existing[0]}, {"id": "999999999"}], "properties": ["name", "domain"]}))
        .await;
    assert_eq!(read.status, StatusCode::MULTI_STATUS);
    let body = read.json();
    assert_eq!(ids(&body), vec![existing[0].clone()]);
    assert_eq!(body["errors"][0]["category"], json!("OBJECT_NOT_FOUND"));
    assert_eq!(body["errors"][0]["context"]["ids"], json!(["999999999"]));

    let update = api
        .post(
            "/crm/v3/objects/companies/batch/update",
            json!({"inputs": [{"id": existing[1], "properties": {"name": "Renamed Co"}}]}),
        )
        .await;
    assert_eq!(update.status, StatusCode::OK, "{}", update.text);
    assert_eq!(
        update.json()["results"][0]["properties"]["name"],
        json!("Renamed Co")
    );

    let upsert = api
        .post(
            "/crm/v3/objects/contacts/batch/upsert",
            json!({"inputs": [
                {"id": "upsert.me@example.com", "idProperty": "email", "properties": {"firstname": "Up"}},
            ]}),
        )
        .await;
    assert_eq!(upsert.status, StatusCode::OK, "{}", upsert.text);
    assert_eq!(upsert.json()["results"][0]["new"], json!(true));
    let again = api
        .post("/crm/v3/objects/contacts/batch/upsert", json!({"inputs": [{"id": "UPSERT.me@example.com", "idProperty": "email", "properties": {"firstname": "Again"}}]}))
        .await
        .json();
    assert_eq!(again["results"][0]["new"], json!(false));
    assert_eq!(
        again["results"][0]["properties"]["firstname"],
        json!("Again")
    );

    let not_unique = api
        .post(
            "/crm/v3/objects/contacts/batch/upsert",
            json!({"inputs": [{"id": "x", "idProperty": "firstname", "properties": {}}]}),
        )
        .await;
    assert_eq!(
        not_unique.status,
        StatusCode::BAD_REQUEST,
        "idProperty must be unique: {}",
        not_unique.text
    );

    let archive = api
        .post(
            "/crm/v3/objects/companies/batch/archive",
            json!({"inputs": [{"id": existing[2]}]}),
        )
        .await;
    assert_eq!(archive.status, StatusCode::NO_CONTENT);
    assert_eq!(
        api.get(&format!("/crm/v3/objects/companies/{}", existing[2]))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn search_filters_sorts_and_pages() {
    let sandbox = start(60).await;
    let api = Api::hubspot(&sandbox);
    let body = api
        .post(
            "/crm/v3/objects/contacts/search",
            json!({
                "filterGroups": [{"filters": [{"propertyName": "email", "operator": "HAS_PROPERTY"}]}],
                "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
                "properties": ["email", "lastmodifieddate"],
                "limit": 20,
            }),
        )
        .await
        .json();
    let total = body["total"].as_u64().expect("total");
    assert!(
        total > 40 && total < 60,
        "dirty data leaves some contacts without email: {total}"
    );
    let results = body["results"].as_array().expect("results");
    assert_eq!(results.len(), 20);
    let dates: Vec<&str> = results
        .iter()
        .map(|r| r["properties"]["lastmodifieddate"].as_str().expect("date"))
        .collect();
    let mut sorted = dates.clone();
    sorted.sort();
    assert_eq!(dates, sorted, "ascending by lastmodifieddate");
    assert_eq!(body["paging"]["next"]["after"], json!("20"));

    // Watermark style: GTE an epoch-millisecond value.
    let middle = dates[10];
    let millis = chrono::DateTime::parse_from_rfc3339(middle)
        .expect("rfc3339")
        .timestamp_millis();
    let later = api
        .post(
            "/crm/v3/objects/contacts/search",
            json!({"filterGroups": [{"filters": [{"propertyName": "lastmodifieddate", "operator": "GTE", "value": millis.to_string()}]}], "limit": 100}),
        )
        .await
        .json();
    assert!(later["total"].as_u64().expect("total") < 60);

    let first = api
        .get("/crm/v3/objects/contacts?limit=1&properties=email")
        .await
        .json();
    let email = first["results"][0]["properties"]["email"]
        .as_str()
        .unwrap_or("none@x.io")
        .to_string();
    let exact = api
        .post(
            "/crm/v3/objects/contacts/search",
            json!({"filterGroups": [
                {"filters": [{"propertyName": "email", "operator": "EQ", "value": email.to_uppercase()}]},
                {"filters": [{"propertyName": "email", "operator": "IN", "values": ["nobody@nowhere.io"]}]}
            ]}),
        )
        .await
        .json();
    assert_eq!(
        exact["total"],
        json!(1),
        "groups are OR'ed, EQ on strings ignores case"
    );

    let query = api
        .post(
            "/crm/v3/objects/contacts/search",
            json!({"query": email.split('@').next().unwrap_or("x")}),
        )
        .await
        .json();
    assert!(query["total"].as_u64().expect("total") >= 1);
}

#[tokio::test]
async fn search_limits_are_enforced() {
    let sandbox = start(3).await;
    let api = Api::hubspot(&sandbox);
    let too_big = api
        .post("/crm/v3/objects/contacts/search", json!({"limit": 201}))
        .await;
    assert_eq!(too_big.status, StatusCode::BAD_REQUEST);
    let past_cap = api
        .post(
            "/crm/v3/objects/contacts/search",
            json!({"limit": 100, "after": "10000"}),
        )
        .await;
    assert_eq!(
        past_cap.status,
        StatusCode::BAD_REQUEST,
        "the 10,000 result cap"
    );
    let filters: Vec<Value> = (0..7)
        .map(|_| json!({"propertyName": "email", "operator": "HAS_PROPERTY"}))
        .collect();
    let too_many = api
        .post(
            "/crm/v3/objects/contacts/search",
            json!({"filterGroups": [{"filters": filters}]}),
        )
        .await;
    assert_eq!(too_many.status, StatusCode::BAD_REQUEST);
    let two_sorts = api
        .post(
            "/crm/v3/objects/contacts/search",
            json!({"sorts": ["email", "firstname"]}),
        )
        .await;
    assert_eq!(two_sorts.status, StatusCode::BAD_REQUEST);
    let unknown = api
        .post("/crm/v3/objects/contacts/search", json!({"filterGroups": [{"filters": [{"propertyName": "nope", "operator": "EQ", "value": "x"}]}]}))
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn search_has_its_own_five_per_second_limit() {
    let sandbox = start(1).await;
    let api = Api::hubspot(&sandbox);
    let mut statuses = Vec::new();
    for _ in 0..7 {
        let reply = api.post("/crm/v3/objects/contacts/search", json!({})).await;
        assert!(
            reply.header("x-hubspot-ratelimit-max").is_none(),
            "search sends no rate-limit headers"
        );
        statuses.push(reply.status);
        if reply.status == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(reply.json()["policyName"], json!("SECONDLY"));
            assert_eq!(reply.json()["errorType"], json!("RATE_LIMIT"));
        }
    }
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    // Object reads are not limited by the search bucket.
    assert_eq!(
        api.get("/crm/v3/objects/contacts?limit=1").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn search_stops_at_the_ten_thousandth_result() {
    let config = tandem_sandbox::SandboxConfig {
        records_per_object: 1,
        record_counts: std::collections::BTreeMap::from([("contacts".to_string(), 10_050)]),
        ..tandem_sandbox::SandboxConfig::default()
    };
    let sandbox = support::start_with(config).await;
    let api = Api::hubspot(&sandbox);
    let body = api
        .post(
            "/crm/v3/objects/contacts/search",
            json!({"limit": 200, "after": "9900"}),
        )
        .await
        .json();
    assert_eq!(body["total"], json!(10_050), "total counts every match");
    assert_eq!(
        body["results"].as_array().expect("results").len(),
        100,
        "results end at the 10,000th"
    );
    assert!(body.get("paging").is_none(), "no page beyond the cap");
}
