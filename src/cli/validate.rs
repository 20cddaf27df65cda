//! `tandem validate PATH`: parse and check a spec offline; exit 0 when clean, 1 on errors.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use crate::diagnostics::{
    deny_warnings, has_errors, render_github, render_human, render_json, sort_for_output,
};
use crate::project::{ValidateOptions, Validation, validate};

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// A `.tandem` file, or a folder whose `*.tandem` files form one spec.
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
    /// Reports with the source shown (to stderr), and a summary line.
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

/// Width of human reports when the terminal's is unknown.
const REPORT_WIDTH: usize = 100;

pub fn run(args: ValidateArgs) -> ExitCode {
    let options = ValidateOptions {
        schemas_dir: args.schemas.clone(),
    };
    let mut validation = match validate(&args.path, &options) {
        Ok(validation) => validation,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(1);
        }
    };
    if args.deny.contains(&Denied::Warnings) {
        deny_warnings(&mut validation.diags);
    }
    sort_for_output(&mut validation.diags);
    let failed = has_errors(&validation.diags);
    let sources = validation.sources();
    match args.format {
        OutputFormat::Human => {
            let colour = std::io::stderr().is_terminal();
            eprint!(
                "{}",
                render_human(&validation.diags, sources, colour, REPORT_WIDTH)
            );
            if failed {
                eprintln!("{}", summary(&args.path, &validation));
            } else {
                println!("{}", summary(&args.path, &validation));
            }
        }
        OutputFormat::Json => print!("{}", render_json(&validation.diags, sources)),
        OutputFormat::Github => print!("{}", render_github(&validation.diags, sources)),
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// "specs/revops: 4 syncs, 3 value maps, 2 tables, 3 triggers; no problems found".
fn summary(path: &std::path::Path, validation: &Validation) -> String {
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
