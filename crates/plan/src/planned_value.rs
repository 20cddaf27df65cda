//! The value a planned write gives a field: a value known now, or the id of a record that an
//! earlier sync of the same apply creates, which only apply learns.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use tandem_ground::failure::display_value;
use tandem_ground::schema::System;
use tandem_ground::value::is_blank;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlannedValue {
    /// The value written, in canonical form for the target field's type.
    Value(Value),
    /// The id of the record the sync `sync` creates, in this apply, from the `from` side's
    /// record `id` (a deal's account that is created just before it). Apply writes the new
    /// record's id once that create has succeeded, and fails the write when it has not.
    PendingId {
        sync: String,
        from: System,
        id: String,
    },
}

impl PlannedValue {
    /// The value, when it is known at plan time.
    pub fn known(&self) -> Option<&Value> {
        match self {
            PlannedValue::Value(value) => Some(value),
            PlannedValue::PendingId { .. } => None,
        }
    }

    /// Blank: a known null or whitespace. A pending id is never blank.
    pub fn is_blank(&self) -> bool {
        self.known().is_some_and(is_blank)
    }

    /// The value for a human: a known value as [`display_value`] shows it, an id still to
    /// be created as `(new: sf 001… via accounts)`.
    pub fn display(&self) -> String {
        match self {
            PlannedValue::Value(value) => display_value(value),
            PlannedValue::PendingId { sync, from, id } => {
                format!("(new: {} {id} via {sync})", from.short_name())
            }
        }
    }

    /// The known value, or null for a pending id: what the create guard and recovery compare
    /// (a pending id cannot be compared before apply).
    pub fn known_or_null(&self) -> Value {
        self.known().cloned().unwrap_or(Value::Null)
    }
}

impl From<Value> for PlannedValue {
    fn from(value: Value) -> Self {
        PlannedValue::Value(value)
    }
}

/// Tests and the views compare a known value with plain JSON.
impl PartialEq<Value> for PlannedValue {
    fn eq(&self, other: &Value) -> bool {
        self.known() == Some(other)
    }
}
