//! What an association pseudo-field (`companies(associated)`) holds.
//!
//! HubSpot gives a deal any number of associated companies; Salesforce's `AccountId` holds
//! one. The pseudo-field's value is the one company the deal belongs to, decided without
//! guessing: the company associated with HubSpot's "Primary" type when there is one; else
//! the only associated company; else no company (null) when there are none; else the value
//! is *ambiguous*: the sorted list of every candidate id (a JSON array, which no scalar field
//! of either CRM ever holds), and a write that would need it is reported as "will fail" with
//! the candidates instead of being sent. The list is also what a merge base records, so an
//! unchanged ambiguous record is seen as unchanged on the next run.

use serde_json::Value;

use tandem_ground::failure::WillFailReason;
use tandem_ground::schema::System;
use tandem_language::compile::FieldProgram;
use tandem_language::compile::association::associated_object;

/// One associated record as a CRM reports it: its id and whether it is the primary one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Associated {
    pub id: String,
    pub primary: bool,
}

/// The pseudo-field's value for a record whose associated records are `associated`.
pub fn associated_value(associated: &[Associated]) -> Value {
    let primary: Vec<&Associated> = associated.iter().filter(|a| a.primary).collect();
    if let [only] = primary.as_slice() {
        return Value::String(only.id.clone());
    }
    let mut ids: Vec<&str> = associated.iter().map(|a| a.id.as_str()).collect();
    ids.sort_unstable_by(|a, b| compare_ids(a, b));
    ids.dedup();
    match ids.as_slice() {
        [] => Value::Null,
        [only] => Value::String(only.to_string()),
        several => Value::Array(
            several
                .iter()
                .map(|id| Value::String(id.to_string()))
                .collect(),
        ),
    }
}

/// Numeric ids in numeric order (HubSpot ids are numbers), anything else after, by text.
fn compare_ids(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.cmp(b),
    }
}

/// The candidates of an ambiguous value; `None` for any other value.
pub fn ambiguous_ids(value: &Value) -> Option<Vec<String>> {
    value.as_array().map(|ids| {
        ids.iter()
            .filter_map(|id| id.as_str().map(str::to_string))
            .collect()
    })
}

/// Every record id a value names: one id, the candidates of an ambiguous value, or none.
pub fn ids_in(value: &Value) -> Vec<String> {
    match value {
        Value::String(id) if !id.is_empty() => vec![id.clone()],
        other => ambiguous_ids(other).unwrap_or_default(),
    }
}

/// Refuses to carry an ambiguous association across: the reason says which record and
/// which candidates, so the plan lists the write as "will fail" instead of guessing.
pub fn check_carried(
    field: &FieldProgram,
    target: System,
    value: &Value,
) -> Result<(), WillFailReason> {
    let Some(candidates) = ambiguous_ids(value) else {
        return Ok(());
    };
    let object = associated_object(field.field_on(target.other())).unwrap_or("records");
    Err(WillFailReason::AmbiguousAssociation {
        target,
        field: field.field_on(target).to_string(),
        object: object.to_string(),
        candidates,
    })
}

/// The reason a `through` id cannot be written: the record it names is not linked through
/// the `through` sync (not synced yet, or out of that sync's scope). For an association
/// pseudo-field the reason names both ends of the mapping.
pub fn not_linked(field: &FieldProgram, target: System, sync: &str, id: &str) -> WillFailReason {
    let source = target.other();
    let is_association = is_association_field(field.field_on(source))
        || is_association_field(field.field_on(target));
    WillFailReason::NotLinkedThrough {
        target,
        field: field.field_on(target).to_string(),
        from: source,
        source_field: is_association.then(|| field.field_on(source).to_string()),
        id: id.to_string(),
        sync: sync.to_string(),
    }
}

/// Whether `field` (a target field name) is an association pseudo-field.
pub fn is_association_field(field: &str) -> bool {
    associated_object(field).is_some()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn associated(id: &str, primary: bool) -> Associated {
        Associated {
            id: id.to_string(),
            primary,
        }
    }

    #[test]
    fn no_association_is_blank() {
        assert_eq!(associated_value(&[]), Value::Null);
    }

    #[test]
    fn a_single_association_is_the_value_even_when_not_primary() {
        assert_eq!(associated_value(&[associated("7", false)]), json!("7"));
    }

    #[test]
    fn the_primary_association_wins_over_others() {
        let value = associated_value(&[
            associated("9", false),
            associated("7", true),
            associated("8", false),
        ]);
        assert_eq!(value, json!("7"));
    }

    #[test]
    fn several_associations_without_a_primary_are_ambiguous_never_guessed() {
        let value = associated_value(&[associated("10", false), associated("9", false)]);
        assert_eq!(value, json!(["9", "10"]));
        assert_eq!(ids_in(&value), vec!["9".to_string(), "10".to_string()]);
    }

    #[test]
    fn an_ambiguous_value_cannot_be_carried_to_salesforce() {
        let field = FieldProgram {
            key: "companies(associated)<->AccountId".into(),
            hs_field: "companies(associated)".into(),
            sf_field: "AccountId".into(),
            direction: tandem_language::compile::Direction::Both,
            to_sf: None,
            to_hs: None,
            conflict: None,
            keep_when_blank: false,
            default: None,
            through: Some("accounts".into()),
        };
        let error = check_carried(&field, System::Salesforce, &json!(["9", "10"]))
            .unwrap_err()
            .to_string();
        assert!(error.contains("sf.AccountId"), "{error}");
        assert!(error.contains("2 associated companies (9, 10)"), "{error}");
        assert!(check_carried(&field, System::Salesforce, &json!("9")).is_ok());
    }
}
