//! The three-way merge of one linked pair, field by field, against the merge base; and the
//! payload of a new record.
//!
//! For each mapped field: a change on one side since the base flows in the mapping's
//! direction; both changed → the field's rule; neither changed → nothing (so a value our own
//! last write produced is never echoed back). Values are compared in canonical form.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::Value;

use tandem_ground::crm_facts::salesforce_id;
use tandem_ground::failure::WillFailReason;
use tandem_ground::schema::System;
use tandem_ground::sync_state::{FieldBase, OpenConflict};
use tandem_language::compile::{ConflictRule, Direction, FieldProgram, SyncProgram};

use super::eval::{EvalContext, eval};
use super::model::{ConflictItem, FieldChange, Rule, other};
use super::planned_value::PlannedValue;
use tandem_ground::value::{canonical, is_blank};

/// Record-id translation through another sync's links (`through accounts`).
#[derive(Debug, Default, Clone)]
pub struct ThroughIndex {
    pub hs_to_sf: HashMap<String, String>,
    pub sf_to_hs: HashMap<String, String>,
    /// Records of that sync being created on the other side by this same plan: their id is
    /// only known during apply, so the value is a placeholder resolved then.
    pub hs_pending_create: HashSet<String>,
    pub sf_pending_create: HashSet<String>,
}

/// The writes, bases and conflicts one pair produces.
#[derive(Debug, Default)]
pub struct PairOutcome {
    pub hs_fields: Vec<FieldChange>,
    pub sf_fields: Vec<FieldChange>,
    /// The target's current values of the written fields (the precondition).
    pub hs_precondition: BTreeMap<String, Value>,
    pub sf_precondition: BTreeMap<String, Value>,
    /// Bases stored when the hs write (resp. sf write) succeeds.
    pub hs_base: BTreeMap<String, FieldBase>,
    pub sf_base: BTreeMap<String, FieldBase>,
    /// Bases that change with no write (both sides agree).
    pub refresh: BTreeMap<String, FieldBase>,
    pub conflicts: Vec<ConflictItem>,
    pub hs_settles: Vec<String>,
    pub sf_settles: Vec<String>,
    pub refresh_settles: Vec<String>,
    /// Values that could not be computed, per target side.
    pub hs_errors: Vec<WillFailReason>,
    pub sf_errors: Vec<WillFailReason>,
}

pub struct PairInput<'a> {
    pub sync: &'a SyncProgram,
    pub ctx: EvalContext<'a>,
    pub hs_id: &'a str,
    pub sf_id: &'a str,
    /// `None` for a pair matched in this plan (no merge base yet).
    pub base: Option<&'a BTreeMap<String, FieldBase>>,
    pub conflicts: &'a HashMap<(String, String), &'a OpenConflict>,
    pub through: &'a BTreeMap<String, ThroughIndex>,
}

/// The value `field` should have on `target`, computed from the other side, and whether
/// the mapping's `default` gave it.
pub fn value_for(
    field: &FieldProgram,
    target: System,
    ctx: &EvalContext<'_>,
    through: &BTreeMap<String, ThroughIndex>,
) -> Result<Option<(PlannedValue, bool)>, WillFailReason> {
    let Some(expr) = field.expr_to(target) else {
        return Ok(None);
    };
    let value = eval(expr, ctx).map_err(|error| WillFailReason::Uncomputable {
        target,
        field: field.field_on(target).to_string(),
        error: Box::new(error),
    })?;
    super::association_value::check_carried(field, target, &value)?;
    let value = match &field.through {
        Some(sync_name) => translate_through(field, sync_name, target, &value, through)?,
        None => PlannedValue::Value(value),
    };
    let PlannedValue::Value(mut value) = value else {
        return Ok(Some((value, false)));
    };
    // Bring the value to the target field's type, so a Salesforce date compares equal to the
    // HubSpot datetime it was written as, and `"100"` to `100`.
    let target_side = match target {
        System::Hubspot => ctx.hs_side,
        System::Salesforce => ctx.sf_side,
    };
    let target_type = super::eval::field_type_of(target_side, field.field_on(target));
    value = canonical(&value, target_type);
    if is_blank(&value)
        && let Some(default) = &field.default
    {
        return Ok(Some((
            PlannedValue::Value(canonical(default, target_type)),
            true,
        )));
    }
    Ok(Some((PlannedValue::Value(value), false)))
}

