//! A create that leaves a mapped field to the CRM's default converges in one apply: the plan
//! writes the default explicitly and carries it back to the source in the same plan. Over
//! real HTTP against the sandbox.

use crate::e2e_support;

use e2e_support::*;
use serde_json::json;
use tandem::plan::{Action, Plan, Rule};
use tandem::schema::System;

const SUBSCRIPTIONS_SPEC: &str = r#"connection hs: hubspot
connection sf: salesforce

map subscription_status: hs.subscriptions.status <-> sf.Subscription__c.Status__c {
  "trial"    <=> "Trial"
  "active"   <=> "Active"
  "past_due" <=> "Past Due"
  "canceled" <=> "Canceled"
}

sync subscriptions: hs.subscriptions <-> sf.Subscription__c {
  match hs.salesforce_subscription_id = sf.Id
  create in hs, sf
  conflict prefer sf
  on delete ignore

  hs.subscription_name <-> sf.Name      default "Subscription"
  hs.status            <-> sf.Status__c via subscription_status
  hs.hs_object_id      ->  sf.HubSpot_Subscription_Id__c
}
"#;

fn render(plan: &Plan) -> String {
    tandem::plan::view::render_human(plan, Default::default())
}

fn subscription(world: &World, name: &str, status: Option<&str>) -> String {
    let mut fields = json!({ "subscription_name": name });
    if let Some(status) = status {
        fields["status"] = json!(status);
    }
    world.create(System::Hubspot, "subscriptions", fields)
}

#[test]
fn picklist_default_on_create_is_written_and_carried_back_in_the_same_plan() {
    let mut world = World::new(SUBSCRIPTIONS_SPEC);
    let blank = subscription(&world, "Blank status", None);
    let active = subscription(&world, "Active already", Some("active"));
    let plan = world.plan();
    let text = render(&plan);
    let changes = &plan.syncs[0].changes;
    let create = changes
        .iter()
        .find(|c| c.action == Action::Create && c.hs_id.as_deref() == Some(blank.as_str()))
        .expect("create for the blank one");
    let status = create
        .fields
        .iter()
        .find(|f| f.field == "Status__c")
        .expect("the default is written explicitly");
    assert_eq!(status.new, json!("Trial"));
    assert_eq!(
        status.rule,
        Rule::DefaultOnCreate {
            on: System::Salesforce
        }
    );
    let back: Vec<_> = changes
        .iter()
        .filter(|c| c.action == Action::Update && c.target == System::Hubspot)
        .collect();
    assert_eq!(back.len(), 1, "only the blank one is updated back: {text}");
    assert_eq!(back[0].hs_id.as_deref(), Some(blank.as_str()));
    assert_eq!(back[0].sf_id, None, "its partner does not exist yet");
    assert_eq!(back[0].fields[0].new, json!("trial"));
    assert!(
        text.contains("status: (blank) → \"trial\"  [default on create in sf]"),
        "{text}"
    );
    let summary = world.apply(&plan);
    assert!(summary.complete(), "{summary:?}");
    assert_eq!((summary.created, summary.updated), (2, 1), "{summary:?}");
    let sf_blank = world.link_of_hs("subscriptions", &blank).expect("linked");
    assert_eq!(
        world.field(
            System::Salesforce,
            "Subscription__c",
            &sf_blank,
            "Status__c"
        ),
        Some("Trial".to_string())
    );
    assert_eq!(
        world.field(System::Hubspot, "subscriptions", &blank, "status"),
        Some("trial".to_string())
    );
    let sf_active = world.link_of_hs("subscriptions", &active).expect("linked");
    assert_eq!(
        world.field(
            System::Salesforce,
            "Subscription__c",
            &sf_active,
            "Status__c"
        ),
        Some("Active".to_string())
    );
    // One apply converged: the next plans have nothing to do.
    for round in 0..2 {
        let next = world.plan();
        assert!(!next.has_changes(), "round {round}: {}", render(&next));
    }
}

#[test]
fn carried_back_default_waits_when_its_create_is_skipped() {
    let mut world = World::new(SUBSCRIPTIONS_SPEC);
    let blank = subscription(&world, "Blank status", None);
    let plan = world.plan();
    assert_eq!(plan.totals().sf.creates, 1, "{}", render(&plan));
    assert_eq!(plan.totals().hs.updates, 1, "{}", render(&plan));
    // The same subscription appears in Salesforce before the apply, stamped with the HubSpot
    // id (the identity key): the create is skipped, and so is the update that depended on it.
    let by_hand = world.create(
        System::Salesforce,
        "Subscription__c",
        json!({"Name": "Blank status", "HubSpot_Subscription_Id__c": blank, "Status__c": "Active"}),
    );
    let summary = world.apply(&plan);
    assert_eq!(summary.stale, 2, "{summary:?}");
    assert_eq!((summary.created, summary.updated), (0, 0), "{summary:?}");
    assert_eq!(
        world.field(System::Hubspot, "subscriptions", &blank, "status"),
        None
    );
    // The next plan links the pair and takes Salesforce's status, as for any match.
    let next = world.plan();
    assert_eq!(next.syncs[0].links.len(), 1, "{}", render(&next));
    assert_eq!(next.syncs[0].links[0].sf_id, by_hand);
    world.apply(&next);
    assert_eq!(
        world.field(System::Hubspot, "subscriptions", &blank, "status"),
        Some("active".to_string())
    );
    assert_eq!(world.count(System::Salesforce, "Subscription__c"), 1);
    let last = world.plan();
    assert!(!last.has_changes(), "{}", render(&last));
}

#[test]
fn tandem_binary_converges_in_one_apply_and_shows_the_rule() {
    let world = World::new(SUBSCRIPTIONS_SPEC);
    subscription(&world, "Blank status", None);
    subscription(&world, "Trialing", Some("trial"));
    let spec = world.spec_dir();
    let spec = spec.to_str().expect("utf-8 path");
    let tandem = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_tandem"))
            .args(args)
            .envs(world.env())
            .current_dir(world.dir.path())
            .output()
            .expect("tandem runs")
    };
    let text = |output: &std::process::Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    };
    let plan = tandem(&["plan", spec, "--detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(2), "{}", text(&plan));
    assert!(
        text(&plan).contains("Status__c: \"Trial\"  [default on create in sf]"),
        "{}",
        text(&plan)
    );
    assert!(
        text(&plan).contains("(sf created by this plan)"),
        "{}",
        text(&plan)
    );
    let apply = tandem(&["apply", spec, "--auto-approve"]);
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply));
    let again = tandem(&["plan", spec, "--detailed-exitcode"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
}
