//! HubSpot properties, pipelines and owners responses -> the neutral model.

use serde::Deserialize;

use super::{ConvertError, parse};
use crate::schema::model::{
    FieldSchema, FieldType, ObjectSchema, Owner, Picklist, PicklistValue, Pipeline, PipelineStage,
};

#[derive(Debug, Deserialize)]
struct Results<T> {
    results: Vec<T>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Property {
    name: String,
    label: String,
    #[serde(rename = "type")]
    property_type: String,
    #[serde(default)]
    field_type: String,
    #[serde(default)]
    options: Vec<PropertyOption>,
    #[serde(default)]
    calculated: bool,
    #[serde(default)]
    external_options: bool,
    #[serde(default)]
    has_unique_value: bool,
    #[serde(default)]
    hubspot_defined: bool,
    #[serde(default)]
    modification_metadata: Option<ModificationMetadata>,
    #[serde(default)]
    show_currency_symbol: bool,
    #[serde(default)]
    number_display_hint: Option<String>,
    #[serde(default)]
    pub(super) archived: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ModificationMetadata {
    #[serde(default)]
    read_only_value: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PropertyOption {
    value: String,
    label: String,
    #[serde(default)]
    hidden: bool,
}

/// What the properties response does not say about the object type itself.
#[derive(Debug, Clone, PartialEq)]
pub struct HubspotObjectInfo {
    /// The name specs use: `contacts`, `companies`, `deals`, or a custom object's name.
    pub name: String,
    pub label: String,
    /// `0-1`, `0-2`, `0-3`, `0-27`, `2-…` for custom objects.
    pub object_type_id: Option<String>,
    pub custom: bool,
}

/// Converts a properties response (`GET /crm/v3/properties/{objectType}`), plus optionally
/// that object type's pipelines response, to an [`ObjectSchema`]. Archived properties are
/// left out; hidden options become inactive picklist values; a standard object gets
/// HubSpot's default associations.
pub fn hubspot_object(
    info: &HubspotObjectInfo,
    properties_json: &str,
    pipelines_json: Option<&str>,
) -> Result<ObjectSchema, ConvertError> {
    let properties: Results<Property> = parse(properties_json, || {
        format!("HubSpot properties ({})", info.name)
    })?;
    let mut object = ObjectSchema::new(&info.name, &info.label);
    object.custom = info.custom;
    object.object_type_id = info.object_type_id.clone();
    for property in properties.results {
        if property.archived {
            continue;
        }
        let field = convert_property(property);
        object.fields.insert(field.name.clone(), field);
    }
    // Standard objects' default associations are fixed by HubSpot; a caller that knows more
    // (labels, custom objects) may extend them.
    object.associations = super::hubspot_objects::default_associations(&info.name);
    if let Some(pipelines_json) = pipelines_json {
        object.pipelines = pipelines_for(pipelines_json, &info.name)?;
    }
    Ok(object)
}

/// The neutral type of a HubSpot (`type`, `fieldType`) pair, or `None` for types that have
/// no neutral counterpart (they become read-only strings).
fn neutral_type(property: &Property) -> Option<FieldType> {
    let field_type = property.field_type.as_str();
    let neutral = match property.property_type.as_str() {
        "string" => match field_type {
            "textarea" | "html" => FieldType::Textarea,
            "phonenumber" => FieldType::Phone,
            _ => FieldType::String,
        },
        "phone_number" => FieldType::Phone,
        "number" => {
            let currency = property.show_currency_symbol
                || property.number_display_hint.as_deref() == Some("currency");
            if currency {
                FieldType::Currency
            } else if property.number_display_hint.as_deref() == Some("percentage") {
                FieldType::Percent
            } else {
                FieldType::Double
            }
        }
        "date" => FieldType::Date,
        "datetime" => FieldType::Datetime,
        "bool" => FieldType::Bool,
        "enumeration" => match field_type {
            "checkbox" => FieldType::Multipicklist,
            "booleancheckbox" => FieldType::Bool,
            _ => FieldType::Picklist,
        },
        _ => return None,
    };
    Some(neutral)
}

pub(super) fn convert_property(property: Property) -> FieldSchema {
    // `hs_object_id` is typed `number` but is the record's id: ids compare and travel as text.
    let neutral = if property.name == "hs_object_id" {
        Some(FieldType::Id)
    } else {
        neutral_type(&property)
    };
    let mut field = FieldSchema::new(
        &property.name,
        &property.label,
        neutral.unwrap_or(FieldType::String),
    );
    let read_only = property
        .modification_metadata
        .as_ref()
        .is_some_and(|metadata| metadata.read_only_value);
    field.read_only_value = read_only || neutral.is_none();
    field.calculated = property.calculated || property.field_type.starts_with("calculation_");
    field.unique = property.has_unique_value;
    field.custom = !property.hubspot_defined;
    field.external_options = property.external_options;
    field.native_type = Some(property.property_type.clone());
    if !property.field_type.is_empty() {
        field.field_kind = Some(property.field_type.clone());
    }
    let is_choice = matches!(
        field.field_type,
        FieldType::Picklist | FieldType::Multipicklist
    );
    // With externalOptions the options live in the pipelines or owners APIs and `options`
    // is empty; an empty picklist here would wrongly reject every value.
    if is_choice && !property.external_options {
        field.picklist = Some(Picklist {
            // HubSpot rejects any value outside an enumeration's options (INVALID_OPTION).
            restricted: true,
            values: property
                .options
                .into_iter()
                .map(|option| PicklistValue {
                    value: option.value,
                    label: option.label,
                    active: !option.hidden,
                    default: false,
                })
                .collect(),
        });
    }
    field
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PipelinePayload {
    id: String,
    label: String,
    #[serde(default)]
    archived: bool,
    #[serde(default)]
    stages: Vec<StagePayload>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StagePayload {
    id: String,
    label: String,
    #[serde(default)]
    display_order: i32,
    #[serde(default)]
    archived: bool,
    #[serde(default)]
    metadata: serde_json::Map<String, serde_json::Value>,
}

/// Converts a pipelines response (`GET /crm/v3/pipelines/{objectType}`). Stage metadata
/// arrives as strings (`"probability": "0.2"`, `"isClosed": "false"`); numbers and booleans
/// are accepted too. Archived pipelines and stages are left out.
pub fn hubspot_pipelines(pipelines_json: &str) -> Result<Vec<Pipeline>, ConvertError> {
    pipelines_for(pipelines_json, "deals")
}

fn pipelines_for(pipelines_json: &str, object: &str) -> Result<Vec<Pipeline>, ConvertError> {
    let payload: Results<PipelinePayload> =
        parse(pipelines_json, || format!("HubSpot pipelines ({object})"))?;
    let mut pipelines = Vec::new();
    for pipeline in payload.results {
        if pipeline.archived {
            continue;
        }
        let mut stages: Vec<PipelineStage> = pipeline
            .stages
            .into_iter()
            .filter(|stage| !stage.archived)
            .map(|stage| PipelineStage {
                probability: stage.metadata.get("probability").and_then(as_f64),
                closed: stage.metadata.get("isClosed").is_some_and(as_true),
                id: stage.id,
                label: stage.label,
                display_order: stage.display_order,
            })
            .collect();
        stages.sort_by_key(|stage| stage.display_order);
        pipelines.push(Pipeline {
            id: pipeline.id,
            label: pipeline.label,
            stages,
        });
    }
    Ok(pipelines)
}

fn as_f64(value: &serde_json::Value) -> Option<f64> {
    match value {
        serde_json::Value::Number(number) => number.as_f64(),
        serde_json::Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

fn as_true(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Bool(flag) => *flag,
        serde_json::Value::String(text) => text.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OwnerPayload {
    id: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    first_name: Option<String>,
    #[serde(default)]
    last_name: Option<String>,
    #[serde(default)]
    archived: bool,
}

/// Converts an owners response (`GET /crm/v3/owners`), leaving archived owners out. The
/// ids are the valid values of `hubspot_owner_id`.
pub fn hubspot_owners(owners_json: &str) -> Result<Vec<Owner>, ConvertError> {
    let payload: Results<OwnerPayload> = parse(owners_json, || "HubSpot owners".to_string())?;
    Ok(payload
        .results
        .into_iter()
        .filter(|owner| !owner.archived)
        .map(|owner| Owner {
            id: owner.id,
            email: owner.email.unwrap_or_default(),
            first_name: owner.first_name.unwrap_or_default(),
            last_name: owner.last_name.unwrap_or_default(),
        })
        .collect())
}
