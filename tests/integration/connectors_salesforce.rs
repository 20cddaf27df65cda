//! Salesforce client against the sandbox over real HTTP: SOQL reads, deletes, merges,
//! collections, Bulk API 2.0, describe.

use crate::connectors_support;

use std::collections::BTreeSet;

use connectors_support::*;
use serde_json::json;
use tandem::connectors::SalesforceInput;
use tandem::schema::System;

fn lead_fields() -> Vec<String> {
    vec!["Email".into(), "LastName".into(), "Company".into()]
}

#[tokio::test]
async fn soql_read_follows_next_records_url_and_carries_conversion_fields() {
    let sandbox = sandbox(2, &[("Lead", 2_300)]).await;
    let client = salesforce(&sandbox);
    let (records, watermark) =
        read_all_pages!(client.query_changed("Lead", &lead_fields(), None).unwrap());
    let ids: BTreeSet<&str> = records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), 2_300);
    assert_eq!(records.len(), 2_300);
    let keys: BTreeSet<&str> = records[0].fields.keys().map(|name| name.as_str()).collect();
    for expected in [
        "Email",
        "LastName",
        "Company",
        "SystemModstamp",
        "IsConverted",
        "ConvertedContactId",
    ] {
        assert!(keys.contains(expected), "{expected} missing from {keys:?}");
    }
    assert!(watermark.high_ms.is_some());
    assert!(client.stats().read >= 2, "more than one page of 2,000");
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn records_of_one_soql_read_share_one_copy_of_each_field_name() {
    let sandbox = sandbox(2, &[("Lead", 2_100)]).await;
    let client = salesforce(&sandbox);
    let (records, _) = read_all_pages!(client.query_changed("Lead", &lead_fields(), None).unwrap());
    assert_eq!(records.len(), 2_100, "two pages");
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
async fn incremental_soql_skips_the_overlap_and_returns_new_changes() {
    let sandbox = sandbox(2, &[("Lead", 50)]).await;
    let client = salesforce(&sandbox);
    let (first, watermark) =
        read_all_pages!(client.query_changed("Lead", &lead_fields(), None).unwrap());
    assert_eq!(first.len(), 50);
    let (again, watermark) = read_all_pages!(
        client
            .query_changed("Lead", &lead_fields(), Some(&watermark))
            .unwrap()
    );
    assert!(again.is_empty(), "overlap re-delivered {}", again.len());
    let control = sandbox.control();
    control.advance_clock_ms(120_000);
    let target = first[7].id.clone();
    control
        .act_update(
            System::Salesforce,
            "Lead",
            &target,
            json!({"Title": "VP"}).as_object().unwrap(),
        )
        .unwrap();
    let (delta, _) = read_all_pages!(
        client
            .query_changed("Lead", &lead_fields(), Some(&watermark))
            .unwrap()
    );
    assert_eq!(
        delta.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        vec![target.as_str()]
    );
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn query_all_reports_deletes_and_merge_losers_with_their_master() {
    let sandbox = sandbox(2, &[("Account", 10)]).await;
    let client = salesforce(&sandbox);
    let (accounts, _) = read_all_pages!(
        client
            .query_changed("Account", &["Name".to_string()], None)
            .unwrap()
    );
    let control = sandbox.control();
    control
        .act_merge(
            System::Salesforce,
            "Account",
            &accounts[0].id,
            &accounts[1].id,
        )
        .unwrap();
    control
        .act_delete(System::Salesforce, "Account", &accounts[2].id)
        .unwrap();
    let (deleted, _) = read_all_pages!(client.query_deleted("Account", None).unwrap());
    let loser = deleted
        .iter()
        .find(|r| r.id == accounts[1].id)
        .expect("merge loser");
    assert!(loser.deleted);
    assert_eq!(loser.merged_into.as_deref(), Some(accounts[0].id.as_str()));
    let removed = deleted
        .iter()
        .find(|r| r.id == accounts[2].id)
        .expect("deleted account");
    assert_eq!(removed.merged_into, None);
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn get_deleted_lists_ids_deleted_in_the_window() {
    let sandbox = sandbox(2, &[("Contact", 5)]).await;
    let client = salesforce(&sandbox);
    let (contacts, _) = read_all_pages!(
        client
            .query_changed("Contact", &["LastName".to_string()], None)
            .unwrap()
    );
    let control = sandbox.control();
    let start = control.now_ms() - 60_000;
    control
        .act_delete(System::Salesforce, "Contact", &contacts[0].id)
        .unwrap();
    let end = control.now_ms() + 60_000;
    let deleted = client.get_deleted("Contact", start, end).await.unwrap();
    assert!(deleted.iter().any(|r| r.id == contacts[0].id && r.deleted));
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn converted_leads_point_at_their_contact() {
    let sandbox = sandbox(2, &[("Lead", 5)]).await;
    let client = salesforce(&sandbox);
    let (leads, watermark) =
        read_all_pages!(client.query_changed("Lead", &lead_fields(), None).unwrap());
    let control = sandbox.control();
    control.advance_clock_ms(120_000);
    let conversion = control
        .convert_lead(&leads[0].id, &Default::default())
        .unwrap();
    let (delta, _) = read_all_pages!(
        client
            .query_changed("Lead", &lead_fields(), Some(&watermark))
            .unwrap()
    );
    let lead = delta
        .iter()
        .find(|r| r.id == leads[0].id)
        .expect("converted lead re-read");
    assert_eq!(lead.fields["IsConverted"], json!(true));
    assert_eq!(
        lead.fields["ConvertedContactId"],
        json!(conversion.contact_id)
    );
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_thousand_lead_updates_cost_at_most_five_write_calls_and_are_tagged() {
    let sandbox = sandbox(1, &[("Lead", 1_000)]).await;
    let client = salesforce(&sandbox);
    let (leads, _) = read_all_pages!(client.query_changed("Lead", &lead_fields(), None).unwrap());
    let inputs: Vec<SalesforceInput> = leads
        .iter()
        .map(|r| {
            SalesforceInput::new(
                r.id.clone(),
                Some(r.id.clone()),
                fields(&[("Title", json!("Buyer"))]),
            )
        })
        .collect();
    let report = client.update("Lead", &inputs).await;
    assert!(report.stopped.is_none());
    assert_eq!(report.succeeded(), 1_000, "{:?}", report.failed().next());
    assert!(
        client.stats().write <= 5,
        "{} write calls",
        client.stats().write
    );
    let control = sandbox.control();
    assert_eq!(
        control.call_count(
            System::Salesforce,
            "PATCH /services/data/{version}/composite/sobjects"
        ),
        5
    );
    let writes = control.writes(System::Salesforce);
    assert!(
        writes
            .iter()
            .filter(|w| w.origin == "api")
            .all(|w| w.client.as_deref() == Some("tandem"))
    );
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn collection_create_reports_each_record_in_request_order() {
    let sandbox = sandbox(1, &[]).await;
    let client = salesforce(&sandbox);
    let inputs = vec![
        SalesforceInput::new(
            "ok",
            None,
            fields(&[("LastName", json!("Ng")), ("Company", json!("Acme"))]),
        ),
        SalesforceInput::new("missing", None, fields(&[("Company", json!("Acme"))])),
        SalesforceInput::new(
            "ok2",
            None,
            fields(&[("LastName", json!("Li")), ("Company", json!("Initech"))]),
        ),
    ];
    let report = client.create("Lead", &inputs).await;
    let keys: Vec<&str> = report.outcomes.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(keys, vec!["ok", "missing", "ok2"]);
    assert!(report.outcomes[0].result.as_ref().unwrap().created);
    let error = report.outcomes[1].result.clone().unwrap_err();
    assert_eq!(error.code, "REQUIRED_FIELD_MISSING");
    assert!(error.fields.contains(&"LastName".to_string()));
    assert!(!error.retryable);
    assert!(report.outcomes[2].result.is_ok());
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn upsert_by_external_id_inserts_then_updates() {
    // The org has a custom external-id field holding the HubSpot contact id.
    let custom = tandem::sandbox::CustomCatalog::from_yaml_str(
        "salesforce:\n  objects:\n    Lead:\n      name: Lead\n      label: Lead\n      fields:\n        HubSpot_Contact_Id__c: {name: HubSpot_Contact_Id__c, label: HubSpot Contact Id, type: string, length: 40, unique: true, external_id: true, id_lookup: true, custom: true}\n",
        "test",
    )
    .unwrap();
    let sandbox = tandem::sandbox::Sandbox::start(tandem::sandbox::SandboxConfig {
        records_per_object: 1,
        custom,
        ..Default::default()
    })
    .await
    .unwrap();
    let client = salesforce(&sandbox);
    let record = |title: &str| {
        vec![SalesforceInput::new(
            "hs-77",
            None,
            fields(&[
                ("HubSpot_Contact_Id__c", json!("77")),
                ("LastName", json!("Ode")),
                ("Company", json!("X")),
                ("Title", json!(title)),
            ]),
        )]
    };
    let first = client
        .upsert("Lead", "HubSpot_Contact_Id__c", &record("A"))
        .await;
    let created = first.outcomes[0].result.clone().unwrap();
    assert!(created.created);
    let second = client
        .upsert("Lead", "HubSpot_Contact_Id__c", &record("B"))
        .await;
    let updated = second.outcomes[0].result.clone().unwrap();
    assert_eq!(updated.id, created.id);
    assert!(!updated.created);
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn collection_delete_removes_records_and_repeat_deletes_are_harmless() {
    let sandbox = sandbox(1, &[("Contact", 4)]).await;
    let client = salesforce(&sandbox);
    let (contacts, _) = read_all_pages!(
        client
            .query_changed("Contact", &["LastName".to_string()], None)
            .unwrap()
    );
    let inputs: Vec<SalesforceInput> = contacts
        .iter()
        .take(2)
        .map(|r| SalesforceInput::new(r.id.clone(), Some(r.id.clone()), Default::default()))
        .collect();
    assert_eq!(client.delete("Contact", &inputs).await.succeeded(), 2);
    assert_eq!(
        client.delete("Contact", &inputs).await.succeeded(),
        2,
        "already deleted is done"
    );
    let (left, _) = read_all_pages!(
        client
            .query_changed("Contact", &["LastName".to_string()], None)
            .unwrap()
    );
    assert_eq!(left.len(), 2);
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn writes_above_the_threshold_go_through_bulk_api_2() {
    let sandbox = sandbox(1, &[("Lead", 300)]).await;
    let mut config = salesforce_config(&sandbox, test_limits());
    config.bulk_threshold = 100;
    let client = tandem::connectors::SalesforceClient::new(&config).unwrap();
    let (leads, _) = read_all_pages!(client.query_changed("Lead", &lead_fields(), None).unwrap());
    let mut inputs: Vec<SalesforceInput> = leads
        .iter()
        .map(|r| {
            SalesforceInput::new(
                format!("key-{}", r.id),
                Some(r.id.clone()),
                fields(&[("Title", json!("Bulk"))]),
            )
        })
        .collect();
    inputs[10].fields.insert("LastName".into(), json!(null));
    let report = client.update("Lead", &inputs).await;
    assert_eq!(report.outcomes.len(), 300);
    assert_eq!(
        report.succeeded(),
        299,
        "{:?}",
        report.failed().collect::<Vec<_>>()
    );
    let (key, error) = report.failed().next().unwrap();
    assert_eq!(key, format!("key-{}", leads[10].id));
    assert_eq!(error.code, "REQUIRED_FIELD_MISSING");
    let control = sandbox.control();
    assert_eq!(
        control.call_count(
            System::Salesforce,
            "POST /services/data/{version}/jobs/ingest"
        ),
        1
    );
    assert_eq!(
        control.call_count(
            System::Salesforce,
            "PATCH /services/data/{version}/composite/sobjects"
        ),
        0
    );
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn large_bulk_writes_are_split_into_jobs_under_the_upload_limit() {
    let sandbox = sandbox(1, &[("Lead", 500)]).await;
    let mut config = salesforce_config(&sandbox, test_limits());
    config.bulk_threshold = 100;
    config.bulk_upload_max_bytes = 8_000;
    let client = tandem::connectors::SalesforceClient::new(&config).unwrap();
    let (leads, _) = read_all_pages!(client.query_changed("Lead", &lead_fields(), None).unwrap());
    let inputs: Vec<SalesforceInput> = leads
        .iter()
        .map(|r| {
            SalesforceInput::new(
                r.id.clone(),
                Some(r.id.clone()),
                fields(&[("Title", json!("Split"))]),
            )
        })
        .collect();
    let report = client.update("Lead", &inputs).await;
    assert_eq!(report.succeeded(), 500, "{:?}", report.failed().next());
    // About 31 bytes per row: 8,000 bytes hold about 250 rows, so two or three jobs.
    let jobs = sandbox.control().call_count(
        System::Salesforce,
        "POST /services/data/{version}/jobs/ingest",
    );
    assert!((2..=3).contains(&jobs), "{jobs} jobs");
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn describe_converts_into_a_snapshot() {
    let sandbox = sandbox(1, &[]).await;
    let client = salesforce(&sandbox);
    let snapshot = tandem::connectors::schema_sync::pull_salesforce(
        &client,
        &["Lead".to_string(), "Account".to_string()],
    )
    .await
    .unwrap();
    let lead = snapshot.object("Lead").unwrap();
    assert!(lead.field("LastName").unwrap().required_on_create);
    assert!(
        lead.field("Status")
            .and_then(|f| f.picklist.as_ref())
            .is_some()
    );
    assert!(snapshot.object("Account").is_some());
    let limits = client.limits().await.unwrap();
    assert!(limits.get("DailyApiRequests").is_some());
    assert!(client.stats().quota.daily_max.is_some());
    sandbox.shutdown().await.unwrap();
}

/// A scoped full read asks Salesforce for the scope's records only, and the next
/// (unfiltered) change read continues from the watermark it leaves.
#[tokio::test]
async fn scoped_soql_read_returns_only_the_records_in_scope() {
    let sandbox = sandbox(2, &[("Lead", 200)]).await;
    let client = salesforce(&sandbox);
    let (all, _) = read_all_pages!(client.query_changed("Lead", &lead_fields(), None).unwrap());
    let company = all[0].fields["Company"]
        .as_str()
        .expect("a company")
        .to_string();
    let expected: BTreeSet<&str> = all
        .iter()
        .filter(|r| r.fields.get("Company").and_then(|v| v.as_str()) == Some(company.as_str()))
        .map(|r| r.id.as_str())
        .collect();
    assert!(!expected.is_empty() && expected.len() < all.len());
    let condition = format!("Company = '{}'", company.replace('\'', "\\'"));
    let (scoped, watermark) = read_all_pages!(
        client
            .query_scoped("Lead", &lead_fields(), &condition)
            .unwrap()
    );
    let got: BTreeSet<&str> = scoped.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(got, expected);
    assert!(watermark.high_ms.is_some());
    let control = sandbox.control();
    control.advance_clock_ms(120_000);
    let target = scoped[0].id.clone();
    control
        .act_update(
            System::Salesforce,
            "Lead",
            &target,
            json!({"Title": "VP"}).as_object().unwrap(),
        )
        .unwrap();
    let (after, _) = read_all_pages!(
        client
            .query_changed("Lead", &lead_fields(), Some(&watermark))
            .unwrap()
    );
    assert!(
        after.iter().any(|r| r.id == target),
        "the change read continues from the scoped read"
    );
    sandbox.shutdown().await.unwrap();
}