/// A record id of the source side as the id of its partner through `sync_name`: linked
/// already, or created by that sync in this same plan (then only apply learns the id).
fn translate_through(
    field: &FieldProgram,
    sync_name: &str,
    target: System,
    value: &Value,
    through: &BTreeMap<String, ThroughIndex>,
) -> Result<PlannedValue, WillFailReason> {
    let Some(id) = tandem_ground::value::as_text(value) else {
        return Ok(PlannedValue::Value(Value::Null));
    };
    let Some(index) = through.get(sync_name) else {
        return Err(WillFailReason::ThroughNotPlanned {
            sync: sync_name.to_string(),
        });
    };
    let source = other(target);
    let (map, pending) = match source {
        System::Hubspot => (&index.hs_to_sf, &index.hs_pending_create),
        System::Salesforce => (&index.sf_to_hs, &index.sf_pending_create),
    };
    if let Some(mapped) = map.get(&id) {
        return Ok(PlannedValue::Value(Value::String(mapped.clone())));
    }
    if pending.contains(&id) {
        return Ok(PlannedValue::PendingId {
            sync: sync_name.to_string(),
            from: source,
            id,
        });
    }
    Err(super::association_value::not_linked(
        field, target, sync_name, &id,
    ))
}

fn rule_for(field: &FieldProgram, sync: &SyncProgram) -> ConflictRule {
    field
        .conflict
        .clone()
        .unwrap_or_else(|| sync.default_conflict.clone())
}

/// Which side's value wins a field both sides changed (or a freshly matched pair disagrees
/// on). `None` means the field waits for review.
fn settle(
    rule: &ConflictRule,
    hs_value: &Value,
    sf_value: &Value,
    ctx: &EvalContext<'_>,
) -> Option<(System, Rule)> {
    match rule {
        ConflictRule::Prefer { side } => Some((*side, Rule::Prefer { side: *side })),
        ConflictRule::PreferUnlessBlank { side } => {
            let preferred_value = match side {
                System::Hubspot => hs_value,
                System::Salesforce => sf_value,
            };
            if is_blank(preferred_value) {
                Some((
                    other(*side),
                    Rule::PreferUnlessBlank {
                        side: *side,
                        fell_back: true,
                    },
                ))
            } else {
                Some((
                    *side,
                    Rule::PreferUnlessBlank {
                        side: *side,
                        fell_back: false,
                    },
                ))
            }
        }
        ConflictRule::Newest => {
            let stamp = |record: Option<&tandem_ground::record::RemoteRecord>| {
                record
                    .and_then(|r| r.modified_at.as_deref())
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            };
            // Ties go to Salesforce, the system of record for sales data, so the outcome never
            // depends on read order.
            let side = match (stamp(ctx.hs), stamp(ctx.sf)) {
                (Some(hs), Some(sf)) if hs > sf => System::Hubspot,
                (Some(_), None) => System::Hubspot,
                _ => System::Salesforce,
            };
            Some((side, Rule::Newest { side }))
        }
        ConflictRule::Review => None,
    }
}

