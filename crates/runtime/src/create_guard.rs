//! Apply's guard against duplicates from records created on the target after the plan.
//!
//! Between `tandem plan` and `tandem apply` a user (or another tool) may create, on the
//! target, the very record the plan is about to create there. Apply already reads what changed
//! on each target since the plan's read cursor to check update preconditions; that same read
//! (one per sync and side, never one per record) also returns records created since. A
//! planned create whose match key (by the sync's rules, identity keys included, normalised as
//! matching does) is already held by such a record is skipped as stale; the next plan sees
//! both records and links them by that key instead of creating a second one.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use tandem_connectors::RemoteRecord;
use tandem_ground::schema::System;
use tandem_language::compile::SyncProgram;
use tandem_plan::apply_rules::{create_collisions, guard_fields};
use tandem_plan::{Action, RecordChange, SyncPlan};
use tandem_state::{StateError, StateStore};

use super::crm::{Crm, CrmError, ReadRequest};

/// What changed on `crm`'s side since the plan's read `cursor` (nothing without one): the
/// fields the side's update preconditions and create guard compare, with deletions when the
/// schedule says updates need them. One paged read, shared by the side's creates and updates.
pub(super) async fn read_since_plan<C: Crm>(
    crm: &mut C,
    sync: &SyncProgram,
    sync_plan: &SyncPlan,
    cursor: Option<&Value>,
    deletions: bool,
) -> Result<BTreeMap<String, RemoteRecord>, CrmError> {
    let target = crm.system();
    let Some(cursor) = cursor else {
        return Ok(BTreeMap::new());
    };
    let fields = fields_to_read(sync, target, &sync_plan.changes);
    let read = crm
        .read(&ReadRequest {
            object: &sync.side(target).object,
            fields: &fields,
            pushdown: None,
            since: Some(cursor),
            include_deleted: deletions,
        })
        .await?;
    Ok(read
        .records
        .into_iter()
        .map(|r| (r.id.clone(), r))
        .collect())
}

/// Splits `creates` (all in `target`) into those to send and those a record made on the
/// target since the plan would make duplicates of.
pub(super) fn skip_stale_creates<'c>(
    sync: &SyncProgram,
    target: System,
    store: &StateStore,
    creates: Vec<&'c RecordChange>,
    changed_since_plan: &BTreeMap<String, RemoteRecord>,
) -> Result<(Vec<&'c RecordChange>, Vec<&'c RecordChange>), StateError> {
    let stale = stale_creates(sync, target, store, &creates, changed_since_plan)?;
    if stale.is_empty() {
        return Ok((creates, Vec::new()));
    }
    let (skipped, fresh): (Vec<&RecordChange>, Vec<&RecordChange>) = creates
        .into_iter()
        .partition(|c| c.source_id().is_some_and(|id| stale.contains_key(id)));
    Ok((fresh, skipped))
}

/// The fields the shared read since the plan must return on `target`: update preconditions
/// plus, when creates go there, what the create guard compares.
fn fields_to_read(sync: &SyncProgram, target: System, changes: &[RecordChange]) -> Vec<String> {
    let mut fields: BTreeSet<String> = BTreeSet::new();
    let mut creates = false;
    for change in changes.iter().filter(|c| c.target == target) {
        match change.action {
            Action::Update => fields.extend(change.precondition.keys().cloned()),
            Action::Create => creates = true,
            Action::Delete => {}
        }
    }
    if creates {
        fields.extend(guard_fields(sync, target));
    }
    fields.into_iter().collect()
}

/// The source ids of `creates` (all in `target`) that must not be sent because a record
/// already on the target, unlinked, holds one of their match keys; with that record's id.
fn stale_creates(
    sync: &SyncProgram,
    target: System,
    store: &StateStore,
    creates: &[&RecordChange],
    changed_since_plan: &BTreeMap<String, RemoteRecord>,
) -> Result<BTreeMap<String, String>, StateError> {
    let mut out = BTreeMap::new();
    if creates.is_empty() || changed_since_plan.is_empty() {
        return Ok(out);
    }
    // A record linked already belongs to another pair: matching never pairs it again.
    let mut unlinked: Vec<&RemoteRecord> = Vec::new();
    for record in changed_since_plan.values() {
        if store
            .partner(&sync.name, target.short_name(), &record.id)?
            .is_none()
        {
            unlinked.push(record);
        }
    }
    let planned: Vec<BTreeMap<String, Value>> = creates.iter().map(|c| written(c)).collect();
    let collisions = create_collisions(sync, target, &planned, &unlinked);
    for (change, collision) in creates.iter().zip(collisions) {
        if let (Some(source), Some(existing)) = (change.source_id(), collision) {
            out.insert(source.to_string(), existing);
        }
    }
    Ok(out)
}

/// The values a create writes, by target field (ids still pending are left out).
fn written(change: &RecordChange) -> BTreeMap<String, Value> {
    change
        .fields
        .iter()
        .filter_map(|f| Some((f.field.to_string(), f.new.known()?.clone())))
        .collect()
}
