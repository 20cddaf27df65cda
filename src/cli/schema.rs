//! `tandem schema pull|diff`: refresh the committed schema snapshots from the live CRMs, or
//! report drift between them (for a scheduled CI job).
//!
//! Exit codes: `pull` 0 on success, 1 on any error (nothing written). `diff` 0 when nothing
//! breaks the spec, 2 when some drift does (every difference is listed either way), 1 on error.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::error::CliError;
use crate::connectors::config::{self, ProcessEnv};
use crate::connectors::schema_sync::{self, PullError, SpecUsage};
use crate::connectors::{HubSpotClient, SalesforceClient};
use crate::schema::{SchemaSnapshot, Schemas, System, snapshot};

#[derive(Debug, Args)]
pub struct SchemaArgs {
    #[command(subcommand)]
    pub command: SchemaCommand,
}

#[derive(Debug, Subcommand)]
pub enum SchemaCommand {
    /// Fetch describe / properties / pipelines / owners and write schemas/*.yaml.
    Pull(PullArgs),
    /// Compare the live schemas with the committed snapshots; exit 2 on breaking drift.
    Diff(DiffArgs),
}

#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Named environment from tandem.toml; without it the TANDEM_* variables are used.
    #[arg(long = "env")]
    pub env: Option<String>,
    /// The spec (a .tandem file or a folder of them); decides which objects and fields matter.
    #[arg(long)]
    pub spec: Option<PathBuf>,
    /// Where the snapshots live.
    #[arg(long, default_value = "schemas")]
    pub schemas: PathBuf,
}

#[derive(Debug, Args)]
pub struct PullArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Objects to pull in addition to the spec's, as `hs.contacts` or `sf.Lead`.
    #[arg(long = "object")]
    pub objects: Vec<String>,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Print the drift as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: SchemaArgs) -> Result<ExitCode, CliError> {
    let runtime = super::async_runtime::start(None)?;
    match args.command {
        SchemaCommand::Pull(pull) => runtime.block_on(pull_command(pull)),
        SchemaCommand::Diff(diff) => runtime.block_on(diff_command(diff)),
    }
}

/// The `*.tandem` files of `path` (a file, or a folder read in sorted order), parsed.
fn load_usage(spec: Option<&Path>) -> Result<Option<SpecUsage>, CliError> {
    let Some(path) = spec else {
        return Ok(None);
    };
    let loaded = crate::project::load_spec(path)?;
    let sources = loaded.sources;
    let (spec, diags) = crate::syntax::parse_spec(&sources);
    if crate::diagnostics::has_errors(&diags) {
        return Err(CliError::SpecSyntaxErrors {
            path: path.to_path_buf(),
        });
    }
    Ok(Some(tandem_language::usage::spec_usage(&spec)))
}

fn parse_object_flag(flag: &str) -> Result<(System, String), CliError> {
    match flag.split_once('.') {
        Some(("hs", object)) if !object.is_empty() => Ok((System::Hubspot, object.to_string())),
        Some(("sf", object)) if !object.is_empty() => Ok((System::Salesforce, object.to_string())),
        _ => Err(CliError::InvalidObjectFlag {
            flag: flag.to_string(),
        }),
    }
}

/// Both systems' clients, built before anything is fetched; a system that is not
/// configured holds the error that says so, reported when it is wanted.
struct Clients {
    hubspot: Result<HubSpotClient, config::ConfigError>,
    salesforce: Result<SalesforceClient, config::ConfigError>,
}

fn clients(env: Option<&str>) -> Result<Clients, CliError> {
    let dir = std::env::current_dir().map_err(|source| CliError::CurrentDir { source })?;
    let connection = config::load(&dir, env, &ProcessEnv)?;
    let hubspot = match connection.hubspot() {
        Ok(hubspot) => Ok(HubSpotClient::new(hubspot)?),
        Err(error) => Err(error),
    };
    let salesforce = match connection.salesforce() {
        Ok(salesforce) => Ok(SalesforceClient::new(salesforce)?),
        Err(error) => Err(error),
    };
    Ok(Clients {
        hubspot,
        salesforce,
    })
}

