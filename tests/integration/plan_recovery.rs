//! The planner's search for records an interrupted run created (`plan::recovery`): which
//! unlinked record a pending create made, by its sent values and creation time.

use crate::common;

use std::collections::HashSet;

use serde_json::{Value, json};
use tandem::compile::SyncProgram;
use tandem::connectors::RemoteRecord;
use tandem::plan::recovery::{Recovered, recover_pending_creates};
use tandem::state::PendingCreate;

fn record(id: &str, fields: Value) -> RemoteRecord {
    RemoteRecord {
        id: id.to_string(),
        fields: serde_json::from_value(fields).unwrap_or_default(),
        modified_at: None,
        deleted: false,
        merged_into: None,
    }
}

fn pending(id: i64, source: &str, payload: Value, sent_at: &str) -> PendingCreate {
    PendingCreate {
        journal_id: id,
        target: "sf".to_string(),
        source_id: source.to_string(),
        payload: serde_json::from_value(payload).unwrap_or_default(),
        sent_at: sent_at.to_string(),
    }
}

fn sync() -> SyncProgram {
    common::accounts_sync()
}

#[test]
fn identical_payloads_pair_one_to_one_in_creation_order() {
    let sync = sync();
    let hs = vec![
        record("1", json!({"dealname": "Same"})),
        record("2", json!({"dealname": "Same"})),
    ];
    let sf = vec![
        record(
            "006B",
            json!({"Name": "Same", "CreatedDate": "2026-11-24T01:00:02.000+0000"}),
        ),
        record(
            "006A",
            json!({"Name": "Same", "CreatedDate": "2026-11-24T01:00:01.000+0000"}),
        ),
    ];
    let entries = vec![
        pending(7, "1", json!({"Name": "Same"}), "2026-11-24T01:00:00Z"),
        pending(8, "2", json!({"Name": "Same"}), "2026-11-24T01:00:00Z"),
    ];
    let found =
        recover_pending_creates(&sync, &entries, &hs, &sf, &HashSet::new(), &HashSet::new());
    assert_eq!(
        found,
        vec![
            Recovered {
                hs_index: 0,
                sf_index: 1,
                journal_id: 7
            },
            Recovered {
                hs_index: 1,
                sf_index: 0,
                journal_id: 8
            },
        ]
    );
}

#[test]
fn user_made_twins_on_each_side_never_pair_with_each_other() {
    // A user made H in HubSpot and X in Salesforce with the same name; the crashed run
    // created X2 from H and H2 from X. Each create's record is tandem's copy, not the
    // other side's user-made twin (which is itself the source of a pending create).
    let sync = sync();
    let hs = vec![
        record(
            "H",
            json!({"name": "Acme", "createdate": "2026-11-24T01:00:01Z"}),
        ),
        record(
            "H2",
            json!({"name": "Acme", "createdate": "2026-11-24T01:00:03Z"}),
        ),
    ];
    let sf = vec![
        record(
            "X",
            json!({"Name": "Acme", "CreatedDate": "2026-11-24T01:00:01.000+0000"}),
        ),
        record(
            "X2",
            json!({"Name": "Acme", "CreatedDate": "2026-11-24T01:00:03.000+0000"}),
        ),
    ];
    let mut into_hubspot = pending(1, "X", json!({"name": "Acme"}), "2026-11-24T01:00:02Z");
    into_hubspot.target = "hs".to_string();
    let into_salesforce = pending(2, "H", json!({"Name": "Acme"}), "2026-11-24T01:00:02Z");
    let found = recover_pending_creates(
        &sync,
        &[into_hubspot, into_salesforce],
        &hs,
        &sf,
        &HashSet::new(),
        &HashSet::new(),
    );
    assert_eq!(
        found,
        vec![
            Recovered {
                hs_index: 1,
                sf_index: 0,
                journal_id: 1
            },
            Recovered {
                hs_index: 0,
                sf_index: 1,
                journal_id: 2
            },
        ]
    );
}

