//! `tandem plan SPEC`: read both CRMs and show every record and field that would change.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::error::CliError;
use super::spec_args::SpecArgs;
use super::views::{not_synced_notes, on_open_event};
use crate::plan::view::{HumanViewOptions, render_human, write_json};
use crate::session::{LimitRefusal, PlanOptions, Session};

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub spec: SpecArgs,
    /// Save the plan to FILE; `tandem apply FILE` applies exactly it.
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Print the plan as JSON instead of the human view.
    #[arg(long)]
    pub json: bool,
    /// Exit 0 when nothing would change, 2 when something would, 1 on error.
    #[arg(long = "detailed-exitcode")]
    pub detailed_exitcode: bool,
    /// Read everything instead of only what changed since the last apply.
    #[arg(long)]
    pub full: bool,
    /// Records shown per sync in the human view.
    #[arg(long, default_value_t = 50)]
    pub max_records: usize,
}

pub fn run(args: PlanArgs) -> Result<ExitCode, CliError> {
    let mut session = Session::open(args.spec.session_options(false), &mut on_open_event)?;
    let rt = super::async_runtime::for_session()?;
    let outcome = rt.block_on(session.plan(PlanOptions { full: args.full }))?;
    if args.json {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        write_json(&outcome.plan, &mut out)
            .and_then(|_| out.flush())
            .map_err(|source| CliError::Output {
                what: "the plan",
                source,
            })?;
    } else {
        eprint!("{}", not_synced_notes(session.program()));
        print!(
            "{}",
            render_human(
                &outcome.plan,
                HumanViewOptions {
                    max_records: args.max_records
                }
            )
        );
    }
    // Shown, then refused: a plan over its limits is never saved and cannot be applied.
    outcome.refuse_over_limits(LimitRefusal::SaveAndApply)?;
    let changes = outcome.plan.has_changes();
    if let Some(out) = &args.out {
        session.save_plan(outcome, out)?;
        eprintln!(
            "Saved the plan to {}; `tandem apply {}` applies exactly it.",
            out.display(),
            out.display()
        );
    }
    Ok(exit_for(args.detailed_exitcode, changes))
}

fn exit_for(detailed: bool, changes: bool) -> ExitCode {
    if detailed && changes {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}
