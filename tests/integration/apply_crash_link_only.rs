//! `kill -9` of the real `tandem` binary after a create reached the CRM and before its link
//! was stored, for syncs whose only match rule is an id link and that copy no id across:
//! nothing in the new record points back at its source, so only the journal can tell the
//! re-run that the record exists. The re-run links it; no duplicate, nothing lost.
//!
//! The kill lands exactly there: the test holds the state store's write lock from the moment
//! the create is journaled, waits until the sandbox has the records, then kills the process
//! while it waits to store the links.

use crate::e2e_support;

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use e2e_support::*;
use serde_json::json;
use tandem::schema::System;

const DEALS_SPEC: &str = r#"connection hs: hubspot
connection sf: salesforce

map deal_stage: hs.deals.dealstage <-> sf.Opportunity.StageName {
  "appointmentscheduled" <=> "Prospecting"
  "qualifiedtobuy"       <=> "Qualification"
  "closedwon"            <=> "Closed Won"
  else error
}

sync deals: hs.deals <-> sf.Opportunity {
  match hs.hs_salesforceopportunityid = sf.Id
  create in sf
  conflict prefer sf
  on delete ignore

  hs.dealname  <-> sf.Name
  hs.closedate <-> sf.CloseDate transform date(hs.closedate) reverse sf.CloseDate
  hs.dealstage <-> sf.StageName via deal_stage
}
"#;

const COMPANIES_SPEC: &str = r#"connection hs: hubspot
connection sf: salesforce

sync accounts: hs.companies <-> sf.Account {
  match hs.hs_object_id = sf.HubSpot_Company_Id__c
  create in hs
  conflict prefer sf
  on delete ignore

  hs.name   <-> sf.Name
  hs.domain <-> sf.Website transform "https://" + hs.domain reverse domain(sf.Website)
}
"#;

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

fn state_path(world: &World) -> std::path::PathBuf {
    world.spec_dir().join(".tandem").join("state.db")
}

