//! HubSpot wire shapes rendered from the store and the schema model: `SimplePublicObject`
//! records (every value a string) and `Property` definitions.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::clock;
use crate::crm::CrmData;
use crate::store::{Record, Table};
use tandem_ground::schema::{FieldSchema, FieldType, ObjectSchema};

/// The properties HubSpot returns when a read names none.
pub fn default_properties(object: &str) -> Vec<String> {
    let names: &[&str] = match object {
        "contacts" => &[
            "createdate",
            "email",
            "firstname",
            "hs_object_id",
            "lastmodifieddate",
            "lastname",
        ],
        "companies" => &[
            "createdate",
            "domain",
            "hs_lastmodifieddate",
            "hs_object_id",
            "name",
        ],
        "deals" => &[
            "amount",
            "closedate",
            "createdate",
            "dealname",
            "dealstage",
            "hs_lastmodifieddate",
            "hs_object_id",
            "pipeline",
        ],
        "tickets" => &[
            "content",
            "createdate",
            "hs_lastmodifieddate",
            "hs_object_id",
            "hs_pipeline",
            "hs_pipeline_stage",
            "hs_ticket_category",
            "hs_ticket_priority",
            "subject",
        ],
        // Engagements and custom objects name their create date `hs_createdate`.
        "calls" | "emails" | "meetings" | "notes" | "tasks" => {
            &["hs_createdate", "hs_lastmodifieddate", "hs_object_id"]
        }
        _ => &["createdate", "hs_lastmodifieddate", "hs_object_id"],
    };
    names.iter().map(|n| n.to_string()).collect()
}

/// One record as `SimplePublicObject`. Requested properties the record lacks come back as
/// `null`; properties the object does not have are silently left out, as HubSpot does.
pub fn record_json(crm: &CrmData, table: &Table, record: &Record, properties: &[String]) -> Value {
    let mut props = BTreeMap::new();
    let object = crm.object(&table.object);
    // HubSpot always returns the id, create date and modified date besides what was asked.
    let modified = CrmData::hubspot_modified_field(&table.object);
    let created = match object {
        Some(o)
            if !o.fields.contains_key("createdate") && o.fields.contains_key("hs_createdate") =>
        {
            "hs_createdate"
        }
        _ => "createdate",
    };
    let always = ["hs_object_id", created, modified];
    for name in always
        .iter()
        .map(|n| n.to_string())
        .chain(properties.iter().cloned())
    {
        let name = &name;
        let known = object.is_some_and(|o| o.fields.contains_key(name))
            || matches!(
                name.as_str(),
                "hs_object_id" | "createdate" | "lastmodifieddate" | "hs_lastmodifieddate"
            );
        if !known {
            continue;
        }
        let value = crm
            .value(table, record, name)
            .map(|v| Value::String(v.into_owned()))
            .unwrap_or(Value::Null);
        props.insert(name.clone(), value);
    }
    let mut body = json!({
        "id": record.id.to_string(),
        "properties": props,
        "createdAt": clock::hubspot_datetime(record.created_ms),
        "updatedAt": clock::hubspot_datetime(record.modified_ms),
        "archived": record.is_deleted(),
    });
    if let Some(at) = record.deleted_ms {
        body["archivedAt"] = Value::String(clock::hubspot_datetime(at));
    }
    body
}

/// The HubSpot `type` and `fieldType` for a neutral field type.
pub fn hubspot_types(field: &FieldSchema) -> (&'static str, &'static str) {
    if field.calculated {
        let kind = match field.field_type {
            FieldType::Int | FieldType::Double | FieldType::Currency | FieldType::Percent => {
                "number"
            }
            FieldType::Bool => "bool",
            FieldType::Date => "date",
            FieldType::Datetime => "datetime",
            _ => "string",
        };
        return (kind, "calculation_equation");
    }
    match field.field_type {
        FieldType::String
        | FieldType::Email
        | FieldType::Url
        | FieldType::Time
        | FieldType::Id
        | FieldType::Reference => ("string", "text"),
        FieldType::Textarea => ("string", "textarea"),
        FieldType::Phone => ("string", "phonenumber"),
        FieldType::Int | FieldType::Double | FieldType::Currency | FieldType::Percent => {
            ("number", "number")
        }
        FieldType::Bool => ("bool", "booleancheckbox"),
        FieldType::Date => ("date", "date"),
        FieldType::Datetime => ("datetime", "date"),
        FieldType::Picklist => ("enumeration", "select"),
        FieldType::Multipicklist => ("enumeration", "checkbox"),
    }
}

