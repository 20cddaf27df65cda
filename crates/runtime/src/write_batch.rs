//! One batch of record writes: preconditions and the create guard, the payloads (ids of
//! records created earlier in this apply resolved), the journal entries before the call, the
//! call, and in one transaction after it the links, merge bases, queue entries and audit
//! lines its outcomes produce.

use std::collections::BTreeMap;

use serde_json::Value;

use tandem_ground::failure::RecordFailure;
use tandem_ground::record_write::RecordWrite;
use tandem_ground::schema::{FieldType, System};
use tandem_ground::value::{canonical, encode_for};
use tandem_language::compile::SyncProgram;
use tandem_plan::{Action, PlannedValue, RecordChange, error_key};
use tandem_state::{StateError, StateStore};

use super::apply::{RunContext, Stop, report_stale};
use super::crm::{Crm, WriteOutcome};
use super::events::Event;

/// Writes one scheduled batch (`changes`, all of `action` on `crm`'s side).
pub(super) async fn write_batch<C: Crm>(
    ctx: &mut RunContext<'_>,
    store: &mut StateStore,
    crm: &mut C,
    action: Action,
    changes: &[RecordChange],
) -> Result<(), Stop> {
    let target = crm.system();
    let object = ctx.sync.side(target).object.clone();
    let changed_since_plan = ctx.read_since_plan.remove(&target).unwrap_or_default();
    let mut batch: Vec<&RecordChange> = changes.iter().collect();
    if action == Action::Create {
        let skipped;
        (batch, skipped) = super::create_guard::skip_stale_creates(
            ctx.sync,
            target,
            store,
            batch,
            &changed_since_plan,
        )?;
        report_stale(ctx, target, &skipped);
        ctx.stale_creates += skipped.len();
    }
    let ready;
    if action == Action::Update {
        let waiting;
        (ready, waiting) =
            super::create_defaults::with_created_partners(ctx.sync, target, store, batch)?;
        report_stale(ctx, target, &waiting);
        batch = ready.iter().map(AsRef::as_ref).collect();
    }
    let result = if batch.is_empty() {
        Ok(())
    } else {
        send_batch(
            ctx,
            store,
            crm,
            action,
            &object,
            &batch,
            &changed_since_plan,
        )
        .await
    };
    ctx.read_since_plan.insert(target, changed_since_plan);
    result
}

fn field_type(sync: &SyncProgram, target: System, field: &str) -> FieldType {
    sync.side(target)
        .fields
        .get(field)
        .map(|f| f.field_type)
        .unwrap_or(FieldType::String)
}

/// The write of a change, with every planned value resolved in one place: a known value is
/// encoded for the target's wire, a pending id becomes the id of the record its sync created
/// earlier in this apply (or the change fails when that create did not happen), and an
/// association pseudo-field becomes an association write.
fn record_write(
    sync: &SyncProgram,
    store: &StateStore,
    change: &RecordChange,
) -> Result<Result<RecordWrite, RecordFailure>, StateError> {
    let mut write = RecordWrite::default();
    for field in &change.fields {
        let value = match &field.new {
            PlannedValue::Value(value) => value.clone(),
            PlannedValue::PendingId {
                sync: through,
                from,
                id,
            } => match store.partner(through, from.short_name(), id)? {
                Some(partner) => Value::String(partner),
                None => {
                    return Ok(Err(RecordFailure::PartnerNotCreated {
                        field: field.field.to_string(),
                        sync: through.clone(),
                        from: *from,
                        id: id.clone(),
                    }));
                }
            },
        };
        let encoded = encode_for(
            change.target,
            &value,
            field_type(sync, change.target, &field.field),
        );
        let id = match &encoded {
            Value::String(id) if !id.is_empty() => Some(id.clone()),
            _ => None,
        };
        match super::association_write::association_write(sync, change.target, field, id) {
            Some(association) => write.associations.push(association),
            None => {
                write.fields.insert(field.field.to_string(), encoded);
            }
        }
    }
    Ok(Ok(write))
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
async fn send_batch<C: Crm>(
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
            super::association_moves::moved_since_plan(crm, object, batch, changed_since_plan)
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
    let mut sendable: Vec<(&RecordChange, RecordWrite)> = Vec::new();
    let mut unbuildable: Vec<(&RecordChange, RecordFailure)> = Vec::new();
    for change in fresh {
        match record_write(ctx.sync, store, change)? {
            Ok(write) => sendable.push((change, write)),
            Err(failure) => unbuildable.push((change, failure)),
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
            let bodies: Vec<RecordWrite> = sendable.iter().map(|(_, body)| body.clone()).collect();
            crm.create(object, &bodies).await
        }
        Action::Update => {
            let bodies: Vec<(String, RecordWrite)> = sendable
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
    let mut rejections: Vec<(String, RecordFailure)> = Vec::new();
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
                            &super::association_write::bases_after_write(change, body),
                        )?,
                        Action::Update => {
                            w.update_base(
                                &sync_name,
                                &hs_id,
                                &super::association_write::bases_after_write(change, body),
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
                            &super::association_write::audited(body, field),
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
                WriteOutcome::Rejected(failure) => {
                    rejected += 1;
                    let key = error_key(change);
                    // A passing rejection (the connector marked it retryable: a row lock, a
                    // rate limit) is no verdict on the data: queued under a fingerprint no
                    // plan makes, it is planned and sent again next run.
                    let retryable = failure.passes_on_its_own();
                    transient_rejections += usize::from(retryable);
                    let retry_fingerprint = format!("retry:{}", change.fingerprint);
                    w.enqueue_error(
                        &sync_name,
                        target.short_name(),
                        &key,
                        &failure,
                        if retryable {
                            &retry_fingerprint
                        } else {
                            &change.fingerprint
                        },
                    )?;
                    w.journal_settle(journal_id, "failed")?;
                    rejections.push((key, failure));
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
