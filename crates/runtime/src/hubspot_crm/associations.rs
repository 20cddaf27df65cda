//! HubSpot association pseudo-fields over the HTTP connector: reading them with v4
//! `batch/read` (1,000 records per call) and writing them with the batch create's inline
//! `associations`, v4 `batch/create` and v4 `batch/archive` (100 per call).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use tandem_connectors::{
    AssociationInput, AssociationType, HubSpotInput, RemoteRecord, WriteReport,
    hubspot::DissociationInput,
};
use tandem_ground::schema::System;
use tandem_language::compile::association::associated_object;
use tandem_plan::apply_rules::{Associated, associated_value, is_association_field};

use super::HubSpotCrm;
use crate::connector_outcome::{crm_error, hubspot_strings, outcome_of};
use crate::crm::{AssociationWrite, CrmError, RecordWrite, WriteBatch, WriteOutcome};

/// The batch-create input of one record: its properties, and its association writes as the
/// create's inline `associations` (no call of their own).
pub(super) fn create_input(index: usize, write: &RecordWrite) -> HubSpotInput {
    let mut input = HubSpotInput::new(index.to_string(), None, hubspot_strings(&write.fields));
    for association in &write.associations {
        if let Some(to_id) = association.id.clone() {
            input.associations.push(AssociationInput {
                key: index.to_string(),
                from_id: String::new(),
                to_id,
                types: types_of(association),
            });
        }
    }
    input
}

fn types_of(write: &AssociationWrite) -> Vec<AssociationType> {
    write
        .type_ids
        .iter()
        .map(|id| AssociationType::hubspot_defined(*id))
        .collect()
}

/// Splits requested field names into properties and association pseudo-fields.
pub(super) fn split_fields(fields: &[String]) -> (Vec<String>, Vec<String>) {
    fields
        .iter()
        .cloned()
        .partition(|name| !is_association_field(name))
}

/// What is still owed to one record of an update with associations.
struct Pending {
    id: String,
    /// Phases (property update, association create, association archive) not yet reported.
    owed: u32,
    failure: Option<WriteOutcome>,
}

impl HubSpotCrm {
    /// Fills the association pseudo-fields `fields` of every live record read.
    pub(super) async fn attach_associations(
        &mut self,
        object: &str,
        fields: &[String],
        records: &mut [RemoteRecord],
    ) -> Result<(), CrmError> {
        if fields.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = records
            .iter()
            .filter(|r| !r.deleted)
            .map(|r| r.id.clone())
            .collect();
        let values = self.associated_values(object, fields, &ids).await?;
        for record in records.iter_mut().filter(|r| !r.deleted) {
            for field in fields {
                let value = values
                    .get(&record.id)
                    .and_then(|v| v.get(field))
                    .cloned()
                    .unwrap_or(Value::Null);
                record.fields.insert(field.into(), value);
            }
        }
        Ok(())
    }

    /// Each record's value of each association pseudo-field, by record id.
    pub(super) async fn associated_values(
        &mut self,
        object: &str,
        fields: &[String],
        ids: &[String],
    ) -> Result<BTreeMap<String, BTreeMap<String, Value>>, CrmError> {
        let mut out: BTreeMap<String, BTreeMap<String, Value>> = BTreeMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        for field in fields {
            let Some(to_object) = associated_object(field) else {
                continue;
            };
            let read = self
                .client
                .read_associations(object, to_object, ids)
                .await
                .map_err(|e| crm_error(System::Hubspot, e))?;
            for (id, records) in read {
                let associated: Vec<Associated> = records
                    .iter()
                    .map(|record| Associated {
                        id: record.to_id.clone(),
                        primary: record.is_primary(),
                    })
                    .collect();
                out.entry(id)
                    .or_default()
                    .insert(field.clone(), associated_value(&associated));
            }
        }
        Ok(out)
    }

