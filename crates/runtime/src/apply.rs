//! Applying a Plan: verify it is still the plan for this spec, schema and state
//! ([`super::verify`]); then per sync in dependency order, the state-only changes, then the
//! sync's apply schedule step by step ([`tandem_plan::schedule`]): reads of what changed since
//! the plan, batched writes ([`super::write_batch`]) and id write-backs
//! ([`super::write_back`]).
//!
//! Every batch is journaled before it is sent and settled after, in one transaction with the
//! links, merge bases and audit lines it produces. A crash leaves at most one batch with an
//! unknown outcome; the next plan re-reads both sides and finds the records that batch
//! created, by their match keys (creates carry them) or, for a sync that has none the new
//! record can hold, by the values its journal entry sent ([`tandem_plan::recovery`]), so a
//! re-run neither duplicates nor loses anything. Updates are guarded by their plan-time
//! preconditions: a target that changed since the plan is skipped as stale and re-planned on
//! the next run. Creates are guarded by their match keys ([`super::create_guard`]): one a
//! record made on the target since the plan already holds is skipped as stale too, so the
//! next plan links the two.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use tandem_connectors::RemoteRecord;
use tandem_ground::failure::RecordFailure;
use tandem_ground::schema::System;
use tandem_language::compile::{Program, SyncProgram};
use tandem_plan::{Action, ApplyStep, Plan, ReadCursors, RecordChange, SyncPlan, WillFail};
use tandem_state::{StateError, StateStore};

use super::crm::{Crm, CrmError};
use super::events::{ApplySummary, Event, StopReason};
use super::verify::{ApplyError, verify_plan};

/// Applies `plan`. The caller holds the apply lock. Returns what happened; a run stopped by
/// the daily limit or a transport failure returns `Ok` with `stopped` set (a re-run resumes).
pub async fn apply<H: Crm, S: Crm>(
    plan: &Plan,
    program: &Program,
    schema_digest: &str,
    store: &mut StateStore,
    hs: &mut H,
    sf: &mut S,
    on_event: &mut dyn FnMut(&Event),
) -> Result<ApplySummary, ApplyError> {
    verify_plan(plan, program, schema_digest, store)?;
    let run_id = uuid::Uuid::new_v4().to_string();
    let mut summary = ApplySummary {
        run_id: run_id.clone(),
        ..ApplySummary::default()
    };
    let digest = tandem_plan::apply_rules::plan_digest(plan);
    // Before the crashed run's entries are marked recovered: finish its association moves.
    if let Err(stop) = super::association_moves::finish_interrupted_moves(program, store, hs).await
    {
        summary.stopped = Some(StopReason::Crm(stop));
        return Ok(summary);
    }
    // The records the crashed run's creates made, found by the plan, are linked in the same
    // transaction that marks its entries recovered: a crash between the two would forget the
    // entries while the records stay unlinked, and the next plan would create them again.
    let recovered = store.write(|w| -> Result<usize, StateError> {
        w.run_started(&run_id, &digest)?;
        for sync_plan in &plan.syncs {
            for link in sync_plan
                .links
                .iter()
                .filter(|l| l.recovered_create.is_some())
            {
                w.link(&sync_plan.name, &link.hs_id, &link.sf_id, &link.base)?;
            }
        }
        w.journal_recover_pending()
    })?;
    if recovered > 0 {
        summary.recovered = recovered as u64;
        on_event(&Event::Recovered { entries: recovered });
    }
    // Syncs with a write skipped as stale keep their old read cursors: the next plan must
    // read again the change that write carried (for a create, its source record, to link
    // it), or an incremental read would forget it.
    let mut keep_cursors: BTreeSet<String> = BTreeSet::new();
    for sync_plan in &plan.syncs {
        let Some(sync) = program.sync(&sync_plan.name) else {
            continue;
        };
        let stale_before = summary.stale;
        on_event(&Event::SyncStarted {
            sync: sync.name.clone(),
            writes: sync_plan.changes.len(),
        });
        apply_state_only(store, sync_plan, &mut summary)?;
        let mut ctx = RunContext {
            run_id: &run_id,
            read_since_plan: BTreeMap::new(),
            stale_creates: 0,
            transient_rejections: 0,
            cursors: plan.read_cursors.get(&sync.name),
            sync,
            sync_plan,
            summary: &mut summary,
            on_event,
        };
        for step in &sync_plan.schedule {
            let result = match step.side() {
                System::Hubspot => run_step(&mut ctx, store, hs, step).await,
                System::Salesforce => run_step(&mut ctx, store, sf, step).await,
            };
            if let Err(stop) = result {
                let reason = match stop {
                    Stop::Crm(error) => StopReason::Crm(error),
                    Stop::State(error) => StopReason::State(Arc::new(error)),
                };
                (ctx.on_event)(&Event::Stopped {
                    reason: reason.clone(),
                });
                ctx.summary.stopped = Some(reason);
                finish(store, &run_id, ctx.summary)?;
                return Ok(summary);
            }
        }
        if ctx.stale_creates > 0 || ctx.summary.stale > stale_before || ctx.transient_rejections > 0
        {
            keep_cursors.insert(sync.name.clone());
        }
    }
    // Complete: the reads this plan made become the next run's starting point.
    let program_digest = program.digest();
    store.write(|w| -> Result<(), StateError> {
        for (sync, cursors) in &plan.read_cursors {
            if keep_cursors.contains(sync) {
                continue;
            }
            for (side, cursor) in [("hs", &cursors.hs), ("sf", &cursors.sf)] {
                if let Some(cursor) = cursor {
                    w.set_watermark(
                        sync,
                        side,
                        &super::read::watermark_value(&program_digest, cursor),
                    )?;
                }
            }
        }
        Ok(())
    })?;
    finish(store, &run_id, &summary)?;
    Ok(summary)
}

