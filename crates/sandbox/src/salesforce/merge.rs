//! Merging duplicates, as SOAP `merge()` and the merge wizard do it: one master record and
//! one or two others of the same object (Account, Contact, Lead, Case). The master keeps
//! its own values, plus any the request sets on it; the others are deleted into the Recycle
//! Bin with `MasterRecordId` pointing at the master (so `queryAll`, `IsDeleted = true` and
//! `/sobjects/{type}/deleted/` see them); every record that looked one of them up is
//! re-parented to the master.
//!
//! Sources: SOAP API Developer Guide `merge()` / `MergeRequest` / `MergeResult` (partner
//! WSDL as transcribed by superfell/zkSforce: `masterRecord`, `recordToMergeIds`; result
//! `id`, `mergedRecordIds`, `updatedRelatedIds`, `success`, `errors`); Apex Developer Guide
//! "Merge statements": "up to three records of the same type", "deletes the duplicate
//! records, and reparents any related records"; continuous-lifecycle-scale.md §4.2 and
//! salesforce-api.md §9 for what a sync then sees (a delete per loser and an update of the
//! master, `MasterRecordId` on the losers).
//!
//! Re-parenting moves every lookup (standard or custom) that names a loser, except
//! `MasterRecordId`: a merged Account's Contacts, Opportunities, Cases, child Accounts,
//! AccountContactRelations and activities (`WhatId`); a merged Contact's contact roles,
//! relations, Cases and activities (`WhoId`); a merged Lead's activities. A contact's
//! relations to one account collapse into one (the master's), and a merged contact's
//! former direct relation becomes indirect when the master already has a direct one.

use serde_json::{Map, Value};

use super::errors::SfFault;
use super::lead_convert::live_record;
use super::write::{self, WriteOptions};
use crate::crm::{Actor, CrmData};
use tandem_ground::schema::FieldType;

/// The objects `merge()` accepts.
pub const MERGEABLE: &[&str] = &["Account", "Contact", "Lead", "Case"];

/// One `MergeRequest`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MergeRequest {
    pub object: String,
    pub master_id: String,
    /// Field values to set on the master (the `masterRecord` element's other fields).
    pub master_fields: Map<String, Value>,
    pub merge_ids: Vec<String>,
}

/// A successful `MergeResult`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Merged {
    pub id: String,
    pub merged_record_ids: Vec<String>,
    pub updated_related_ids: Vec<String>,
}

fn fault(code: &str, message: impl Into<String>) -> SfFault {
    SfFault::new(code, message, Vec::new())
}

/// Merges; the error is the `errors` entry of a failed `MergeResult`.
pub fn merge(
    crm: &mut CrmData,
    request: &MergeRequest,
    actor: &Actor,
    now_ms: i64,
) -> Result<Merged, SfFault> {
    let object = crm
        .resolve_salesforce_object(&request.object)
        .filter(|o| MERGEABLE.contains(&o.as_str()))
        .ok_or_else(|| {
            fault(
                "INVALID_TYPE_FOR_OPERATION",
                format!("entity type {} does not support merge", request.object),
            )
        })?;
    if request.merge_ids.is_empty() || request.merge_ids.len() > 2 {
        return Err(fault(
            "LIMIT_EXCEEDED",
            "A merge request names one or two records to merge into the master record",
        ));
    }
    let master = live_record(crm, &object, &request.master_id, "masterRecord")?;
    let master_id = id_of(crm, &object, master);
    let mut losers = Vec::new();
    for id in &request.merge_ids {
        let slot = live_record(crm, &object, id, "recordToMergeIds")?;
        if slot == master || losers.contains(&slot) {
            return Err(fault(
                "INVALID_ID_FIELD",
                "a record cannot be merged with itself",
            ));
        }
        losers.push(slot);
    }
    if object == "Lead" {
        for slot in std::iter::once(master).chain(losers.iter().copied()) {
            if stored(crm, "Lead", slot, "IsConverted").as_deref() == Some("true") {
                return Err(fault(
                    "CANNOT_UPDATE_CONVERTED_LEAD",
                    "cannot reference converted lead",
                ));
            }
        }
    }
    let options = WriteOptions::default();
    let fields = write::plan_update(crm, &object, master, &request.master_fields, &options)
        .map_err(|failure| {
            failure
                .faults
                .into_iter()
                .next()
                .unwrap_or_else(|| fault("UNKNOWN_EXCEPTION", "invalid master record"))
        })?;

    let loser_ids: Vec<String> = losers.iter().map(|s| id_of(crm, &object, *s)).collect();
    let updated_related_ids = reparent(crm, &object, &loser_ids, &master_id, actor, now_ms);
    // The master is saved (its SystemModstamp moves) even when no field is set on it.
    crm.update(&object, master, &fields, actor, now_ms);
    for slot in &losers {
        crm.delete(&object, *slot, actor, now_ms);
        if let Some(table) = crm.store.table_mut(&object) {
            table.record_mut(*slot).merged_into = Some(master_id.clone().into_boxed_str());
        }
    }
    Ok(Merged {
        id: master_id,
        merged_record_ids: loser_ids,
        updated_related_ids,
    })
}

