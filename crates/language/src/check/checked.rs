//! The checked spec: the typed representation `compile` consumes.
//!
//! Every name is resolved (connections to systems, objects and fields to their schemas),
//! every expression carries its type, value maps are resolved and oriented per direction,
//! and every mapping knows its effective conflict rule. `check` always returns one, built as
//! far as the spec allows; it is only complete and trustworthy when `check` reported no
//! errors, which is the only time `compile` may run.
//!
//! Order is source order everywhere (syncs, mappings, flows), so anything derived from it is
//! deterministic.

use std::collections::BTreeMap;
use std::sync::Arc;

use tandem_ground::diagnostics::Span;
use tandem_ground::schema::{FieldSchema, ObjectSchema, System};
use tandem_syntax::ast::{BinaryOp, DeleteAction, Direction, LimitKind, LiteralValue, UnaryOp};

use super::functions::Function;
use super::types::Ty;

/// The whole spec after checking.
#[derive(Debug, Clone, Default)]
pub struct CheckedSpec {
    /// Connections by alias (`hs`, `sf`).
    pub connections: BTreeMap<String, CheckedConnection>,
    /// Named value maps by name (inline `via { ... }` maps live on their flows).
    pub maps: BTreeMap<String, CheckedMap>,
    /// Lookup tables by name, with their rows.
    pub tables: BTreeMap<String, CheckedTable>,
    /// Syncs in source order.
    pub syncs: Vec<CheckedSync>,
    /// Triggered actions in source order.
    pub triggers: Vec<CheckedTrigger>,
}

impl CheckedSpec {
    pub fn sync(&self, name: &str) -> Option<&CheckedSync> {
        self.syncs.iter().find(|sync| sync.name == name)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CheckedConnection {
    pub name: String,
    pub system: System,
    pub span: Span,
}

/// One side of a sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Side {
    Left,
    Right,
}

impl Side {
    pub fn other(self) -> Side {
        match self {
            Side::Left => Side::Right,
            Side::Right => Side::Left,
        }
    }
}

/// An object bound to a connection: `hs.companies`, `sf.Account`.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundObject {
    pub connection: String,
    pub system: System,
    /// The object's schema (shared, so the checked spec stands alone without copying it
    /// into every reference).
    pub schema: Arc<ObjectSchema>,
    pub span: Span,
}

impl BoundObject {
    pub fn name(&self) -> &str {
        &self.schema.name
    }
}

/// A Salesforce relationship followed on the way to a field (`sf.Account.Name` follows
/// `AccountId` to `Account`).
#[derive(Debug, Clone, PartialEq)]
pub struct RelationshipHop {
    /// The reference field holding the id (`AccountId`).
    pub reference_field: String,
    /// The relationship name as written (`Account`).
    pub relationship: String,
    /// The object reached (`Account`).
    pub object: String,
}

/// Which records a path reads or writes, relative to the record in context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordSelector {
    /// The record in context (the sync's record on that side, or the watched record).
    This,
    /// `hs.contacts(associated)`: the records of that object associated with the record in
    /// context (through HubSpot associations or the syncs' record links).
    Associated,
}

/// A resolved field reference.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldRef {
    pub connection: String,
    pub system: System,
    /// The sync side the path belongs to (`None` outside syncs).
    pub side: Option<Side>,
    /// The object the path starts from.
    pub base_object: String,
    pub selector: RecordSelector,
    /// Relationships followed from `base_object` (empty for a field of the object itself).
    pub hops: Vec<RelationshipHop>,
    /// The object that owns `field` (the last hop's object, else `base_object`).
    pub object: String,
    /// The field's schema, shared between every reference to the same field.
    pub field: Arc<FieldSchema>,
    pub span: Span,
}

impl FieldRef {
    /// `hs.contacts.email`, `sf.Opportunity.Account.Name`: for messages.
    pub fn display(&self) -> String {
        let mut out = format!("{}.{}", self.connection, self.base_object);
        for hop in &self.hops {
            out.push('.');
            out.push_str(&hop.relationship);
        }
        out.push('.');
        out.push_str(&self.field.name);
        out
    }

