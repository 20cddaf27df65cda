//! The CRM-neutral schema model: objects, fields, picklists, pipelines and owners.
//!
//! Both CRMs' metadata (a Salesforce sObject describe, HubSpot's properties, pipelines and
//! owners) converts into these types. They are boundary types: serialized as the committed
//! YAML snapshots under `schemas/`, so every map is a `BTreeMap` (deterministic order) and
//! every optional attribute is skipped when it holds its default (a one-field change makes a
//! one-line diff).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Bumped whenever the snapshot layout changes incompatibly.
pub const SCHEMA_FORMAT_VERSION: u32 = 1;

/// The two systems tandem syncs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum System {
    Hubspot,
    Salesforce,
}

impl System {
    /// The conventional connection prefix (`hs`, `sf`) used in specs and messages.
    pub fn short_name(self) -> &'static str {
        match self {
            System::Hubspot => "hs",
            System::Salesforce => "sf",
        }
    }

    /// The product name, for messages.
    pub fn display_name(self) -> &'static str {
        match self {
            System::Hubspot => "HubSpot",
            System::Salesforce => "Salesforce",
        }
    }
}

/// One system's schema: the snapshot file `schemas/hubspot.yaml` or `schemas/salesforce.yaml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchemaSnapshot {
    pub format_version: u32,
    pub system: System,
    /// Objects by API name (`contacts`, `Lead`, `Subscription__c`, `2-1234567`).
    pub objects: BTreeMap<String, ObjectSchema>,
    /// HubSpot owners (ids as strings); Salesforce users are not snapshotted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub owners: Vec<Owner>,
}

impl SchemaSnapshot {
    pub fn new(system: System) -> Self {
        SchemaSnapshot {
            format_version: SCHEMA_FORMAT_VERSION,
            system,
            objects: BTreeMap::new(),
            owners: Vec::new(),
        }
    }

    pub fn object(&self, name: &str) -> Option<&ObjectSchema> {
        self.objects.get(name)
    }
}

/// An object type: a Salesforce sObject or a HubSpot object type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectSchema {
    pub name: String,
    pub label: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub custom: bool,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub createable: bool,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub updateable: bool,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub deletable: bool,
    /// HubSpot: the numeric object type id (`0-1` contacts, `2-123` custom objects).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_type_id: Option<String>,
    /// Fields by API name.
    pub fields: BTreeMap<String, FieldSchema>,
    /// HubSpot deal and ticket pipelines, which constrain `dealstage` / `pipeline` values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pipelines: Vec<Pipeline>,
}

impl ObjectSchema {
    pub fn field(&self, name: &str) -> Option<&FieldSchema> {
        self.fields.get(name)
    }
}

/// The neutral field types. Both CRMs' type systems map onto these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    String,
    Textarea,
    Email,
    Phone,
    Url,
    Int,
    Double,
    Currency,
    Percent,
    Bool,
    Date,
    Datetime,
    Time,
    Picklist,
    Multipicklist,
    Reference,
    Id,
}

/// One field (Salesforce) or property (HubSpot).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldSchema {
    pub name: String,
    pub label: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    /// Maximum length in characters for text types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<u32>,
    /// Total digits for numeric types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<u32>,
    /// Digits after the decimal point for numeric types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<u32>,
    /// Must be given when a record is created (Salesforce: not nillable, createable,
    /// no default on create).
    #[serde(default, skip_serializing_if = "is_false")]
    pub required_on_create: bool,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub createable: bool,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub updateable: bool,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub nillable: bool,
    /// Formula / calculated / rollup fields (never writable).
    #[serde(default, skip_serializing_if = "is_false")]
    pub calculated: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub unique: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub external_id: bool,
    /// Salesforce `idLookup`: usable to identify a record in upserts.
    #[serde(default, skip_serializing_if = "is_false")]
    pub id_lookup: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub custom: bool,
    /// HubSpot `modificationMetadata.readOnlyValue`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub read_only_value: bool,
    /// HubSpot `externalOptions`: the options live elsewhere (deal stages in pipelines,
    /// owners in the owners API).
    #[serde(default, skip_serializing_if = "is_false")]
    pub external_options: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picklist: Option<Picklist>,
    /// Target object names of a reference field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reference_to: Vec<String>,
    /// The value the CRM fills in on create when none is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_value: Option<String>,
}

impl FieldSchema {
    /// A plain writable, optional field of the given type: the starting point builders refine.
    pub fn new(name: &str, label: &str, field_type: FieldType) -> Self {
        FieldSchema {
            name: name.to_string(),
            label: label.to_string(),
            field_type,
            length: None,
            precision: None,
            scale: None,
            required_on_create: false,
            createable: true,
            updateable: true,
            nillable: true,
            calculated: false,
            unique: false,
            external_id: false,
            id_lookup: false,
            custom: false,
            read_only_value: false,
            external_options: false,
            picklist: None,
            reference_to: Vec::new(),
            default_value: None,
        }
    }

    /// Whether a create may set this field.
    pub fn writable_on_create(&self) -> bool {
        self.createable && !self.calculated && !self.read_only_value
    }

    /// Whether an update may set this field.
    pub fn writable_on_update(&self) -> bool {
        self.updateable && !self.calculated && !self.read_only_value
    }
}

/// The allowed values of a picklist or multipicklist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Picklist {
    /// Restricted picklists reject values outside the list (Salesforce
    /// INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST; HubSpot enumerations are always restricted).
    pub restricted: bool,
    pub values: Vec<PicklistValue>,
}

impl Picklist {
    pub fn value(&self, value: &str) -> Option<&PicklistValue> {
        self.values.iter().find(|v| v.value == value)
    }

    pub fn active_values(&self) -> impl Iterator<Item = &PicklistValue> {
        self.values.iter().filter(|v| v.active)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PicklistValue {
    pub value: String,
    pub label: String,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub active: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub default: bool,
}

/// A HubSpot pipeline (deals, tickets) and its stages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pipeline {
    pub id: String,
    pub label: String,
    pub stages: Vec<PipelineStage>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PipelineStage {
    pub id: String,
    pub label: String,
    pub display_order: i32,
    /// Deal stages carry a win probability (`0.0`..`1.0`); `1.0` is closed won.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub closed: bool,
}

/// A HubSpot owner, the valid values of `hubspot_owner_id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Owner {
    pub id: String,
    pub email: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub first_name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub last_name: String,
}

fn yes() -> bool {
    true
}

fn is_true(value: &bool) -> bool {
    *value
}

fn is_false(value: &bool) -> bool {
    !*value
}
