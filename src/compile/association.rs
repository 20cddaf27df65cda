//! Lowering association mappings: `hs.companies(associated) <-> sf.AccountId through accounts`.
//!
//! HubSpot keeps the link between a deal and its company as an association, Salesforce as
//! a reference field. Compile turns the HubSpot side into a pseudo-field named
//! `companies(associated)` whose value is the record's associated company (see
//! `docs/language.md`, "Associations"), so the planner merges it like any other field
//! through the named sync's links, and the pseudo-field's [`FieldFacts::association`] tells
//! the runtime which association types to write. Never: IO; anything that is not a `through`
//! mapping naming an association of the sync's HubSpot object is left to the field lowering.

use crate::schema::{FieldType, Schemas, System};
use crate::syntax::ast;

use super::program::{
    AssociationFacts, ConflictRule, Direction, Expr, FieldFacts, FieldProgram, SyncProgram,
};

/// What ends an association pseudo-field's name.
pub const ASSOCIATED_SUFFIX: &str = "(associated)";

/// The pseudo-field naming the associated record of `to_object` (`companies(associated)`).
pub fn associated_field(to_object: &str) -> String {
    format!("{to_object}{ASSOCIATED_SUFFIX}")
}

/// The object a pseudo-field links to: `Some("companies")` for `companies(associated)`.
pub fn associated_object(field: &str) -> Option<&str> {
    field
        .strip_suffix(ASSOCIATED_SUFFIX)
        .filter(|object| !object.is_empty())
}

fn singular(object: &str) -> String {
    if let Some(stem) = object.strip_suffix("ies") {
        format!("{stem}y")
    } else {
        object.strip_suffix('s').unwrap_or(object).to_string()
    }
}

/// The field program of an association mapping, or `None` when `mapping` is not one (no
/// `through`, or its HubSpot side is not an association of the sync's HubSpot object).
/// `flipped` says the sync was written `sf.X <-> hs.Y`.
pub(super) fn lower_association(
    schemas: &Schemas,
    program: &SyncProgram,
    mapping: &ast::Mapping,
    flipped: bool,
    direction: Direction,
    conflict: Option<ConflictRule>,
) -> Option<FieldProgram> {
    let through = mapping.through()?.name.clone();
    let (hs_side, sf_side) = if flipped {
        (&mapping.right, &mapping.left)
    } else {
        (&mapping.left, &mapping.right)
    };
    let [hs_segment] = hs_side.as_field()?.segments.as_slice() else {
        return None;
    };
    let [sf_segment] = sf_side.as_field()?.segments.as_slice() else {
        return None;
    };
    let written = hs_segment.name.name.as_str();
    let object = schemas.object(System::Hubspot, &program.hs.object)?;
    let association = object
        .associations
        .iter()
        .find(|a| a.to_object == written || singular(&a.to_object) == written)?;
    let hs_field = associated_field(&association.to_object);
    let sf_field = sf_segment.name.name.clone();
    Some(FieldProgram {
        key: format!("{hs_field}<->{sf_field}"),
        to_sf: direction
            .flows_to(System::Salesforce)
            .then(|| Expr::field(System::Hubspot, &hs_field)),
        to_hs: direction
            .flows_to(System::Hubspot)
            .then(|| Expr::field(System::Salesforce, &sf_field)),
        hs_field,
        sf_field,
        direction,
        conflict,
        keep_when_blank: mapping.keeps_when_blank(),
        default: None,
        through: Some(through),
    })
}

/// Gives every association pseudo-field of the sync's HubSpot side its facts (run after the
/// read fields are collected, which know nothing of pseudo-fields).
pub(super) fn association_facts(schemas: &Schemas, program: &mut SyncProgram) {
    let object = schemas.object(System::Hubspot, &program.hs.object);
    let pseudo: Vec<String> = program
        .hs
        .read_fields
        .iter()
        .filter(|name| associated_object(name).is_some())
        .cloned()
        .collect();
    for name in pseudo {
        let Some(to_object) = associated_object(&name) else {
            continue;
        };
        let Some(schema) = object.and_then(|o| o.association_to(to_object)) else {
            continue;
        };
        program.hs.fields.insert(
            name.clone(),
            FieldFacts {
                association: Some(AssociationFacts {
                    to_object: to_object.to_string(),
                    default_type_id: schema.type_id,
                    primary_type_id: schema.primary_type_id,
                }),
                ..FieldFacts::of_type(FieldType::Reference)
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudo_field_names_round_trip() {
        assert_eq!(associated_field("companies"), "companies(associated)");
        assert_eq!(
            associated_object("companies(associated)"),
            Some("companies")
        );
        assert_eq!(associated_object("(associated)"), None);
        assert_eq!(associated_object("dealname"), None);
    }

    #[test]
    fn singular_names_of_standard_objects() {
        assert_eq!(singular("companies"), "company");
        assert_eq!(singular("deals"), "deal");
        assert_eq!(singular("contacts"), "contact");
    }
}
