//! Plumbing shared by `compile`, `plan`, `apply`, `errors`, `conflicts` and `demo`: load and
//! compile a spec, open its state store, connect to both CRMs, print diagnostics.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Args;

use crate::compile::Program;
use crate::compile::from_ast::{Tables, compile_spec, schema_digest};
use crate::connectors::{HubSpotClient, ProcessEnv, SalesforceClient};
use crate::diagnostics::{self, Diag, SourceMap};
use crate::runtime::connected::{HubSpotCrm, SalesforceCrm};
use crate::schema::Schemas;
use crate::state::{StateStore, default_state_path};

/// Where the spec, its schemas and its state are.
#[derive(Debug, Clone, Args)]
pub struct SpecArgs {
    /// The spec: a `.tandem` file or a folder of them.
    #[arg(default_value = ".")]
    pub spec: PathBuf,
    /// The state store (default: `.tandem/state.db` beside the spec).
    #[arg(long, value_name = "PATH")]
    pub state: Option<PathBuf>,
    /// The schema snapshots folder (default: the nearest `schemas/` above the spec, else the
    /// shipped standard snapshots).
    #[arg(long, value_name = "DIR")]
    pub schemas: Option<PathBuf>,
    /// A named environment from `tandem.toml` (default: the `TANDEM_*` variables).
    #[arg(long = "env", value_name = "NAME")]
    pub environment: Option<String>,
}

/// A compiled spec, ready to plan.
pub struct Compiled {
    pub program: Program,
    pub schema_digest: String,
    pub spec_dir: PathBuf,
}

fn spec_dir(spec: &Path) -> PathBuf {
    if spec.is_dir() {
        spec.to_path_buf()
    } else {
        spec.parent()
            .map(Path::to_path_buf)
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from("."))
    }
}

/// Reads the spec's files in sorted order into a source map.
fn read_sources(spec: &Path) -> Result<SourceMap, String> {
    let mut files: Vec<PathBuf> = Vec::new();
    if spec.is_dir() {
        let entries = std::fs::read_dir(spec)
            .map_err(|e| format!("cannot read the spec folder {}: {e}", spec.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|ext| ext == "tandem") {
                files.push(path);
            }
        }
        files.sort();
        if files.is_empty() {
            return Err(format!("no `.tandem` files in {}", spec.display()));
        }
    } else {
        files.push(spec.to_path_buf());
    }
    let mut sources = SourceMap::new();
    for path in files {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        sources.add(path.display().to_string(), text);
    }
    Ok(sources)
}

fn load_schemas(args: &SpecArgs, dir: &Path) -> Result<Schemas, String> {
    if let Some(explicit) = &args.schemas {
        return crate::schema::snapshot::load_dir(explicit).map_err(|e| e.to_string());
    }
    let mut current = std::fs::canonicalize(dir).ok();
    while let Some(candidate) = current {
        let schemas = candidate.join("schemas");
        if schemas.join("hubspot.yaml").exists() || schemas.join("salesforce.yaml").exists() {
            return crate::schema::snapshot::load_dir(&schemas).map_err(|e| e.to_string());
        }
        current = candidate.parent().map(Path::to_path_buf);
    }
    Ok(Schemas::standard())
}

fn load_tables(spec: &crate::syntax::ast::Spec, dir: &Path) -> Result<Tables, String> {
    let mut tables = BTreeMap::new();
    for table in spec.tables() {
        let path = dir.join(&table.path.value);
        let mut reader = csv::Reader::from_path(&path).map_err(|e| {
            format!(
                "cannot read table `{}` from {}: {e}",
                table.name.name,
                path.display()
            )
        })?;
        let mut rows = BTreeMap::new();
        for record in reader.records() {
            let record = record.map_err(|e| format!("{}: {e}", path.display()))?;
            if let (Some(key), Some(value)) = (record.get(0), record.get(1)) {
                rows.insert(key.to_string(), value.to_string());
            }
        }
        tables.insert(table.name.name.clone(), rows);
    }
    Ok(tables)
}

fn print_diags(diags: &mut [Diag], sources: &SourceMap) {
    diagnostics::sort_for_output(diags);
    let width = 100;
    eprint!(
        "{}",
        diagnostics::render_human(diags, sources, false, width)
    );
}

/// Parses, checks and compiles the spec; prints diagnostics and returns `None` on error.
pub fn compile(args: &SpecArgs) -> Option<Compiled> {
    let sources = match read_sources(&args.spec) {
        Ok(sources) => sources,
        Err(message) => {
            eprintln!("error: {message}");
            return None;
        }
    };
    let dir = spec_dir(&args.spec);
    let (spec, mut diags) = crate::syntax::parse_spec(&sources);
    if diagnostics::has_errors(&diags) {
        print_diags(&mut diags, &sources);
        return None;
    }
    let schemas = match load_schemas(args, &dir) {
        Ok(schemas) => schemas,
        Err(message) => {
            eprintln!("error: {message}");
            return None;
        }
    };
    let tables = match load_tables(&spec, &dir) {
        Ok(tables) => tables,
        Err(message) => {
            eprintln!("error: {message}");
            return None;
        }
    };
    match compile_spec(&spec, &schemas, &tables) {
        Ok(program) => Some(Compiled {
            program,
            schema_digest: schema_digest(&schemas),
            spec_dir: dir,
        }),
        Err(mut diags) => {
            print_diags(&mut diags, &sources);
            None
        }
    }
}

pub fn state_path(args: &SpecArgs) -> PathBuf {
    args.state
        .clone()
        .unwrap_or_else(|| default_state_path(&args.spec))
}

pub fn open_state(args: &SpecArgs) -> Option<StateStore> {
    match StateStore::open(&state_path(args)) {
        Ok(store) => Some(store),
        Err(error) => {
            eprintln!("error: {error}");
            None
        }
    }
}

/// Connects to both CRMs from the `TANDEM_*` variables or `--env`.
pub fn connect(args: &SpecArgs, dir: &Path) -> Option<(HubSpotCrm, SalesforceCrm)> {
    let config =
        match crate::connectors::config::load(dir, args.environment.as_deref(), &ProcessEnv) {
            Ok(config) => config,
            Err(error) => {
                eprintln!("error: {error}");
                return None;
            }
        };
    let hubspot = config
        .hubspot()
        .map_err(|e| e.to_string())
        .and_then(|c| HubSpotClient::new(c).map_err(|e| e.to_string()));
    let salesforce = config
        .salesforce()
        .map_err(|e| e.to_string())
        .and_then(|c| SalesforceClient::new(c).map_err(|e| e.to_string()));
    match (hubspot, salesforce) {
        (Ok(hs), Ok(sf)) => Some((HubSpotCrm { client: hs }, SalesforceCrm { client: sf })),
        (Err(error), _) | (_, Err(error)) => {
            eprintln!("error: {error}");
            None
        }
    }
}

pub fn runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => Some(runtime),
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            None
        }
    }
}
