//! Lowering a spec's syntax tree, with the schema snapshots and lookup tables, to a Program.
//!
//! This is the compile stage's working half: names are resolved here against the
//! connections, maps, tables and schemas, and every expression becomes the planner's
//! [`Expr`]. It expects a spec the checker accepted; whatever it still cannot lower is
//! reported as a [`CompileError`] on the exact span rather than guessed.

use std::collections::{BTreeMap, BTreeSet};

use miette::{Diagnostic, SourceSpan};
use serde_json::{Value, json};
use thiserror::Error;

use crate::diagnostics::{Diag, Span};
use crate::schema::{FieldType, Schemas, System};
use crate::syntax::ast;

use super::program::*;
use super::pushdown::pushdown_for;

/// Lookup tables by name: key -> value, read from the spec's CSV files by the caller.
pub type Tables = BTreeMap<String, BTreeMap<String, String>>;

#[derive(Debug, Error, Diagnostic)]
pub enum CompileError {
    #[error("`{name}` is not a connection of this spec")]
    #[diagnostic(
        code(tandem::compile::unknown_connection),
        help("declare it: `connection {name}: hubspot` or `connection {name}: salesforce`")
    )]
    UnknownConnection {
        name: String,
        #[label("no connection named `{name}`")]
        at: SourceSpan,
    },
    #[error("`{path}` reaches through a related record, which a sync mapping cannot do yet")]
    #[diagnostic(
        code(tandem::compile::related_path),
        help("map a field of the synced object itself")
    )]
    RelatedPath {
        path: String,
        #[label("a field of another object")]
        at: SourceSpan,
    },
    #[error("no value map or table named `{name}`")]
    #[diagnostic(code(tandem::compile::unknown_map))]
    UnknownMap {
        name: String,
        #[label("not defined in this spec")]
        at: SourceSpan,
    },
    #[error("`{name}()` cannot be compiled")]
    #[diagnostic(
        code(tandem::compile::unsupported_function),
        help(
            "the functions are lower, upper, trim, domain, round, truncate, concat, coalesce and lookup"
        )
    )]
    UnsupportedFunction {
        name: String,
        #[label("unknown function")]
        at: SourceSpan,
    },
    #[error("a mapping must name a field on at least one side")]
    #[diagnostic(code(tandem::compile::mapping_without_field))]
    MappingWithoutField {
        #[label("neither side is a field")]
        at: SourceSpan,
    },
}

fn at(span: Span) -> SourceSpan {
    span.into()
}

struct Lowering<'a> {
    spec: &'a ast::Spec,
    schemas: &'a Schemas,
    tables: &'a Tables,
    connections: BTreeMap<String, System>,
    diags: Vec<Diag>,
}

/// Compiles a checked spec's syntax tree. Returns the Program, or every compile diagnostic.
pub fn compile_spec(
    spec: &ast::Spec,
    schemas: &Schemas,
    tables: &Tables,
) -> Result<Program, Vec<Diag>> {
    let mut lowering = Lowering {
        spec,
        schemas,
        tables,
        connections: spec
            .connections()
            .map(|c| (c.name.name.clone(), c.system))
            .collect(),
        diags: Vec::new(),
    };
    let mut syncs = Vec::new();
    for sync in spec.syncs() {
        if let Some(program) = lowering.sync(sync) {
            syncs.push(program);
        }
    }
    if !lowering.diags.is_empty() {
        return Err(lowering.diags);
    }
    Ok(Program::new(dependency_order(syncs)))
}

/// Orders syncs so each comes after the syncs it depends on; otherwise spec order.
fn dependency_order(syncs: Vec<SyncProgram>) -> Vec<SyncProgram> {
    let mut remaining = syncs;
    let mut ordered: Vec<SyncProgram> = Vec::new();
    while !remaining.is_empty() {
        let placed: BTreeSet<String> = ordered.iter().map(|s| s.name.clone()).collect();
        let names: BTreeSet<String> = remaining.iter().map(|s| s.name.clone()).collect();
        let ready = remaining.iter().position(|s| {
            s.depends_on
                .iter()
                .all(|d| placed.contains(d) || !names.contains(d))
        });
        // A cycle (the checker reports it) falls back to spec order rather than looping.
        let index = ready.unwrap_or(0);
        ordered.push(remaining.remove(index));
    }
    ordered
}

