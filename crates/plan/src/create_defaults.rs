//! Create-time defaults, predicted so that one apply converges.
//!
//! When a create leaves a field blank, the CRM fills in the field's default (a Salesforce
//! picklist's default value, a checkbox's `false`). If that field maps back to the source
//! record, the next plan would carry the default across: a second apply for what the first
//! one caused. Instead the planner writes the default explicitly in the create (so the plan
//! says what the record will hold) and, in the same plan, updates the source record with the
//! value the default maps back to; both are shown with the rule `default on create in X`.
//! Apply sends that update after the creates, once the new record's id is known, and skips
//! it when the create did not happen.
//!
//! A one-way field into the target (`hs.x -> sf.Y`) that the source leaves blank gets the
//! default written explicitly too, with a merge base recording the blank source beside the
//! target's default: the target keeps its default until the source sets a value (see
//! [`super::merge::merge_pair`]), instead of the next plan clearing what the create made.
//!
//! The same holds for every one-way mapping back into the source (`hs.type <- sf.Type via
//! {… else => "OTHER"}`): its value is computed from the record as the create will make it,
//! and when it differs from the source's, the source update carries it (rule `computed from
//! the record created in X`), so the next plan has nothing left to write.

use std::collections::BTreeMap;

use serde_json::Value;

use tandem_ground::schema::System;
use tandem_ground::sync_state::FieldBase;
use tandem_ground::{FieldMap, FieldName, RemoteRecord};
use tandem_language::compile::{FieldProgram, SyncProgram};

use super::eval::EvalContext;
use super::merge::{CreatePayload, ThroughIndex, value_for};
use super::model::{FieldChange, Rule, other};
use super::planned_value::PlannedValue;
use tandem_ground::value::{canonical, is_blank};

/// The update of the source record that a create's defaults call for.
#[derive(Debug, Default)]
pub struct SourceUpdate {
    pub fields: Vec<FieldChange>,
    /// The source's plan-time values of the fields written.
    pub precondition: BTreeMap<String, Value>,
    /// Merge bases stored once the update lands: the default on the target, the mapped value
    /// on the source.
    pub base: BTreeMap<String, FieldBase>,
}

