//! What an association pseudo-field (`companies(associated)`) holds, and what writing one
//! costs.
//!
//! HubSpot gives a deal any number of associated companies; Salesforce's `AccountId` holds
//! one. The pseudo-field's value is the one company the deal belongs to, decided without
//! guessing: the company associated with HubSpot's "Primary" type when there is one; else
//! the only associated company; else no company (blank) when there are none; else the value
//! is *ambiguous* and carries every candidate, and a write that would need it is reported as
//! "will fail" with the candidates instead of being sent.

use serde_json::{Value, json};

use tandem_ground::schema::System;
use tandem_language::compile::FieldProgram;
use tandem_language::compile::association::associated_object;

use super::model::{Action, SyncPlan};

/// The key of an ambiguous value: `{"$ambiguous": ["101", "102"]}`.
pub const AMBIGUOUS: &str = "$ambiguous";

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
        several => json!({ AMBIGUOUS: several }),
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
    value.get(AMBIGUOUS)?.as_array().map(|ids| {
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

/// Refuses to carry an ambiguous association across: `Err` says which record and which
/// candidates, so the plan lists the write as "will fail" instead of guessing.
pub fn check_carried(field: &FieldProgram, target: System, value: &Value) -> Result<(), String> {
    let Some(candidates) = ambiguous_ids(value) else {
        return Ok(());
    };
    let object =
        associated_object(field.field_on(crate::model::other(target))).unwrap_or("records");
    Err(format!(
        "cannot compute {}.{}: the record has {} associated {object} ({}) and none is primary; \
         mark one as primary in HubSpot",
        target.short_name(),
        field.field_on(target),
        candidates.len(),
        candidates.join(", ")
    ))
}

/// Says which mapping an untranslatable association id belongs to: the record it names is
/// not linked through the `through` sync (not synced yet, or out of that sync's scope).
pub fn explain_unlinked(field: &FieldProgram, target: System, reason: String) -> String {
    let source = crate::model::other(target);
    if !is_association_field(field.field_on(source))
        && !is_association_field(field.field_on(target))
    {
        return reason;
    }
    format!(
        "cannot set {}.{} from {}.{}: {reason}; it is written once that sync links the record",
        target.short_name(),
        field.field_on(target),
        source.short_name(),
        field.field_on(source),
    )
}

/// Whether `field` (a target field name) is an association pseudo-field.
pub fn is_association_field(field: &str) -> bool {
    associated_object(field).is_some()
}

/// HubSpot calls apply spends on association writes beyond the record writes: an update
/// that moves a record to another associated record creates the new association (v4 batch
/// create) and archives the old one (v4 batch archive), 100 per call each. Creates carry
/// their association inside the batch create and cost nothing extra.
pub fn association_calls(sync: &SyncPlan) -> u64 {
    let mut creates = 0u64;
    let mut archives = 0u64;
    let mut property_updates_skipped = 0u64;
    for change in sync
        .changes
        .iter()
        .filter(|c| c.target == System::Hubspot && c.action == Action::Update)
    {
        let associations: Vec<_> = change
            .fields
            .iter()
            .filter(|f| is_association_field(&f.field))
            .collect();
        if associations.is_empty() {
            continue;
        }
        if associations.len() == change.fields.len() {
            property_updates_skipped += 1;
        }
        // A `$pending` placeholder is an id too (a company created earlier in this apply).
        let adds = associations
            .iter()
            .any(|f| !ids_in(&f.new).is_empty() || f.new.get("$pending").is_some());
        let removes = associations.iter().any(|f| {
            let new = ids_in(&f.new);
            ids_in(&f.old).iter().any(|old| !new.contains(old))
        });
        creates += u64::from(adds);
        archives += u64::from(removes);
    }
    let batches = |n: u64| n.div_ceil(super::budget::HUBSPOT_BATCH);
    let updates = sync
        .changes
        .iter()
        .filter(|c| c.target == System::Hubspot && c.action == Action::Update)
        .count() as u64;
    // Records whose only change is an association send no property update; each batch of
    // association updates re-reads its records' associations for the precondition (a move
    // does not show in the read of what changed since the plan).
    let saved = batches(updates).saturating_sub(batches(updates - property_updates_skipped));
    let moving = sync
        .changes
        .iter()
        .filter(|c| c.target == System::Hubspot && c.action == Action::Update)
        .filter(|c| c.fields.iter().any(|f| is_association_field(&f.field)))
        .count() as u64;
    (batches(creates) + batches(archives) + batches(moving)).saturating_sub(saved)
}

/// A value for a human: strings quoted, null as `(blank)`, an id still to be created as
/// `(new: sf 001… via accounts)`, an ambiguous association as `(ambiguous: 101, 102)`.
pub fn display(value: &Value) -> String {
    if let Some(pending) = value.get("$pending") {
        let text = |key: &str| pending.get(key).and_then(Value::as_str).unwrap_or("?");
        return format!(
            "(new: {} {} via {})",
            text("from"),
            text("id"),
            text("sync")
        );
    }
    if let Some(ids) = ambiguous_ids(value) {
        return format!("(ambiguous: {})", ids.join(", "));
    }
    match value {
        Value::Null => "(blank)".to_string(),
        Value::String(text) => format!("{text:?}"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
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
        assert_eq!(value, json!({"$ambiguous": ["9", "10"]}));
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
        let error = check_carried(
            &field,
            System::Salesforce,
            &json!({"$ambiguous": ["9", "10"]}),
        )
        .unwrap_err();
        assert!(error.contains("sf.AccountId"), "{error}");
        assert!(error.contains("2 associated companies (9, 10)"), "{error}");
        assert!(check_carried(&field, System::Salesforce, &json!("9")).is_ok());
    }
}
