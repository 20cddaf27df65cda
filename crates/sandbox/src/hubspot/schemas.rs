//! HubSpot custom object schemas (`GET /crm/v3/schemas`, `/crm/v3/schemas/{objectType}`):
//! the custom objects of the catalog with their labels, type ids, properties and
//! associations, so a client can discover custom objects as it would on a real portal.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use serde_json::{Value, json};

use super::errors::HsError;
use super::objects::resolve;
use super::render::property_json;
use crate::Shared;
use crate::crm::CrmData;
use tandem_ground::schema::ObjectSchema;

fn schema_json(crm: &CrmData, portal_id: u64, object: &ObjectSchema) -> Value {
    let type_id = object.object_type_id.clone().unwrap_or_default();
    let id = type_id
        .split_once('-')
        .map(|(_, n)| n.to_string())
        .unwrap_or_default();
    let properties: Vec<Value> = object
        .fields
        .values()
        .enumerate()
        .map(|(order, field)| property_json(object, field, order))
        .collect();
    let required: Vec<&str> = object
        .fields
        .values()
        .filter(|f| f.required_on_create)
        .map(|f| f.name.as_str())
        .collect();
    let primary = object
        .fields
        .values()
        .find(|f| f.unique && f.name != "hs_object_id")
        .map(|f| f.name.clone());
    let associations: Vec<Value> = object
        .associations
        .iter()
        .map(|a| {
            let to_type = crm.object(&a.to_object).and_then(|o| o.object_type_id.clone()).unwrap_or_default();
            json!({"fromObjectTypeId": type_id, "toObjectTypeId": to_type, "name": format!("{}_to_{}", object.name, a.to_object), "id": a.type_id.to_string()})
        })
        .collect();
    json!({
        "id": id,
        "name": object.name,
        "labels": {"singular": object.label, "plural": object.label},
        "objectTypeId": type_id,
        "fullyQualifiedName": format!("p{portal_id}_{}", object.name),
        "primaryDisplayProperty": primary,
        "requiredProperties": required,
        "searchableProperties": [],
        "secondaryDisplayProperties": [],
        "properties": properties,
        "associations": associations,
        "metaType": "PORTAL_SPECIFIC",
        "archived": false,
        "createdAt": "2024-01-01T00:00:00.000Z",
        "updatedAt": "2024-01-01T00:00:00.000Z",
    })
}

pub async fn list(State(shared): State<Arc<Shared>>) -> Json<Value> {
    let crm = shared.hubspot.read();
    let results: Vec<Value> = crm
        .schema
        .objects
        .values()
        .filter(|o| o.custom)
        .map(|o| schema_json(&crm, shared.portal_id, o))
        .collect();
    Json(json!({"results": results}))
}

pub async fn get_one(
    State(shared): State<Arc<Shared>>,
    Path(object_type): Path<String>,
) -> Result<Json<Value>, HsError> {
    let crm = shared.hubspot.read();
    let name = resolve(&crm, &object_type)?;
    let object = crm
        .object(&name)
        .filter(|o| o.custom)
        .ok_or_else(HsError::not_found)?;
    Ok(Json(schema_json(&crm, shared.portal_id, object)))
}