/// One step of a sync's schedule, on the side it names (`crm`).
async fn run_step<C: Crm>(
    ctx: &mut RunContext<'_>,
    store: &mut StateStore,
    crm: &mut C,
    step: &ApplyStep,
) -> Result<(), Stop> {
    let changes = ctx
        .sync_plan
        .changes
        .get(step.changes())
        .unwrap_or_default();
    match *step {
        ApplyStep::ReadSincePlan { side, deletions } => {
            // Preconditions and the create guard: what changed on the side since the plan
            // read it, shared by the side's creates and updates.
            let cursor = ctx.cursors.and_then(|c| match side {
                System::Hubspot => c.hs.as_ref(),
                System::Salesforce => c.sf.as_ref(),
            });
            let read = super::create_guard::read_since_plan(
                crm,
                ctx.sync,
                ctx.sync_plan,
                cursor,
                deletions,
            )
            .await
            .map_err(Stop::Crm)?;
            ctx.read_since_plan.insert(side, read);
            Ok(())
        }
        ApplyStep::Write { action, .. } => {
            super::write_batch::write_batch(ctx, store, crm, action, changes).await
        }
        ApplyStep::WriteBackIds { .. } => {
            super::write_back::write_back_ids(ctx, store, crm, changes).await
        }
    }
}

fn finish(store: &mut StateStore, run_id: &str, summary: &ApplySummary) -> Result<(), ApplyError> {
    let status = if summary.complete() {
        "complete"
    } else {
        "stopped"
    };
    let text = serde_json::to_string(summary).unwrap_or_default();
    store.write(|w| w.run_finished(run_id, status, &text))?;
    Ok(())
}

fn will_fail_key(failure: &WillFail) -> String {
    match failure.action {
        Action::Create => failure.source_id().unwrap_or_default().to_string(),
        _ => match failure.target {
            System::Hubspot => failure.hs_id.clone().unwrap_or_default(),
            System::Salesforce => failure.sf_id.clone().unwrap_or_default(),
        },
    }
}

