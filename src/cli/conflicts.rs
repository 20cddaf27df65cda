//! `tandem conflicts list|resolve`: fields both sides changed under a `review` rule.

use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};

use super::error::CliError;
use super::spec_args::SpecArgs;
use crate::schema::System;
use crate::session::ReviewQueues;
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

pub fn run(args: ConflictsArgs) -> Result<ExitCode, CliError> {
    match args.action {
        ConflictsAction::List { spec, json } => {
            let conflicts = ReviewQueues::open(&spec.location())?.open_conflicts()?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&conflicts).unwrap_or_default()
                );
                return Ok(ExitCode::SUCCESS);
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
            Ok(ExitCode::SUCCESS)
        }
        ConflictsAction::Resolve { id, take, spec } => {
            let side = match take {
                Side::Hs => System::Hubspot,
                Side::Sf => System::Salesforce,
            };
            ReviewQueues::open(&spec.location())?.resolve_conflict(id, side)?;
            println!(
                "Conflict #{id} resolved for {}; the next `tandem apply` writes it.",
                side.short_name()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
