//! The arguments every spec command shares, and what they mean to the driver.

use std::path::PathBuf;

use clap::Args;

use crate::session::{Connection, SessionOptions, SpecLocation};

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

impl SpecArgs {
    pub fn location(&self) -> SpecLocation {
        SpecLocation {
            spec: self.spec.clone(),
            state: self.state.clone(),
            schemas: self.schemas.clone(),
        }
    }

    /// The `TANDEM_*` variables, or the `--env` environment of `tandem.toml`.
    pub fn connection(&self) -> Connection {
        Connection::Environment {
            name: self.environment.clone(),
        }
    }

    pub fn session_options(&self, hold_apply_lock: bool) -> SessionOptions {
        SessionOptions {
            location: self.location(),
            connection: self.connection(),
            hold_apply_lock,
        }
    }
}
