//! The mutations: small edits of a shipped spec, each with the writes it makes a CRM answer.
//!
//! - retarget: every field a sync maps, copied into every other field of the other side's
//!   object (a new one-way mapping in the sync's direction); the writes are the source's
//!   witnesses, converted as the runtime converts them;
//! - literal: every literal of the target's pool written into every field of each side
//!   (`hs.x <- "..."`), and as both branches of an `if`;
//! - default: a pool literal as the `default` of each mapping;
//! - map value: each value of a one-way value map replaced by pool literals;
//! - action: each literal of a triggered action replaced, new `Field = literal` in each
//!   `create`, new `set` actions on the records a trigger updates;
//! - pipeline: the pipeline the deals sync writes, and HubSpot deals created with each
//!   stage in each pipeline (and in none);
//! - drop: each mapping of a sync that creates records removed (required fields).
//!
//! Fields the spec already writes are never targets (a second writer is its own error), so
//! every diagnostic of a mutated spec is about the write it adds.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};
use tandem::check::{CheckedAction, CheckedSpec, CheckedSync, FieldRef, MapFallback, Side};
use tandem::schema::{FieldSchema, FieldType, ObjectSchema, Schemas, System};
use tandem::syntax::ast::{self, ActionKind, Direction, ExprKind, MapArmKind};

use super::corpus::ShippedSpec;
use super::crm::{Write, WriteKind};
use super::values::{Literal, literal_pool, wire, witnesses};

/// One edit of one file of one shipped spec, and the writes it implies.
pub struct Mutation {
    pub spec: usize,
    pub file: usize,
    /// Replace `start..end` of the file with `text`.
    pub start: usize,
    pub end: usize,
    pub text: String,
    /// What the edit is, for failure messages.
    pub what: String,
    pub writes: Vec<Write>,
}

pub struct Generator<'a> {
    pub schemas: &'a Schemas,
    pub specs: &'a [ShippedSpec],
    /// Ids of seeded records, by Salesforce object.
    pub existing_ids: &'a dyn Fn(&str) -> Option<String>,
    pub out: Vec<Mutation>,
}

/// Every `(system, object, field)` a spec writes: mapping targets and action targets.
fn written_fields(checked: &CheckedSpec) -> BTreeSet<(System, String, String)> {
    let mut out = BTreeSet::new();
    for sync in &checked.syncs {
        for mapping in &sync.mappings {
            for flow in &mapping.flows {
                out.insert((
                    flow.target.system,
                    flow.target.object.clone(),
                    flow.target.field.name.clone(),
                ));
            }
        }
    }
    for trigger in &checked.triggers {
        for action in &trigger.actions {
            match action {
                CheckedAction::Set { target, .. } => {
                    out.insert((
                        target.system,
                        target.object.clone(),
                        target.field.name.clone(),
                    ));
                }
                CheckedAction::Create { object, fields, .. } => {
                    for (target, _) in fields {
                        out.insert((
                            object.system,
                            target.object.clone(),
                            target.field.name.clone(),
                        ));
                    }
                }
                CheckedAction::Notify { .. } => {}
            }
        }
    }
    out
}

/// `hs.email` as a sync writes it.
fn path(connection: &str, field: &str) -> String {
    format!("{connection}.{}", ast::display_name(field))
}

/// The writes of `value` (canonical, of type `meant_type`) into `target`: an update, and a
/// create when `creates`, over the object's valid record plus `extra`.
#[allow(clippy::too_many_arguments)]
fn writes_of(
    system: System,
    object: &str,
    target: &FieldSchema,
    value: &Value,
    meant_type: FieldType,
    creates: bool,
    updates: bool,
    extra: &Map<String, Value>,
) -> Vec<Write> {
    let mut fields = extra.clone();
    fields.insert(target.name.clone(), wire(system, value, target));
    // A quoted literal means what the target reads it as (`"2024-01-31"` into a date field is
    // that date); any other value keeps its own type.
    let meant_type = if meant_type == FieldType::String && value.is_string() {
        target.field_type
    } else {
        meant_type
    };
    let meant = Some((target.name.clone(), value.clone(), meant_type));
    let mut out = Vec::new();
    for (kind, wanted) in [(WriteKind::Create, creates), (WriteKind::Update, updates)] {
        if wanted {
            out.push(Write {
                system,
                object: object.to_string(),
                kind,
                fields: fields.clone(),
                omit: Vec::new(),
                meant: meant.clone(),
            });
        }
    }
    out
}

