//! `kill -9` of the real `tandem apply` in the cases `e2e_cli` leaves open: in the middle of
//! updates (no lost update), of creates into HubSpot (no duplicate company) and of
//! propagated deletes (each partner deleted once, no error). The re-run must leave exact counts on both sides and a quiet plan.

use crate::e2e_support;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use e2e_support::*;
use serde_json::json;
use tandem::sandbox::FaultSettings;
use tandem::schema::System;

/// Calls so far to endpoints whose key starts with `method` and contains `route`.
fn calls(world: &World, system: System, method: &str, route: &str) -> u64 {
    world
        .control()
        .counters(system)
        .iter()
        .filter(|(key, _)| key.starts_with(method) && key.contains(route))
        .map(|(_, count)| *count)
        .sum()
}

fn spawn_apply(world: &World, spec: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_tandem"))
        .args(["apply", spec, "--auto-approve"])
        .envs(world.env())
        .current_dir(world.dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("apply starts")
}

/// Waits until `ready` holds, then sends SIGKILL (no cleanup runs) and reaps the child.
fn kill_when(world: &World, child: &mut Child, ready: impl Fn(&World) -> bool) {
    let started = Instant::now();
    while !ready(world) {
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "apply never got going"
        );
        assert!(
            child.try_wait().expect("poll").is_none(),
            "apply ended before the kill"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    // The kill landed while a batch was in flight: its intent is journaled, its outcome not.
    assert!(
        !world.store().pending_journal().expect("journal").is_empty(),
        "the kill left writes of unknown outcome"
    );
}

#[test]
fn kill_9_during_updates_then_rerun_loses_no_update() {
    const COMPANIES: usize = 1000;
    let mut world = World::new(&accounts_spec("newest", "ignore", 5000));
    let hs_ids: Vec<String> = (0..COMPANIES)
        .map(|i| {
            world.create(
                System::Hubspot,
                "companies",
                json!({"name": format!("Company {i}"), "domain": format!("company{i}.example")}),
            )
        })
        .collect();
    let (_, summary) = world.cycle();
    assert_eq!(summary.created as usize, COMPANIES, "{summary:?}");
    for (i, id) in hs_ids.iter().enumerate() {
        world.update(
            System::Hubspot,
            "companies",
            id,
            json!({"name": format!("Renamed {i}")}),
        );
    }
    world.control().set_faults(
        System::Salesforce,
        FaultSettings {
            latency_ms: 300,
            ..Default::default()
        },
    );
    let spec = world.spec_dir().to_str().expect("utf-8 path").to_string();
    let patches_before = calls(&world, System::Salesforce, "PATCH", "composite/sobjects");
    let mut child = spawn_apply(&world, &spec);
    // Five collections of 200 updates: kill once the second has been sent.
    kill_when(&world, &mut child, |w| {
        calls(w, System::Salesforce, "PATCH", "composite/sobjects") >= patches_before + 2
    });
    world.control().clear_faults(System::Salesforce);
    let renamed_at_kill = hs_ids
        .iter()
        .filter(|id| {
            let sf = world.link_of_hs("accounts", id).expect("linked");
            world
                .field(System::Salesforce, "Account", &sf, "Name")
                .is_some_and(|name| name.starts_with("Renamed"))
        })
        .count();
    assert!(
        renamed_at_kill < COMPANIES,
        "killed mid-run ({renamed_at_kill} renamed)"
    );
    let rerun = run_tandem(&world, &["apply", &spec, "--auto-approve"]);
    assert_eq!(rerun.status.code(), Some(0), "{}", output_text(&rerun));
    for (i, id) in hs_ids.iter().enumerate() {
        let sf = world.link_of_hs("accounts", id).expect("linked");
        let expected = format!("Renamed {i}");
        assert_eq!(
            world
                .field(System::Salesforce, "Account", &sf, "Name")
                .as_deref(),
            Some(expected.as_str()),
            "company {i}'s rename reached Salesforce"
        );
        assert_eq!(
            world
                .field(System::Hubspot, "companies", id, "name")
                .as_deref(),
            Some(expected.as_str()),
            "company {i} was not written back"
        );
    }
    assert_eq!(world.count(System::Salesforce, "Account"), COMPANIES);
    assert_eq!(world.count(System::Hubspot, "companies"), COMPANIES);
    let plan = run_tandem(&world, &["plan", &spec, "--detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(0), "{}", output_text(&plan));
}

#[test]
fn kill_9_during_hubspot_creates_then_rerun_creates_each_company_once() {
    const ACCOUNTS: usize = 1000;
    let world = World::new(&accounts_spec("newest", "ignore", 5000));
    for i in 0..ACCOUNTS {
        world.create(
            System::Salesforce,
            "Account",
            json!({"Name": format!("Account {i}"), "Website": format!("https://account{i}.example")}),
        );
    }
    world.control().set_faults(
        System::Hubspot,
        FaultSettings {
            latency_ms: 200,
            endpoint_filter: Some("batch/create".to_string()),
            ..Default::default()
        },
    );
    let spec = world.spec_dir().to_str().expect("utf-8 path").to_string();
    let mut child = spawn_apply(&world, &spec);
    // Ten batches of 100 companies: kill once three were sent.
    kill_when(&world, &mut child, |w| {
        calls(w, System::Hubspot, "POST", "batch/create") >= 3
    });
    world.control().clear_faults(System::Hubspot);
    let at_kill = world.count(System::Hubspot, "companies");
    assert!(
        (1..ACCOUNTS).contains(&at_kill),
        "killed mid-run ({at_kill} created)"
    );
    let rerun = run_tandem(&world, &["apply", &spec, "--auto-approve"]);
    assert_eq!(rerun.status.code(), Some(0), "{}", output_text(&rerun));
    assert_eq!(
        world.count(System::Hubspot, "companies"),
        ACCOUNTS,
        "exactly one company per account"
    );
    assert_eq!(
        world.count(System::Salesforce, "Account"),
        ACCOUNTS,
        "nothing created back"
    );
    let plan = run_tandem(&world, &["plan", &spec, "--detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(0), "{}", output_text(&plan));
}

#[test]
fn kill_9_during_propagated_deletes_then_rerun_deletes_each_partner_once() {
    const COMPANIES: usize = 1000;
    let mut world = World::new(&accounts_spec("newest", "propagate", 5000));
    let hs_ids: Vec<String> = (0..COMPANIES)
        .map(|i| {
            world.create(
                System::Hubspot,
                "companies",
                json!({"name": format!("Company {i}"), "domain": format!("company{i}.example")}),
            )
        })
        .collect();
    let (_, summary) = world.cycle();
    assert_eq!(summary.created as usize, COMPANIES, "{summary:?}");
    for id in &hs_ids {
        world
            .control()
            .act_delete(System::Hubspot, "companies", id)
            .expect("user deletes");
    }
    world.control().set_faults(
        System::Salesforce,
        FaultSettings {
            latency_ms: 300,
            endpoint_filter: Some("composite/sobjects".to_string()),
            ..Default::default()
        },
    );
    let spec = world.spec_dir().to_str().expect("utf-8 path").to_string();
    let mut child = spawn_apply(&world, &spec);
    // Five collections of 200 deletes: kill once the second has been sent.
    kill_when(&world, &mut child, |w| {
        calls(w, System::Salesforce, "DELETE", "composite/sobjects") >= 2
    });
    world.control().clear_faults(System::Salesforce);
    let left_at_kill = world.count(System::Salesforce, "Account");
    assert!(
        (1..COMPANIES).contains(&left_at_kill),
        "killed mid-run ({left_at_kill} accounts left)"
    );
    let rerun = run_tandem(&world, &["apply", &spec, "--auto-approve"]);
    assert_eq!(rerun.status.code(), Some(0), "{}", output_text(&rerun));
    assert_eq!(world.count(System::Salesforce, "Account"), 0);
    assert_eq!(
        world.count(System::Hubspot, "companies"),
        0,
        "nothing restored"
    );
    assert!(
        world.store().queued_errors().expect("errors").is_empty(),
        "a delete the killed run already made is not an error"
    );
    let plan = run_tandem(&world, &["plan", &spec, "--detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(0), "{}", output_text(&plan));
}
