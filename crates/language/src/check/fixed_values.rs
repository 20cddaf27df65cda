//! Values the spec fixes, held to their target exactly (rules 2, 5 and 9): a literal, a
//! branch of `if`, a side of `??`, a `default`, a value map's values, a triggered action's
//! value. Each is known offline, so a value the target rejects is an error at that value
//! (it fails every time it is written), never a "may": a picklist value that is not in a
//! restricted list or is inactive, text longer than the field, a value a reference field
//! cannot hold. A value written into an unrestricted picklist or a combobox that is not in its
//! list is stored anyway: at most a warning.

use tandem_ground::diagnostics::Span;
use tandem_ground::schema::email::{is_email_address, validates_as_email};
use tandem_ground::schema::{FieldType, System};

use super::checked::{FieldRef, TypedExpr};
use super::constants::{FixedValue, WrittenValues, min_length, written_values};
use super::context::Checker;
use super::errors::CheckError;
use super::types::{Ty, ValueKind, assignable};

/// How a fixed value reaches its target, for the length rule: a mapping's `truncate N` cuts
/// its values (not its `default`).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct WriteCut {
    pub truncate: Option<u32>,
}

impl Checker<'_> {
    /// Checks everything `value` writes into `target` that the spec fixes, plus the shortest
    /// length of what it computes. Returns whether a value was reported too long (so the
    /// "may exceed" warning is not said about the same value).
    pub(crate) fn check_fixed_values(
        &mut self,
        value: &TypedExpr,
        target: &FieldRef,
        cut: WriteCut,
    ) -> bool {
        let written = written_values(value);
        let mut too_long = false;
        for fixed in &written.fixed {
            self.check_fixed_picklist_value(&fixed.text, fixed.span(), target);
            too_long |= self.check_fixed_length(&fixed.text, fixed.span(), target, cut);
            self.check_fixed_reference(fixed, target);
            self.check_fixed_email(&fixed.text, fixed.span(), target);
        }
        if written.computed && !too_long {
            too_long |= self.check_computed_min_length(value, &written, target, cut);
        }
        too_long
    }

    /// Rule 2 for a value that may be fixed: each fixed value by what it is (a quoted `"42"`
    /// is a number to a number field, as the CRM reads it), a computed one by its type.
    pub(crate) fn check_assignable_value(&mut self, ty: Ty, value: &TypedExpr, target: &FieldRef) {
        let written = written_values(value);
        if !written.all_fixed() {
            self.check_assignable(ty, value, target);
            return;
        }
        for fixed in &written.fixed {
            if assignable(fixed.expr.ty, &target.field).is_err()
                && !text_parses_as(fixed, target.field.field_type)
            {
                self.check_assignable(fixed.expr.ty, fixed.expr, target);
            }
        }
    }

    /// Rule 5 for one fixed value: the picklist (or pipeline, or owner) accepts it.
    pub(crate) fn check_fixed_picklist_value(
        &mut self,
        value: &str,
        span: Span,
        target: &FieldRef,
    ) {
        if accepts_any_text(target) {
            return;
        }
        if self.check_stage_in_scope(value, span, target) {
            return;
        }
        if let Some(domain) = self.domain_of(target) {
            let display = target.display();
            // A multi-select value is its `;`-separated values, each in the list.
            if target.field.field_type == FieldType::Multipicklist {
                for part in value.split(';') {
                    self.check_value(part, span, &domain, &display, true);
                }
            } else {
                self.check_value(value, span, &domain, &display, true);
            }
        }
    }

    /// Rule 9 for one fixed value: no longer than the field. Returns whether it was reported.
    pub(crate) fn check_fixed_length(
        &mut self,
        value: &str,
        span: Span,
        target: &FieldRef,
        cut: WriteCut,
    ) -> bool {
        let Some(target_length) = length_limit(target) else {
            return false;
        };
        let chars = value.chars().count() as u32;
        let written = cut.truncate.map_or(chars, |cut| chars.min(cut));
        if written <= target_length {
            return false;
        }
        let shown: String = value.chars().take(24).collect();
        let what = if chars > 24 {
            format!("\"{shown}…\"")
        } else {
            format!("\"{shown}\"")
        };
        let help = match cut.truncate {
            Some(cut) => format!(
                "`truncate {cut}` still leaves {written} characters; use `truncate {target_length}`, or shorten the value"
            ),
            None => format!(
                "shorten it to at most {target_length} characters{}",
                rejection(target.system)
            ),
        };
        self.report(
            span,
            CheckError::ValueTooLong {
                what,
                length: written,
                at_least: false,
                target: target.display(),
                target_length,
                system: target.system.display_name(),
                help: Some(help),
                span: span.into(),
            },
        );
        true
    }

    /// Text that always overflows: its fixed parts alone are longer than the field.
    fn check_computed_min_length(
        &mut self,
        value: &TypedExpr,
        written: &WrittenValues<'_>,
        target: &FieldRef,
        cut: WriteCut,
    ) -> bool {
        let Some(target_length) = length_limit(target) else {
            return false;
        };
        // Fixed branches were checked one by one; what is left is the computed part.
        if !written.fixed.is_empty() {
            return false;
        }
        let shortest = min_length(value);
        let shortest = cut.truncate.map_or(shortest, |cut| shortest.min(cut));
        if shortest <= target_length {
            return false;
        }
        let (what, help) = match value.as_field() {
            Some(field) => (
                format!("every value of {}", field.display()),
                format!(
                    "its shortest value is {shortest} characters: translate the values with `via {{ ... }}`, or write them into a longer field"
                ),
            ),
            None => (
                "this value".to_string(),
                format!(
                    "its fixed text alone is longer than {target_length} characters: shorten it, or cut the whole value with `left(..., {target_length})`"
                ),
            ),
        };
        self.report(
            value.span,
            CheckError::ValueTooLong {
                what,
                length: shortest,
                at_least: true,
                target: target.display(),
                target_length,
                system: target.system.display_name(),
                help: Some(help),
                span: value.span.into(),
            },
        );
        true
    }

    /// A fixed value into a field that takes only email addresses must be one.
    pub(crate) fn check_fixed_email(&mut self, value: &str, span: Span, target: &FieldRef) {
        if !validates_as_email(target.system, &target.field) || is_email_address(value) {
            return;
        }
        self.report(
            span,
            CheckError::NotAnEmailAddress {
                value: value.to_string(),
                target: target.display(),
                system: target.system.display_name(),
                help: Some(
                    "write an address such as \"nobody@example.com\", or leave the field blank"
                        .to_string(),
                ),
                span: span.into(),
            },
        );
    }

    /// A fixed value into a Salesforce reference field must be shaped like a record id.
    fn check_fixed_reference(&mut self, fixed: &FixedValue<'_>, target: &FieldRef) {
        if target.system != System::Salesforce || target.field.field_type != FieldType::Reference {
            return;
        }
        if fixed.kind() == ValueKind::Text && looks_like_salesforce_id(&fixed.text) {
            return;
        }
        self.report(
            fixed.span(),
            CheckError::NotARecordId {
                target: target.display(),
                found: format!("the fixed value \"{}\"", fixed.text),
                references: target.field.reference_to.join(" or "),
                help: Some(
                    "write the 15- or 18-character id of an existing record, or link records with a `through` mapping"
                        .to_string(),
                ),
                span: fixed.span().into(),
            },
        );
    }
}

