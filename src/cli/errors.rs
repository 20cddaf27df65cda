//! `tandem errors list|retry`: records that failed to write, and asking for another try.

use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::error::CliError;
use super::spec_args::SpecArgs;
use crate::session::ReviewQueues;

#[derive(Debug, Args)]
pub struct ErrorsArgs {
    #[command(subcommand)]
    pub action: ErrorsAction,
}

#[derive(Debug, Subcommand)]
pub enum ErrorsAction {
    /// List the queued failures with their reasons.
    List {
        #[command(flatten)]
        spec: SpecArgs,
        #[arg(long)]
        json: bool,
    },
    /// Retry queued failures on the next apply even if nothing changed (all, or by number).
    Retry {
        #[command(flatten)]
        spec: SpecArgs,
        #[arg(long = "id", value_name = "N")]
        ids: Vec<i64>,
    },
}

pub fn run(args: ErrorsArgs) -> Result<ExitCode, CliError> {
    match args.action {
        ErrorsAction::List { spec, json } => {
            let errors = ReviewQueues::open(&spec.location())?.queued_errors()?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&errors).unwrap_or_default()
                );
                return Ok(ExitCode::SUCCESS);
            }
            if errors.is_empty() {
                println!("The error queue is empty.");
            }
            for error in &errors {
                println!(
                    "#{:<5} sync {} → {} record {} (attempts {}{}): {}",
                    error.id,
                    error.sync,
                    error.target,
                    error.source_id,
                    error.attempts,
                    if error.retry_requested {
                        ", retry requested"
                    } else {
                        ""
                    },
                    error.reason
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        ErrorsAction::Retry { spec, ids } => {
            // A number that is not in the queue is a typo or an already settled record: the
            // driver says so and changes nothing, rather than report "0 will be retried".
            let count = ReviewQueues::open(&spec.location())?.request_retry(&ids)?;
            let records = if count == 1 { "record" } else { "records" };
            println!("{count} queued {records} will be retried by the next `tandem apply`.");
            Ok(ExitCode::SUCCESS)
        }
    }
}
