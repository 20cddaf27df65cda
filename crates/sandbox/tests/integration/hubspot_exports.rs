//! The HubSpot CRM exports API over real HTTP: start, status (PENDING / PROCESSING /
//! COMPLETE), the unauthenticated download that expires five minutes after the status call,
//! one export at a time, 30 per rolling 24 hours, view filters, labels or internal values, and
//! files split into a zip.

use crate::support;

use std::collections::BTreeMap;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{Api, start, start_with};
use tandem_sandbox::SandboxConfig;

const FIVE_MINUTES_MS: i64 = 5 * 60 * 1000;

fn contact_export(properties: &[&str]) -> Value {
    json!({
        "exportType": "VIEW",
        "exportName": "All contacts",
        "format": "CSV",
        "language": "EN",
        "objectType": "CONTACT",
        "objectProperties": properties,
    })
}

async fn start_export(api: &Api, body: Value) -> String {
    let reply = api.post("/crm/v3/exports/export/async", body).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text);
    let body = reply.json();
    assert!(
        body["links"]["status"]
            .as_str()
            .expect("status link")
            .ends_with("/status")
    );
    body["id"].as_str().expect("task id").to_string()
}

async fn status(api: &Api, id: &str) -> Value {
    let reply = api
        .get(&format!("/crm/v3/exports/export/async/tasks/{id}/status"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.json()
}

/// Downloads without any authorization, as a pre-signed link is used.
async fn download(url: &str) -> (StatusCode, String, Vec<u8>) {
    let response = reqwest::get(url).await.expect("download");
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, kind, response.bytes().await.expect("body").to_vec())
}

fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes);
    reader
        .records()
        .map(|r| r.expect("csv row").iter().map(str::to_string).collect())
        .collect()
}

/// The entries of a ZIP archive, read through its central directory.
fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let u16_at = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]) as usize;
    let u32_at = |i: usize| {
        u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]) as usize
    };
    let end = bytes.len() - 22;
    assert_eq!(u32_at(end), 0x0605_4b50, "end of central directory");
    let count = u16_at(end + 10);
    let mut at = u32_at(end + 16);
    let mut files = BTreeMap::new();
    for _ in 0..count {
        assert_eq!(u32_at(at), 0x0201_4b50, "central directory entry");
        assert_eq!(u16_at(at + 10), 0, "stored");
        let size = u32_at(at + 20);
        let name_len = u16_at(at + 28);
        let extra_len = u16_at(at + 30);
        let comment_len = u16_at(at + 32);
        let offset = u32_at(at + 42);
        let name = String::from_utf8(bytes[at + 46..at + 46 + name_len].to_vec()).expect("name");
        assert_eq!(u32_at(offset), 0x0403_4b50, "local header of {name}");
        let data = offset + 30 + u16_at(offset + 26) + u16_at(offset + 28);
        files.insert(name, bytes[data..data + size].to_vec());
        at += 46 + name_len + extra_len + comment_len;
    }
    files
}

