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

    /// The other system.
    pub fn other(self) -> System {
        match self {
            System::Hubspot => System::Salesforce,
            System::Salesforce => System::Hubspot,
        }
    }

    /// The system a connection prefix or product name names (`hs`, `hubspot`, `sf`,
    /// `salesforce`), as the state store and the CLI write them.
    pub fn from_short_name(text: &str) -> Option<System> {
        match text {
            "hs" | "hubspot" => Some(System::Hubspot),
            "sf" | "salesforce" => Some(System::Salesforce),
            _ => None,
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
    /// HubSpot: the object types records of this type can be associated with (`companies`,
    /// `deals`...), with HubSpot's default association type ids. Salesforce expresses links
    /// as reference fields instead.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub associations: Vec<AssociationSchema>,
}

impl ObjectSchema {
    /// An empty, fully writable object: the starting point converters and builders refine.
    pub fn new(name: &str, label: &str) -> Self {
        ObjectSchema {
            name: name.to_string(),
            label: label.to_string(),
            custom: false,
            createable: true,
            updateable: true,
            deletable: true,
            object_type_id: None,
            fields: BTreeMap::new(),
            pipelines: Vec::new(),
            associations: Vec::new(),
        }
    }

    /// The pipeline with this id (HubSpot deals and tickets).
    pub fn pipeline(&self, id: &str) -> Option<&Pipeline> {
        self.pipelines.iter().find(|pipeline| pipeline.id == id)
    }

    /// The association to another object type (HubSpot).
    pub fn association_to(&self, object: &str) -> Option<&AssociationSchema> {
        self.associations
            .iter()
            .find(|association| association.to_object == object)
    }

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

impl FieldType {
    /// The text-valued types, between which values move freely (subject to length).
    pub fn is_text(self) -> bool {
        matches!(
            self,
            FieldType::String
                | FieldType::Textarea
                | FieldType::Email
                | FieldType::Phone
                | FieldType::Url
        )
    }

    /// The numeric types.
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            FieldType::Int | FieldType::Double | FieldType::Currency | FieldType::Percent
        )
    }

    /// The name used in snapshots and messages (`string`, `multipicklist`...).
    pub fn name(self) -> &'static str {
        match self {
            FieldType::String => "string",
            FieldType::Textarea => "textarea",
            FieldType::Email => "email",
            FieldType::Phone => "phone",
            FieldType::Url => "url",
            FieldType::Int => "int",
            FieldType::Double => "double",
            FieldType::Currency => "currency",
            FieldType::Percent => "percent",
            FieldType::Bool => "bool",
            FieldType::Date => "date",
            FieldType::Datetime => "datetime",
            FieldType::Time => "time",
            FieldType::Picklist => "picklist",
            FieldType::Multipicklist => "multipicklist",
            FieldType::Reference => "reference",
            FieldType::Id => "id",
        }
    }
}

impl std::fmt::Display for FieldType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
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
    /// Salesforce `defaultedOnCreate`: the CRM fills a value in when a create leaves the
    /// field out (`OwnerId` the running user, booleans false, `Status` the default status).
    #[serde(default, skip_serializing_if = "is_false")]
    pub defaulted_on_create: bool,
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
    /// The CRM's own type name when it says more than [`FieldType`] (Salesforce `combobox`,
    /// `long`, `encryptedstring`, `address`; HubSpot `enumeration`, `number`, `string`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub native_type: Option<String>,
    /// HubSpot `fieldType`, the input control (`text`, `select`, `radio`, `checkbox`,
    /// `booleancheckbox`, `phonenumber`, `calculation_equation`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_kind: Option<String>,
    /// Salesforce reference fields: the relationship name used in paths (`AccountId` ->
    /// `Account`, `Account__c` -> `Account__r`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relationship_name: Option<String>,
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
            defaulted_on_create: false,
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
            native_type: None,
            field_kind: None,
            relationship_name: None,
        }
    }

    /// Whether a value of this field is text (`string`, `textarea`, `email`, `phone`, `url`).
    pub fn is_text(&self) -> bool {
        self.field_type.is_text()
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

/// A HubSpot association from one object type to another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssociationSchema {
    /// The other object type (`companies`, `deals`, or a custom object's name).
    pub to_object: String,
    /// HubSpot's default (unlabeled) association type id, e.g. 279 contact -> company.
    pub type_id: u32,
    /// The primary association type id where one exists (1 contact -> company primary).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_type_id: Option<u32>,
}

/// Both systems' snapshots, as the checker and `tandem schema pull` see them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Schemas {
    pub by_system: BTreeMap<System, SchemaSnapshot>,
}

impl Schemas {
    pub fn new() -> Self {
        Schemas::default()
    }

    /// Both shipped standard snapshots (see [`crate::schema::standard`]).
    pub fn standard() -> Self {
        let mut schemas = Schemas::new();
        schemas.insert(crate::schema::standard::hubspot());
        schemas.insert(crate::schema::standard::salesforce());
        schemas
    }

    /// Adds or replaces the snapshot of the snapshot's own system.
    pub fn insert(&mut self, snapshot: SchemaSnapshot) {
        self.by_system.insert(snapshot.system, snapshot);
    }

    pub fn get(&self, system: System) -> Option<&SchemaSnapshot> {
        self.by_system.get(&system)
    }

    pub fn object(&self, system: System, object: &str) -> Option<&ObjectSchema> {
        self.get(system)
            .and_then(|snapshot| snapshot.object(object))
    }
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
