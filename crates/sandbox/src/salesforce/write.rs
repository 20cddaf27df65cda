//! The Salesforce write path shared by single-record, collection, upsert and Bulk API
//! endpoints: schema validation, lookups, unique / external-id collisions
//! (DUPLICATE_VALUE), duplicate rules (DUPLICATES_DETECTED), deleted and converted records.

use axum::http::HeaderMap;
use serde_json::{Map, Value, json};

use super::errors::{SfFault, violation_fault};
use crate::crm::{Actor, CrmData};
use crate::ids;
use crate::store::IndexedLookup;
use crate::validate::{self, ValueOracle, Violation, WriteKind};
use tandem_ground::schema::System;

/// Options a caller sets with request headers.
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// `Sforce-Call-Options: client=NAME`.
    pub client: Option<String>,
    /// `Sforce-Duplicate-Rule-Header: allowSave=true`.
    pub allow_save: bool,
}

impl WriteOptions {
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let text = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        let call_options = text("sforce-call-options");
        let client = call_options
            .split([',', ';'])
            .filter_map(|part| part.trim().strip_prefix("client="))
            .map(str::to_string)
            .next();
        let allow_save = text("sforce-duplicate-rule-header")
            .split([';', ','])
            .any(|part| part.trim().eq_ignore_ascii_case("allowSave=true"));
        WriteOptions { client, allow_save }
    }

    pub fn actor(&self) -> Actor {
        Actor::api(self.client.clone())
    }
}

struct SalesforceOracle<'a> {
    crm: &'a CrmData,
}

impl ValueOracle for SalesforceOracle<'_> {
    fn reference_exists(&self, targets: &[String], id: &str) -> bool {
        targets.iter().any(|target| {
            self.crm
                .store
                .table(target)
                .and_then(|table| table.get(id))
                .is_some_and(|record| !record.is_deleted())
        })
    }
}

/// Failures for one record: request-level ones (unknown fields, unparseable values) make
/// the whole call a 400; the rest are reported per record.
#[derive(Debug, Clone)]
pub struct RecordFailure {
    pub request_level: bool,
    pub faults: Vec<SfFault>,
}

impl RecordFailure {
    fn record(faults: Vec<SfFault>) -> Self {
        RecordFailure {
            request_level: false,
            faults,
        }
    }
}

/// A lookup that names no live record of an allowed type. Polymorphic lookups (`WhoId`:
/// Contact or Lead; `WhatId`) are checked against their allowed targets: an id of another
/// object is `FIELD_INTEGRITY_EXCEPTION` ("Name ID: id value of incorrect type"), an id of an
/// allowed object that does not exist is `INVALID_CROSS_REFERENCE_KEY` ("invalid cross
/// reference id"), and one in the Recycle Bin is `ENTITY_IS_DELETED` (salesforce-api.md §6).
fn reference_fault(crm: &CrmData, object: &str, violation: &Violation) -> Option<SfFault> {
    let Violation::BadReference { field, value, .. } = violation else {
        return None;
    };
    let schema_field = crm.object(object)?.field(field)?;
    let id = ids::normalize_salesforce_id(value)?;
    for target in &schema_field.reference_to {
        let Some(table) = crm.store.table(target) else {
            continue;
        };
        if !id.starts_with(&table.key_prefix) {
            continue;
        }
        return Some(match table.get(&id) {
            Some(record) if record.is_deleted() => {
                SfFault::new("ENTITY_IS_DELETED", "entity is deleted", Vec::new())
            }
            _ => SfFault::new(
                "INVALID_CROSS_REFERENCE_KEY",
                "invalid cross reference id",
                Vec::new(),
            ),
        });
    }
    None
}

fn from_crm_violations(crm: &CrmData, object: &str, violations: Vec<Violation>) -> RecordFailure {
    let mut failure = from_violations(object, violations.clone());
    if !failure.request_level {
        failure.faults = violations
            .iter()
            .map(|v| reference_fault(crm, object, v).unwrap_or_else(|| violation_fault(object, v)))
            .collect();
    }
    failure
}

fn from_violations(object: &str, violations: Vec<Violation>) -> RecordFailure {
    let request_level = violations.iter().any(super::errors::is_request_level);
    let chosen: Vec<&Violation> = if request_level {
        violations
            .iter()
            .filter(|v| super::errors::is_request_level(v))
            .take(1)
            .collect()
    } else {
        violations.iter().collect()
    };
    RecordFailure {
        request_level,
        faults: chosen
            .into_iter()
            .map(|v| violation_fault(object, v))
            .collect(),
    }
}

