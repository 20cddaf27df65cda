//! Bulk API 2.0 query jobs over real HTTP, as simple-salesforce and jsforce drive them:
//! create, poll through `InProgress`, read CSV sets with `maxRecords` / `locator` until
//! `Sforce-Locator: null`, `queryAll`, parallel `resultPages`, abort, delete, list, and the
//! documented refusals.

use std::collections::BTreeSet;

use crate::salesforce_support::control;
use crate::support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{Api, Reply, SF, sf_code, start, start_with};
use tandem_sandbox::SandboxConfig;

async fn create_job(api: &Api, operation: &str, soql: &str) -> Value {
    let reply = api
        .post(
            &format!("{SF}/jobs/query"),
            json!({"operation": operation, "query": soql}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.json()
}

fn csv_rows(reply: &Reply) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(reply.text.as_bytes());
    reader
        .records()
        .map(|r| r.expect("csv row").iter().map(str::to_string).collect())
        .collect()
}

#[tokio::test]
async fn a_query_job_polls_then_pages_through_csv_sets() {
    let sandbox = start_with(SandboxConfig {
        seed: 7,
        records_per_object: 1,
        record_counts: [("Contact".to_string(), 2_500)].into_iter().collect(),
        ..SandboxConfig::default()
    })
    .await;
    let api = Api::salesforce(&sandbox);
    let (status, _) = control(
        &sandbox,
        Method::PUT,
        "/_sandbox/bulk/query-jobs",
        Some(json!({"inProgressPolls": 2})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let job = create_job(
        &api,
        "query",
        "SELECT Id, LastName, Email, Account.Name, CreatedDate, IsDeleted FROM Contact",
    )
    .await;
    let id = job["id"].as_str().expect("id").to_string();
    assert!(id.starts_with("750"));
    assert_eq!(job["state"], json!("UploadComplete"));
    assert_eq!(job["object"], json!("Contact"));
    assert_eq!(job["operation"], json!("query"));
    assert_eq!(job["contentType"], json!("CSV"));
    assert_eq!(job["apiVersion"], json!(62.0));
    let early = api.get(&format!("{SF}/jobs/query/{id}/results")).await;
    assert_eq!(
        early.status,
        StatusCode::PRECONDITION_FAILED,
        "{}",
        early.text
    );
    assert_eq!(sf_code(&early), "JOB_NOT_COMPLETE");
    let mut states = Vec::new();
    loop {
        let info = api.get(&format!("{SF}/jobs/query/{id}")).await.json();
        states.push(info["state"].as_str().expect("state").to_string());
        if info["state"] == json!("JobComplete") {
            assert_eq!(info["numberRecordsProcessed"], json!(2_500));
            assert_eq!(info["jobType"], json!("V2Query"));
            break;
        }
        assert_eq!(info["numberRecordsProcessed"], json!(0));
    }
    assert_eq!(states, ["InProgress", "InProgress", "JobComplete"]);

    let mut locator = String::new();
    let mut seen = BTreeSet::new();
    let mut sets = 0;
    loop {
        let path = if locator.is_empty() {
            format!("{SF}/jobs/query/{id}/results?maxRecords=1000")
        } else {
            format!("{SF}/jobs/query/{id}/results?maxRecords=1000&locator={locator}")
        };
        let reply = api.get(&path).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.header("content-type").as_deref(), Some("text/csv"));
        assert!(reply.header("sforce-limit-info").is_some());
        let rows = csv_rows(&reply);
        assert_eq!(
            rows[0],
            [
                "Id",
                "LastName",
                "Email",
                "Account.Name",
                "CreatedDate",
                "IsDeleted"
            ],
            "columns in the requested order, a header on every set"
        );
        assert!(
            reply.text.starts_with("\"Id\",\"LastName\""),
            "quoted like Salesforce"
        );
        let count: usize = reply
            .header("sforce-numberofrecords")
            .expect("count")
            .parse()
            .expect("number");
        assert_eq!(count, rows.len() - 1);
        for row in &rows[1..] {
            assert!(row[4].ends_with(".000Z"), "Bulk CSV datetimes: {}", row[4]);
            assert_eq!(row[5], "false");
            seen.insert(row[0].clone());
        }
        sets += 1;
        locator = reply.header("sforce-locator").expect("locator");
        if locator == "null" {
            break;
        }
    }
    assert_eq!(sets, 3, "1000 + 1000 + 500");
    assert_eq!(seen.len(), 2_500, "every record once");
    // A locator can be read again; an unknown one is refused.
    let again = api
        .get(&format!(
            "{SF}/jobs/query/{id}/results?locator=MTAwMA&maxRecords=5"
        ))
        .await;
    assert_eq!(csv_rows(&again).len(), 6);
    assert_eq!(again.header("sforce-locator").as_deref(), Some("MTAwNQ"));
    let bad = api
        .get(&format!("{SF}/jobs/query/{id}/results?locator=OTk5OTk5"))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    // Same API version or 409.
    let other = api
        .get(&format!("/services/data/v61.0/jobs/query/{id}/results"))
        .await;
    assert_eq!(other.status, StatusCode::CONFLICT);
    // Parallel result pages: default-size sets, five URLs per call.
    let pages = api
        .get(&format!("{SF}/jobs/query/{id}/resultPages"))
        .await
        .json();
    assert_eq!(pages["done"], json!(true));
    let urls = pages["resultPages"].as_array().expect("pages");
    assert_eq!(urls.len(), 1);
    let first = urls[0]["resultUrl"].as_str().expect("url");
    assert_eq!(
        first,
        format!("/services/data/v62.0/jobs/query/{id}/results?locator=MA")
    );
    let whole = api.get(first).await;
    assert_eq!(csv_rows(&whole).len(), 2_501);
    assert_eq!(whole.header("sforce-locator").as_deref(), Some("null"));
    let old = api
        .get(&format!("/services/data/v57.0/jobs/query/{id}/resultPages"))
        .await;
    assert_eq!(old.status, StatusCode::NOT_FOUND, "resultPages is v58.0+");

    let listed = api.get(&format!("{SF}/jobs/query")).await.json();
    assert_eq!(listed["done"], json!(true));
    assert!(
        listed["records"]
            .as_array()
            .expect("records")
            .iter()
            .any(|j| j["id"] == json!(id))
    );
    assert_eq!(
        api.delete(&format!("{SF}/jobs/query/{id}")).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        api.get(&format!("{SF}/jobs/query/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn result_pages_hand_out_five_urls_then_the_next_call() {
    let sandbox = start_with(SandboxConfig {
        seed: 3,
        records_per_object: 1,
        record_counts: [("Lead".to_string(), 62_000)].into_iter().collect(),
        ..SandboxConfig::default()
    })
    .await;
    let api = Api::salesforce(&sandbox);
    let id = create_job(&api, "query", "SELECT Id FROM Lead").await["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(
        api.get(&format!("{SF}/jobs/query/{id}")).await.json()["state"],
        json!("JobComplete")
    );
    let first = api
        .get(&format!("{SF}/jobs/query/{id}/resultPages"))
        .await
        .json();
    assert_eq!(first["done"], json!(false));
    assert_eq!(first["resultPages"].as_array().expect("pages").len(), 5);
    let next = first["nextRecordsUrl"].as_str().expect("next").to_string();
    let second = api.get(&next).await.json();
    assert_eq!(second["done"], json!(true));
    assert_eq!(second["nextRecordsUrl"], Value::Null);
    let urls: Vec<String> = first["resultPages"]
        .as_array()
        .into_iter()
        .chain(second["resultPages"].as_array())
        .flatten()
        .map(|p| p["resultUrl"].as_str().expect("url").to_string())
        .collect();
    assert_eq!(urls.len(), 7, "62,000 records in sets of 10,000");
    let mut total = 0;
    let mut ids = BTreeSet::new();
    for url in &urls {
        let reply = api.get(url).await;
        let rows = csv_rows(&reply);
        total += rows.len() - 1;
        ids.extend(rows.into_iter().skip(1).map(|r| r[0].clone()));
    }
    assert_eq!((total, ids.len()), (62_000, 62_000));
}

#[tokio::test]
async fn query_all_jobs_include_deleted_rows_and_abort_and_fail_as_told() {
    let sandbox = start(5).await;
    let api = Api::salesforce(&sandbox);
    let account = api
        .get(&format!("{SF}/query?q=SELECT+Id+FROM+Account+LIMIT+1"))
        .await
        .json()["records"][0]["Id"]
        .as_str()
        .expect("id")
        .to_string();
    api.delete(&format!("{SF}/sobjects/Account/{account}"))
        .await;
    let query_job = create_job(&api, "query", "SELECT Id, IsDeleted FROM Account").await;
    let all_job = create_job(&api, "queryAll", "SELECT Id, IsDeleted FROM Account").await;
    for (job, expected) in [(&query_job, 4), (&all_job, 5)] {
        let id = job["id"].as_str().expect("id");
        api.get(&format!("{SF}/jobs/query/{id}")).await;
        let reply = api.get(&format!("{SF}/jobs/query/{id}/results")).await;
        let rows = csv_rows(&reply);
        assert_eq!(rows.len() - 1, expected, "{}", reply.text);
        let deleted = rows.iter().any(|r| r[0] == account && r[1] == "true");
        assert_eq!(deleted, expected == 5);
    }
    control(
        &sandbox,
        Method::PUT,
        "/_sandbox/bulk/query-jobs",
        Some(json!({"inProgressPolls": 5})),
    )
    .await;
    let slow = create_job(&api, "query", "SELECT Id FROM Account").await;
    let slow_id = slow["id"].as_str().expect("id");
    let busy = api.delete(&format!("{SF}/jobs/query/{slow_id}")).await;
    assert_eq!(busy.status, StatusCode::CONFLICT, "still running");
    let aborted = api
        .patch(
            &format!("{SF}/jobs/query/{slow_id}"),
            json!({"state": "Aborted"}),
        )
        .await;
    assert_eq!(aborted.status, StatusCode::OK, "{}", aborted.text);
    assert_eq!(aborted.json()["state"], json!("Aborted"));
    assert_eq!(
        api.get(&format!("{SF}/jobs/query/{slow_id}")).await.json()["state"],
        json!("Aborted")
    );
    control(
        &sandbox,
        Method::PUT,
        "/_sandbox/bulk/query-jobs",
        Some(json!({"fail": true})),
    )
    .await;
    let failing = create_job(&api, "query", "SELECT Id FROM Account").await;
    let info = api
        .get(&format!(
            "{SF}/jobs/query/{}",
            failing["id"].as_str().expect("id")
        ))
        .await
        .json();
    assert_eq!(info["state"], json!("Failed"));
    assert!(info["errorMessage"].is_string());
}

#[tokio::test]
async fn unsupported_queries_are_refused_at_creation() {
    let sandbox = start(2).await;
    let api = Api::salesforce(&sandbox);
    for (soql, code) in [
        ("SELECT Id, BillingAddress FROM Account", "API_ERROR"),
        ("SELECT COUNT() FROM Account", "API_ERROR"),
        ("SELECT Id FROM Account LIMIT 5 OFFSET 1", "API_ERROR"),
        (
            "SELECT Id, (SELECT Id FROM Contacts) FROM Account",
            "API_ERROR",
        ),
        ("SELECT Nope FROM Account", "INVALID_FIELD"),
        ("SELECT Id FROM Nope__c", "INVALID_TYPE"),
        ("SELECT FROM Account", "MALFORMED_QUERY"),
    ] {
        let reply = api
            .post(
                &format!("{SF}/jobs/query"),
                json!({"operation": "query", "query": soql}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{soql}");
        assert_eq!(sf_code(&reply), code, "{soql}: {}", reply.text);
    }
    let compound = api
        .post(
            &format!("{SF}/jobs/query"),
            json!({"operation": "query", "query": "SELECT Id, BillingAddress FROM Account"}),
        )
        .await;
    assert_eq!(
        compound.json()[0]["message"],
        json!("Selecting compound data not supported in Bulk Query")
    );
    let bad_operation = api
        .post(
            &format!("{SF}/jobs/query"),
            json!({"operation": "upsert", "query": "SELECT Id FROM Account"}),
        )
        .await;
    assert_eq!(sf_code(&bad_operation), "INVALIDJOB");
    let too_old = api
        .post(
            "/services/data/v46.0/jobs/query",
            json!({"operation": "query", "query": "SELECT Id FROM Account"}),
        )
        .await;
    assert_eq!(
        too_old.status,
        StatusCode::NOT_FOUND,
        "query jobs are v47.0+"
    );
}
