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
            "pipeline" | "hs_pipeline" => {
                Some(object.pipelines.iter().map(|p| p.id.clone()).collect())
            }
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
    let with_default;
    let properties = match default_ticket_pipeline(schema, kind, properties) {
        Some(filled) => {
            with_default = filled;
            &with_default
        }
        None => properties,
    };
    let values = validate::normalize_input(System::Hubspot, schema, kind, properties, &oracle)
        .map_err(WriteFailure::Invalid)?;
    check_ticket_stage(schema, &values)?;
    Ok(values)
}

/// "If a pipeline isn't specified, the default pipeline will be used" for a new ticket
/// (developers.hubspot.com/docs/api-reference/legacy/crm/objects/tickets/guide).
fn default_ticket_pipeline(
    schema: &tandem_ground::schema::ObjectSchema,
    kind: WriteKind,
    properties: &Map<String, Value>,
) -> Option<Map<String, Value>> {
    let default = schema.pipelines.first()?;
    let tickets = schema.fields.contains_key("hs_pipeline")
        && schema.fields.contains_key("hs_pipeline_stage");
    let missing = properties
        .get("hs_pipeline")
        .is_none_or(|v| v.is_null() || v.as_str() == Some(""));
    if kind != WriteKind::Create || !tickets || !missing {
        return None;
    }
    let mut filled = properties.clone();
    filled.insert("hs_pipeline".into(), Value::String(default.id.clone()));
    Some(filled)
}

/// A ticket's status must be a stage of its pipeline (the properties validation only knows the
/// stages of all pipelines together).
fn check_ticket_stage(
    schema: &tandem_ground::schema::ObjectSchema,
    values: &[(String, Option<String>)],
) -> Result<(), WriteFailure> {
    let value = |name: &str| {
        values
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.as_deref())
    };
    let (Some(pipeline), Some(stage)) = (value("hs_pipeline"), value("hs_pipeline_stage")) else {
        return Ok(());
    };
    let Some(stages) = schema.pipeline(pipeline).map(|p| &p.stages) else {
        return Ok(());
    };
    if stages.iter().any(|s| s.id == stage) {
        return Ok(());
    }
    Err(WriteFailure::Invalid(vec![Violation::BadPicklist {
        field: "hs_pipeline_stage".into(),
        label: "Ticket status".into(),
        value: stage.to_string(),
        allowed: stages.iter().map(|s| s.id.clone()).collect(),
    }]))
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
