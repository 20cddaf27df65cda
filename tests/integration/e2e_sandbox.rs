//! End to end over real HTTP: the sandbox on loopback, the connectors, the planner, the
//! runtime and the state store, exactly as `tandem plan` / `tandem apply` run them.

use crate::e2e_support;

use e2e_support::*;
use serde_json::json;
use tandem::schema::System;
use tandem::session::{PlanOptions, ReadMode, SessionError};

fn company(world: &World, name: &str, domain: &str) -> String {
    world.create(
        System::Hubspot,
        "companies",
        json!({"name": name, "domain": domain}),
    )
}

fn account(world: &World, name: &str, website: &str) -> String {
    world.create(
        System::Salesforce,
        "Account",
        json!({"Name": name, "Website": website}),
    )
}

#[test]
fn initial_backfill_both_ways_then_plans_stay_empty() {
    let mut world = World::new(&accounts_spec("newest", "ignore", 500));
    for i in 0..3 {
        company(&world, &format!("Hub Only {i}"), &format!("hub{i}.example"));
    }
    for i in 0..2 {
        account(
            &world,
            &format!("Force Only {i}"),
            &format!("https://force{i}.example"),
        );
    }
    let shared_hs = company(&world, "Shared Co", "shared.example");
    let shared_sf = account(&world, "Shared Co", "https://www.shared.example/");
    let (plan, summary) = world.cycle();
    assert_eq!(plan.syncs[0].links.len(), 1, "Shared Co matched by domain");
    assert!(summary.complete(), "{summary:?}");
    assert_eq!(summary.created, 5);
    assert_eq!(world.count(System::Hubspot, "companies"), 6);
    assert_eq!(world.count(System::Salesforce, "Account"), 6);
    assert_eq!(
        world.link_of_hs("accounts", &shared_hs).as_deref(),
        Some(shared_sf.as_str())
    );
    // Echo suppression: our own writes never come back as changes, run after run.
    for round in 0..3 {
        let (plan, _) = world.cycle();
        assert!(
            !plan.has_changes(),
            "round {round}: {}",
            tandem::plan::view::render_human(&plan, Default::default())
        );
    }
    assert_eq!(
        world.count(System::Salesforce, "Account"),
        6,
        "no duplicates"
    );
}

#[test]
fn incremental_edits_on_each_side_flow_across() {
    let mut world = World::new(&accounts_spec("newest", "ignore", 500));
    let hs_id = company(&world, "Acme", "acme.example");
    let other = company(&world, "Globex", "globex.example");
    world.cycle();
    let sf_other = world.link_of_hs("accounts", &other).expect("linked");
    world.update(
        System::Hubspot,
        "companies",
        &hs_id,
        json!({"name": "Acme Renamed"}),
    );
    world.update(
        System::Salesforce,
        "Account",
        &sf_other,
        json!({"Phone": "+1 555 0100"}),
    );
    let plan = world.plan();
    assert!(
        plan.read_cursors["accounts"].incremental,
        "second run reads only changes"
    );
    let changes = &plan.syncs[0].changes;
    assert_eq!(
        changes.len(),
        2,
        "{}",
        tandem::plan::view::render_human(&plan, Default::default())
    );
    let summary = world.apply(&plan);
    assert_eq!(summary.updated, 2);
    let sf_id = world.link_of_hs("accounts", &hs_id).expect("linked");
    assert_eq!(
        world
            .field(System::Salesforce, "Account", &sf_id, "Name")
            .as_deref(),
        Some("Acme Renamed")
    );
    assert_eq!(
        world
            .field(System::Hubspot, "companies", &other, "phone")
            .as_deref(),
        Some("+1 555 0100")
    );
    let last = world.plan();
    assert!(
        !last.has_changes(),
        "{}",
        tandem::plan::view::render_human(&last, Default::default())
    );
}