fn id_of(crm: &CrmData, object: &str, slot: u32) -> String {
    crm.store
        .table(object)
        .map(|t| t.record(slot).id.to_string())
        .unwrap_or_default()
}

fn stored(crm: &CrmData, object: &str, slot: u32, field: &str) -> Option<String> {
    let table = crm.store.table(object)?;
    table
        .field(field)
        .and_then(|f| table.record(slot).get(f))
        .map(str::to_string)
}

/// Points every live record that looks up a loser at the master; returns their ids.
fn reparent(
    crm: &mut CrmData,
    object: &str,
    losers: &[String],
    master: &str,
    actor: &Actor,
    now_ms: i64,
) -> Vec<String> {
    let lookups: Vec<(String, String)> = crm
        .schema
        .objects
        .values()
        .flat_map(|child| {
            child
                .fields
                .values()
                .filter(|f| {
                    f.field_type == FieldType::Reference
                        && f.name != "MasterRecordId"
                        && f.reference_to.iter().any(|t| t == object)
                })
                .map(|f| (child.name.clone(), f.name.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    let mut moved = Vec::new();
    for (child, field) in lookups {
        let slots: Vec<u32> = match crm.store.table(&child) {
            Some(table) => match table.field(&field) {
                Some(index) => table
                    .slots()
                    .filter(|s| {
                        let record = table.record(*s);
                        !record.is_deleted()
                            && record
                                .get(index)
                                .is_some_and(|v| losers.iter().any(|l| l == v))
                    })
                    .collect(),
                None => Vec::new(),
            },
            None => Vec::new(),
        };
        for slot in slots {
            crm.update(
                &child,
                slot,
                &[(field.clone(), Some(master.to_string()))],
                actor,
                now_ms,
            );
            let id = id_of(crm, &child, slot);
            if !moved.contains(&id) {
                moved.push(id);
            }
        }
    }
    if matches!(object, "Account" | "Contact") {
        collapse_relations(crm, object, master, actor, now_ms);
    }
    moved
}

/// After a merge one (account, contact) pair has at most one AccountContactRelation (the
/// direct one, else the oldest), and a merged contact's only direct relation is the one to
/// the master's own account.
fn collapse_relations(crm: &mut CrmData, object: &str, master: &str, actor: &Actor, now_ms: i64) {
    const ACR: &str = "AccountContactRelation";
    let (field, other) = if object == "Account" {
        ("AccountId", "ContactId")
    } else {
        ("ContactId", "AccountId")
    };
    let master_account = (object == "Contact")
        .then(|| {
            crm.store
                .table("Contact")
                .and_then(|t| t.slot_of(master))
                .and_then(|slot| stored(crm, "Contact", slot, "AccountId"))
        })
        .flatten();
    let mut relations = super::derived::related(crm, ACR, field, master);
    relations.sort_by_key(|slot| {
        let direct = stored(crm, ACR, *slot, "IsDirect").as_deref() == Some("true");
        let created = crm
            .store
            .table(ACR)
            .map(|t| t.record(*slot).created_ms)
            .unwrap_or(0);
        (!direct, created, *slot)
    });
    let mut kept: Vec<String> = Vec::new();
    for slot in relations {
        let key = stored(crm, ACR, slot, other).unwrap_or_default();
        if kept.contains(&key) {
            crm.delete(ACR, slot, actor, now_ms);
            continue;
        }
        if object == "Contact" {
            let direct = stored(crm, ACR, slot, "IsDirect").as_deref() == Some("true");
            let should = master_account.as_deref() == Some(key.as_str());
            if direct != should {
                crm.update(
                    ACR,
                    slot,
                    &[("IsDirect".to_string(), Some(should.to_string()))],
                    actor,
                    now_ms,
                );
            }
        }
        kept.push(key);
    }
}
