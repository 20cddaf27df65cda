//! Checking one sync: its objects, settings, match keys (rule 8), scope filters (rule 10),
//! mappings (see `mapping.rs`) and required fields on create (rule 4).

use std::collections::BTreeMap;

use tandem_ground::diagnostics::Span;
use tandem_ground::schema::{FieldType, ObjectSchema, System};
use tandem_syntax::ast::{self, DeleteAction, SyncDef, SyncItem};

use super::checked::{
    BoundObject, CheckedSync, ConflictPolicy, ConflictRule, MatchKey, Side, TypedExpr,
};
use super::context::{Checker, SyncCreates};
use super::errors::{CheckError, WrittenElsewhere};
use super::pipelines::{PipelineScope, default_pipeline, pipelines_written_by_sync};
use super::resolve::{PathScope, names_object};
use super::types::{ValueKind, comparable};

impl Checker<'_> {
    pub(crate) fn check_syncs(&mut self) {
        let spec = self.spec;
        for sync in spec.syncs() {
            if let Some(checked) = self.check_sync(sync) {
                self.out.syncs.push(checked);
            }
        }
    }

    fn check_sync(&mut self, sync: &SyncDef) -> Option<CheckedSync> {
        let left = self.bind_object(&sync.left.connection, &sync.left.object);
        let right = self.bind_object(&sync.right.connection, &sync.right.object);
        let (left, right) = (left?, right?);
        let name = sync.name.name.as_str();
        let scope = PathScope::Sync {
            name,
            left: &left,
            right: &right,
        };

        let mut create_on: Vec<(Side, Span)> = Vec::new();
        let mut default_conflict = None;
        let mut on_delete = DeleteAction::Ignore;
        let mut limits = BTreeMap::new();
        for item in &sync.body {
            match item {
                SyncItem::Create(policy) => {
                    for ident in &policy.sides {
                        let Some(side) = side_of(ident, &left, &right) else {
                            continue;
                        };
                        let object = if side == Side::Left { &left } else { &right };
                        if !object.schema.createable {
                            self.report(
                                ident.span,
                                CheckError::ObjectNotCreateable {
                                    system: object.system.display_name(),
                                    object: object.schema.name.clone(),
                                    connection: ident.name.clone(),
                                    span: ident.span.into(),
                                },
                            );
                        }
                        if !create_on.iter().any(|(known, _)| *known == side) {
                            create_on.push((side, ident.span));
                        }
                    }
                }
                SyncItem::Conflict(setting) => {
                    default_conflict = self.conflict_policy(&setting.rule, &left, &right, false);
                }
                SyncItem::Delete(policy) => on_delete = policy.action,
                SyncItem::Limits(written) => {
                    for limit in &written.limits {
                        limits.insert(limit.kind, limit.max);
                    }
                }
                SyncItem::Match(_) | SyncItem::Scope(_) | SyncItem::Mapping(_) => {}
            }
        }

        let match_keys: Vec<MatchKey> = sync
            .match_rules()
            .map(|rule| self.match_key(rule, scope))
            .collect();
        let filters: Vec<TypedExpr> = sync
            .scope_filters()
            .map(|filter| {
                let condition = self.expr(&filter.condition, scope);
                self.expect_condition(&condition, "an `only` filter");
                condition
            })
            .collect();
        self.pipeline_scope = pipeline_scope(sync, &left, &right, &create_on);
        self.sync_creates = Some(SyncCreates {
            sync: name.to_string(),
            sides: create_on.iter().map(|(side, _)| *side).collect(),
        });
        let mappings: Vec<_> = sync
            .mappings()
            .filter_map(|mapping| {
                self.check_mapping(mapping, sync, &left, &right, default_conflict.as_ref())
            })
            .collect();
        self.pipeline_scope = None;
        self.sync_creates = None;

        // Rule 4: every field required on create is written when this sync creates records.
        for (side, span) in &create_on {
            let object = if *side == Side::Left { &left } else { &right };
            for field in object.schema.fields.values() {
                if !field.required_on_create {
                    continue;
                }
                let written = mappings.iter().any(|mapping| {
                    mapping
                        .flows
                        .iter()
                        .any(|flow| flow.to == *side && flow.target.field.name == field.name)
                });
                if written {
                    continue;
                }
                let other = if *side == Side::Left { &right } else { &left };
                let other_way = mappings.iter().find_map(|mapping| {
                    let (here, there) = match side {
                        Side::Left => (&mapping.left, &mapping.right),
                        Side::Right => (&mapping.right, &mapping.left),
                    };
                    let here = here.as_ref()?;
                    (here.field.name == field.name && here.hops.is_empty()).then(|| match there {
                        Some(there) => format!("{} -> {}", here.display(), there.display()),
                        None => here.display(),
                    })
                });
                let written_elsewhere = match other_way {
                    Some(mapping) => WrittenElsewhere::OtherWay { mapping },
                    None if self.trigger_writes(object.system, &object.schema, &field.name) => {
                        WrittenElsewhere::Trigger
                    }
                    None => WrittenElsewhere::Nothing,
                };
                self.report(
                    *span,
                    CheckError::RequiredFieldUnmapped {
                        system: object.system.display_name(),
                        object: object.schema.name.clone(),
                        field: field.name.clone(),
                        connection: object.connection.clone(),
                        written_elsewhere,
                        help: Some(format!(
                            "map a field into it (`{}.<field> -> {}.{}`), with `default \"...\"` for records where it is blank",
                            other.connection, object.connection, field.name
                        )),
                        span: (*span).into(),
                    },
                );
            }
        }

        Some(CheckedSync {
            name: name.to_string(),
            left,
            right,
            direction: sync.direction,
            match_keys,
            scope: filters,
            create_on: create_on.into_iter().map(|(side, _)| side).collect(),
            default_conflict,
            on_delete,
            limits,
            mappings,
            span: sync.span,
        })
    }

    pub(crate) fn conflict_policy(
        &mut self,
        rule: &ast::ConflictRule,
        left: &BoundObject,
        right: &BoundObject,
        explicit: bool,
    ) -> Option<ConflictPolicy> {
        let rule_kind = match &rule.kind {
            ast::ConflictRuleKind::Prefer { side, unless_blank } => ConflictRule::Prefer {
                side: side_of(side, left, right)?,
                unless_blank: *unless_blank,
            },
            ast::ConflictRuleKind::Newest => ConflictRule::Newest,
            ast::ConflictRuleKind::Review => ConflictRule::Review,
        };
        Some(ConflictPolicy {
            rule: rule_kind,
            explicit,
            span: rule.span,
        })
    }

    /// Reports a condition that is not a true/false value.
    pub(crate) fn expect_condition(&mut self, condition: &TypedExpr, context: &'static str) {
        if condition.ty.kind != ValueKind::Bool && !condition.ty.is_unknown() {
            self.report(
                condition.span,
                CheckError::FilterNotBoolean {
                    context,
                    found: condition.ty.kind.describe().to_string(),
                    span: condition.span.into(),
                },
            );
        }
    }

    /// Rule 8: both sides typed and comparable; a Salesforce key should be indexed and unique.
    fn match_key(&mut self, rule: &ast::MatchRule, scope: PathScope<'_>) -> MatchKey {
        let left = self.expr(&rule.left, scope);
        let right = self.expr(&rule.right, scope);
        if !comparable(left.ty, right.ty) {
            self.report(
                rule.span,
                CheckError::MatchKeyTypeMismatch {
                    left_type: left.ty.kind.describe().to_string(),
                    right_type: right.ty.kind.describe().to_string(),
                    left_span: left.span.into(),
                    right_span: right.span.into(),
                },
            );
        }
        for side in [&left, &right] {
            let fields = side.fields();
            let [field] = fields.as_slice() else {
                continue;
            };
            let schema = &field.field;
            let indexed = schema.unique
                || schema.external_id
                || schema.id_lookup
                || schema.field_type == FieldType::Id;
            if field.system != System::Salesforce || !field.is_direct() || indexed {
                continue;
            }
            let example = self
                .schemas
                .object(field.system, &field.object)
                .and_then(|object| object.fields.values().find(|f| f.external_id))
                .map(|f| format!("`{}`", f.name))
                .unwrap_or_else(|| "a custom external id field".to_string());
            self.report(
                field.span,
                CheckError::MatchKeyNotUnique {
                    field: field.display(),
                    object: field.object.clone(),
                    example,
                    span: field.span.into(),
                },
            );
        }
        let is_id = |expr: &TypedExpr| {
            expr.as_field().is_some_and(|field| {
                matches!(field.field.field_type, FieldType::Id | FieldType::Reference)
                    || field.field.external_id
            })
        };
        let id_link = is_id(&left) || is_id(&right);
        MatchKey {
            left,
            right,
            id_link,
            span: rule.span,
        }
    }
}

