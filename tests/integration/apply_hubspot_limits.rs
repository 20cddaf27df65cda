//! The cases `e2e_sandbox` covers only for Salesforce, on the HubSpot side: its daily limit
//! running out in the middle of an apply (the real binary, then a re-run the next day), and
//! a HubSpot batch that answers 207 with one input rejected. Over real HTTP.

use crate::e2e_support;

use e2e_support::*;
use serde_json::json;
use tandem::schema::System;

#[test]
fn hubspot_daily_limit_exhausted_mid_apply_then_the_next_day_resumes_exactly() {
    const ACCOUNTS: usize = 1000;
    let world = World::new(&accounts_spec("newest", "ignore", 5000));
    for i in 0..ACCOUNTS {
        world.create(
            System::Salesforce,
            "Account",
            json!({"Name": format!("Account {i}"), "Website": format!("https://account{i}.example")}),
        );
    }
    let spec = world.spec_dir().to_str().expect("utf-8 path").to_string();
    let saved = world.dir.path().join("backfill.plan");
    let saved = saved.to_str().expect("utf-8 path").to_string();
    let plan = run_tandem(&world, &["plan", &spec, "-out", &saved]);
    assert_eq!(plan.status.code(), Some(0), "{}", output_text(&plan));
    // Room for five more HubSpot calls today: ten batches of 100 creates cannot all go.
    let max = world.control().limits(System::Hubspot).daily_max;
    world.control().set_daily_used(System::Hubspot, max - 5);
    let stopped = run_tandem(&world, &["apply", &saved]);
    assert_eq!(stopped.status.code(), Some(1), "{}", output_text(&stopped));
    let stdout = String::from_utf8_lossy(&stopped.stdout);
    assert!(
        stdout.contains("Apply stopped early"),
        "{}",
        output_text(&stopped)
    );
    let written = world.count(System::Hubspot, "companies");
    assert!(
        written > 0 && written < ACCOUNTS,
        "stopped part way: {written}"
    );
    assert_eq!(
        written % 100,
        0,
        "stopped after the last complete batch of 100: {written}"
    );
    assert!(
        stdout.contains(&format!(": {written} created")),
        "the summary counts what was written: {}",
        output_text(&stopped)
    );
    assert!(
        world.store().pending_journal().expect("journal").is_empty(),
        "a clean stop leaves nothing of unknown outcome"
    );
    // The next day: a fresh plan and apply finish the rest and duplicate nothing.
    world.control().set_daily_used(System::Hubspot, 0);
    let resumed = run_tandem(&world, &["apply", &spec, "--auto-approve"]);
    assert_eq!(resumed.status.code(), Some(0), "{}", output_text(&resumed));
    assert!(
        String::from_utf8_lossy(&resumed.stdout)
            .contains(&format!("Apply complete: {} created", ACCOUNTS - written)),
        "{}",
        output_text(&resumed)
    );
    assert_eq!(world.count(System::Hubspot, "companies"), ACCOUNTS);
    assert_eq!(world.count(System::Salesforce, "Account"), ACCOUNTS);
    let quiet = run_tandem(&world, &["plan", &spec, "--detailed-exitcode"]);
    assert_eq!(quiet.status.code(), Some(0), "{}", output_text(&quiet));
}

/// HubSpot batch create calls so far.
fn hubspot_batch_creates(world: &World) -> u64 {
    world
        .control()
        .counters(System::Hubspot)
        .iter()
        .filter(|(key, _)| key.contains("batch/create"))
        .map(|(_, n)| *n)
        .sum()
}

#[test]
fn hubspot_batch_207_queues_only_the_rejected_contact() {
    let spec = r#"connection hs: hubspot
connection sf: salesforce

sync contacts: hs.contacts <-> sf.Contact {
  match hs.salesforcecontactid = sf.Id
  create in hs
  conflict prefer sf

  hs.email    <-> sf.Email
  hs.lastname <-> sf.LastName
}
"#;
    let mut world = World::new(spec);
    // A HubSpot contact the spec does not match (it has no Salesforce id) holds one email.
    world.create(
        System::Hubspot,
        "contacts",
        json!({"email": "dup@example.com", "lastname": "Existing"}),
    );
    let mut sf_ids = Vec::new();
    for (i, email) in ["a@example.com", "dup@example.com", "b@example.com"]
        .iter()
        .enumerate()
    {
        sf_ids.push(world.create(
            System::Salesforce,
            "Contact",
            json!({"Email": email, "LastName": format!("L{i}")}),
        ));
    }
    let (plan, summary) = world.cycle();
    assert_eq!(plan.totals().hs.creates, 3, "{}", render(&plan));
    assert_eq!((summary.created, summary.rejected), (2, 1), "{summary:?}");
    assert_eq!(world.count(System::Hubspot, "contacts"), 3);
    let errors = world.store().queued_errors().expect("errors");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        (errors[0].target.as_str(), errors[0].source_id.as_str()),
        ("hs", sf_ids[1].as_str())
    );
    assert!(
        errors[0].reason.to_string().contains("already exists")
            || errors[0].reason.to_string().contains("CONFLICT"),
        "{}",
        errors[0].reason
    );
    // Nothing changed: the next runs leave it waiting and send nothing.
    let sent_before = hubspot_batch_creates(&world);
    for round in 0..2 {
        let (plan, summary) = world.cycle();
        assert!(!plan.has_changes(), "round {round}: {}", render(&plan));
        assert_eq!(summary.rejected, 0, "round {round}");
    }
    let sent_after = hubspot_batch_creates(&world);
    assert_eq!(
        sent_after, sent_before,
        "the rejected contact was not resent"
    );
    let queued = world.store().queued_errors().expect("errors");
    assert_eq!((queued.len(), queued[0].attempts), (1, 1));
    assert_eq!(world.count(System::Hubspot, "contacts"), 3);
    // The data changes (Salesforce fixes the email): the next run retries it by itself.
    world.update(
        System::Salesforce,
        "Contact",
        &sf_ids[1],
        json!({"Email": "fixed@example.com"}),
    );
    let (_, summary) = world.cycle();
    assert_eq!((summary.created, summary.rejected), (1, 0), "{summary:?}");
    assert_eq!(world.count(System::Hubspot, "contacts"), 4);
    assert!(world.store().queued_errors().expect("errors").is_empty());
    assert_quiet(&mut world, 2);
}

