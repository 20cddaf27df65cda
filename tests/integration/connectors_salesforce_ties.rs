//! Salesforce stamps `SystemModstamp` in whole seconds, and a bulk load stamps thousands of
//! records with the same second. Incremental reads must neither miss a record nor hand the
//! planner one twice, across query pages and across runs, also for edits made within that
//! same second. Over real HTTP against the sandbox with its Salesforce clock frozen.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use tandem::connectors::{SalesforceClient, SalesforceInput};
use tandem::schema::System;

use crate::e2e_support::{World, accounts_spec, assert_quiet, render};

fn salesforce(world: &World) -> SalesforceClient {
    let config = tandem::connectors::config::from_variables(&world.env()).expect("config");
    SalesforceClient::new(config.salesforce().expect("salesforce")).expect("client")
}

fn inputs(records: &[BTreeMap<String, Value>], ids: Option<&[String]>) -> Vec<SalesforceInput> {
    records
        .iter()
        .enumerate()
        .map(|(i, fields)| {
            SalesforceInput::new(i.to_string(), ids.map(|ids| ids[i].clone()), fields.clone())
        })
        .collect()
}

fn account(i: usize) -> BTreeMap<String, Value> {
    BTreeMap::from([
        ("Name".to_string(), json!(format!("Tie {i}"))),
        (
            "Website".to_string(),
            json!(format!("https://tie{i}.example")),
        ),
    ])
}

#[test]
fn five_thousand_accounts_in_one_second_are_read_once_each_across_pages_and_runs() {
    let mut world = World::new(&accounts_spec("newest", "ignore", 10_000));
    let client = salesforce(&world);
    world.control().freeze_salesforce_clock(None);
    let records: Vec<BTreeMap<String, Value>> = (0..5_000).map(account).collect();
    let report = world
        .rt
        .block_on(client.create("Account", &inputs(&records, None)));
    assert!(report.stopped.is_none(), "{:?}", report.stopped);
    let ids: Vec<String> = report
        .outcomes
        .iter()
        .map(|o| o.result.as_ref().expect("created").id.clone())
        .collect();
    assert_eq!(ids.len(), 5_000);
    // The first sync reads three pages of 2,000 that all share one second.
    let (plan, summary) = world.cycle();
    assert_eq!(summary.created, 5_000, "{}", render(&plan));
    assert_eq!(world.count(System::Hubspot, "companies"), 5_000);
    // Still within that second: three edits and two new Accounts.
    let edits: Vec<BTreeMap<String, Value>> = (0..3)
        .map(|i| BTreeMap::from([("Name".to_string(), json!(format!("Edited {i}")))]))
        .collect();
    let edited = world
        .rt
        .block_on(client.update("Account", &inputs(&edits, Some(&ids[..3]))));
    assert!(edited.stopped.is_none());
    let more: Vec<BTreeMap<String, Value>> = (5_000..5_002).map(account).collect();
    let created = world
        .rt
        .block_on(client.create("Account", &inputs(&more, None)));
    assert!(created.stopped.is_none());
    let stamp = |id: &str| world.field(System::Salesforce, "Account", id, "SystemModstamp");
    assert_eq!(
        stamp(&ids[0]),
        stamp(&ids[4_999]),
        "an edit in the frozen second keeps its stamp"
    );
    let plan = world.plan();
    let accounts = &plan.syncs[0];
    let totals = accounts.totals();
    assert_eq!(
        (totals.hs.creates, totals.hs.updates),
        (2, 3),
        "exactly the new and the edited Accounts: {}",
        render(&plan)
    );
    world.apply(&plan);
    assert_eq!(world.count(System::Hubspot, "companies"), 5_002);
    assert_quiet(&mut world, 2);
    world.control().unfreeze_salesforce_clock();
}
