//! The neutral shape of one record read from either CRM.
//!
//! Connectors produce it; the planner consumes it. Values stay as the CRM's JSON (HubSpot sends
//! every property as a string, Salesforce sends typed JSON); the planner coerces them using the
//! schema, so connectors need not know what a field means.
//!
//! A first sync holds every record it read until the planner consumes it, so `fields` is a
//! compact [`FieldMap`] keyed by shared [`FieldName`]s (one allocation per field name per
//! read, not per record). It serializes exactly as the `BTreeMap<String, Value>` it replaced.

use serde::{Deserialize, Serialize};

use super::field_map::{FieldMap, FieldName};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemoteRecord {
    /// HubSpot `hs_object_id` / Salesforce 18-character `Id`.
    pub id: String,
    /// Field or property values by API name, only the ones requested, sorted by name.
    pub fields: FieldMap<FieldName, serde_json::Value>,
    /// HubSpot `updatedAt` / Salesforce `SystemModstamp`, RFC 3339.
    pub modified_at: Option<String>,
    /// Archived (HubSpot) or deleted (Salesforce `IsDeleted`) records seen by delete reads.
    #[serde(default)]
    pub deleted: bool,
    /// When the record was merged away: the id of the record that survived
    /// (Salesforce `MasterRecordId`, HubSpot `hs_merged_object_ids` on the winner).
    #[serde(default)]
    pub merged_into: Option<String>,
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::{Value, json};

    use super::*;

    /// The JSON that `RemoteRecord` had when `fields` was a `BTreeMap<String, Value>`.
    #[derive(Serialize)]
    struct RemoteRecordAsBefore {
        id: String,
        fields: BTreeMap<String, Value>,
        modified_at: Option<String>,
        deleted: bool,
        merged_into: Option<String>,
    }

    #[test]
    fn remote_record_json_is_unchanged_by_the_compact_field_map() {
        let pairs = [
            ("lastname", json!("Lovelace")),
            ("email", json!("ada@example.com")),
            ("phone", Value::Null),
            ("NumberOfEmployees", json!(12)),
        ];
        let record = RemoteRecord {
            id: "101".into(),
            fields: pairs
                .iter()
                .map(|(name, value)| (FieldName::from(*name), value.clone()))
                .collect(),
            modified_at: Some("2026-01-01T00:00:00Z".into()),
            deleted: false,
            merged_into: Some("102".into()),
        };
        let before = RemoteRecordAsBefore {
            id: "101".into(),
            fields: pairs
                .iter()
                .map(|(name, value)| (name.to_string(), value.clone()))
                .collect(),
            modified_at: Some("2026-01-01T00:00:00Z".into()),
            deleted: false,
            merged_into: Some("102".into()),
        };
        let text = serde_json::to_string(&record).unwrap();
        assert_eq!(text, serde_json::to_string(&before).unwrap());
        assert_eq!(
            format!("{:?}", record.fields),
            format!("{:?}", before.fields)
        );
        let back: RemoteRecord = serde_json::from_str(&text).unwrap();
        assert_eq!(back, record);
        assert_eq!(back.fields.get("email"), Some(&json!("ada@example.com")));
    }

    #[test]
    fn remote_record_without_optional_flags_reads_as_live() {
        let record: RemoteRecord = serde_json::from_value(
            json!({"id": "7", "fields": {"b": 1, "a": 2}, "modified_at": null}),
        )
        .unwrap();
        assert!(!record.deleted);
        assert_eq!(record.merged_into, None);
        let names: Vec<&str> = record.fields.keys().map(|name| name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
    }
}
