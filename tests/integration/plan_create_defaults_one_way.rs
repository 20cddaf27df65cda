//! A one-way field (`hs.x -> sf.Y`) that the source leaves blank on create, where Salesforce
//! fills in a default: the target keeps its default, the next plans have nothing to do, and
//! a value the source sets later still flows. Over real HTTP against the sandbox.

use crate::e2e_support;

use e2e_support::*;
use serde_json::json;
use tandem::plan::{Action, Plan, Rule};
use tandem::schema::System;

const SPEC: &str = r#"connection hs: hubspot
connection sf: salesforce

map subscription_status: hs.subscriptions.status <-> sf.Subscription__c.Status__c {
  "trial"    <=> "Trial"
  "active"   <=> "Active"
  "past_due" <=> "Past Due"
  "canceled" <=> "Canceled"
}

sync subscriptions: hs.subscriptions <-> sf.Subscription__c {
  match hs.salesforce_subscription_id = sf.Id
  create in sf
  conflict prefer sf
  on delete ignore

  hs.subscription_name <-> sf.Name      default "Subscription"
  hs.status            ->  sf.Status__c via subscription_status
  hs.auto_renew        ->  sf.Auto_Renew__c
}
"#;

fn render(plan: &Plan) -> String {
    tandem::plan::view::render_human(plan, Default::default())
}

#[test]
fn one_way_fields_left_blank_keep_the_targets_default_and_later_values_still_flow() {
    let mut world = World::new(SPEC);
    let blank = world.create(
        System::Hubspot,
        "subscriptions",
        json!({"subscription_name": "Nothing set"}),
    );
    let set = world.create(
        System::Hubspot,
        "subscriptions",
        json!({"subscription_name": "All set", "status": "active", "auto_renew": "false"}),
    );
    let plan = world.plan();
    let create = plan.syncs[0]
        .changes
        .iter()
        .find(|c| c.action == Action::Create && c.hs_id.as_deref() == Some(blank.as_str()))
        .expect("the blank subscription is created");
    // The plan says what the new record will hold: Salesforce's defaults, written explicitly.
    for (field, default) in [
        ("Status__c", json!("Trial")),
        ("Auto_Renew__c", json!(true)),
    ] {
        let written = create
            .fields
            .iter()
            .find(|f| f.field == field)
            .unwrap_or_else(|| panic!("{field} is written: {}", render(&plan)));
        assert_eq!(written.new, default, "{field}");
        assert_eq!(
            written.rule,
            Rule::DefaultOnCreate {
                on: System::Salesforce
            }
        );
    }
    // Nothing flows back: the mappings are one-way.
    assert_eq!(plan.totals().hs.updates, 0, "{}", render(&plan));
    let summary = world.apply(&plan);
    assert!(summary.complete(), "{summary:?}");
    assert_eq!(summary.created, 2, "{summary:?}");
    let sf_blank = world.link_of_hs("subscriptions", &blank).expect("linked");
    let sf_set = world.link_of_hs("subscriptions", &set).expect("linked");
    let sf_field = |world: &World, id: &str, field: &str| {
        world.field(System::Salesforce, "Subscription__c", id, field)
    };
    assert_eq!(
        sf_field(&world, &sf_blank, "Status__c").as_deref(),
        Some("Trial")
    );
    assert_eq!(
        sf_field(&world, &sf_blank, "Auto_Renew__c").as_deref(),
        Some("true")
    );
    assert_eq!(
        sf_field(&world, &sf_set, "Auto_Renew__c").as_deref(),
        Some("false")
    );
    // Apply, then plan shows no changes, however often it is asked; with a full read too.
    for round in 0..3 {
        let next = world.plan();
        assert!(!next.has_changes(), "round {round}: {}", render(&next));
        world.apply(&next);
    }
    assert_eq!(
        sf_field(&world, &sf_blank, "Status__c").as_deref(),
        Some("Trial"),
        "the default stays while the source is blank"
    );
    // The source sets values: they flow, one-way, and then the pair is quiet again.
    world.update(
        System::Hubspot,
        "subscriptions",
        &blank,
        json!({"status": "past_due", "auto_renew": "false"}),
    );
    let edit = world.plan();
    assert_eq!(edit.totals().sf.updates, 1, "{}", render(&edit));
    assert_eq!(edit.totals().hs.updates, 0, "{}", render(&edit));
    world.apply(&edit);
    assert_eq!(
        sf_field(&world, &sf_blank, "Status__c").as_deref(),
        Some("Past Due")
    );
    assert_eq!(
        sf_field(&world, &sf_blank, "Auto_Renew__c").as_deref(),
        Some("false")
    );
    let quiet = world.plan();
    assert!(!quiet.has_changes(), "{}", render(&quiet));
    // A source cleared after holding a value clears the target, as a one-way field does.
    world.update(
        System::Hubspot,
        "subscriptions",
        &blank,
        json!({"status": ""}),
    );
    let cleared = world.plan();
    assert_eq!(cleared.totals().sf.updates, 1, "{}", render(&cleared));
    world.apply(&cleared);
    assert_eq!(sf_field(&world, &sf_blank, "Status__c"), None);
    let last = world.plan();
    assert!(!last.has_changes(), "{}", render(&last));
    assert_eq!(world.count(System::Salesforce, "Subscription__c"), 2);
}
