//! A write skipped as stale must not make the next plan forget the change it carried: the
//! sync keeps its read cursors, so the next (incremental) plan reads that change again.

use crate::e2e_support;

use e2e_support::*;
use serde_json::json;
use tandem::plan::Rule;
use tandem::schema::System;

#[test]
fn stale_update_keeps_the_salesforce_edit_it_carried_for_the_next_plan() {
    let mut world = World::new(&accounts_spec("prefer sf", "ignore", 500));
    let hs_id = world.create(
        System::Hubspot,
        "companies",
        json!({"name": "Acme", "domain": "acme.example"}),
    );
    world.cycle();
    let sf_id = world.link_of_hs("accounts", &hs_id).expect("linked");
    world.update(
        System::Salesforce,
        "Account",
        &sf_id,
        json!({"Name": "Acme (Salesforce)"}),
    );
    let plan = world.plan();
    assert_eq!(plan.totals().hs.updates, 1);
    // A HubSpot user edits the same field after the plan read it.
    world.update(
        System::Hubspot,
        "companies",
        &hs_id,
        json!({"name": "Acme (HubSpot)"}),
    );
    let summary = world.apply(&plan);
    assert_eq!(summary.stale, 1, "{summary:?}");
    // Both sides changed since the base: the conflict rule decides, and Salesforce's edit is
    // still known (it is not replaced by the merge base).
    let plan = world.plan();
    let change = &plan.syncs[0].changes[0];
    assert_eq!(change.target, System::Hubspot);
    assert_eq!(change.fields[0].new, json!("Acme (Salesforce)"));
    assert_eq!(
        change.fields[0].rule,
        Rule::Prefer {
            side: System::Salesforce
        }
    );
}
