//! cli: clap commands and their views. The only module that prints.
//!
//! Each command lives in its own file and exposes `run(args) -> Result<ExitCode, CliError>`:
//! it turns its arguments into the driver's options ([`crate::session`]), calls it, renders
//! the values and events it returns (a human view and, where asked, a JSON view) and maps
//! the outcome to an exit code. This file declares the command set, dispatches, and hands
//! every error to [`report`], the one place errors are rendered.

mod apply;
mod async_runtime;
mod compile;
mod conflicts;
mod demo;
mod error;
mod errors;
mod explain;
mod fmt;
mod plan;
pub mod report;
mod sandbox;
mod schema;
mod spec_args;
mod validate;
mod views;

pub use error::CliError;

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
    let cli = Cli::parse_from(terraform_spellings(std::env::args_os()));
    let result = match cli.command {
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
    };
    match result {
        Ok(code) => code,
        Err(error) => report::report(&error),
    }
}

/// Terraform users type `tandem plan -out FILE`; clap would read that as `-o ut FILE` and
/// save the plan to a file named `ut`. The single-dash spelling is taken as `--out`.
fn terraform_spellings(
    args: impl IntoIterator<Item = std::ffi::OsString>,
) -> Vec<std::ffi::OsString> {
    args.into_iter()
        .map(|arg| match arg.to_str() {
            Some("-out") => "--out".into(),
            Some(text) if text.starts_with("-out=") => format!("-{text}").into(),
            _ => arg,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::terraform_spellings;

    #[test]
    fn single_dash_out_is_read_as_the_long_option() {
        let args = [
            "tandem",
            "plan",
            "specs/revops",
            "-out",
            "p.json",
            "-out=q.json",
            "-o",
            "r",
        ];
        let spelled: Vec<String> = terraform_spellings(args.iter().map(Into::into))
            .into_iter()
            .map(|a| a.into_string().expect("utf-8"))
            .collect();
        assert_eq!(
            spelled,
            [
                "tandem",
                "plan",
                "specs/revops",
                "--out",
                "p.json",
                "--out=q.json",
                "-o",
                "r"
            ]
        );
    }
}