    /// Whether this is a plain field of the record in context (no hops, no selector).
    pub fn is_direct(&self) -> bool {
        self.hops.is_empty() && self.selector == RecordSelector::This
    }
}

/// A typed expression.
#[derive(Debug, Clone, PartialEq)]
pub struct TypedExpr {
    pub kind: TypedExprKind,
    pub ty: Ty,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypedExprKind {
    Literal(LiteralValue),
    Field(Box<FieldRef>),
    /// A lookup table name (only as `lookup`'s first argument).
    Table(String),
    Unary {
        op: UnaryOp,
        operand: Box<TypedExpr>,
    },
    Binary {
        op: BinaryOp,
        left: Box<TypedExpr>,
        right: Box<TypedExpr>,
    },
    In {
        value: Box<TypedExpr>,
        list: Vec<TypedExpr>,
        negated: bool,
    },
    IsBlank {
        value: Box<TypedExpr>,
        negated: bool,
    },
    If {
        condition: Box<TypedExpr>,
        then_branch: Box<TypedExpr>,
        else_branch: Box<TypedExpr>,
    },
    Call {
        function: Function,
        args: Vec<TypedExpr>,
    },
    /// An expression that failed to check (a diagnostic was reported).
    Invalid,
}

impl TypedExpr {
    pub fn invalid(span: Span) -> TypedExpr {
        TypedExpr {
            kind: TypedExprKind::Invalid,
            ty: Ty::UNKNOWN,
            span,
        }
    }

    /// Every field the expression reads, in order.
    pub fn fields(&self) -> Vec<&FieldRef> {
        let mut out = Vec::new();
        self.collect_fields(&mut out);
        out
    }

    fn collect_fields<'a>(&'a self, out: &mut Vec<&'a FieldRef>) {
        match &self.kind {
            TypedExprKind::Field(field) => out.push(field),
            TypedExprKind::Literal(_) | TypedExprKind::Table(_) | TypedExprKind::Invalid => {}
            TypedExprKind::Unary { operand, .. } => operand.collect_fields(out),
            TypedExprKind::Binary { left, right, .. } => {
                left.collect_fields(out);
                right.collect_fields(out);
            }
            TypedExprKind::In { value, list, .. } => {
                value.collect_fields(out);
                for item in list {
                    item.collect_fields(out);
                }
            }
            TypedExprKind::IsBlank { value, .. } => value.collect_fields(out),
            TypedExprKind::If {
                condition,
                then_branch,
                else_branch,
            } => {
                condition.collect_fields(out);
                then_branch.collect_fields(out);
                else_branch.collect_fields(out);
            }
            TypedExprKind::Call { args, .. } => {
                for arg in args {
                    arg.collect_fields(out);
                }
            }
        }
    }

    /// The field when the expression is a plain field reference.
    pub fn as_field(&self) -> Option<&FieldRef> {
        match &self.kind {
            TypedExprKind::Field(field) => Some(field),
            _ => None,
        }
    }

    /// The value when the expression is written as one rather than computed per record: a
    /// literal, or `-` directly before a number literal (`-1.5`). Items of `in [...]` and
    /// `default` must be one (the checker reports anything else), and compile lowers exactly
    /// these to fixed values, so the two stages agree on what a literal is.
    pub fn as_literal(&self) -> Option<WrittenLiteral<'_>> {
        match &self.kind {
            TypedExprKind::Literal(value) => Some(WrittenLiteral {
                value,
                negated: false,
            }),
            TypedExprKind::Unary {
                op: UnaryOp::Neg,
                operand,
            } => match &operand.kind {
                TypedExprKind::Literal(value @ LiteralValue::Number(_)) => Some(WrittenLiteral {
                    value,
                    negated: true,
                }),
                _ => None,
            },
            _ => None,
        }
    }
}

/// A literal as written in the spec: the literal, and whether a `-` precedes it (only ever a
/// number's).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WrittenLiteral<'a> {
    pub value: &'a LiteralValue,
    pub negated: bool,
}

