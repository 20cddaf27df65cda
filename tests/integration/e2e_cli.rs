//! The real `tandem` binary against the sandbox: exit codes, saved plans, and a `kill -9`
//! in the middle of an apply.

use crate::e2e_support;

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use e2e_support::*;
use serde_json::json;
use tandem::schema::System;

fn tandem(world: &World, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tandem"))
        .args(args)
        .envs(world.env())
        .current_dir(world.dir.path())
        .output()
        .expect("tandem runs")
}

fn text(output: &Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn seed_companies(world: &World, count: usize) {
    for i in 0..count {
        world.create(
            System::Hubspot,
            "companies",
            json!({"name": format!("Company {i}"), "domain": format!("company{i}.example")}),
        );
    }
}

#[test]
fn plan_exits_2_apply_succeeds_and_the_next_plan_exits_0() {
    let world = World::new(&accounts_spec("newest", "ignore", 500));
    seed_companies(&world, 3);
    let spec = world.spec_dir();
    let spec = spec.to_str().expect("utf-8 path");
    let plan = tandem(&world, &["plan", spec, "--detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(2), "{}", text(&plan));
    assert!(String::from_utf8_lossy(&plan.stdout).contains("+ sf.Account from hs"));
    let apply = tandem(&world, &["apply", spec, "--auto-approve"]);
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply));
    assert!(String::from_utf8_lossy(&apply.stdout).contains("Apply complete: 3 created"));
    let again = tandem(&world, &["plan", spec, "--detailed-exitcode"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    let json = tandem(&world, &["plan", spec, "--json"]);
    let plan: tandem::plan::Plan = serde_json::from_slice(&json.stdout).expect("JSON plan");
    assert!(!plan.has_changes());
}

#[test]
fn stale_saved_plan_is_refused() {
    let world = World::new(&accounts_spec("newest", "ignore", 500));
    seed_companies(&world, 2);
    let spec = world.spec_dir();
    let spec = spec.to_str().expect("utf-8 path");
    let first = world.dir.path().join("first.plan");
    let second = world.dir.path().join("second.plan");
    // Both spellings: `--out`, and Terraform's `-out` (which clap alone would read as `-o ut`).
    for (out, flag) in [(&first, "--out"), (&second, "-out")] {
        let plan = tandem(&world, &["plan", spec, flag, out.to_str().expect("path")]);
        assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    }
    let apply = tandem(&world, &["apply", first.to_str().expect("path")]);
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply));
    let stale = tandem(&world, &["apply", second.to_str().expect("path")]);
    assert_eq!(stale.status.code(), Some(1), "{}", text(&stale));
    assert!(
        String::from_utf8_lossy(&stale.stderr).contains("stale"),
        "{}",
        text(&stale)
    );
    assert_eq!(
        world.count(System::Salesforce, "Account"),
        2,
        "applied once, not twice"
    );
}

#[test]
fn kill_9_mid_apply_then_rerun_completes_with_no_duplicate_and_nothing_lost() {
    let world = World::new(&accounts_spec("newest", "ignore", 5000));
    seed_companies(&world, 2000);
    // Slow Salesforce down so the kill lands between batches, not after the last one.
    world.control().set_faults(
        System::Salesforce,
        tandem::sandbox::FaultSettings {
            latency_ms: 150,
            ..Default::default()
        },
    );
    let spec = world.spec_dir();
    let spec = spec.to_str().expect("utf-8 path");
    let mut child = Command::new(env!("CARGO_BIN_EXE_tandem"))
        .args(["apply", spec, "--auto-approve"])
        .envs(world.env())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("apply starts");
    let started = Instant::now();
    loop {
        let written = world.count(System::Salesforce, "Account");
        if written >= 400 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "apply never got going"
        );
        assert!(
            child.try_wait().expect("poll").is_none(),
            "apply ended before the kill"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("SIGKILL"); // std sends SIGKILL on Unix: no cleanup runs.
    child.wait().expect("reaped");
    let at_kill = world.count(System::Salesforce, "Account");
    assert!(at_kill < 2000, "killed mid-run ({at_kill} written)");
    world.control().clear_faults(System::Salesforce);
    let rerun = tandem(&world, &["apply", spec, "--auto-approve"]);
    assert_eq!(rerun.status.code(), Some(0), "{}", text(&rerun));
    assert_eq!(
        world.count(System::Salesforce, "Account"),
        2000,
        "exactly one Account per company"
    );
    assert_eq!(
        world.count(System::Hubspot, "companies"),
        2000,
        "nothing created back"
    );
    let plan = tandem(&world, &["plan", spec, "--detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
}
