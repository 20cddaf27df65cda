//! Spec-wide rules: connections have snapshots (rule 1), tables load, unused maps and tables
//! (rule 10), and the Lead-or-Contact decision (rule 11).

use std::collections::BTreeSet;

use tandem_ground::schema::System;
use tandem_ground::schema::snapshot::file_name;
use tandem_syntax::ast::{BinaryOp, ExprKind, SyncDef, SyncItem};

use super::checked::{CheckedConnection, CheckedTable, Side};
use super::context::Checker;
use super::errors::CheckError;
use super::expr::literal_text;

impl Checker<'_> {
    pub(crate) fn check_connections(&mut self) {
        let spec = self.spec;
        for connection in spec.connections() {
            let name = connection.name.name.clone();
            if self.out.connections.contains_key(&name) {
                continue; // A duplicate; `names` reports it.
            }
            self.out.connections.insert(
                name.clone(),
                CheckedConnection {
                    name: name.clone(),
                    system: connection.system,
                    span: connection.span,
                },
            );
            if self.schemas.get(connection.system).is_some() {
                self.connections.insert(name, connection.system);
            } else {
                self.report(
                    connection.system_span,
                    CheckError::MissingSchema {
                        connection: name,
                        system: connection.system.display_name(),
                        file: file_name(connection.system),
                        origin: self.schema_origin.clone(),
                        span: connection.system_span.into(),
                    },
                );
            }
        }
    }

    pub(crate) fn check_tables(&mut self) {
        let spec = self.spec;
        for table in spec.tables() {
            let name = table.name.name.clone();
            if self.checked_tables.contains_key(&name) {
                continue;
            }
            // A table that could not be read or parsed was reported when it was loaded.
            if let Some(loaded) = self.tables.get(&name) {
                self.checked_tables.insert(
                    name.clone(),
                    CheckedTable {
                        name,
                        path: table.path.value.clone(),
                        rows: loaded.rows.clone(),
                        span: table.span,
                    },
                );
            }
        }
        self.out.tables = self.checked_tables.clone();
    }

    /// Rule 10's unused maps and tables. Uses are recorded as syncs and triggers resolve, so
    /// when one could not be resolved (its connection has no snapshot, an object is unknown)
    /// its uses are unknown and "never used" would be a guess; nothing is said then.
    pub(crate) fn check_unused(&mut self) {
        let spec = self.spec;
        let every_connection_resolved = spec
            .connections()
            .all(|connection| self.connections.contains_key(&connection.name.name));
        let every_item_resolved = self.out.syncs.len() == spec.syncs().count()
            && self.out.triggers.len() == spec.triggers().count();
        if !every_connection_resolved || !every_item_resolved {
            return;
        }
        for map in spec.maps() {
            if !self.used_maps.contains(&map.name.name) {
                self.report(
                    map.name.span,
                    CheckError::UnusedMap {
                        map: map.name.name.clone(),
                        span: map.name.span.into(),
                    },
                );
            }
        }
        for table in spec.tables() {
            if !self.used_tables.contains(&table.name.name) {
                self.report(
                    table.name.span,
                    CheckError::UnusedTable {
                        table: table.name.name.clone(),
                        span: table.name.span.into(),
                    },
                );
            }
        }
    }

    /// Rule 11: HubSpot contacts may become Salesforce Leads or Contacts, never both unless
    /// the scopes say which.
    pub(crate) fn check_lead_contact(&mut self) {
        let creators: Vec<(&str, Option<&SyncDef>)> = ["Lead", "Contact"]
            .into_iter()
            .map(|object| {
                let sync = self
                    .out
                    .syncs
                    .iter()
                    .find(|sync| {
                        contacts_to(sync.side(Side::Left), sync.side(Side::Right), object)
                            .is_some_and(|sf_side| sync.may_create_on(sf_side))
                    })
                    .and_then(|sync| self.sync_defs.get(&sync.name).copied());
                (object, sync)
            })
            .collect();
        let [(_, Some(lead_sync)), (_, Some(contact_sync))] = creators.as_slice() else {
            return;
        };
        if scopes_disjoint(lead_sync, contact_sync) {
            return;
        }
        let create_span = |sync: &SyncDef| {
            sync.body
                .iter()
                .find_map(|item| match item {
                    SyncItem::Create(policy) => Some(policy.span),
                    _ => None,
                })
                .unwrap_or(sync.name.span)
        };
        let span = create_span(contact_sync);
        let other = create_span(lead_sync);
        let sf = if lead_sync.left.object.name == "Lead" {
            lead_sync.left.connection.name.clone()
        } else {
            lead_sync.right.connection.name.clone()
        };
        self.report(
            span,
            CheckError::LeadContactAmbiguous {
                lead_sync: lead_sync.name.name.clone(),
                contact_sync: contact_sync.name.name.clone(),
                sf,
                other_span: (other.file == span.file).then(|| other.into()),
                span: span.into(),
            },
        );
    }
}

/// When one side is HubSpot contacts and the other the Salesforce `object`, the Salesforce
/// side.
fn contacts_to(
    left: &super::checked::BoundObject,
    right: &super::checked::BoundObject,
    object: &str,
) -> Option<Side> {
    let is_contacts = |bound: &super::checked::BoundObject| {
        bound.system == System::Hubspot && bound.schema.name == "contacts"
    };
    let is_object = |bound: &super::checked::BoundObject| {
        bound.system == System::Salesforce && bound.schema.name == object
    };
    if is_contacts(left) && is_object(right) {
        Some(Side::Right)
    } else if is_contacts(right) && is_object(left) {
        Some(Side::Left)
    } else {
        None
    }
}

/// Whether two syncs' `only` filters pin the same property to disjoint literal values
/// (`hs.lifecyclestage in [...]` / `= "..."`), so no record is in both scopes.
pub(crate) fn scopes_disjoint(first: &SyncDef, second: &SyncDef) -> bool {
    let pinned = |sync: &SyncDef| {
        let mut out: Vec<(String, BTreeSet<String>)> = Vec::new();
        for filter in sync.scope_filters() {
            collect_pins(&filter.condition, &mut out);
        }
        out
    };
    let first_pins = pinned(first);
    let second_pins = pinned(second);
    first_pins.iter().any(|(field, values)| {
        second_pins.iter().any(|(other_field, other_values)| {
            field == other_field && values.is_disjoint(other_values)
        })
    })
}

/// `path in [literals]` and `path = literal`, through `and`.
fn collect_pins(expr: &tandem_syntax::ast::Expr, out: &mut Vec<(String, BTreeSet<String>)>) {
    match &expr.kind {
        ExprKind::Binary {
            op: BinaryOp::And,
            left,
            right,
        } => {
            collect_pins(left, out);
            collect_pins(right, out);
        }
        ExprKind::Binary {
            op: BinaryOp::Eq,
            left,
            right,
        } => {
            if let (Some(path), ExprKind::Literal(literal)) = (left.as_field(), &right.kind) {
                out.push((
                    path.display(),
                    BTreeSet::from([literal_text(&literal.value)]),
                ));
            }
        }
        ExprKind::In {
            value,
            list,
            negated: false,
        } => {
            let Some(path) = value.as_field() else {
                return;
            };
            let values: Option<BTreeSet<String>> = list
                .iter()
                .map(|item| match &item.kind {
                    ExprKind::Literal(literal) => Some(literal_text(&literal.value)),
                    _ => None,
                })
                .collect();
            if let Some(values) = values {
                out.push((path.display(), values));
            }
        }
        _ => {}
    }
}
