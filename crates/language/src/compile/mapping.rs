//! One checked mapping to a [`FieldProgram`]: the fields it pairs, and per direction the
//! value written (the source field or its transform, then the value map, then `truncate`).

use serde_json::json;

use crate::check::{CheckedMapping, CheckedSync, FieldRef};
use tandem_ground::schema::System;
use tandem_syntax::ast;

use super::association::{AssociationMapping, association_field};
use super::expr::written_literal;
use super::from_checked::Lowering;
use super::program::{Direction, Expr, FieldProgram, SyncProgram};
use super::sync::{conflict_rule, is_flipped};

impl Lowering<'_> {
    pub(super) fn mapping(
        &mut self,
        program: &mut SyncProgram,
        sync: &CheckedSync,
        mapping: &CheckedMapping,
    ) {
        let flipped = is_flipped(sync);
        let direction = match (mapping.direction, flipped) {
            (ast::Direction::Both, _) => Direction::Both,
            (ast::Direction::LeftToRight, false) | (ast::Direction::RightToLeft, true) => {
                Direction::HsToSf
            }
            _ => Direction::SfToHs,
        };
        let (hs_side, sf_side) = if flipped {
            (&mapping.right, &mapping.left)
        } else {
            (&mapping.left, &mapping.right)
        };
        if let Some(related) = [hs_side, sf_side]
            .into_iter()
            .flatten()
            .find(|field| !field.hops.is_empty())
        {
            self.related_path(related);
            return;
        }
        let conflict = mapping
            .written_conflict
            .as_ref()
            .map(|policy| conflict_rule(sync, policy.rule));
        if let Some(through) = &mapping.through {
            if !program.depends_on.contains(through) {
                program.depends_on.push(through.clone());
            }
            let hs_object = if flipped { &sync.right } else { &sync.left };
            let link = AssociationMapping {
                direction,
                conflict,
                keep_when_blank: mapping.keep_when_blank,
                through: through.clone(),
            };
            let field = match (hs_side, sf_side) {
                // The checker only links records through a HubSpot association (its end
                // names the associated object) and a Salesforce reference field.
                (Some(association), Some(reference)) => association_field(
                    &hs_object.schema,
                    &association.field.name,
                    &reference.field.name,
                    link,
                ),
                _ => None,
            };
            match field {
                Some(field) => program.fields.push(field),
                None => self.internal(
                    mapping.span,
                    "mapping",
                    format!("it links records through `{through}` without an association"),
                ),
            }
            return;
        }
        let (hs_field, sf_field) = (field_name(hs_side), field_name(sf_side));
        if hs_field.is_empty() && sf_field.is_empty() {
            self.internal(
                mapping.span,
                "mapping",
                "neither side is a field".to_string(),
            );
            return;
        }
        let diags_before = self.diags.len();
        let mut to_sf = None;
        let mut to_hs = None;
        for flow in &mapping.flows {
            let Some(mut value) = self.expr(&flow.value) else {
                continue;
            };
            if let Some(map) = &flow.value_map {
                let Some(mapped) = self.value_map(value, map) else {
                    continue;
                };
                value = mapped;
            }
            if let Some(length) = flow.truncate {
                value = Expr::call("truncate", vec![value, Expr::literal(json!(length))]);
            }
            match sync.side(flow.to).system {
                System::Salesforce => to_sf = Some(value),
                System::Hubspot => to_hs = Some(value),
            }
        }
        let missing_flow = [(System::Salesforce, &to_sf), (System::Hubspot, &to_hs)]
            .into_iter()
            .find(|(system, value)| direction.flows_to(*system) && value.is_none());
        if let Some((system, _)) = missing_flow
            && self.diags.len() == diags_before
        {
            self.internal(
                mapping.span,
                "mapping",
                format!("no flow writes its {} side", system.display_name()),
            );
            return;
        }
        // `default V` is written when the computed value is blank: a value, not a computation
        // (the checker reports anything else as default_not_literal).
        let default = match mapping.flows.first().and_then(|flow| flow.default.as_ref()) {
            None => None,
            Some(written) => match written.as_literal() {
                Some(value) => Some(written_literal(value)),
                None => {
                    self.internal(written.span, "default", "it is not a literal".to_string());
                    return;
                }
            },
        };
        let key = if !hs_field.is_empty() && !sf_field.is_empty() {
            format!("{hs_field}<->{sf_field}")
        } else if hs_field.is_empty() {
            format!("->{sf_field}")
        } else {
            format!("{hs_field}<-")
        };
        program.fields.push(FieldProgram {
            key,
            hs_field,
            sf_field,
            direction,
            to_sf,
            to_hs,
            conflict,
            keep_when_blank: mapping.keep_when_blank,
            default,
            through: None,
        });
    }
}

/// The side's field name, or empty when that side is an expression.
fn field_name(side: &Option<FieldRef>) -> String {
    side.as_ref()
        .map(|field| field.field.name.clone())
        .unwrap_or_default()
}
