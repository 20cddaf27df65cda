//! `tandem apply [PLAN_FILE | SPEC]`: apply a saved plan exactly, or plan, show, ask, apply.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::Args;

use super::engine_session::{Compiled, SpecArgs, compile, connect, open_state, runtime};
use super::plan::{SAVED_PLAN_FORMAT_VERSION, SavedPlan, make_plan, not_synced_notes};
use crate::plan::Plan;
use crate::plan::view::{HumanViewOptions, render_human};
use crate::runtime::{ApplySummary, Crm, Event};
use crate::state::StateStore;

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

fn is_saved_plan(path: &Path) -> bool {
    path.is_file() && path.extension().is_none_or(|ext| ext != "tandem")
}

/// The human summary of a finished (or stopped) apply.
pub fn summary_line(summary: &ApplySummary) -> String {
    let head = match &summary.stopped {
        None => "Apply complete".to_string(),
        Some(reason) => format!("Apply stopped early ({reason})"),
    };
    let mut text = format!(
        "{head}: {} created, {} updated, {} deleted, {} linked.",
        summary.created, summary.updated, summary.deleted, summary.linked
    );
    if summary.stale > 0 {
        text.push_str(&format!(
            "\n  {} skipped as stale (changed since the plan); the next plan picks them up.",
            summary.stale
        ));
    }
    if summary.rejected + summary.will_fail > 0 {
        text.push_str(&format!(
            "\n  {} rejected and {} that would fail are in the error queue (`tandem errors list`).",
            summary.rejected, summary.will_fail
        ));
    }
    if summary.conflicts_queued > 0 {
        text.push_str(&format!(
            "\n  {} for review (`tandem conflicts list`).",
            if summary.conflicts_queued == 1 {
                "1 conflict waits".to_string()
            } else {
                format!("{} conflicts wait", summary.conflicts_queued)
            }
        ));
    }
    if summary.recovered > 0 {
        text.push_str(&format!(
            "\n  {} writes of an interrupted run were settled by this one.",
            summary.recovered
        ));
    }
    text
}

/// Applies `plan` with a progress bar (or JSON events), and prints the summary.
pub async fn apply_with_views<H: Crm, S: Crm>(
    plan: &Plan,
    compiled: &Compiled,
    store: &mut StateStore,
    hs: &mut H,
    sf: &mut S,
    json: bool,
) -> Result<ApplySummary, String> {
    let total: u64 = plan.syncs.iter().map(|s| s.changes.len() as u64).sum();
    let bar = if json || total < 200 || !std::io::stderr().is_terminal() {
        indicatif::ProgressBar::hidden()
    } else {
        let bar = indicatif::ProgressBar::new(total);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} {msg:<24} [{bar:40}] {pos}/{len} records ({per_sec}, {eta} left)",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    };
    let mut on_event = |event: &Event| {
        if json {
            if let Ok(line) = serde_json::to_string(event) {
                println!("{line}");
            }
            return;
        }
        match event {
            Event::SyncStarted { sync, .. } => bar.set_message(format!("sync {sync}")),
            Event::Batch {
                written,
                rejected,
                stale,
                ..
            } => bar.inc((written + rejected + stale) as u64),
            Event::Stopped { reason } => bar.println(format!("stopped: {reason}")),
            _ => {}
        }
    };
    let result = crate::runtime::apply(
        plan,
        &compiled.program,
        &compiled.schema_digest,
        store,
        hs,
        sf,
        &mut on_event,
    )
    .await;
    bar.finish_and_clear();
    result.map_err(|e| format!("{e}{}", help_of(&e)))
}

fn help_of(error: &crate::runtime::ApplyError) -> String {
    use miette::Diagnostic;
    error
        .help()
        .map(|h| format!("\n  help: {h}"))
        .unwrap_or_default()
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

pub fn run(args: ApplyArgs) -> ExitCode {
    let mut spec_args = args.spec.clone();
    let saved: Option<SavedPlan> = if is_saved_plan(&args.spec.spec) {
        let file = match std::fs::File::open(&args.spec.spec) {
            Ok(file) => file,
            Err(error) => {
                eprintln!("error: cannot read {}: {error}", args.spec.spec.display());
                return ExitCode::from(1);
            }
        };
        // Parsed straight from the file: a large plan's text never sits beside the Plan.
        match serde_json::from_reader::<_, SavedPlan>(std::io::BufReader::new(file)) {
            Ok(saved) if saved.format_version == SAVED_PLAN_FORMAT_VERSION => {
                spec_args.spec = saved.spec.clone();
                if spec_args.state.is_none() {
                    spec_args.state = Some(saved.state.clone());
                }
                Some(saved)
            }
            Ok(saved) => {
                eprintln!(
                    "error: {} is a plan file of format {}; this tandem reads format {SAVED_PLAN_FORMAT_VERSION}",
                    args.spec.spec.display(),
                    saved.format_version
                );
                return ExitCode::from(1);
            }
            Err(error) if error.is_io() => {
                eprintln!("error: cannot read {}: {error}", args.spec.spec.display());
                return ExitCode::from(1);
            }
            Err(error) => {
                eprintln!(
                    "error: {} is neither a spec nor a plan saved by `tandem plan --out`: {error}",
                    args.spec.spec.display()
                );
                return ExitCode::from(1);
            }
        }
    } else {
        None
    };
    let Some(compiled) = compile(&spec_args) else {
        return ExitCode::from(1);
    };
    let Some(mut store) = open_state(&spec_args) else {
        return ExitCode::from(1);
    };
    // Held until this function returns: no other apply can interleave with this one.
    let _lock = match store.lock() {
        Ok(lock) => lock,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(1);
        }
    };
    let Some((mut hs, mut sf)) = connect(&spec_args, &compiled.spec_dir) else {
        return ExitCode::from(1);
    };
    let Some(rt) = runtime() else {
        return ExitCode::from(1);
    };
    let plan = match saved {
        Some(saved) => saved.plan,
        None => {
            let plan = match rt.block_on(make_plan(&compiled, &store, &mut hs, &mut sf, args.full))
            {
                Ok(plan) => plan,
                Err(message) => {
                    eprintln!("error: {message}");
                    return ExitCode::from(1);
                }
            };
            if !args.json {
                eprint!("{}", not_synced_notes(&compiled));
                print!("{}", render_human(&plan, HumanViewOptions::default()));
            }
            if !plan.limit_violations.is_empty() {
                eprintln!(
                    "error: the plan exceeds the spec's blast-radius limits; nothing was applied"
                );
                return ExitCode::from(1);
            }
            let anything = plan.has_changes()
                || plan.has_state_changes()
                || plan.syncs.iter().any(|s| !s.will_fail.is_empty());
            if anything && !args.auto_approve && !approve() {
                eprintln!("Apply cancelled.");
                return ExitCode::from(1);
            }
            plan
        }
    };
    match rt.block_on(apply_with_views(
        &plan, &compiled, &mut store, &mut hs, &mut sf, args.json,
    )) {
        Ok(summary) => {
            if args.json {
                // The last line of the JSON view says how the run ended, as the human view's
                // summary does; without it a reader sees batches but not "complete".
                let mut line = serde_json::to_value(&summary).unwrap_or_default();
                if let Some(object) = line.as_object_mut() {
                    object.insert("event".into(), "summary".into());
                    object.insert("complete".into(), summary.complete().into());
                }
                println!("{line}");
            } else {
                println!("{}", summary_line(&summary));
            }
            if summary.complete() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}