#[tokio::test]
async fn an_export_runs_completes_and_downloads_once_per_link() {
    let sandbox = start(30).await;
    let api = Api::hubspot(&sandbox);
    let control = sandbox.control();
    let id = start_export(
        &api,
        json!({
            "exportType": "VIEW",
            "exportName": "Customers",
            "format": "csv",
            "language": "EN",
            "objectType": "CONTACT",
            "objectProperties": ["email", "lifecyclestage", "hubspot_owner_id"],
            "associatedObjectType": ["COMPANY"],
            "publicCrmSearchRequest": {
                "filterGroups": [{"filters": [{"property": "lifecyclestage", "operator": "EQ", "value": "customer"}]}],
                "sorts": [{"propertyName": "email", "order": "ASC"}]
            }
        }),
    )
    .await;
    let running = status(&api, &id).await;
    assert_eq!(running["status"], json!("PROCESSING"), "{running}");
    assert!(running["result"].is_null());
    for key in ["requestedAt", "startedAt", "completedAt"] {
        assert!(running[key].is_string(), "{key}: {running}");
    }
    let details = api
        .get(&format!("/crm/v3/exports/export/{id}"))
        .await
        .json();
    assert_eq!(details["exportState"], json!("PROCESSING"));
    assert_eq!(details["objectType"], json!("0-1"));

    control.advance_clock_ms(60_000);
    let done = status(&api, &id).await;
    assert_eq!(done["status"], json!("COMPLETE"), "{done}");
    let url = done["result"].as_str().expect("result URL").to_string();
    let (code, kind, bytes) = download(&url).await;
    assert_eq!(code, StatusCode::OK);
    assert!(kind.starts_with("text/csv"), "{kind}");
    let rows = csv_rows(&bytes);
    assert_eq!(
        rows[0],
        vec![
            "Record ID",
            "Email",
            "Lifecycle Stage",
            "Owner",
            "Associated Company IDs",
            "Associated Company"
        ],
        "labels by default"
    );
    let customers = api
        .post(
            "/crm/v3/objects/contacts/search",
            json!({"filterGroups": [{"filters": [{"propertyName": "lifecyclestage", "operator": "EQ", "value": "customer"}]}], "limit": 100}),
        )
        .await
        .json();
    assert_eq!(
        rows.len() - 1,
        customers["total"].as_u64().expect("total") as usize
    );
    assert_eq!(
        api.get(&format!("/crm/v3/exports/export/{id}"))
            .await
            .json()["recordCount"],
        customers["total"]
    );
    let emails: Vec<&String> = rows[1..].iter().map(|r| &r[1]).collect();
    let mut sorted = emails.clone();
    sorted.sort_by_key(|e| e.to_lowercase());
    assert_eq!(emails, sorted, "sorted by email");
    assert!(rows[1..].iter().all(|r| r[2] == "Customer"), "stage labels");
    assert!(rows[1..].iter().any(|r| !r[4].is_empty()), "company ids");

    // The link lapses five minutes after the status call; the next call mints a fresh one.
    control.advance_clock_ms(FIVE_MINUTES_MS + 1_000);
    let (code, _, _) = download(&url).await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    let again = status(&api, &id).await;
    let fresh = again["result"].as_str().expect("fresh URL");
    assert_ne!(fresh, url);
    assert_eq!(download(fresh).await.0, StatusCode::OK);
}

#[tokio::test]
async fn internal_names_and_values_on_request() {
    let sandbox = start(10).await;
    let api = Api::hubspot(&sandbox);
    let mut body = contact_export(&["email", "lifecyclestage"]);
    body["exportInternalValuesOptions"] = json!(["NAMES", "VALUES"]);
    let id = start_export(&api, body).await;
    sandbox.control().advance_clock_ms(60_000);
    let url = status(&api, &id).await["result"]
        .as_str()
        .expect("url")
        .to_string();
    let rows = csv_rows(&download(&url).await.2);
    assert_eq!(rows[0], vec!["hs_object_id", "email", "lifecyclestage"]);
    let stages: Vec<&str> = rows[1..].iter().map(|r| r[2].as_str()).collect();
    assert!(
        stages
            .iter()
            .all(|s| s.is_empty() || s.chars().all(|c| c.is_ascii_lowercase())),
        "{stages:?}"
    );
    assert_eq!(rows.len(), 11);
}

#[tokio::test]
async fn exports_run_one_at_a_time_and_thirty_a_day() {
    let sandbox = start(5).await;
    let api = Api::hubspot(&sandbox);
    let control = sandbox.control();
    let first = start_export(&api, contact_export(&["email"])).await;
    let second = start_export(&api, contact_export(&["email"])).await;
    assert_eq!(status(&api, &first).await["status"], json!("PROCESSING"));
    assert_eq!(status(&api, &second).await["status"], json!("PENDING"));
    assert_eq!(
        api.get(&format!("/crm/v3/exports/export/{second}"))
            .await
            .json()["exportState"],
        json!("ENQUEUED")
    );
    control.advance_clock_ms(3_000);
    assert_eq!(status(&api, &first).await["status"], json!("COMPLETE"));
    assert_eq!(status(&api, &second).await["status"], json!("PROCESSING"));

    for _ in 2..30 {
        start_export(&api, contact_export(&["email"])).await;
    }
    let refused = api
        .post("/crm/v3/exports/export/async", contact_export(&["email"]))
        .await;
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        refused.text
    );
    assert_eq!(refused.json()["category"], json!("RATE_LIMITS"));
    control.advance_clock_ms(24 * 3_600_000 + 60_000);
    start_export(&api, contact_export(&["email"])).await;
}

