//! Will-fail detection: writes the target CRM would reject, found before anything is sent.
//!
//! A create missing a required field, a value a restricted picklist does not list, and text
//! longer than the field allows are reported with the reason instead of being sent.

use serde_json::Value;

use tandem_ground::failure::WillFailReason;
use tandem_ground::schema::{FieldType, System};
use tandem_ground::value::as_text;
use tandem_language::compile::SideProgram;

use super::model::{Action, FieldChange};
use super::planned_value::PlannedValue;

/// Every reason the target would reject this write; empty when it should succeed.
pub fn rejection_reasons(
    target_side: &SideProgram,
    target: System,
    action: Action,
    fields: &[FieldChange],
) -> Vec<WillFailReason> {
    let mut reasons = Vec::new();
    let object = &target_side.object;
    if action == Action::Create {
        for required in &target_side.required_on_create {
            let given = fields
                .iter()
                .any(|f| &f.field == required && !f.new.is_blank());
            if !given {
                reasons.push(WillFailReason::RequiredBlank {
                    target,
                    object: object.clone(),
                    field: required.clone(),
                });
            }
        }
    }
    for change in fields {
        let Some(facts) = target_side.fields.get(change.field.as_str()) else {
            continue;
        };
        // A pending id (a record an earlier sync creates in this apply) is checked then.
        let PlannedValue::Value(value) = &change.new else {
            continue;
        };
        if let (Some(allowed), Some(text)) = (&facts.allowed_values, as_text(value)) {
            let values: Vec<&str> = if matches!(facts.field_type, FieldType::Multipicklist) {
                text.split(';').collect()
            } else {
                vec![text.as_str()]
            };
            for value in values {
                if !allowed.iter().any(|a| a == value) {
                    reasons.push(WillFailReason::NotInPicklist {
                        target,
                        object: object.clone(),
                        field: change.field.to_string(),
                        value: value.to_string(),
                    });
                }
            }
        }
        if let (Some(limit), Value::String(text)) = (facts.max_length, value) {
            let length = text.chars().count() as u64;
            if length > u64::from(limit) {
                reasons.push(WillFailReason::TooLong {
                    target,
                    object: object.clone(),
                    field: change.field.to_string(),
                    length,
                    limit: u64::from(limit),
                });
            }
        }
    }
    reasons
}
