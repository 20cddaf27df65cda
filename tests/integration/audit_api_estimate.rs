//! The plan's "API calls apply will spend" against what apply then spends, counted by the
//! sandbox, over real HTTP.

use crate::e2e_support;

use e2e_support::*;
use serde_json::json;
use tandem::schema::System;

#[test]
#[ignore = "bug: the API estimate leaves out the create guard's read and the id write-back after creates (plans 0 HubSpot + 2 Salesforce calls, apply spends 3 + 3)"]
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
    eprintln!(
        "estimate hs {} sf {}; spent {spent:?}; hs {:?}; sf {:?}",
        plan.api.hs_calls,
        plan.api.sf_calls,
        world.control().counters(System::Hubspot),
        world.control().counters(System::Salesforce)
    );
    assert_eq!(
        (plan.api.hs_calls, plan.api.sf_calls),
        spent,
        "{}",
        render(&plan)
    );
}