/// A `Property` as `GET /crm/v3/properties/{objectType}` returns it. Display hints carry
/// the distinctions HubSpot's `type` alone loses (email, URL, integer, currency, percent).
pub fn property_json(object: &ObjectSchema, field: &FieldSchema, display_order: usize) -> Value {
    let (mapped_kind, mapped_field_type) = hubspot_types(field);
    // The model keeps HubSpot's own `type` / `fieldType` when it came from HubSpot.
    let kind = field.native_type.as_deref().unwrap_or(mapped_kind);
    let field_type = field.field_kind.as_deref().unwrap_or(mapped_field_type);
    let options: Vec<Value> = if field.external_options {
        Vec::new()
    } else {
        match (&field.picklist, field.field_type) {
            (Some(list), _) => list
                .values
                .iter()
                .enumerate()
                .map(|(order, v)| {
                    json!({"label": v.label, "value": v.value, "description": "", "displayOrder": order, "hidden": !v.active})
                })
                .collect(),
            (None, FieldType::Bool) => vec![
                json!({"label": "True", "value": "true", "description": "", "displayOrder": 0, "hidden": false}),
                json!({"label": "False", "value": "false", "description": "", "displayOrder": 1, "hidden": false}),
            ],
            _ => Vec::new(),
        }
    };
    let group = match object.name.as_str() {
        "contacts" => "contactinformation",
        "companies" => "companyinformation",
        "deals" => "dealinformation",
        _ => "information",
    };
    let mut body = json!({
        "updatedAt": "2024-01-01T00:00:00.000Z",
        "createdAt": "2019-08-06T02:41:52.000Z",
        "name": field.name,
        "label": field.label,
        "type": kind,
        "fieldType": field_type,
        "description": "",
        "groupName": group,
        "options": options,
        "displayOrder": display_order as i64,
        "calculated": field.calculated,
        "externalOptions": field.external_options,
        "hasUniqueValue": field.unique,
        "hidden": false,
        "hubspotDefined": !field.custom,
        "modificationMetadata": {
            "archivable": field.custom,
            "readOnlyDefinition": !field.custom,
            "readOnlyValue": field.read_only_value,
        },
        "formField": !field.read_only_value && !field.calculated,
        "dataSensitivity": "non_sensitive",
        "archived": false,
    });
    let hint_key_value = match field.field_type {
        FieldType::Email => Some(("textDisplayHint", "email")),
        FieldType::Url => Some(("textDisplayHint", "domain_name")),
        FieldType::Int => Some(("numberDisplayHint", "unformatted")),
        FieldType::Currency => Some(("numberDisplayHint", "currency")),
        FieldType::Percent => Some(("numberDisplayHint", "percentage")),
        FieldType::Double => Some(("numberDisplayHint", "formatted")),
        _ => None,
    };
    if let Some((key, value)) = hint_key_value {
        body[key] = Value::String(value.to_string());
    }
    if field.name == "hubspot_owner_id" {
        body["referencedObjectType"] = Value::String("OWNER".into());
    }
    if let Some(targets) = field.reference_to.first() {
        if field.name != "hubspot_owner_id" {
            body["referencedObjectType"] = Value::String(targets.to_uppercase());
        }
    }
    body
}

/// `limit` / `after` / `properties` query handling shared by list endpoints.
#[derive(Debug, Default)]
pub struct QueryParams(pub Vec<(String, String)>);

impl QueryParams {
    pub fn parse(raw: Option<&str>) -> Self {
        QueryParams(
            url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A list parameter given repeated (`a=1&a=2`) or comma-separated (`a=1,2`).
    pub fn list(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .flat_map(|(_, v)| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    pub fn flag(&self, key: &str) -> bool {
        self.get(key)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }
}
