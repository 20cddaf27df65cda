//! `tandem apply [PLAN_FILE | SPEC]`: apply a saved plan exactly, or plan, show, ask, apply.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use clap::Args;

use super::error::CliError;
use super::spec_args::SpecArgs;
use super::views::{apply_with_views, not_synced_notes, on_open_event, summary_json, summary_line};
use crate::plan::view::{HumanViewOptions, render_human};
use crate::session::{LimitRefusal, PlanOptions, SavedPlan, Session, SessionOptions};

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// A plan file saved by `tandem plan --out`, or a spec to plan and apply.
    #[command(flatten)]
    pub spec: SpecArgs,
    /// Apply without asking (for CI).
    #[arg(long = "auto-approve")]
    pub auto_approve: bool,
    /// Print the runtime's events as JSON lines instead of progress bars.
    #[arg(long)]
    pub json: bool,
    /// Read everything instead of only what changed since the last apply.
    #[arg(long)]
    pub full: bool,
}

fn approve() -> bool {
    eprint!("\nDo you want to apply these changes? Only 'yes' will be accepted: ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        return false;
    }
    answer.trim() == "yes"
}

pub fn run(args: ApplyArgs) -> Result<ExitCode, CliError> {
    // A plan file names its spec and state; `--state` still wins over the one it names.
    let saved = if SavedPlan::is_plan_file(&args.spec.spec) {
        Some(SavedPlan::load(&args.spec.spec)?)
    } else {
        None
    };
    let location = match &saved {
        Some(saved) => saved.location(args.spec.state.clone(), args.spec.schemas.clone()),
        None => args.spec.location(),
    };
    // The lock is held from before the plan is made until the apply ends: no other apply
    // can interleave with this one.
    let options = SessionOptions {
        location,
        connection: args.spec.connection(),
        hold_apply_lock: true,
    };
    let mut session = Session::open(options, &mut on_open_event)?;
    let rt = super::async_runtime::for_session()?;
    let plan = match saved {
        Some(saved) => saved.plan,
        None => {
            let outcome = rt.block_on(session.plan(PlanOptions { full: args.full }))?;
            if !args.json {
                eprint!("{}", not_synced_notes(session.program()));
                print!(
                    "{}",
                    render_human(&outcome.plan, HumanViewOptions::default())
                );
            }
            outcome.refuse_over_limits(LimitRefusal::Apply)?;
            if outcome.anything_to_apply() && !args.auto_approve && !approve() {
                eprintln!("Apply cancelled.");
                return Ok(ExitCode::from(1));
            }
            outcome.plan
        }
    };
    let outcome = rt.block_on(apply_with_views(&mut session, &plan, args.json))?;
    if args.json {
        println!("{}", summary_json(&outcome));
    } else {
        println!("{}", summary_line(&outcome.summary));
    }
    Ok(if outcome.complete() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