fn pending_creates(state: &Path) -> i64 {
    let Ok(conn) =
        rusqlite::Connection::open_with_flags(state, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
    else {
        return 0;
    };
    conn.query_row(
        "SELECT COUNT(*) FROM journal WHERE status = 'pending' AND action = 'create'",
        [],
        |row| row.get(0),
    )
    .unwrap_or(0)
}

/// Runs `tandem apply --auto-approve` and kills it with SIGKILL once its creates in
/// `object` on `target` reached the CRM (the count there is `created_count`) and before it
/// could store their links: the test holds the state store's write lock from the moment the
/// creates are journaled. The create call is slowed down so the lock is taken before the
/// answer comes back.
fn kill_between_create_and_link(world: &World, target: System, object: &str, created_count: usize) {
    let create_endpoint = match target {
        System::Hubspot => "batch/create",
        System::Salesforce => "composite/sobjects",
    };
    world.control().set_faults(
        target,
        tandem::sandbox::FaultSettings {
            latency_ms: 1500,
            endpoint_filter: Some(create_endpoint.to_string()),
            ..Default::default()
        },
    );
    let spec = world.spec_dir();
    let state = state_path(world);
    let mut child: Child = Command::new(env!("CARGO_BIN_EXE_tandem"))
        .args([
            "apply",
            spec.to_str().expect("utf-8 path"),
            "--auto-approve",
        ])
        .envs(world.env())
        .current_dir(world.dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("apply starts");
    let started = Instant::now();
    let waiting = |what: &str, child: &mut Child| {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "gave up waiting for {what}"
        );
        assert!(
            child.try_wait().expect("poll").is_none(),
            "apply ended before the kill (waiting for {what})"
        );
        std::thread::sleep(Duration::from_millis(5));
    };
    while pending_creates(&state) == 0 {
        waiting("the create to be journaled", &mut child);
    }
    let lock = rusqlite::Connection::open(&state).expect("state opens");
    lock.busy_timeout(Duration::from_secs(5)).expect("timeout");
    lock.execute_batch("BEGIN IMMEDIATE")
        .expect("the test holds the write lock");
    while world.count(target, object) < created_count {
        waiting("the records to be created", &mut child);
    }
    // The records exist; whether or not their answer has arrived, apply cannot store the
    // links while the test holds the lock (it waits up to 5 s for it).
    assert!(
        child.try_wait().expect("poll").is_none(),
        "apply still runs"
    );
    child.kill().expect("SIGKILL"); // std sends SIGKILL on Unix: no cleanup runs.
    child.wait().expect("reaped");
    lock.execute_batch("ROLLBACK").expect("lock released");
    world.control().clear_faults(target);
}

#[test]
fn kill_9_between_creating_opportunities_and_linking_them_then_rerun_creates_none_twice() {
    let world = World::new(DEALS_SPEC);
    // An Opportunity made by hand ten minutes ago with exactly the values one of the deals
    // will be created with: not the record the crashed run made, so it is left alone.
    world.control().advance_clock_ms(-10 * 60 * 1000);
    let by_hand = world.create(
        System::Salesforce,
        "Opportunity",
        json!({"Name": "Same Deal", "StageName": "Prospecting", "CloseDate": "2026-12-31"}),
    );
    world.control().advance_clock_ms(10 * 60 * 1000);
    let deal = |name: &str, stage: &str| {
        world.create(
            System::Hubspot,
            "deals",
            json!({"dealname": name, "dealstage": stage, "pipeline": "default",
                   "closedate": "2026-12-31T00:00:00Z"}),
        )
    };
    // Two deals that would be created with identical values, and one more.
    let deals = [
        deal("Same Deal", "appointmentscheduled"),
        deal("Same Deal", "appointmentscheduled"),
        deal("Other Deal", "qualifiedtobuy"),
    ];
    kill_between_create_and_link(&world, System::Salesforce, "Opportunity", 4);

    // The Opportunities exist; tandem never stored their links or wrote their ids back.
    let store = tandem::state::StateStore::open(&state_path(&world)).expect("state");
    assert_eq!(store.pending_journal().expect("journal").len(), 3);
    for deal in &deals {
        assert_eq!(store.partner("deals", "hs", deal).expect("state"), None);
        assert_eq!(
            world.field(System::Hubspot, "deals", deal, "hs_salesforceopportunityid"),
            None
        );
    }
    drop(store);

    let spec = world.spec_dir();
    let spec = spec.to_str().expect("utf-8 path");
    let plan = tandem(&world, &["plan", spec]);
    assert!(
        text(&plan)
            .contains("3 records created by an interrupted apply found by their values and linked"),
        "{}",
        text(&plan)
    );
    assert!(text(&plan).contains("Plan: 0 to create"), "{}", text(&plan));
    let rerun = tandem(&world, &["apply", spec, "--auto-approve"]);
    assert_eq!(rerun.status.code(), Some(0), "{}", text(&rerun));
    assert_eq!(
        world.count(System::Salesforce, "Opportunity"),
        4,
        "no duplicate Opportunity: {}",
        text(&rerun)
    );
    assert_eq!(world.count(System::Hubspot, "deals"), 3);
    // A fresh look at the store the binary wrote (the world's own connection predates it).
    let store = tandem::state::StateStore::open(&state_path(&world)).expect("state");
    let mut opportunities = Vec::new();
    for deal in &deals {
        let opportunity = store
            .partner("deals", "hs", deal)
            .expect("state")
            .unwrap_or_else(|| panic!("deal {deal} is linked: {}", text(&rerun)));
        let written_back = world
            .field(System::Hubspot, "deals", deal, "hs_salesforceopportunityid")
            .expect("the id link is written back");
        assert_eq!(&written_back[..15], &opportunity[..15]);
        assert_ne!(
            opportunity, by_hand,
            "the hand-made Opportunity is not taken"
        );
        opportunities.push(opportunity);
    }
    opportunities.sort();
    opportunities.dedup();
    assert_eq!(opportunities.len(), 3, "one Opportunity per deal");
    assert!(store.pending_journal().expect("journal").is_empty());
    drop(store);
    let last = tandem(&world, &["plan", spec, "--detailed-exitcode"]);
    assert_eq!(last.status.code(), Some(0), "{}", text(&last));
}

#[test]
fn kill_9_between_creating_companies_and_linking_them_then_rerun_creates_none_twice() {
    let world = World::new(COMPANIES_SPEC);
    let accounts: Vec<String> = ["Acme", "Globex"]
        .iter()
        .map(|name| {
            world.create(
                System::Salesforce,
                "Account",
                json!({"Name": name, "Website": format!("https://{}.example", name.to_lowercase())}),
            )
        })
        .collect();
    kill_between_create_and_link(&world, System::Hubspot, "companies", 2);
    for account in &accounts {
        assert_eq!(
            world.field(
                System::Salesforce,
                "Account",
                account,
                "HubSpot_Company_Id__c"
            ),
            None,
            "the new company's id never reached Salesforce"
        );
    }
    let spec = world.spec_dir();
    let spec = spec.to_str().expect("utf-8 path");
    let rerun = tandem(&world, &["apply", spec, "--auto-approve"]);
    assert_eq!(rerun.status.code(), Some(0), "{}", text(&rerun));
    assert_eq!(
        world.count(System::Hubspot, "companies"),
        2,
        "no duplicate company: {}",
        text(&rerun)
    );
    for account in &accounts {
        let company = world
            .field(
                System::Salesforce,
                "Account",
                account,
                "HubSpot_Company_Id__c",
            )
            .expect("the company's id is written back");
        assert!(
            world
                .control()
                .record(System::Hubspot, "companies", &company)
                .is_some(),
            "{company} exists"
        );
    }
    let last = tandem(&world, &["plan", spec, "--detailed-exitcode"]);
    assert_eq!(last.status.code(), Some(0), "{}", text(&last));
}

#[test]
fn rerun_after_a_crash_lists_a_scoped_hubspot_side_instead_of_searching_it() {
    // HubSpot search may not show a record created seconds before the crash yet; the list
    // endpoint does. So while creates in HubSpot are pending, the scoped side is listed.
    let world = World::new(&COMPANIES_SPEC.replace(
        "  create in hs\n",
        "  create in hs\n  only hs.name != \"Nobody\"\n",
    ));
    let accounts: Vec<String> = ["Initech", "Umbrella"]
        .iter()
        .map(|name| {
            world.create(
                System::Salesforce,
                "Account",
                json!({"Name": name, "Website": format!("https://{}.example", name.to_lowercase())}),
            )
        })
        .collect();
    let spec = world.spec_dir();
    let spec = spec.to_str().expect("utf-8 path");
    let search = "POST /crm/v3/objects/{object_type}/search";
    let list = "GET /crm/v3/objects/{object_type}";
    let before = world.control().counters(System::Hubspot);
    let plan = tandem(&world, &["plan", spec]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    let after = world.control().counters(System::Hubspot);
    let spent = |endpoint: &str,
                 from: &std::collections::BTreeMap<String, u64>,
                 to: &std::collections::BTreeMap<String, u64>| {
        to.get(endpoint).copied().unwrap_or(0) - from.get(endpoint).copied().unwrap_or(0)
    };
    assert!(
        spent(search, &before, &after) >= 1,
        "a clean run searches the scoped side: {after:?}"
    );
    kill_between_create_and_link(&world, System::Hubspot, "companies", 2);
    let before = world.control().counters(System::Hubspot);
    let rerun = tandem(&world, &["apply", spec, "--auto-approve"]);
    assert_eq!(rerun.status.code(), Some(0), "{}", text(&rerun));
    let after = world.control().counters(System::Hubspot);
    assert_eq!(spent(search, &before, &after), 0, "{after:?}");
    assert!(spent(list, &before, &after) >= 1, "{after:?}");
    assert_eq!(
        world.count(System::Hubspot, "companies"),
        2,
        "no duplicate company: {}",
        text(&rerun)
    );
    for account in &accounts {
        assert!(
            world
                .field(
                    System::Salesforce,
                    "Account",
                    account,
                    "HubSpot_Company_Id__c"
                )
                .is_some(),
            "linked and written back"
        );
    }
}
