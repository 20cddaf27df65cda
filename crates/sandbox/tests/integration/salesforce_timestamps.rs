//! Salesforce timestamps over real HTTP: whole seconds on the wire, SOQL datetime
//! comparisons at second precision, and the ties a real org has (a frozen Salesforce clock,
//! seeded bulk-load batches) for testing watermark paging.

use std::collections::BTreeSet;

use crate::salesforce_support::{control, query, records};
use crate::support;

use reqwest::{Method, StatusCode};
use serde_json::json;
use support::{Api, SF, start, start_with};
use tandem_sandbox::SandboxConfig;

fn is_whole_second(stamp: &str) -> bool {
    stamp.len() == 28 && stamp.ends_with(".000+0000")
}

#[tokio::test]
async fn system_timestamps_and_written_datetimes_are_whole_seconds() {
    let sandbox = start(3).await;
    let api = Api::salesforce(&sandbox);
    let created = api
        .post(
            &format!("{SF}/sobjects/Task/"),
            json!({"Subject": "Call", "ReminderDateTime": "2024-05-01T10:00:00.789Z"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.json()["id"].as_str().expect("id").to_string();
    let task = api
        .get(&format!(
            "{SF}/sobjects/Task/{id}?fields=CreatedDate,LastModifiedDate,SystemModstamp,ReminderDateTime"
        ))
        .await
        .json();
    for field in ["CreatedDate", "LastModifiedDate", "SystemModstamp"] {
        let stamp = task[field].as_str().expect(field);
        assert!(is_whole_second(stamp), "{field} = {stamp}");
    }
    assert_eq!(
        task["ReminderDateTime"],
        json!("2024-05-01T10:00:00.000+0000"),
        "datetime fields keep seconds only"
    );
    // Seeded records too, through SOQL.
    for record in records(&api, "SELECT Id, SystemModstamp, CreatedDate FROM Contact").await {
        assert!(is_whole_second(
            record["SystemModstamp"].as_str().expect("stamp")
        ));
        assert!(is_whole_second(
            record["CreatedDate"].as_str().expect("stamp")
        ));
    }
}

#[tokio::test]
async fn soql_compares_datetimes_to_the_second() {
    let sandbox = start(1).await;
    let api = Api::salesforce(&sandbox);
    let id = api
        .post(
            &format!("{SF}/sobjects/Lead/"),
            json!({"LastName": "Tie", "Company": "T"}),
        )
        .await
        .json()["id"]
        .as_str()
        .expect("id")
        .to_string();
    let stamp = api
        .get(&format!("{SF}/sobjects/Lead/{id}?fields=SystemModstamp"))
        .await
        .json()["SystemModstamp"]
        .as_str()
        .expect("stamp")
        .to_string();
    // `…T10:00:00.000+0000` → the same second with milliseconds, as a SOQL literal.
    let with_ms = format!("{}.700Z", &stamp[..19]);
    let equal = records(
        &api,
        &format!("SELECT Id FROM Lead WHERE SystemModstamp = {with_ms}"),
    )
    .await;
    assert_eq!(
        equal.len(),
        1,
        "= {with_ms} matches the record stamped {stamp}"
    );
    assert_eq!(equal[0]["Id"], json!(id));
    let at_least = records(
        &api,
        &format!("SELECT Id FROM Lead WHERE SystemModstamp >= {with_ms}"),
    )
    .await;
    assert!(at_least.iter().any(|r| r["Id"] == json!(id)));
    let later = records(
        &api,
        &format!("SELECT Id FROM Lead WHERE SystemModstamp > {with_ms}"),
    )
    .await;
    assert!(later.iter().all(|r| r["Id"] != json!(id)));
}

#[tokio::test]
async fn a_frozen_clock_stamps_many_writes_with_one_second() {
    let sandbox = start(1).await;
    let api = Api::salesforce(&sandbox);
    let (status, frozen) = control(
        &sandbox,
        Method::POST,
        "/_sandbox/clock/freeze",
        Some(json!({"at": "2030-01-02T03:04:05.600Z"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{frozen}");
    assert_eq!(frozen["at"], json!("2030-01-02T03:04:05.000+0000"));
    let (_, clock) = control(&sandbox, Method::GET, "/_sandbox/clock", None).await;
    assert_eq!(
        clock["salesforceFrozenAt"],
        json!("2030-01-02T03:04:05.000+0000")
    );
    let mut ids = Vec::new();
    for i in 0..5 {
        let reply = api
            .post(
                &format!("{SF}/sobjects/Contact/"),
                json!({"LastName": format!("Bulk {i}")}),
            )
            .await;
        ids.push(reply.json()["id"].as_str().expect("id").to_string());
    }
    let update = api
        .patch(
            &format!("{SF}/sobjects/Contact/{}", ids[0]),
            json!({"Title": "CTO"}),
        )
        .await;
    assert_eq!(update.status, StatusCode::NO_CONTENT);
    let tied = records(
        &api,
        "SELECT Id, SystemModstamp FROM Contact WHERE SystemModstamp = 2030-01-02T03:04:05Z ORDER BY SystemModstamp, Id",
    )
    .await;
    let tied_ids: BTreeSet<String> = tied
        .iter()
        .map(|r| r["Id"].as_str().expect("Id").to_string())
        .collect();
    assert_eq!(tied_ids, ids.iter().cloned().collect::<BTreeSet<_>>());
    // The in-process twin of the same calls.
    sandbox.control().unfreeze_salesforce_clock();
    let (status, _) = control(&sandbox, Method::DELETE, "/_sandbox/clock/freeze", None).await;
    assert_eq!(status, StatusCode::OK);
    let after = api
        .post(
            &format!("{SF}/sobjects/Contact/"),
            json!({"LastName": "After"}),
        )
        .await
        .json()["id"]
        .as_str()
        .expect("id")
        .to_string();
    let stamp = api
        .get(&format!(
            "{SF}/sobjects/Contact/{after}?fields=SystemModstamp"
        ))
        .await
        .json()["SystemModstamp"]
        .as_str()
        .expect("stamp")
        .to_string();
    assert!(stamp.as_str() > "2030-01-02T03:04:05.000+0000", "{stamp}");
    let (status, _) = reqwest::Client::new()
        .post(format!("{}/_sandbox/clock/freeze", sandbox.hubspot_url()))
        .send()
        .await
        .map(|r| (r.status(), ()))
        .expect("call");
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "only Salesforce stamps freeze"
    );
}

#[tokio::test]
async fn seeded_records_can_share_seconds_like_a_bulk_load() {
    let tied = start_with(SandboxConfig {
        seed: 7,
        records_per_object: 2,
        record_counts: [("Contact".to_string(), 120)].into_iter().collect(),
        salesforce_seed_stamp_batch: 50,
        ..SandboxConfig::default()
    })
    .await;
    let api = Api::salesforce(&tied);
    let stamps: BTreeSet<String> = records(&api, "SELECT SystemModstamp FROM Contact")
        .await
        .iter()
        .map(|r| r["SystemModstamp"].as_str().expect("stamp").to_string())
        .collect();
    assert_eq!(
        stamps.len(),
        3,
        "120 contacts in runs of 50 share 3 seconds"
    );
    let count = query(&api, "SELECT COUNT() FROM Contact").await;
    assert_eq!(count["totalSize"], json!(120));

    let spread = start_with(SandboxConfig {
        seed: 7,
        records_per_object: 2,
        record_counts: [("Contact".to_string(), 120)].into_iter().collect(),
        ..SandboxConfig::default()
    })
    .await;
    let api = Api::salesforce(&spread);
    let stamps: BTreeSet<String> = records(&api, "SELECT SystemModstamp FROM Contact")
        .await
        .iter()
        .map(|r| r["SystemModstamp"].as_str().expect("stamp").to_string())
        .collect();
    assert!(stamps.len() > 100, "by default seeded stamps rarely tie");
}
