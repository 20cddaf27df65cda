//! Why a session step failed: one variant per cause, each with its permanent code (or the
//! wrapped stage error's own, for the transparent ones), raw data fields, and help when a fix
//! is known. The cli renders them; nothing here is preformatted for a terminal.

use std::path::PathBuf;

use miette::Diagnostic;
use thiserror::Error;

use crate::connectors::ConnectorError;
use crate::connectors::config::ConfigError;
use crate::diagnostics::{Diag, SourceMap};
use crate::plan::LimitViolation;
use crate::project::LoadError;
use crate::runtime::{ApplyError, CrmError};
use crate::state::StateError;

#[derive(Debug, Error, Diagnostic)]
pub enum SessionError {
    /// The spec's files could not be read (missing path, not a spec, IO).
    #[error(transparent)]
    #[diagnostic(transparent)]
    SpecUnreadable(#[from] LoadError),

    /// The offline stages found errors; `diags` holds every diagnostic (warnings too), sorted
    /// for output, and `sources` the files they point into.
    #[error("the spec has {errors} error(s); nothing was read from or written to a CRM")]
    #[diagnostic(
        code(tandem::session::invalid_spec),
        help("`tandem validate` shows every diagnostic with its source")
    )]
    InvalidSpec {
        errors: usize,
        diags: Vec<Diag>,
        sources: SourceMap,
    },

    /// A spec without errors that the checker did not run on: the pipeline broke a promise.
    #[error("the checker did not run, so there is nothing to compile")]
    #[diagnostic(code(tandem::session::checker_skipped))]
    CheckerSkipped,

    #[error(transparent)]
    #[diagnostic(transparent)]
    State(#[from] StateError),

    /// The connection configuration (`TANDEM_*` variables or `tandem.toml`) is incomplete or
    /// wrong.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(#[from] ConfigError),

    /// A connector could not be built from its configuration.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Connector(#[from] ConnectorError),

    /// Reading a CRM for the plan failed; the connector's code and help say why.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Read(CrmError),

    /// The plan exceeds a sync's blast-radius limit; `refused` says what was not done.
    #[error("the plan exceeds the spec's blast-radius limits; {}", refused.consequence())]
    #[diagnostic(
        code(tandem::session::over_limits),
        help(
            "raise `limit` in the sync if the change is intended, or find why so much would change"
        )
    )]
    OverLimits {
        violations: Vec<LimitViolation>,
        refused: LimitRefusal,
    },

    #[error("cannot read {}: {source}", path.display())]
    #[diagnostic(code(tandem::session::plan_file_unreadable))]
    PlanFileUnreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{} is a plan file of format {found}; this tandem reads format {known}", path.display())]
    #[diagnostic(
        code(tandem::session::plan_file_format),
        help("run `tandem plan -out FILE` again with this tandem")
    )]
    PlanFileFormat {
        path: PathBuf,
        found: u32,
        known: u32,
    },

    #[error(
        "{} is neither a spec nor a plan saved by `tandem plan --out`: {source}",
        path.display()
    )]
    #[diagnostic(code(tandem::session::not_a_plan_file))]
    NotAPlanFile {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },

    #[error("cannot write {}: {source}", path.display())]
    #[diagnostic(code(tandem::session::plan_file_unwritable))]
    PlanFileUnwritable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The saved plan (or the plan just made) was refused by apply, or a state write failed
    /// during it.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Apply(#[from] ApplyError),

    /// `tandem errors retry --id N` named numbers the error queue does not hold.
    #[error("the error queue has no record {}; nothing was changed", numbered(ids))]
    #[diagnostic(
        code(tandem::session::unknown_queued_error),
        help("`tandem errors list` shows the queued numbers")
    )]
    UnknownQueuedErrors { ids: Vec<i64> },
}

/// What a plan over its limits was refused for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitRefusal {
    /// `tandem plan`: shown, but neither saved nor applicable.
    SaveAndApply,
    /// `tandem apply SPEC`: shown, and nothing was applied.
    Apply,
}

impl LimitRefusal {
    fn consequence(self) -> &'static str {
        match self {
            LimitRefusal::SaveAndApply => "it was not saved and cannot be applied",
            LimitRefusal::Apply => "nothing was applied",
        }
    }
}

fn numbered(ids: &[i64]) -> String {
    ids.iter()
        .map(|id| format!("#{id}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl SessionError {
    /// The spec's diagnostics and their files, when this is [`SessionError::InvalidSpec`]:
    /// the cli renders those (with the source shown) instead of the one-line message.
    pub fn spec_diagnostics(&self) -> Option<(&[Diag], &SourceMap)> {
        match self {
            SessionError::InvalidSpec { diags, sources, .. } => Some((diags, sources)),
            _ => None,
        }
    }
}
