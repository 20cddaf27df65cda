//! A saved plan is a contract with the spec, the schema snapshots and the state it was made
//! from: `tandem apply FILE` refuses it when any of them moved on, writes nothing, and a
//! fresh plan then applies. The real binary against the sandbox.

use crate::e2e_support;

use e2e_support::*;
use serde_json::json;
use tandem::schema::System;

/// A world with two HubSpot companies and a plan of their two creates saved to `saved.plan`.
fn world_with_saved_plan() -> (World, String, String) {
    let world = World::new(&accounts_spec("newest", "ignore", 500));
    for i in 0..2 {
        world.create(
            System::Hubspot,
            "companies",
            json!({"name": format!("Company {i}"), "domain": format!("company{i}.example")}),
        );
    }
    let spec = world.spec_dir().to_str().expect("utf-8 path").to_string();
    let saved = world
        .dir
        .path()
        .join("saved.plan")
        .to_str()
        .expect("utf-8 path")
        .to_string();
    let plan = run_tandem(&world, &["plan", &spec, "-out", &saved]);
    assert_eq!(plan.status.code(), Some(0), "{}", output_text(&plan));
    (world, spec, saved)
}

/// Applies the saved plan, expects a refusal naming `reason` and its code's help, and no
/// write to either CRM.
fn assert_refused(world: &World, args: &[&str], reason: &str) {
    let calls_before = world.control().writes(System::Salesforce).len();
    let apply = run_tandem(world, args);
    assert_eq!(apply.status.code(), Some(1), "{}", output_text(&apply));
    let stderr = String::from_utf8_lossy(&apply.stderr);
    assert!(stderr.contains(reason), "{}", output_text(&apply));
    assert!(stderr.contains("help: "), "{}", output_text(&apply));
    assert_eq!(world.count(System::Salesforce, "Account"), 0);
    assert_eq!(
        world.control().writes(System::Salesforce).len(),
        calls_before,
        "nothing was written"
    );
}

/// After a refusal, planning again and applying works: the refusal left nothing behind.
fn assert_fresh_plan_applies(world: &World, spec: &str) {
    let apply = run_tandem(world, &["apply", spec, "--auto-approve"]);
    assert_eq!(apply.status.code(), Some(0), "{}", output_text(&apply));
    assert_eq!(world.count(System::Salesforce, "Account"), 2);
    let quiet = run_tandem(world, &["plan", spec, "--detailed-exitcode"]);
    assert_eq!(quiet.status.code(), Some(0), "{}", output_text(&quiet));
}

#[test]
fn saved_plan_refused_after_the_spec_changed() {
    let (world, spec, saved) = world_with_saved_plan();
    std::fs::write(
        world.spec_dir().join("spec.tandem"),
        accounts_spec("newest", "ignore", 400),
    )
    .expect("spec edited");
    assert_refused(&world, &["apply", &saved], "different spec");
    assert_fresh_plan_applies(&world, &spec);
}

#[test]
fn saved_plan_refused_after_the_schema_snapshots_changed() {
    let (world, spec, saved) = world_with_saved_plan();
    let snapshot = world.dir.path().join("schemas").join("hubspot.yaml");
    let text = std::fs::read_to_string(&snapshot).expect("snapshot");
    assert!(text.contains("label: Street Address 2\n"));
    std::fs::write(
        &snapshot,
        text.replace(
            "label: Street Address 2\n",
            "label: Street Address Line 2\n",
        ),
    )
    .expect("snapshot edited");
    assert_refused(&world, &["apply", &saved], "different schema snapshots");
    assert_fresh_plan_applies(&world, &spec);
}

#[test]
fn saved_plan_refused_against_another_state_store() {
    let (world, spec, saved) = world_with_saved_plan();
    let other = world.dir.path().join("other.db");
    assert_refused(
        &world,
        &["apply", &saved, "--state", other.to_str().expect("path")],
        "another state store",
    );
    assert_fresh_plan_applies(&world, &spec);
}

#[test]
fn saved_plan_refused_after_another_apply_moved_the_state_on() {
    let (mut world, spec, saved) = world_with_saved_plan();
    // Another apply runs first (it also creates the two accounts the saved plan holds).
    world.create(
        System::Salesforce,
        "Account",
        json!({"Name": "Elsewhere", "Website": "https://elsewhere.example"}),
    );
    let other = world.plan();
    assert_eq!(
        (other.totals().hs.creates, other.totals().sf.creates),
        (1, 2)
    );
    world.apply(&other);
    let accounts_before = world.count(System::Salesforce, "Account");
    let apply = run_tandem(&world, &["apply", &saved]);
    assert_eq!(apply.status.code(), Some(1), "{}", output_text(&apply));
    assert!(
        String::from_utf8_lossy(&apply.stderr).contains("stale"),
        "{}",
        output_text(&apply)
    );
    assert_eq!(world.count(System::Salesforce, "Account"), accounts_before);
    let fresh = run_tandem(&world, &["apply", &spec, "--auto-approve"]);
    assert_eq!(fresh.status.code(), Some(0), "{}", output_text(&fresh));
    assert_eq!(world.count(System::Salesforce, "Account"), 3);
    assert_eq!(world.count(System::Hubspot, "companies"), 3);
}

#[test]
fn a_file_that_is_not_a_plan_is_refused_with_its_name() {
    let world = World::new(&accounts_spec("newest", "ignore", 500));
    let bogus = world.dir.path().join("notes.txt");
    std::fs::write(&bogus, "not a plan").expect("file");
    let apply = run_tandem(&world, &["apply", bogus.to_str().expect("path")]);
    assert_eq!(apply.status.code(), Some(1), "{}", output_text(&apply));
    assert!(
        String::from_utf8_lossy(&apply.stderr).contains("notes.txt"),
        "{}",
        output_text(&apply)
    );
}
