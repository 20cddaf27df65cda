//! What a merge must not conclude from a stand-in record.
//!
//! After an incremental read, a linked record the read did not return is unchanged since its
//! merge base, and the planner stands in for it with the base's values of its mapped fields.
//! A mapping computed from other fields of that side (`hs.hs_task_priority <- if sf.Priority
//! = "High" then …`) reads fields the stand-in does not hold, so its value would be computed
//! from blanks and overwrite the other side with something the record never said. Those
//! fields are left out of the pair's outcome instead: their source has not changed, so
//! nothing flows from it, and the next read that returns the record computes them again.

use std::collections::BTreeSet;

use tandem_ground::record::RemoteRecord;
use tandem_ground::schema::System;
use tandem_language::compile::SyncProgram;

use super::merge::PairOutcome;
use super::model::other;

/// Removes from `outcome` every write, base, conflict and error about fields computed from
/// fields the stand-in for `side` does not hold.
pub fn drop_unknowable(
    sync: &SyncProgram,
    side: System,
    stand_in: &RemoteRecord,
    outcome: &mut PairOutcome,
) {
    let target = other(side);
    let mut keys: BTreeSet<&str> = BTreeSet::new();
    let mut target_fields: BTreeSet<&str> = BTreeSet::new();
    for field in &sync.fields {
        let Some(expr) = field.expr_to(target) else {
            continue;
        };
        let mut inputs = Vec::new();
        expr.fields(&mut inputs);
        let unknowable = inputs.iter().any(|(input_side, name)| {
            *input_side == side
                && name != "Id"
                && name != "hs_object_id"
                && !stand_in.fields.contains_key(name)
        });
        if unknowable {
            keys.insert(field.key.as_str());
            target_fields.insert(field.field_on(target));
        }
    }
    if keys.is_empty() {
        return;
    }
    let (fields, precondition, base, errors) = match target {
        System::Hubspot => (
            &mut outcome.hs_fields,
            &mut outcome.hs_precondition,
            &mut outcome.hs_base,
            &mut outcome.hs_errors,
        ),
        System::Salesforce => (
            &mut outcome.sf_fields,
            &mut outcome.sf_precondition,
            &mut outcome.sf_base,
            &mut outcome.sf_errors,
        ),
    };
    fields.retain(|f| !keys.contains(f.key.as_str()));
    precondition.retain(|name, _| {
        !target_fields.contains(name.as_str()) || fields.iter().any(|f| &f.field == name)
    });
    base.retain(|key, _| !keys.contains(key.as_str()));
    errors.retain(|error| {
        error
            .uncomputed_field()
            .is_none_or(|name| !target_fields.contains(name))
    });
    outcome
        .refresh
        .retain(|key, _| !keys.contains(key.as_str()));
    outcome
        .conflicts
        .retain(|conflict| !keys.contains(conflict.key.as_str()));
}
