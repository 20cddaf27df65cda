//! `tandem errors list|retry`: records that failed to write, and asking for another try.

use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::engine_session::{SpecArgs, open_state};

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

pub fn run(args: ErrorsArgs) -> ExitCode {
    match args.action {
        ErrorsAction::List { spec, json } => {
            let Some(store) = open_state(&spec) else {
                return ExitCode::from(1);
            };
            let errors = match store.queued_errors() {
                Ok(errors) => errors,
                Err(error) => {
                    eprintln!("error: {error}");
                    return ExitCode::from(1);
                }
            };
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&errors).unwrap_or_default()
                );
                return ExitCode::SUCCESS;
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
            ExitCode::SUCCESS
        }
        ErrorsAction::Retry { spec, ids } => {
            let Some(mut store) = open_state(&spec) else {
                return ExitCode::from(1);
            };
            // A number that is not in the queue is a typo or an already settled record: say
            // so and change nothing, rather than report "0 will be retried" and exit 0.
            let queued = match store.queued_errors() {
                Ok(errors) => errors,
                Err(error) => {
                    eprintln!("error: {error}");
                    return ExitCode::from(1);
                }
            };
            let unknown: Vec<String> = ids
                .iter()
                .filter(|id| !queued.iter().any(|e| e.id == **id))
                .map(|id| format!("#{id}"))
                .collect();
            if !unknown.is_empty() {
                eprintln!(
                    "error: the error queue has no record {}; nothing was changed\n  help: `tandem errors list` shows the queued numbers",
                    unknown.join(", ")
                );
                return ExitCode::from(1);
            }
            match store.write(|w| w.request_retry(&ids)) {
                Ok(count) => {
                    let records = if count == 1 { "record" } else { "records" };
                    println!(
                        "{count} queued {records} will be retried by the next `tandem apply`."
                    );
                    ExitCode::SUCCESS
                }
                Err(error) => {
                    eprintln!("error: {error}");
                    ExitCode::from(1)
                }
            }
        }
    }
}