/// Merges one linked (or freshly matched) pair.
pub fn merge_pair(input: &PairInput<'_>) -> PairOutcome {
    let mut out = PairOutcome::default();
    let ctx = &input.ctx;
    for field in &input.sync.fields {
        let hs_current = ctx.field(System::Hubspot, &field.hs_field);
        let sf_current = ctx.field(System::Salesforce, &field.sf_field);
        let base = input.base.and_then(|b| b.get(&field.key));
        // A value that cannot be computed (an id not linked through the `through` sync, an
        // ambiguous association, a value map's `else error`) only matters when the field is
        // written to that side: then the write is reported as will-fail.
        let want_sf = value_for(field, System::Salesforce, ctx, input.through);
        let want_hs = value_for(field, System::Hubspot, ctx, input.through);
        let current_base = FieldBase {
            hs: hs_current.clone(),
            sf: sf_current.clone(),
        };
        let in_sync = matches!(&want_sf, Ok(Some((v, _))) if *v == sf_current)
            || matches!(&want_hs, Ok(Some((v, _))) if *v == hs_current);
        let open = input
            .conflicts
            .get(&(input.hs_id.to_string(), field.key.clone()));
        if in_sync {
            if base != Some(&current_base) {
                out.refresh.insert(field.key.clone(), current_base);
            }
            if open.is_some() {
                out.refresh_settles.push(field.key.clone());
            }
            continue;
        }
        let hs_changed = base.is_none_or(|b| b.hs != hs_current);
        let sf_changed = base.is_none_or(|b| b.sf != sf_current);
        // A one-way field whose source is blank, with both sides as the base recorded them: the
        // target holds the default it filled in on create (or a `keep when blank` value). It
        // keeps it until the source sets a value; clearing it would undo the create's own
        // default, and a checkbox (never blank in Salesforce) would flip on every run.
        let source_blank = match field.direction {
            Direction::HsToSf => matches!(&want_sf, Ok(Some((v, _))) if v.is_blank()),
            Direction::SfToHs => matches!(&want_hs, Ok(Some((v, _))) if v.is_blank()),
            Direction::Both => false,
        };
        if source_blank && base.is_some() && !hs_changed && !sf_changed {
            continue;
        }
        let decision: Option<(System, Rule)> = match field.direction {
            Direction::HsToSf => Some((
                System::Hubspot,
                Rule::OneWay {
                    from: System::Hubspot,
                },
            )),
            Direction::SfToHs => Some((
                System::Salesforce,
                Rule::OneWay {
                    from: System::Salesforce,
                },
            )),
            Direction::Both => {
                if let Some(side) = open
                    .and_then(|c| c.resolution.as_deref())
                    .and_then(parse_side)
                {
                    Some((side, Rule::Resolved { side }))
                } else if base.is_some() && hs_changed && !sf_changed {
                    Some((
                        System::Hubspot,
                        Rule::ChangedOn {
                            side: System::Hubspot,
                        },
                    ))
                } else if base.is_some() && sf_changed && !hs_changed {
                    Some((
                        System::Salesforce,
                        Rule::ChangedOn {
                            side: System::Salesforce,
                        },
                    ))
                } else if base.is_some() && !hs_changed && !sf_changed {
                    // Both sides still hold the values of the last sync: nothing to do, even
                    // if they differ (a `keep when blank` field, or a transform that is not
                    // invertible). Re-deciding here would echo our own writes back.
                    continue;
                } else {
                    match settle(&rule_for(field, input.sync), &hs_current, &sf_current, ctx) {
                        // `keep when blank` outranks the rule: a blank never beats a value.
                        Some((winner, _))
                            if field.keep_when_blank
                                && is_blank(side_value(winner, &hs_current, &sf_current))
                                && !is_blank(side_value(
                                    other(winner),
                                    &hs_current,
                                    &sf_current,
                                )) =>
                        {
                            Some((other(winner), Rule::KeepWhenBlank { blank: winner }))
                        }
                        Some(decision) => Some(decision),
                        None => {
                            out.conflicts.push(ConflictItem {
                                hs_id: input.hs_id.to_string(),
                                sf_id: input.sf_id.to_string(),
                                key: field.key.clone(),
                                hs_field: field.hs_field.clone(),
                                sf_field: field.sf_field.clone(),
                                hs_value: hs_current.clone(),
                                sf_value: sf_current.clone(),
                                base: base.cloned(),
                                already_queued: open.is_some(),
                            });
                            None
                        }
                    }
                }
            }
        };
        let Some((winner, rule)) = decision else {
            continue;
        };
        let target = other(winner);
        let want = match target {
            System::Hubspot => want_hs,
            System::Salesforce => want_sf,
        };
        let want = match want {
            Ok(want) => want,
            Err(reason) => {
                match target {
                    System::Hubspot => out.hs_errors.push(reason),
                    System::Salesforce => out.sf_errors.push(reason),
                }
                continue;
            }
        };
        let Some((value, used_default)) = want else {
            continue;
        };
        let target_current = match target {
            System::Hubspot => &hs_current,
            System::Salesforce => &sf_current,
        };
        if value == *target_current {
            continue;
        }
        if field.keep_when_blank && value.is_blank() && !is_blank(target_current) {
            // `keep when blank`: the blank is recorded as seen so it is not re-decided on every
            // run, and the value on the other side stays.
            out.refresh.insert(field.key.clone(), current_base);
            continue;
        }
        let rule = if used_default { Rule::Default } else { rule };
        // A pending id's base is completed by apply with the id it writes.
        let new_base = match target {
            System::Hubspot => FieldBase {
                hs: value.known_or_null(),
                sf: sf_current.clone(),
            },
            System::Salesforce => FieldBase {
                hs: hs_current.clone(),
                sf: value.known_or_null(),
            },
        };
        let change = FieldChange {
            key: field.key.as_str().into(),
            field: field.field_on(target).into(),
            old: target_current.clone(),
            new: value,
            rule,
        };
        let settles = open.is_some();
        match target {
            System::Hubspot => {
                out.hs_precondition
                    .insert(field.hs_field.clone(), hs_current.clone());
                out.hs_base.insert(field.key.clone(), new_base);
                out.hs_fields.push(change);
                if settles {
                    out.hs_settles.push(field.key.clone());
                }
            }
            System::Salesforce => {
                out.sf_precondition
                    .insert(field.sf_field.clone(), sf_current.clone());
                out.sf_base.insert(field.key.clone(), new_base);
                out.sf_fields.push(change);
                if settles {
                    out.sf_settles.push(field.key.clone());
                }
            }
        }
    }
    link_id_writes(input, &mut out);
    out
}

