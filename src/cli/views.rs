//! Views shared by `plan`, `apply` and `demo`: notes about the compiled spec, apply's
//! progress bar or JSON event lines, and the summary of an apply.

use std::io::IsTerminal;

use crate::compile::Program;
use crate::plan::Plan;
use crate::runtime::{ApplySummary, Event};
use crate::session::{ApplyOutcome, Session, SessionError, SessionEvent};

/// The human view of what [`Session::open`] reports (to standard error).
pub fn on_open_event(event: SessionEvent<'_>) {
    if let SessionEvent::SpecCompiled { warnings } = event {
        eprint!("{}", compiled_note(warnings));
    }
}

/// "note: the checker found N warning(s)", or nothing for a spec without warnings.
pub fn compiled_note(warnings: usize) -> String {
    if warnings == 0 {
        return String::new();
    }
    format!("note: the checker found {warnings} warning(s); `tandem validate` shows them\n")
}

/// One note per mapping the spec declares but the Program does not sync.
pub fn not_synced_notes(program: &Program) -> String {
    let mut out = String::new();
    for sync in &program.syncs {
        for note in &sync.not_synced {
            out.push_str(&format!("note: sync {}: {note}\n", sync.name));
        }
    }
    out
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

/// The last line of `apply --json`: the summary, marked as such, with whether the run was
/// complete (as the human view's summary says "complete"; without it a reader sees batches
/// but not how the run ended).
pub fn summary_json(outcome: &ApplyOutcome) -> serde_json::Value {
    let mut line = serde_json::to_value(&outcome.summary).unwrap_or_default();
    if let Some(object) = line.as_object_mut() {
        object.insert("event".into(), "summary".into());
        object.insert("complete".into(), outcome.complete().into());
    }
    line
}

/// Applies `plan` through `session` with a progress bar (or, `json`, one JSON line per
/// runtime event on standard output).
pub async fn apply_with_views(
    session: &mut Session,
    plan: &Plan,
    json: bool,
) -> Result<ApplyOutcome, SessionError> {
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
    let mut on_event = |event: SessionEvent<'_>| {
        let SessionEvent::Apply(event) = event else {
            return;
        };
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
    let result = session.apply(plan, &mut on_event).await;
    bar.finish_and_clear();
    result
}
