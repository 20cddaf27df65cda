//! HubSpot CRM v3 objects, properties, pipelines, owners and merge over real HTTP.

use crate::support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{Api, hs_codes, start};
use tandem_ground::schema::System;

#[tokio::test]
async fn list_pages_with_limit_and_after_until_paging_disappears() {
    let sandbox = start(25).await;
    let api = Api::hubspot(&sandbox);
    let mut seen = Vec::new();
    let mut path = "/crm/v3/objects/contacts?limit=10&properties=email,firstname".to_string();
    loop {
        let reply = api.get(&path).await;
        assert_eq!(reply.status, StatusCode::OK);
        let body = reply.json();
        for record in body["results"].as_array().expect("results") {
            assert!(
                record["properties"].get("email").is_some(),
                "requested property present: {record}"
            );
            assert_eq!(
                record["properties"]["hs_object_id"], record["id"],
                "hs_object_id always comes back"
            );
            assert!(record["properties"].get("lastmodifieddate").is_some());
            seen.push(record["id"].as_str().expect("id is a string").to_string());
        }
        match body["paging"]["next"]["after"].as_str() {
            Some(after) => {
                path = format!(
                    "/crm/v3/objects/contacts?limit=10&properties=email,firstname&after={after}"
                )
            }
            None => break,
        }
    }
    assert_eq!(seen.len(), 25);
    let unique: std::collections::BTreeSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), 25, "no record repeats across pages");
    assert_eq!(
        api.get("/crm/v3/objects/contacts?limit=101").await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn values_are_strings_and_default_properties_are_returned() {
    let sandbox = start(5).await;
    let api = Api::hubspot(&sandbox);
    let body = api.get("/crm/v3/objects/companies?limit=5").await.json();
    let record = &body["results"][0];
    for key in [
        "createdate",
        "domain",
        "hs_lastmodifieddate",
        "hs_object_id",
        "name",
    ] {
        assert!(
            record["properties"].get(key).is_some(),
            "default property {key} in {record}"
        );
    }
    for value in record["properties"]
        .as_object()
        .expect("properties")
        .values()
    {
        assert!(
            value.is_string() || value.is_null(),
            "HubSpot sends strings: {value}"
        );
    }
    assert!(
        record["createdAt"]
            .as_str()
            .expect("createdAt")
            .ends_with('Z')
    );
    assert_eq!(record["archived"], json!(false));
}

#[tokio::test]
async fn create_read_update_archive_and_archived_listing() {
    let sandbox = start(3).await;
    let api = Api::hubspot(&sandbox);
    let created = api
        .post("/crm/v3/objects/contacts", json!({"properties": {"email": "New.Person@Example.com", "firstname": "New", "lifecyclestage": "lead"}}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let body = created.json();
    let id = body["id"].as_str().expect("id").to_string();
    assert_eq!(
        body["properties"]["email"],
        json!("new.person@example.com"),
        "HubSpot lowercases contact emails"
    );
    let first_modified = body["properties"]["lastmodifieddate"]
        .as_str()
        .expect("modified")
        .to_string();

    let by_email = api
        .get(
            "/crm/v3/objects/contacts/new.person@example.com?idProperty=email&properties=firstname",
        )
        .await;
    assert_eq!(by_email.status, StatusCode::OK, "{}", by_email.text);
    assert_eq!(by_email.json()["id"], json!(id));

    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let updated = api
        .patch(
            &format!("/crm/v3/objects/contacts/{id}"),
            json!({"properties": {"firstname": "Renamed"}}),
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    let updated = updated.json();
    assert_eq!(updated["properties"]["firstname"], json!("Renamed"));
    assert!(
        updated["properties"]["lastmodifieddate"]
            .as_str()
            .expect("modified")
            > first_modified.as_str(),
        "timestamps move on every write"
    );

    let cleared = api
        .patch(
            &format!("/crm/v3/objects/contacts/{id}"),
            json!({"properties": {"firstname": ""}}),
        )
        .await
        .json();
    assert_eq!(
        cleared["properties"]["firstname"],
        Value::Null,
        "\"\" clears a value"
    );

    assert_eq!(
        api.delete(&format!("/crm/v3/objects/contacts/{id}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        api.get(&format!("/crm/v3/objects/contacts/{id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let archived = api
        .get(&format!("/crm/v3/objects/contacts/{id}?archived=true"))
        .await
        .json();
    assert_eq!(archived["archived"], json!(true));
    assert!(archived["archivedAt"].is_string());
    let listing = api
        .get("/crm/v3/objects/contacts?archived=true&limit=100")
        .await
        .json();
    let ids: Vec<&str> = listing["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        vec![id.as_str()],
        "archived=true lists only archived records"
    );
}

#[tokio::test]
async fn invalid_values_get_the_real_error_codes() {
    let sandbox = start(3).await;
    let api = Api::hubspot(&sandbox);
    let bad_option = api
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"lifecyclestage": "Lead"}}),
        )
        .await;
    assert_eq!(bad_option.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_option.json()["category"], json!("VALIDATION_ERROR"));
    assert_eq!(hs_codes(&bad_option), vec!["INVALID_OPTION"]);
    assert!(
        bad_option.json()["message"]
            .as_str()
            .expect("message")
            .contains("was not one of the allowed options")
    );

    let bad_email = api
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "not-an-email"}}),
        )
        .await;
    assert_eq!(hs_codes(&bad_email), vec!["INVALID_EMAIL"]);

    let read_only = api
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"createdate": "2024-01-01"}}),
        )
        .await;
    assert_eq!(hs_codes(&read_only), vec!["READ_ONLY_VALUE"]);

    let unknown = api
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"no_such_property": "x"}}),
        )
        .await;
    assert_eq!(hs_codes(&unknown), vec!["PROPERTY_DOESNT_EXIST"]);

    let bad_stage = api.post("/crm/v3/objects/deals", json!({"properties": {"dealname": "X", "pipeline": "default", "dealstage": "nonsense"}})).await;
    assert_eq!(
        hs_codes(&bad_stage),
        vec!["INVALID_OPTION"],
        "deal stages are validated against the pipeline"
    );

    let bad_owner = api
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"hubspot_owner_id": "999"}}),
        )
        .await;
    assert_eq!(
        hs_codes(&bad_owner),
        vec!["INVALID_OPTION"],
        "owners come from the owners API"
    );
}