/// Where to add a line before a block's closing `}` (the block's span ends just after it).
fn before_closing_brace(text: &str, block_end: usize, line: &str, indent: &str) -> (usize, String) {
    let brace = block_end - 1;
    assert_eq!(&text[brace..block_end], "}", "a block ends with `}}`");
    if text[..brace].ends_with('\n') {
        (brace, format!("{indent}{line}\n"))
    } else {
        (brace, format!("\n{indent}{line}\n"))
    }
}

impl Generator<'_> {
    fn object(&self, system: System, name: &str) -> &ObjectSchema {
        self.schemas
            .object(system, name)
            .unwrap_or_else(|| panic!("{name} in the snapshot"))
    }

    fn push(
        &mut self,
        spec: usize,
        file: usize,
        at: (usize, usize, String),
        what: String,
        writes: Vec<Write>,
    ) {
        let (start, end, text) = at;
        self.out.push(Mutation {
            spec,
            file,
            start,
            end,
            text,
            what,
            writes,
        });
    }

    pub fn generate(&mut self) {
        for index in 0..self.specs.len() {
            let specs = self.specs;
            let spec = &specs[index];
            let written = written_fields(&spec.checked);
            for sync in &spec.checked.syncs {
                let Some(def) = spec.ast.syncs().find(|def| def.name.name == sync.name) else {
                    continue;
                };
                self.retargets(index, sync, def, &written);
                self.literals(index, sync, def, &written);
                self.defaults(index, sync, def);
                self.drops(index, sync, def);
                self.inline_map_values(index, sync, def);
                self.pipelines(index, sync, def);
            }
            self.named_map_values(index);
            self.actions(index, &written);
        }
    }

    /// The sides data may be written to in a sync, with whether the sync creates there.
    fn writable_sides(sync: &CheckedSync) -> Vec<(Side, bool)> {
        let sides: &[Side] = match sync.direction {
            Direction::Both => &[Side::Left, Side::Right],
            Direction::LeftToRight => &[Side::Right],
            Direction::RightToLeft => &[Side::Left],
        };
        sides
            .iter()
            .map(|side| (*side, sync.may_create_on(*side)))
            .collect()
    }

    /// A one-way mapping line into `side` of `sync`.
    fn line_into(sync: &CheckedSync, side: Side, target: &str, value: &str) -> String {
        let connection = &sync.side(side).connection;
        match side {
            Side::Left => format!("{} <- {value}", path(connection, target)),
            Side::Right => format!("{value} -> {}", path(connection, target)),
        }
    }

    fn retargets(
        &mut self,
        spec: usize,
        sync: &CheckedSync,
        def: &ast::SyncDef,
        written: &BTreeSet<(System, String, String)>,
    ) {
        let file = def.span.file.0 as usize;
        let text = self.specs[spec].files[file].1.clone();
        for (side, creates) in Self::writable_sides(sync) {
            let source_side = side.other();
            let target_object = sync.side(side);
            let source_object = self
                .object(sync.side(source_side).system, sync.side(source_side).name())
                .clone();
            // Every plain field the sync maps out of the other side.
            let mut sources: Vec<FieldRef> = Vec::new();
            for mapping in sync.mappings.iter().filter(|m| m.through.is_none()) {
                for flow in &mapping.flows {
                    if let Some(field) = flow.value.as_field()
                        && flow.from == source_side
                        && field.is_direct()
                        && sources
                            .iter()
                            .all(|known| known.field.name != field.field.name)
                    {
                        sources.push(field.clone());
                    }
                }
            }
            let object = self
                .object(target_object.system, target_object.name())
                .clone();
            for target in object.fields.values() {
                let key = (
                    target_object.system,
                    object.name.clone(),
                    target.name.clone(),
                );
                if written.contains(&key) {
                    continue;
                }
                for source in &sources {
                    let line = Self::line_into(
                        sync,
                        side,
                        &target.name,
                        &path(&source.connection, &source.field.name),
                    );
                    let at = before_closing_brace(&text, def.span.end as usize, &line, "  ");
                    let mut writes = Vec::new();
                    for witness in witnesses(
                        self.schemas,
                        source.system,
                        &source_object,
                        &source.field,
                        target,
                    ) {
                        writes.extend(writes_of(
                            target_object.system,
                            &object.name,
                            target,
                            &witness,
                            source.field.field_type,
                            creates,
                            true,
                            &Map::new(),
                        ));
                    }
                    let what = format!(
                        "{}: + `{line}` in sync `{}`",
                        self.specs[spec].files[file].0, sync.name
                    );
                    self.push(spec, file, (at.0, at.0, at.1), what, writes);
                }
            }
        }
    }

    fn literals(
        &mut self,
        spec: usize,
        sync: &CheckedSync,
        def: &ast::SyncDef,
        written: &BTreeSet<(System, String, String)>,
    ) {
        let file = def.span.file.0 as usize;
        let text = self.specs[spec].files[file].1.clone();
        // A field of the other side for `if` conditions.
        let condition_field = |side: Side| -> Option<String> {
            let other = sync.side(side.other());
            sync.mappings
                .iter()
                .flat_map(|m| &m.flows)
                .find_map(|flow| {
                    let field = flow.value.as_field()?;
                    (flow.from == side.other() && field.is_direct())
                        .then(|| path(&other.connection, &field.field.name))
                })
        };
        for (side, creates) in Self::writable_sides(sync) {
            let bound = sync.side(side);
            let object = self.object(bound.system, bound.name()).clone();
            for target in object.fields.values() {
                if written.contains(&(bound.system, object.name.clone(), target.name.clone())) {
                    continue;
                }
                let pool = literal_pool(
                    self.schemas,
                    bound.system,
                    &object,
                    target,
                    self.existing_ids,
                );
                for literal in &pool {
                    let line = Self::line_into(sync, side, &target.name, &literal.spec);
                    let at = before_closing_brace(&text, def.span.end as usize, &line, "  ");
                    let writes = writes_of(
                        bound.system,
                        &object.name,
                        target,
                        &literal.json,
                        literal.kind,
                        creates,
                        true,
                        &Map::new(),
                    );
                    let what = format!(
                        "{}: + `{line}` in sync `{}`",
                        self.specs[spec].files[file].0, sync.name
                    );
                    self.push(spec, file, (at.0, at.0, at.1), what, writes);
                }
                // Both branches of an `if` into a list: the first listed value, then each
                // pool literal.
                let listed = matches!(
                    target.field_type,
                    FieldType::Picklist | FieldType::Multipicklist
                );
                if let (true, Some(condition), Some(first)) =
                    (listed, condition_field(side), pool.first())
                {
                    // Branches of one kind: an `if` of text and a number is a type error of
                    // the expression, whatever the field accepts.
                    for literal in pool.iter().skip(1).filter(|l| l.kind == FieldType::String) {
                        let value = format!(
                            "if {condition} is blank then {} else {}",
                            first.spec, literal.spec
                        );
                        let line = Self::line_into(sync, side, &target.name, &value);
                        let at = before_closing_brace(&text, def.span.end as usize, &line, "  ");
                        let mut writes = Vec::new();
                        for branch in [first, literal] {
                            writes.extend(writes_of(
                                bound.system,
                                &object.name,
                                target,
                                &branch.json,
                                branch.kind,
                                creates,
                                true,
                                &Map::new(),
                            ));
                        }
                        let what = format!(
                            "{}: + `{line}` in sync `{}`",
                            self.specs[spec].files[file].0, sync.name
                        );
                        self.push(spec, file, (at.0, at.0, at.1), what, writes);
                    }
                }
            }
        }
    }

    /// The pool of the first target of a mapping, tried as its `default`.
    fn defaults(&mut self, spec: usize, sync: &CheckedSync, def: &ast::SyncDef) {
        let file = def.span.file.0 as usize;
        let name = self.specs[spec].files[file].0.clone();
        for (mapping, checked) in def.mappings().zip(sync.mappings.iter()) {
            // A default is written where the mapped value is blank; a fixed value never is.
            let fixed = checked
                .flows
                .iter()
                .any(|flow| flow.value.as_literal().is_some());
            if mapping.default_value().is_some() || checked.through.is_some() || fixed {
                continue;
            }
            let Some(first) = checked.flows.first() else {
                continue;
            };
            let first_object = self
                .object(first.target.system, &first.target.object)
                .clone();
            let pool = literal_pool(
                self.schemas,
                first.target.system,
                &first_object,
                &first.target.field,
                self.existing_ids,
            );
            for literal in &pool {
                let mut writes = Vec::new();
                for flow in &checked.flows {
                    let creates = sync.may_create_on(flow.to);
                    writes.extend(writes_of(
                        flow.target.system,
                        &flow.target.object,
                        &flow.target.field,
                        &literal.json,
                        literal.kind,
                        creates,
                        true,
                        &Map::new(),
                    ));
                }
                let end = mapping.span.end as usize;
                let what = format!(
                    "{name}: `default {}` on `{}`",
                    literal.spec,
                    &self.specs[spec].files[file].1[mapping.span.start as usize..end]
                );
                self.push(
                    spec,
                    file,
                    (end, end, format!(" default {}", literal.spec)),
                    what,
                    writes,
                );
            }
        }
    }

    /// Each mapping of a sync that creates records, removed: its creates lack the field.
    fn drops(&mut self, spec: usize, sync: &CheckedSync, def: &ast::SyncDef) {
        let file = def.span.file.0 as usize;
        let name = self.specs[spec].files[file].0.clone();
        for (mapping, checked) in def.mappings().zip(sync.mappings.iter()) {
            let mut writes = Vec::new();
            for flow in &checked.flows {
                if !sync.may_create_on(flow.to) {
                    continue;
                }
                writes.push(Write {
                    system: flow.target.system,
                    object: flow.target.object.clone(),
                    kind: WriteKind::Create,
                    fields: Map::new(),
                    omit: vec![flow.target.field.name.clone()],
                    meant: None,
                });
            }
            if writes.is_empty() {
                continue;
            }
            let (start, end) = (mapping.span.start as usize, mapping.span.end as usize);
            let what = format!(
                "{name}: `{}` removed from sync `{}`",
                &self.specs[spec].files[file].1[start..end],
                sync.name
            );
            self.push(spec, file, (start, end, String::new()), what, writes);
        }
    }

    /// Each value of an inline value map replaced by the target's pool literals.
    fn inline_map_values(&mut self, spec: usize, sync: &CheckedSync, def: &ast::SyncDef) {
        let file = def.span.file.0 as usize;
        let name = self.specs[spec].files[file].0.clone();
        for (mapping, checked) in def.mappings().zip(sync.mappings.iter()) {
            let Some(ast::ValueMapRef::Inline(body)) = mapping.value_map() else {
                continue;
            };
            if checked.direction == Direction::Both {
                continue; // values are keys the other way; kept to one-way maps
            }
            let Some(flow) = checked.flows.first() else {
                continue;
            };
            let object = self.object(flow.target.system, &flow.target.object).clone();
            let pool = literal_pool(
                self.schemas,
                flow.target.system,
                &object,
                &flow.target.field,
                self.existing_ids,
            );
            let creates = sync.may_create_on(flow.to);
            for arm in &body.arms {
                let value = match &arm.kind {
                    MapArmKind::Pair { right, .. } => right,
                    MapArmKind::Else { value } => value,
                    MapArmKind::ElseError => continue,
                };
                for literal in &pool {
                    let writes = writes_of(
                        flow.target.system,
                        &flow.target.object,
                        &flow.target.field,
                        &literal.json,
                        literal.kind,
                        creates,
                        true,
                        &Map::new(),
                    );
                    let what = format!(
                        "{name}: `{}` in the value map of {} replaced by {}",
                        &self.specs[spec].files[file].1
                            [value.span.start as usize..value.span.end as usize],
                        flow.target.display(),
                        literal.spec
                    );
                    self.push(
                        spec,
                        file,
                        (
                            value.span.start as usize,
                            value.span.end as usize,
                            literal.spec.clone(),
                        ),
                        what,
                        writes,
                    );
                }
            }
        }
    }

    /// Each value of a one-way named map, replaced by pool literals of the field it writes.
    fn named_map_values(&mut self, spec: usize) {
        let specs = self.specs;
        let shipped = &specs[spec];
        for def in shipped.ast.maps() {
            let Some(checked) = shipped.checked.maps.get(&def.name.name) else {
                continue;
            };
            let Some(header) = &checked.header else {
                continue;
            };
            if header.direction != Direction::LeftToRight {
                continue;
            }
            // Where the map is used: a sync (create/update) or an action (update).
            let mut uses: Vec<(bool, bool)> = Vec::new();
            for sync in &shipped.checked.syncs {
                for flow in sync.mappings.iter().flat_map(|m| &m.flows) {
                    if flow.value_map.as_ref().and_then(|m| m.name.as_deref())
                        == Some(def.name.name.as_str())
                    {
                        uses.push((sync.may_create_on(flow.to), true));
                    }
                }
            }
            for trigger in &shipped.checked.triggers {
                for action in &trigger.actions {
                    if let CheckedAction::Set {
                        value_map: Some(map),
                        ..
                    } = action
                        && map.name.as_deref() == Some(def.name.name.as_str())
                    {
                        uses.push((false, true));
                    }
                }
            }
            if uses.is_empty() {
                continue;
            }
            let creates = uses.iter().any(|(creates, _)| *creates);
            let target = &header.right;
            let object = self.object(target.system, &target.object).clone();
            let pool = literal_pool(
                self.schemas,
                target.system,
                &object,
                &target.field,
                self.existing_ids,
            );
            let file = def.span.file.0 as usize;
            for arm in &def.body.arms {
                let value = match &arm.kind {
                    MapArmKind::Pair { right, .. } => right,
                    MapArmKind::Else { value } => value,
                    MapArmKind::ElseError => continue,
                };
                for literal in pool.iter().step_by(2) {
                    let writes = writes_of(
                        target.system,
                        &target.object,
                        &target.field,
                        &literal.json,
                        literal.kind,
                        creates,
                        true,
                        &Map::new(),
                    );
                    let what = format!(
                        "{}: a value of map `{}` replaced by {}",
                        shipped.files[file].0, def.name.name, literal.spec
                    );
                    self.push(
                        spec,
                        file,
                        (
                            value.span.start as usize,
                            value.span.end as usize,
                            literal.spec.clone(),
                        ),
                        what,
                        writes,
                    );
                }
            }
        }
    }

    /// The pipeline a HubSpot deals sync writes, replaced: its stage values must follow.
    fn pipelines(&mut self, spec: usize, sync: &CheckedSync, def: &ast::SyncDef) {
        let file = def.span.file.0 as usize;
        let name = self.specs[spec].files[file].0.clone();
        let Some((side, deals)) = [Side::Left, Side::Right]
            .into_iter()
            .map(|side| (side, sync.side(side)))
            .find(|(_, bound)| {
                bound.system == System::Hubspot && !bound.schema.pipelines.is_empty()
            })
        else {
            return;
        };
        // The stage values the sync writes (its value map's values).
        let stages: Vec<String> = sync
            .mappings
            .iter()
            .flat_map(|m| &m.flows)
            .filter(|flow| flow.to == side && flow.target.field.name == "dealstage")
            .filter_map(|flow| flow.value_map.as_ref())
            .flat_map(|map| {
                let mut values: Vec<String> = map.entries.values().cloned().collect();
                if let MapFallback::Value(value) = &map.fallback {
                    values.push(value.clone());
                }
                values
            })
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        for mapping in def.mappings() {
            let Some(target) = mapping.left.as_field() else {
                continue;
            };
            let ExprKind::Literal(literal) = &mapping.right.kind else {
                continue;
            };
            if target.display() != format!("{}.pipeline", deals.connection) {
                continue;
            }
            let mut pipelines: Vec<String> = deals
                .schema
                .pipelines
                .iter()
                .map(|p| p.id.clone())
                .collect();
            pipelines.push("not-a-pipeline".to_string());
            let stage_field = deals.schema.field("dealstage").expect("dealstage").clone();
            for pipeline in pipelines {
                let mut writes = Vec::new();
                for stage in &stages {
                    let mut extra = Map::new();
                    extra.insert("pipeline".to_string(), json!(pipeline));
                    writes.extend(writes_of(
                        System::Hubspot,
                        deals.name(),
                        &stage_field,
                        &json!(stage),
                        FieldType::String,
                        sync.may_create_on(side),
                        true,
                        &extra,
                    ));
                }
                let spec_text = format!("\"{pipeline}\"");
                let what = format!(
                    "{name}: the pipeline of sync `{}` replaced by {spec_text}",
                    sync.name
                );
                self.push(
                    spec,
                    file,
                    (
                        literal.span.start as usize,
                        literal.span.end as usize,
                        spec_text,
                    ),
                    what,
                    writes,
                );
            }
        }
    }

    /// Triggered actions: their literals replaced, fields added to their `create`s, new
    /// `set` actions, and HubSpot deals created in each pipeline with each stage.
    fn actions(&mut self, spec: usize, written: &BTreeSet<(System, String, String)>) {
        let specs = self.specs;
        let shipped = &specs[spec];
        for (def, checked) in shipped.ast.triggers().zip(shipped.checked.triggers.iter()) {
            let file = def.span.file.0 as usize;
            let name = shipped.files[file].0.clone();
            let text = shipped.files[file].1.clone();
            for (action, checked_action) in def.actions.iter().zip(checked.actions.iter()) {
                match (&action.kind, checked_action) {
                    (
                        ActionKind::Set { value, .. },
                        CheckedAction::Set {
                            target,
                            value_map: None,
                            ..
                        },
                    ) => {
                        if !matches!(value.kind, ExprKind::Literal(_)) {
                            continue;
                        }
                        let object = self.object(target.system, &target.object).clone();
                        for literal in literal_pool(
                            self.schemas,
                            target.system,
                            &object,
                            &target.field,
                            self.existing_ids,
                        ) {
                            let writes = writes_of(
                                target.system,
                                &target.object,
                                &target.field,
                                &literal.json,
                                literal.kind,
                                false,
                                true,
                                &Map::new(),
                            );
                            let what =
                                format!("{name}: `set {} = {}`", target.display(), literal.spec);
                            self.push(
                                spec,
                                file,
                                (
                                    value.span.start as usize,
                                    value.span.end as usize,
                                    literal.spec.clone(),
                                ),
                                what,
                                writes,
                            );
                        }
                    }
                    (
                        ActionKind::Create { fields, .. },
                        CheckedAction::Create { object: bound, .. },
                    ) => {
                        let object = self.object(bound.system, bound.name()).clone();
                        // Each literal assignment replaced.
                        for assignment in fields {
                            let Some(field) = object.field(&assignment.field.name) else {
                                continue;
                            };
                            let literal_value = match &assignment.value.kind {
                                ExprKind::Literal(_) => Some(assignment.value.span),
                                ExprKind::If { else_branch, .. }
                                    if matches!(else_branch.kind, ExprKind::Literal(_)) =>
                                {
                                    Some(else_branch.span)
                                }
                                _ => None,
                            };
                            let Some(span) = literal_value else {
                                continue;
                            };
                            for literal in literal_pool(
                                self.schemas,
                                bound.system,
                                &object,
                                field,
                                self.existing_ids,
                            ) {
                                let writes =
                                    self.create_writes(bound.system, &object, field, &literal);
                                let what = format!(
                                    "{name}: `{} = …{}` in `create {}.{}`",
                                    field.name, literal.spec, bound.connection, object.name
                                );
                                self.push(
                                    spec,
                                    file,
                                    (span.start as usize, span.end as usize, literal.spec.clone()),
                                    what,
                                    writes,
                                );
                            }
                        }
                        // Each other field assigned a literal.
                        for field in object.fields.values() {
                            if fields.iter().any(|a| a.field.name == field.name)
                                || written.contains(&(
                                    bound.system,
                                    object.name.clone(),
                                    field.name.clone(),
                                ))
                            {
                                continue;
                            }
                            for literal in literal_pool(
                                self.schemas,
                                bound.system,
                                &object,
                                field,
                                self.existing_ids,
                            )
                            .into_iter()
                            .step_by(2)
                            {
                                let line = format!("{} = {}", field.name, literal.spec);
                                let at = before_closing_brace(
                                    &text,
                                    action.span.end as usize,
                                    &line,
                                    "    ",
                                );
                                let writes =
                                    self.create_writes(bound.system, &object, field, &literal);
                                let what = format!(
                                    "{name}: + `{line}` in `create {}.{}`",
                                    bound.connection, object.name
                                );
                                self.push(spec, file, (at.0, at.0, at.1), what, writes);
                            }
                        }
                    }
                    _ => {}
                }
            }
            self.set_actions(spec, def, written);
            self.deal_creates(spec, def);
        }
    }

    /// A create of `object` with `field` set to `literal` over a valid record.
    fn create_writes(
        &self,
        system: System,
        object: &ObjectSchema,
        field: &FieldSchema,
        literal: &Literal,
    ) -> Vec<Write> {
        writes_of(
            system,
            &object.name,
            field,
            &literal.json,
            literal.kind,
            true,
            false,
            &Map::new(),
        )
    }

    /// New `set` actions on HubSpot contacts associated with the watched record.
    fn set_actions(
        &mut self,
        spec: usize,
        def: &ast::Trigger,
        written: &BTreeSet<(System, String, String)>,
    ) {
        let specs = self.specs;
        let shipped = &specs[spec];
        let Some(connection) = shipped
            .ast
            .connections()
            .find(|c| c.system == System::Hubspot)
            .map(|c| c.name.name.clone())
        else {
            return;
        };
        if def.field.connection.name == connection {
            return; // the watched record's own connection reads its fields
        }
        let file = def.span.file.0 as usize;
        let text = shipped.files[file].1.clone();
        let name = shipped.files[file].0.clone();
        let contacts = self.object(System::Hubspot, "contacts").clone();
        for field in contacts.fields.values() {
            if written.contains(&(System::Hubspot, "contacts".to_string(), field.name.clone())) {
                continue;
            }
            for literal in literal_pool(
                self.schemas,
                System::Hubspot,
                &contacts,
                field,
                self.existing_ids,
            )
            .into_iter()
            .step_by(3)
            {
                let line = format!(
                    "set {connection}.contacts(associated).{} = {}",
                    field.name, literal.spec
                );
                let at = before_closing_brace(&text, def.span.end as usize, &line, "  ");
                let writes = writes_of(
                    System::Hubspot,
                    "contacts",
                    field,
                    &literal.json,
                    literal.kind,
                    false,
                    true,
                    &Map::new(),
                );
                self.push(
                    spec,
                    file,
                    (at.0, at.0, at.1),
                    format!("{name}: + `{line}`"),
                    writes,
                );
            }
        }
    }

    /// `create hs.deals { ... }` with each stage of each pipeline, in each pipeline and in
    /// none (HubSpot's default pipeline).
    fn deal_creates(&mut self, spec: usize, def: &ast::Trigger) {
        let specs = self.specs;
        let shipped = &specs[spec];
        let Some(connection) = shipped
            .ast
            .connections()
            .find(|c| c.system == System::Hubspot)
            .map(|c| c.name.name.clone())
        else {
            return;
        };
        let file = def.span.file.0 as usize;
        let text = shipped.files[file].1.clone();
        let name = shipped.files[file].0.clone();
        let deals = self.object(System::Hubspot, "deals").clone();
        let stage_field = deals.field("dealstage").expect("dealstage").clone();
        let mut pipelines: Vec<Option<String>> =
            deals.pipelines.iter().map(|p| Some(p.id.clone())).collect();
        pipelines.push(None);
        let stages: Vec<String> = deals
            .pipelines
            .iter()
            .flat_map(|p| p.stages.iter().map(|s| s.id.clone()))
            .collect();
        for pipeline in &pipelines {
            for stage in &stages {
                let pipeline_line = pipeline
                    .as_ref()
                    .map(|p| format!(" pipeline = \"{p}\""))
                    .unwrap_or_default();
                let line = format!(
                    "create {connection}.deals {{ dealname = \"New\"{pipeline_line} dealstage = \"{stage}\" }}"
                );
                let at = before_closing_brace(&text, def.span.end as usize, &line, "  ");
                let mut extra = Map::new();
                extra.insert("dealname".to_string(), json!("New"));
                let mut omit = Vec::new();
                match pipeline {
                    Some(pipeline) => {
                        extra.insert("pipeline".to_string(), json!(pipeline));
                    }
                    None => omit.push("pipeline".to_string()),
                }
                let mut writes = writes_of(
                    System::Hubspot,
                    "deals",
                    &stage_field,
                    &json!(stage),
                    FieldType::String,
                    true,
                    false,
                    &extra,
                );
                for write in &mut writes {
                    write.omit = omit.clone();
                }
                self.push(
                    spec,
                    file,
                    (at.0, at.0, at.1),
                    format!("{name}: + `{line}`"),
                    writes,
                );
            }
        }
    }
}