#[test]
fn a_row_lock_that_outlasts_the_retries_is_retried_by_the_next_run_without_a_human() {
    let mut world = World::new(&accounts_spec("newest", "ignore", 500));
    let hub = world.create(
        System::Hubspot,
        "companies",
        json!({"name": "Acme", "domain": "acme.example"}),
    );
    world.cycle();
    let sf_id = world.link_of_hs("accounts", &hub).expect("linked");
    world.update(
        System::Hubspot,
        "companies",
        &hub,
        json!({"name": "Acme Renamed"}),
    );
    // Another transaction holds the Account's row through every attempt of this run.
    world.control().queue_faults(
        System::Salesforce,
        &[tandem::sandbox::FaultKind::UnableToLockRow; 20],
    );
    let (_, summary) = world.cycle();
    assert_eq!((summary.updated, summary.rejected), (0, 1), "{summary:?}");
    let queued = world.store().queued_errors().expect("errors");
    assert_eq!(queued.len(), 1);
    assert!(
        queued[0].reason.to_string().contains("UNABLE_TO_LOCK_ROW"),
        "{}",
        queued[0].reason
    );
    world.control().clear_faults(System::Salesforce);
    // The lock is gone. A transient failure is not a verdict on the data: the next run
    // sends the update again without anyone running `tandem errors retry`.
    let (plan, summary) = world.cycle();
    assert_eq!(summary.updated, 1, "{summary:?}\n{}", render(&plan));
    assert_eq!(
        world
            .field(System::Salesforce, "Account", &sf_id, "Name")
            .as_deref(),
        Some("Acme Renamed")
    );
    assert!(world.store().queued_errors().expect("errors").is_empty());
    assert_quiet(&mut world, 2);
}

#[test]
fn hubspot_server_errors_through_every_retry_stop_the_run_and_the_next_run_delivers() {
    let mut world = World::new(&accounts_spec("newest", "ignore", 500));
    let hub = world.create(
        System::Hubspot,
        "companies",
        json!({"name": "Acme", "domain": "acme.example"}),
    );
    world.cycle();
    let sf_id = world.link_of_hs("accounts", &hub).expect("linked");
    world.update(
        System::Salesforce,
        "Account",
        &sf_id,
        json!({"Name": "Acme Renamed"}),
    );
    let plan = world.plan();
    world.control().set_faults(
        System::Hubspot,
        tandem::sandbox::FaultSettings {
            server_error_rate: 1.0,
            ..Default::default()
        },
    );
    let summary = world.apply(&plan);
    // A failure of the whole call is not a verdict on the record: the run stops cleanly
    // (docs/plan-apply.md, Limits) rather than queue it as rejected.
    assert!(summary.stopped.is_some(), "{summary:?}");
    assert_eq!((summary.updated, summary.rejected), (0, 0), "{summary:?}");
    world.control().clear_faults(System::Hubspot);
    world.reconnect();
    let (plan, summary) = world.cycle();
    assert_eq!(summary.updated, 1, "{summary:?}\n{}", render(&plan));
    assert_eq!(
        world
            .field(System::Hubspot, "companies", &hub, "name")
            .as_deref(),
        Some("Acme Renamed")
    );
    assert_quiet(&mut world, 2);
}

#[test]
fn after_a_lasting_row_lock_the_next_run_resends_only_the_locked_update() {
    let mut world = World::new(&accounts_spec("newest", "ignore", 500));
    let hubs: Vec<String> = ["acme", "globex"]
        .iter()
        .map(|name| {
            world.create(
                System::Hubspot,
                "companies",
                json!({"name": name, "domain": format!("{name}.example")}),
            )
        })
        .collect();
    world.cycle();
    for hub in &hubs {
        world.update(
            System::Hubspot,
            "companies",
            hub,
            json!({"name": format!("{hub} renamed")}),
        );
    }
    // The sandbox locks the first record of each collection update: one record of the two
    // stays locked through every retry, the other is written.
    world.control().queue_faults(
        System::Salesforce,
        &[tandem::sandbox::FaultKind::UnableToLockRow; 20],
    );
    let (_, summary) = world.cycle();
    assert_eq!((summary.updated, summary.rejected), (1, 1), "{summary:?}");
    world.control().clear_faults(System::Salesforce);
    // The sync kept its read cursors: the next plan reads both renames again, finds the
    // written one in agreement and resends only the locked one.
    let (plan, summary) = world.cycle();
    assert_eq!(
        (summary.updated, summary.rejected),
        (1, 0),
        "{summary:?}\n{}",
        render(&plan)
    );
    for hub in &hubs {
        let sf_id = world.link_of_hs("accounts", hub).expect("linked");
        assert_eq!(
            world
                .field(System::Salesforce, "Account", &sf_id, "Name")
                .as_deref(),
            Some(format!("{hub} renamed").as_str())
        );
    }
    assert!(world.store().queued_errors().expect("errors").is_empty());
    assert_quiet(&mut world, 2);
}
