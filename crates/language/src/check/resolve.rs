//! Resolving field paths (`hs.email`, `sf.Account.Name`, `hs.contacts(associated).x`) to
//! fields of the snapshots, in the context where they appear.

use tandem_ground::schema::{FieldSchema, FieldType, ObjectSchema, System};
use tandem_syntax::ast::{FieldPath, PathSegment};

use super::checked::{BoundObject, FieldRef, RecordSelector, RelationshipHop, Side};
use super::context::{Checker, pull_help};
use super::errors::{CheckError, did_you_mean};
use super::suggest::closest;

/// Where a path is written, which decides what its segments mean.
#[derive(Clone, Copy)]
pub(crate) enum PathScope<'s> {
    /// Inside a sync: `hs.email` is a field of the sync's object on the `hs` side.
    Sync {
        name: &'s str,
        left: &'s BoundObject,
        right: &'s BoundObject,
    },
    /// Inside a trigger: paths on the watched connection start at the watched record; paths
    /// on another connection name an object first (`hs.contacts(associated).lifecyclestage`).
    Trigger { watched: &'s BoundObject },
    /// `connection.Object.field`: map headers and a trigger's watched field.
    Qualified,
}

const ASSOCIATED: &str = "associated";

const ONLY_SELECTOR_HELP: &str =
    "the only selector is `(associated)`: the records associated with the watched record";

impl<'a> Checker<'a> {
    /// Resolves a path, reporting what is wrong with it. `None` after a diagnostic (or when
    /// an earlier problem, such as an undefined connection, was reported elsewhere).
    pub(crate) fn resolve_path(
        &mut self,
        path: &FieldPath,
        scope: PathScope<'_>,
    ) -> Option<FieldRef> {
        let connection = path.connection.name.as_str();
        let system = self.system_of(connection)?;
        match scope {
            PathScope::Sync { name, left, right } => {
                let (side, base) = if connection == left.connection {
                    (Side::Left, left)
                } else if connection == right.connection {
                    (Side::Right, right)
                } else {
                    self.report(
                        path.connection.span,
                        CheckError::ConnectionNotInSync {
                            connection: connection.to_string(),
                            sync: name.to_string(),
                            left: left.connection.clone(),
                            right: right.connection.clone(),
                            span: path.connection.span.into(),
                        },
                    );
                    return None;
                };
                self.reject_selectors_in_sync(&path.segments, path, &base.schema)?;
                let mut field =
                    self.walk(system, connection, &base.schema, &path.segments, path)?;
                field.side = Some(side);
                self.reject_related_in_sync(&field, path);
                Some(field)
            }
            PathScope::Trigger { watched } if connection == watched.connection => {
                // `sf.Opportunity.Amount` and `sf.Amount` both mean the watched record's field.
                let segments = match path.segments.split_first() {
                    Some((first, rest))
                        if !rest.is_empty()
                            && names_object(&watched.schema, &first.name.name)
                            && watched.schema.field(&first.name.name).is_none() =>
                    {
                        rest
                    }
                    _ => &path.segments[..],
                };
                self.reject_selectors(segments)?;
                self.walk(system, connection, &watched.schema, segments, path)
            }
            PathScope::Trigger { .. } | PathScope::Qualified => {
                let (first, rest) = path.segments.split_first()?;
                let selector = match &first.selector {
                    None => RecordSelector::This,
                    Some(selector) if selector.name == ASSOCIATED => RecordSelector::Associated,
                    Some(selector) => {
                        self.report(
                            selector.span,
                            CheckError::UnknownSelector {
                                selector: selector.name.clone(),
                                span: selector.span.into(),
                                help: Some(ONLY_SELECTOR_HELP.to_string()),
                            },
                        );
                        return None;
                    }
                };
                let object = self.lookup_object(system, &first.name)?;
                if rest.is_empty() {
                    // `sf.Opportunity` alone names an object, not a field.
                    let suggestion = object.fields.keys().next().cloned();
                    self.report(
                        first.span,
                        CheckError::UnknownField {
                            system: system.display_name(),
                            object: object.name.clone(),
                            field: String::new(),
                            help: Some(format!(
                                "name a field after the object: `{}.{}.{}`",
                                connection,
                                object.name,
                                suggestion.as_deref().unwrap_or("Field")
                            )),
                            suggestion,
                            span: path.span.into(),
                        },
                    );
                    return None;
                }
                self.reject_selectors(rest)?;
                let mut field = self.walk(system, connection, object, rest, path)?;
                field.selector = selector;
                Some(field)
            }
        }
    }