async fn fetch(
    system: System,
    objects: &[String],
    clients: &Clients,
) -> Result<SchemaSnapshot, CliError> {
    let pulled = match system {
        System::Hubspot => {
            let client = clients.hubspot.as_ref().map_err(|e| e.clone())?;
            schema_sync::pull_hubspot(client, objects).await
        }
        System::Salesforce => {
            let client = clients.salesforce.as_ref().map_err(|e| e.clone())?;
            schema_sync::pull_salesforce(client, objects).await
        }
    };
    pulled.map_err(|error| match error {
        PullError::Connector(error) => CliError::Connector(error),
        PullError::Convert(source) => CliError::SchemaConvert { source },
    })
}

async fn pull_command(args: PullArgs) -> Result<ExitCode, CliError> {
    let usage = load_usage(args.common.spec.as_deref())?;
    let mut wanted: Vec<(System, String)> = usage
        .as_ref()
        .map(|u| u.objects.iter().cloned().collect())
        .unwrap_or_default();
    for flag in &args.objects {
        let object = parse_object_flag(flag)?;
        if !wanted.contains(&object) {
            wanted.push(object);
        }
    }
    if wanted.is_empty() {
        return Err(CliError::NothingToPull);
    }
    let clients = clients(args.common.env.as_deref())?;
    let mut schemas = Schemas::new();
    for system in [System::Hubspot, System::Salesforce] {
        let objects: Vec<String> = wanted
            .iter()
            .filter(|(s, _)| *s == system)
            .map(|(_, o)| o.clone())
            .collect();
        if objects.is_empty() {
            continue;
        }
        schemas.insert(fetch(system, &objects, &clients).await?);
    }
    // Everything was fetched and converted before anything is written.
    let written = snapshot::write_dir(&args.common.schemas, &schemas)
        .map_err(|source| CliError::SchemaSnapshots { source })?;
    for path in written {
        let system = if path.ends_with(snapshot::file_name(System::Hubspot)) {
            System::Hubspot
        } else {
            System::Salesforce
        };
        let count = schemas
            .by_system
            .get(&system)
            .map_or(0, |s| s.objects.len());
        println!("wrote {} ({count} objects)", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

async fn diff_command(args: DiffArgs) -> Result<ExitCode, CliError> {
    let usage = load_usage(args.common.spec.as_deref())?;
    let committed = snapshot::load_dir(&args.common.schemas)
        .map_err(|source| CliError::SchemaSnapshots { source })?;
    let clients = clients(args.common.env.as_deref())?;
    let mut drifts = Vec::new();
    for (system, old) in &committed.by_system {
        let objects: Vec<String> = match &usage {
            Some(usage) => usage
                .objects_of(*system)
                .into_iter()
                .filter(|o| old.objects.contains_key(o))
                .collect(),
            None => old.objects.keys().cloned().collect(),
        };
        if objects.is_empty() {
            continue;
        }
        let mut scoped = old.clone();
        scoped.objects.retain(|name, _| objects.contains(name));
        // An object the CRM no longer describes shows up as a request error: the whole
        // system's fetch failure is an error, not drift.
        let live = fetch(*system, &objects, &clients).await?;
        drifts.extend(schema_sync::diff_snapshots(&scoped, &live, usage.as_ref()));
    }
    let breaking = drifts.iter().filter(|d| d.breaking).count();
    if args.json {
        let json = serde_json::json!({"breaking": breaking, "drift": drifts});
        let text =
            serde_json::to_string_pretty(&json).map_err(|source| CliError::Unserializable {
                what: "the drift report",
                source,
            })?;
        println!("{text}");
    } else {
        if usage.is_none() {
            println!("no --spec given: every removal counts as breaking");
        }
        if drifts.is_empty() {
            println!(
                "no drift: the live schemas match {}",
                args.common.schemas.display()
            );
        }
        for drift in &drifts {
            let mark = if drift.breaking {
                "breaking"
            } else {
                "info    "
            };
            println!("{mark}  {}", drift.describe());
        }
        if breaking > 0 {
            println!(
                "{breaking} breaking change(s): run `tandem schema pull` and fix the spec, then `tandem validate`"
            );
        }
    }
    Ok(if breaking > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
