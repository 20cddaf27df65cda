//! Will-fail detection: writes the target CRM would reject, found before anything is sent.
//!
//! A create missing a required field, a value a restricted picklist does not list, and text
//! longer than the field allows are reported with the reason instead of being sent.

use serde_json::Value;

use tandem_language::compile::SideProgram;

use super::model::{Action, FieldChange};
use tandem_ground::value::{as_text, is_blank};

/// Every reason the target would reject this write; empty when it should succeed.
pub fn rejection_reasons(
    target_side: &SideProgram,
    target_name: &str,
    action: Action,
    fields: &[FieldChange],
) -> Vec<String> {
    let mut reasons = Vec::new();
    if action == Action::Create {
        for required in &target_side.required_on_create {
            let given = fields
                .iter()
                .any(|f| &f.field == required && !is_blank(&f.new));
            if !given {
                reasons.push(format!(
                    "required field {target_name}.{}.{required} would be blank",
                    target_side.object
                ));
            }
        }
    }
    for change in fields {
        let Some(facts) = target_side.fields.get(change.field.as_str()) else {
            continue;
        };
        if change.new.is_object() {
            // A pending reference (an id apply learns from an earlier sync) is checked then.
            continue;
        }
        if let (Some(allowed), Some(text)) = (&facts.allowed_values, as_text(&change.new)) {
            let values: Vec<&str> = if matches!(
                facts.field_type,
                tandem_ground::schema::FieldType::Multipicklist
            ) {
                text.split(';').collect()
            } else {
                vec![text.as_str()]
            };
            for value in values {
                if !allowed.iter().any(|a| a == value) {
                    reasons.push(format!(
                        "{value:?} is not an allowed value of the restricted picklist {target_name}.{}.{}",
                        target_side.object, change.field
                    ));
                }
            }
        }
        if let (Some(limit), Value::String(text)) = (facts.max_length, &change.new) {
            let length = text.chars().count();
            if length > limit as usize {
                reasons.push(format!(
                    "{target_name}.{}.{} is {length} characters; the field holds at most {limit}",
                    target_side.object, change.field
                ));
            }
        }
    }
    reasons
}