    /// A sync reads and writes the fields of its two objects only: a path through a
    /// relationship (`sf.Account.Name` in a Contact sync) resolves, and keeps its type for the
    /// other rules, but is reported, since compile cannot read it. Triggers may follow
    /// relationships.
    fn reject_related_in_sync(&mut self, field: &FieldRef, path: &FieldPath) {
        if field.hops.is_empty() {
            return;
        }
        let related = &field.object;
        self.report(
            path.span,
            CheckError::RelatedPath {
                path: path.display(),
                object: related.clone(),
                help: Some(format!(
                    "read a field of {base} itself; to sync {related} data, give {related} records a sync of their own, linked to this one with a `through` mapping (an association)",
                    base = field.base_object,
                )),
                span: path.span.into(),
            },
        );
    }

    fn reject_selectors(&mut self, segments: &[PathSegment]) -> Option<()> {
        for segment in segments {
            if let Some(selector) = &segment.selector {
                self.report(
                    selector.span,
                    CheckError::UnknownSelector {
                        selector: selector.name.clone(),
                        span: selector.span.into(),
                        help: Some(ONLY_SELECTOR_HELP.to_string()),
                    },
                );
                return None;
            }
        }
        Some(())
    }

    /// Inside a sync, `hs.companies(associated)` is an association, which only a `through`
    /// mapping can carry (`through.rs` resolves those before paths get here); said as that,
    /// not as an unknown selector.
    fn reject_selectors_in_sync(
        &mut self,
        segments: &[PathSegment],
        path: &FieldPath,
        base: &ObjectSchema,
    ) -> Option<()> {
        let Some((segment, selector)) = segments
            .iter()
            .find_map(|segment| Some((segment, segment.selector.as_ref()?)))
        else {
            return Some(());
        };
        if selector.name != ASSOCIATED {
            return self.reject_selectors(segments);
        }
        let object = segment.name.name.clone();
        let linking_sync = self
            .sync_defs
            .values()
            .find(|sync| {
                [&sync.left, &sync.right]
                    .iter()
                    .any(|side| side.object.name == object)
            })
            .map(|sync| sync.name.name.clone());
        let help = match (&linking_sync, base.association_to(&object)) {
            (Some(sync), _) => format!(
                "add `through {sync}` to link the records `{sync}` pairs: `{} <-> <reference field> through {sync}`",
                path.display()
            ),
            (None, Some(_)) => format!(
                "links between records go through a sync of the linked records: add a sync of {object}, then `through <that sync>` to this mapping"
            ),
            (None, None) => format!(
                "{} records cannot be associated with {object}; map a field instead",
                base.name
            ),
        };
        self.report(
            path.span,
            CheckError::AssociationWithoutThrough {
                path: path.display(),
                object,
                span: path.span.into(),
                help: Some(help),
            },
        );
        None
    }

