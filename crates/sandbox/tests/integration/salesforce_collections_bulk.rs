//! sObject collections and Bulk API 2.0 ingest over real HTTP.

use crate::support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{Api, SF, sf_code, start};

#[tokio::test]
async fn collection_create_reports_per_record_results_in_order() {
    let sandbox = start(1).await;
    let api = Api::salesforce(&sandbox);
    let body = json!({"allOrNone": false, "records": [
        {"attributes": {"type": "Contact"}, "LastName": "One"},
        {"attributes": {"type": "Contact"}, "FirstName": "NoLast"},
        {"attributes": {"type": "Account"}, "Name": "Mixed types"},
    ]});
    let reply = api.post(&format!("{SF}/composite/sobjects"), body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let results = reply.json();
    assert_eq!(results[0]["success"], json!(true));
    assert!(results[0]["id"].as_str().expect("id").starts_with("003"));
    assert_eq!(results[1]["success"], json!(false));
    assert_eq!(results[1]["id"], Value::Null);
    assert_eq!(
        results[1]["errors"][0]["statusCode"],
        json!("REQUIRED_FIELD_MISSING")
    );
    assert_eq!(results[1]["errors"][0]["fields"], json!(["LastName"]));
    assert!(results[2]["id"].as_str().expect("id").starts_with("001"));
}

#[tokio::test]
async fn all_or_none_rolls_everything_back() {
    let sandbox = start(1).await;
    let api = Api::salesforce(&sandbox);
    let before = sandbox
        .control()
        .record_count(tandem_ground::schema::System::Salesforce, "Contact");
    let body = json!({"allOrNone": true, "records": [
        {"attributes": {"type": "Contact"}, "LastName": "Fine"},
        {"attributes": {"type": "Contact"}, "LastName": "Bad", "Email": "nope"},
    ]});
    let results = api
        .post(&format!("{SF}/composite/sobjects"), body)
        .await
        .json();
    assert_eq!(
        results[0]["errors"][0]["statusCode"],
        json!("ALL_OR_NONE_OPERATION_ROLLED_BACK")
    );
    assert_eq!(
        results[1]["errors"][0]["statusCode"],
        json!("INVALID_EMAIL_ADDRESS")
    );
    assert_eq!(
        sandbox
            .control()
            .record_count(tandem_ground::schema::System::Salesforce, "Contact"),
        before
    );
}

#[tokio::test]
async fn collection_update_upsert_delete_and_retrieve() {
    let sandbox = start(5).await;
    let api = Api::salesforce(&sandbox);
    let contacts = api
        .get(&format!("{SF}/query?q=SELECT+Id+FROM+Contact"))
        .await
        .json();
    let ids: Vec<String> = contacts["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| r["Id"].as_str().expect("id").to_string())
        .collect();
    let update = json!({"records": [
        {"attributes": {"type": "Contact"}, "Id": ids[0], "Title": "Updated"},
        {"attributes": {"type": "Contact"}, "Id": "003bad", "Title": "x"},
    ]});
    let results = api
        .patch(&format!("{SF}/composite/sobjects"), update)
        .await
        .json();
    assert_eq!(results[0]["success"], json!(true));
    assert_eq!(results[1]["errors"][0]["statusCode"], json!("MALFORMED_ID"));

    let upsert = json!({"allOrNone": false, "records": [
        {"attributes": {"type": "Contact"}, "HubSpot_Contact_Id__c": "hs-9", "LastName": "New"},
        {"attributes": {"type": "Contact"}, "LastName": "No key"},
    ]});
    let results = api
        .patch(
            &format!("{SF}/composite/sobjects/Contact/HubSpot_Contact_Id__c"),
            upsert.clone(),
        )
        .await
        .json();
    assert_eq!(results[0]["created"], json!(true));
    assert_eq!(results[1]["success"], json!(false));
    let again = api
        .patch(
            &format!("{SF}/composite/sobjects/Contact/HubSpot_Contact_Id__c"),
            upsert,
        )
        .await
        .json();
    assert_eq!(again[0]["created"], json!(false));

    let retrieved = api
        .get(&format!(
            "{SF}/composite/sobjects/Contact?ids={},{}&fields=Id,Title",
            ids[0], ids[1]
        ))
        .await
        .json();
    assert_eq!(retrieved[0]["Title"], json!("Updated"));

    let deleted = api
        .delete(&format!(
            "{SF}/composite/sobjects?ids={},{}&allOrNone=false",
            ids[0], ids[1]
        ))
        .await
        .json();
    assert_eq!(deleted[0]["success"], json!(true));
    let twice = api
        .delete(&format!("{SF}/composite/sobjects?ids={}", ids[0]))
        .await
        .json();
    assert_eq!(
        twice[0]["errors"][0]["statusCode"],
        json!("ENTITY_IS_DELETED")
    );
}

#[tokio::test]
async fn collections_refuse_more_than_200_records_and_unknown_fields() {
    let sandbox = start(1).await;
    let api = Api::salesforce(&sandbox);
    let records: Vec<Value> = (0..201)
        .map(|i| json!({"attributes": {"type": "Contact"}, "LastName": format!("L{i}")}))
        .collect();
    let reply = api
        .post(
            &format!("{SF}/composite/sobjects"),
            json!({"records": records}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(sf_code(&reply), "EXCEEDED_ID_LIMIT");
    let unknown = api.post(&format!("{SF}/composite/sobjects"), json!({"records": [{"attributes": {"type": "Contact"}, "LastName": "x", "Nope__c": 1}]})).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(sf_code(&unknown), "INVALID_FIELD");
}

#[tokio::test]
async fn bulk_ingest_upsert_job_with_successes_and_failures() {
    let sandbox = start(1).await;
    let api = Api::salesforce(&sandbox);
    let job = api
        .post(&format!("{SF}/jobs/ingest"), json!({"object": "Contact", "operation": "upsert", "externalIdFieldName": "HubSpot_Contact_Id__c", "contentType": "CSV", "lineEnding": "LF"}))
        .await;
    assert_eq!(job.status, StatusCode::OK, "{}", job.text);
    let job = job.json();
    assert_eq!(job["state"], json!("Open"));
    let id = job["id"].as_str().expect("job id").to_string();
    assert!(id.starts_with("750"));
    let csv = "HubSpot_Contact_Id__c,LastName,Email\nhs-1,Alpha,alpha@x.io\nhs-2,,beta@x.io\nhs-3,Gamma,not-an-email\n";
    let upload = api
        .client
        .put(format!("{}{SF}/jobs/ingest/{id}/batches", api.base))
        .bearer_auth(&api.token)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .expect("upload");
    assert_eq!(upload.status(), StatusCode::CREATED);
    let closed = api
        .patch(
            &format!("{SF}/jobs/ingest/{id}"),
            json!({"state": "UploadComplete"}),
        )
        .await
        .json();
    assert_eq!(closed["state"], json!("UploadComplete"));
    let info = api.get(&format!("{SF}/jobs/ingest/{id}")).await.json();
    assert_eq!(info["state"], json!("JobComplete"));
    assert_eq!(info["numberRecordsProcessed"], json!(3));
    assert_eq!(info["numberRecordsFailed"], json!(2));
    let ok = api
        .get(&format!("{SF}/jobs/ingest/{id}/successfulResults/"))
        .await;
    assert!(
        ok.text
            .starts_with("\"sf__Id\",\"sf__Created\",\"HubSpot_Contact_Id__c\""),
        "{}",
        ok.text
    );
    assert!(ok.text.contains("\"true\",\"hs-1\""));
    let failed = api
        .get(&format!("{SF}/jobs/ingest/{id}/failedResults/"))
        .await
        .text;
    assert!(failed.contains("REQUIRED_FIELD_MISSING"), "{failed}");
    assert!(failed.contains("INVALID_EMAIL_ADDRESS"), "{failed}");
    let unprocessed = api
        .get(&format!("{SF}/jobs/ingest/{id}/unprocessedrecords/"))
        .await
        .text;
    assert_eq!(unprocessed.lines().count(), 1, "only the header");
    let again = api
        .patch(
            &format!("{SF}/jobs/ingest/{id}"),
            json!({"state": "UploadComplete"}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(
        api.delete(&format!("{SF}/jobs/ingest/{id}")).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        api.get(&format!("{SF}/jobs/ingest/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn bulk_jobs_abort_and_validate_their_definition() {
    let sandbox = start(1).await;
    let api = Api::salesforce(&sandbox);
    let no_key = api
        .post(
            &format!("{SF}/jobs/ingest"),
            json!({"object": "Contact", "operation": "upsert"}),
        )
        .await;
    assert_eq!(no_key.status, StatusCode::BAD_REQUEST);
    let bad_object = api
        .post(
            &format!("{SF}/jobs/ingest"),
            json!({"object": "Nope", "operation": "insert"}),
        )
        .await;
    assert_eq!(sf_code(&bad_object), "INVALIDENTITY");
    let job = api
        .post(
            &format!("{SF}/jobs/ingest"),
            json!({"object": "Account", "operation": "insert"}),
        )
        .await
        .json();
    let id = job["id"].as_str().expect("id");
    api.client
        .put(format!("{}{SF}/jobs/ingest/{id}/batches", api.base))
        .bearer_auth(&api.token)
        .body("Name\nA\nB\n")
        .send()
        .await
        .expect("upload");
    let aborted = api
        .patch(
            &format!("{SF}/jobs/ingest/{id}"),
            json!({"state": "Aborted"}),
        )
        .await
        .json();
    assert_eq!(aborted["state"], json!("Aborted"));
    let unprocessed = api
        .get(&format!("{SF}/jobs/ingest/{id}/unprocessedrecords/"))
        .await
        .text;
    assert_eq!(unprocessed.lines().count(), 3);
    let list = api.get(&format!("{SF}/jobs/ingest")).await.json();
    assert_eq!(list["records"].as_array().expect("jobs").len(), 1);
}

#[tokio::test]
async fn retrieve_by_post_and_query_all_cursor_paths() {
    let sandbox = start(250).await;
    let api = Api::salesforce(&sandbox);
    let first = api
        .get(&format!("{SF}/query?q=SELECT+Id+FROM+Account+LIMIT+2"))
        .await
        .json();
    let ids: Vec<&str> = first["records"]
        .as_array()
        .expect("records")
        .iter()
        .filter_map(|r| r["Id"].as_str())
        .collect();
    let retrieved = api
        .post(
            &format!("{SF}/composite/sobjects/Account"),
            json!({"ids": ids, "fields": ["Name"]}),
        )
        .await
        .json();
    assert_eq!(retrieved.as_array().expect("records").len(), 2);
    assert!(retrieved[0]["Name"].is_string());
    let missing_fields = api
        .post(
            &format!("{SF}/composite/sobjects/Account"),
            json!({"ids": ids}),
        )
        .await;
    assert_eq!(sf_code(&missing_fields), "MISSING_ARGUMENT");
    let page = api
        .send(
            reqwest::Method::GET,
            &format!("{SF}/queryAll?q=SELECT+Id+FROM+Account"),
            None,
            &[("Sforce-Query-Options", "batchSize=200")],
        )
        .await
        .json();
    let next = page["nextRecordsUrl"]
        .as_str()
        .expect("next")
        .replace("/query/", "/queryAll/");
    let rest = api.get(&next).await.json();
    assert_eq!(rest["done"], json!(true));
    assert_eq!(rest["records"].as_array().expect("records").len(), 50);
}
