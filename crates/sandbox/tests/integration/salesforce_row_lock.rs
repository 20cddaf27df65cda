//! The `unable_to_lock_row` fault over HTTP: queued through `/_sandbox/faults/queue`, it
//! waits for a Salesforce collection update or upsert and fails the first record updating
//! an existing record with UNABLE_TO_LOCK_ROW, in the per-record result shape.

use crate::support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{Api, SF, start};
use tandem_ground::schema::System;

async fn queue_row_lock(sandbox: &tandem_sandbox::SandboxHandle) {
    let reply = reqwest::Client::new()
        .post(format!(
            "{}/_sandbox/faults/queue",
            sandbox.salesforce_url()
        ))
        .json(&json!({"faults": ["unable_to_lock_row"]}))
        .send()
        .await
        .expect("queue");
    assert_eq!(reply.status(), StatusCode::OK);
}

async fn contact_ids(api: &Api, count: usize) -> Vec<String> {
    let reply = api
        .get(&format!(
            "{SF}/query?q=SELECT+Id+FROM+Contact+ORDER+BY+Id+LIMIT+{count}"
        ))
        .await
        .json();
    reply["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| r["Id"].as_str().expect("Id").to_string())
        .collect()
}

fn lock_error(id: &str) -> Value {
    json!({
        "statusCode": "UNABLE_TO_LOCK_ROW",
        "message": format!("unable to obtain exclusive access to this record or 1 records: {id}"),
        "fields": [],
    })
}

#[tokio::test]
async fn queued_row_lock_fails_one_record_of_the_next_collection_update() {
    let sandbox = start(3).await;
    let api = Api::salesforce(&sandbox);
    queue_row_lock(&sandbox).await;
    // Reads and creates do not use it up: it waits for an update.
    let ids = contact_ids(&api, 2).await;
    assert_eq!(ids.len(), 2);
    let create = json!({"records": [{"attributes": {"type": "Contact"}, "LastName": "Fresh"}]});
    let created = api
        .post(&format!("{SF}/composite/sobjects"), create)
        .await
        .json();
    assert_eq!(created[0]["success"], json!(true), "{created}");
    let update = json!({"allOrNone": false, "records": [
        {"attributes": {"type": "Contact"}, "Id": ids[0], "Title": "Locked"},
        {"attributes": {"type": "Contact"}, "Id": ids[1], "Title": "Written"},
    ]});
    let reply = api
        .patch(&format!("{SF}/composite/sobjects"), update.clone())
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let results = reply.json();
    assert_eq!(results[0]["success"], json!(false));
    assert_eq!(results[0]["id"], json!(ids[0]));
    assert_eq!(results[0]["errors"], json!([lock_error(&ids[0])]));
    assert_eq!(results[1]["success"], json!(true));
    let control = sandbox.control();
    let locked = control
        .record(System::Salesforce, "Contact", &ids[0])
        .expect("record");
    assert_ne!(locked.get("Title").map(String::as_str), Some("Locked"));
    let written = control
        .record(System::Salesforce, "Contact", &ids[1])
        .expect("record");
    assert_eq!(written.get("Title").map(String::as_str), Some("Written"));

    // One fault, one failure: the retry goes through.
    let retry = api
        .patch(&format!("{SF}/composite/sobjects"), update)
        .await
        .json();
    assert_eq!(retry[0]["success"], json!(true), "{retry}");
    assert_eq!(retry[1]["success"], json!(true), "{retry}");
}

#[tokio::test]
async fn row_lock_under_all_or_none_rolls_the_others_back() {
    let sandbox = start(3).await;
    let api = Api::salesforce(&sandbox);
    let ids = contact_ids(&api, 2).await;
    queue_row_lock(&sandbox).await;
    let update = json!({"allOrNone": true, "records": [
        {"attributes": {"type": "Contact"}, "Id": ids[0], "Title": "A"},
        {"attributes": {"type": "Contact"}, "Id": ids[1], "Title": "B"},
    ]});
    let results = api
        .patch(&format!("{SF}/composite/sobjects"), update)
        .await
        .json();
    assert_eq!(results[0]["errors"], json!([lock_error(&ids[0])]));
    assert_eq!(results[1]["success"], json!(false));
    assert_eq!(
        results[1]["errors"][0]["statusCode"],
        json!("ALL_OR_NONE_OPERATION_ROLLED_BACK")
    );
    let untouched = sandbox
        .control()
        .record(System::Salesforce, "Contact", &ids[1])
        .expect("record");
    assert_ne!(untouched.get("Title").map(String::as_str), Some("B"));
}

#[tokio::test]
async fn row_lock_hits_the_updated_record_of_an_upsert_not_the_created_one() {
    let sandbox = start(1).await;
    let api = Api::salesforce(&sandbox);
    let path = format!("{SF}/composite/sobjects/Contact/HubSpot_Contact_Id__c");
    let seed = json!({"allOrNone": false, "records": [
        {"attributes": {"type": "Contact"}, "HubSpot_Contact_Id__c": "hs-1", "LastName": "First"},
    ]});
    let created = api.patch(&path, seed).await.json();
    let existing = created[0]["id"].as_str().expect("id").to_string();
    queue_row_lock(&sandbox).await;
    let upsert = json!({"allOrNone": false, "records": [
        {"attributes": {"type": "Contact"}, "HubSpot_Contact_Id__c": "hs-2", "LastName": "New"},
        {"attributes": {"type": "Contact"}, "HubSpot_Contact_Id__c": "hs-1", "LastName": "Again"},
    ]});
    let results = api.patch(&path, upsert).await.json();
    assert_eq!(results[0]["success"], json!(true), "{results}");
    assert_eq!(results[0]["created"], json!(true));
    assert_eq!(
        results[1]["errors"],
        json!([lock_error(&existing)]),
        "{results}"
    );
}