fn strip_attributes(fields: &Map<String, Value>) -> Map<String, Value> {
    let mut fields = fields.clone();
    fields.remove("attributes");
    fields
}

fn check_collisions(
    crm: &CrmData,
    object: &str,
    values: &[(String, Option<String>)],
    own_slot: Option<u32>,
    options: &WriteOptions,
) -> Result<(), RecordFailure> {
    let Some(schema) = crm.object(object) else {
        return Ok(());
    };
    let Some(table) = crm.store.table(object) else {
        return Ok(());
    };
    for (name, value) in values {
        let (Some(field), Some(value)) = (schema.field(name), value) else {
            continue;
        };
        if !(field.unique || field.external_id) {
            continue;
        }
        let others: Vec<u32> = match table.lookup(name, value, false) {
            Some(IndexedLookup::One(slot)) => vec![slot],
            Some(IndexedLookup::Many(slots)) => slots,
            _ => Vec::new(),
        };
        if let Some(other) = others.into_iter().find(|slot| Some(*slot) != own_slot) {
            return Err(RecordFailure::record(vec![SfFault::new(
                "DUPLICATE_VALUE",
                format!(
                    "duplicate value found: {name} duplicates value on record with id: {}",
                    table.record(other).id
                ),
                Vec::new(),
            )]));
        }
    }
    if crm.duplicate_rules.contains(object) && !options.allow_save {
        let email = values
            .iter()
            .find(|(n, _)| n == "Email")
            .and_then(|(_, v)| v.as_deref());
        if let Some(email) = email {
            let matches: Vec<u32> = match table.lookup("Email", email, false) {
                Some(IndexedLookup::One(slot)) => vec![slot],
                Some(IndexedLookup::Many(slots)) => slots,
                _ => Vec::new(),
            };
            let matches: Vec<u32> = matches
                .into_iter()
                .filter(|slot| Some(*slot) != own_slot)
                .collect();
            if !matches.is_empty() {
                let records: Vec<Value> = matches
                    .iter()
                    .map(|slot| {
                        let id = table.record(*slot).id.to_string();
                        json!({"additionalInformation": [], "fieldDiffs": [], "matchConfidence": 100.0,
                               "record": {"attributes": {"type": object, "url": format!("/services/data/v{}/sobjects/{object}/{id}", super::PINNED_VERSION)}, "Id": id}})
                    })
                    .collect();
                let mut fault = SfFault::new(
                    "DUPLICATES_DETECTED",
                    "Use one of these records?",
                    Vec::new(),
                );
                fault.extra = Some(Box::new((
                    "duplicateResut".into(),
                    json!({
                        "allowSave": true,
                        "duplicateRule": format!("Standard_{object}_Duplicate_Rule"),
                        "duplicateRuleEntityType": object,
                        "errorMessage": "You're creating a duplicate record. We recommend you use an existing record instead.",
                        "matchResults": [{"entityType": object, "errors": [], "matchEngine": "ExactMatchEngine", "matchRecords": records,
                                          "rule": format!("Standard_{object}_Match_Rule_v1_0"), "size": matches.len(), "success": true}],
                    }),
                )));
                return Err(RecordFailure::record(vec![fault]));
            }
        }
    }
    Ok(())
}

pub fn plan_create(
    crm: &CrmData,
    object: &str,
    fields: &Map<String, Value>,
    options: &WriteOptions,
) -> Result<Vec<(String, Option<String>)>, RecordFailure> {
    let schema = crm.object(object).ok_or_else(|| RecordFailure {
        request_level: true,
        faults: vec![SfFault::new(
            "NOT_FOUND",
            "The requested resource does not exist",
            Vec::new(),
        )],
    })?;
    if !schema.createable {
        return Err(RecordFailure::record(vec![SfFault::new(
            "INSUFFICIENT_ACCESS_OR_READONLY",
            format!("insufficient access rights on object {object}"),
            Vec::new(),
        )]));
    }
    let fields = strip_attributes(fields);
    let oracle = SalesforceOracle { crm };
    let values = validate::normalize_input(
        System::Salesforce,
        schema,
        WriteKind::Create,
        &fields,
        &oracle,
    )
    .map_err(|v| from_crm_violations(crm, object, v))?;
    super::derived::check_create(object, &values)
        .map_err(|v| from_crm_violations(crm, object, vec![v]))?;
    check_collisions(crm, object, &values, None, options)?;
    let mut values = values;
    // Like the real org, a record created without an owner is owned by the calling user.
    let owned = schema.fields.contains_key("OwnerId");
    if owned
        && !values
            .iter()
            .any(|(name, value)| name == "OwnerId" && value.is_some())
    {
        values.push((
            "OwnerId".to_string(),
            Some(crate::crm::integration_user_id()),
        ));
    }
    Ok(values)
}