    /// Follows relationship segments from `base`, then resolves the last segment as a field.
    fn walk(
        &mut self,
        system: System,
        connection: &str,
        base: &ObjectSchema,
        segments: &[PathSegment],
        path: &FieldPath,
    ) -> Option<FieldRef> {
        let (last, hops_written) = segments.split_last()?;
        let mut object: &ObjectSchema = base;
        let mut hops = Vec::new();
        let schemas: &'a tandem_ground::schema::Schemas = self.schemas;
        let snapshot_objects = schemas.get(system).map(|s| &s.objects);
        for segment in hops_written {
            let name = &segment.name.name;
            let reference = object.fields.values().find(|field| {
                field.field_type == FieldType::Reference
                    && field.relationship_name.as_deref() == Some(name.as_str())
            });
            let Some(reference) = reference else {
                let help = match object.field(name) {
                    Some(field) if field.field_type == FieldType::Reference => {
                        field.relationship_name.as_ref().map(|relationship| {
                            format!("`{name}` holds an id; follow the relationship `{relationship}` instead")
                        })
                    }
                    _ if system == System::Hubspot => Some(
                        "HubSpot properties cannot be followed; read the associated object in its own sync"
                            .to_string(),
                    ),
                    _ => None,
                };
                let candidates: Vec<&str> = object
                    .fields
                    .values()
                    .filter_map(|field| field.relationship_name.as_deref())
                    .collect();
                let suggestion = closest(name, candidates.iter().copied());
                // Without a close name, the relationships there are to follow.
                let listed = || {
                    const SHOWN: usize = 8;
                    let mut names: Vec<&str> = candidates.clone();
                    names.sort_unstable();
                    names.dedup();
                    if names.is_empty() {
                        return Some(format!("{} has no relationships to follow", object.name));
                    }
                    let mut text = format!(
                        "relationships of {}: {}",
                        object.name,
                        names
                            .iter()
                            .take(SHOWN)
                            .map(|name| format!("`{name}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                    if names.len() > SHOWN {
                        text.push_str(&format!(" (and {} more)", names.len() - SHOWN));
                    }
                    Some(text)
                };
                self.report(
                    segment.name.span,
                    CheckError::UnknownField {
                        system: system.display_name(),
                        object: object.name.clone(),
                        field: name.clone(),
                        help: help.or_else(|| did_you_mean(&suggestion)).or_else(listed),
                        suggestion,
                        span: segment.name.span.into(),
                    },
                );
                return None;
            };
            // Polymorphic owners (`Group`, `User`) read as users.
            let target = reference
                .reference_to
                .iter()
                .find(|target| target.as_str() == "User")
                .or_else(|| reference.reference_to.first());
            let Some(target) = target else {
                // A hand-edited or partial snapshot: a relationship that leads nowhere. Said
                // here, so no expression is left untyped without a diagnostic.
                self.report(
                    segment.name.span,
                    CheckError::UnknownField {
                        system: system.display_name(),
                        object: object.name.clone(),
                        field: name.clone(),
                        suggestion: None,
                        help: Some(format!(
                            "the snapshot lists no object that `{}` refers to, so `{name}` leads nowhere; {}",
                            reference.name,
                            pull_help(system, "reference")
                        )),
                        span: segment.name.span.into(),
                    },
                );
                return None;
            };
            let next = snapshot_objects.and_then(|objects| objects.get(target));
            let Some(next) = next else {
                self.report(
                    segment.name.span,
                    CheckError::UnknownObject {
                        system: system.display_name(),
                        object: target.clone(),
                        suggestion: None,
                        help: Some(format!(
                            "`{name}` leads to `{target}`, which is not in the schema snapshot; pull it with `tandem schema pull`"
                        )),
                        span: segment.name.span.into(),
                    },
                );
                return None;
            };
            hops.push(RelationshipHop {
                reference_field: reference.name.clone(),
                relationship: name.clone(),
                object: next.name.clone(),
            });
            object = next;
        }
        let field = self.lookup_field(system, object, &last.name)?;
        let field = self.shared_field(system, &object.name, field);
        Some(FieldRef {
            connection: connection.to_string(),
            system,
            side: None,
            base_object: base.name.clone(),
            selector: RecordSelector::This,
            hops,
            object: object.name.clone(),
            field,
            span: path.span,
        })
    }

    /// A field of `object`, or an `unknown_field` diagnostic with the closest name.
    pub(crate) fn lookup_field<'o>(
        &mut self,
        system: System,
        object: &'o ObjectSchema,
        name: &tandem_syntax::ast::Ident,
    ) -> Option<&'o FieldSchema> {
        if let Some(field) = object.field(&name.name) {
            return Some(field);
        }
        let suggestion = closest(&name.name, object.fields.keys().map(String::as_str));
        let help = did_you_mean(&suggestion).or_else(|| {
            Some(match system {
                System::Hubspot => "HubSpot properties are written by internal name (lowercase, e.g. `firstname`), not by label".to_string(),
                System::Salesforce => format!(
                    "Salesforce fields are written by API name (custom ones end in `__c`); {}",
                    pull_help(system, "field")
                ),
            })
        });
        self.report(
            name.span,
            CheckError::UnknownField {
                system: system.display_name(),
                object: object.name.clone(),
                field: name.name.clone(),
                suggestion,
                help,
                span: name.span.into(),
            },
        );
        None
    }
}

/// Whether `written` names `object`: by its API name, or (HubSpot) by its object type id.
pub(crate) fn names_object(object: &ObjectSchema, written: &str) -> bool {
    object.name == written || object.object_type_id.as_deref() == Some(written)
}