impl Checker<'_> {
    /// Whether a triggered action sets `field` of `object` records (`create sf.Lead { LastName
    /// = ... }`, `set sf.Lead(associated).LastName = ...`), read from the spec as written:
    /// triggers are checked after syncs.
    fn trigger_writes(&self, system: System, object: &ObjectSchema, field: &str) -> bool {
        let on_system = |connection: &ast::Ident| self.system_of(&connection.name) == Some(system);
        self.spec.triggers().any(|trigger| {
            trigger.actions.iter().any(|action| match &action.kind {
                ast::ActionKind::Create { object: created, fields } => {
                    on_system(&created.connection)
                        && names_object(object, &created.object.name)
                        && fields.iter().any(|assignment| assignment.field.name == field)
                }
                ast::ActionKind::Set { target, .. } => {
                    on_system(&target.connection)
                        && matches!(target.segments.as_slice(),
                            [first, last] if names_object(object, &first.name.name) && last.name.name == field)
                }
                ast::ActionKind::Notify { .. } => false,
            })
        })
    }
}

/// The pipelines a sync's HubSpot records are in, when the spec fixes them: the pipeline it
/// writes as a literal, or (a sync that creates HubSpot records without writing one) the
/// default pipeline HubSpot puts new records in.
fn pipeline_scope(
    sync: &SyncDef,
    left: &BoundObject,
    right: &BoundObject,
    create_on: &[(Side, Span)],
) -> Option<PipelineScope> {
    let (side, hubspot) = if left.system == System::Hubspot {
        (Side::Left, left)
    } else if right.system == System::Hubspot {
        (Side::Right, right)
    } else {
        return None;
    };
    if hubspot.schema.pipelines.is_empty() {
        return None;
    }
    let name = &sync.name.name;
    if let Some(pipelines) = pipelines_written_by_sync(sync, &hubspot.connection) {
        return Some(PipelineScope {
            object: hubspot.schema.name.clone(),
            pipelines,
            writer: format!("sync `{name}`"),
            defaulted: false,
        });
    }
    if !create_on.iter().any(|(created, _)| *created == side) {
        return None;
    }
    let default = default_pipeline(&hubspot.schema)?;
    Some(PipelineScope {
        object: hubspot.schema.name.clone(),
        pipelines: vec![default.id.clone()],
        writer: format!("sync `{name}`"),
        defaulted: true,
    })
}

/// Which side of the sync a connection name is. `create in` and `prefer` naming another
/// connection are reported by `names`, so this is silent.
fn side_of(ident: &ast::Ident, left: &BoundObject, right: &BoundObject) -> Option<Side> {
    if ident.name == left.connection {
        Some(Side::Left)
    } else if ident.name == right.connection {
        Some(Side::Right)
    } else {
        None
    }
}
