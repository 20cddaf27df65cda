//! Checking one mapping line: its flows (one per direction), each target's writability
//! (rule 3), types after transforms (rule 2), picklists (rule 5), two-way rules (rule 6),
//! the single writer (rule 7) and lengths (rule 9).

use tandem_ground::schema::System;
use tandem_syntax::ast::{self, Direction, Mapping, SyncDef, ValueMapRef};

use super::checked::{
    BoundObject, CheckedMapping, ConflictPolicy, FieldRef, Flow, MapFallback, Side, TypedExpr,
    TypedExprKind,
};
use super::constants::computed_max_length;
use super::context::Checker;
use super::errors::CheckError;
use super::fixed_values::{WriteCut, accepts_any_text, length_limit, rendered_max_length};
use super::functions::Function;
use super::maps::{MapValue, inline_map_values, written_map_values};
use super::maps::{flatten, oriented_map};
use super::resolve::PathScope;
use super::types::{Incompatibility, Ty, ValueKind, assignable, describe_field_type};
use tandem_ground::diagnostics::Span;

impl Checker<'_> {
    pub(crate) fn check_mapping(
        &mut self,
        mapping: &Mapping,
        sync: &SyncDef,
        left: &BoundObject,
        right: &BoundObject,
        default_conflict: Option<&ConflictPolicy>,
    ) -> Option<CheckedMapping> {
        let name = sync.name.name.as_str();
        if let Some(through) = mapping.through() {
            return self.check_association(mapping, through, sync, left, right, default_conflict);
        }
        let scope = PathScope::Sync { name, left, right };
        let left_expr = self.expr(&mapping.left, scope);
        let right_expr = self.expr(&mapping.right, scope);
        let two_way = mapping.direction == Direction::Both;

        let written_conflict = mapping
            .conflict_rule()
            .and_then(|rule| self.conflict_policy(rule, left, right, true));
        let conflict = match mapping.conflict_rule() {
            Some(_) => written_conflict.clone(),
            None => default_conflict.cloned(),
        };
        if two_way && conflict.is_none() && mapping.conflict_rule().is_none() {
            self.report(
                mapping.span,
                CheckError::MissingConflictRule {
                    left: mapping_side_display(&left_expr, &mapping.left),
                    right: mapping_side_display(&right_expr, &mapping.right),
                    left_side: left.connection.clone(),
                    right_side: right.connection.clone(),
                    sync: name.to_string(),
                    span: mapping.span.into(),
                },
            );
        }

        let default = mapping.default_value().map(|expr| self.expr(expr, scope));
        let mut flows = Vec::new();
        let mut against_direction_reported = false;
        let directions: &[bool] = match mapping.direction {
            Direction::LeftToRight => &[false],
            Direction::RightToLeft => &[true],
            Direction::Both => &[false, true],
        };
        for &backward in directions {
            let (target_expr, source_expr, computed) = if backward {
                (&left_expr, &right_expr, mapping.reverse())
            } else {
                (&right_expr, &left_expr, mapping.transform())
            };
            let Some(target) = target_expr.as_field().cloned() else {
                continue;
            };
            let value = match computed {
                Some(expr) => self.expr(expr, scope),
                None => source_expr.clone(),
            };
            let to = target.side.unwrap_or(Side::Right);
            let from = value
                .fields()
                .first()
                .and_then(|field| field.side)
                .unwrap_or(to.other());
            let allowed = match sync.direction {
                Direction::Both => true,
                Direction::LeftToRight => from == Side::Left && to == Side::Right,
                Direction::RightToLeft => from == Side::Right && to == Side::Left,
            };
            if !allowed && !against_direction_reported && from != to {
                against_direction_reported = true;
                self.report(
                    mapping.span,
                    CheckError::MappingAgainstSyncDirection {
                        direction: mapping.direction.symbol(),
                        sync: name.to_string(),
                        sync_direction: sync.direction.symbol(),
                        span: mapping.span.into(),
                    },
                );
            }
            let flow = self.check_flow(FlowInput {
                mapping,
                target,
                value,
                default: default.as_ref(),
                from,
                to,
                backward,
                two_way,
                scope,
            });
            flows.push(flow);
        }
        self.check_default_literal(mapping, &flows);

        Some(CheckedMapping {
            direction: mapping.direction,
            left: left_expr.as_field().cloned(),
            right: right_expr.as_field().cloned(),
            flows,
            conflict: if two_way { conflict } else { None },
            written_conflict,
            keep_when_blank: mapping.keeps_when_blank(),
            through: None,
            span: mapping.span,
        })
    }

    fn check_flow(&mut self, input: FlowInput<'_, '_>) -> Flow {
        let FlowInput {
            mapping,
            target,
            value,
            default,
            from,
            to,
            backward,
            two_way,
            scope,
        } = input;
        self.check_writable(&target, true);
        let sync_name = match scope {
            PathScope::Sync { name, .. } => Some(name),
            _ => None,
        };
        self.register_writer(&target, sync_name);

        // The value map, oriented source -> target, with the values it writes and where
        // each is written in the spec.
        let source_field = value.as_field().cloned();
        let mut map_values: Vec<MapValue> = Vec::new();
        let value_map = match mapping.value_map() {
            None => None,
            Some(ValueMapRef::Named(name)) => {
                let resolved = self.resolve_named_map(
                    name,
                    source_field.as_ref(),
                    &target,
                    two_way && backward,
                    two_way,
                );
                let has_header = self
                    .maps
                    .get(&name.name)
                    .is_some_and(|map| map.header.is_some());
                if let Some(map) = &resolved {
                    map_values = written_map_values(map, name.span);
                    // A map with a header had its keys checked against its declared fields.
                    if let (Some(source), false) = (&source_field, has_header) {
                        let keys: Vec<(String, Span)> = map
                            .literal_pairs
                            .iter()
                            .map(|(key, _)| (super::checked::key_text(key), name.span))
                            .collect();
                        self.check_map_keys_can_match(&keys, source);
                    }
                }
                resolved
            }
            Some(ValueMapRef::Inline(body)) => {
                let flat = flatten(body);
                let map_backward = two_way && backward;
                if !map_backward {
                    if let Some(source) = &source_field {
                        self.check_map_values(&flat, source, &target);
                    } else if let Some(domain) = self.domain_of(&target) {
                        let display = target.display();
                        for (pair, span) in flat.pairs.iter().zip(&flat.right_spans) {
                            self.check_value(&pair.right, *span, &domain, &display, true);
                        }
                    }
                }
                map_values = inline_map_values(&flat, map_backward);
                // One-way pairs and pairs that are not one-to-one are reported by `names`.
                Some(oriented_map(
                    None,
                    &flat.pairs,
                    &flat.fallback,
                    flat.fallback_literal.as_ref(),
                    map_backward,
                    body.span,
                ))
            }
        };
        let truncate = mapping.truncate().map(|n| n.min(u32::MAX as u64) as u32);
        let cut = WriteCut { truncate };

        // The type written: a mapped value is one of the map's values.
        let written_ty = match &value_map {
            Some(map) => {
                let mut longest = map
                    .entries
                    .values()
                    .chain(match &map.fallback {
                        MapFallback::Value(value) => Some(value),
                        _ => None,
                    })
                    .map(|value| value.chars().count() as u32)
                    .max();
                if map.fallback == MapFallback::PassThrough {
                    longest = match (longest, value.ty.max_length) {
                        (Some(a), Some(b)) => Some(a.max(b)),
                        _ => None,
                    };
                }
                Ty {
                    kind: ValueKind::Text,
                    max_length: longest,
                }
            }
            None => hubspot_ids_as_numbers(&value),
        };
        let mapped_into_non_text = value_map.is_some()
            && !(target.field.is_text()
                || matches!(
                    ValueKind::of_field_type(target.field.field_type),
                    ValueKind::Picklist | ValueKind::Multipicklist
                ));
        if mapped_into_non_text {
            // Each value the map writes is fixed: held to the target's type one by one.
            self.check_map_values_assignable(&map_values, &target);
        } else if value_map.is_some() {
            self.check_assignable(written_ty, &value, &target);
        } else {
            self.check_assignable_value(written_ty, &value, &target);
        }

        // Rule 5: picklist values and coverage (skipped when the map itself failed to
        // resolve: that mistake is already reported). Values the spec fixes are checked
        // one by one below, with their lengths.
        let map_failed = mapping.value_map().is_some() && value_map.is_none();
        if !map_failed
            && !accepts_any_text(&target)
            && let Some(target_domain) = self.domain_of(&target)
        {
            match (&value.kind, &source_field) {
                // Salesforce ids into HubSpot's owner property: the record-id rule says it.
                (_, Some(source)) if !owner_ids_across(source, &target) => {
                    // Only text and picklist values can be in a list; numbers, booleans,
                    // dates and ids are values the list has no entry for.
                    let listed = matches!(value.ty.kind, ValueKind::Picklist | ValueKind::Text)
                        && source.field.field_type != tandem_ground::schema::FieldType::Id;
                    let source_domain = if listed { self.domain_of(source) } else { None };
                    // Numbers, booleans and dates are the type rule's (they need `text(...)`).
                    let by_value = match written_ty.kind {
                        ValueKind::Text | ValueKind::Picklist | ValueKind::Id => true,
                        ValueKind::Multipicklist => source_domain.is_some(),
                        _ => false,
                    };
                    if by_value {
                        self.check_coverage(
                            source,
                            source_domain.as_deref(),
                            &target,
                            &target_domain,
                            value_map.as_ref(),
                            value.span,
                        );
                    }
                }
                (
                    TypedExprKind::Call {
                        function: Function::Lookup,
                        args,
                    },
                    _,
                ) if value_map.is_none() => {
                    self.check_lookup_values(args, value.span, &target, &target_domain);
                }
                _ => {}
            }
        }
        if !map_failed {
            self.check_record_ids(&value, value_map.as_ref(), &target);
        }

        // Fixed values: the value's literals (or the map's values), held to the target.
        let mut too_long = false;
        if value_map.is_none() {
            too_long |= self.check_fixed_values(&value, &target, cut);
        } else {
            for map_value in &map_values {
                if self.check_stage_in_scope(&map_value.text, map_value.span, &target) {
                    continue;
                }
                too_long |= self.check_fixed_length(&map_value.text, map_value.span, &target, cut);
            }
        }

        // `default ...`: assignable like the value and held to the target like any fixed
        // value; `truncate` does not cut it.
        let default = default.map(|typed| {
            self.check_assignable_value(typed.ty, typed, &target);
            self.check_fixed_values(typed, &target, WriteCut::default());
            typed.clone()
        });

        // Rule 9: computed text that can be longer than the target (numbers, dates and
        // booleans by the text they are written as).
        let rendered = rendered_max_length(&written_ty_value(&value, written_ty));
        let computed_max = match &value_map {
            None if rendered.is_some() => Some(rendered),
            None => computed_max_length(&value),
            // Only the values a map passes through unchanged are computed.
            Some(map) if map.fallback == MapFallback::PassThrough => Some(value.ty.max_length),
            Some(_) => None,
        };
        if let (Some(computed_max), false) = (computed_max, too_long)
            && let Some(target_length) = length_limit(&target)
            && (target.field.is_text()
                || accepts_any_text(&target)
                || super::types::is_open_picklist(&target.field))
        {
            let effective = match (computed_max, truncate) {
                (Some(length), Some(cut)) => Some(length.min(cut)),
                (None, Some(cut)) => Some(cut),
                (length, None) => length,
            };
            let textual =
                (written_ty.kind.is_textual() || rendered.is_some()) && !written_ty.is_unknown();
            if textual && effective.is_none_or(|length| length > target_length) {
                let source_desc = match &source_field {
                    Some(source) if value_map.is_none() => source.display(),
                    _ => "this value".to_string(),
                };
                let help = match truncate {
                    Some(cut) => format!(
                        "`truncate {cut}` still allows more than {target_length}; use `truncate {target_length}`"
                    ),
                    None => format!(
                        "add `truncate {target_length}` to cut it, or Salesforce rejects the record with STRING_TOO_LONG"
                    ),
                };
                self.report(
                    value.span,
                    CheckError::MayExceedLength {
                        source_desc,
                        source_length: effective,
                        target: target.display(),
                        target_length,
                        help: Some(help),
                        span: value.span.into(),
                    },
                );
            }
        }

        Flow {
            from,
            to,
            target,
            value,
            value_map,
            default,
            truncate,
        }
    }

    /// Rule 2 for one value written into one field.
    pub(crate) fn check_assignable(&mut self, ty: Ty, value: &TypedExpr, target: &FieldRef) {
        let Err(problem) = assignable(ty, &target.field) else {
            return;
        };
        let error = match problem {
            Incompatibility::DatetimeIntoDate => CheckError::DatetimeIntoDate {
                target: target.display(),
                span: value.span.into(),
            },
            Incompatibility::MultipicklistIntoPicklist => CheckError::MultipicklistIntoPicklist {
                target: target.display(),
                span: value.span.into(),
            },
            Incompatibility::Mismatch { conversion } => CheckError::TypeMismatch {
                found: ty.kind.describe().to_string(),
                target: target.display(),
                target_type: describe_field_type(&target.field),
                help: conversion.map(|conversion| format!("convert it with {conversion}")),
                span: value.span.into(),
            },
        };
        self.report(value.span, error);
    }

    /// Rule 3: the target accepts writes (`for_update`: the writer also updates records).
    pub(crate) fn check_writable(&mut self, target: &FieldRef, for_update: bool) {
        // In a sync, a field of a related record is already reported as related_path; one
        // mistake, one diagnostic.
        if !target.hops.is_empty() && target.side.is_some() {
            return;
        }
        let field = &target.field;
        let system = target.system.display_name();
        let reason_and_help: Option<(&'static str, Option<String>)> = if !target.hops.is_empty() {
            Some((
                "a field of a related record",
                Some("write it from a sync of that object instead".to_string()),
            ))
        } else if field.calculated {
            Some((
                "a formula (calculated) field",
                Some(format!(
                    "{system} computes it; map the fields it is computed from instead"
                )),
            ))
        } else if field.read_only_value {
            Some((
                "a read-only property",
                Some("HubSpot sets it itself; make the mapping one-way from HubSpot".to_string()),
            ))
        } else if !field.createable && !field.updateable {
            let help = match field.native_type.as_deref() {
                Some("address") | Some("location") => {
                    Some("write its components (street, city, postal code...) instead".to_string())
                }
                _ if field.name == "Name" && target.system == System::Salesforce => {
                    Some("it is compound; write FirstName and LastName instead".to_string())
                }
                _ => Some("make the mapping one-way from this field".to_string()),
            };
            Some(("neither createable nor updateable", help))
        } else {
            None
        };
        if let Some((reason, help)) = reason_and_help {
            self.report(
                target.span,
                CheckError::ReadOnlyTarget {
                    target: target.display(),
                    system,
                    reason,
                    help,
                    span: target.span.into(),
                },
            );
        } else if for_update && field.createable && !field.updateable {
            // Set once on create is all a create-only field takes; a writer that never
            // creates those records only ever updates them, and every update fails.
            let never_creates = match (&self.sync_creates, target.side) {
                (Some(creates), Some(side)) if !creates.sides.contains(&side) => Some((
                    format!(
                        "sync `{}` never creates {} records",
                        creates.sync, target.object
                    ),
                    format!(
                        "add `create in {}` to the sync so the value is set when records are created, or remove this mapping",
                        target.connection
                    ),
                )),
                (None, None) => Some((
                    "a `set` action only updates records".to_string(),
                    "set it in a `create` action instead, or remove this action".to_string(),
                )),
                _ => None,
            };
            match never_creates {
                Some((writer, help)) => self.report(
                    target.span,
                    CheckError::CreateOnlyWithoutCreate {
                        target: target.display(),
                        writer,
                        system,
                        help: Some(help),
                        span: target.span.into(),
                    },
                ),
                None => self.report(
                    target.span,
                    CheckError::CreateOnlyTarget {
                        target: target.display(),
                        system,
                        span: target.span.into(),
                    },
                ),
            }
        }
    }

    /// Rule 7: one writer per target field across the spec. `sync` names the sync of a
    /// mapping (which converges the field continuously); `None` is a triggered action (which
    /// sets it on an event). Two actions may set the same field, and two syncs may write it
    /// when their `only` filters pin the same property to disjoint values (they never touch
    /// the same record, e.g. contacts split between Leads and Contacts by lifecycle stage);
    /// anything else is two writers fighting over one value.
    pub(crate) fn register_writer(&mut self, target: &FieldRef, sync: Option<&str>) {
        if !target.hops.is_empty() {
            return;
        }
        let key = (
            target.system,
            target.object.clone(),
            target.field.name.clone(),
        );
        let previous = self.writers.get(&key).cloned().unwrap_or_default();
        let conflicting = previous
            .iter()
            .find(|(_, other)| match (other.as_deref(), sync) {
                (None, None) => false,
                (Some(first), Some(second)) if first != second => {
                    match (self.sync_defs.get(first), self.sync_defs.get(second)) {
                        (Some(first), Some(second)) => {
                            !super::spec_rules::scopes_disjoint(first, second)
                        }
                        _ => true,
                    }
                }
                _ => true,
            });
        if let Some((first, _)) = conflicting {
            let first = *first;
            let same_file = first.file == target.span.file;
            self.report(
                target.span,
                CheckError::DuplicateWriter {
                    target: format!("{}.{}.{}", target.connection, target.object, target.field.name),
                    first: format!("{}:{}", first.file.0, first.start),
                    first_span: same_file.then(|| first.into()),
                    help: Some(
                        "keep one writer for this field: make the other mapping one-way away from it, or, for two syncs over different records, give both `only` filters on the same property with disjoint values"
                            .to_string(),
                    ),
                    span: target.span.into(),
                },
            );
            return;
        }
        self.writers
            .entry(key)
            .or_default()
            .push((target.span, sync.map(str::to_string)));
    }

    /// `lookup(table, key)` into a picklist: every value of the table must be allowed.
    fn check_lookup_values(
        &mut self,
        args: &[TypedExpr],
        span: tandem_ground::diagnostics::Span,
        target: &FieldRef,
        domain: &super::picklists::Domain,
    ) {
        let Some(TypedExprKind::Table(name)) = args.first().map(|arg| &arg.kind) else {
            return;
        };
        let Some(table) = self.checked_tables.get(name) else {
            return;
        };
        let values: Vec<String> = table.rows.values().cloned().collect();
        let display = target.display();
        for value in values {
            if domain.get(&value).is_none_or(|(_, _, active)| !active) {
                self.check_value(&value, span, domain, &display, true);
            }
        }
    }
}