/// Links, refreshed bases, unlinks, review conflicts and will-fail records: one transaction.
fn apply_state_only(
    store: &mut StateStore,
    sync_plan: &SyncPlan,
    summary: &mut ApplySummary,
) -> Result<(), ApplyError> {
    let name = &sync_plan.name;
    let nothing = sync_plan.links.is_empty()
        && sync_plan.base_refresh.is_empty()
        && sync_plan.unlinks.is_empty()
        && sync_plan.conflicts.is_empty()
        && sync_plan.will_fail.is_empty()
        && sync_plan.ambiguous.is_empty();
    if nothing {
        return Ok(());
    }
    store.write(|w| -> Result<(), StateError> {
        // Links to records an interrupted run created were stored when the run started.
        for link in sync_plan
            .links
            .iter()
            .filter(|l| l.recovered_create.is_none())
        {
            w.link(name, &link.hs_id, &link.sf_id, &link.base)?;
        }
        // A record that waited (ambiguous, or for another sync's link) and is now linked
        // waits no more, whichever side it was queued for.
        for link in &sync_plan.links {
            w.clear_error(name, System::Salesforce.short_name(), &link.hs_id)?;
            w.clear_error(name, System::Hubspot.short_name(), &link.sf_id)?;
        }
        for refresh in &sync_plan.base_refresh {
            w.update_base(name, &refresh.hs_id, &refresh.base)?;
            for key in &refresh.settles_conflicts {
                w.close_conflict(name, &refresh.hs_id, key)?;
            }
        }
        for unlink in &sync_plan.unlinks {
            w.unlink(name, &unlink.hs_id)?;
        }
        for conflict in sync_plan.conflicts.iter().filter(|c| !c.already_queued) {
            w.open_conflict(
                name,
                &conflict.hs_id,
                &conflict.sf_id,
                &conflict.key,
                &conflict.hs_value,
                &conflict.sf_value,
                conflict.base.as_ref(),
            )?;
        }
        for failure in &sync_plan.will_fail {
            w.enqueue_error(
                name,
                failure.target.short_name(),
                &will_fail_key(failure),
                &RecordFailure::WillFail {
                    reasons: failure.reasons.clone(),
                },
                &failure.fingerprint,
            )?;
        }
        // Ambiguous records wait in the queue, where the next incremental read finds them by
        // id: a change to another record holding the key can resolve them.
        for ambiguous in &sync_plan.ambiguous {
            w.enqueue_error(
                name,
                ambiguous.side.other().short_name(),
                &ambiguous.id,
                &RecordFailure::Ambiguous {
                    key: ambiguous.key.clone(),
                    match_rule: ambiguous.match_rule,
                    candidates: ambiguous.candidates.clone(),
                    shares_key_with: ambiguous.shares_key_with.clone(),
                },
                &format!("ambiguous:{}:{}", ambiguous.match_rule, ambiguous.key),
            )?;
        }
        Ok(())
    })?;
    summary.linked += sync_plan.links.len() as u64;
    summary.conflicts_queued += sync_plan
        .conflicts
        .iter()
        .filter(|c| !c.already_queued)
        .count() as u64;
    summary.will_fail += sync_plan.will_fail.len() as u64;
    Ok(())
}

/// What one sync's steps share while it is applied.
pub(super) struct RunContext<'a> {
    pub(super) run_id: &'a str,
    /// Creates skipped as stale in this sync.
    pub(super) stale_creates: usize,
    /// Writes rejected for a passing reason (a row lock) in this sync: the next run re-reads
    /// and resends them, so the sync keeps its read cursors.
    pub(super) transient_rejections: usize,
    /// Per side, what changed there since the plan read it (its schedule's first step).
    pub(super) read_since_plan: BTreeMap<System, BTreeMap<String, RemoteRecord>>,
    pub(super) cursors: Option<&'a ReadCursors>,
    pub(super) sync: &'a SyncProgram,
    pub(super) sync_plan: &'a SyncPlan,
    pub(super) summary: &'a mut ApplySummary,
    pub(super) on_event: &'a mut dyn FnMut(&Event),
}

/// Why a sync's schedule stops early.
#[derive(Debug)]
pub(super) enum Stop {
    Crm(CrmError),
    State(StateError),
}

impl From<StateError> for Stop {
    fn from(error: StateError) -> Self {
        Stop::State(error)
    }
}

/// Reports records skipped without a call as stale (the next plan re-plans them).
pub(super) fn report_stale(ctx: &mut RunContext<'_>, target: System, skipped: &[&RecordChange]) {
    if skipped.is_empty() {
        return;
    }
    for change in skipped {
        (ctx.on_event)(&Event::Stale {
            sync: ctx.sync.name.clone(),
            target,
            id: change
                .target_id()
                .or(change.source_id())
                .unwrap_or_default()
                .to_string(),
        });
    }
    ctx.summary.stale += skipped.len() as u64;
    (ctx.on_event)(&Event::Batch {
        sync: ctx.sync.name.clone(),
        target,
        action: skipped[0].action,
        written: 0,
        rejected: 0,
        stale: skipped.len(),
    });
}
