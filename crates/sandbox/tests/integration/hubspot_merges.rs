//! HubSpot merges over real HTTP in each behaviour a portal can show: the primary keeps its id
//! (absorbed id 404, the sandbox default; or absorbed id reads as the primary, HubSpot before
//! its change), or a new record replaces both (HubSpot now). Associations move to the
//! survivor, absorbed ids never read as archived, and a user can merge in the UI.

use crate::support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{Api, start, start_with};
use tandem_ground::schema::System;
use tandem_sandbox::{MergeBehavior, SandboxConfig};

async fn ids(api: &Api, object: &str, n: usize) -> Vec<String> {
    api.get(&format!("/crm/v3/objects/{object}?limit={n}"))
        .await
        .json()["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_string())
        .collect()
}

async fn associated(api: &Api, from: &str, id: &str, to: &str) -> Vec<String> {
    api.get(&format!("/crm/v4/objects/{from}/{id}/associations/{to}"))
        .await
        .json()["results"]
        .as_array()
        .map(|r| r.iter().map(|a| a["toObjectId"].to_string()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_company_merge_moves_associations_and_an_absorbed_id_is_not_an_archived_one() {
    let sandbox = start(12).await;
    let api = Api::hubspot(&sandbox);
    let companies = ids(&api, "companies", 4).await;
    let (primary, other, archived) = (&companies[0], &companies[1], &companies[2]);
    let moving = associated(&api, "companies", other, "contacts").await;
    assert!(!moving.is_empty(), "the absorbed company has contacts");
    let merged = api
        .post(
            "/crm/v3/objects/companies/merge",
            json!({"primaryObjectId": primary, "objectIdToMerge": other}),
        )
        .await;
    assert_eq!(merged.status, StatusCode::OK, "{}", merged.text);
    assert_eq!(merged.json()["id"], json!(primary));
    let now_associated = associated(&api, "companies", primary, "contacts").await;
    assert!(
        moving.iter().all(|c| now_associated.contains(c)),
        "{now_associated:?}"
    );
    assert!(
        associated(&api, "companies", other, "contacts")
            .await
            .is_empty()
    );

    api.delete(&format!("/crm/v3/objects/companies/{archived}"))
        .await;
    let read = |id: &str, query: &str| {
        let path = format!("/crm/v3/objects/companies/{id}{query}");
        let api = &api;
        async move { api.get(&path).await }
    };
    // Archived: found with `archived=true`. Merged: not archived, so not found there.
    assert_eq!(read(archived, "").await.status, StatusCode::NOT_FOUND);
    let found = read(archived, "?archived=true").await;
    assert_eq!(found.status, StatusCode::OK);
    assert_eq!(found.json()["archived"], json!(true));
    assert!(found.json()["archivedAt"].is_string());
    assert_eq!(read(other, "").await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        read(other, "?archived=true").await.status,
        StatusCode::NOT_FOUND
    );
    let survivor = read(primary, "?properties=hs_merged_object_ids")
        .await
        .json();
    assert_eq!(survivor["properties"]["hs_merged_object_ids"], json!(other));
    let listed = api
        .get("/crm/v3/objects/companies?archived=true&limit=100")
        .await
        .json();
    let archived_ids: Vec<&str> = listed["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(archived_ids, vec![archived.as_str()]);
    let search = api
        .post(
            "/crm/v3/objects/companies/search",
            json!({"filterGroups": [{"filters": [{"propertyName": "hs_object_id", "operator": "EQ", "value": other}]}]}),
        )
        .await
        .json();
    assert_eq!(search["total"], json!(0));
}

#[tokio::test]
async fn with_resolving_ids_the_absorbed_id_reads_as_the_primary() {
    let sandbox = start(4).await;
    let hs = sandbox.hubspot_url();
    let api = Api::hubspot(&sandbox);
    let response = reqwest::Client::new()
        .put(format!("{hs}/_sandbox/merge-behavior"))
        .json(&json!({"behavior": "primary_keeps_id_resolving"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::OK);
    let contacts = ids(&api, "contacts", 2).await;
    api.post(
        "/crm/v3/objects/contacts/merge",
        json!({"primaryObjectId": contacts[0], "objectIdToMerge": contacts[1]}),
    )
    .await;
    let read = api
        .get(&format!("/crm/v3/objects/contacts/{}", contacts[1]))
        .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    assert_eq!(read.json()["id"], json!(contacts[0]));
    let batch = api
        .post(
            "/crm/v3/objects/contacts/batch/read",
            json!({"inputs": [{"id": contacts[1]}]}),
        )
        .await
        .json();
    assert_eq!(batch["results"][0]["id"], json!(contacts[0]));
    // Still not an archived record, and still not in lists or searches.
    assert_eq!(
        api.get(&format!(
            "/crm/v3/objects/contacts/{}?archived=true",
            contacts[1]
        ))
        .await
        .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_current_hubspot_merge_makes_a_new_record_both_ids_point_to() {
    let sandbox = start_with(SandboxConfig {
        seed: 7,
        records_per_object: 6,
        hubspot_merge_behavior: MergeBehavior::NewRecord,
        ..SandboxConfig::default()
    })
    .await;
    let api = Api::hubspot(&sandbox);
    let contacts = ids(&api, "contacts", 2).await;
    let (primary, other) = (&contacts[0], &contacts[1]);
    let before = api
        .get(&format!(
            "/crm/v3/objects/contacts/{primary}?properties=email,jobtitle"
        ))
        .await
        .json();
    let mut linked = associated(&api, "contacts", primary, "companies").await;
    linked.extend(associated(&api, "contacts", other, "companies").await);
    let merged = api
        .post(
            "/crm/v3/objects/contacts/merge",
            json!({"primaryObjectId": primary, "objectIdToMerge": other}),
        )
        .await;
    assert_eq!(merged.status, StatusCode::OK, "{}", merged.text);
    let merged = merged.json();
    let new_id = merged["id"].as_str().expect("id").to_string();
    assert!(new_id != *primary && new_id != *other, "{merged}");
    let mut absorbed: Vec<String> = merged["properties"]["hs_merged_object_ids"]
        .as_str()
        .expect("merged ids")
        .split(';')
        .map(str::to_string)
        .collect();
    absorbed.sort();
    let mut expected = vec![primary.clone(), other.clone()];
    expected.sort();
    assert_eq!(absorbed, expected);
    // The primary's values are current; both old ids read as the new record.
    for old in [primary, other] {
        let read = api
            .get(&format!(
                "/crm/v3/objects/contacts/{old}?properties=email,jobtitle"
            ))
            .await
            .json();
        assert_eq!(read["id"], json!(new_id));
        assert_eq!(read["properties"]["email"], before["properties"]["email"]);
    }
    let moved = associated(&api, "contacts", &new_id, "companies").await;
    assert!(linked.iter().all(|c| moved.contains(c)), "{moved:?}");
    let live: Vec<String> = ids(&api, "contacts", 100).await;
    assert!(live.contains(&new_id) && !live.contains(primary) && !live.contains(other));
    assert_eq!(
        sandbox.control().record_count(System::Hubspot, "contacts"),
        5
    );
}

#[tokio::test]
async fn deals_and_tickets_merge_and_engagements_do_not() {
    let sandbox = start(4).await;
    let api = Api::hubspot(&sandbox);
    let deals = ids(&api, "deals", 2).await;
    let merged = api
        .post(
            "/crm/v3/objects/deals/merge",
            json!({"primaryObjectId": deals[0], "objectIdToMerge": deals[1]}),
        )
        .await;
    assert_eq!(merged.status, StatusCode::OK, "{}", merged.text);
    let tickets = ids(&api, "tickets", 2).await;
    let merged = api
        .post(
            "/crm/v3/objects/tickets/merge",
            json!({"primaryObjectId": tickets[0], "objectIdToMerge": tickets[1]}),
        )
        .await;
    assert_eq!(merged.status, StatusCode::OK, "{}", merged.text);
    let calls = ids(&api, "calls", 2).await;
    let refused = api
        .post(
            "/crm/v3/objects/calls/merge",
            json!({"primaryObjectId": calls[0], "objectIdToMerge": calls[1]}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", refused.text);
}

#[tokio::test]
async fn a_user_merge_in_the_ui_follows_the_portal_behaviour() {
    let sandbox = start(4).await;
    let hs = sandbox.hubspot_url();
    let api = Api::hubspot(&sandbox);
    sandbox
        .control()
        .set_merge_behavior(MergeBehavior::NewRecord);
    let companies = ids(&api, "companies", 2).await;
    let response = reqwest::Client::new()
        .post(format!("{hs}/_sandbox/merge/companies"))
        .json(&json!({"winner": companies[0], "loser": companies[1]}))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::OK);
    let read: Value = api
        .get(&format!("/crm/v3/objects/companies/{}", companies[0]))
        .await
        .json();
    assert_ne!(read["id"], json!(companies[0]));
    let writes = sandbox.control().writes(System::Hubspot);
    let merge = writes
        .iter()
        .find(|w| w.operation == "merge")
        .expect("merge logged");
    assert_eq!(merge.origin, "user");
    assert_eq!(
        merge.fields,
        vec![companies[0].clone(), companies[1].clone()]
    );
    let calls = ids(&api, "calls", 2).await;
    let refused = reqwest::Client::new()
        .post(format!("{hs}/_sandbox/merge/calls"))
        .json(&json!({"winner": calls[0], "loser": calls[1]}))
        .send()
        .await
        .expect("sent");
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
}
