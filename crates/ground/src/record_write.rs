//! One record write as the runtime hands it to a CRM and the journal records it before the
//! call: plain field values, and association writes as their own list (HubSpot keeps a
//! deal's company as an association, not as a property).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Make `id` the record's associated record of `to_object` (as its primary one where HubSpot
/// has a primary type) and drop the associations to `remove`. Creating an association that
/// exists and removing one that does not are no-ops, so re-sending the same write after a
/// crash changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssociationWrite {
    /// The association pseudo-field the write comes from (`companies(associated)`).
    pub field: String,
    pub to_object: String,
    /// The record to associate; `None` only removes.
    pub id: Option<String>,
    /// Records whose association with this one is removed.
    #[serde(default)]
    pub remove: Vec<String>,
    /// HubSpot-defined association type ids to create (the default type, then the primary).
    pub type_ids: Vec<u32>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordWrite {
    /// Field values by API name, encoded for the target's wire.
    pub fields: BTreeMap<String, Value>,
    /// Association writes, in the order of their fields.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub associations: Vec<AssociationWrite>,
}

impl RecordWrite {
    /// A write of plain fields only.
    pub fn fields(fields: BTreeMap<String, Value>) -> Self {
        RecordWrite {
            fields,
            associations: Vec::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.associations.is_empty()
    }

    /// The value a written field now holds, for the audit log and merge bases: a plain
    /// field's value, or an association's record id (null after a removal).
    pub fn written_value(&self, field: &str) -> Option<Value> {
        if let Some(value) = self.fields.get(field) {
            return Some(value.clone());
        }
        self.associations
            .iter()
            .find(|a| a.field == field)
            .map(|a| a.id.clone().map(Value::String).unwrap_or(Value::Null))
    }

    /// Every field with the value it now holds: plain fields, then association pseudo-fields
    /// as their record ids.
    pub fn written_values(&self) -> BTreeMap<String, Value> {
        let mut out = self.fields.clone();
        for association in &self.associations {
            out.insert(
                association.field.clone(),
                association
                    .id
                    .clone()
                    .map(Value::String)
                    .unwrap_or(Value::Null),
            );
        }
        out
    }

    /// Reads a journaled write. Entries journaled before writes were typed hold a flat map
    /// of fields; those read as plain fields.
    pub fn from_journal(payload: &Value) -> RecordWrite {
        if let Ok(write) = serde_json::from_value::<RecordWrite>(payload.clone()) {
            return write;
        }
        let fields = payload
            .as_object()
            .map(|map| map.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        RecordWrite::fields(fields)
    }
}
