//! `tandem conflicts list|resolve`: fields both sides changed under a `review` rule.

use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};

use super::engine_session::{SpecArgs, open_state};
use tandem_ground::failure::display_value as display;

#[derive(Debug, Args)]
pub struct ConflictsArgs {
    #[command(subcommand)]
    pub action: ConflictsAction,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Side {
    Hs,
    Sf,
}

#[derive(Debug, Subcommand)]
pub enum ConflictsAction {
    /// List the open conflicts.
    List {
        #[command(flatten)]
        spec: SpecArgs,
        #[arg(long)]
        json: bool,
    },
    /// Choose the side whose value wins; the next apply writes it to the other side.
    Resolve {
        /// The conflict's number from `tandem conflicts list`.
        id: i64,
        #[arg(long, value_enum)]
        take: Side,
        #[command(flatten)]
        spec: SpecArgs,
    },
}

pub fn run(args: ConflictsArgs) -> ExitCode {
    match args.action {
        ConflictsAction::List { spec, json } => {
            let Some(store) = open_state(&spec) else {
                return ExitCode::from(1);
            };
            let conflicts = match store.conflicts(false) {
                Ok(conflicts) => conflicts,
                Err(error) => {
                    eprintln!("error: {error}");
                    return ExitCode::from(1);
                }
            };
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&conflicts).unwrap_or_default()
                );
                return ExitCode::SUCCESS;
            }
            if conflicts.is_empty() {
                println!("No conflicts wait for review.");
            }
            for c in &conflicts {
                println!(
                    "#{:<5} sync {} hs {} ⇄ sf {}  {}: hs {} vs sf {} (last synced: {})",
                    c.id,
                    c.sync,
                    c.hs_id,
                    c.sf_id,
                    c.field,
                    display(&c.hs_value),
                    display(&c.sf_value),
                    c.base
                        .as_ref()
                        .map(|b| format!("hs {} / sf {}", display(&b.hs), display(&b.sf)))
                        .unwrap_or_else(|| "never".to_string())
                );
            }
            ExitCode::SUCCESS
        }
        ConflictsAction::Resolve { id, take, spec } => {
            let Some(mut store) = open_state(&spec) else {
                return ExitCode::from(1);
            };
            let side = match take {
                Side::Hs => "hs",
                Side::Sf => "sf",
            };
            match store.write(|w| w.resolve_conflict(id, side)) {
                Ok(()) => {
                    println!(
                        "Conflict #{id} resolved for {side}; the next `tandem apply` writes it."
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