/// Both sides edit the same account name after a sync; returns (hs value, sf value) after
/// one more apply.
fn settle_conflict(
    rule: &str,
    hs_name: &str,
    sf_name: &str,
) -> (Option<String>, Option<String>, World) {
    let mut world = World::new(&accounts_spec(rule, "ignore", 500));
    let hs_id = company(&world, "Acme", "acme.example");
    world.cycle();
    let sf_id = world.link_of_hs("accounts", &hs_id).expect("linked");
    world.update(
        System::Hubspot,
        "companies",
        &hs_id,
        json!({"name": hs_name}),
    );
    world.update(
        System::Salesforce,
        "Account",
        &sf_id,
        json!({"Name": sf_name}),
    );
    world.cycle();
    (
        world.field(System::Hubspot, "companies", &hs_id, "name"),
        world.field(System::Salesforce, "Account", &sf_id, "Name"),
        world,
    )
}

#[test]
fn same_field_conflict_prefer_hs() {
    let (hs, sf, _) = settle_conflict("prefer hs", "From HubSpot", "From Salesforce");
    assert_eq!(
        (hs.as_deref(), sf.as_deref()),
        (Some("From HubSpot"), Some("From HubSpot"))
    );
}

#[test]
fn same_field_conflict_prefer_sf() {
    let (hs, sf, _) = settle_conflict("prefer sf", "From HubSpot", "From Salesforce");
    assert_eq!(
        (hs.as_deref(), sf.as_deref()),
        (Some("From Salesforce"), Some("From Salesforce"))
    );
}

#[test]
fn same_field_conflict_newest_takes_the_later_edit() {
    // The Salesforce edit happens second.
    let (hs, sf, _) = settle_conflict("newest", "From HubSpot", "From Salesforce");
    assert_eq!(
        (hs.as_deref(), sf.as_deref()),
        (Some("From Salesforce"), Some("From Salesforce"))
    );
}

#[test]
fn same_field_conflict_review_waits_then_resolves() {
    let (hs, sf, mut world) = settle_conflict("review", "From HubSpot", "From Salesforce");
    assert_eq!(
        (hs.as_deref(), sf.as_deref()),
        (Some("From HubSpot"), Some("From Salesforce")),
        "nothing written"
    );
    let open = world.store().conflicts(false).expect("conflicts");
    assert_eq!(open.len(), 1);
    world
        .session
        .store_mut()
        .write(|w| w.resolve_conflict(open[0].id, "hs"))
        .expect("resolve");
    // A resolution needs a full look at the pair: the driver reads everything.
    let planned = world
        .rt
        .block_on(world.session.plan(PlanOptions::default()))
        .expect("plan");
    assert_eq!(planned.read_mode, ReadMode::Full);
    let plan = planned.plan;
    world.apply(&plan);
    let sf_id = open[0].sf_id.clone();
    assert_eq!(
        world
            .field(System::Salesforce, "Account", &sf_id, "Name")
            .as_deref(),
        Some("From HubSpot")
    );
    assert!(world.store().conflicts(true).expect("conflicts").is_empty());
}

#[test]
fn same_field_conflict_prefer_sf_unless_blank_keeps_hubspot_value_when_salesforce_blanked() {
    let mut world = World::new(&accounts_spec("prefer sf unless blank", "ignore", 500));
    let hs_id = company(&world, "Acme", "acme.example");
    world.update(
        System::Hubspot,
        "companies",
        &hs_id,
        json!({"phone": "+1 555 0001"}),
    );
    world.cycle();
    let sf_id = world.link_of_hs("accounts", &hs_id).expect("linked");
    world.update(
        System::Hubspot,
        "companies",
        &hs_id,
        json!({"phone": "+1 555 0002"}),
    );
    world.update(
        System::Salesforce,
        "Account",
        &sf_id,
        json!({"Phone": null}),
    );
    world.cycle();
    assert_eq!(
        world
            .field(System::Salesforce, "Account", &sf_id, "Phone")
            .as_deref(),
        Some("+1 555 0002")
    );
}

#[test]
fn delete_ignored_leaves_the_partner_alone() {
    let mut world = World::new(&accounts_spec("newest", "ignore", 500));
    let hs_id = company(&world, "Acme", "acme.example");
    world.cycle();
    let sf_id = world.link_of_hs("accounts", &hs_id).expect("linked");
    world
        .control()
        .act_delete(System::Salesforce, "Account", &sf_id)
        .expect("delete");
    let (plan, _) = world.cycle();
    assert!(!plan.has_changes());
    assert_eq!(world.count(System::Hubspot, "companies"), 1);
    assert_eq!(
        world.count(System::Salesforce, "Account"),
        0,
        "and it is not re-created"
    );
}

