//! HubSpot object types: the standard types' ids and default associations, and custom object
//! schemas (`GET /crm/v3/schemas/{objectType}`) -> [`ObjectSchema`].

use serde::Deserialize;

use super::hubspot::{Property, convert_property};
use super::{ConvertError, parse};
use crate::schema::model::{AssociationSchema, ObjectSchema};

/// The standard object types: name, object type id.
const STANDARD: &[(&str, &str)] = &[
    ("contacts", "0-1"),
    ("companies", "0-2"),
    ("deals", "0-3"),
    ("tickets", "0-5"),
    ("tasks", "0-27"),
];

/// HubSpot's default (unlabeled) association type ids between standard objects, with the
/// primary type where one exists (HubSpot's Associations v4 guide).
const DEFAULT_ASSOCIATIONS: &[(&str, &str, u32, Option<u32>)] = &[
    ("contacts", "companies", 279, Some(1)),
    ("contacts", "deals", 4, None),
    ("contacts", "tickets", 15, None),
    ("contacts", "tasks", 203, None),
    ("companies", "contacts", 280, Some(2)),
    ("companies", "deals", 342, Some(6)),
    ("companies", "tickets", 340, None),
    ("companies", "tasks", 191, None),
    ("deals", "contacts", 3, None),
    ("deals", "companies", 341, Some(5)),
    ("deals", "tickets", 27, None),
    ("deals", "tasks", 215, None),
    ("tickets", "contacts", 16, None),
    ("tickets", "companies", 339, None),
    ("tickets", "deals", 28, None),
    ("tasks", "contacts", 204, None),
    ("tasks", "companies", 192, None),
    ("tasks", "deals", 216, None),
];

/// The object type id of a standard object (`contacts` -> `0-1`).
pub fn standard_object_type_id(object: &str) -> Option<&'static str> {
    STANDARD
        .iter()
        .find(|(name, _)| *name == object)
        .map(|(_, id)| *id)
}

/// The standard object named by an object type id (`0-1` -> `contacts`).
pub fn standard_object_name(object_type_id: &str) -> Option<&'static str> {
    STANDARD
        .iter()
        .find(|(_, id)| *id == object_type_id)
        .map(|(name, _)| *name)
}

/// The default associations of a standard object type, in a fixed order (empty for other
/// types: custom objects list theirs in their schema).
pub fn default_associations(object: &str) -> Vec<AssociationSchema> {
    DEFAULT_ASSOCIATIONS
        .iter()
        .filter(|(from, _, _, _)| *from == object)
        .map(|(_, to, type_id, primary)| AssociationSchema {
            to_object: to.to_string(),
            type_id: *type_id,
            primary_type_id: *primary,
        })
        .collect()
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CustomObjectSchema {
    name: String,
    #[serde(default)]
    labels: Labels,
    object_type_id: String,
    #[serde(default)]
    properties: Vec<Property>,
    #[serde(default)]
    required_properties: Vec<String>,
    #[serde(default)]
    associations: Vec<AssociationDefinition>,
    #[serde(default)]
    archived: bool,
}

#[derive(Debug, Default, Deserialize)]
struct Labels {
    #[serde(default)]
    plural: Option<String>,
    #[serde(default)]
    singular: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AssociationDefinition {
    from_object_type_id: String,
    to_object_type_id: String,
    /// The association type id, as a string (`"65"`).
    id: String,
}

/// Converts one custom object schema (`GET /crm/v3/schemas/{objectType}`, or one entry of
/// `GET /crm/v3/schemas`'s `results`). `requiredProperties` become required on create; the
/// associations leaving this object are kept, their targets named by standard name (or by
/// object type id for other custom objects).
pub fn hubspot_custom_object(schema_json: &str) -> Result<ObjectSchema, ConvertError> {
    let schema: CustomObjectSchema =
        parse(schema_json, || "HubSpot custom object schema".to_string())?;
    if schema.archived {
        return Err(ConvertError::Malformed {
            payload: format!("HubSpot custom object schema ({})", schema.name),
            message: "the object type is archived".to_string(),
        });
    }
    let label = schema
        .labels
        .plural
        .or(schema.labels.singular)
        .unwrap_or_else(|| schema.name.clone());
    let mut object = ObjectSchema::new(&schema.name, &label);
    object.custom = true;
    object.object_type_id = Some(schema.object_type_id.clone());
    for property in schema.properties {
        if property.archived {
            continue;
        }
        let mut field = convert_property(property);
        field.required_on_create = schema.required_properties.contains(&field.name);
        object.fields.insert(field.name.clone(), field);
    }
    for association in schema.associations {
        if association.from_object_type_id != schema.object_type_id {
            continue;
        }
        let Ok(type_id) = association.id.trim().parse() else {
            return Err(ConvertError::Malformed {
                payload: format!("HubSpot custom object schema ({})", schema.name),
                message: format!("association id \"{}\" is not a number", association.id),
            });
        };
        let to_object = standard_object_name(&association.to_object_type_id)
            .map(str::to_string)
            .unwrap_or(association.to_object_type_id);
        object.associations.push(AssociationSchema {
            to_object,
            type_id,
            primary_type_id: None,
        });
    }
    object
        .associations
        .sort_by(|a, b| a.to_object.cmp(&b.to_object));
    Ok(object)
}
