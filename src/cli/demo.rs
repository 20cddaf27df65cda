//! `tandem demo`: the whole loop in one command, with no account and no network.
//!
//! Starts the sandbox in-process with demo data (its catalog is the committed schema
//! snapshots, so the example spec type-checks against exactly what it talks to), validates
//! the example spec, plans, applies, plans again (no changes), then edits a record as a CRM
//! user would and shows that the next plan carries exactly that edit across.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use clap::Args;
use serde_json::{Map, Value};

use super::error::CliError;
use super::views::{apply_with_views, on_open_event, summary_line};
use crate::plan::view::{HumanViewOptions, render_human, render_summary};
use crate::runtime::Crm;
use crate::sandbox::{Sandbox, SandboxConfig, SandboxHandle};
use crate::schema::System;
use crate::session::{
    Connection, PlanOptions, Session, SessionError, SessionOptions, SpecLocation,
};

/// The example spec, embedded so the demo works from any directory.
const DEMO_SPEC: &[(&str, &str)] = &[
    (
        "accounts.tandem",
        include_str!("../../specs/revops/accounts.tandem"),
    ),
    (
        "connections.tandem",
        include_str!("../../specs/revops/connections.tandem"),
    ),
    (
        "deals.tandem",
        include_str!("../../specs/revops/deals.tandem"),
    ),
    (
        "handoff.tandem",
        include_str!("../../specs/revops/handoff.tandem"),
    ),
    (
        "leads.tandem",
        include_str!("../../specs/revops/leads.tandem"),
    ),
    (
        "maps.tandem",
        include_str!("../../specs/revops/maps.tandem"),
    ),
    (
        "tables/hs_industry_to_sf.csv",
        include_str!("../../specs/revops/tables/hs_industry_to_sf.csv"),
    ),
    (
        "tables/sf_industry_to_hs.csv",
        include_str!("../../specs/revops/tables/sf_industry_to_hs.csv"),
    ),
];

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Demo records per object in each CRM.
    #[arg(long, default_value_t = 200)]
    pub records: usize,
    /// Seed of the sandbox's data generator.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Records shown per sync in the plans.
    #[arg(long, default_value_t = 4)]
    pub max_records: usize,
}

fn step(text: &str) {
    println!("\n━━ {text}");
}

pub fn run(args: DemoArgs) -> Result<ExitCode, CliError> {
    let rt = super::async_runtime::for_session()?;
    rt.block_on(demo(args))?;
    Ok(ExitCode::SUCCESS)
}

fn write_file(path: &Path, text: &str) -> Result<(), CliError> {
    let demo_files = |source| CliError::DemoFiles {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(demo_files)?;
    }
    std::fs::write(path, text).map_err(demo_files)
}

