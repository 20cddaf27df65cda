//! Apply's guards over real HTTP in the cases other modules leave open: a Salesforce record
//! edited between plan and apply is skipped as stale (never overwritten), and a second
//! `tandem apply` while one runs is refused by the state store's lock.

use crate::e2e_support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use e2e_support::*;
use serde_json::json;
use tandem::plan::Rule;
use tandem::schema::System;

#[test]
fn salesforce_edit_between_plan_and_apply_is_not_overwritten() {
    let mut world = World::new(&accounts_spec("newest", "ignore", 500));
    let hs_id = world.create(
        System::Hubspot,
        "companies",
        json!({"name": "Acme", "domain": "acme.example"}),
    );
    world.cycle();
    let sf_id = world.link_of_hs("accounts", &hs_id).expect("linked");
    world.update(
        System::Hubspot,
        "companies",
        &hs_id,
        json!({"name": "Acme (HubSpot)"}),
    );
    let plan = world.plan();
    assert_eq!(plan.totals().sf.updates, 1, "{}", render(&plan));
    // A Salesforce user edits the same field after the plan read it.
    world.update(
        System::Salesforce,
        "Account",
        &sf_id,
        json!({"Name": "Acme (Salesforce)"}),
    );
    let summary = world.apply(&plan);
    assert_eq!((summary.stale, summary.updated), (1, 0), "{summary:?}");
    assert_eq!(
        world
            .field(System::Salesforce, "Account", &sf_id, "Name")
            .as_deref(),
        Some("Acme (Salesforce)"),
        "the newer edit survives"
    );
    // The next plan sees both edits; `newest` gives it to Salesforce, edited last.
    let plan = world.plan();
    let changes = &plan.syncs[0].changes;
    assert_eq!(changes.len(), 1, "{}", render(&plan));
    assert_eq!(
        (
            changes[0].target,
            changes[0].fields[0].new.known_or_null(),
            changes[0].fields[0].rule.clone()
        ),
        (
            System::Hubspot,
            json!("Acme (Salesforce)"),
            Rule::Newest {
                side: System::Salesforce
            }
        )
    );
    world.apply(&plan);
    assert_quiet(&mut world, 2);
}

#[test]
fn second_apply_while_one_runs_is_refused_and_writes_nothing() {
    let world = World::new(&accounts_spec("newest", "ignore", 5000));
    for i in 0..600 {
        world.create(
            System::Hubspot,
            "companies",
            json!({"name": format!("Co {i}"), "domain": format!("co{i}.example")}),
        );
    }
    // Slow Salesforce writes so the first apply is still running when the second starts.
    world.control().set_faults(
        System::Salesforce,
        tandem::sandbox::FaultSettings {
            latency_ms: 400,
            endpoint_filter: Some("composite/sobjects".to_string()),
            ..Default::default()
        },
    );
    let spec = world.spec_dir().to_str().expect("utf-8 path").to_string();
    let mut first = Command::new(env!("CARGO_BIN_EXE_tandem"))
        .args(["apply", &spec, "--auto-approve"])
        .envs(world.env())
        .current_dir(world.dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("first apply starts");
    let started = Instant::now();
    let collections = |w: &World| {
        w.control()
            .counters(System::Salesforce)
            .iter()
            .filter(|(k, _)| k.contains("composite/sobjects"))
            .map(|(_, n)| *n)
            .sum::<u64>()
    };
    while collections(&world) == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "never started"
        );
        assert!(first.try_wait().expect("poll").is_none(), "ended too soon");
        std::thread::sleep(Duration::from_millis(10));
    }
    let second = run_tandem(&world, &["apply", &spec, "--auto-approve"]);
    assert_eq!(second.status.code(), Some(1), "{}", output_text(&second));
    assert!(
        String::from_utf8_lossy(&second.stderr).contains("lock"),
        "the refusal names the lock: {}",
        output_text(&second)
    );
    let status = first.wait().expect("first apply ends");
    assert_eq!(status.code(), Some(0));
    world.control().clear_faults(System::Salesforce);
    assert_eq!(
        world.count(System::Salesforce, "Account"),
        600,
        "each company once: the refused apply wrote nothing"
    );
    let quiet = run_tandem(&world, &["plan", &spec, "--detailed-exitcode"]);
    assert_eq!(quiet.status.code(), Some(0), "{}", output_text(&quiet));
}
