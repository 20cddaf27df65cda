//! The error queue's "skipped while unchanged" promise over real HTTP: a record that would
//! fail waits unchanged on every later plan, incremental or full, until the spec or its data
//! changes.

use crate::e2e_support;

use e2e_support::*;
use serde_json::json;
use tandem::schema::System;

const SPEC: &str = r#"connection hs: hubspot
connection sf: salesforce

sync accounts: hs.companies <-> sf.Account {
  match hs.salesforceaccountid = sf.Id
  create in hs
  conflict newest

  hs.name   <-> sf.Name
}

map deal_stage: hs.deals.dealstage <-> sf.Opportunity.StageName {
  "appointmentscheduled" <=> "Prospecting"
  else error
}

sync deals: hs.deals <-> sf.Opportunity {
  match hs.hs_salesforceopportunityid = sf.Id
  create in hs
  conflict prefer sf

  hs.dealname              <-> sf.Name
  hs.dealstage             <-> sf.StageName via deal_stage
  hs.pipeline              <-  "default"
  hs.companies(associated) <-> sf.AccountId through accounts
}
"#;

/// Full-read plans of the world: (records listed as will fail, records waiting unchanged).
fn full_plan_failures(world: &mut World) -> (usize, u64) {
    let plan = world.plan_full();
    let deals = plan
        .syncs
        .iter()
        .find(|s| s.name == "deals")
        .expect("deals");
    (deals.will_fail.len(), deals.waiting_in_error_queue)
}

fn opportunity_with_unmapped_stage(world: &World, account: &str) {
    world.create(
        System::Salesforce,
        "Opportunity",
        json!({"Name": "Big Deal", "StageName": "Qualification", "CloseDate": "2026-12-31",
               "AccountId": account}),
    );
}

#[test]
fn will_fail_record_on_an_account_linked_before_waits_unchanged_on_a_full_plan() {
    let mut world = World::new(SPEC);
    let account = world.create(System::Salesforce, "Account", json!({"Name": "Acme"}));
    world.cycle();
    opportunity_with_unmapped_stage(&world, &account);
    let (_, summary) = world.cycle();
    assert_eq!(summary.will_fail, 1, "{summary:?}");
    assert_eq!(full_plan_failures(&mut world), (0, 1));
}

#[test]
fn will_fail_record_on_an_account_created_in_the_same_run_waits_unchanged_on_a_full_plan() {
    let mut world = World::new(SPEC);
    let account = world.create(System::Salesforce, "Account", json!({"Name": "Acme"}));
    opportunity_with_unmapped_stage(&world, &account);
    let (_, summary) = world.cycle();
    assert_eq!(
        (summary.created, summary.will_fail),
        (1, 1),
        "the company is created, the deal would fail: {summary:?}"
    );
    assert_eq!(full_plan_failures(&mut world), (0, 1));
}

#[test]
fn will_fail_record_is_listed_again_once_the_value_that_makes_it_fail_changes() {
    let mut world = World::new(SPEC);
    let account = world.create(System::Salesforce, "Account", json!({"Name": "Acme"}));
    let opportunity = world.create(
        System::Salesforce,
        "Opportunity",
        json!({"Name": "Big Deal", "StageName": "Qualification", "CloseDate": "2026-12-31",
               "AccountId": account}),
    );
    world.cycle();
    assert_eq!(full_plan_failures(&mut world), (0, 1));
    // Another stage the value map does not list either: the data changed, so the record is
    // planned again (and fails again, with the new reason) rather than waiting.
    world.update(
        System::Salesforce,
        "Opportunity",
        &opportunity,
        json!({"StageName": "Needs Analysis"}),
    );
    assert_eq!(full_plan_failures(&mut world), (1, 0));
}
