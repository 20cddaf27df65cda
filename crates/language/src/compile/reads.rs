//! What each side of a sync reads, and what the planner must know about each field read
//! (type, length, restricted values, writability, the CRM's default on create), taken from
//! the object's schema.

use std::collections::{BTreeMap, BTreeSet};

use crate::check::BoundObject;
use tandem_ground::crm_facts;
use tandem_ground::schema::{FieldType, ObjectSchema, System};

use super::from_checked::Lowering;
use super::program::{FieldFacts, SideProgram, SyncProgram};

impl Lowering<'_> {
    /// A side before its reads are known: the object and the fields a create must set.
    pub(super) fn side(object: &BoundObject) -> SideProgram {
        SideProgram {
            object: object.name().to_string(),
            read_fields: Vec::new(),
            pushdown: None,
            scope: None,
            fields: BTreeMap::new(),
            required_on_create: object
                .schema
                .fields
                .values()
                .filter(|field| field.required_on_create && field.writable_on_create())
                .map(|field| field.name.clone())
                .collect(),
        }
    }

    /// Collects every field each side reads (match keys, scope, mapped fields and their
    /// expressions, required fields), with its facts from the schema.
    pub(super) fn finish_reads(
        program: &mut SyncProgram,
        hs_schema: &ObjectSchema,
        sf_schema: &ObjectSchema,
    ) {
        let mut used: Vec<(System, String)> = Vec::new();
        for rule in &program.matches {
            rule.hs.fields(&mut used);
            rule.sf.fields(&mut used);
        }
        for side in [&program.hs, &program.sf] {
            if let Some(scope) = &side.scope {
                scope.fields(&mut used);
            }
        }
        for field in &program.fields {
            for expr in [&field.to_hs, &field.to_sf].into_iter().flatten() {
                expr.fields(&mut used);
            }
            if !field.hs_field.is_empty() {
                used.push((System::Hubspot, field.hs_field.clone()));
            }
            if !field.sf_field.is_empty() {
                used.push((System::Salesforce, field.sf_field.clone()));
            }
        }
        // Required fields are read too, so a create can be checked against them.
        for system in [System::Hubspot, System::Salesforce] {
            for name in &program.side(system).required_on_create {
                used.push((system, name.clone()));
            }
        }
        let mut hs_fields = BTreeSet::new();
        let mut sf_fields = BTreeSet::new();
        for (system, name) in used {
            match system {
                System::Hubspot => hs_fields.insert(name),
                System::Salesforce => sf_fields.insert(name),
            };
        }
        for (system, side, schema, names) in [
            (System::Hubspot, &mut program.hs, hs_schema, hs_fields),
            (System::Salesforce, &mut program.sf, sf_schema, sf_fields),
        ] {
            side.fields = names
                .iter()
                .map(|name| (name.clone(), field_facts(system, schema, name)))
                .collect();
            side.read_fields = names.into_iter().collect();
        }
    }
}

/// The facts of one field read. A name the schema does not list (an id the CRM always
/// returns) is read as text, or as an id when it is `Id`. The type is the one values are
/// compared as ([`crm_facts::compared_as`]): HubSpot's contact e-mail is an e-mail address,
/// though the portal declares it text.
fn field_facts(system: System, schema: &ObjectSchema, name: &str) -> FieldFacts {
    let Some(field) = schema.field(name) else {
        return FieldFacts::of_type(if name == "Id" {
            FieldType::Id
        } else {
            FieldType::String
        });
    };
    FieldFacts {
        field_type: crm_facts::compared_as(system, &schema.name, name, field.field_type),
        max_length: match field.field_type {
            FieldType::String
            | FieldType::Textarea
            | FieldType::Email
            | FieldType::Phone
            | FieldType::Url => field.length.filter(|length| *length > 0),
            _ => None,
        },
        allowed_values: field
            .picklist
            .as_ref()
            .filter(|picklist| picklist.restricted && !field.external_options)
            .map(|picklist| {
                picklist
                    .active_values()
                    .map(|value| value.value.clone())
                    .collect()
            }),
        createable: field.writable_on_create(),
        updateable: field.writable_on_update(),
        association: None,
        default_on_create: FieldFacts::create_default_of(field),
    }
}
