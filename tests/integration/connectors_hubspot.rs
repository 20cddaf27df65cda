//! HubSpot client against the sandbox over real HTTP: every read and write path.

use crate::connectors_support;

use std::collections::BTreeSet;

use connectors_support::*;
use serde_json::json;
use tandem::connectors::{AssociationInput, AssociationType, HubSpotInput};
use tandem::schema::System;

fn contact_props() -> Vec<String> {
    vec!["email".into(), "firstname".into()]
}

#[tokio::test]
async fn full_list_read_pages_every_contact_with_only_the_requested_properties() {
    let sandbox = sandbox(5, &[("contacts", 250)]).await;
    let client = hubspot(&sandbox);
    let (records, watermark) = read_all_pages!(client.read_all("contacts", &contact_props()));
    let ids: BTreeSet<&str> = records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(records.len(), 250);
    assert_eq!(ids.len(), 250, "no record twice");
    for record in &records {
        let keys: Vec<&str> = record.fields.keys().map(|name| name.as_str()).collect();
        assert_eq!(keys, vec!["email", "firstname", "lastmodifieddate"]);
        assert!(!record.deleted);
    }
    assert!(watermark.high_ms.is_some());
    // 100 per page: 3 list calls, nothing else.
    assert_eq!(
        sandbox
            .control()
            .call_count(System::Hubspot, "GET /crm/v3/objects/{object_type}"),
        3
    );
    assert_eq!(client.stats().read, 3);
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn records_of_one_read_share_one_copy_of_each_property_name() {
    let sandbox = sandbox(5, &[("contacts", 150)]).await;
    let client = hubspot(&sandbox);
    let (records, _) = read_all_pages!(client.read_all("contacts", &contact_props()));
    assert_eq!(records.len(), 150, "two pages");
    let first: Vec<_> = records[0].fields.keys().collect();
    for record in &records[1..] {
        let names: Vec<_> = record.fields.keys().collect();
        assert_eq!(names.len(), first.len());
        for (name, shared) in names.iter().zip(&first) {
            assert!(name.shares_text_with(shared), "{name} is a copy of its own");
        }
    }
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn incremental_search_returns_only_what_changed_since_the_watermark() {
    let sandbox = sandbox(5, &[("contacts", 120)]).await;
    let client = hubspot(&sandbox);
    let (first, watermark) =
        read_all_pages!(client.read_changed("contacts", &contact_props(), None));
    assert_eq!(first.len(), 120);
    // Re-reading from the watermark delivers nothing: the overlap window is deduped.
    let (again, watermark) =
        read_all_pages!(client.read_changed("contacts", &contact_props(), Some(&watermark)));
    assert!(
        again.is_empty(),
        "overlap re-delivered {} records",
        again.len()
    );
    // Edits made later are delivered, once.
    let control = sandbox.control();
    control.advance_clock_ms(60_000);
    let changed: Vec<String> = first.iter().take(3).map(|r| r.id.clone()).collect();
    for id in &changed {
        let update = json!({"firstname": "Edited"});
        control
            .act_update(System::Hubspot, "contacts", id, update.as_object().unwrap())
            .unwrap();
    }
    let (delta, _) =
        read_all_pages!(client.read_changed("contacts", &contact_props(), Some(&watermark)));
    let delta_ids: BTreeSet<String> = delta.iter().map(|r| r.id.clone()).collect();
    assert_eq!(delta_ids, changed.into_iter().collect());
    assert!(
        delta
            .iter()
            .all(|r| r.fields["firstname"] == json!("Edited"))
    );
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn search_restarts_before_the_ten_thousand_result_cap() {
    let sandbox = sandbox(1, &[("contacts", 10_450)]).await;
    let client = hubspot(&sandbox);
    let (records, _) =
        read_all_pages!(client.read_changed("contacts", &["email".to_string()], None));
    let ids: BTreeSet<&str> = records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), 10_450, "every contact delivered");
    assert_eq!(
        records.len(),
        10_450,
        "restarts never deliver a record twice"
    );
    // 53 pages would be the minimum; a restart re-reads at most one page of overlap.
    let searches = sandbox
        .control()
        .call_count(System::Hubspot, "POST /crm/v3/objects/{object_type}/search");
    assert!((53..=56).contains(&searches), "{searches} search calls");
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn archived_records_are_read_as_deleted() {
    let sandbox = sandbox(5, &[("contacts", 30)]).await;
    let client = hubspot(&sandbox);
    let (live, _) = read_all_pages!(client.read_all("contacts", &contact_props()));
    let victim = live[4].id.clone();
    sandbox
        .control()
        .act_delete(System::Hubspot, "contacts", &victim)
        .unwrap();
    let (archived, _) = read_all_pages!(client.read_archived("contacts", &contact_props()));
    let found = archived
        .iter()
        .find(|r| r.id == victim)
        .expect("archived contact listed");
    assert!(found.deleted);
    let (live_after, _) = read_all_pages!(client.read_all("contacts", &contact_props()));
    assert!(live_after.iter().all(|r| r.id != victim));
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_merge_yields_a_tombstone_pointing_at_the_survivor() {
    let sandbox = sandbox(5, &[("contacts", 20)]).await;
    let client = hubspot(&sandbox);
    let (live, watermark) =
        read_all_pages!(client.read_changed("contacts", &contact_props(), None));
    let (winner, loser) = (live[0].id.clone(), live[1].id.clone());
    sandbox.control().advance_clock_ms(60_000);
    sandbox
        .control()
        .act_merge(System::Hubspot, "contacts", &winner, &loser)
        .unwrap();
    let (delta, _) =
        read_all_pages!(client.read_changed("contacts", &contact_props(), Some(&watermark)));
    let tombstone = delta
        .iter()
        .find(|r| r.id == loser)
        .expect("absorbed id reported");
    assert!(tombstone.deleted);
    assert_eq!(tombstone.merged_into.as_deref(), Some(winner.as_str()));
    assert!(delta.iter().any(|r| r.id == winner && !r.deleted));
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_thousand_contact_updates_cost_at_most_ten_write_calls() {
    let sandbox = sandbox(1, &[("contacts", 1_000)]).await;
    let client = hubspot(&sandbox);
    let (live, _) = read_all_pages!(client.read_all("contacts", &contact_props()));
    let inputs: Vec<HubSpotInput> = live
        .iter()
        .map(|r| {
            HubSpotInput::new(
                format!("k{}", r.id),
                Some(r.id.clone()),
                props(&[("jobtitle", "Buyer")]),
            )
        })
        .collect();
    let report = client.batch_update("contacts", &inputs).await;
    assert!(report.stopped.is_none());
    assert_eq!(report.succeeded(), 1_000, "{:?}", report.failed().next());
    let control = sandbox.control();
    assert!(
        control.call_count(
            System::Hubspot,
            "POST /crm/v3/objects/{object_type}/batch/update"
        ) <= 10
    );
    assert_eq!(client.stats().write, 10);
    let record = control
        .record(System::Hubspot, "contacts", &live[999].id)
        .unwrap();
    assert_eq!(record.get("jobtitle").map(String::as_str), Some("Buyer"));
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn batch_create_partial_failure_is_reported_per_record() {
    let sandbox = sandbox(2, &[]).await;
    let client = hubspot(&sandbox);
    let inputs = vec![
        HubSpotInput::new(
            "good-1",
            None,
            props(&[("email", "good1@example.com"), ("lastname", "One")]),
        ),
        HubSpotInput::new(
            "bad",
            None,
            props(&[
                ("email", "bad@example.com"),
                ("lifecyclestage", "not_a_stage"),
            ]),
        ),
        HubSpotInput::new(
            "good-2",
            None,
            props(&[("email", "good2@example.com"), ("lastname", "Two")]),
        ),
    ];
    let report = client.batch_create("contacts", &inputs).await;
    assert_eq!(report.outcomes.len(), 3);
    let by_key = |key: &str| {
        report
            .outcomes
            .iter()
            .find(|o| o.key == key)
            .unwrap()
            .result
            .clone()
    };
    let created = by_key("good-1").unwrap();
    assert!(created.created && !created.id.is_empty());
    assert!(by_key("good-2").is_ok());
    let error = by_key("bad").unwrap_err();
    assert!(error.code.starts_with("VALIDATION_ERROR"), "{error:?}");
    assert!(!error.retryable);
    assert_eq!(
        sandbox.control().call_count(
            System::Hubspot,
            "POST /crm/v3/objects/{object_type}/batch/create"
        ),
        1,
        "one multi-status call"
    );
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_batch_update_rejected_whole_still_lands_its_valid_records() {
    let sandbox = sandbox(2, &[("contacts", 8)]).await;
    let client = hubspot(&sandbox);
    let (live, _) = read_all_pages!(client.read_all("contacts", &contact_props()));
    let mut inputs: Vec<HubSpotInput> = live
        .iter()
        .map(|r| {
            HubSpotInput::new(
                r.id.clone(),
                Some(r.id.clone()),
                props(&[("jobtitle", "Lead buyer")]),
            )
        })
        .collect();
    inputs[3]
        .properties
        .insert("lifecyclestage".into(), "not_a_stage".into());
    let report = client.batch_update("contacts", &inputs).await;
    assert_eq!(report.outcomes.len(), 8);
    let failed: Vec<&str> = report.failed().map(|(key, _)| key).collect();
    assert_eq!(failed, vec![live[3].id.as_str()]);
    assert_eq!(report.succeeded(), 7);
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn upsert_by_email_creates_new_and_updates_existing_contacts() {
    let sandbox = sandbox(2, &[("contacts", 3)]).await;
    let client = hubspot(&sandbox);
    let (live, _) = read_all_pages!(client.read_all("contacts", &contact_props()));
    let existing_email = live[0].fields["email"].as_str().unwrap().to_string();
    let inputs = vec![
        HubSpotInput::new(
            "old",
            Some(existing_email.clone()),
            props(&[("email", &existing_email), ("jobtitle", "CTO")]),
        ),
        HubSpotInput::new(
            "new",
            Some("fresh@example.com".into()),
            props(&[("email", "fresh@example.com"), ("jobtitle", "CEO")]),
        ),
    ];
    let report = client.batch_upsert("contacts", "email", &inputs).await;
    let by_key = |key: &str| {
        report
            .outcomes
            .iter()
            .find(|o| o.key == key)
            .unwrap()
            .result
            .clone()
            .unwrap()
    };
    assert_eq!(by_key("old").id, live[0].id);
    assert!(!by_key("old").created);
    assert!(by_key("new").created);
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn batch_archive_removes_contacts_from_live_reads() {
    let sandbox = sandbox(2, &[("contacts", 5)]).await;
    let client = hubspot(&sandbox);
    let (live, _) = read_all_pages!(client.read_all("contacts", &contact_props()));
    let ids: Vec<String> = live.iter().take(2).map(|r| r.id.clone()).collect();
    let report = client.batch_archive("contacts", &ids).await;
    assert_eq!(report.succeeded(), 2);
    let (after, _) = read_all_pages!(client.read_all("contacts", &contact_props()));
    assert_eq!(after.len(), 3);
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn contacts_are_associated_to_companies_in_one_batch_call() {
    let sandbox = sandbox(3, &[]).await;
    let client = hubspot(&sandbox);
    let (contacts, _) = read_all_pages!(client.read_all("contacts", &contact_props()));
    let (companies, _) = read_all_pages!(client.read_all("companies", &["name".to_string()]));
    let inputs: Vec<AssociationInput> = contacts
        .iter()
        .zip(&companies)
        .map(|(contact, company)| AssociationInput {
            key: contact.id.clone(),
            from_id: contact.id.clone(),
            to_id: company.id.clone(),
            types: vec![AssociationType::hubspot_defined(279)],
        })
        .collect();
    let report = client
        .batch_associate("contacts", "companies", &inputs)
        .await;
    assert_eq!(
        report.succeeded(),
        3,
        "{:?}",
        report.failed().collect::<Vec<_>>()
    );
    assert_eq!(
        sandbox.control().call_count(
            System::Hubspot,
            "POST /crm/v4/associations/{from_type}/{to_type}/batch/{action}"
        ),
        1
    );
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn metadata_converts_into_a_snapshot_with_pipelines_and_owners() {
    let sandbox = sandbox(2, &[]).await;
    let client = hubspot(&sandbox);
    let objects = vec!["contacts".to_string(), "deals".to_string()];
    let snapshot = tandem::connectors::schema_sync::pull_hubspot(&client, &objects)
        .await
        .unwrap();
    let contacts = snapshot.object("contacts").expect("contacts pulled");
    assert!(contacts.field("email").is_some());
    assert!(
        contacts
            .field("lifecyclestage")
            .and_then(|f| f.picklist.as_ref())
            .is_some()
    );
    assert!(!snapshot.object("deals").unwrap().pipelines.is_empty());
    assert!(!snapshot.owners.is_empty());
    sandbox.shutdown().await.unwrap();
}
