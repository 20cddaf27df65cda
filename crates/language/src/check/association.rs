//! `through <sync>` mappings (rule 10): links between records, translated through another
//! sync's record links. The Salesforce side is a reference field (`AccountId`); the HubSpot
//! side names an association (`companies`, or the singular `company`).

use tandem_ground::schema::{FieldSchema, FieldType, System};
use tandem_syntax::ast::{self, Direction, FieldPath, Mapping, SyncDef};

use super::checked::{
    BoundObject, CheckedMapping, FieldRef, Flow, RecordSelector, Side, TypedExpr, TypedExprKind,
};
use super::context::Checker;
use super::errors::CheckError;
use super::resolve::PathScope;
use super::suggest::closest;
use super::types::{Ty, ValueKind};

impl Checker<'_> {
    pub(crate) fn check_association(
        &mut self,
        mapping: &Mapping,
        through: &ast::Ident,
        sync: &SyncDef,
        left: &BoundObject,
        right: &BoundObject,
        default_conflict: Option<&super::checked::ConflictPolicy>,
    ) -> Option<CheckedMapping> {
        let name = sync.name.name.as_str();
        let linked = self.sync_defs.get(&through.name).copied()?;
        // The objects the `through` sync links, by system.
        let linked_objects = [&linked.left, &linked.right]
            .into_iter()
            .filter_map(|object| {
                let system = self.system_of(&object.connection.name)?;
                Some((system, object.object.name.clone()))
            })
            .collect::<Vec<_>>();
        let linked_object = |system: System| {
            linked_objects
                .iter()
                .find(|(linked_system, _)| *linked_system == system)
                .map(|(_, object)| object.clone())
        };
        let scope = PathScope::Sync { name, left, right };
        let left_path = mapping.left.as_field();
        let right_path = mapping.right.as_field();
        let (Some(left_path), Some(right_path)) = (left_path, right_path) else {
            return None;
        };
        let mut ends = Vec::new();
        for path in [left_path, right_path] {
            let end = self.link_end(path, scope, left, right, through, &linked_object)?;
            ends.push(end);
        }
        let [left_end, right_end]: [FieldRef; 2] = ends.try_into().ok()?;

        let mut flows = Vec::new();
        let directions: &[bool] = match mapping.direction {
            Direction::LeftToRight => &[false],
            Direction::RightToLeft => &[true],
            Direction::Both => &[false, true],
        };
        for &backward in directions {
            // Left to right reads the left end and writes the right one; backward the reverse.
            let (source, target) = if backward {
                (right_end.clone(), left_end.clone())
            } else {
                (left_end.clone(), right_end.clone())
            };
            if target.field.native_type.as_deref() != Some("association") {
                self.check_writable(&target, true);
            }
            self.register_writer(&target, Some(name));
            let to = target.side.unwrap_or(Side::Right);
            flows.push(Flow {
                from: to.other(),
                to,
                value: TypedExpr {
                    ty: Ty::of(ValueKind::Id),
                    span: source.span,
                    kind: TypedExprKind::Field(Box::new(source)),
                },
                target,
                value_map: None,
                default: None,
                truncate: None,
            });
        }
        let written_conflict = mapping
            .conflict_rule()
            .and_then(|rule| self.conflict_policy(rule, left, right, true));
        let conflict = match mapping.conflict_rule() {
            Some(_) => written_conflict.clone(),
            None => default_conflict.cloned(),
        };
        if mapping.direction == Direction::Both && conflict.is_none() {
            self.report(
                mapping.span,
                CheckError::MissingConflictRule {
                    left: left_path.display(),
                    right: right_path.display(),
                    left_side: left.connection.clone(),
                    right_side: right.connection.clone(),
                    sync: name.to_string(),
                    span: mapping.span.into(),
                },
            );
        }
        Some(CheckedMapping {
            direction: mapping.direction,
            left: Some(left_end),
            right: Some(right_end),
            flows,
            conflict: if mapping.direction == Direction::Both {
                conflict
            } else {
                None
            },
            written_conflict,
            keep_when_blank: mapping.keeps_when_blank(),
            through: Some(through.name.clone()),
            span: mapping.span,
        })
    }

    /// One end of a link: a HubSpot association or a Salesforce reference field, which must
    /// point at the object the `through` sync links on that system.
    fn link_end(
        &mut self,
        path: &FieldPath,
        scope: PathScope<'_>,
        left: &BoundObject,
        right: &BoundObject,
        through: &ast::Ident,
        linked_object: &dyn Fn(System) -> Option<String>,
    ) -> Option<FieldRef> {
        let connection = path.connection.name.as_str();
        let system = self.system_of(connection)?;
        let (side, base) = if connection == left.connection {
            (Side::Left, left)
        } else if connection == right.connection {
            (Side::Right, right)
        } else {
            // `resolve_path` reports the stray connection.
            return self.resolve_path(path, scope);
        };
        let expected = linked_object(system)?;
        let bad = |reason: String, help: Option<String>| CheckError::BadAssociation {
            through: through.name.clone(),
            left: left.schema.name.clone(),
            right: right.schema.name.clone(),
            reason,
            help,
            span: path.span.into(),
        };
        if system == System::Hubspot {
            let [segment] = path.segments.as_slice() else {
                self.report(
                    path.span,
                    bad(
                        "name the association as one word".to_string(),
                        Some(format!(
                            "`through {}` links {expected} records: write `{connection}.{expected}(associated)`",
                            through.name
                        )),
                    ),
                );
                return None;
            };
            if let Some(selector) = &segment.selector
                && selector.name != "associated"
            {
                self.report(
                    selector.span,
                    CheckError::UnknownSelector {
                        selector: selector.name.clone(),
                        span: selector.span.into(),
                        help: Some(format!(
                            "`through {}` links the associated records: write `{connection}.{}(associated)`",
                            through.name, segment.name.name
                        )),
                    },
                );
                return None;
            }
            let written = segment.name.name.as_str();
            let association = base
                .schema
                .associations
                .iter()
                .find(|a| a.to_object == written || singular(&a.to_object) == written);
            let Some(association) = association else {
                let known: Vec<String> = base
                    .schema
                    .associations
                    .iter()
                    .map(|a| format!("`{}`", a.to_object))
                    .collect();
                let suggestion = closest(
                    written,
                    base.schema
                        .associations
                        .iter()
                        .map(|a| a.to_object.as_str()),
                );
                let help = match &suggestion {
                    Some(object) => format!(
                        "did you mean `{connection}.{object}(associated)`? {} records can be associated with {}",
                        base.schema.name,
                        known.join(", ")
                    ),
                    None if known.is_empty() => format!(
                        "{} records cannot be associated with anything",
                        base.schema.name
                    ),
                    None => format!(
                        "{} records can be associated with {}",
                        base.schema.name,
                        known.join(", ")
                    ),
                };
                self.report(
                    path.span,
                    bad(
                        format!("`{written}` is not an association of {}", base.schema.name),
                        Some(help),
                    ),
                );
                return None;
            };
            if association.to_object != expected {
                let can_link = base
                    .schema
                    .associations
                    .iter()
                    .any(|a| a.to_object == expected);
                let help = if can_link {
                    format!("write `{connection}.{expected}(associated)`")
                } else {
                    format!(
                        "{} records cannot be associated with {expected}; link them through a sync of {} records instead",
                        base.schema.name, association.to_object
                    )
                };
                self.report(
                    path.span,
                    bad(
                        format!(
                            "this links {} records, but `{}` links {}",
                            association.to_object, through.name, expected
                        ),
                        Some(help),
                    ),
                );
                return None;
            }
            let mut field = FieldSchema::new(
                &association.to_object,
                &association.to_object,
                FieldType::Reference,
            );
            field.native_type = Some("association".to_string());
            field.reference_to = vec![association.to_object.clone()];
            return Some(FieldRef {
                connection: connection.to_string(),
                system,
                side: Some(side),
                base_object: base.schema.name.clone(),
                selector: RecordSelector::This,
                hops: Vec::new(),
                object: base.schema.name.clone(),
                field: std::sync::Arc::new(field),
                span: path.span,
            });
        }
        let field = self.resolve_path(path, scope)?;
        // The Salesforce field that does hold a reference to the linked object.
        let reference_help = || {
            base.schema
                .fields
                .values()
                .find(|f| f.reference_to.contains(&expected) && f.writable_on_update())
                .map(|f| format!("the reference to {expected} is `{}`", f.name))
                .unwrap_or_else(|| {
                    format!(
                        "{} has no writable reference to {expected}, so its records cannot be \
                         linked this way: remove this mapping, or sync a field of {expected} as \
                         plain text instead",
                        base.schema.name
                    )
                })
        };
        if field.field.field_type != FieldType::Reference {
            self.report(
                path.span,
                bad(
                    format!(
                        "`{}` is {}, not a reference to {expected}",
                        field.field.name, field.field.field_type
                    ),
                    Some(reference_help()),
                ),
            );
            return None;
        }
        if !field.field.reference_to.contains(&expected) {
            self.report(
                path.span,
                bad(
                    format!(
                        "`{}` references {}, but `{}` links {expected}",
                        field.field.name,
                        field.field.reference_to.join(", "),
                        through.name
                    ),
                    Some(reference_help()),
                ),
            );
            return None;
        }
        Some(field)
    }
}

/// `companies` -> `company`, `deals` -> `deal`.
fn singular(plural: &str) -> String {
    if let Some(stem) = plural.strip_suffix("ies") {
        format!("{stem}y")
    } else if let Some(stem) = plural.strip_suffix('s') {
        stem.to_string()
    } else {
        plural.to_string()
    }
}