/// Resolves an id for an update or delete: malformed, unknown, deleted, converted.
pub fn live_slot_for_write(
    crm: &CrmData,
    object: &str,
    id_text: &str,
    for_update: bool,
) -> Result<u32, SfFault> {
    let label = crm
        .object(object)
        .map(|o| o.label.clone())
        .unwrap_or_else(|| object.to_string());
    let Some(id) = ids::normalize_salesforce_id(id_text) else {
        return Err(SfFault::new(
            "MALFORMED_ID",
            format!("{label} ID: id value of incorrect type: {id_text}"),
            vec!["Id".into()],
        ));
    };
    let table = crm.store.table(object).ok_or_else(|| {
        SfFault::new(
            "INVALID_TYPE",
            format!("sObject type '{object}' is not supported."),
            Vec::new(),
        )
    })?;
    if !id.starts_with(&table.key_prefix) {
        return Err(SfFault::new(
            "MALFORMED_ID",
            format!("{label} ID: id value of incorrect type: {id_text}"),
            vec!["Id".into()],
        ));
    }
    let Some(slot) = table.slot_of(&id) else {
        return Err(SfFault::new(
            "INVALID_CROSS_REFERENCE_KEY",
            "invalid cross reference id",
            Vec::new(),
        ));
    };
    let record = table.record(slot);
    if record.is_deleted() {
        return Err(SfFault::new(
            "ENTITY_IS_DELETED",
            "entity is deleted",
            Vec::new(),
        ));
    }
    if for_update && object == "Lead" {
        let converted = table.field("IsConverted").and_then(|f| record.get(f)) == Some("true");
        if converted {
            return Err(SfFault::new(
                "CANNOT_UPDATE_CONVERTED_LEAD",
                "cannot reference converted lead",
                Vec::new(),
            ));
        }
    }
    Ok(slot)
}

pub fn plan_update(
    crm: &CrmData,
    object: &str,
    slot: u32,
    fields: &Map<String, Value>,
    options: &WriteOptions,
) -> Result<Vec<(String, Option<String>)>, RecordFailure> {
    let schema = crm
        .object(object)
        .ok_or_else(|| RecordFailure::record(Vec::new()))?;
    let mut fields = strip_attributes(fields);
    fields.remove("Id");
    fields.remove("id");
    let oracle = SalesforceOracle { crm };
    let values = validate::normalize_input(
        System::Salesforce,
        schema,
        WriteKind::Update,
        &fields,
        &oracle,
    )
    .map_err(|v| from_crm_violations(crm, object, v))?;
    check_collisions(crm, object, &values, Some(slot), options)?;
    Ok(values)
}

/// Finds records whose external-id (or idLookup) field equals `value`.
pub fn find_by_external_id(crm: &CrmData, object: &str, field: &str, value: &str) -> Vec<u32> {
    let Some(table) = crm.store.table(object) else {
        return Vec::new();
    };
    if field.eq_ignore_ascii_case("Id") {
        return ids::normalize_salesforce_id(value)
            .and_then(|id| table.slot_of(&id))
            .filter(|slot| !table.record(*slot).is_deleted())
            .into_iter()
            .collect();
    }
    match table.lookup(field, value, false) {
        Some(IndexedLookup::One(slot)) => vec![slot],
        Some(IndexedLookup::Many(slots)) => slots,
        Some(IndexedLookup::None) => Vec::new(),
        None => table
            .slots()
            .filter(|slot| {
                let record = table.record(*slot);
                !record.is_deleted() && crm.value(table, record, field).is_some_and(|v| v == value)
            })
            .collect(),
    }
}

/// The field usable for upsert: external id or idLookup (case-insensitive name).
pub fn upsert_field(crm: &CrmData, object: &str, name: &str) -> Option<String> {
    let schema = crm.object(object)?;
    schema
        .fields
        .values()
        .find(|f| f.name.eq_ignore_ascii_case(name) && (f.external_id || f.id_lookup))
        .map(|f| f.name.clone())
}