fn side_value<'v>(side: System, hs: &'v Value, sf: &'v Value) -> &'v Value {
    match side {
        System::Hubspot => hs,
        System::Salesforce => sf,
    }
}

fn parse_side(text: &str) -> Option<System> {
    System::from_short_name(text)
}

/// The fields of `source` apply writes a record's new partner id into right after the
/// partner is created: the `match X.key = Y.Id` keys and the mappings that copy the other
/// side's own id (`sf.Id -> hs.x`). Apply writes exactly these; the plan's estimate counts
/// them.
pub fn write_back_fields(sync: &SyncProgram, source: System) -> Vec<String> {
    let created_in = super::model::other(source);
    let mut fields: Vec<String> = id_link_keys(sync)
        .into_iter()
        .filter(|(side, _)| *side == source)
        .map(|(_, field)| field)
        .collect();
    let id_field = match created_in {
        System::Hubspot => "hs_object_id",
        System::Salesforce => "Id",
    };
    for field in &sync.fields {
        let copies_id = field
            .expr_to(source)
            .and_then(|expr| expr.as_plain_field(created_in))
            == Some(id_field);
        let name = field.field_on(source).to_string();
        if copies_id && !name.is_empty() && !fields.contains(&name) {
            fields.push(name);
        }
    }
    fields
}

/// The id-link keys of a sync: `(side holding the key, key field)` for every rule of the
/// form `X.field = Y.Id` whose key field can be written.
pub fn id_link_keys(sync: &SyncProgram) -> Vec<(System, String)> {
    let mut out = Vec::new();
    for rule in &sync.matches {
        for (key_side, key_expr, id_expr) in [
            (System::Hubspot, &rule.hs, &rule.sf),
            (System::Salesforce, &rule.sf, &rule.hs),
        ] {
            let id_side = other(key_side);
            let id_field = match id_side {
                System::Salesforce => "Id",
                System::Hubspot => "hs_object_id",
            };
            if id_expr.as_plain_field(id_side) != Some(id_field) {
                continue;
            }
            let Some(field) = key_expr.as_plain_field(key_side) else {
                continue;
            };
            let writable = sync
                .side(key_side)
                .fields
                .get(field)
                .is_some_and(|facts| facts.updateable);
            if writable {
                out.push((key_side, field.to_string()));
            }
        }
    }
    out
}

