//! Why a command failed: the driver's [`SessionError`] and the stage errors of the commands
//! outside it (fmt, schema, sandbox), each with its permanent code, plus the cli's own
//! failures (arguments, output). [`super::report`] renders every one of them.

use std::path::PathBuf;

use miette::Diagnostic;
use thiserror::Error;

use crate::connectors::ConnectorError;
use crate::connectors::config::ConfigError;
use crate::project::LoadError;
use crate::sandbox::SandboxError;
use crate::sandbox::control::ControlError;
use crate::schema::convert::ConvertError;
use crate::schema::snapshot::SnapshotError;
use crate::session::SessionError;

#[derive(Debug, Error, Diagnostic)]
pub enum CliError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Session(#[from] SessionError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Spec(#[from] LoadError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(#[from] ConfigError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Connector(#[from] ConnectorError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Sandbox(#[from] SandboxError),

    #[error("cannot start the async runtime: {source}")]
    #[diagnostic(code(tandem::cli::async_runtime))]
    AsyncRuntime {
        #[source]
        source: std::io::Error,
    },

    /// Standard output refused a result (`what`: "the plan").
    #[error("cannot write {what}: {source}")]
    #[diagnostic(code(tandem::cli::output_failed))]
    Output {
        what: &'static str,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot serialize {what}: {source}")]
    #[diagnostic(code(tandem::cli::unserializable))]
    Unserializable {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },

    #[error("`{code}` is not a tandem diagnostic code (`tandem explain` lists them)")]
    #[diagnostic(code(tandem::cli::unknown_code))]
    UnknownCode { code: String },

    /// Some spec file under `path` does not parse; its diagnostics were shown.
    #[error("not formatting {}: fix the syntax errors first", path.display())]
    #[diagnostic(code(tandem::cli::fmt_syntax_errors))]
    FmtSyntaxErrors { path: PathBuf },

    #[error("cannot write {name}: {source}")]
    #[diagnostic(code(tandem::cli::fmt_write_failed))]
    FmtWriteFailed {
        name: String,
        #[source]
        source: std::io::Error,
    },

    #[error("--object `{flag}` must look like hs.contacts or sf.Lead")]
    #[diagnostic(code(tandem::cli::invalid_object_flag))]
    InvalidObjectFlag { flag: String },

    #[error("nothing to pull: pass --spec PATH or --object hs.contacts / --object sf.Lead")]
    #[diagnostic(code(tandem::cli::nothing_to_pull))]
    NothingToPull,

    #[error("{} has syntax errors; run `tandem validate` to see them", path.display())]
    #[diagnostic(code(tandem::cli::spec_syntax_errors))]
    SpecSyntaxErrors { path: PathBuf },

    #[error("cannot read the current directory: {source}")]
    #[diagnostic(code(tandem::cli::current_dir))]
    CurrentDir {
        #[source]
        source: std::io::Error,
    },

    #[error("{source}")]
    #[diagnostic(code(tandem::cli::schema_snapshots))]
    SchemaSnapshots {
        #[source]
        source: SnapshotError,
    },

    #[error("{source}")]
    #[diagnostic(code(tandem::cli::schema_convert))]
    SchemaConvert {
        #[source]
        source: ConvertError,
    },

    #[error("cannot write {}: {source}", path.display())]
    #[diagnostic(code(tandem::cli::demo_files))]
    DemoFiles {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{source}")]
    #[diagnostic(code(tandem::cli::demo_edit))]
    DemoEdit {
        #[source]
        source: ControlError,
    },
}

impl From<crate::state::StateError> for CliError {
    fn from(error: crate::state::StateError) -> Self {
        CliError::Session(SessionError::State(error))
    }
}
