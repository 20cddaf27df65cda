//! HubSpot owners over real HTTP: every field the real API returns, and users a portal admin
//! adds (people and queues) or deactivates through the control API.

use crate::support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{Api, hs_codes, start};

async fn control(
    base: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new().request(method, format!("{base}{path}"));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("control call");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn owners_carry_type_user_ids_teams_and_timestamps() {
    let sandbox = start(2).await;
    let api = Api::hubspot(&sandbox);
    let owners = api.get("/crm/v3/owners").await.json();
    let first = &owners["results"][0];
    for key in [
        "id",
        "email",
        "firstName",
        "lastName",
        "createdAt",
        "updatedAt",
    ] {
        assert!(first[key].is_string(), "{key}: {first}");
    }
    assert_eq!(first["type"], json!("PERSON"));
    assert_eq!(first["archived"], json!(false));
    assert!(first["userId"].is_u64(), "{first}");
    assert_eq!(first["userIdIncludingInactive"], first["userId"]);
    let team = &first["teams"][0];
    assert!(
        team["id"].is_string() && team["name"].is_string(),
        "{first}"
    );
    assert_eq!(team["primary"], json!(true));
    // By user id as well as by owner id.
    let user = first["userId"].as_u64().expect("user id");
    let by_user = api
        .get(&format!("/crm/v3/owners/{user}?idProperty=userId"))
        .await
        .json();
    assert_eq!(by_user["id"], first["id"]);
}

#[tokio::test]
async fn an_added_queue_owner_can_own_records_and_an_archived_owner_cannot() {
    let sandbox = start(2).await;
    let hs = sandbox.hubspot_url();
    let api = Api::hubspot(&sandbox);
    let (status, queue) = control(
        &hs,
        reqwest::Method::POST,
        "/_sandbox/owners",
        Some(json!({"email": "Support-Queue@acme-revops.example", "firstName": "Support", "lastName": "Queue", "type": "QUEUE"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{queue}");
    assert_eq!(queue["type"], json!("QUEUE"));
    assert_eq!(queue["email"], json!("support-queue@acme-revops.example"));
    let id = queue["id"].as_str().expect("id").to_string();
    let listed = api
        .get("/crm/v3/owners?email=support-queue@acme-revops.example")
        .await
        .json();
    assert_eq!(listed["results"][0]["id"], json!(id));

    let contact = api
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "queued@x.io", "hubspot_owner_id": id}}),
        )
        .await;
    assert_eq!(contact.status, StatusCode::CREATED, "{}", contact.text);
    let contact_id = contact.json()["id"].as_str().expect("id").to_string();

    let (status, archived) = control(
        &hs,
        reqwest::Method::DELETE,
        &format!("/_sandbox/owners/{id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{archived}");
    assert_eq!(archived["archived"], json!(true));
    assert_eq!(archived["userId"], Value::Null);
    assert!(archived["userIdIncludingInactive"].is_u64());

    // Gone from the active list and from reads by id, there with `archived=true`.
    let active = api.get("/crm/v3/owners?limit=500").await.json();
    assert!(
        !active["results"]
            .as_array()
            .expect("results")
            .iter()
            .any(|o| o["id"] == json!(id))
    );
    assert_eq!(
        api.get(&format!("/crm/v3/owners/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let inactive = api.get("/crm/v3/owners?archived=true").await.json();
    assert_eq!(inactive["results"][0]["id"], json!(id));
    assert_eq!(
        api.get(&format!("/crm/v3/owners/{id}?archived=true"))
            .await
            .json()["archived"],
        json!(true)
    );

    // The record keeps the id; a new assignment to the archived owner is refused.
    let read = api
        .get(&format!(
            "/crm/v3/objects/contacts/{contact_id}?properties=hubspot_owner_id"
        ))
        .await
        .json();
    assert_eq!(read["properties"]["hubspot_owner_id"], json!(id));
    let refused = api
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "late@x.io", "hubspot_owner_id": id}}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    assert_eq!(hs_codes(&refused), vec!["INVALID_OPTION".to_string()]);

    let (status, again) = control(
        &hs,
        reqwest::Method::DELETE,
        &format!("/_sandbox/owners/{id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{again}");
    let (status, _) = control(&hs, reqwest::Method::DELETE, "/_sandbox/owners/1", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = control(
        &hs,
        reqwest::Method::POST,
        "/_sandbox/owners",
        Some(json!({"email": "not-an-email"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