/// Adds to `payload` (a create in `target` from `source_record`) the defaults the target
/// fills into mapped fields it leaves blank, and returns the update of the source record
/// those defaults map back to, if any.
pub fn fill_create_defaults(
    sync: &SyncProgram,
    target: System,
    source_record: &RemoteRecord,
    payload: &mut CreatePayload,
    through: &BTreeMap<String, ThroughIndex>,
) -> Option<SourceUpdate> {
    let source = other(target);
    let defaulted = defaulted_fields(sync, target, payload);
    let flows_back: Vec<&FieldProgram> = sync
        .fields
        .iter()
        .filter(|field| field.direction.flows_to(source) && !field.direction.flows_to(target))
        .filter(|field| !defaulted.iter().any(|(d, _)| d.key == field.key))
        // The new record's id is unknown until it exists: those fields are written back by
        // apply after the create (`merge::write_back_fields`).
        .filter(|field| !reads_id_of(field, target))
        .collect();
    if defaulted.is_empty() && flows_back.is_empty() {
        return None;
    }
    let rule = Rule::DefaultOnCreate { on: target };
    for (field, default) in &defaulted {
        let target_field = field.field_on(target);
        let createable = sync
            .side(target)
            .fields
            .get(target_field)
            .is_some_and(|facts| facts.createable);
        // Written explicitly when the mapping writes this field at all: the plan then says
        // exactly what the new record holds. A field only read from the target is left to
        // the CRM, which fills in the same value.
        if field.direction.flows_to(target) && createable {
            payload.fields.push(FieldChange {
                key: field.key.as_str().into(),
                field: target_field.into(),
                old: Value::Null,
                new: PlannedValue::Value(default.clone()),
                rule: rule.clone(),
            });
        }
    }
    // The record as it will exist once created, to compute what flows back from it.
    let mut created_fields: FieldMap<FieldName, Value> = payload
        .fields
        .iter()
        .filter_map(|f| Some((f.field.clone(), f.new.known()?.clone())))
        .collect();
    for (field, default) in &defaulted {
        created_fields.insert(field.field_on(target).into(), default.clone());
    }
    // Fields the create does not write but the CRM fills in (a Lead's `Status`) are read by
    // expressions that map back (`hs.hs_lead_status <- if sf.Status = …`): the created record
    // holds their defaults too.
    for (name, facts) in &sync.side(target).fields {
        if created_fields.contains_key(name.as_str()) {
            continue;
        }
        if let Some(raw) = &facts.default_on_create {
            let default = canonical(raw, facts.field_type);
            if !is_blank(&default) {
                created_fields.insert(name.as_str().into(), default);
            }
        }
    }
    let created = RemoteRecord {
        id: String::new(),
        fields: created_fields,
        modified_at: None,
        deleted: false,
        merged_into: None,
    };
    let (hs, sf) = match source {
        System::Hubspot => (source_record, &created),
        System::Salesforce => (&created, source_record),
    };
    let ctx = EvalContext {
        hs: Some(hs),
        sf: Some(sf),
        hs_side: &sync.hs,
        sf_side: &sync.sf,
    };
    let mut update = SourceUpdate::default();
    for (field, default) in &defaulted {
        let source_field = field.field_on(source);
        let source_current = ctx.field(source, source_field);
        let base_with = |source_value: Value| match target {
            System::Hubspot => FieldBase {
                hs: default.clone(),
                sf: source_value,
            },
            System::Salesforce => FieldBase {
                hs: source_value,
                sf: default.clone(),
            },
        };
        payload
            .base
            .insert(field.key.clone(), base_with(source_current.clone()));
        let updateable = sync
            .side(source)
            .fields
            .get(source_field)
            .is_none_or(|facts| facts.updateable);
        let Ok(Some((value, _))) = value_for(field, source, &ctx, through) else {
            continue;
        };
        if !updateable || value.is_blank() || value == source_current || value.known().is_none() {
            continue;
        }
        update
            .precondition
            .insert(source_field.to_string(), source_current.clone());
        update
            .base
            .insert(field.key.clone(), base_with(value.known_or_null()));
        update.fields.push(FieldChange {
            key: field.key.as_str().into(),
            field: source_field.into(),
            old: source_current,
            new: value,
            rule: rule.clone(),
        });
    }
    // One-way mappings back into the source, computed from the record as created.
    for field in flows_back {
        let source_field = field.field_on(source);
        let updateable = sync
            .side(source)
            .fields
            .get(source_field)
            .is_none_or(|facts| facts.updateable);
        if !updateable || update.fields.iter().any(|f| &*f.field == source_field) {
            continue;
        }
        let Ok(Some((value, _))) = value_for(field, source, &ctx, through) else {
            continue;
        };
        let source_current = ctx.field(source, source_field);
        let Some(known) = value.known() else {
            continue;
        };
        if *known == source_current {
            continue;
        }
        let target_value = ctx.field(target, field.field_on(target));
        let base = match target {
            System::Hubspot => FieldBase {
                hs: target_value,
                sf: known.clone(),
            },
            System::Salesforce => FieldBase {
                hs: known.clone(),
                sf: target_value,
            },
        };
        update
            .precondition
            .insert(source_field.to_string(), source_current.clone());
        update.base.insert(field.key.clone(), base);
        update.fields.push(FieldChange {
            key: field.key.as_str().into(),
            field: source_field.into(),
            old: source_current,
            new: value,
            rule: Rule::ComputedOnCreate { on: target },
        });
    }
    (!update.fields.is_empty()).then_some(update)
}

/// Whether `field`'s value toward the other side reads `side`'s own record id.
fn reads_id_of(field: &FieldProgram, side: System) -> bool {
    let Some(expr) = field.expr_to(side.other()) else {
        return false;
    };
    let mut inputs = Vec::new();
    expr.fields(&mut inputs);
    let id_field = match side {
        System::Hubspot => "hs_object_id",
        System::Salesforce => "Id",
    };
    inputs
        .iter()
        .any(|(input_side, name)| *input_side == side && name == id_field)
}

/// Mapped fields that the create leaves blank and that the target fills with a known
/// default; with that default in canonical form.
fn defaulted_fields<'s>(
    sync: &'s SyncProgram,
    target: System,
    payload: &CreatePayload,
) -> Vec<(&'s FieldProgram, Value)> {
    let source = other(target);
    let mut out: Vec<(&FieldProgram, Value)> = Vec::new();
    for field in &sync.fields {
        let target_field = field.field_on(target);
        // A field that flows back to the source would carry the default there on the next
        // plan; a one-way field into the target would clear it there. Both are predicted.
        if target_field.is_empty() || field.field_on(source).is_empty() || field.through.is_some() {
            continue;
        }
        let Some(facts) = sync.side(target).fields.get(target_field) else {
            continue;
        };
        let Some(raw) = &facts.default_on_create else {
            continue;
        };
        let written = payload
            .fields
            .iter()
            .any(|f| f.field == target_field && !f.new.is_blank());
        let seen = out.iter().any(|(f, _)| f.field_on(target) == target_field);
        if written || seen {
            continue;
        }
        let default = canonical(raw, facts.field_type);
        if !is_blank(&default) {
            out.push((field, default));
        }
    }
    out
}
