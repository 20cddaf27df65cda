//! A Salesforce sObject describe (`GET /services/data/vXX.X/sobjects/{Object}/describe`) ->
//! [`ObjectSchema`].

use serde::Deserialize;

use super::{ConvertError, parse};
use crate::schema::model::{FieldSchema, FieldType, ObjectSchema, Picklist, PicklistValue};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Describe {
    name: String,
    label: String,
    #[serde(default)]
    custom: bool,
    #[serde(default = "yes")]
    createable: bool,
    #[serde(default = "yes")]
    updateable: bool,
    #[serde(default = "yes")]
    deletable: bool,
    fields: Vec<DescribeField>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DescribeField {
    name: String,
    label: String,
    #[serde(rename = "type")]
    field_type: String,
    #[serde(default)]
    length: u32,
    #[serde(default)]
    precision: u32,
    #[serde(default)]
    scale: u32,
    #[serde(default)]
    digits: u32,
    #[serde(default = "yes")]
    nillable: bool,
    #[serde(default)]
    createable: bool,
    #[serde(default)]
    updateable: bool,
    #[serde(default)]
    calculated: bool,
    #[serde(default)]
    auto_number: bool,
    #[serde(default)]
    defaulted_on_create: bool,
    #[serde(default)]
    default_value: Option<serde_json::Value>,
    #[serde(default)]
    unique: bool,
    #[serde(default)]
    external_id: bool,
    #[serde(default)]
    id_lookup: bool,
    #[serde(default)]
    custom: bool,
    #[serde(default)]
    picklist_values: Vec<DescribePicklistValue>,
    #[serde(default)]
    restricted_picklist: bool,
    #[serde(default)]
    reference_to: Vec<String>,
    #[serde(default)]
    relationship_name: Option<String>,
    #[serde(default)]
    deprecated_and_hidden: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DescribePicklistValue {
    value: String,
    #[serde(default)]
    label: Option<String>,
    #[serde(default = "yes")]
    active: bool,
    #[serde(default)]
    default_value: bool,
}

fn yes() -> bool {
    true
}

/// Converts one sObject describe response (the JSON text) to an [`ObjectSchema`].
///
/// Required-on-create follows the describe rule `createable && !nillable && !defaultedOnCreate`
/// (booleans are not nillable but defaulted, so they are never required). Fields marked
/// `deprecatedAndHidden` are left out.
pub fn salesforce_object(describe_json: &str) -> Result<ObjectSchema, ConvertError> {
    let describe: Describe = parse(describe_json, || "Salesforce describe".to_string())?;
    let mut object = ObjectSchema::new(&describe.name, &describe.label);
    object.custom = describe.custom;
    object.createable = describe.createable;
    object.updateable = describe.updateable;
    object.deletable = describe.deletable;
    for field in describe.fields {
        if field.deprecated_and_hidden {
            continue;
        }
        let converted = convert_field(field);
        object.fields.insert(converted.name.clone(), converted);
    }
    Ok(object)
}

/// The neutral type of a Salesforce `type`, and whether the type name is worth keeping
/// (it says more than the neutral type). Unknown and compound types come back as `None`.
fn neutral_type(salesforce_type: &str) -> Option<(FieldType, bool)> {
    let neutral = match salesforce_type {
        "string" => (FieldType::String, false),
        "encryptedstring" => (FieldType::String, true),
        "textarea" => (FieldType::Textarea, false),
        "email" => (FieldType::Email, false),
        "phone" => (FieldType::Phone, false),
        "url" => (FieldType::Url, false),
        "int" => (FieldType::Int, false),
        "long" => (FieldType::Int, true),
        "double" => (FieldType::Double, false),
        "currency" => (FieldType::Currency, false),
        "percent" => (FieldType::Percent, false),
        "boolean" => (FieldType::Bool, false),
        "date" => (FieldType::Date, false),
        "datetime" => (FieldType::Datetime, false),
        "time" => (FieldType::Time, false),
        "picklist" => (FieldType::Picklist, false),
        "combobox" => (FieldType::Picklist, true),
        "multipicklist" => (FieldType::Multipicklist, false),
        "reference" => (FieldType::Reference, false),
        "id" => (FieldType::Id, false),
        _ => return None,
    };
    Some(neutral)
}

fn convert_field(field: DescribeField) -> FieldSchema {
    let (field_type, keep_native, known) = match neutral_type(&field.field_type) {
        Some((field_type, keep_native)) => (field_type, keep_native, true),
        None => (FieldType::String, true, false),
    };
    let mut out = FieldSchema::new(&field.name, &field.label, field_type);
    if keep_native {
        out.native_type = Some(field.field_type.clone());
    }
    // Compound (address, location) and unknown types cannot be written as one value: their
    // components are the writable fields.
    out.createable = field.createable && known;
    out.updateable = field.updateable && known;
    out.nillable = field.nillable;
    out.defaulted_on_create = field.defaulted_on_create;
    out.calculated = field.calculated || field.auto_number;
    out.required_on_create = field.createable && !field.nillable && !field.defaulted_on_create;
    out.unique = field.unique;
    out.external_id = field.external_id;
    out.id_lookup = field.id_lookup;
    out.custom = field.custom;
    out.reference_to = field.reference_to;
    out.relationship_name = field.relationship_name;
    out.default_value = field.default_value.and_then(|value| match value {
        serde_json::Value::Null => None,
        serde_json::Value::String(text) => Some(text),
        other => Some(other.to_string()),
    });
    match field_type {
        FieldType::Int => out.precision = nonzero(field.digits).or(nonzero(field.precision)),
        FieldType::Double | FieldType::Currency | FieldType::Percent => {
            out.precision = nonzero(field.precision);
            out.scale = Some(field.scale);
        }
        _ => {
            if known && field_type != FieldType::Bool && !is_temporal(field_type) {
                out.length = nonzero(field.length);
            }
        }
    }
    if matches!(field_type, FieldType::Picklist | FieldType::Multipicklist) {
        // A combobox accepts any text: it is never restricted.
        let restricted = field.restricted_picklist && field.field_type != "combobox";
        out.picklist = Some(Picklist {
            restricted,
            values: field
                .picklist_values
                .into_iter()
                .map(|value| PicklistValue {
                    label: value.label.unwrap_or_else(|| value.value.clone()),
                    value: value.value,
                    active: value.active,
                    default: value.default_value,
                })
                .collect(),
        });
    }
    out
}

fn is_temporal(field_type: FieldType) -> bool {
    matches!(
        field_type,
        FieldType::Date | FieldType::Datetime | FieldType::Time
    )
}

fn nonzero(value: u32) -> Option<u32> {
    (value != 0).then_some(value)
}
