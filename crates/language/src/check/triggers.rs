//! Triggered actions (rule 10): the watched field and event, the condition, and each
//! action's targets, values and required fields.

use tandem_ground::schema::FieldType;
use tandem_syntax::ast::{ActionKind, TemplatePart, Trigger, TriggerEventKind, ValueMapRef};

use super::checked::{
    CheckedAction, CheckedTrigger, FieldRef, RecordSelector, ResolvedValueMap, TemplatePiece,
    TriggerEvent, TypedExprKind,
};
use super::constants::computed_max_length;
use super::context::Checker;
use super::errors::{CheckError, WrittenElsewhere};
use super::fixed_values::{WriteCut, rendered_max_length};
use super::maps::{flatten, inline_map_values, written_map_values};
use super::pipelines::{
    PipelineScope, default_pipeline, is_pipeline_field, pipelines_written_by_create,
};
use super::resolve::PathScope;
use super::types::Ty;

impl Checker<'_> {
    pub(crate) fn check_triggers(&mut self) {
        let spec = self.spec;
        for trigger in spec.triggers() {
            if let Some(checked) = self.check_trigger(trigger) {
                self.out.triggers.push(checked);
            }
        }
    }

    fn check_trigger(&mut self, trigger: &Trigger) -> Option<CheckedTrigger> {
        let field = self.resolve_path(&trigger.field, PathScope::Qualified)?;
        let object_ident = &trigger.field.segments.first()?.name;
        let watched = self.bind_object(&trigger.field.connection, object_ident)?;
        let scope = PathScope::Trigger { watched: &watched };

        let event = match &trigger.event.kind {
            TriggerEventKind::Changes => TriggerEvent::Changes,
            TriggerEventKind::Becomes(value) => {
                let value = self.expr(value, scope);
                let watched_value = super::checked::TypedExpr {
                    ty: Ty::of_field(&field.field),
                    span: trigger.field.span,
                    kind: TypedExprKind::Field(Box::new(field.clone())),
                };
                self.compare(&watched_value, &value, "`becomes`");
                TriggerEvent::Becomes(value)
            }
        };
        let condition = trigger.condition.as_ref().map(|condition| {
            let typed = self.expr(condition, scope);
            self.expect_condition(&typed, "a trigger's `when` condition");
            typed
        });

        let mut actions = Vec::new();
        for action in &trigger.actions {
            match &action.kind {
                ActionKind::Set { target, value, via } => {
                    let Some(target) = self.resolve_path(target, scope) else {
                        self.expr(value, scope);
                        continue;
                    };
                    let value = self.expr(value, scope);
                    let value_map = match via {
                        None => {
                            self.check_written_value(&target, &value, true);
                            None
                        }
                        Some(via) => {
                            self.check_writable(&target, true);
                            let map = self.set_via(via, &value, &target);
                            if let Some(map) = &map {
                                self.check_set_map_values(via, map, &target);
                            }
                            map
                        }
                    };
                    self.register_writer(&target, None);
                    actions.push(CheckedAction::Set {
                        target: Box::new(target),
                        value,
                        value_map,
                        span: action.span,
                    });
                }
                ActionKind::Create { object, fields } => {
                    let Some(bound) = self.bind_object(&object.connection, &object.object) else {
                        for assignment in fields {
                            self.expr(&assignment.value, scope);
                        }
                        continue;
                    };
                    if !bound.schema.createable {
                        self.report(
                            object.span,
                            CheckError::ObjectNotCreateable {
                                system: bound.system.display_name(),
                                object: bound.schema.name.clone(),
                                connection: bound.connection.clone(),
                                span: object.span.into(),
                            },
                        );
                    }
                    // A HubSpot record created in a pipeline takes only that pipeline's stages.
                    self.pipeline_scope = (bound.system == tandem_ground::schema::System::Hubspot
                        && !bound.schema.pipelines.is_empty())
                    .then(|| {
                        let pipelines = pipelines_written_by_create(fields).or_else(|| {
                            default_pipeline(&bound.schema)
                                .map(|pipeline| vec![pipeline.id.clone()])
                        })?;
                        Some(PipelineScope {
                            object: bound.schema.name.clone(),
                            pipelines,
                            writer: "this `create`".to_string(),
                            defaulted: !fields
                                .iter()
                                .any(|assignment| is_pipeline_field(&assignment.field.name)),
                        })
                    })
                    .flatten();
                    let mut checked_fields = Vec::new();
                    for assignment in fields {
                        let value = self.expr(&assignment.value, scope);
                        let Some(schema) =
                            self.lookup_field(bound.system, &bound.schema, &assignment.field)
                        else {
                            continue;
                        };
                        let schema = self.shared_field(bound.system, &bound.schema.name, schema);
                        let target = FieldRef {
                            connection: bound.connection.clone(),
                            system: bound.system,
                            side: None,
                            base_object: bound.schema.name.clone(),
                            selector: RecordSelector::This,
                            hops: Vec::new(),
                            object: bound.schema.name.clone(),
                            field: schema,
                            span: assignment.field.span,
                        };
                        self.check_written_value(&target, &value, false);
                        checked_fields.push((target, value));
                    }
                    self.pipeline_scope = None;
                    for required in bound
                        .schema
                        .fields
                        .values()
                        .filter(|f| f.required_on_create)
                    {
                        let assigned = checked_fields
                            .iter()
                            .any(|(target, _)| target.field.name == required.name);
                        if !assigned {
                            self.report(
                                object.span,
                                CheckError::RequiredFieldUnmapped {
                                    system: bound.system.display_name(),
                                    object: bound.schema.name.clone(),
                                    field: required.name.clone(),
                                    connection: bound.connection.clone(),
                                    written_elsewhere: WrittenElsewhere::Nothing,
                                    help: Some(format!(
                                        "add `{} = ...` to this `create`",
                                        required.name
                                    )),
                                    span: object.span.into(),
                                },
                            );
                        }
                    }
                    actions.push(CheckedAction::Create {
                        object: Box::new(bound),
                        fields: checked_fields,
                        span: action.span,
                    });
                }
                ActionKind::Notify {
                    channel,
                    target,
                    message,
                } => {
                    let pieces = message
                        .parts
                        .iter()
                        .map(|part| match part {
                            TemplatePart::Text(text) => TemplatePiece::Text(text.clone()),
                            TemplatePart::Hole(expr) => TemplatePiece::Hole(self.expr(expr, scope)),
                        })
                        .collect();
                    actions.push(CheckedAction::Notify {
                        channel: channel.name.clone(),
                        target: target.value.clone(),
                        message: pieces,
                        span: action.span,
                    });
                }
            }
        }
        Some(CheckedTrigger {
            field,
            event,
            condition,
            actions,
            span: trigger.span,
        })
    }

    /// `set ... = value via map`: the map's values against the target, and coverage of the
    /// value's picklist.
    fn set_via(
        &mut self,
        via: &tandem_syntax::ast::ValueMapRef,
        value: &super::checked::TypedExpr,
        target: &FieldRef,
    ) -> Option<super::checked::ResolvedValueMap> {
        let source = value.as_field().cloned();
        let map = match via {
            tandem_syntax::ast::ValueMapRef::Named(name) => {
                self.resolve_named_map(name, source.as_ref(), target, false, false)?
            }
            tandem_syntax::ast::ValueMapRef::Inline(body) => {
                let flat = super::maps::flatten(body);
                if let Some(source) = &source {
                    self.check_map_values(&flat, source, target);
                }
                super::checked::ResolvedValueMap {
                    name: None,
                    entries: flat
                        .pairs
                        .iter()
                        .map(|pair| (pair.left.clone(), pair.right.clone()))
                        .collect(),
                    fallback: flat.fallback.clone(),
                    literal_pairs: flat
                        .pairs
                        .iter()
                        .map(|pair| (pair.left_literal.clone(), pair.right_literal.clone()))
                        .collect(),
                    fallback_literal: flat.fallback_literal.clone(),
                    span: body.span,
                }
            }
        };
        if let (Some(source), Some(target_domain)) = (&source, self.domain_of(target)) {
            let source_domain = self.domain_of(source);
            self.check_coverage(
                source,
                source_domain.as_deref(),
                target,
                &target_domain,
                Some(&map),
                value.span,
            );
        }
        Some(map)
    }

    /// A value written by an action: writable target, assignable type, record ids, and
    /// every value the spec fixes held to the target (picklist, length); computed text that
    /// may be longer than the field is a warning.
    fn check_written_value(
        &mut self,
        target: &FieldRef,
        value: &super::checked::TypedExpr,
        for_update: bool,
    ) {
        self.check_writable(target, for_update);
        self.check_assignable_value(value.ty, value, target);
        self.check_record_ids(value, None, target);
        let too_long = self.check_fixed_values(value, target, WriteCut::default());
        if !too_long
            && (target.field.is_text()
                || super::fixed_values::accepts_any_text(target)
                || super::types::is_open_picklist(&target.field))
            && let Some(target_length) = target.field.length
            && !value.ty.is_unknown()
            && let Some(computed) = match rendered_max_length(value) {
                Some(rendered) => Some(Some(rendered)),
                None if value.ty.kind.is_textual() => computed_max_length(value),
                None => None,
            }
            && computed.is_none_or(|length| length > target_length)
        {
            self.report(
                value.span,
                CheckError::MayExceedLength {
                    source_desc: "this value".to_string(),
                    source_length: computed,
                    target: target.display(),
                    target_length,
                    help: Some(format!(
                        "wrap it in `left(..., {target_length})`, or Salesforce rejects the record with STRING_TOO_LONG"
                    )),
                    span: value.span.into(),
                },
            );
        }
    }

    /// The values a `set ... via map` writes, held to the target like any fixed value.
    fn check_set_map_values(
        &mut self,
        via: &ValueMapRef,
        map: &ResolvedValueMap,
        target: &FieldRef,
    ) {
        let values = match via {
            ValueMapRef::Named(name) => written_map_values(map, name.span),
            ValueMapRef::Inline(body) => inline_map_values(&flatten(body), false),
        };
        if !(target.field.is_text()
            || matches!(
                target.field.field_type,
                FieldType::Picklist | FieldType::Multipicklist
            ))
        {
            self.check_map_values_assignable(&values, target);
        }
        for value in &values {
            self.check_fixed_length(&value.text, value.span, target, WriteCut::default());
        }
    }
}