/// Writes the partner's id into id-link key fields that do not hold it yet.
fn link_id_writes(input: &PairInput<'_>, out: &mut PairOutcome) {
    for (key_side, field) in id_link_keys(input.sync) {
        let partner_id = match key_side {
            System::Hubspot => input.sf_id,
            System::Salesforce => input.hs_id,
        };
        let current = input.ctx.field(key_side, &field);
        let holds = tandem_ground::value::as_text(&current)
            .is_some_and(|t| salesforce_id::same_record(&t, partner_id));
        let already = match key_side {
            System::Hubspot => out.hs_fields.iter().any(|f| f.field == field),
            System::Salesforce => out.sf_fields.iter().any(|f| f.field == field),
        };
        if holds || already {
            continue;
        }
        let change = FieldChange {
            key: format!("match:{field}").into(),
            field: field.as_str().into(),
            old: current.clone(),
            new: PlannedValue::Value(Value::String(partner_id.to_string())),
            rule: Rule::LinkId,
        };
        match key_side {
            System::Hubspot => {
                out.hs_precondition.insert(field, current);
                out.hs_fields.push(change);
            }
            System::Salesforce => {
                out.sf_precondition.insert(field, current);
                out.sf_fields.push(change);
            }
        }
    }
}

/// The payload of a record created in `target` from `ctx`'s record on the other side:
/// every field that flows to `target`, plus match keys the target can store so a re-run
/// after a crash finds the new record instead of creating it twice.
pub struct CreatePayload {
    pub fields: Vec<FieldChange>,
    pub base: BTreeMap<String, FieldBase>,
    pub errors: Vec<WillFailReason>,
}

pub fn create_payload(
    sync: &SyncProgram,
    target: System,
    ctx: &EvalContext<'_>,
    through: &BTreeMap<String, ThroughIndex>,
) -> CreatePayload {
    let source = other(target);
    let mut out = CreatePayload {
        fields: Vec::new(),
        base: BTreeMap::new(),
        errors: Vec::new(),
    };
    let mut written: HashSet<String> = HashSet::new();
    for field in &sync.fields {
        let source_value = ctx.field(source, field.field_on(source));
        let target_field = field.field_on(target);
        let mut target_value = Value::Null;
        if field.direction.flows_to(target) {
            match value_for(field, target, ctx, through) {
                Ok(Some((value, used_default))) if !value.is_blank() => {
                    let creatable = sync
                        .side(target)
                        .fields
                        .get(target_field)
                        .is_none_or(|facts| facts.createable);
                    if creatable && written.insert(target_field.to_string()) {
                        target_value = value.known_or_null();
                        out.fields.push(FieldChange {
                            key: field.key.as_str().into(),
                            field: target_field.into(),
                            old: Value::Null,
                            new: value,
                            rule: if used_default {
                                Rule::Default
                            } else {
                                Rule::Create
                            },
                        });
                    }
                }
                Ok(_) => {}
                Err(reason) => out.errors.push(reason),
            }
        }
        let base = match target {
            System::Hubspot => FieldBase {
                hs: target_value,
                sf: source_value,
            },
            System::Salesforce => FieldBase {
                hs: source_value,
                sf: target_value,
            },
        };
        out.base.insert(field.key.clone(), base);
    }
    for rule in &sync.matches {
        let (target_expr, source_expr) = match target {
            System::Hubspot => (&rule.hs, &rule.sf),
            System::Salesforce => (&rule.sf, &rule.hs),
        };
        let Some(target_field) = target_expr.as_plain_field(target) else {
            continue;
        };
        let writable = sync
            .side(target)
            .fields
            .get(target_field)
            .is_some_and(|facts| facts.createable);
        if !writable || written.contains(target_field) {
            continue;
        }
        if let Ok(value) = eval(source_expr, ctx)
            && !is_blank(&value)
        {
            written.insert(target_field.to_string());
            out.fields.push(FieldChange {
                key: format!("match:{target_field}").into(),
                field: target_field.into(),
                old: Value::Null,
                new: PlannedValue::Value(value),
                rule: Rule::Create,
            });
        }
    }
    out
}
