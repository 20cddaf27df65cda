//! The plan's "API calls apply will spend" against what apply then spends, counted by the
//! sandbox, over real HTTP.

use crate::e2e_support;

use e2e_support::*;
use serde_json::json;
use tandem::schema::System;

#[test]
fn estimate_of_a_backfill_matches_the_calls_apply_spends() {
    let mut world = World::new(&accounts_spec("newest", "ignore", 5000));
    for i in 0..250 {
        world.create(
            System::Hubspot,
            "companies",
            json!({"name": format!("Co {i}"), "domain": format!("co{i}.example")}),
        );
    }
    let plan = world.plan();
    let before = (
        world.control().total_calls(System::Hubspot),
        world.control().total_calls(System::Salesforce),
    );
    let summary = world.apply(&plan);
    assert_eq!(summary.created, 250, "{summary:?}");
    let spent = (
        world.control().total_calls(System::Hubspot) - before.0,
        world.control().total_calls(System::Salesforce) - before.1,
    );
    assert_eq!(
        (plan.api.hs_calls, plan.api.sf_calls),
        spent,
        "{}\nHubSpot calls by kind: {:?}\nSalesforce calls by kind: {:?}",
        render(&plan),
        world.control().counters(System::Hubspot),
        world.control().counters(System::Salesforce)
    );
}

/// Plans, applies, and checks the estimate against what apply spent on each side.
fn assert_estimate_is_what_apply_spends(world: &mut World) -> tandem::runtime::ApplySummary {
    let plan = world.plan();
    let before = (
        world.control().total_calls(System::Hubspot),
        world.control().total_calls(System::Salesforce),
    );
    let summary = world.apply(&plan);
    let spent = (
        world.control().total_calls(System::Hubspot) - before.0,
        world.control().total_calls(System::Salesforce) - before.1,
    );
    assert_eq!(
        (plan.api.hs_calls, plan.api.sf_calls),
        spent,
        "hs {:?}\nsf {:?}\n{}",
        world.control().counters(System::Hubspot),
        world.control().counters(System::Salesforce),
        render(&plan)
    );
    summary
}

#[test]
fn estimate_of_updates_on_both_sides_matches_the_calls_apply_spends() {
    let mut world = World::new(&accounts_spec("newest", "ignore", 5000));
    let mut hs_ids = Vec::new();
    for i in 0..3 {
        hs_ids.push(world.create(
            System::Hubspot,
            "companies",
            json!({"name": format!("Co {i}"), "domain": format!("co{i}.example")}),
        ));
    }
    world.cycle();
    let sf_id = world.link_of_hs("accounts", &hs_ids[1]).expect("linked");
    world.update(
        System::Hubspot,
        "companies",
        &hs_ids[0],
        json!({"name": "Renamed in HubSpot"}),
    );
    world.update(
        System::Salesforce,
        "Account",
        &sf_id,
        json!({"Phone": "+1 555 0100"}),
    );
    // And a new record on each side: creates and updates share each side's read since the
    // plan, and the new ids are written back.
    world.create(
        System::Hubspot,
        "companies",
        json!({"name": "New in HubSpot", "domain": "new-hs.example"}),
    );
    world.create(
        System::Salesforce,
        "Account",
        json!({"Name": "New in Salesforce", "Website": "https://new-sf.example"}),
    );
    let summary = assert_estimate_is_what_apply_spends(&mut world);
    assert_eq!((summary.created, summary.updated), (2, 2), "{summary:?}");
}

const DEALS_SPEC: &str = r#"connection hs: hubspot
connection sf: salesforce

sync accounts: hs.companies <-> sf.Account {
  match hs.salesforceaccountid = sf.Id
  create in hs
  conflict newest

  hs.name   <-> sf.Name
}

sync deals: hs.deals <-> sf.Opportunity {
  match hs.hs_salesforceopportunityid = sf.Id
  create in hs
  conflict prefer sf

  hs.dealname              <-> sf.Name
  hs.pipeline              <-  "default"
  hs.companies(associated) <-> sf.AccountId through accounts
}
"#;

#[test]
fn estimate_of_deals_created_with_their_companies_then_moved_matches_the_calls_apply_spends() {
    let mut world = World::new(DEALS_SPEC);
    let acme = world.create(System::Salesforce, "Account", json!({"Name": "Acme"}));
    let globex = world.create(System::Salesforce, "Account", json!({"Name": "Globex"}));
    let deal = world.create(
        System::Salesforce,
        "Opportunity",
        json!({"Name": "Big Deal", "StageName": "Prospecting", "CloseDate": "2026-12-31",
               "AccountId": acme}),
    );
    // First sync: the companies and the deal are created in HubSpot in one apply.
    let summary = assert_estimate_is_what_apply_spends(&mut world);
    assert_eq!(summary.created, 3, "{summary:?}");
    // The deal moves to another account in Salesforce: an association move in HubSpot.
    world.update(
        System::Salesforce,
        "Opportunity",
        &deal,
        json!({"AccountId": globex}),
    );
    let summary = assert_estimate_is_what_apply_spends(&mut world);
    assert_eq!(summary.updated, 1, "{summary:?}");
    // The move and a rename together: the property update is sent too.
    world.update(
        System::Salesforce,
        "Opportunity",
        &deal,
        json!({"AccountId": acme, "Name": "Bigger Deal"}),
    );
    let summary = assert_estimate_is_what_apply_spends(&mut world);
    assert_eq!(summary.updated, 1, "{summary:?}");
}
