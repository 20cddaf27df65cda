//! `tandem plan SPEC`: read both CRMs and show every record and field that would change.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use serde::{Deserialize, Serialize};

use super::engine_session::{
    Compiled, SpecArgs, compile, connect, open_state, runtime, state_path,
};
use crate::plan::view::{HumanViewOptions, render_human, write_json};
use crate::plan::{ApiBudget, Plan, PlanInputs};
use crate::runtime::Crm;
use crate::state::StateStore;

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

/// A plan file: the Plan plus where its spec and state live.
#[derive(Debug, Serialize, Deserialize)]
pub struct SavedPlan {
    pub format_version: u32,
    pub spec: PathBuf,
    pub state: PathBuf,
    pub plan: Plan,
}

pub const SAVED_PLAN_FORMAT_VERSION: u32 = 1;

/// Whether this run may read incrementally: not when the last run left work of unknown
/// outcome, or a human asked for a retry or resolved a conflict (those need a full look).
pub fn may_read_incrementally(store: &StateStore) -> bool {
    let pending = store
        .pending_journal()
        .map(|p| !p.is_empty())
        .unwrap_or(true);
    let retry = store
        .queued_errors()
        .map(|e| e.iter().any(|e| e.retry_requested))
        .unwrap_or(true);
    let resolved = store
        .conflicts(true)
        .map(|c| c.iter().any(|c| c.resolution.is_some()))
        .unwrap_or(true);
    !(pending || retry || resolved)
}

/// Reads both sides and plans.
pub async fn make_plan<H: Crm, S: Crm>(
    compiled: &Compiled,
    store: &StateStore,
    hs: &mut H,
    sf: &mut S,
    full: bool,
) -> Result<Plan, String> {
    let state = store.snapshot().map_err(|e| e.to_string())?;
    let incremental = !full && may_read_incrementally(store);
    let reads = crate::runtime::read::read_all(&compiled.program, &state, hs, sf, incremental)
        .await
        .map_err(|e| e.to_string())?;
    Ok(crate::plan::plan(PlanInputs {
        program: &compiled.program,
        schema_digest: &compiled.schema_digest,
        state: &state,
        reads,
        budget: ApiBudget {
            hs_remaining: hs.remaining_budget(),
            sf_remaining: sf.remaining_budget(),
        },
    }))
}

pub fn not_synced_notes(compiled: &Compiled) -> String {
    let mut out = String::new();
    for sync in &compiled.program.syncs {
        for note in &sync.not_synced {
            out.push_str(&format!("note: sync {}: {note}\n", sync.name));
        }
    }
    out
}

pub fn save(path: &Path, saved: &SavedPlan) -> Result<(), String> {
    // Write beside and rename, so an interrupted save never leaves half a plan. Serialized
    // straight to the file: a large Plan's text never sits in memory beside the Plan.
    let temporary = path.with_extension("tmp");
    let write = || -> std::io::Result<()> {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&temporary)?);
        serde_json::to_writer_pretty(&mut out, saved)?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()
    };
    write()
        .and_then(|_| std::fs::rename(&temporary, path))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

pub fn run(args: PlanArgs) -> ExitCode {
    let Some(compiled) = compile(&args.spec) else {
        return ExitCode::from(1);
    };
    let Some(store) = open_state(&args.spec) else {
        return ExitCode::from(1);
    };
    let Some((mut hs, mut sf)) = connect(&args.spec, &compiled.spec_dir) else {
        return ExitCode::from(1);
    };
    let Some(rt) = runtime() else {
        return ExitCode::from(1);
    };
    let plan = match rt.block_on(make_plan(&compiled, &store, &mut hs, &mut sf, args.full)) {
        Ok(plan) => plan,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(1);
        }
    };
    if args.json {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        if let Err(error) = write_json(&plan, &mut out).and_then(|_| out.flush()) {
            eprintln!("error: cannot write the plan: {error}");
            return ExitCode::from(1);
        }
    } else {
        eprint!("{}", not_synced_notes(&compiled));
        print!(
            "{}",
            render_human(
                &plan,
                HumanViewOptions {
                    max_records: args.max_records
                }
            )
        );
    }
    if !plan.limit_violations.is_empty() {
        eprintln!(
            "error: the plan exceeds the spec's blast-radius limits; it was not saved and cannot be applied"
        );
        return ExitCode::from(1);
    }
    if let Some(out) = &args.out {
        let absolute = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        let saved = SavedPlan {
            format_version: SAVED_PLAN_FORMAT_VERSION,
            spec: absolute(&args.spec.spec),
            state: absolute(&state_path(&args.spec)),
            plan,
        };
        if let Err(message) = save(out, &saved) {
            eprintln!("error: {message}");
            return ExitCode::from(1);
        }
        eprintln!(
            "Saved the plan to {}; `tandem apply {}` applies exactly it.",
            out.display(),
            out.display()
        );
        return exit_for(args.detailed_exitcode, saved.plan.has_changes());
    }
    exit_for(args.detailed_exitcode, plan.has_changes())
}

fn exit_for(detailed: bool, changes: bool) -> ExitCode {
    if detailed && changes {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}