impl WrittenLiteral<'_> {
    /// A literal as the planner's JSON value: numbers as JSON numbers (integers when whole),
    /// dates as `YYYY-MM-DD`, datetimes as UTC RFC 3339 with milliseconds. A number JSON
    /// cannot hold (beyond `f64`) stays the text written, sign included. Compile lowers
    /// literals with this, and the checker reads value-map keys with it, so a key is checked
    /// as the planner will compare it.
    pub fn json(&self) -> serde_json::Value {
        use serde_json::Value;
        match self.value {
            LiteralValue::String(text) => Value::String(text.clone()),
            LiteralValue::Number(text) => {
                let sign = if self.negated { -1.0 } else { 1.0 };
                text.parse::<f64>()
                    .ok()
                    .and_then(|number| tandem_ground::value::number_value(sign * number))
                    .unwrap_or_else(|| {
                        let minus = if self.negated { "-" } else { "" };
                        Value::String(format!("{minus}{text}"))
                    })
            }
            LiteralValue::Bool(flag) => Value::Bool(*flag),
            LiteralValue::Date(date) => Value::String(date.format("%Y-%m-%d").to_string()),
            LiteralValue::DateTime(datetime) => Value::String(
                datetime
                    .with_timezone(&chrono::Utc)
                    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            ),
        }
    }
}

/// The text a value-map key is matched as (`2.50` is "2.5", `true` is "true").
pub fn key_text(literal: &LiteralValue) -> String {
    let json = WrittenLiteral {
        value: literal,
        negated: false,
    }
    .json();
    tandem_ground::value::as_text(&json).unwrap_or_default()
}

/// A named value map, as declared.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedMap {
    pub name: String,
    /// The declared fields (`hs.deals.dealstage <-> sf.Opportunity.StageName`), if any.
    pub header: Option<MapHeaderRef>,
    pub pairs: Vec<MapPair>,
    pub fallback: MapFallback,
    /// The `else => value` literal as written (numbers and booleans keep their type), when
    /// `fallback` is [`MapFallback::Value`].
    pub fallback_literal: Option<LiteralValue>,
    /// Declared `<->` (or undeclared) with every pair `<=>`.
    pub two_way: bool,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MapHeaderRef {
    pub left: FieldRef,
    pub direction: Direction,
    pub right: FieldRef,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MapPair {
    pub left: String,
    pub right: String,
    /// Written `<=>`: usable right to left too.
    pub both_ways: bool,
    /// The two values as written (`left` and `right` are their text), so compile keeps
    /// numbers, booleans and dates typed.
    pub left_literal: LiteralValue,
    pub right_literal: LiteralValue,
    pub span: Span,
}

/// What a value map does with a value it does not list.
#[derive(Debug, Clone, PartialEq)]
pub enum MapFallback {
    /// No `else`: the value passes through unchanged.
    PassThrough,
    /// `else => "Other"`.
    Value(String),
    /// `else error`: the record fails with a diagnostic at plan time.
    Error,
}

/// A value map oriented for one flow: source value -> target value.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedValueMap {
    /// The named map, or `None` for an inline `via { ... }`.
    pub name: Option<String>,
    pub entries: BTreeMap<String, String>,
    pub fallback: MapFallback,
    /// The pairs this flow reads, as written and oriented (source literal, target literal),
    /// in source order with repeats: compile builds its typed entries from them.
    pub literal_pairs: Vec<(LiteralValue, LiteralValue)>,
    /// The `else => value` literal when it applies in this direction (`fallback` is
    /// [`MapFallback::Value`]).
    pub fallback_literal: Option<LiteralValue>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CheckedTable {
    pub name: String,
    /// The CSV path as written in the spec (relative to the spec's folder).
    pub path: String,
    /// key -> value, in file order.
    pub rows: indexmap::IndexMap<String, String>,
    pub span: Span,
}

/// A sync after checking.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedSync {
    pub name: String,
    pub left: BoundObject,
    pub right: BoundObject,
    /// Which way data may flow at all.
    pub direction: Direction,
    /// Match keys in the order they are tried.
    pub match_keys: Vec<MatchKey>,
    /// Scope conditions (all must hold), each typed `Bool`.
    pub scope: Vec<TypedExpr>,
    /// Sides on which records may be created.
    pub create_on: Vec<Side>,
    /// The sync-wide conflict rule (`conflict ...`), if written.
    pub default_conflict: Option<ConflictPolicy>,
    /// `on delete ...`; `Ignore` when not written.
    pub on_delete: DeleteAction,
    pub limits: BTreeMap<LimitKind, u64>,
    pub mappings: Vec<CheckedMapping>,
    pub span: Span,
}

