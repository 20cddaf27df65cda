//! `kill -9` of the real `tandem` binary while it creates associated deals in HubSpot, then a
//! re-run: every Opportunity ends up as exactly one deal, associated with exactly the
//! company its Account is linked to.

use crate::e2e_support;

use std::collections::BTreeMap;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use e2e_support::*;
use serde_json::json;
use tandem::schema::System;

const SPEC: &str = r#"connection hs: hubspot
connection sf: salesforce

sync accounts: hs.companies <-> sf.Account {
  match hs.salesforceaccountid = sf.Id
  match domain(hs.domain) = domain(sf.Website)
  create in hs, sf
  conflict newest
  limit creates 5000

  hs.name   <-> sf.Name
  hs.domain <-> sf.Website transform "https://" + hs.domain reverse domain(sf.Website)
}

sync deals: hs.deals <-> sf.Opportunity {
  match hs.hs_salesforceopportunityid = sf.Id
  create in hs
  conflict prefer sf
  limit creates 5000

  hs.dealname              <-> sf.Name
  hs.pipeline              <-  "default"
  hs.dealstage             <-  "appointmentscheduled"
  hs.companies(associated) <-> sf.AccountId through accounts
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

#[test]
fn kill_9_while_creating_associated_deals_then_rerun_leaves_each_deal_on_its_company() {
    const ACCOUNTS: usize = 20;
    const PER_ACCOUNT: usize = 60;
    let world = World::new(SPEC);
    let mut account_of_opportunity: BTreeMap<String, String> = BTreeMap::new();
    for a in 0..ACCOUNTS {
        let account = world.create(
            System::Salesforce,
            "Account",
            json!({"Name": format!("Account {a}"), "Website": format!("https://account{a}.example")}),
        );
        for o in 0..PER_ACCOUNT {
            let opportunity = world.create(
                System::Salesforce,
                "Opportunity",
                json!({"Name": format!("Deal {a}-{o}"), "StageName": "Prospecting",
                       "CloseDate": "2026-12-31", "AccountId": account}),
            );
            account_of_opportunity.insert(opportunity, account.clone());
        }
    }
    let total = ACCOUNTS * PER_ACCOUNT;
    // Slow HubSpot down so the kill lands between batches of deals, not after the last one.
    world.control().set_faults(
        System::Hubspot,
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
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("apply starts");
    let started = Instant::now();
    while world.count(System::Hubspot, "deals") < 300 {
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "apply never got going"
        );
        assert!(
            child.try_wait().expect("poll").is_none(),
            "apply ended before the kill"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    let at_kill = world.count(System::Hubspot, "deals");
    assert!(at_kill < total, "killed mid-run ({at_kill} deals written)");
    world.control().clear_faults(System::Hubspot);

    let rerun = tandem(&world, &["apply", spec, "--auto-approve"]);
    assert_eq!(rerun.status.code(), Some(0), "{}", text(&rerun));
    assert_eq!(
        world.count(System::Hubspot, "deals"),
        total,
        "no duplicate deal"
    );
    assert_eq!(world.count(System::Hubspot, "companies"), ACCOUNTS);

    // Every deal is associated with exactly the company its Opportunity's Account is linked to.
    let store = tandem::state::StateStore::open(&world.spec_dir().join(".tandem").join("state.db"))
        .expect("state");
    let deal_ids: Vec<String> = account_of_opportunity
        .keys()
        .map(|opportunity| {
            store
                .partner("deals", "sf", opportunity)
                .expect("state")
                .expect("every opportunity is linked")
        })
        .collect();
    let associations =
        world
            .rt
            .block_on(world.session.hubspot().client.read_associations(
                "deals",
                "companies",
                &deal_ids,
            ))
            .expect("association read");
    for ((opportunity, account), deal) in account_of_opportunity.iter().zip(&deal_ids) {
        let company = store
            .partner("accounts", "sf", account)
            .expect("state")
            .expect("account linked");
        let companies: Vec<(String, bool)> = associations[deal]
            .iter()
            .map(|r| (r.to_id.clone(), r.is_primary()))
            .collect();
        assert_eq!(
            companies,
            vec![(company, true)],
            "deal {deal} of opportunity {opportunity}"
        );
    }
    let plan = tandem(&world, &["plan", spec, "--detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
}