#[test]
fn delete_propagated_archives_the_partner() {
    let mut world = World::new(&accounts_spec("newest", "propagate", 500));
    let hs_id = company(&world, "Acme", "acme.example");
    company(&world, "Keep", "keep.example");
    world.cycle();
    let sf_id = world.link_of_hs("accounts", &hs_id).expect("linked");
    world
        .control()
        .act_delete(System::Salesforce, "Account", &sf_id)
        .expect("delete");
    let (plan, summary) = world.cycle();
    assert_eq!(
        summary.deleted,
        1,
        "{}",
        tandem::plan::view::render_human(&plan, Default::default())
    );
    assert_eq!(world.count(System::Hubspot, "companies"), 1);
    assert!(!world.plan().has_changes());
}

#[test]
fn blast_radius_limit_fails_the_plan_and_nothing_is_written() {
    let mut world = World::new(&accounts_spec("newest", "ignore", 2));
    for i in 0..5 {
        company(&world, &format!("Co {i}"), &format!("co{i}.example"));
    }
    let plan = world.plan();
    assert_eq!(plan.limit_violations.len(), 1);
    let result = world.try_apply(&plan);
    assert!(matches!(
        result,
        Err(SessionError::Apply(
            tandem::runtime::ApplyError::LimitExceeded { .. }
        ))
    ));
    assert_eq!(world.count(System::Salesforce, "Account"), 0);
}

#[test]
fn daily_limit_exhausted_mid_run_then_resumed_completes_exactly() {
    let mut world = World::new(&accounts_spec("newest", "ignore", 5000));
    for i in 0..1000 {
        company(&world, &format!("Co {i}"), &format!("co{i}.example"));
    }
    let plan = world.plan();
    // Leave Salesforce room for two collections of 200 today.
    let max = world.control().limits(System::Salesforce).daily_max;
    world.control().set_daily_used(System::Salesforce, max - 2);
    let summary = world.apply(&plan);
    assert!(summary.stopped.is_some(), "{summary:?}");
    let written = world.count(System::Salesforce, "Account");
    assert!(written > 0 && written < 1000, "stopped part way: {written}");
    // A new day: the next run finishes the rest and duplicates nothing.
    world.control().set_daily_used(System::Salesforce, 0);
    world.reconnect();
    let (_, summary) = world.cycle();
    assert!(summary.complete(), "{summary:?}");
    assert_eq!(world.count(System::Salesforce, "Account"), 1000);
    assert!(!world.plan().has_changes());
}

#[test]
fn partial_batch_failure_queues_only_the_rejected_record() {
    let spec = r#"connection hs: hubspot
connection sf: salesforce

sync leads: hs.contacts <-> sf.Lead {
  match hs.salesforceleadid = sf.Id
  create in sf
  conflict prefer sf

  hs.email    <-> sf.Email
  hs.lastname <-> sf.LastName  default "Unknown"
  hs.company  ->  sf.Company   default "Unknown"
}
"#;
    let mut world = World::new(spec);
    world.control().set_duplicate_rule("Lead", true);
    world.create(
        System::Salesforce,
        "Lead",
        json!({"LastName": "Existing", "Company": "X", "Email": "dup@example.com"}),
    );
    for (i, email) in ["a@example.com", "dup@example.com", "b@example.com"]
        .iter()
        .enumerate()
    {
        world.create(
            System::Hubspot,
            "contacts",
            json!({"email": email, "lastname": format!("L{i}")}),
        );
    }
    let (_, summary) = world.cycle();
    assert_eq!(summary.created, 2);
    assert_eq!(summary.rejected, 1);
    let errors = world.store().queued_errors().expect("errors");
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].reason.to_string().contains("DUPLICATES_DETECTED"),
        "{}",
        errors[0].reason
    );
    assert_eq!(world.count(System::Salesforce, "Lead"), 3);
}
