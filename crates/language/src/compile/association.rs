//! Lowering association mappings: `hs.companies(associated) <-> sf.AccountId through accounts`.
//!
//! HubSpot keeps the link between a deal and its company as an association, Salesforce as
//! a reference field. Compile turns the HubSpot side into a pseudo-field named
//! `companies(associated)` whose value is the record's associated company (see
//! `docs/language.md`, "Associations"), so the planner merges it like any other field
//! through the named sync's links, and the pseudo-field's [`FieldFacts::association`] tells
//! the runtime which association types to write. Never: IO; anything that is not a `through`
//! mapping naming an association of the sync's HubSpot object is left to the field lowering.

use tandem_ground::schema::{FieldType, ObjectSchema, System};

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

/// How an association mapping merges: what a mapping says besides its two ends.
pub struct AssociationMapping {
    pub direction: Direction,
    pub conflict: Option<ConflictRule>,
    pub keep_when_blank: bool,
    /// The sync whose links translate the ids.
    pub through: String,
}

/// The field program of `hs.<association> <-> sf.<reference_field> through <sync>` for a
/// sync whose HubSpot object is `hs_object`; `None` when `association` (`companies` or
/// `company`) is not an association of that object in the schema. The entry point for a
/// lowering that starts from the checked spec rather than the syntax tree.
pub fn association_field(
    hs_object: &ObjectSchema,
    association: &str,
    reference_field: &str,
    mapping: AssociationMapping,
) -> Option<FieldProgram> {
    let AssociationMapping {
        direction,
        conflict,
        keep_when_blank,
        through,
    } = mapping;
    let association = hs_object
        .associations
        .iter()
        .find(|a| a.to_object == association || singular(&a.to_object) == association)?;
    let hs_field = associated_field(&association.to_object);
    let sf_field = reference_field.to_string();
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
        keep_when_blank,
        default: None,
        through: Some(through),
    })
}

/// Gives every association pseudo-field of the sync's HubSpot side its facts (run after the
/// read fields are collected, which know nothing of pseudo-fields).
pub(super) fn association_facts(hs_object: &ObjectSchema, program: &mut SyncProgram) {
    let pseudo: Vec<String> = program.hs.association_fields().cloned().collect();
    for name in pseudo {
        let Some(to_object) = associated_object(&name) else {
            continue;
        };
        let Some(schema) = hs_object.association_to(to_object) else {
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
