//! `tandem compile SPEC --emit program|soql`: show what the spec compiles to, for review.

use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::error::CliError;
use super::spec_args::SpecArgs;
use super::views::compiled_note;
use crate::compile::Pushdown;
use crate::compile::pushdown::soql_query;
use crate::session::compile_spec;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Emit {
    /// The Program as JSON: per sync, what is read, matched, computed and written.
    Program,
    /// The SOQL each sync's Salesforce read runs, and HubSpot's search filters.
    Soql,
}

#[derive(Debug, Args)]
pub struct CompileArgs {
    #[command(flatten)]
    pub spec: SpecArgs,
    #[arg(long, value_enum, default_value = "program")]
    pub emit: Emit,
}

pub fn run(args: CompileArgs) -> Result<ExitCode, CliError> {
    let compiled = compile_spec(&args.spec.location())?;
    eprint!("{}", compiled_note(compiled.warnings));
    match args.emit {
        Emit::Program => {
            let text = serde_json::to_string_pretty(&compiled.program).map_err(|source| {
                CliError::Unserializable {
                    what: "the Program",
                    source,
                }
            })?;
            use std::io::Write;
            // A closed pipe (`| head`) is not an error worth a panic.
            let _ = writeln!(std::io::stdout(), "{text}");
        }
        Emit::Soql => {
            for sync in &compiled.program.syncs {
                println!("-- sync {}", sync.name);
                println!("{};", soql_query(&sync.sf));
                if let Some(Pushdown::HubspotSearch { filter_groups }) = &sync.hs.pushdown {
                    println!(
                        "-- hs.{} search filterGroups: {}",
                        sync.hs.object,
                        serde_json::to_string(filter_groups).unwrap_or_default()
                    );
                }
                for note in &sync.not_synced {
                    println!("-- not synced: {note}");
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