/// Salesforce `combobox` fields suggest values but accept any text.
pub(crate) fn accepts_any_text(target: &FieldRef) -> bool {
    target.field.native_type.as_deref() == Some("combobox")
}

/// The length a CRM enforces on a field's text: text fields, and Salesforce picklists and
/// comboboxes (their values are text of at most that length).
pub(crate) fn length_limit(target: &FieldRef) -> Option<u32> {
    let field = &target.field;
    let text_like = field.is_text()
        || matches!(
            field.field_type,
            FieldType::Picklist | FieldType::Multipicklist
        );
    if text_like { field.length } else { None }
}

/// What happens to a value that is too long, by system.
pub(crate) fn rejection(system: System) -> &'static str {
    match system {
        System::Salesforce => ", or Salesforce rejects the record with STRING_TOO_LONG",
        System::Hubspot => ", or HubSpot rejects the record",
    }
}

/// A 15- or 18-character Salesforce id: letters and digits only.
pub(crate) fn looks_like_salesforce_id(text: &str) -> bool {
    matches!(text.len(), 15 | 18) && text.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Whether a fixed text value is read by the target as a value of its own type, the way the
/// planner converts it (`"42"` is the number 42, `"true"` a boolean, `"2024-01-31"` a date).
fn text_parses_as(fixed: &FixedValue<'_>, field_type: FieldType) -> bool {
    if fixed.kind() != ValueKind::Text {
        return false;
    }
    let converted =
        tandem_ground::value::canonical(&serde_json::Value::String(fixed.text.clone()), field_type);
    match field_type {
        FieldType::Int | FieldType::Double | FieldType::Currency | FieldType::Percent => {
            converted.is_number()
        }
        FieldType::Bool => converted.is_boolean(),
        FieldType::Date => converted.as_str().is_some_and(|day| {
            chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").is_ok()
                && fixed.text.trim().len() == 10
        }),
        FieldType::Datetime => converted
            .as_str()
            .is_some_and(|text| chrono::DateTime::parse_from_rfc3339(text).is_ok()),
        _ => false,
    }
}

/// The most characters a value that is not text takes once written into a text field, as the
/// planner renders it: a number by its field's precision (a HubSpot record id has at most 19
/// digits; a number of unknown precision at most 24 characters, `-1.2345678901234567e300`),
/// `true`/`false`, `2024-01-31`, `2024-01-31T09:30:00.000Z`. `None` when it is text or
/// nothing bounds it.
pub(crate) fn rendered_max_length(value: &TypedExpr) -> Option<u32> {
    match value.ty.kind {
        ValueKind::Bool => Some(5),
        ValueKind::Date => Some(10),
        ValueKind::Datetime => Some(24),
        ValueKind::Time => Some(18),
        ValueKind::Number => Some(match value.as_field() {
            Some(field) if field.field.field_type == FieldType::Id => 19,
            Some(field) => match (field.field.precision, field.field.scale) {
                // Digits, a sign, and a decimal point when there is a fraction.
                (Some(precision), Some(scale)) if scale > 0 => precision + 2,
                (Some(precision), _) => precision + 1,
                (None, _) => 24,
            },
            None => 24,
        }),
        _ => None,
    }
}