impl Lowering<'_> {
    fn error(&mut self, span: Span, error: CompileError) {
        self.diags.push(Diag::new(span.file, error));
    }

    fn system_of(&mut self, ident: &ast::Ident) -> Option<System> {
        match self.connections.get(&ident.name) {
            Some(system) => Some(*system),
            None => {
                self.error(
                    ident.span,
                    CompileError::UnknownConnection {
                        name: ident.name.clone(),
                        at: at(ident.span),
                    },
                );
                None
            }
        }
    }

    fn sync(&mut self, sync: &ast::SyncDef) -> Option<SyncProgram> {
        let left = self.system_of(&sync.left.connection)?;
        let right = self.system_of(&sync.right.connection)?;
        // Normalise to (hs, sf); a sync written `sf.X <-> hs.Y` is the same sync flipped.
        let flipped = left == System::Salesforce;
        let (hs_ref, sf_ref) = if flipped {
            (&sync.right, &sync.left)
        } else {
            (&sync.left, &sync.right)
        };
        let _ = right;
        let hs_object = hs_ref.object.name.clone();
        let sf_object = sf_ref.object.name.clone();
        let mut program = SyncProgram {
            name: sync.name.name.clone(),
            hs: self.side(System::Hubspot, &hs_object),
            sf: self.side(System::Salesforce, &sf_object),
            matches: Vec::new(),
            create_in_hs: false,
            create_in_sf: false,
            on_delete: DeletePolicy::Ignore,
            limits: Limits::default(),
            default_conflict: ConflictRule::Newest,
            fields: Vec::new(),
            depends_on: Vec::new(),
            not_synced: Vec::new(),
        };
        let mut scope_parts: Vec<Expr> = Vec::new();
        for item in &sync.body {
            match item {
                ast::SyncItem::Match(rule) => {
                    let (Some(a), Some(b)) = (self.expr(&rule.left), self.expr(&rule.right)) else {
                        continue;
                    };
                    let (hs, sf) = if sides_of(&a).contains(&System::Salesforce) {
                        (b, a)
                    } else {
                        (a, b)
                    };
                    program.matches.push(MatchRule { hs, sf });
                }
                ast::SyncItem::Scope(filter) => {
                    if let Some(expr) = self.expr(&filter.condition) {
                        scope_parts.push(expr);
                    }
                }
                ast::SyncItem::Create(policy) => {
                    for side in &policy.sides {
                        match self.system_of(side) {
                            Some(System::Hubspot) => program.create_in_hs = true,
                            Some(System::Salesforce) => program.create_in_sf = true,
                            None => {}
                        }
                    }
                }
                ast::SyncItem::Conflict(setting) => {
                    if let Some(rule) = self.conflict_rule(&setting.rule) {
                        program.default_conflict = rule;
                    }
                }
                ast::SyncItem::Delete(policy) => {
                    program.on_delete = match policy.action {
                        ast::DeleteAction::Ignore => DeletePolicy::Ignore,
                        // HubSpot deletes are archives; both spellings delete the partner.
                        ast::DeleteAction::Archive | ast::DeleteAction::Propagate => {
                            DeletePolicy::Propagate
                        }
                    };
                }
                ast::SyncItem::Limits(limits) => {
                    for limit in &limits.limits {
                        match limit.kind {
                            ast::LimitKind::Creates => program.limits.creates = Some(limit.max),
                            ast::LimitKind::Updates => program.limits.updates = Some(limit.max),
                            ast::LimitKind::Deletes => program.limits.deletes = Some(limit.max),
                        }
                    }
                }
                ast::SyncItem::Mapping(mapping) => {
                    self.mapping(&mut program, mapping, flipped);
                }
            }
        }
        // Split the scope by side: each conjunct constrains the records of the side it reads.
        let mut hs_scope = Vec::new();
        let mut sf_scope = Vec::new();
        for part in scope_parts {
            let mut conjuncts = Vec::new();
            split_and(part, &mut conjuncts);
            for conjunct in conjuncts {
                if sides_of(&conjunct).contains(&System::Salesforce) {
                    sf_scope.push(conjunct);
                } else {
                    hs_scope.push(conjunct);
                }
            }
        }
        program.hs.scope = join_and(hs_scope);
        program.sf.scope = join_and(sf_scope);
        program.hs.pushdown = program
            .hs
            .scope
            .as_ref()
            .and_then(|s| pushdown_for(s, System::Hubspot));
        program.sf.pushdown = program
            .sf
            .scope
            .as_ref()
            .and_then(|s| pushdown_for(s, System::Salesforce));
        self.finish_reads(&mut program);
        super::association::association_facts(self.schemas, &mut program);
        Some(program)
    }

    fn side(&self, system: System, object: &str) -> SideProgram {
        let schema = self.schemas.get(system).and_then(|s| s.object(object));
        SideProgram {
            object: object.to_string(),
            read_fields: Vec::new(),
            pushdown: None,
            scope: None,
            fields: BTreeMap::new(),
            required_on_create: schema
                .map(|o| {
                    o.fields
                        .values()
                        .filter(|f| f.required_on_create && f.writable_on_create())
                        .map(|f| f.name.clone())
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// Collects every field each side reads, with its facts from the schema.
    fn finish_reads(&self, program: &mut SyncProgram) {
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
        for (system, names) in [
            (System::Hubspot, hs_fields),
            (System::Salesforce, sf_fields),
        ] {
            let object = program.side(system).object.clone();
            let schema = self.schemas.get(system).and_then(|s| s.object(&object));
            let mut facts = BTreeMap::new();
            for name in &names {
                let field = schema.and_then(|o| o.field(name));
                let entry = match field {
                    Some(field) => FieldFacts {
                        field_type: field.field_type,
                        max_length: match field.field_type {
                            FieldType::String
                            | FieldType::Textarea
                            | FieldType::Email
                            | FieldType::Phone
                            | FieldType::Url => field.length.filter(|l| *l > 0),
                            _ => None,
                        },
                        allowed_values: field
                            .picklist
                            .as_ref()
                            .filter(|p| p.restricted && !field.external_options)
                            .map(|p| p.active_values().map(|v| v.value.clone()).collect()),
                        createable: field.writable_on_create(),
                        updateable: field.writable_on_update(),
                        association: None,
                        default_on_create: FieldFacts::create_default_of(field),
                    },
                    None => FieldFacts::of_type(if name == "Id" {
                        FieldType::Id
                    } else {
                        FieldType::String
                    }),
                };
                facts.insert(name.clone(), entry);
            }
            let side = match system {
                System::Hubspot => &mut program.hs,
                System::Salesforce => &mut program.sf,
            };
            side.read_fields = names.into_iter().collect();
            side.fields = facts;
        }
    }

    fn conflict_rule(&mut self, rule: &ast::ConflictRule) -> Option<ConflictRule> {
        Some(match &rule.kind {
            ast::ConflictRuleKind::Prefer { side, unless_blank } => {
                let side = self.system_of(side)?;
                if *unless_blank {
                    ConflictRule::PreferUnlessBlank { side }
                } else {
                    ConflictRule::Prefer { side }
                }
            }
            ast::ConflictRuleKind::Newest => ConflictRule::Newest,
            ast::ConflictRuleKind::Review => ConflictRule::Review,
        })
    }

    fn mapping(&mut self, program: &mut SyncProgram, mapping: &ast::Mapping, flipped: bool) {
        let (Some(left), Some(right)) = (self.expr(&mapping.left), self.expr(&mapping.right))
        else {
            return;
        };
        let direction = match (mapping.direction, flipped) {
            (ast::Direction::Both, _) => Direction::Both,
            (ast::Direction::LeftToRight, false) | (ast::Direction::RightToLeft, true) => {
                Direction::HsToSf
            }
            _ => Direction::SfToHs,
        };
        let (hs_expr, sf_expr) = if flipped {
            (right, left)
        } else {
            (left, right)
        };
        let through = mapping.through().map(|t| t.name.clone());
        if let Some(name) = &through
            && !program.depends_on.contains(name)
        {
            program.depends_on.push(name.clone());
        }
        if through.is_some() {
            let conflict = mapping.conflict_rule().and_then(|r| self.conflict_rule(r));
            if let Some(field) = super::association::lower_association(
                self.schemas,
                program,
                mapping,
                flipped,
                direction,
                conflict,
            ) {
                program.fields.push(field);
                return;
            }
        }
        if is_association(&mapping.left) || is_association(&mapping.right) {
            program.not_synced.push(format!(
                "association mapping `{}` (associations are not synced by this version)",
                self.spec_text(mapping)
            ));
            return;
        }
        let hs_field = hs_expr.as_plain_field(System::Hubspot).map(str::to_string);
        let sf_field = sf_expr
            .as_plain_field(System::Salesforce)
            .map(str::to_string);
        if hs_field.is_none() && sf_field.is_none() {
            self.error(
                mapping.span,
                CompileError::MappingWithoutField {
                    at: at(mapping.span),
                },
            );
            return;
        }
        // Forward (left -> right in the spec) and reverse expressions, then per side.
        let forward = mapping.transform().and_then(|e| self.expr(e));
        let reverse = mapping.reverse().and_then(|e| self.expr(e));
        let (transform_to_sf, transform_to_hs) = if flipped {
            (reverse, forward)
        } else {
            (forward, reverse)
        };
        let mut to_sf = direction
            .flows_to(System::Salesforce)
            .then(|| transform_to_sf.unwrap_or_else(|| hs_expr.clone()));
        let mut to_hs = direction
            .flows_to(System::Hubspot)
            .then(|| transform_to_hs.unwrap_or_else(|| sf_expr.clone()));
        if let Some(map) = mapping.value_map() {
            let (forward_map, reverse_map) = self.value_maps(map);
            // Orient the map's `=>` to the mapping's written sides before choosing systems.
            let (forward_map, reverse_map) = if self.map_runs_right_to_left(map, mapping, flipped) {
                (reverse_map, forward_map)
            } else {
                (forward_map, reverse_map)
            };
            let (map_to_sf, map_to_hs) = if flipped {
                (reverse_map, forward_map)
            } else {
                (forward_map, reverse_map)
            };
            to_sf = to_sf.map(|e| wrap_map(e, map_to_sf.clone()));
            to_hs = to_hs.map(|e| wrap_map(e, map_to_hs.clone()));
        }
        if let Some(length) = mapping.truncate() {
            let wrap = |e: Expr| Expr::call("truncate", vec![e, Expr::literal(json!(length))]);
            to_sf = to_sf.map(wrap);
            to_hs = to_hs.map(wrap);
        }
        let default = mapping
            .default_value()
            .and_then(|e| self.expr(e))
            .and_then(|e| match e {
                Expr::Literal { value } => Some(value),
                _ => None,
            });
        let conflict = mapping.conflict_rule().and_then(|r| self.conflict_rule(r));
        let hs_name = hs_field.unwrap_or_default();
        let sf_name = sf_field.unwrap_or_default();
        let key = if !hs_name.is_empty() && !sf_name.is_empty() {
            format!("{hs_name}<->{sf_name}")
        } else if hs_name.is_empty() {
            format!("->{sf_name}")
        } else {
            format!("{hs_name}<-")
        };
        program.fields.push(FieldProgram {
            key,
            hs_field: hs_name,
            sf_field: sf_name,
            direction,
            to_sf,
            to_hs,
            conflict,
            keep_when_blank: mapping.keeps_when_blank(),
            default,
            through,
        });
    }

    fn spec_text(&self, mapping: &ast::Mapping) -> String {
        let side = |e: &ast::Expr| match &e.kind {
            ast::ExprKind::Field(path) => path.display(),
            _ => "…".to_string(),
        };
        format!(
            "{} {} {}",
            side(&mapping.left),
            mapping.direction.symbol(),
            side(&mapping.right)
        )
    }

    /// Whether the map's `=>` runs from the mapping's right side to its left. A named map
    /// with a header is read in the direction its fields say; an inline or headerless map
    /// follows the direction the value flows (the language reference), so on a `<-` mapping
    /// its `=>` runs right to left.
    fn map_runs_right_to_left(
        &mut self,
        map: &ast::ValueMapRef,
        mapping: &ast::Mapping,
        flipped: bool,
    ) -> bool {
        let header = match map {
            ast::ValueMapRef::Named(name) => self
                .spec
                .maps()
                .find(|m| m.name.name == name.name)
                .and_then(|def| def.header.clone()),
            ast::ValueMapRef::Inline(_) => None,
        };
        match header {
            Some(header) => {
                let from = match header.direction {
                    ast::Direction::RightToLeft => &header.right.connection,
                    _ => &header.left.connection,
                };
                let text_left = if flipped {
                    System::Salesforce
                } else {
                    System::Hubspot
                };
                self.system_of(from)
                    .is_some_and(|system| system != text_left)
            }
            None => mapping.direction == ast::Direction::RightToLeft,
        }
    }

    /// The forward and reverse value maps of `via`.
    fn value_maps(&mut self, map: &ast::ValueMapRef) -> (Option<MapTable>, Option<MapTable>) {
        let body = match map {
            ast::ValueMapRef::Inline(body) => body.clone(),
            ast::ValueMapRef::Named(name) => {
                match self.spec.maps().find(|m| m.name.name == name.name) {
                    Some(def) => def.body.clone(),
                    None => {
                        self.error(
                            name.span,
                            CompileError::UnknownMap {
                                name: name.name.clone(),
                                at: at(name.span),
                            },
                        );
                        return (None, None);
                    }
                }
            }
        };
        let mut forward = MapTable::default();
        let mut reverse = MapTable::default();
        for (left, arrow, right) in body.pairs() {
            let (l, r) = (literal(&left.value), literal(&right.value));
            if let Some(key) = crate::plan::value::as_text(&l) {
                forward.entries.entry(key).or_insert(r.clone());
            }
            if arrow == ast::PairArrow::Both
                && let Some(key) = crate::plan::value::as_text(&r)
            {
                reverse.entries.entry(key).or_insert(l);
            }
        }
        // The language reference: `else => v` applies in the written direction only,
        // `else error` rejects an unlisted value both ways, and with neither an unlisted
        // value is written unchanged.
        match body.fallback().map(|arm| &arm.kind) {
            Some(ast::MapArmKind::Else { value }) => {
                forward.otherwise = Some(literal(&value.value));
                reverse.passthrough = true;
            }
            Some(ast::MapArmKind::ElseError) => {}
            None | Some(ast::MapArmKind::Pair { .. }) => {
                forward.passthrough = true;
                reverse.passthrough = true;
            }
        }
        (Some(forward), body.is_two_way().then_some(reverse))
    }

    fn expr(&mut self, expr: &ast::Expr) -> Option<Expr> {
        Some(match &expr.kind {
            ast::ExprKind::Literal(lit) => Expr::literal(literal(&lit.value)),
            ast::ExprKind::Field(path) => {
                let system = self.system_of(&path.connection)?;
                if path.segments.len() != 1 {
                    self.error(
                        path.span,
                        CompileError::RelatedPath {
                            path: path.display(),
                            at: at(path.span),
                        },
                    );
                    return None;
                }
                Expr::field(system, &path.segments[0].name.name)
            }
            ast::ExprKind::Name(ident) => Expr::literal(Value::String(ident.name.clone())),
            ast::ExprKind::Unary { op, operand } => {
                let operand = self.expr(operand)?;
                match op {
                    ast::UnaryOp::Neg => Expr::binary("*", Expr::literal(json!(-1)), operand),
                    ast::UnaryOp::Not => Expr::Not {
                        operand: Box::new(operand),
                    },
                }
            }
            ast::ExprKind::Binary { op, left, right } => {
                let (left, right) = (self.expr(left)?, self.expr(right)?);
                match op {
                    ast::BinaryOp::Coalesce => Expr::call("coalesce", vec![left, right]),
                    other => Expr::binary(other.symbol(), left, right),
                }
            }
            ast::ExprKind::In {
                value,
                list,
                negated,
            } => {
                let operand = Box::new(self.expr(value)?);
                let values = list
                    .iter()
                    .filter_map(|e| match &e.kind {
                        ast::ExprKind::Literal(lit) => Some(literal(&lit.value)),
                        _ => None,
                    })
                    .collect();
                let test = Expr::In { operand, values };
                if *negated {
                    Expr::Not {
                        operand: Box::new(test),
                    }
                } else {
                    test
                }
            }
            ast::ExprKind::IsBlank { value, negated } => {
                let present = Expr::call("not_blank", vec![self.expr(value)?]);
                if *negated {
                    present
                } else {
                    Expr::Not {
                        operand: Box::new(present),
                    }
                }
            }
            ast::ExprKind::If {
                condition,
                then_branch,
                else_branch,
            } => Expr::If {
                condition: Box::new(self.expr(condition)?),
                then_branch: Box::new(self.expr(then_branch)?),
                else_branch: Box::new(self.expr(else_branch)?),
            },
            ast::ExprKind::Call { function, args } => {
                if function.name == "lookup" {
                    return self.lookup(function, args);
                }
                const KNOWN: &[&str] = &[
                    "lower",
                    "upper",
                    "trim",
                    "domain",
                    "round",
                    "truncate",
                    "left",
                    "concat",
                    "coalesce",
                    "date",
                    "datetime",
                    "format_date",
                    "format_datetime",
                    "number",
                    "replace",
                    "split",
                    "text",
                ];
                if !KNOWN.contains(&function.name.as_str()) {
                    self.error(
                        function.span,
                        CompileError::UnsupportedFunction {
                            name: function.name.clone(),
                            at: at(function.span),
                        },
                    );
                    return None;
                }
                let args = args
                    .iter()
                    .map(|a| self.expr(a))
                    .collect::<Option<Vec<_>>>()?;
                Expr::call(&function.name, args)
            }
        })
    }

    /// `lookup(table, x)`: the table's value for `x`; blank when the table has no row for it.
    fn lookup(&mut self, function: &ast::Ident, args: &[ast::Expr]) -> Option<Expr> {
        let (Some(table), Some(operand)) = (args.first(), args.get(1)) else {
            self.error(
                function.span,
                CompileError::UnsupportedFunction {
                    name: "lookup".to_string(),
                    at: at(function.span),
                },
            );
            return None;
        };
        let name = match &table.kind {
            ast::ExprKind::Name(ident) => ident.name.clone(),
            _ => String::new(),
        };
        let Some(rows) = self.tables.get(&name) else {
            self.error(
                table.span,
                CompileError::UnknownMap {
                    name,
                    at: at(table.span),
                },
            );
            return None;
        };
        let entries = rows
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        Some(Expr::ValueMap {
            operand: Box::new(self.expr(operand)?),
            entries,
            otherwise: Some(Value::Null),
            passthrough: false,
        })
    }
}

#[derive(Debug, Clone, Default)]
struct MapTable {
    entries: BTreeMap<String, Value>,
    otherwise: Option<Value>,
    /// An unlisted value is written unchanged (no `else error`).
    passthrough: bool,
}

fn wrap_map(expr: Expr, map: Option<MapTable>) -> Expr {
    match map {
        Some(map) => Expr::ValueMap {
            operand: Box::new(expr),
            entries: map.entries,
            otherwise: map.otherwise,
            passthrough: map.passthrough,
        },
        None => expr,
    }
}

fn literal(value: &ast::LiteralValue) -> Value {
    match value {
        ast::LiteralValue::String(text) => Value::String(text.clone()),
        ast::LiteralValue::Number(text) => text
            .parse::<f64>()
            .ok()
            .and_then(crate::plan::value::number_value)
            .unwrap_or_else(|| Value::String(text.clone())),
        ast::LiteralValue::Bool(flag) => Value::Bool(*flag),
        ast::LiteralValue::Date(date) => Value::String(date.format("%Y-%m-%d").to_string()),
        ast::LiteralValue::DateTime(dt) => Value::String(
            dt.with_timezone(&chrono::Utc)
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        ),
    }
}

fn is_association(expr: &ast::Expr) -> bool {
    matches!(&expr.kind, ast::ExprKind::Field(path) if path.segments.iter().any(|s| s.selector.is_some()))
}

fn sides_of(expr: &Expr) -> BTreeSet<System> {
    let mut fields = Vec::new();
    expr.fields(&mut fields);
    fields.into_iter().map(|(side, _)| side).collect()
}

fn split_and(expr: Expr, out: &mut Vec<Expr>) {
    match expr {
        Expr::Binary {
            operator,
            left,
            right,
        } if operator == "and" => {
            split_and(*left, out);
            split_and(*right, out);
        }
        other => out.push(other),
    }
}

fn join_and(parts: Vec<Expr>) -> Option<Expr> {
    parts
        .into_iter()
        .reduce(|acc, next| Expr::binary("and", acc, next))
}

/// A digest of the schema snapshots (hex SHA-256 of their canonical JSON).
pub fn schema_digest(schemas: &Schemas) -> String {
    let json = serde_json::to_vec(&schemas.by_system).unwrap_or_default();
    hex_digest(&json)
}
