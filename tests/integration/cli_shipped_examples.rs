//! The user flow on the shipped examples: with a sandbox started as `tandem sandbox`
//! starts it (seed 42, 100 records per object) and its variables exported, `tandem validate`
//! passes, `tandem plan --detailed-exitcode` exits 2, `tandem apply --auto-approve` succeeds
//! and the next plans exit 0. The real binary, over HTTP, on a copy of the spec beside the
//! committed schema snapshots.

use std::path::Path;
use std::process::{Command, Output};

use tandem::sandbox::{Sandbox, SandboxConfig, SandboxHandle};

use crate::e2e_support::{env_vars, output_text};

struct Example {
    rt: tokio::runtime::Runtime,
    sandbox: Option<SandboxHandle>,
    dir: tempfile::TempDir,
    name: String,
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("dir");
    for entry in std::fs::read_dir(from).expect("readable").flatten() {
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()));
        } else {
            std::fs::copy(&path, to.join(entry.file_name())).expect("copied");
        }
    }
}

impl Example {
    /// A fresh default sandbox and a fresh copy of `specs/<name>` with `schemas/` above it.
    fn new(name: &str) -> Example {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let sandbox = rt
            .block_on(Sandbox::start(SandboxConfig::default()))
            .expect("sandbox starts");
        let dir = tempfile::tempdir().expect("temp dir");
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        copy_dir(&root.join("specs").join(name), &dir.path().join(name));
        copy_dir(&root.join("schemas"), &dir.path().join("schemas"));
        Example {
            rt,
            sandbox: Some(sandbox),
            dir,
            name: name.to_string(),
        }
    }

    fn tandem(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_tandem"))
            .args(args)
            .envs(env_vars(self.sandbox.as_ref().expect("sandbox")))
            .current_dir(self.dir.path())
            .output()
            .expect("tandem runs")
    }

    /// validate 0, plan 2, apply 0, then `rounds` plans exiting 0.
    fn run_the_user_flow(&self, rounds: usize) {
        let spec = self.name.as_str();
        let validate = self.tandem(&["validate", spec]);
        assert_eq!(
            validate.status.code(),
            Some(0),
            "{}",
            output_text(&validate)
        );
        let plan = self.tandem(&["plan", spec, "--detailed-exitcode"]);
        assert_eq!(plan.status.code(), Some(2), "{}", output_text(&plan));
        let apply = self.tandem(&["apply", spec, "--auto-approve"]);
        assert_eq!(apply.status.code(), Some(0), "{}", output_text(&apply));
        assert!(
            String::from_utf8_lossy(&apply.stdout).contains("Apply complete"),
            "{}",
            output_text(&apply)
        );
        for round in 0..rounds {
            let again = self.tandem(&["plan", spec, "--detailed-exitcode"]);
            assert_eq!(
                again.status.code(),
                Some(0),
                "round {round}: {}",
                output_text(&again)
            );
        }
    }
}

impl Drop for Example {
    fn drop(&mut self) {
        if let Some(sandbox) = self.sandbox.take() {
            let _ = self.rt.block_on(sandbox.shutdown());
        }
    }
}

#[test]
fn revops_example_plans_applies_and_settles_on_a_default_sandbox() {
    Example::new("revops").run_the_user_flow(2);
}

#[test]
fn subscriptions_example_plans_applies_and_settles_on_a_default_sandbox() {
    Example::new("subscriptions").run_the_user_flow(2);
}

#[test]
fn revops_records_that_would_fail_wait_unchanged_on_a_full_plan() {
    let example = Example::new("revops");
    example.run_the_user_flow(0);
    let full = example.tandem(&["plan", "revops", "--full", "--json"]);
    assert_eq!(full.status.code(), Some(0), "{}", output_text(&full));
    let plan: tandem::plan::Plan =
        serde_json::from_slice(&full.stdout).expect("stdout is one JSON plan");
    let relisted: Vec<String> = plan
        .syncs
        .iter()
        .flat_map(|s| s.will_fail.iter())
        .map(|w| format!("{:?} {:?}: {:?}", w.sf_id, w.hs_id, w.reasons))
        .collect();
    let waiting: u64 = plan.syncs.iter().map(|s| s.waiting_in_error_queue).sum();
    // The first apply queued 25 deals whose stage the value map rejects; nothing changed.
    assert_eq!(
        (relisted.len(), waiting),
        (0, 25),
        "re-listed as new failures: {relisted:#?}"
    );
}

/// The first sync of the example `name` on a default sandbox: the calls `apply` spends on each
/// side, counted by the sandbox, are the plan's estimate.
fn first_sync_spends_the_api_calls_its_plan_estimates(name: &str) {
    let example = Example::new(name);
    let plan = example.tandem(&["plan", name, "--out", "first.plan"]);
    assert_eq!(plan.status.code(), Some(0), "{}", output_text(&plan));
    let saved: serde_json::Value = serde_json::from_slice(
        &std::fs::read(example.dir.path().join("first.plan")).expect("saved plan"),
    )
    .expect("saved plan is JSON");
    let estimate = (
        saved["plan"]["api"]["hs_calls"].as_u64(),
        saved["plan"]["api"]["sf_calls"].as_u64(),
    );
    assert!(
        estimate.0 > Some(3) && estimate.1 > Some(3),
        "a first sync writes both sides in many batches: {estimate:?}"
    );
    let control = example.sandbox.as_ref().expect("sandbox").control();
    let before = (
        control.total_calls(tandem::schema::System::Hubspot),
        control.total_calls(tandem::schema::System::Salesforce),
    );
    let hs_before = control.counters(tandem::schema::System::Hubspot);
    let sf_before = control.counters(tandem::schema::System::Salesforce);
    let apply = example.tandem(&["apply", "first.plan"]);
    assert_eq!(apply.status.code(), Some(0), "{}", output_text(&apply));
    let spent = (
        Some(control.total_calls(tandem::schema::System::Hubspot) - before.0),
        Some(control.total_calls(tandem::schema::System::Salesforce) - before.1),
    );
    assert_eq!(
        estimate,
        spent,
        "hs before {hs_before:?} after {:?}\nsf before {sf_before:?} after {:?}",
        control.counters(tandem::schema::System::Hubspot),
        control.counters(tandem::schema::System::Salesforce)
    );
}

#[test]
fn subscriptions_first_sync_spends_the_api_calls_its_plan_estimates() {
    // Four syncs: creates both ways with their id write-backs, associations carried on
    // create, the Salesforce defaults on create sent back to HubSpot, the reads since the plan.
    first_sync_spends_the_api_calls_its_plan_estimates("subscriptions");
}

#[test]
fn revops_first_sync_spends_the_api_calls_its_plan_estimates() {
    first_sync_spends_the_api_calls_its_plan_estimates("revops");
}
