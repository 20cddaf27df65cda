//! cli: clap commands and their views. The only module that prints.
//!
//! Each command lives in its own file and exposes `run(args) -> ExitCode`; this file only
//! declares the command set and dispatches.

mod apply;
mod compile;
mod conflicts;
mod demo;
mod engine_session;
mod errors;
mod explain;
mod fmt;
mod plan;
mod sandbox;
mod schema;
mod validate;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "tandem",
    version,
    about = "Keep HubSpot and Salesforce in sync from a spec in git"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Explain a diagnostic code (`tandem explain tandem::check::unknown_field`).
    Explain(explain::ExplainArgs),
    /// Rewrite specs in canonical form (`--check`: list files that would change, exit 1).
    Fmt(fmt::FmtArgs),
    /// Pull live CRM schemas into schemas/*.yaml, or diff them against the committed ones.
    Schema(schema::SchemaArgs),
    /// Show what a spec compiles to: the Program, or the SOQL its reads run.
    Compile(compile::CompileArgs),
    /// Read both CRMs and show every record and field a sync would change.
    Plan(plan::PlanArgs),
    /// Apply a saved plan, or plan and apply after approval.
    Apply(apply::ApplyArgs),
    /// List or retry records that failed to write.
    Errors(errors::ErrorsArgs),
    /// List or resolve conflicts waiting for review.
    Conflicts(conflicts::ConflictsArgs),
    /// The whole loop on local sandbox CRMs: validate, plan, apply, plan again.
    Demo(demo::DemoArgs),
    /// Serve local HubSpot and Salesforce APIs with realistic data; prints TANDEM_* lines to source.
    Sandbox(sandbox::SandboxArgs),
    /// Check a spec offline: syntax, names, tables and (with schemas) types.
    Validate(validate::ValidateArgs),
}

/// Parses the command line, runs the command and returns the process exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Explain(args) => explain::run(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Schema(args) => schema::run(args),
        Command::Compile(args) => compile::run(args),
        Command::Plan(args) => plan::run(args),
        Command::Apply(args) => apply::run(args),
        Command::Errors(args) => errors::run(args),
        Command::Conflicts(args) => conflicts::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Sandbox(args) => sandbox::run(args),
        Command::Validate(args) => validate::run(args),
    }
}
