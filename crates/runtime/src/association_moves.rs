//! Association moves that neither an incremental read nor the read of what changed since
//! the plan can see (moving a deal to another company does not touch the deal's modified
//! date), and a move a crash left half done.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde_json::Value;

use tandem_language::compile::SyncProgram;

use tandem_connectors::RemoteRecord;
use tandem_ground::record_write::{AssociationWrite, RecordWrite};
use tandem_ground::schema::System;
use tandem_plan::apply_rules::is_association_field;
use tandem_state::StateSnapshot;

use super::crm::{Crm, CrmError};

/// Splits requested field names into plain fields and association pseudo-fields.
pub fn split_fields(fields: &[String]) -> (Vec<String>, Vec<String>) {
    fields
        .iter()
        .cloned()
        .partition(|name| !is_association_field(name))
}

/// After an incremental read: linked records the read did not return whose association
/// pseudo-fields moved since their merge base (to another record, or to blank for a record
/// that is still live) are added as stand-ins
/// (their merge base, the planner's view of an unchanged record, with the fresh association
/// values), so the planner sees the move. Costs one association read per 1,000 linked
/// records per associated object.
pub async fn refresh_unread_associations<H: Crm>(
    sync: &SyncProgram,
    state: &StateSnapshot,
    hs: &mut H,
    records: &mut Vec<RemoteRecord>,
) -> Result<(), CrmError> {
    let fields: Vec<String> = sync.hs.association_fields().cloned().collect();
    let Some(links) = state.links.get(&sync.name) else {
        return Ok(());
    };
    if fields.is_empty() || links.is_empty() {
        return Ok(());
    }
    let read: HashSet<&str> = records.iter().map(|r| r.id.as_str()).collect();
    let unread: Vec<String> = links
        .iter()
        .filter(|link| !read.contains(link.hs_id.as_str()))
        .map(|link| link.hs_id.clone())
        .collect();
    if unread.is_empty() {
        return Ok(());
    }
    let fresh = hs
        .read_associated(&sync.hs.object, &fields, &unread)
        .await?;
    // A field that moved to another record, or to blank. HubSpot answers a deleted deal
    // exactly like one without associations, so a blank is only believed for a deal that is
    // still live (a deal deleted long ago under `on delete ignore` must not clear its
    // Opportunity's account).
    let mut moved: Vec<(&tandem_state::Link, bool)> = Vec::new();
    for link in links {
        let Some(values) = fresh.get(&link.hs_id) else {
            continue;
        };
        let mut to_record = false;
        let mut to_blank = false;
        for field in &sync.fields {
            let Some(value) = values.get(&field.hs_field) else {
                continue;
            };
            let base = link.base.get(&field.key).map(|b| &b.hs);
            if base == Some(value) || (base.is_none() && value.is_null()) {
                continue;
            }
            if value.is_null() {
                to_blank = true;
            } else {
                to_record = true;
            }
        }
        if to_record || to_blank {
            moved.push((link, to_record));
        }
    }
    let blank_only: Vec<String> = moved
        .iter()
        .filter(|(_, to_record)| !to_record)
        .map(|(link, _)| link.hs_id.clone())
        .collect();
    let live = if blank_only.is_empty() {
        BTreeSet::new()
    } else {
        hs.live_ids(&sync.hs.object, &blank_only).await?
    };
    for (link, to_record) in moved {
        if !to_record && !live.contains(&link.hs_id) {
            continue;
        }
        let Some(values) = fresh.get(&link.hs_id) else {
            continue;
        };
        let mut stand_in = tandem_plan::apply_rules::from_base(
            &link.hs_id,
            &link.sf_id,
            System::Hubspot,
            sync,
            &link.base,
        );
        for (name, value) in values {
            stand_in.fields.insert(name.into(), value.clone());
        }
        records.push(stand_in);
    }
    Ok(())
}