/// Everything one flow check needs.
struct FlowInput<'m, 's> {
    mapping: &'m Mapping,
    target: FieldRef,
    value: TypedExpr,
    /// The mapping's `default`, typed once for both flows (so a mistake inside it is
    /// reported once).
    default: Option<&'m TypedExpr>,
    from: Side,
    to: Side,
    /// Data flows right to left (against the written arrow's default reading).
    backward: bool,
    two_way: bool,
    scope: PathScope<'s>,
}

/// The type a value is written as. HubSpot record ids are numbers (`hs_object_id` is a
/// `number` property), so one may go into a number field; Salesforce ids may not.
fn hubspot_ids_as_numbers(value: &TypedExpr) -> Ty {
    match value.as_field() {
        Some(field)
            if field.system == System::Hubspot
                && field.field.field_type == tandem_ground::schema::FieldType::Id =>
        {
            Ty::of(ValueKind::Number)
        }
        _ => value.ty,
    }
}

/// `value` with the type it is written as (a HubSpot id is a number).
fn written_ty_value(value: &TypedExpr, ty: Ty) -> TypedExpr {
    TypedExpr {
        kind: value.kind.clone(),
        ty,
        span: value.span,
    }
}

/// A Salesforce id into HubSpot's `hubspot_owner_id` (reported by `record_ids.rs`).
fn owner_ids_across(source: &FieldRef, target: &FieldRef) -> bool {
    target.system == System::Hubspot
        && target.field.name == "hubspot_owner_id"
        && source.system == System::Salesforce
        && matches!(
            source.field.field_type,
            tandem_ground::schema::FieldType::Id | tandem_ground::schema::FieldType::Reference
        )
}

fn mapping_side_display(typed: &TypedExpr, written: &ast::Expr) -> String {
    match (typed.as_field(), written.as_field()) {
        (Some(field), _) => format!("{}.{}", field.connection, field.field.name),
        (None, Some(path)) => path.display(),
        (None, None) => "this value".to_string(),
    }
}
