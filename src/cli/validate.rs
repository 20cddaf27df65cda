//! `tandem validate PATH`: parse and check specs offline; exit 0 when clean, 1 on errors.
//! PATH is a `.tandem` file, a folder of them (one spec), or a folder of such folders.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::error::CliError;
use super::report::render_session;
use crate::diagnostics::{DiagnosticRecord, render_github, render_human, to_records};
use crate::project::Validation;
use crate::session::{ValidationOptions, validate_specs};

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// A `.tandem` file, a folder whose `*.tandem` files form one spec, or a folder of those.
    pub path: PathBuf,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
    /// `--deny warnings` treats warnings as errors.
    #[arg(long, value_enum)]
    pub deny: Vec<Denied>,
    /// The schema snapshots folder; default: the nearest `schemas/` folder at or above the spec.
    #[arg(long, value_name = "DIR")]
    pub schemas: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Reports with the source shown (to stderr), and a summary line per spec.
    Human,
    /// One JSON document with every diagnostic (to stdout).
    Json,
    /// GitHub Actions annotations, `::error file=...,line=...::message` (to stdout).
    Github,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Denied {
    Warnings,
}

/// Width of human reports.
const REPORT_WIDTH: usize = 100;

pub fn run(args: ValidateArgs) -> Result<ExitCode, CliError> {
    let options = ValidationOptions {
        schemas: args.schemas.clone(),
        deny_warnings: args.deny.contains(&Denied::Warnings),
    };
    let mut failed = false;
    let mut records: Vec<DiagnosticRecord> = Vec::new();
    for spec in validate_specs(&args.path, &options)? {
        failed |= spec.failed();
        let validation = match &spec.result {
            Ok(validation) => validation,
            // One unreadable spec does not hide the others' reports.
            Err(error) => {
                eprint!("{}", render_session(error));
                continue;
            }
        };
        let spec_failed = spec.failed();
        let sources = validation.sources();
        match args.format {
            OutputFormat::Human => {
                let colour = std::io::stderr().is_terminal();
                eprint!(
                    "{}",
                    render_human(&validation.diags, sources, colour, REPORT_WIDTH)
                );
                if spec_failed {
                    eprintln!("{}", summary(&spec.path, validation));
                } else {
                    println!("{}", summary(&spec.path, validation));
                }
            }
            OutputFormat::Json => records.extend(to_records(&validation.diags, sources)),
            OutputFormat::Github => print!("{}", render_github(&validation.diags, sources)),
        }
    }
    if args.format == OutputFormat::Json {
        print!("{}", json_document(&records));
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The `--format json` document over every spec validated (same shape as one spec's).
fn json_document(records: &[DiagnosticRecord]) -> String {
    let errors = records.iter().filter(|r| r.severity == "error").count();
    let warnings = records.iter().filter(|r| r.severity == "warning").count();
    let document = serde_json::json!({
        "diagnostics": records,
        "errors": errors,
        "warnings": warnings,
    });
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_else(|_| "{}".to_string());
    text.push('\n');
    text
}

/// "specs/revops: 4 sync(s), 3 value map(s), 2 table(s), 3 trigger(s); no problems found".
fn summary(path: &Path, validation: &Validation) -> String {
    let spec = &validation.spec;
    let errors = validation.diags.iter().filter(|d| d.is_error()).count();
    let warnings = validation.diags.len() - errors;
    let outcome = match (errors, warnings) {
        (0, 0) => "no problems found".to_string(),
        (0, w) => format!("{w} warning(s)"),
        (e, 0) => format!("{e} error(s)"),
        (e, w) => format!("{e} error(s), {w} warning(s)"),
    };
    format!(
        "{}: {} sync(s), {} value map(s), {} table(s), {} trigger(s); {outcome}",
        path.display(),
        spec.syncs().count(),
        spec.maps().count(),
        spec.tables().count(),
        spec.triggers().count(),
    )
}