    /// An update batch in which some record writes an association: properties with batch
    /// update, then new associations (v4 batch create, which also makes the new one primary),
    /// then removals (v4 batch archive). Creating before removing means a crash in between
    /// leaves the record associated with both, the new one primary, which reads as the new
    /// value; the re-run finishes the removal. `None` when no record writes an association.
    pub(super) async fn update_with_associations(
        &mut self,
        object: &str,
        records: &[(String, RecordWrite)],
    ) -> Option<WriteBatch> {
        let split: Vec<(&String, &BTreeMap<String, Value>, &Vec<AssociationWrite>)> = records
            .iter()
            .map(|(id, write)| (id, &write.fields, &write.associations))
            .collect();
        if split
            .iter()
            .all(|(_, _, associations)| associations.is_empty())
        {
            return None;
        }
        let mut pending: Vec<Pending> = split
            .iter()
            .map(|(id, plain, associations)| {
                // One create call and one archive call per associated object type.
                let creates: BTreeSet<&str> = associations
                    .iter()
                    .filter(|w| w.id.is_some())
                    .map(|w| w.to_object.as_str())
                    .collect();
                let removes: BTreeSet<&str> = associations
                    .iter()
                    .filter(|w| !w.remove.is_empty())
                    .map(|w| w.to_object.as_str())
                    .collect();
                Pending {
                    id: (*id).clone(),
                    owed: u32::from(!plain.is_empty())
                        + creates.len() as u32
                        + removes.len() as u32,
                    failure: None,
                }
            })
            .collect();
        let updates: Vec<HubSpotInput> = split
            .iter()
            .enumerate()
            .filter(|(_, (_, plain, _))| !plain.is_empty())
            .map(|(i, (id, plain, _))| {
                HubSpotInput::new(i.to_string(), Some((*id).clone()), hubspot_strings(plain))
            })
            .collect();
        let mut stopped = None;
        if !updates.is_empty() {
            let report = self.client.batch_update(object, &updates).await;
            stopped = settle(&mut pending, report);
        }
        // Association creates, per associated object, for records whose update went through.
        let mut creates: BTreeMap<String, Vec<AssociationInput>> = BTreeMap::new();
        let mut removals: BTreeMap<String, Vec<DissociationInput>> = BTreeMap::new();
        for (index, (id, _, associations)) in split.iter().enumerate() {
            for write in associations.iter() {
                if let Some(to_id) = &write.id {
                    creates
                        .entry(write.to_object.clone())
                        .or_default()
                        .push(AssociationInput {
                            key: index.to_string(),
                            from_id: (*id).clone(),
                            to_id: to_id.clone(),
                            types: types_of(write),
                        });
                }
                if !write.remove.is_empty() {
                    removals
                        .entry(write.to_object.clone())
                        .or_default()
                        .push(DissociationInput {
                            key: index.to_string(),
                            from_id: (*id).clone(),
                            to_ids: write.remove.clone(),
                        });
                }
            }
        }
        for (to_object, inputs) in creates {
            if stopped.is_some() {
                break;
            }
            let inputs: Vec<AssociationInput> = inputs
                .into_iter()
                .filter(|input| still_going(&pending, &input.key))
                .collect();
            if inputs.is_empty() {
                continue;
            }
            let report = self
                .client
                .batch_associate(object, &to_object, &inputs)
                .await;
            stopped = settle(&mut pending, report);
        }
        for (to_object, inputs) in removals {
            if stopped.is_some() {
                break;
            }
            let inputs: Vec<DissociationInput> = inputs
                .into_iter()
                .filter(|input| still_going(&pending, &input.key))
                .collect();
            if inputs.is_empty() {
                continue;
            }
            let report = self
                .client
                .batch_dissociate(object, &to_object, &inputs)
                .await;
            stopped = settle(&mut pending, report);
        }
        let outcomes = pending
            .into_iter()
            .map(|record| match record.failure {
                Some(failure) => failure,
                None if record.owed == 0 => WriteOutcome::Written { id: record.id },
                None => WriteOutcome::Unknown {
                    reason: "the run stopped before this record's association was written"
                        .to_string(),
                },
            })
            .collect();
        Some(WriteBatch {
            outcomes,
            stopped: stopped.map(|e| crm_error(System::Hubspot, e)),
        })
    }
}

fn still_going(pending: &[Pending], key: &str) -> bool {
    key.parse::<usize>()
        .ok()
        .and_then(|index| pending.get(index))
        .is_some_and(|record| record.failure.is_none())
}

/// Books one phase's report against the records; returns why the run stopped, if it did.
fn settle(
    pending: &mut [Pending],
    report: WriteReport,
) -> Option<tandem_connectors::ConnectorError> {
    let mut seen = BTreeSet::new();
    for outcome in &report.outcomes {
        let Some(index) = outcome.key.parse::<usize>().ok() else {
            continue;
        };
        let Some(record) = pending.get_mut(index) else {
            continue;
        };
        // One phase may report a record more than once (several associations); count once.
        if seen.insert(index) {
            record.owed = record.owed.saturating_sub(1);
        }
        if record.failure.is_none() {
            match outcome_of(&outcome.result) {
                WriteOutcome::Written { .. } => {}
                failure => record.failure = Some(failure),
            }
        }
    }
    report.stopped
}
