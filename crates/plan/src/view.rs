//! Views over a Plan: the human view in Terraform's manner and the JSON view. Pure functions
//! returning text; the cli decides where it goes.

use std::fmt::Write;

use tandem_ground::schema::System;

use super::model::*;
use tandem_ground::failure::display_value as display;

/// Options for the human view.
#[derive(Debug, Clone, Copy)]
pub struct HumanViewOptions {
    /// Records shown per sync and kind before the rest is summarised (`--json` has them all).
    pub max_records: usize,
}

impl Default for HumanViewOptions {
    fn default() -> Self {
        HumanViewOptions { max_records: 50 }
    }
}

fn object_of(sync: &SyncPlan, system: System) -> String {
    match system {
        System::Hubspot => format!("hs.{}", sync.hs_object),
        System::Salesforce => format!("sf.{}", sync.sf_object),
    }
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// The human view: per sync, `+` create, `~` update with `field: old → new` and the rule,
/// `-` delete, `!` conflict, `×` will fail; then totals and the API calls apply will spend.
pub fn render_human(plan: &Plan, options: HumanViewOptions) -> String {
    let mut out = String::new();
    let max = options.max_records;
    for sync in &plan.syncs {
        // Conflicts already waiting in `tandem conflicts` are shown as information.
        let interesting = sync.has_changes()
            || !sync.conflicts.is_empty()
            || !sync.will_fail.is_empty()
            || !sync.ambiguous.is_empty()
            || !sync.links.is_empty()
            || !sync.unlinks.is_empty();
        if !interesting {
            continue;
        }
        let _ = writeln!(
            out,
            "sync {} (hs.{} ⇄ sf.{})",
            sync.name, sync.hs_object, sync.sf_object
        );
        for (shown, change) in sync.changes.iter().enumerate() {
            if shown == max {
                let _ = writeln!(
                    out,
                    "  … and {} (see --json)",
                    plural(
                        (sync.changes.len() - max) as u64,
                        "more change",
                        "more changes"
                    )
                );
                break;
            }
            render_change(&mut out, sync, change);
        }
        for (shown, conflict) in sync.conflicts.iter().enumerate() {
            if shown == max {
                let _ = writeln!(
                    out,
                    "  … and {}",
                    plural(
                        (sync.conflicts.len() - max) as u64,
                        "more conflict",
                        "more conflicts"
                    )
                );
                break;
            }
            let _ = writeln!(
                out,
                "  {CONFLICT_SYMBOL} hs {} ⇄ sf {}  {}: hs {} vs sf {}  (review{})",
                conflict.hs_id,
                conflict.sf_id,
                conflict.key,
                display(&conflict.hs_value),
                display(&conflict.sf_value),
                if conflict.already_queued {
                    ": already waiting in `tandem conflicts`"
                } else {
                    ": will be queued for `tandem conflicts resolve`"
                }
            );
        }
        for (shown, failure) in sync.will_fail.iter().enumerate() {
            if shown == max {
                let _ = writeln!(
                    out,
                    "  … and {}",
                    plural(
                        (sync.will_fail.len() - max) as u64,
                        "more failure",
                        "more failures"
                    )
                );
                break;
            }
            let record = match (failure.action, failure.target_record()) {
                (Action::Create, _) => format!(
                    "{} from {}",
                    object_of(sync, failure.target),
                    failure.source_label()
                ),
                (_, Some(id)) => format!("{} {id}", object_of(sync, failure.target)),
                (_, None) => object_of(sync, failure.target),
            };
            let _ = writeln!(
                out,
                "  {WILL_FAIL_SYMBOL} {} {record}: will fail, not sent",
                failure.action.verb()
            );
            for reason in &failure.reasons {
                let _ = writeln!(out, "      {reason}");
            }
        }
        for ambiguous in sync.ambiguous.iter().take(max) {
            if !ambiguous.shares_key_with.is_empty() {
                let _ = writeln!(
                    out,
                    "  ? {} {} shares key {:?} (match rule {}) with {}, and none has a partner: not created, or each would be a duplicate",
                    ambiguous.side.short_name(),
                    ambiguous.id,
                    ambiguous.key,
                    ambiguous.match_rule,
                    ambiguous
                        .shares_key_with
                        .iter()
                        .map(|c| format!("{} {c}", ambiguous.side.short_name()))
                        .collect::<Vec<_>>()
                        .join(", "),
                );
                continue;
            }
            let _ = writeln!(
                out,
                "  ? {} {} matches {} by key {:?} (match rule {}): not linked, not created",
                ambiguous.side.short_name(),
                ambiguous.id,
                ambiguous
                    .candidates
                    .iter()
                    .map(|c| format!("{} {c}", super::model::other(ambiguous.side).short_name()))
                    .collect::<Vec<_>>()
                    .join(", "),
                ambiguous.key,
                ambiguous.match_rule
            );
        }
        let recovered = sync
            .links
            .iter()
            .filter(|l| l.recovered_create.is_some())
            .count() as u64;
        let matched = sync.links.len() as u64 - recovered;
        if matched > 0 {
            let _ = writeln!(
                out,
                "  = {} matched by key and linked",
                plural(matched, "pair", "pairs")
            );
        }
        if recovered > 0 {
            let _ = writeln!(
                out,
                "  = {} created by an interrupted apply found by their values and linked",
                plural(recovered, "record", "records")
            );
        }
        for unlink in &sync.unlinks {
            let _ = writeln!(
                out,
                "  = hs {} ⇄ sf {} unlinked (deleted in {})",
                unlink.hs_id,
                unlink.sf_id,
                unlink.deleted_in.short_name()
            );
        }
        if sync.waiting_in_error_queue > 0 {
            let _ = writeln!(
                out,
                "  {} waiting unchanged in the error queue (`tandem errors list`)",
                plural(sync.waiting_in_error_queue, "record", "records")
            );
        }
        out.push('\n');
    }
    out.push_str(&render_summary(plan));
    out
}

fn render_change(out: &mut String, sync: &SyncPlan, change: &RecordChange) {
    let object = object_of(sync, change.target);
    let symbol = change.action.symbol();
    let header = match change.action {
        Action::Create => format!(
            "  {symbol} {object} from {} {}",
            super::model::other(change.target).short_name(),
            change.source_id().unwrap_or("?")
        ),
        Action::Update => format!(
            "  {symbol} {object} {} ({} {})",
            change.target_id().unwrap_or("?"),
            super::model::other(change.target).short_name(),
            // An update planned with its partner's create names the partner once it exists.
            change.source_id().unwrap_or("created by this plan")
        ),
        Action::Delete => format!(
            "  {symbol} {object} {}  [{}]",
            change.target_id().unwrap_or("?"),
            Rule::DeletePropagated {
                from: super::model::other(change.target),
                policy: sync.on_delete,
            }
            .describe()
        ),
    };
    let _ = writeln!(out, "{header}");
    for field in &change.fields {
        match change.action {
            // A create's fields come from its source; one the CRM's default decided says so.
            Action::Create if matches!(field.rule, Rule::DefaultOnCreate { .. }) => {
                let _ = writeln!(
                    out,
                    "      {}: {}  [{}]",
                    field.field,
                    field.new.display(),
                    field.rule.describe()
                );
            }
            Action::Create => {
                let _ = writeln!(out, "      {}: {}", field.field, field.new.display());
            }
            _ => {
                let _ = writeln!(
                    out,
                    "      {}: {} → {}  [{}]",
                    field.field,
                    display(&field.old),
                    field.new.display(),
                    field.rule.describe()
                );
            }
        }
    }
}

impl WillFail {
    fn target_record(&self) -> Option<&str> {
        match self.target {
            System::Hubspot => self.hs_id.as_deref(),
            System::Salesforce => self.sf_id.as_deref(),
        }
    }

    fn source_label(&self) -> String {
        let source = super::model::other(self.target);
        let id = match source {
            System::Hubspot => self.hs_id.as_deref(),
            System::Salesforce => self.sf_id.as_deref(),
        };
        format!("{} {}", source.short_name(), id.unwrap_or("?"))
    }
}

/// Totals, API spend and blast-radius verdicts: the last lines of `plan` and `apply`.
pub fn render_summary(plan: &Plan) -> String {
    let mut out = String::new();
    let totals = plan.totals();
    if !plan.has_changes() && totals.will_fail == 0 && totals.ambiguous == 0 {
        out.push_str(&no_changes(plan));
    } else {
        let _ = writeln!(
            out,
            "Plan: {} to create, {} to update, {} to delete, {}, {}.",
            thousands(totals.creates()),
            thousands(totals.updates()),
            thousands(totals.deletes()),
            plural(
                totals.conflicts,
                "conflict for review",
                "conflicts for review"
            ),
            plural(totals.will_fail, "write will fail", "writes will fail"),
        );
        for (name, side) in [("HubSpot", totals.hs), ("Salesforce", totals.sf)] {
            let _ = writeln!(
                out,
                "  {name:<11} {} create, {} update, {} delete",
                thousands(side.creates),
                thousands(side.updates),
                thousands(side.deletes)
            );
        }
        if totals.ambiguous > 0 {
            let _ = writeln!(
                out,
                "  {} ambiguous: resolve by hand or tighten the match rule",
                plural(totals.ambiguous, "record is", "records are")
            );
        }
    }
    let budget = |calls: u64, remaining: Option<u64>| match remaining {
        Some(remaining) => format!(
            "{} of {} left today",
            thousands(calls),
            thousands(remaining)
        ),
        None => format!("{} (daily budget unknown)", thousands(calls)),
    };
    let _ = writeln!(
        out,
        "API calls apply will spend: HubSpot {}; Salesforce {}.",
        budget(plan.api.hs_calls, plan.api.hs_remaining),
        budget(plan.api.sf_calls, plan.api.sf_remaining)
    );
    for violation in &plan.limit_violations {
        let _ = writeln!(
            out,
            "Blast-radius limit exceeded: sync {} plans {} {} (limit {}).",
            violation.sync,
            thousands(violation.planned),
            violation.kind.as_str(),
            thousands(violation.limit)
        );
    }
    out
}

/// The line of a plan with nothing to write. It claims agreement only when nothing waits for
/// a human either: a record in the error queue or an open conflict means the two CRMs do not
/// agree with the spec yet, even though this plan has nothing to send.
fn no_changes(plan: &Plan) -> String {
    let (errors, conflicts) = plan.waiting_for_a_human();
    let mut waiting = Vec::new();
    if errors > 0 {
        waiting.push(format!(
            "{} in the error queue (`tandem errors list`)",
            plural(errors, "record waits", "records wait")
        ));
    }
    if conflicts > 0 {
        waiting.push(format!(
            "{} for review (`tandem conflicts list`)",
            plural(conflicts, "conflict waits", "conflicts wait")
        ));
    }
    if waiting.is_empty() {
        "No changes. HubSpot and Salesforce agree with the spec.\n".to_string()
    } else {
        format!("No changes. {}.\n", waiting.join("; "))
    }
}

/// The JSON view: the Plan itself, pretty-printed (the same document `-out` saves).
pub fn render_json(plan: &Plan) -> String {
    let mut text = serde_json::to_string_pretty(plan).unwrap_or_else(|_| "{}".to_string());
    text.push('\n');
    text
}

/// Writes exactly the bytes [`render_json`] returns, serializing straight into `out`: a first
/// sync's Plan renders to hundreds of megabytes, which need never sit in memory beside it.
pub fn write_json(plan: &Plan, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, plan)?;
    out.write_all(b"\n")
}

/// The SHA-256 (lower-case hex) of exactly the bytes [`render_json`] returns, computed by
/// streaming the serialization into the hasher: a large Plan is never rendered into one
/// String just to be hashed, and saved plans keep the same digest.
pub fn plan_digest(plan: &Plan) -> String {
    use sha2::{Digest, Sha256};
    let mut sink = HashWriter(Sha256::new());
    if serde_json::to_writer_pretty(&mut sink, plan).is_err() {
        // Mirror render_json's fallback so both always agree.
        sink.0 = Sha256::new();
        sink.0.update(b"{}");
    }
    sink.0.update(b"\n");
    sink.0
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Feeds written bytes straight into a SHA-256 hasher.
struct HashWriter(sha2::Sha256);

impl std::io::Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        sha2::Digest::update(&mut self.0, buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
