//! HubSpot merges (`POST /crm/v3/objects/{objectType}/merge` with `primaryObjectId` and
//! `objectIdToMerge`, and a user merging in the UI), in the three behaviours a portal can show.
//!
//! HubSpot's developer changelog "Updated merge functionality for contacts and companies"
//! (developers.hubspot.com/changelog/updated-merge-functionality-for-contacts-and-companies)
//! says merges used to keep the primary record's id, and now create a new record with a new id
//! that both previous ids point to: "fetching any records using the original IDs will return
//! the new merged record with the new ID"; the merged record takes the primary's current values
//! and the associations of both. Merge webhooks carry `primaryObjectId`, `mergedObjectIds`,
//! `newObjectId` and `numberOfPropertiesMoved`; a deletion event follows for each id that
//! stopped existing (amp-labs/connectors#3487, observed). Merges exist for contacts, companies,
//! deals and tickets (the per-object OpenAPI specs; engagements and the generic objects API
//! have no merge).
//!
//! The sandbox's default keeps the primary's id and answers 404 for the absorbed id, which is
//! what it has always done and what its older wire tests assert; the other two behaviours are
//! HubSpot's before and after that change, chosen with `SandboxConfig::hubspot_merge_behavior`
//! or `PUT /_sandbox/merge-behavior`. In every behaviour the survivor lists the absorbed ids in
//! `hs_merged_object_ids`, and an absorbed id never reads as archived (`?archived=true` finds
//! only records that were archived), which is how a client tells a merge from an archive.

use serde::{Deserialize, Serialize};
use serde_json::Map;

use crate::crm::{Actor, CrmData};
use crate::store::Table;

/// How a merge treats the two records' ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MergeBehavior {
    /// The primary keeps its id; a read of the absorbed id answers 404.
    #[default]
    PrimaryKeepsId,
    /// The primary keeps its id; a read of the absorbed id answers the primary (HubSpot
    /// before the change).
    PrimaryKeepsIdResolving,
    /// A new record with a new id replaces both; reads of either old id answer it (HubSpot
    /// now).
    NewRecord,
}

impl MergeBehavior {
    /// Whether a read by an absorbed id answers the record it was merged into.
    pub fn resolves_absorbed_ids(self) -> bool {
        !matches!(self, MergeBehavior::PrimaryKeepsId)
    }
}

/// The object types HubSpot can merge.
pub fn mergeable(object: &str) -> bool {
    matches!(object, "contacts" | "companies" | "deals" | "tickets")
}

/// Merges `loser` into `primary` (both live slots of `object`); returns the surviving slot.
pub fn merge(
    crm: &mut CrmData,
    behavior: MergeBehavior,
    object: &str,
    primary: u32,
    loser: u32,
    actor: &Actor,
    now_ms: i64,
) -> Option<u32> {
    let loser_id = crm.store.table(object)?.record(loser).id.to_string();
    match behavior {
        MergeBehavior::PrimaryKeepsId | MergeBehavior::PrimaryKeepsIdResolving => {
            let survivor = crm.merge(object, primary, loser, actor, now_ms)?;
            deletion_event(crm, object, &loser_id, actor, now_ms);
            Some(survivor)
        }
        MergeBehavior::NewRecord => {
            merge_into_new_record(crm, object, primary, loser, actor, now_ms)
        }
    }
}

fn deletion_event(crm: &mut CrmData, object: &str, id: &str, actor: &Actor, now_ms: i64) {
    if crm.webhooks_enabled {
        crm.push_event(object, id, "deletion", actor, now_ms, Map::new());
    }
}

fn merged_ids(table: &Table, slot: u32) -> Vec<String> {
    let record = table.record(slot);
    let mut ids: Vec<String> = table
        .field("hs_merged_object_ids")
        .and_then(|field| record.get(field))
        .map(|text| {
            text.split(';')
                .filter(|id| !id.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    ids.push(record.id.to_string());
    ids
}

fn merge_into_new_record(
    crm: &mut CrmData,
    object: &str,
    primary: u32,
    loser: u32,
    actor: &Actor,
    now_ms: i64,
) -> Option<u32> {
    let table = crm.store.table(object)?;
    let (primary_record, loser_record) =
        (table.record(primary).clone(), table.record(loser).clone());
    // The primary's current values win; the other record fills what the primary lacks.
    let mut values: std::collections::BTreeMap<String, Option<String>> = loser_record
        .fields()
        .map(|(field, value)| {
            (
                table.field_names[field as usize].to_string(),
                Some(value.to_string()),
            )
        })
        .collect();
    let moved = values.len();
    for (field, value) in primary_record.fields() {
        values.insert(
            table.field_names[field as usize].to_string(),
            Some(value.to_string()),
        );
    }
    let mut absorbed = merged_ids(table, primary);
    absorbed.extend(merged_ids(table, loser));
    absorbed.sort_by_key(|id| id.parse::<u64>().unwrap_or(u64::MAX));
    absorbed.dedup();
    values.insert("hs_merged_object_ids".into(), Some(absorbed.join(";")));
    let values: Vec<(String, Option<String>)> = values.into_iter().collect();
    // The new record is the merge's result, not a creation a subscriber should hear about.
    let webhooks = std::mem::replace(&mut crm.webhooks_enabled, false);
    let created = crm.create(object, &values, actor, now_ms);
    crm.webhooks_enabled = webhooks;
    let new_id = created?;
    let table = crm.store.table_mut(object)?;
    let new_slot = table.slot_of(&new_id)?;
    table.record_mut(new_slot).created_ms = primary_record.created_ms;
    for slot in [primary, loser] {
        let record = table.record_mut(slot);
        record.deleted_ms = Some(now_ms);
        record.modified_ms = now_ms;
        record.merged_into = Some(new_id.clone().into_boxed_str());
    }
    for old in [primary_record.id.as_ref(), loser_record.id.as_ref()] {
        crm.move_associations(object, old, &new_id, now_ms);
    }
    crm.log(
        now_ms,
        object,
        &new_id,
        "merge",
        actor,
        vec![primary_record.id.to_string(), loser_record.id.to_string()],
    );
    if crm.webhooks_enabled {
        let mut extra = Map::new();
        extra.insert(
            "primaryObjectId".into(),
            primary_record.id.to_string().into(),
        );
        extra.insert(
            "mergedObjectIds".into(),
            serde_json::json!([loser_record.id.to_string()]),
        );
        extra.insert("newObjectId".into(), new_id.clone().into());
        extra.insert("numberOfPropertiesMoved".into(), (moved as u64).into());
        crm.push_event(object, &new_id, "merge", actor, now_ms, extra);
    }
    for old in [primary_record.id.to_string(), loser_record.id.to_string()] {
        deletion_event(crm, object, &old, actor, now_ms);
    }
    Some(new_slot)
}

/// The live record an id reads as: the id's own record when live, else (when `resolve`) the
/// record a merge absorbed it into, followed through later merges.
pub fn live_slot_following_merges(table: &Table, id: &str, resolve: bool) -> Option<u32> {
    let mut slot = table.slot_of(id)?;
    for _ in 0..64 {
        let record = table.record(slot);
        if !record.is_deleted() {
            return Some(slot);
        }
        let next = record.merged_into.as_deref().filter(|_| resolve)?;
        slot = table.slot_of(next)?;
    }
    None
}