/// Finishes HubSpot association moves a crashed run left half done. A move creates the new
/// association (made primary) before removing the old ones, so after a crash between the
/// two the record reads as already moved, and no plan would ever remove the old, now
/// secondary, association. For every pending journal entry of such a move whose new
/// association is in place, the removal is sent again (removing an absent association is a
/// no-op). Runs before the pending entries are marked recovered. Returns the records fixed.
pub async fn finish_interrupted_moves<H: Crm>(
    program: &tandem_language::compile::Program,
    store: &tandem_state::StateStore,
    hs: &mut H,
) -> Result<u64, CrmError> {
    let Ok(pending) = store.pending_journal() else {
        return Ok(0);
    };
    // (object, field) -> [(record id, write)]
    let mut moves: BTreeMap<(String, String), Vec<(String, AssociationWrite)>> = BTreeMap::new();
    for entry in pending
        .iter()
        .filter(|e| e.target == System::Hubspot.short_name() && e.action == "update")
    {
        let Some(sync) = program.sync(&entry.sync) else {
            continue;
        };
        for write in RecordWrite::from_journal(&entry.payload).associations {
            if write.id.is_some() && !write.remove.is_empty() {
                moves
                    .entry((sync.hs.object.clone(), write.field.clone()))
                    .or_default()
                    .push((entry.record_key.clone(), write));
            }
        }
    }
    let mut fixed = 0;
    for ((object, field), writes) in moves {
        let ids: Vec<String> = writes.iter().map(|(id, _)| id.clone()).collect();
        let current = hs
            .read_associated(&object, std::slice::from_ref(&field), &ids)
            .await?;
        let removals: Vec<(String, RecordWrite)> = writes
            .into_iter()
            .filter(|(id, write)| {
                let now = current.get(id).and_then(|values| values.get(&field));
                now == write.id.clone().map(Value::String).as_ref()
            })
            .map(|(id, write)| {
                let removal = AssociationWrite { id: None, ..write };
                (
                    id,
                    RecordWrite {
                        fields: BTreeMap::new(),
                        associations: vec![removal],
                    },
                )
            })
            .collect();
        if removals.is_empty() {
            continue;
        }
        let batch = hs.update(&object, &removals).await;
        fixed += batch
            .outcomes
            .iter()
            .filter(|o| matches!(o, super::crm::WriteOutcome::Written { .. }))
            .count() as u64;
        if let Some(stop) = batch.stopped {
            return Err(stop);
        }
    }
    Ok(fixed)
}

/// The records of an update batch whose association pseudo-fields no longer hold their
/// plan-time values. Moving a deal to another company does not touch the deal's modified
/// date, so the read of what changed since the plan cannot see it: the associations of the
/// batch's records that read did not return are read again (one v4 batch read per batch).
pub async fn moved_since_plan<C: Crm>(
    crm: &mut C,
    object: &str,
    batch: &[&tandem_plan::RecordChange],
    changed_since_plan: &BTreeMap<String, RemoteRecord>,
) -> Result<BTreeSet<String>, CrmError> {
    let mut fields: BTreeSet<String> = BTreeSet::new();
    let mut ids: Vec<String> = Vec::new();
    for change in batch {
        let Some(id) = change.target_id() else {
            continue;
        };
        let associated: Vec<&str> = change
            .precondition
            .keys()
            .map(|k| &**k)
            .filter(|k| is_association_field(k))
            .collect();
        // A record the changed-since read returned carries fresh association values already.
        if associated.is_empty() || changed_since_plan.contains_key(id) {
            continue;
        }
        fields.extend(associated.into_iter().map(str::to_string));
        ids.push(id.to_string());
    }
    if ids.is_empty() {
        return Ok(BTreeSet::new());
    }
    let fields: Vec<String> = fields.into_iter().collect();
    let fresh = crm.read_associated(object, &fields, &ids).await?;
    let mut moved = BTreeSet::new();
    for change in batch {
        let Some(values) = change.target_id().and_then(|id| fresh.get(id)) else {
            continue;
        };
        let differs = change
            .precondition
            .iter()
            .any(|(field, expected)| values.get(&**field).is_some_and(|now| now != expected));
        if differs {
            moved.insert(change.target_id().unwrap_or_default().to_string());
        }
    }
    Ok(moved)
}