impl CheckedSync {
    pub fn side(&self, side: Side) -> &BoundObject {
        match side {
            Side::Left => &self.left,
            Side::Right => &self.right,
        }
    }

    pub fn may_create_on(&self, side: Side) -> bool {
        self.create_on.contains(&side)
    }
}

/// `match <left> = <right>`.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchKey {
    /// Computed from the left side's fields.
    pub left: TypedExpr,
    /// Computed from the right side's fields.
    pub right: TypedExpr,
    /// Whether one side is a record id of the other (`hs.salesforceaccountid = sf.Id`).
    pub id_link: bool,
    pub span: Span,
}

/// Who wins when both sides changed a field since the last run.
#[derive(Debug, Clone, PartialEq)]
pub struct ConflictPolicy {
    pub rule: ConflictRule,
    /// Written on the mapping itself (not inherited from the sync).
    pub explicit: bool,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictRule {
    /// `prefer <side>` / `prefer <side> unless blank`.
    Prefer {
        side: Side,
        unless_blank: bool,
    },
    Newest,
    Review,
}

/// One mapping line.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedMapping {
    pub direction: Direction,
    /// The left field when the left side is a plain field (always for `<-` and `<->`).
    pub left: Option<FieldRef>,
    /// The right field when the right side is a plain field (always for `->` and `<->`).
    pub right: Option<FieldRef>,
    /// One flow per direction data moves (one for `->`/`<-`, two for `<->`).
    pub flows: Vec<Flow>,
    /// The effective conflict rule of a two-way mapping: its own, else the sync's.
    pub conflict: Option<ConflictPolicy>,
    /// The rule written on the mapping itself (`prefer sf`), also on a one-way mapping,
    /// where it never decides anything but is still part of what the spec says.
    pub written_conflict: Option<ConflictPolicy>,
    /// `keep when blank`.
    pub keep_when_blank: bool,
    /// `through <sync>`: the mapping links records (an association or a reference field)
    /// and ids are translated through that sync's record links.
    pub through: Option<String>,
    pub span: Span,
}

/// Data moving one way through a mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    pub from: Side,
    pub to: Side,
    /// The field written.
    pub target: FieldRef,
    /// The value before the value map: the source field, or the transform / reverse.
    pub value: TypedExpr,
    /// The value map, oriented source -> target.
    pub value_map: Option<ResolvedValueMap>,
    /// `default ...`: written when the value is blank.
    pub default: Option<TypedExpr>,
    /// `truncate N`.
    pub truncate: Option<u32>,
}

/// `on <field> becomes <value> when <cond> { ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedTrigger {
    /// The watched field, on the watched object.
    pub field: FieldRef,
    pub event: TriggerEvent,
    pub condition: Option<TypedExpr>,
    pub actions: Vec<CheckedAction>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TriggerEvent {
    Becomes(TypedExpr),
    Changes,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CheckedAction {
    /// `set <target> = <value> [via map]`.
    Set {
        target: Box<FieldRef>,
        value: TypedExpr,
        /// The value map, oriented value -> target.
        value_map: Option<ResolvedValueMap>,
        span: Span,
    },
    Create {
        object: Box<BoundObject>,
        fields: Vec<(FieldRef, TypedExpr)>,
        span: Span,
    },
    Notify {
        channel: String,
        target: String,
        message: Vec<TemplatePiece>,
        span: Span,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum TemplatePiece {
    Text(String),
    Hole(TypedExpr),
}