#[tokio::test]
async fn duplicate_contact_email_is_a_409_conflict() {
    let sandbox = start(3).await;
    let api = Api::hubspot(&sandbox);
    let first = api
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "dup@example.com"}}),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED);
    let second = api
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "DUP@example.com"}}),
        )
        .await;
    assert_eq!(second.status, StatusCode::CONFLICT);
    let body = second.json();
    assert_eq!(body["category"], json!("CONFLICT"));
    let existing = first.json()["id"].as_str().expect("id").to_string();
    assert!(
        body["message"]
            .as_str()
            .expect("message")
            .contains(&format!("Existing ID: {existing}"))
    );
}

#[tokio::test]
async fn properties_pipelines_and_owners_render_the_schema() {
    let sandbox = start(1).await;
    let api = Api::hubspot(&sandbox);
    let properties = api.get("/crm/v3/properties/contacts").await.json();
    let list = properties["results"].as_array().expect("results");
    let lifecycle = list
        .iter()
        .find(|p| p["name"] == "lifecyclestage")
        .expect("lifecyclestage");
    assert_eq!(lifecycle["type"], json!("enumeration"));
    assert!(
        lifecycle["options"]
            .as_array()
            .expect("options")
            .iter()
            .any(|o| o["value"] == "customer")
    );
    let owner = list
        .iter()
        .find(|p| p["name"] == "hubspot_owner_id")
        .expect("owner property");
    assert_eq!(owner["externalOptions"], json!(true));
    assert_eq!(owner["options"], json!([]));
    let single = api.get("/crm/v3/properties/contacts/email").await;
    assert_eq!(single.json()["name"], json!("email"));
    assert_eq!(
        api.get("/crm/v3/properties/contacts/nope").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        api.get("/crm/v3/properties/widgets").await.status,
        StatusCode::BAD_REQUEST
    );

    let pipelines = api.get("/crm/v3/pipelines/deals").await.json();
    let default = pipelines["results"]
        .as_array()
        .expect("pipelines")
        .iter()
        .find(|p| p["id"] == "default")
        .expect("default pipeline");
    let won = default["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .find(|s| s["id"] == "closedwon")
        .expect("closedwon");
    assert_eq!(won["metadata"]["isClosed"], json!("true"));
    assert_eq!(
        api.get("/crm/v3/pipelines/deals/default").await.json()["id"],
        json!("default")
    );

    let owners = api.get("/crm/v3/owners?limit=2").await.json();
    assert_eq!(owners["results"].as_array().expect("owners").len(), 2);
    assert!(owners["paging"]["next"]["after"].is_string());
    let id = owners["results"][0]["id"]
        .as_str()
        .expect("owner id")
        .to_string();
    assert_eq!(
        api.get(&format!("/crm/v3/owners/{id}")).await.json()["id"],
        json!(id)
    );
}

#[tokio::test]
async fn merge_keeps_the_primary_and_archives_the_other() {
    let sandbox = start(4).await;
    let api = Api::hubspot(&sandbox);
    let list = api.get("/crm/v3/objects/contacts?limit=2").await.json();
    let primary = list["results"][0]["id"].as_str().expect("id").to_string();
    let other = list["results"][1]["id"].as_str().expect("id").to_string();
    let merged = api
        .post(
            "/crm/v3/objects/contacts/merge",
            json!({"primaryObjectId": primary, "objectIdToMerge": other}),
        )
        .await;
    assert_eq!(merged.status, StatusCode::OK, "{}", merged.text);
    assert_eq!(
        merged.json()["properties"]["hs_merged_object_ids"],
        json!(other)
    );
    assert_eq!(
        api.get(&format!("/crm/v3/objects/contacts/{other}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let self_merge = api
        .post(
            "/crm/v3/objects/contacts/merge",
            json!({"primaryObjectId": primary, "objectIdToMerge": primary}),
        )
        .await;
    assert_eq!(self_merge.status, StatusCode::BAD_REQUEST);
    assert!(
        sandbox
            .control()
            .call_count(System::Hubspot, "POST /crm/v3/objects/{object_type}/merge")
            >= 2
    );
}

#[tokio::test]
async fn object_type_ids_and_singular_names_resolve() {
    let sandbox = start(2).await;
    let api = Api::hubspot(&sandbox);
    assert_eq!(
        api.get("/crm/v3/objects/0-1?limit=1").await.status,
        StatusCode::OK
    );
    assert_eq!(
        api.get("/crm/v3/objects/contact?limit=1").await.status,
        StatusCode::OK
    );
    assert_eq!(
        api.get("/crm/v3/objects/2-3465404?limit=1").await.status,
        StatusCode::OK,
        "custom object by type id"
    );
}

#[tokio::test]
async fn malformed_json_gets_a_hubspot_validation_error() {
    let sandbox = start(1).await;
    let response = reqwest::Client::new()
        .post(format!("{}/crm/v3/objects/contacts", sandbox.hubspot_url()))
        .bearer_auth(sandbox.hubspot_token())
        .header("content-type", "application/json")
        .body("{\"properties\": ")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.expect("JSON error body");
    assert_eq!(body["category"], json!("VALIDATION_ERROR"));
    assert!(
        body["message"]
            .as_str()
            .expect("message")
            .starts_with("Invalid input JSON")
    );
}

#[tokio::test]
async fn date_versioned_paths_and_custom_object_schemas() {
    let sandbox = start(3).await;
    let api = Api::hubspot(&sandbox);
    let versioned = api.get("/crm/objects/2026-03/contacts?limit=2").await;
    assert_eq!(versioned.status, StatusCode::OK);
    assert_eq!(
        versioned.json()["results"]
            .as_array()
            .expect("results")
            .len(),
        2
    );
    let schemas = api.get("/crm/v3/schemas").await.json();
    let names: Vec<&str> = schemas["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(names, vec!["subscriptions"]);
    let one = api.get("/crm/v3/schemas/subscriptions").await.json();
    assert_eq!(one["objectTypeId"], json!("2-3465404"));
    assert!(
        one["properties"]
            .as_array()
            .expect("properties")
            .iter()
            .any(|p| p["name"] == "subscription_name")
    );
    assert_eq!(
        api.get("/crm/v3/schemas/contacts").await.status,
        StatusCode::NOT_FOUND,
        "standard objects have no custom schema"
    );
}
