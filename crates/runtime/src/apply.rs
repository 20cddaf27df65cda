//! Applying a Plan: verify it is still the plan for this spec, schema and state; then per
//! sync in dependency order, the state-only changes, then creates, updates and deletes in
//! batches through the connectors.
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

use std::collections::BTreeMap;

use miette::Diagnostic;
use serde_json::Value;
use thiserror::Error;

use tandem_ground::schema::{FieldType, System};
use tandem_ground::value::{canonical, encode_for};
use tandem_language::compile::{Program, SyncProgram};
use tandem_plan::{Action, PLAN_FORMAT_VERSION, Plan, RecordChange, SyncPlan, WillFail, error_key};
use tandem_state::{StateError, StateStore};

use super::crm::{Crm, CrmError, WriteOutcome};
use super::events::{ApplySummary, Event};

#[derive(Debug, Error, Diagnostic)]
pub enum ApplyError {
    #[error("the saved plan has format version {found}; this tandem reads version {known}")]
    #[diagnostic(
        code(tandem::apply::plan_format),
        help("run `tandem plan -out FILE` again with this tandem")
    )]
    PlanFormat { found: u32, known: u32 },
    #[error("the saved plan was made from a different spec (Program {planned}, now {current})")]
    #[diagnostic(
        code(tandem::apply::spec_changed),
        help("the spec changed since `tandem plan`; plan again and review the new plan")
    )]
    SpecChanged { planned: String, current: String },
    #[error("the saved plan was made against different schema snapshots")]
    #[diagnostic(
        code(tandem::apply::schema_changed),
        help("the schema snapshots changed since `tandem plan`; plan again")
    )]
    SchemaChanged { planned: String, current: String },
    #[error(
        "the saved plan belongs to another state store (lineage {planned}, this store {current})"
    )]
    #[diagnostic(
        code(tandem::apply::foreign_state),
        help("apply it with the `--state` it was planned with, or plan again against this one")
    )]
    ForeignState { planned: String, current: String },
    #[error(
        "the saved plan is stale: it was made at state serial {planned}, the state is now at {current}"
    )]
    #[diagnostic(
        code(tandem::apply::stale_plan),
        help("another apply ran since this plan was made; plan again and review the new plan")
    )]
    StalePlan { planned: i64, current: i64 },
    #[error("the plan exceeds the spec's blast-radius limits: {details}")]
    #[diagnostic(
        code(tandem::apply::limit_exceeded),
        help(
            "raise `limit` in the sync if the change is intended, or find why so much would change"
        )
    )]
    LimitExceeded { details: String },
    #[error(transparent)]
    #[diagnostic(transparent)]
    State(#[from] StateError),
}

