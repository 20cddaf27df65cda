//! The HubSpot write path shared by single-record and batch endpoints: validate one input
//! against the schema, enforce unique contact emails, and create or update.

use serde_json::{Map, Value};

use crate::crm::{Actor, CrmData};
use crate::store::IndexedLookup;
use crate::validate::{self, ValueOracle, Violation, WriteKind};
use tandem_ground::schema::System;

/// Deal stages (per pipeline) and owner ids: the values of `externalOptions` properties.
pub struct HubspotOracle<'a> {
    pub crm: &'a CrmData,
    pub object: &'a str,
}

impl ValueOracle for HubspotOracle<'_> {
    fn external_options(&self, field: &str, pipeline: Option<&str>) -> Option<Vec<String>> {
        let object = self.crm.object(self.object)?;
        match field {
            "hubspot_owner_id" => Some(
                self.crm
                    .schema
                    .owners
                    .iter()
                    .map(|o| o.id.clone())
                    .collect(),
            ),
            "pipeline" => Some(object.pipelines.iter().map(|p| p.id.clone()).collect()),
            "dealstage" | "hs_pipeline_stage" => Some(
                object
                    .pipelines
                    .iter()
                    .filter(|p| pipeline.is_none_or(|id| p.id == id))
                    .flat_map(|p| p.stages.iter().map(|s| s.id.clone()))
                    .collect(),
            ),
            _ => None,
        }
    }
}

/// Why one input could not be written.
#[derive(Debug)]
pub enum WriteFailure {
    Invalid(Vec<Violation>),
    /// A contact with this email exists (HTTP 409 CONFLICT).
    DuplicateEmail {
        existing_id: String,
    },
    NotFound {
        id: String,
    },
}

pub fn properties_of(input: &Value) -> Map<String, Value> {
    input
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

pub fn validate(
    crm: &CrmData,
    object: &str,
    kind: WriteKind,
    properties: &Map<String, Value>,
) -> Result<Vec<(String, Option<String>)>, WriteFailure> {
    let Some(schema) = crm.object(object) else {
        return Err(WriteFailure::Invalid(Vec::new()));
    };
    let oracle = HubspotOracle { crm, object };
    validate::normalize_input(System::Hubspot, schema, kind, properties, &oracle)
        .map_err(WriteFailure::Invalid)
}

/// Refuses a second contact with the same email (HubSpot dedupes contacts by email).
pub fn check_unique_email(
    crm: &CrmData,
    object: &str,
    values: &[(String, Option<String>)],
    own_slot: Option<u32>,
) -> Result<(), WriteFailure> {
    if object != "contacts" {
        return Ok(());
    }
    let Some(email) = values
        .iter()
        .find(|(n, _)| n == "email")
        .and_then(|(_, v)| v.as_deref())
    else {
        return Ok(());
    };
    let Some(table) = crm.store.table(object) else {
        return Ok(());
    };
    let existing = match table.lookup("email", email, false) {
        Some(IndexedLookup::One(slot)) => Some(slot),
        Some(IndexedLookup::Many(slots)) => slots.first().copied(),
        _ => None,
    };
    match existing {
        Some(slot) if Some(slot) != own_slot => Err(WriteFailure::DuplicateEmail {
            existing_id: table.record(slot).id.to_string(),
        }),
        _ => Ok(()),
    }
}

pub fn create(
    crm: &mut CrmData,
    object: &str,
    properties: &Map<String, Value>,
    actor: &Actor,
    now_ms: i64,
) -> Result<String, WriteFailure> {
    let values = validate(crm, object, WriteKind::Create, properties)?;
    check_unique_email(crm, object, &values, None)?;
    crm.create(object, &values, actor, now_ms)
        .ok_or(WriteFailure::Invalid(Vec::new()))
}

/// Finds a live record by id or by a unique property (`idProperty`).
pub fn find_slot(crm: &CrmData, object: &str, id: &str, id_property: Option<&str>) -> Option<u32> {
    let table = crm.store.table(object)?;
    let slot = match id_property {
        None | Some("hs_object_id") => table.slot_of(id)?,
        Some(property) => match table.lookup(property, id, false) {
            Some(IndexedLookup::One(slot)) => slot,
            Some(IndexedLookup::Many(slots)) => *slots.first()?,
            Some(IndexedLookup::None) => return None,
            None => table.slots().find(|slot| {
                let record = table.record(*slot);
                !record.is_deleted() && crm.value(table, record, property).is_some_and(|v| v == id)
            })?,
        },
    };
    (!table.record(slot).is_deleted()).then_some(slot)
}

pub fn update(
    crm: &mut CrmData,
    object: &str,
    slot: u32,
    properties: &Map<String, Value>,
    actor: &Actor,
    now_ms: i64,
) -> Result<(), WriteFailure> {
    let values = validate(crm, object, WriteKind::Update, properties)?;
    check_unique_email(crm, object, &values, Some(slot))?;
    crm.update(object, slot, &values, actor, now_ms);
    Ok(())
}