#[test]
fn a_record_made_long_before_the_create_or_holding_other_values_is_not_taken() {
    let sync = sync();
    let hs = vec![record("1", json!({"dealname": "Big"}))];
    let sf = vec![
        record(
            "006OLD",
            json!({"Name": "Big", "CreatedDate": "2026-11-23T01:00:00.000+0000"}),
        ),
        record(
            "006OTHER",
            json!({"Name": "Bigger", "CreatedDate": "2026-11-24T01:00:01.000+0000"}),
        ),
    ];
    let entries = vec![pending(
        1,
        "1",
        json!({"Name": "Big"}),
        "2026-11-24T01:00:00Z",
    )];
    let found =
        recover_pending_creates(&sync, &entries, &hs, &sf, &HashSet::new(), &HashSet::new());
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn a_linked_record_or_an_empty_payload_identifies_nothing() {
    let sync = sync();
    let hs = vec![record("1", json!({"dealname": "Big"}))];
    let sf = vec![record(
        "006A",
        json!({"Name": "Big", "CreatedDate": "2026-11-24T01:00:01.000+0000"}),
    )];
    let linked: HashSet<usize> = [0].into_iter().collect();
    let entries = vec![pending(
        1,
        "1",
        json!({"Name": "Big"}),
        "2026-11-24T01:00:00Z",
    )];
    let found = recover_pending_creates(&sync, &entries, &hs, &sf, &HashSet::new(), &linked);
    assert!(found.is_empty(), "{found:?}");
    let blank = vec![pending(
        1,
        "1",
        json!({"Name": null}),
        "2026-11-24T01:00:00Z",
    )];
    let found = recover_pending_creates(&sync, &blank, &hs, &sf, &HashSet::new(), &HashSet::new());
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn the_crm_clock_may_run_a_little_behind() {
    let sync = sync();
    let hs = vec![record("1", json!({"dealname": "Big"}))];
    let sf = vec![record(
        "006A",
        json!({"Name": "Big", "CreatedDate": "2026-11-24T00:58:00.000+0000"}),
    )];
    let entries = vec![pending(
        1,
        "1",
        json!({"Name": "Big"}),
        "2026-11-24T01:00:00Z",
    )];
    let found =
        recover_pending_creates(&sync, &entries, &hs, &sf, &HashSet::new(), &HashSet::new());
    assert_eq!(found.len(), 1);
}

/// `accounts` with only its id-link rule: nothing in a new Account points back at its company.
fn link_only_accounts() -> SyncProgram {
    let mut sync = common::accounts_sync();
    sync.matches.truncate(1);
    sync.create_in_hs = false;
    sync
}

#[test]
fn lost_answers_to_creates_in_a_link_only_sync_are_linked_not_created_again() {
    let program = common::program(vec![link_only_accounts()]);
    let mut store = tandem::state::StateStore::open_in_memory().expect("state");
    let (mut hs, mut sf) = common::crms();
    for i in 0..300 {
        hs.put(
            "companies",
            &format!("{}", 5000 + i),
            &[
                ("name", json!(format!("Company {}", i % 150))),
                ("domain", json!(format!("c{i}.example"))),
            ],
        );
    }
    // The second collection reaches Salesforce but its answer never comes back.
    sf.lose_responses_after = Some(1);
    let (_, summary) = common::cycle(&program, &mut store, &mut hs, &mut sf);
    assert_eq!(summary.created, 200);
    assert_eq!(store.pending_journal().expect("journal").len(), 100);
    assert_eq!(sf.live("Account").len(), 300, "Salesforce did write it");
    sf.lose_responses_after = None;
    let plan = common::plan_now(&program, &store, &mut hs, &mut sf);
    let recovered = plan.syncs[0]
        .links
        .iter()
        .filter(|l| l.recovered_create.is_some())
        .count();
    assert_eq!(recovered, 100);
    assert_eq!(plan.totals().creates(), 0);
    let (summary, _) = common::apply_now(&plan, &program, &mut store, &mut hs, &mut sf);
    assert!(summary.complete(), "{summary:?}");
    assert_eq!(summary.recovered, 100);
    assert_eq!(sf.live("Account").len(), 300, "no duplicate");
    // Each company is linked to an Account with its own values, one to one.
    let snapshot = store.snapshot().expect("snapshot");
    let links = &snapshot.links["accounts"];
    assert_eq!(links.len(), 300);
    let mut accounts: Vec<&str> = links.iter().map(|l| l.sf_id.as_str()).collect();
    accounts.sort();
    accounts.dedup();
    assert_eq!(accounts.len(), 300);
    for link in links {
        assert_eq!(
            common::value(&hs, "companies", &link.hs_id, "domain"),
            &json!(
                common::value(&sf, "Account", &link.sf_id, "Website")
                    .as_str()
                    .unwrap_or_default()
            )
        );
    }
    let next = common::plan_now(&program, &store, &mut hs, &mut sf);
    assert!(!next.has_changes());
}