/// Refuses a plan that is not the plan for this Program, schema and state.
pub fn verify_plan(
    plan: &Plan,
    program: &Program,
    schema_digest: &str,
    store: &StateStore,
) -> Result<(), ApplyError> {
    if plan.format_version != PLAN_FORMAT_VERSION {
        return Err(ApplyError::PlanFormat {
            found: plan.format_version,
            known: PLAN_FORMAT_VERSION,
        });
    }
    let current = program.digest();
    if plan.program_digest != current {
        return Err(ApplyError::SpecChanged {
            planned: short(&plan.program_digest),
            current: short(&current),
        });
    }
    if plan.schema_digest != schema_digest {
        return Err(ApplyError::SchemaChanged {
            planned: short(&plan.schema_digest),
            current: short(schema_digest),
        });
    }
    let lineage = store.lineage()?;
    if plan.state_lineage != lineage {
        return Err(ApplyError::ForeignState {
            planned: plan.state_lineage.clone(),
            current: lineage,
        });
    }
    let serial = store.serial()?;
    if plan.state_serial != serial {
        return Err(ApplyError::StalePlan {
            planned: plan.state_serial,
            current: serial,
        });
    }
    if !plan.limit_violations.is_empty() {
        let details = plan
            .limit_violations
            .iter()
            .map(|v| {
                format!(
                    "sync {} plans {} {} (limit {})",
                    v.sync, v.planned, v.kind, v.limit
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        return Err(ApplyError::LimitExceeded { details });
    }
    Ok(())
}

fn short(digest: &str) -> String {
    digest.chars().take(12).collect()
}

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
    let digest = tandem_plan::view::plan_digest(plan);
    // Before the crashed run's entries are marked recovered: finish its association moves.
    if let Err(stop) = super::association::finish_interrupted_moves(program, store, hs).await {
        summary.stopped = Some(stop.to_string());
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
    let mut keep_cursors: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
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
        for action in [Action::Create, Action::Update, Action::Delete] {
            for target in [System::Hubspot, System::Salesforce] {
                let result = match target {
                    System::Hubspot => apply_changes(&mut ctx, store, hs, action).await,
                    System::Salesforce => apply_changes(&mut ctx, store, sf, action).await,
                };
                if let Err(stop) = result {
                    let reason = stop.to_string();
                    (ctx.on_event)(&Event::Stopped {
                        reason: reason.clone(),
                    });
                    ctx.summary.stopped = Some(reason);
                    finish(store, &run_id, ctx.summary)?;
                    return Ok(summary);
                }
            }
            if action != Action::Create {
                continue;
            }
            // New records' ids go back into `match X.key = Y.Id` fields on the source side,
            // so the link also lives in the CRMs.
            for created_in in [System::Hubspot, System::Salesforce] {
                let result = match created_in {
                    System::Hubspot => write_back_ids(&mut ctx, store, sf, created_in).await,
                    System::Salesforce => write_back_ids(&mut ctx, store, hs, created_in).await,
                };
                if let Err(stop) = result {
                    let reason = stop.to_string();
                    (ctx.on_event)(&Event::Stopped {
                        reason: reason.clone(),
                    });
                    ctx.summary.stopped = Some(reason);
                    finish(store, &run_id, ctx.summary)?;
                    return Ok(summary);
                }
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
        && sync_plan.will_fail.is_empty();
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
                &failure.reasons.join("; "),
                &failure.fingerprint,
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

struct RunContext<'a> {
    run_id: &'a str,
    /// Creates skipped as stale in this sync.
    stale_creates: usize,
    /// Writes rejected for a passing reason (a row lock) in this sync: the next run re-reads
    /// and resends them, so the sync keeps its read cursors.
    transient_rejections: usize,
    /// Per target side, what changed there since the plan read it (read once, on first use).
    read_since_plan: BTreeMap<System, BTreeMap<String, tandem_connectors::RemoteRecord>>,
    cursors: Option<&'a tandem_plan::ReadCursors>,
    sync: &'a SyncProgram,
    sync_plan: &'a SyncPlan,
    summary: &'a mut ApplySummary,
    on_event: &'a mut dyn FnMut(&Event),
}

/// Why a run stops early.
#[derive(Debug, Error)]
enum Stop {
    #[error("{0}; run `tandem apply` again later to resume")]
    Crm(CrmError),
    #[error(transparent)]
    State(#[from] StateError),
}

fn field_type(sync: &SyncProgram, target: System, field: &str) -> FieldType {
    sync.side(target)
        .fields
        .get(field)
        .map(|f| f.field_type)
        .unwrap_or(FieldType::String)
}

/// The wire payload of a change, resolving ids that earlier syncs created in this run.
fn payload(
    sync: &SyncProgram,
    store: &StateStore,
    change: &RecordChange,
) -> Result<BTreeMap<String, Value>, String> {
    let mut out = BTreeMap::new();
    for field in &change.fields {
        let mut value = field.new.clone();
        if let Some(pending) = value.get("$pending") {
            let sync_name = pending
                .get("sync")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let from = pending
                .get("from")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let id = pending
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default();
            match store.partner(sync_name, from, id) {
                Ok(Some(partner)) => value = Value::String(partner),
                _ => {
                    return Err(format!(
                        "{}: {from} record {id} was not created through `{sync_name}`",
                        field.field
                    ));
                }
            }
        }
        let encoded = encode_for(
            change.target,
            &value,
            field_type(sync, change.target, &field.field),
        );
        let encoded = super::association::wire_value(sync, change.target, field, encoded);
        out.insert(field.field.to_string(), encoded);
    }
    Ok(out)
}

async fn apply_changes<C: Crm>(
    ctx: &mut RunContext<'_>,
    store: &mut StateStore,
    crm: &mut C,
    action: Action,
) -> Result<(), Stop> {
    let target = crm.system();
    let changes: Vec<&RecordChange> = ctx
        .sync_plan
        .changes
        .iter()
        .filter(|c| c.action == action && c.target == target)
        .collect();
    if changes.is_empty() {
        return Ok(());
    }
    let object = ctx.sync.side(target).object.clone();
    // Preconditions and the create guard: one read per side of what changed on the target
    // since the plan read it, shared by this side's creates and updates. A record in it whose
    // written fields no longer hold their plan-time values is stale; so is a create whose
    // match key a record in it already holds.
    if action != Action::Delete && !ctx.read_since_plan.contains_key(&target) {
        let cursor = ctx.cursors.and_then(|c| match target {
            System::Hubspot => c.hs.as_ref(),
            System::Salesforce => c.sf.as_ref(),
        });
        let read = super::create_guard::read_since_plan(crm, ctx.sync, ctx.sync_plan, cursor)
            .await
            .map_err(Stop::Crm)?;
        ctx.read_since_plan.insert(target, read);
    }
    let changed_since_plan = ctx.read_since_plan.remove(&target).unwrap_or_default();
    let mut changes = changes;
    if action == Action::Create {
        let skipped;
        (changes, skipped) = super::create_guard::skip_stale_creates(
            ctx.sync,
            target,
            store,
            changes,
            &changed_since_plan,
        )?;
        report_stale(ctx, target, &skipped);
        ctx.stale_creates += skipped.len();
    }
    let ready;
    if action == Action::Update {
        let waiting;
        (ready, waiting) =
            super::create_defaults::with_created_partners(ctx.sync, target, store, changes)?;
        report_stale(ctx, target, &waiting);
        changes = ready.iter().map(AsRef::as_ref).collect();
    }
    let batch_size = crm.batch_size().max(1);
    let mut result = Ok(());
    for batch in changes.chunks(batch_size) {
        result = apply_batch(ctx, store, crm, action, &object, batch, &changed_since_plan).await;
        if result.is_err() {
            break;
        }
    }
    ctx.read_since_plan.insert(target, changed_since_plan);
    result
}

/// Reports records skipped without a call as stale (the next plan re-plans them).
fn report_stale(ctx: &mut RunContext<'_>, target: System, skipped: &[&RecordChange]) {
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

async fn write_back_ids<C: Crm>(
    ctx: &mut RunContext<'_>,
    store: &mut StateStore,
    source_crm: &mut C,
    created_in: System,
) -> Result<(), Stop> {
    let source = source_crm.system();
    if source == created_in {
        return Ok(());
    }
    let keys = tandem_plan::merge::write_back_fields(ctx.sync, source);
    if keys.is_empty() {
        return Ok(());
    }
    let mut bodies: Vec<(String, BTreeMap<String, Value>)> = Vec::new();
    for change in ctx
        .sync_plan
        .changes
        .iter()
        .filter(|c| c.action == Action::Create && c.target == created_in)
    {
        let Some(source_id) = change.source_id() else {
            continue;
        };
        let Some(new_id) = store.partner(&ctx.sync.name, source.short_name(), source_id)? else {
            continue;
        };
        let body = keys
            .iter()
            .map(|field| (field.clone(), Value::String(new_id.clone())))
            .collect();
        bodies.push((source_id.to_string(), body));
    }
    let object = ctx.sync.side(source).object.clone();
    let run_id = ctx.run_id.to_string();
    let sync_name = ctx.sync.name.clone();
    for batch in bodies.chunks(source_crm.batch_size().max(1)) {
        let result = source_crm.update(&object, batch).await;
        store.write(|w| -> Result<(), StateError> {
            for ((id, body), outcome) in batch.iter().zip(&result.outcomes) {
                if let WriteOutcome::Written { .. } = outcome {
                    for (field, value) in body {
                        w.audit(
                            &run_id,
                            &sync_name,
                            source.short_name(),
                            id,
                            "update",
                            field,
                            &Value::Null,
                            value,
                        )?;
                    }
                }
            }
            Ok(())
        })?;
        if let Some(stop) = result.stopped {
            return Err(Stop::Crm(stop));
        }
    }
    Ok(())
}

fn is_stale(
    sync: &SyncProgram,
    target: System,
    change: &RecordChange,
    changed_since_plan: &BTreeMap<String, tandem_connectors::RemoteRecord>,
) -> bool {
    let Some(record) = change.target_id().and_then(|id| changed_since_plan.get(id)) else {
        return false;
    };
    if record.deleted {
        return true;
    }
    change.precondition.iter().any(|(field, expected)| {
        let raw = record.fields.get(field).cloned().unwrap_or(Value::Null);
        canonical(&raw, field_type(sync, target, field)) != *expected
    })
}

#[allow(clippy::too_many_arguments)]
async fn apply_batch<C: Crm>(
    ctx: &mut RunContext<'_>,
    store: &mut StateStore,
    crm: &mut C,
    action: Action,
    object: &str,
    batch: &[&RecordChange],
    changed_since_plan: &BTreeMap<String, tandem_connectors::RemoteRecord>,
) -> Result<(), Stop> {
    let target = crm.system();
    let sync_name = ctx.sync.name.clone();
    let mut stale = 0usize;
    let mut fresh: Vec<&RecordChange> = Vec::new();
    // An association move does not show in the read of what changed since the plan.
    let moved = match action {
        Action::Update => {
            super::association::moved_since_plan(crm, object, batch, changed_since_plan)
                .await
                .map_err(Stop::Crm)?
        }
        _ => Default::default(),
    };
    for change in batch {
        let moved = change.target_id().is_some_and(|id| moved.contains(id));
        if action == Action::Update
            && (moved || is_stale(ctx.sync, target, change, changed_since_plan))
        {
            stale += 1;
            (ctx.on_event)(&Event::Stale {
                sync: sync_name.clone(),
                target,
                id: change.target_id().unwrap_or_default().to_string(),
            });
        } else {
            fresh.push(change);
        }
    }
    ctx.summary.stale += stale as u64;
    // Resolve payloads; a record whose payload cannot be built fails on its own.
    let mut sendable: Vec<(&RecordChange, BTreeMap<String, Value>)> = Vec::new();
    let mut unbuildable: Vec<(&RecordChange, String)> = Vec::new();
    for change in fresh {
        match payload(ctx.sync, store, change) {
            Ok(body) => sendable.push((change, body)),
            Err(reason) => unbuildable.push((change, reason)),
        }
    }
    // Write-ahead: the intents are durable before anything is sent.
    let run_id = ctx.run_id.to_string();
    let journal_ids: Vec<i64> = store.write(|w| -> Result<Vec<i64>, StateError> {
        let mut ids = Vec::new();
        for (change, body) in &sendable {
            let key = change
                .target_id()
                .or(change.source_id())
                .unwrap_or_default()
                .to_string();
            ids.push(w.journal_intent(
                &run_id,
                &sync_name,
                action.verb(),
                target.short_name(),
                &key,
                &serde_json::to_value(body).unwrap_or(Value::Null),
            )?);
        }
        for (change, reason) in &unbuildable {
            w.enqueue_error(
                &sync_name,
                target.short_name(),
                &error_key(change),
                reason,
                &change.fingerprint,
            )?;
        }
        Ok(ids)
    })?;
    for (change, reason) in &unbuildable {
        ctx.summary.rejected += 1;
        (ctx.on_event)(&Event::Rejected {
            sync: sync_name.clone(),
            target,
            record: error_key(change),
            reason: reason.clone(),
        });
    }
    if sendable.is_empty() {
        (ctx.on_event)(&Event::Batch {
            sync: sync_name,
            target,
            action,
            written: 0,
            rejected: unbuildable.len(),
            stale,
        });
        return Ok(());
    }
    let result = match action {
        Action::Create => {
            let bodies: Vec<BTreeMap<String, Value>> =
                sendable.iter().map(|(_, body)| body.clone()).collect();
            crm.create(object, &bodies).await
        }
        Action::Update => {
            let bodies: Vec<(String, BTreeMap<String, Value>)> = sendable
                .iter()
                .map(|(change, body)| {
                    (
                        change.target_id().unwrap_or_default().to_string(),
                        body.clone(),
                    )
                })
                .collect();
            crm.update(object, &bodies).await
        }
        Action::Delete => {
            let ids: Vec<String> = sendable
                .iter()
                .map(|(change, _)| change.target_id().unwrap_or_default().to_string())
                .collect();
            crm.delete(object, &ids).await
        }
    };
    let mut written = 0usize;
    let mut rejected = 0usize;
    let mut rejections: Vec<(String, String)> = Vec::new();
    let mut transient_rejections = 0usize;
    store.write(|w| -> Result<(), StateError> {
        for (index, (change, body)) in sendable.iter().enumerate() {
            let journal_id = journal_ids.get(index).copied().unwrap_or_default();
            let Some(outcome) = result.outcomes.get(index).cloned() else {
                // Never sent: the call stopped before reaching this record.
                w.journal_settle(journal_id, "not_sent")?;
                continue;
            };
            match outcome {
                WriteOutcome::Written { id } => {
                    written += 1;
                    let (hs_id, sf_id) = match (action, target) {
                        (Action::Create, System::Hubspot) => {
                            (id.clone(), change.sf_id.clone().unwrap_or_default())
                        }
                        (Action::Create, System::Salesforce) => {
                            (change.hs_id.clone().unwrap_or_default(), id.clone())
                        }
                        _ => (
                            change.hs_id.clone().unwrap_or_default(),
                            change.sf_id.clone().unwrap_or_default(),
                        ),
                    };
                    match action {
                        Action::Create => w.link(
                            &sync_name,
                            &hs_id,
                            &sf_id,
                            &super::association::resolved_base(
                                change,
                                body,
                                &change.base,
                                |base, key| base.get_mut(key),
                            ),
                        )?,
                        Action::Update => {
                            w.update_base(
                                &sync_name,
                                &hs_id,
                                &super::association::resolved_base(
                                    change,
                                    body,
                                    &change.base,
                                    |base, key| base.get_mut(key),
                                ),
                            )?;
                            for key in &change.settles_conflicts {
                                w.close_conflict(&sync_name, &hs_id, key)?;
                            }
                        }
                        Action::Delete => w.unlink(&sync_name, &hs_id)?,
                    }
                    for field in &change.fields {
                        w.audit(
                            &run_id,
                            &sync_name,
                            target.short_name(),
                            &id,
                            action.verb(),
                            &field.field,
                            &field.old,
                            &super::association::audited(
                                body.get(field.field.as_str()).unwrap_or(&field.new),
                            ),
                        )?;
                    }
                    if action == Action::Delete {
                        w.audit(
                            &run_id,
                            &sync_name,
                            target.short_name(),
                            &id,
                            "delete",
                            "",
                            &Value::Null,
                            &Value::Null,
                        )?;
                    }
                    w.clear_error(&sync_name, target.short_name(), &error_key(change))?;
                    w.journal_settle(journal_id, "done")?;
                }
                WriteOutcome::Rejected { reason, retryable } => {
                    rejected += 1;
                    let key = error_key(change);
                    // A passing rejection (the connector marked it retryable: a row lock, a
                    // rate limit) is no verdict on the data: queued under a fingerprint no
                    // plan makes, it is planned and sent again next run.
                    transient_rejections += usize::from(retryable);
                    let retry_fingerprint = format!("retry:{}", change.fingerprint);
                    w.enqueue_error(
                        &sync_name,
                        target.short_name(),
                        &key,
                        &reason,
                        if retryable {
                            &retry_fingerprint
                        } else {
                            &change.fingerprint
                        },
                    )?;
                    w.journal_settle(journal_id, "failed")?;
                    rejections.push((key, reason));
                }
                WriteOutcome::Unknown { .. } => {
                    // Left pending: the next run's plan finds the record if it was written.
                }
            }
        }
        Ok(())
    })?;
    match action {
        Action::Create => ctx.summary.created += written as u64,
        Action::Update => ctx.summary.updated += written as u64,
        Action::Delete => ctx.summary.deleted += written as u64,
    }
    ctx.summary.rejected += rejected as u64;
    ctx.transient_rejections += transient_rejections;
    for (record, reason) in rejections {
        (ctx.on_event)(&Event::Rejected {
            sync: sync_name.clone(),
            target,
            record,
            reason,
        });
    }
    (ctx.on_event)(&Event::Batch {
        sync: sync_name,
        target,
        action,
        written,
        rejected: rejected + unbuildable.len(),
        stale,
    });
    if let Some(stop) = result.stopped {
        return Err(Stop::Crm(stop));
    }
    Ok(())
}