#[tokio::test]
async fn bad_export_requests_say_what_is_wrong() {
    let sandbox = start(2).await;
    let api = Api::hubspot(&sandbox);
    let message = |reply: &support::Reply| {
        reply.json()["message"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let mut xlsx = contact_export(&["email"]);
    xlsx["format"] = json!("XLSX");
    let reply = api.post("/crm/v3/exports/export/async", xlsx).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(message(&reply).contains("CSV files only"), "{}", reply.text);
    assert_eq!(reply.json()["category"], json!("VALIDATION_ERROR"));
    let mut pdf = contact_export(&["email"]);
    pdf["format"] = json!("PDF");
    assert!(
        message(&api.post("/crm/v3/exports/export/async", pdf).await).contains("[XLSX, CSV, XLS]")
    );
    let reply = api
        .post(
            "/crm/v3/exports/export/async",
            contact_export(&["email", "favourite_colour"]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(message(&reply).contains("favourite_colour"));
    let reply = api
        .post("/crm/v3/exports/export/async", contact_export(&[]))
        .await;
    assert!(message(&reply).contains("at least one property"));
    let mut list = contact_export(&["email"]);
    list["exportType"] = json!("LIST");
    let reply = api.post("/crm/v3/exports/export/async", list).await;
    assert!(message(&reply).contains("listId"), "{}", reply.text);
    let mut many = contact_export(&["email"]);
    many["associatedObjectType"] = json!(["COMPANY", "DEAL", "TICKET", "CALL", "NOTE"]);
    let reply = api.post("/crm/v3/exports/export/async", many).await;
    assert!(message(&reply).contains("at most 4"));
    assert_eq!(
        api.get("/crm/v3/exports/export/async/tasks/42/status")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn files_past_the_row_limit_come_zipped_in_parts() {
    let sandbox = start_with(SandboxConfig {
        seed: 7,
        records_per_object: 95,
        hubspot_export_rows_per_file: 40,
        ..SandboxConfig::default()
    })
    .await;
    let api = Api::hubspot(&sandbox);
    let id = start_export(&api, contact_export(&["email", "firstname"])).await;
    sandbox.control().advance_clock_ms(60_000);
    let url = status(&api, &id).await["result"]
        .as_str()
        .expect("url")
        .to_string();
    let (code, kind, bytes) = download(&url).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(kind, "application/zip");
    let files = unzip(&bytes);
    let names: Vec<&String> = files.keys().collect();
    assert_eq!(
        names,
        vec![
            "All-contacts-1.csv",
            "All-contacts-2.csv",
            "All-contacts-3.csv"
        ]
    );
    let sizes: Vec<usize> = files
        .values()
        .map(|bytes| {
            let rows = csv_rows(bytes);
            assert_eq!(rows[0], vec!["Record ID", "Email", "First Name"]);
            rows.len() - 1
        })
        .collect();
    assert_eq!(sizes, vec![40, 40, 15]);
    assert_eq!(tandem_sandbox::hubspot::exports::ROWS_PER_FILE, 1_000_000);
}

#[tokio::test]
async fn a_csv_over_two_megabytes_is_zipped_even_in_one_part() {
    let mut counts = BTreeMap::new();
    counts.insert("contacts".to_string(), 14_000);
    let sandbox = start_with(SandboxConfig {
        seed: 7,
        records_per_object: 1,
        record_counts: counts,
        ..SandboxConfig::default()
    })
    .await;
    let api = Api::hubspot(&sandbox);
    let id = start_export(
        &api,
        contact_export(&[
            "email",
            "firstname",
            "lastname",
            "company",
            "jobtitle",
            "phone",
            "city",
            "country",
            "lifecyclestage",
            "hs_lead_status",
            "createdate",
            "lastmodifieddate",
        ]),
    )
    .await;
    sandbox.control().advance_clock_ms(60_000);
    let url = status(&api, &id).await["result"]
        .as_str()
        .expect("url")
        .to_string();
    let (code, kind, bytes) = download(&url).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(kind, "application/zip");
    let files = unzip(&bytes);
    assert_eq!(files.len(), 1);
    let csv = files.values().next().expect("one file");
    assert!(csv.len() > 2 * 1024 * 1024, "{}", csv.len());
    assert_eq!(csv_rows(csv).len(), 14_001);
}
