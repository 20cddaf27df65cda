//! Salesforce wire shapes rendered from the store and the schema model: typed record JSON
//! with `attributes`, describeGlobal entries and full sObject describes.

use serde_json::{Map, Value, json};

use crate::crm::CrmData;
use crate::ids;
use crate::store::{Record, Table};
use tandem_ground::schema::{FieldSchema, FieldType, ObjectSchema};

/// A stored string as the JSON type Salesforce sends for the field.
pub fn typed_value(field_type: Option<FieldType>, text: &str) -> Value {
    match field_type {
        Some(FieldType::Bool) => Value::Bool(text.eq_ignore_ascii_case("true")),
        Some(FieldType::Int) => text
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(text.into())),
        Some(FieldType::Double | FieldType::Currency | FieldType::Percent) => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(text.into())),
        _ => Value::String(text.into()),
    }
}

pub fn record_url(version: &str, object: &str, id: &str) -> String {
    format!("/services/data/v{version}/sobjects/{object}/{id}")
}

/// The relationship name of a lookup: `AccountId` -> `Account`, `Foo__c` -> `Foo__r`.
pub fn relationship_name(field: &FieldSchema) -> Option<String> {
    if field.field_type != FieldType::Reference {
        return None;
    }
    if let Some(name) = &field.relationship_name {
        return Some(name.clone());
    }
    if let Some(stem) = field.name.strip_suffix("__c") {
        return Some(format!("{stem}__r"));
    }
    field
        .name
        .strip_suffix("Id")
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// One record with the selected fields (dotted paths follow a lookup one level up).
pub fn record_json(
    crm: &CrmData,
    version: &str,
    table: &Table,
    record: &Record,
    fields: &[String],
) -> Value {
    let schema = crm.object(&table.object);
    let mut body = Map::new();
    body.insert(
        "attributes".into(),
        json!({"type": table.object, "url": record_url(version, &table.object, &record.id)}),
    );
    for name in fields {
        if let Some((relationship, child)) = name.split_once('.') {
            let parent = parent_json(crm, version, schema, table, record, relationship, child);
            merge_parent(&mut body, relationship, child, parent);
            continue;
        }
        let field = schema.and_then(|s| s.field(name));
        let key = field
            .map(|f| f.name.clone())
            .unwrap_or_else(|| name.clone());
        let value = crm
            .value(table, record, &key)
            .map(|v| typed_value(field.map(|f| f.field_type), &v))
            .unwrap_or(Value::Null);
        body.insert(key, value);
    }
    Value::Object(body)
}

fn parent_json(
    crm: &CrmData,
    version: &str,
    schema: Option<&ObjectSchema>,
    table: &Table,
    record: &Record,
    relationship: &str,
    child: &str,
) -> Option<(String, Value)> {
    let schema = schema?;
    let lookup = schema
        .fields
        .values()
        .find(|f| relationship_name(f).is_some_and(|r| r.eq_ignore_ascii_case(relationship)))?;
    let id = crm.value(table, record, &lookup.name)?.into_owned();
    for target in &lookup.reference_to {
        if let Some(parent_table) = crm.store.table(target) {
            if let Some(parent) = parent_table.get(&id) {
                let parent_schema = crm.object(target);
                let field = parent_schema.and_then(|s| {
                    s.fields
                        .values()
                        .find(|f| f.name.eq_ignore_ascii_case(child))
                });
                let key = field
                    .map(|f| f.name.clone())
                    .unwrap_or_else(|| child.to_string());
                let value = crm
                    .value(parent_table, parent, &key)
                    .map(|v| typed_value(field.map(|f| f.field_type), &v))
                    .unwrap_or(Value::Null);
                return Some((
                    target.clone(),
                    json!({"attributes": {"type": target, "url": record_url(version, target, &id)}, key: value}),
                ));
            }
        }
    }
    None
}

fn merge_parent(
    body: &mut Map<String, Value>,
    relationship: &str,
    _child: &str,
    parent: Option<(String, Value)>,
) {
    match parent {
        None => {
            body.entry(relationship.to_string()).or_insert(Value::Null);
        }
        Some((_, value)) => match body.get_mut(relationship) {
            Some(Value::Object(existing)) => {
                if let Value::Object(new) = value {
                    for (k, v) in new {
                        existing.insert(k, v);
                    }
                }
            }
            _ => {
                body.insert(relationship.to_string(), value);
            }
        },
    }
}

pub fn salesforce_type(field: &FieldSchema) -> (&'static str, &'static str) {
    match field.field_type {
        FieldType::String => ("string", "xsd:string"),
        FieldType::Textarea => ("textarea", "xsd:string"),
        FieldType::Email => ("email", "xsd:string"),
        FieldType::Phone => ("phone", "xsd:string"),
        FieldType::Url => ("url", "xsd:string"),
        FieldType::Int => ("int", "xsd:int"),
        FieldType::Double => ("double", "xsd:double"),
        FieldType::Currency => ("currency", "xsd:double"),
        FieldType::Percent => ("percent", "xsd:double"),
        FieldType::Bool => ("boolean", "xsd:boolean"),
        FieldType::Date => ("date", "xsd:date"),
        FieldType::Datetime => ("datetime", "xsd:dateTime"),
        FieldType::Time => ("time", "xsd:time"),
        FieldType::Picklist => ("picklist", "xsd:string"),
        FieldType::Multipicklist => ("multipicklist", "xsd:string"),
        FieldType::Reference => ("reference", "tns:ID"),
        FieldType::Id => ("id", "tns:ID"),
    }
}

fn is_text(field: &FieldSchema) -> bool {
    matches!(
        field.field_type,
        FieldType::String
            | FieldType::Textarea
            | FieldType::Email
            | FieldType::Phone
            | FieldType::Url
            | FieldType::Picklist
            | FieldType::Multipicklist
            | FieldType::Reference
            | FieldType::Id
    )
}

/// One entry of `describe.fields`, every attribute of the model in Salesforce's keys.
pub fn field_json(object: &ObjectSchema, field: &FieldSchema) -> Value {
    let (mapped_kind, soap) = salesforce_type(field);
    // Keep Salesforce's own type name (combobox, long, address...) when the model has it.
    let kind = field.native_type.as_deref().unwrap_or(mapped_kind);
    let length = if is_text(field) {
        field.length.unwrap_or(0)
    } else {
        0
    };
    let picklist_values: Vec<Value> = field
        .picklist
        .as_ref()
        .map(|list| {
            list.values
                .iter()
                .map(|v| json!({"active": v.active, "defaultValue": v.default, "label": v.label, "validFor": null, "value": v.value}))
                .collect()
        })
        .unwrap_or_default();
    let default_value = field
        .default_value
        .as_ref()
        .map(|d| typed_value(Some(field.field_type), d))
        .unwrap_or(Value::Null);
    // The model's own flag. A createable, non-nillable field the model does not require is
    // one Salesforce fills in, so it is defaulted too even where a hand-written catalog left
    // the flag out: `createable && !nillable && !defaultedOnCreate` (the describe rule for
    // "required on create") then reproduces the model's `required_on_create` exactly.
    let defaulted = field.defaulted_on_create
        || (!field.required_on_create && field.createable && !field.nillable);
    let name_field = match object.name.as_str() {
        "Contact" | "Lead" | "User" => false,
        _ => field.name == "Name",
    };
    let mut first = json!({
        "aggregatable": field.field_type != FieldType::Textarea,
        "autoNumber": false,
        "byteLength": length * 3,
        "calculated": field.calculated,
        "calculatedFormula": null,
        "cascadeDelete": false,
        "caseSensitive": false,
        "compoundFieldName": null,
        "controllerName": null,
        "createable": field.createable,
        "custom": field.custom,
        "defaultValue": default_value,
        "defaultValueFormula": null,
        "defaultedOnCreate": defaulted,
        "dependentPicklist": false,
        "deprecatedAndHidden": false,
        "digits": if field.field_type == FieldType::Int { field.precision.unwrap_or(0) } else { 0 },
        "displayLocationInDecimal": false,
        "encrypted": false,
        "externalId": field.external_id,
        "extraTypeInfo": null,
        "filterable": field.field_type != FieldType::Textarea,
        "groupable": !matches!(field.field_type, FieldType::Textarea | FieldType::Double | FieldType::Currency | FieldType::Percent | FieldType::Datetime),
        "highScaleNumber": false,
    });
    let second = json!({
        "htmlFormatted": false,
        "idLookup": field.id_lookup,
        "inlineHelpText": null,
        "label": field.label,
        "length": length,
        "mask": null,
        "maskType": null,
        "name": field.name,
        "nameField": name_field,
        "namePointing": field.reference_to.len() > 1,
        "nillable": field.nillable,
        "permissionable": field.nillable && field.createable,
        "picklistValues": picklist_values,
        "polymorphicForeignKey": field.reference_to.len() > 1,
        "precision": field.precision.unwrap_or(0),
        "queryByDistance": false,
        "referenceTargetField": null,
        "referenceTo": field.reference_to,
        "relationshipName": field.relationship_name,
        "relationshipOrder": null,
        "restrictedDelete": false,
        "restrictedPicklist": field.picklist.as_ref().is_some_and(|p| p.restricted),
        "scale": field.scale.unwrap_or(0),
        "searchPrefilterable": false,
        "soapType": soap,
        "sortable": field.field_type != FieldType::Textarea,
        "type": kind,
        "unique": field.unique,
        "updateable": field.updateable,
        "writeRequiresMasterRead": false,
    });
    if let (Value::Object(first), Value::Object(second)) = (&mut first, second) {
        first.extend(second);
    }
    first
}

fn urls(version: &str, object: &str) -> Value {
    let base = format!("/services/data/v{version}/sobjects/{object}");
    json!({
        "compactLayouts": format!("{base}/describe/compactLayouts"),
        "rowTemplate": format!("{base}/{{ID}}"),
        "approvalLayouts": format!("{base}/describe/approvalLayouts"),
        "defaultValues": format!("{base}/defaultValues?recordTypeId&fields"),
        "listviews": format!("{base}/listviews"),
        "describe": format!("{base}/describe"),
        "quickActions": format!("{base}/quickActions"),
        "layouts": format!("{base}/describe/layouts"),
        "sobject": base,
    })
}

fn plural(label: &str) -> String {
    if let Some(stem) = label.strip_suffix('y') {
        format!("{stem}ies")
    } else {
        format!("{label}s")
    }
}

/// The object-level keys shared by describeGlobal entries and full describes.
pub fn object_summary(
    object: &ObjectSchema,
    key_prefix: &str,
    version: &str,
) -> Map<String, Value> {
    let value = json!({
        "activateable": false,
        "createable": object.createable,
        "custom": object.custom,
        "customSetting": false,
        "deepCloneable": false,
        "deletable": object.deletable,
        "deprecatedAndHidden": false,
        "feedEnabled": !object.custom,
        "hasSubtypes": false,
        "isInterface": false,
        "isSubtype": false,
        "keyPrefix": key_prefix,
        "label": object.label,
        "labelPlural": plural(&object.label),
        "layoutable": true,
        "mergeable": super::merge::MERGEABLE.contains(&object.name.as_str()),
        "mruEnabled": true,
        "name": object.name,
        "queryable": true,
        "replicateable": true,
        "retrieveable": true,
        "searchable": true,
        "triggerable": true,
        "undeletable": object.deletable,
        "updateable": object.updateable,
        "urls": urls(version, &object.name),
    });
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

pub fn describe_json(crm: &CrmData, object: &ObjectSchema, version: &str) -> Value {
    let prefix = crm
        .store
        .table(&object.name)
        .map(|t| t.key_prefix.clone())
        .unwrap_or_default();
    let mut body = object_summary(object, &prefix, version);
    let fields: Vec<Value> = ordered_fields(object)
        .into_iter()
        .map(|f| field_json(object, f))
        .collect();
    // Child relationships under Salesforce's own names (`relationships.rs`); lookups a
    // real org gives no relationship name carry `null`.
    let children: Vec<Value> = super::relationships::child_relationships(&crm.schema, &object.name)
        .into_iter()
        .map(|relation| {
            json!({
                "cascadeDelete": false, "childSObject": relation.child, "deprecatedAndHidden": false,
                "field": relation.field, "junctionIdListNames": [], "junctionReferenceTo": [],
                "relationshipName": relation.name, "restrictedDelete": false,
            })
        })
        .collect();
    body.insert("actionOverrides".into(), json!([]));
    body.insert("childRelationships".into(), Value::Array(children));
    body.insert("compactLayoutable".into(), Value::Bool(true));
    body.insert("fields".into(), Value::Array(fields));
    body.insert("listviewable".into(), Value::Null);
    body.insert("lookupLayoutable".into(), Value::Null);
    body.insert("namedLayoutInfos".into(), json!([]));
    body.insert("networkScopeFieldName".into(), Value::Null);
    body.insert("recordTypeInfos".into(), json!([{
        "active": true, "available": true, "defaultRecordTypeMapping": true, "developerName": "Master",
        "master": true, "name": "Master", "recordTypeId": "012000000000000AAA",
        "urls": {"layout": format!("/services/data/v{version}/sobjects/{}/describe/layouts/012000000000000AAA", object.name)},
    }]));
    body.insert("searchLayoutable".into(), Value::Bool(true));
    body.insert(
        "supportedScopes".into(),
        json!([{"label": "All", "name": "everything"}]),
    );
    Value::Object(body)
}

/// Fields in describe order: `Id` first, then alphabetical (deterministic).
pub fn ordered_fields(object: &ObjectSchema) -> Vec<&FieldSchema> {
    let mut fields: Vec<&FieldSchema> = object.fields.values().collect();
    fields.sort_by_key(|f| (f.name != "Id", f.name.clone()));
    fields
}

/// A sObject id's key prefix matches one of the objects (for MALFORMED_ID checks).
pub fn id_matches_object(crm: &CrmData, object: &str, id: &str) -> bool {
    let Some(table) = crm.store.table(object) else {
        return false;
    };
    ids::normalize_salesforce_id(id).is_some_and(|id| id.starts_with(&table.key_prefix))
}
