//! Bulk API 2.0 upload size over HTTP: a CSV well past axum's 2 MB default is accepted and
//! processed (the real limit is 150 MB per upload); past 150 MB the upload is refused in
//! Salesforce's error shape and the job keeps no data.

use crate::support;

use reqwest::StatusCode;
use serde_json::json;
use support::{Api, SF, start};

async fn open_insert_job(api: &Api) -> String {
    let job = api
        .post(&format!("{SF}/jobs/ingest"), json!({"object": "Contact", "operation": "insert", "contentType": "CSV", "lineEnding": "LF"}))
        .await;
    assert_eq!(job.status, StatusCode::OK, "{}", job.text);
    job.json()["id"].as_str().expect("job id").to_string()
}

async fn upload(api: &Api, job: &str, body: Vec<u8>) -> reqwest::Response {
    api.client
        .put(format!("{}{SF}/jobs/ingest/{job}/batches", api.base))
        .bearer_auth(&api.token)
        .header("content-type", "text/csv")
        .body(body)
        .send()
        .await
        .expect("upload")
}

#[tokio::test]
async fn csv_upload_over_two_megabytes_is_accepted_and_every_row_processed() {
    let sandbox = start(0).await;
    let api = Api::salesforce(&sandbox);
    let job = open_insert_job(&api).await;
    let mut csv = String::from("LastName,Description\n");
    let filler = "x".repeat(200);
    let rows = 12_000;
    for row in 0..rows {
        csv.push_str(&format!("Bulk{row},{filler}\n"));
    }
    assert!(csv.len() > 2 * 1024 * 1024, "{} bytes", csv.len());
    let reply = upload(&api, &job, csv.into_bytes()).await;
    assert_eq!(reply.status(), StatusCode::CREATED);
    let closed = api
        .patch(
            &format!("{SF}/jobs/ingest/{job}"),
            json!({"state": "UploadComplete"}),
        )
        .await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.text);
    let info = api.get(&format!("{SF}/jobs/ingest/{job}")).await.json();
    assert_eq!(info["state"], json!("JobComplete"));
    assert_eq!(info["numberRecordsProcessed"], json!(rows));
    assert_eq!(info["numberRecordsFailed"], json!(0));
}

#[tokio::test]
async fn csv_upload_over_150_megabytes_is_refused_in_salesforce_shape() {
    let sandbox = start(0).await;
    let api = Api::salesforce(&sandbox);
    let job = open_insert_job(&api).await;
    let limit = 150 * 1024 * 1024;
    let mut csv = b"LastName\n".to_vec();
    csv.resize(limit + 1, b'a');
    let reply = upload(&api, &job, csv).await;
    assert_eq!(reply.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: serde_json::Value = reply.json().await.expect("json error body");
    assert_eq!(body[0]["errorCode"], json!("EXCEEDED_MAX_SIZE_REQUEST"));
    assert!(
        body[0]["message"]
            .as_str()
            .expect("message")
            .contains(&limit.to_string()),
        "{body}"
    );
    let info = api.get(&format!("{SF}/jobs/ingest/{job}")).await.json();
    assert_eq!(info["state"], json!("Open"), "the job is untouched");
    let small = upload(&api, &job, b"LastName\nAfter\n".to_vec()).await;
    assert_eq!(
        small.status(),
        StatusCode::CREATED,
        "the job still takes an upload"
    );
}
