//! A planned change of an association pseudo-field (`companies(associated)`) as the
//! [`AssociationWrite`] the connector sends, and the merge bases a written record stores.

use serde_json::Value;

use tandem_ground::record_write::{AssociationWrite, RecordWrite};
use tandem_ground::schema::System;
use tandem_language::compile::SyncProgram;
use tandem_plan::apply_rules::ids_in;
use tandem_plan::{FieldBases, FieldChange, PlannedValue, RecordChange};

/// The association write of `field` on `target`, when `field` is an association
/// pseudo-field: `id` is the resolved id (`None` removes). The ids to remove are the old
/// value's (one id, or every candidate of an ambiguous value) other than the new one, so
/// HubSpot ends up mirroring Salesforce.
pub fn association_write(
    sync: &SyncProgram,
    target: System,
    field: &FieldChange,
    id: Option<String>,
) -> Option<AssociationWrite> {
    let facts = sync
        .side(target)
        .fields
        .get(&*field.field)
        .and_then(|facts| facts.association.as_ref())?;
    let remove = ids_in(&field.old)
        .into_iter()
        .filter(|old| Some(old) != id.as_ref())
        .collect();
    let mut type_ids = vec![facts.default_type_id];
    type_ids.extend(facts.primary_type_id);
    Some(AssociationWrite {
        field: field.field.to_string(),
        to_object: facts.to_object.clone(),
        id,
        remove,
        type_ids,
    })
}

/// The merge bases to store after `change` was written as `write`: a field whose planned
/// value was a pending id (a record created earlier in this apply) gets, on the written side,
/// the id actually written, so the next plan compares against real ids and sees a later
/// change on the other side as a change on that side only.
pub fn bases_after_write(change: &RecordChange, write: &RecordWrite) -> FieldBases {
    let mut base = change.base.clone();
    for field in &change.fields {
        if !matches!(field.new, PlannedValue::PendingId { .. }) {
            continue;
        }
        let Some(written) = write.written_value(&field.field) else {
            continue;
        };
        if let Some(entry) = base.get_mut(field.key.as_str()) {
            match change.target {
                System::Hubspot => entry.hs = written,
                System::Salesforce => entry.sf = written,
            }
        }
    }
    base
}

/// The value the audit log records for a written field: what the field now holds (for an
/// association, the associated record's id or null), else the planned value.
pub fn audited(write: &RecordWrite, field: &FieldChange) -> Value {
    write
        .written_value(&field.field)
        .unwrap_or_else(|| field.new.known_or_null())
}
