//! The CLI contract, with the real `tandem` binary against the sandbox: `plan
//! --detailed-exitcode` 0/1/2, `plan --json`, `apply` asking for approval, `apply --json`,
//! blast-radius limits, `tandem errors list|retry` and `tandem conflicts list|resolve`.

use crate::e2e_support;

use e2e_support::*;
use serde_json::{Value, json};
use tandem::schema::System;

fn seed_companies(world: &World, count: usize) -> Vec<String> {
    (0..count)
        .map(|i| {
            world.create(
                System::Hubspot,
                "companies",
                json!({"name": format!("Company {i}"), "domain": format!("company{i}.example")}),
            )
        })
        .collect()
}

fn spec_path(world: &World) -> String {
    world.spec_dir().to_str().expect("utf-8 path").to_string()
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn plan_detailed_exitcode_is_1_for_a_spec_with_an_error_and_nothing_is_read() {
    let world = World::new(&accounts_spec("newest", "ignore", 500));
    seed_companies(&world, 2);
    // A field the snapshot does not have: the checker refuses before any call is made.
    std::fs::write(
        world.spec_dir().join("spec.tandem"),
        accounts_spec("newest", "ignore", 500).replace("hs.phone ", "hs.phonee "),
    )
    .expect("spec");
    let before = world.control().total_calls(System::Hubspot)
        + world.control().total_calls(System::Salesforce);
    let spec = spec_path(&world);
    let plan = run_tandem(&world, &["plan", &spec, "--detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(1), "{}", output_text(&plan));
    assert!(
        stderr(&plan).contains("tandem::check::"),
        "a coded diagnostic: {}",
        output_text(&plan)
    );
    assert_eq!(
        world.control().total_calls(System::Hubspot)
            + world.control().total_calls(System::Salesforce),
        before,
        "no CRM call for a spec with errors"
    );
}

#[test]
fn plan_detailed_exitcode_is_1_when_a_crm_cannot_be_reached() {
    let world = World::new(&accounts_spec("newest", "ignore", 500));
    let spec = spec_path(&world);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_tandem"))
        .args(["plan", &spec, "--detailed-exitcode"])
        .envs(world.env())
        // A port nothing listens on (the discard port on loopback).
        .env("TANDEM_SALESFORCE_URL", "http://127.0.0.1:9")
        .current_dir(world.dir.path())
        .output()
        .expect("tandem runs");
    assert_eq!(output.status.code(), Some(1), "{}", output_text(&output));
    assert!(stderr(&output).starts_with("error") || stderr(&output).contains("\nerror"));
}

#[test]
fn plan_json_with_changes_is_the_plan_alone_on_stdout() {
    let world = World::new(&accounts_spec("newest", "ignore", 500));
    seed_companies(&world, 3);
    let spec = spec_path(&world);
    let output = run_tandem(&world, &["plan", &spec, "--json", "--detailed-exitcode"]);
    assert_eq!(output.status.code(), Some(2), "{}", output_text(&output));
    let plan: tandem::plan::Plan =
        serde_json::from_slice(&output.stdout).expect("stdout is one JSON plan");
    let totals = plan.totals();
    assert_eq!(
        (totals.sf.creates, totals.hs.creates, totals.sf.updates),
        (3, 0, 0)
    );
    assert_eq!(plan.syncs[0].name, "accounts");
    assert_eq!(plan.format_version, tandem::plan::PLAN_FORMAT_VERSION);
    assert!(!stdout(&output).contains("Plan:"), "no human view mixed in");
}

#[test]
fn apply_without_approval_asks_and_a_no_writes_nothing() {
    let world = World::new(&accounts_spec("newest", "ignore", 500));
    seed_companies(&world, 2);
    let spec = spec_path(&world);
    let refused = run_tandem_with_input(&world, &["apply", &spec], "no\n");
    assert_eq!(refused.status.code(), Some(1), "{}", output_text(&refused));
    assert!(stderr(&refused).contains("Only 'yes' will be accepted"));
    assert!(stderr(&refused).contains("Apply cancelled."));
    assert_eq!(world.count(System::Salesforce, "Account"), 0);
    let closed = run_tandem_with_input(&world, &["apply", &spec], "");
    assert_eq!(
        closed.status.code(),
        Some(1),
        "no answer is no: {}",
        output_text(&closed)
    );
    assert_eq!(world.count(System::Salesforce, "Account"), 0);
    let accepted = run_tandem_with_input(&world, &["apply", &spec], "yes\n");
    assert_eq!(
        accepted.status.code(),
        Some(0),
        "{}",
        output_text(&accepted)
    );
    assert!(stdout(&accepted).contains("Apply complete: 2 created, 0 updated, 0 deleted"));
    assert_eq!(world.count(System::Salesforce, "Account"), 2);
}

#[test]
fn apply_json_prints_one_event_per_line() {
    let world = World::new(&accounts_spec("newest", "ignore", 500));
    seed_companies(&world, 3);
    let spec = spec_path(&world);
    let output = run_tandem(&world, &["apply", &spec, "--auto-approve", "--json"]);
    assert_eq!(output.status.code(), Some(0), "{}", output_text(&output));
    let events: Vec<Value> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is one JSON event"))
        .collect();
    let batches: Vec<&Value> = events.iter().filter(|e| e["event"] == "batch").collect();
    assert_eq!(batches.len(), 1, "{events:?}");
    assert_eq!(batches[0]["written"], 3);
    assert_eq!(batches[0]["action"], "create");
    let last = events.last().expect("events");
    assert_eq!(
        (
            &last["event"],
            &last["complete"],
            &last["created"],
            &last["stopped"]
        ),
        (
            &json!("summary"),
            &json!(true),
            &json!(3),
            &serde_json::Value::Null
        ),
        "the last line says how the run ended: {events:?}"
    );
    assert_eq!(world.count(System::Salesforce, "Account"), 3);
}

#[test]
fn blast_radius_over_the_cli_fails_plan_and_apply_and_saves_no_plan() {
    let world = World::new(&accounts_spec("newest", "ignore", 2));
    seed_companies(&world, 3);
    let spec = spec_path(&world);
    let out = world.dir.path().join("over.plan");
    let plan = run_tandem(
        &world,
        &[
            "plan",
            &spec,
            "--detailed-exitcode",
            "-out",
            out.to_str().expect("path"),
        ],
    );
    assert_eq!(plan.status.code(), Some(1), "{}", output_text(&plan));
    assert!(
        stderr(&plan).contains("blast-radius"),
        "{}",
        output_text(&plan)
    );
    assert!(!out.exists(), "a plan over a limit is not saved");
    let apply = run_tandem(&world, &["apply", &spec, "--auto-approve"]);
    assert_eq!(apply.status.code(), Some(1), "{}", output_text(&apply));
    assert_eq!(world.count(System::Salesforce, "Account"), 0);
}

const LEADS_SPEC: &str = r#"connection hs: hubspot
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

#[test]
fn errors_list_and_retry_over_the_cli() {
    let world = World::new(LEADS_SPEC);
    world.control().set_duplicate_rule("Lead", true);
    let existing = world.create(
        System::Salesforce,
        "Lead",
        json!({"LastName": "Existing", "Company": "X", "Email": "dup@example.com"}),
    );
    for (i, email) in ["a@example.com", "dup@example.com"].iter().enumerate() {
        world.create(
            System::Hubspot,
            "contacts",
            json!({"email": email, "lastname": format!("L{i}")}),
        );
    }
    let spec = spec_path(&world);
    // A record the CRM rejected is not a failed run (docs/plan-apply.md, exit codes): the
    // run completed and the record waits in the queue.
    let first = run_tandem(&world, &["apply", &spec, "--auto-approve"]);
    assert_eq!(first.status.code(), Some(0), "{}", output_text(&first));
    assert!(
        stdout(&first).contains("1 rejected and 0 that would fail are in the error queue"),
        "{}",
        output_text(&first)
    );
    // The existing lead plus the one accepted create.
    assert_eq!(world.count(System::Salesforce, "Lead"), 2);

    let list = run_tandem(&world, &["errors", "list", &spec]);
    assert_eq!(list.status.code(), Some(0), "{}", output_text(&list));
    let lines: Vec<String> = stdout(&list).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 1, "{}", output_text(&list));
    assert!(lines[0].starts_with("#1 "), "{}", lines[0]);
    assert!(lines[0].contains("sync leads → sf"), "{}", lines[0]);
    assert!(lines[0].contains("attempts 1"), "{}", lines[0]);
    assert!(lines[0].contains("DUPLICATES_DETECTED"), "{}", lines[0]);
    let json = run_tandem(&world, &["errors", "list", &spec, "--json"]);
    let queued: Vec<tandem::state::QueuedError> =
        serde_json::from_slice(&json.stdout).expect("JSON list");
    assert_eq!(queued.len(), 1);
    assert_eq!((queued[0].target.as_str(), queued[0].attempts), ("sf", 1));

    // Nothing changed: the next plan leaves the record waiting and sends nothing.
    let waiting = run_tandem(&world, &["plan", &spec, "--detailed-exitcode"]);
    assert_eq!(waiting.status.code(), Some(0), "{}", output_text(&waiting));

    // The user removes the duplicate and asks for a retry; the next apply creates the lead.
    world
        .control()
        .act_delete(System::Salesforce, "Lead", &existing)
        .expect("delete");
    let retry = run_tandem(&world, &["errors", "retry", &spec]);
    assert_eq!(retry.status.code(), Some(0), "{}", output_text(&retry));
    assert_eq!(
        stdout(&retry).trim(),
        "1 queued record will be retried by the next `tandem apply`."
    );
    let second = run_tandem(&world, &["apply", &spec, "--auto-approve"]);
    assert_eq!(second.status.code(), Some(0), "{}", output_text(&second));
    assert!(
        stdout(&second).contains("Apply complete: 1 created"),
        "{}",
        output_text(&second)
    );
    assert_eq!(world.count(System::Salesforce, "Lead"), 2);
    let empty = run_tandem(&world, &["errors", "list", &spec]);
    assert_eq!(stdout(&empty).trim(), "The error queue is empty.");
    let quiet = run_tandem(&world, &["plan", &spec, "--detailed-exitcode"]);
    assert_eq!(quiet.status.code(), Some(0), "{}", output_text(&quiet));
}

#[test]
fn errors_retry_of_an_unknown_number_is_an_error() {
    let world = World::new(LEADS_SPEC);
    let spec = spec_path(&world);
    let retry = run_tandem(&world, &["errors", "retry", &spec, "--id", "42"]);
    assert_eq!(retry.status.code(), Some(1), "{}", output_text(&retry));
    assert!(stderr(&retry).contains("42"), "{}", output_text(&retry));
}

/// A linked company whose name both sides then changed, under `conflict review`: the second
/// apply (over the CLI, its output returned) queues one conflict and writes nothing.
fn queued_review_conflict() -> (World, String, String, String, std::process::Output) {
    let world = World::new(&accounts_spec("review", "ignore", 500));
    let hs_id = world.create(
        System::Hubspot,
        "companies",
        json!({"name": "Acme", "domain": "acme.example"}),
    );
    let spec = spec_path(&world);
    let first = run_tandem(&world, &["apply", &spec, "--auto-approve"]);
    assert_eq!(first.status.code(), Some(0), "{}", output_text(&first));
    let sf_id = world.link_of_hs("accounts", &hs_id).expect("linked");
    world.update(
        System::Hubspot,
        "companies",
        &hs_id,
        json!({"name": "From HubSpot"}),
    );
    world.update(
        System::Salesforce,
        "Account",
        &sf_id,
        json!({"Name": "From Salesforce"}),
    );
    let queue = run_tandem(&world, &["apply", &spec, "--auto-approve"]);
    assert_eq!(queue.status.code(), Some(0), "{}", output_text(&queue));
    (world, spec, hs_id, sf_id, queue)
}

#[test]
fn conflicts_list_and_resolve_over_the_cli() {
    let (world, spec, hs_id, sf_id, queue) = queued_review_conflict();
    assert!(
        stdout(&queue).contains("1 conflict waits for review"),
        "{}",
        output_text(&queue)
    );

    let list = run_tandem(&world, &["conflicts", "list", &spec]);
    assert_eq!(list.status.code(), Some(0), "{}", output_text(&list));
    let lines: Vec<String> = stdout(&list).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 1, "{}", output_text(&list));
    assert!(
        lines[0].contains(&format!("hs {hs_id} ⇄ sf {sf_id}"))
            && lines[0].contains("hs \"From HubSpot\" vs sf \"From Salesforce\"")
            && lines[0].contains("last synced: hs \"Acme\" / sf \"Acme\""),
        "{}",
        lines[0]
    );
    let json = run_tandem(&world, &["conflicts", "list", &spec, "--json"]);
    let open: Vec<tandem::state::OpenConflict> =
        serde_json::from_slice(&json.stdout).expect("JSON list");
    assert_eq!(open.len(), 1);
    let id = open[0].id.to_string();

    let unknown = run_tandem(
        &world,
        &["conflicts", "resolve", "999", "--take", "sf", &spec],
    );
    assert_eq!(unknown.status.code(), Some(1), "{}", output_text(&unknown));

    let resolve = run_tandem(
        &world,
        &["conflicts", "resolve", &id, "--take", "sf", &spec],
    );
    assert_eq!(resolve.status.code(), Some(0), "{}", output_text(&resolve));
    let apply = run_tandem(&world, &["apply", &spec, "--auto-approve"]);
    assert_eq!(apply.status.code(), Some(0), "{}", output_text(&apply));
    assert!(
        stdout(&apply).contains("resolved by review: sf"),
        "{}",
        output_text(&apply)
    );
    assert_eq!(
        world
            .field(System::Hubspot, "companies", &hs_id, "name")
            .as_deref(),
        Some("From Salesforce")
    );
    assert_eq!(
        world
            .field(System::Salesforce, "Account", &sf_id, "Name")
            .as_deref(),
        Some("From Salesforce")
    );
    let empty = run_tandem(&world, &["conflicts", "list", &spec]);
    assert_eq!(stdout(&empty).trim(), "No conflicts wait for review.");
    for round in 0..2 {
        let quiet = run_tandem(&world, &["plan", &spec, "--detailed-exitcode"]);
        assert_eq!(
            quiet.status.code(),
            Some(0),
            "round {round}: {}",
            output_text(&quiet)
        );
    }
}

#[test]
fn plan_of_a_spec_with_no_schemas_folder_above_it_names_the_missing_snapshots() {
    let world = World::new(&accounts_spec("newest", "ignore", 500));
    // A copy of the spec somewhere with no `schemas/` folder at or above it.
    let elsewhere = tempfile::tempdir().expect("temp dir");
    std::fs::copy(
        world.spec_dir().join("spec.tandem"),
        elsewhere.path().join("spec.tandem"),
    )
    .expect("copied");
    let spec = elsewhere.path().to_str().expect("utf-8 path");
    let plan = run_tandem(&world, &["plan", spec, "--detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(1), "{}", output_text(&plan));
    assert!(
        stderr(&plan).contains("tandem::check::missing_schema"),
        "{}",
        output_text(&plan)
    );
    let help = run_tandem(&world, &["plan", "--help"]);
    assert!(
        !stdout(&help).contains("shipped standard snapshots"),
        "the help promises no fallback that does not exist: {}",
        output_text(&help)
    );
}

#[test]
fn a_queued_conflict_gives_the_same_exit_code_whether_the_plan_reads_all_or_changes() {
    let (world, spec, _, _, _) = queued_review_conflict();
    assert_eq!(world.store().conflicts(false).expect("conflicts").len(), 1);
    let incremental = run_tandem(&world, &["plan", &spec, "--detailed-exitcode"]);
    let full = run_tandem(&world, &["plan", &spec, "--full", "--detailed-exitcode"]);
    assert_eq!(
        incremental.status.code(),
        full.status.code(),
        "incremental:\n{}\nfull:\n{}",
        output_text(&incremental),
        output_text(&full)
    );
    // Nothing to apply, so both exit 0; the waiting conflict is still told, not hidden.
    assert_eq!(full.status.code(), Some(0), "{}", output_text(&full));
    assert!(
        stdout(&full).contains("already waiting in `tandem conflicts`"),
        "{}",
        output_text(&full)
    );
    for plan in [&incremental, &full] {
        assert!(
            stdout(plan).contains("No changes. 1 conflict waits for review"),
            "{}",
            output_text(plan)
        );
    }
}

#[test]
fn demo_says_what_waits_in_the_error_queue_instead_of_claiming_agreement() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = std::process::Command::new(env!("CARGO_BIN_EXE_tandem"))
        .arg("demo")
        .current_dir(dir.path())
        .output()
        .expect("tandem runs");
    assert_eq!(demo.status.code(), Some(0), "{}", output_text(&demo));
    // The demo's first apply queues the deals its value map rejects.
    let text = stdout(&demo);
    assert!(
        text.contains("records wait in the error queue (`tandem errors list`)")
            && !text.contains("agree with the spec"),
        "{}",
        output_text(&demo)
    );
}

#[test]
fn plan_does_not_claim_agreement_while_a_record_waits_in_the_error_queue() {
    let world = World::new(LEADS_SPEC);
    world.control().set_duplicate_rule("Lead", true);
    world.create(
        System::Salesforce,
        "Lead",
        json!({"LastName": "Existing", "Company": "X", "Email": "dup@example.com"}),
    );
    world.create(
        System::Hubspot,
        "contacts",
        json!({"email": "dup@example.com", "lastname": "L"}),
    );
    let spec = spec_path(&world);
    let apply = run_tandem(&world, &["apply", &spec, "--auto-approve"]);
    assert!(
        stdout(&apply).contains("1 rejected"),
        "{}",
        output_text(&apply)
    );
    let plan = run_tandem(&world, &["plan", &spec]);
    assert_eq!(plan.status.code(), Some(0), "{}", output_text(&plan));
    assert!(
        !stdout(&plan).contains("agree with the spec") && stdout(&plan).contains("error queue"),
        "{}",
        output_text(&plan)
    );
}