async fn demo(args: DemoArgs) -> Result<(), CliError> {
    let started = Instant::now();
    let dir = std::env::temp_dir().join(format!("tandem-demo-{}", uuid::Uuid::new_v4()));
    for (name, text) in DEMO_SPEC {
        write_file(&dir.join("spec").join(name), text)?;
    }
    let schemas_dir = dir.join("schemas");
    write_file(
        &schemas_dir.join("hubspot.yaml"),
        crate::schema::standard::HUBSPOT_YAML,
    )?;
    write_file(
        &schemas_dir.join("salesforce.yaml"),
        crate::schema::standard::SALESFORCE_YAML,
    )?;

    step(&format!(
        "Starting the sandbox: local HubSpot and Salesforce APIs with {} demo records per object",
        args.records
    ));
    let sandbox = Sandbox::start(SandboxConfig {
        seed: args.seed,
        records_per_object: args.records,
        hubspot_schema: Some(crate::schema::standard::hubspot()),
        salesforce_schema: Some(crate::schema::standard::salesforce()),
        ..SandboxConfig::default()
    })
    .await?;
    println!("   HubSpot    {}", sandbox.hubspot_url());
    println!("   Salesforce {}", sandbox.salesforce_url());
    let result = run_loop(&args, &dir, &sandbox).await;
    let _ = sandbox.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
    result?;
    println!(
        "\nDone in {:.1} s. Try it on your own spec: `tandem sandbox` in one shell, then \
         `tandem plan SPEC` and `tandem apply SPEC` in another.",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The demo's session: the example spec in `dir`, connected to the sandbox by its URLs.
fn demo_session_options(dir: &Path, sandbox: &SandboxHandle) -> Result<SessionOptions, CliError> {
    let vars: BTreeMap<String, String> = [
        ("TANDEM_HUBSPOT_URL", sandbox.hubspot_url()),
        ("TANDEM_HUBSPOT_TOKEN", sandbox.hubspot_token()),
        ("TANDEM_SALESFORCE_URL", sandbox.salesforce_url()),
        ("TANDEM_SALESFORCE_TOKEN", sandbox.salesforce_token()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let config = crate::connectors::config::from_variables(&vars)?;
    Ok(SessionOptions {
        location: SpecLocation {
            spec: dir.join("spec"),
            state: Some(dir.join("state.db")),
            schemas: Some(dir.join("schemas")),
        },
        connection: Connection::Explicit(Box::new(config)),
        hold_apply_lock: false,
    })
}

async fn run_loop(args: &DemoArgs, dir: &Path, sandbox: &SandboxHandle) -> Result<(), CliError> {
    let options = demo_session_options(dir, sandbox)?;
    step("Validating the example spec (syntax, names, types against the schema snapshots)");
    let mut session = Session::open(options, &mut on_open_event)?;
    let program = session.program();
    println!(
        "   {} syncs compile: {}",
        program.syncs.len(),
        program
            .syncs
            .iter()
            .map(|s| format!("{} (hs.{} ⇄ sf.{})", s.name, s.hs.object, s.sf.object))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let view = HumanViewOptions {
        max_records: args.max_records,
    };

    step("tandem plan: read both CRMs, match records, merge field by field");
    let plan = session.plan(PlanOptions::default()).await?.plan;
    print!("{}", render_human(&plan, view));

    step("tandem apply: write exactly that plan, in batches, journaled");
    let applied = apply_with_views(&mut session, &plan, false).await?;
    println!("{}", summary_line(&applied.summary));
    let queued = session.queued_errors()?;
    for error in queued.iter().rev().take(3) {
        println!(
            "   e.g. #{} sync {} → {} from {}: {}",
            error.id, error.sync, error.target, error.source_id, error.reason
        );
    }

    step("tandem plan again: nothing to do, our own writes are not echoed back");
    let again = session.plan(PlanOptions::default()).await?.plan;
    print!("{}", render_summary(&again));
    if again.has_changes() {
        print!("{}", render_human(&again, view));
    }

    // A sales rep renames an account in Salesforce.
    let link = session
        .store()
        .snapshot()
        .map_err(SessionError::from)?
        .links
        .get("accounts")
        .and_then(|links| links.first().cloned());
    if let Some(link) = link {
        let mut fields = Map::new();
        fields.insert(
            "Name".to_string(),
            Value::String("Renamed In Salesforce Inc".into()),
        );
        sandbox
            .control()
            .act_update(System::Salesforce, "Account", &link.sf_id, &fields)
            .map_err(|source| CliError::DemoEdit { source })?;
        step(&format!(
            "A user renames Salesforce Account {} → the next plan carries only that edit",
            link.sf_id
        ));
        let edit = session.plan(PlanOptions::default()).await?.plan;
        print!("{}", render_human(&edit, view));
        let applied = apply_with_views(&mut session, &edit, false).await?;
        println!("{}", summary_line(&applied.summary));
        let last = session.plan(PlanOptions::default()).await?.plan;
        print!("{}", render_summary(&last));
    }
    println!(
        "\nAPI calls spent in total: HubSpot {}, Salesforce {}.",
        session.hubspot().calls(),
        session.salesforce().calls()
    );
    Ok(())
}
