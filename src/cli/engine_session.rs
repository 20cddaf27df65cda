//! Plumbing shared by `compile`, `plan`, `apply`, `errors`, `conflicts` and `demo`: load and
//! compile a spec, open its state store, connect to both CRMs, print diagnostics.

use std::path::{Path, PathBuf};

use crate::project::{ValidateOptions, validate};

use clap::Args;

use crate::compile::Program;
use crate::compile::schema_digest;
use crate::connectors::{HubSpotClient, ProcessEnv, SalesforceClient};
use crate::diagnostics::{self, Diag, SourceMap};
use crate::runtime::{HubSpotCrm, SalesforceCrm};
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
    /// The schema snapshots folder (default: the nearest `schemas/` folder at or above the
    /// spec; without one, the spec is refused with `tandem::check::missing_schema`).
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

fn print_diags(diags: &mut [Diag], sources: &SourceMap) {
    diagnostics::sort_for_output(diags);
    eprint!("{}", diagnostics::render_human(diags, sources, false, 100));
}

/// Loads the spec, runs every offline stage (syntax, names, tables, the schema-aware
/// checker) and compiles it. Prints diagnostics and returns `None` on any error: nothing is
/// read from or written to a CRM unless the spec is clean.
pub fn compile(args: &SpecArgs) -> Option<Compiled> {
    let options = ValidateOptions {
        schemas_dir: args.schemas.clone(),
    };
    let mut validation = match validate(&args.spec, &options) {
        Ok(validation) => validation,
        Err(error) => {
            eprintln!("error: {error}");
            return None;
        }
    };
    if diagnostics::has_errors(&validation.diags) {
        let sources = validation.loaded.sources.clone();
        print_diags(&mut validation.diags, &sources);
        return None;
    }
    // The pipeline already ran the schema-aware checker; what is left are warnings.
    let sources = validation.loaded.sources.clone();
    let warnings = validation.diags.len();
    if warnings > 0 {
        eprintln!("note: the checker found {warnings} warning(s); `tandem validate` shows them");
    }
    // A clean validation always ran the checker (on both snapshots: a missing one is an
    // error); compile consumes what it resolved.
    let Some(checked) = validation.checked.as_ref() else {
        eprintln!("error: the checker did not run, so there is nothing to compile");
        return None;
    };
    match crate::compile::compile(checked) {
        Ok(program) => Some(Compiled {
            program,
            schema_digest: schema_digest(&validation.schemas),
            spec_dir: validation.loaded.root.clone(),
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
    connect_with(&config)
}

/// Connects to both CRMs with an explicit configuration.
pub fn connect_with(
    config: &crate::connectors::ConnectionConfig,
) -> Option<(HubSpotCrm, SalesforceCrm)> {
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
