//! The abstract syntax tree of a tandem spec.
//!
//! Every node carries the [`Span`] of the source text it came from, so later stages can
//! point diagnostics at the exact code. The tree is CRM-agnostic: a field path such as
//! `hs.contacts(associated).lifecyclestage` is kept as written (connection, then segments);
//! the checker decides what each segment means in its context. Comments and layout are not
//! part of the tree (the formatter reads them from the source text).
//!
//! Stability: later changes to these types are additive where possible; the checker codes
//! against them.

use serde::Serialize;

use tandem_ground::diagnostics::Span;
pub use tandem_ground::schema::System;

/// A whole spec: the items of every file, in file order, then source order.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Spec {
    pub items: Vec<Item>,
}

impl Spec {
    pub fn connections(&self) -> impl Iterator<Item = &Connection> {
        self.items.iter().filter_map(|item| match item {
            Item::Connection(connection) => Some(connection),
            _ => None,
        })
    }

    pub fn maps(&self) -> impl Iterator<Item = &MapDef> {
        self.items.iter().filter_map(|item| match item {
            Item::Map(map) => Some(map),
            _ => None,
        })
    }

    pub fn tables(&self) -> impl Iterator<Item = &TableDef> {
        self.items.iter().filter_map(|item| match item {
            Item::Table(table) => Some(table),
            _ => None,
        })
    }

    pub fn syncs(&self) -> impl Iterator<Item = &SyncDef> {
        self.items.iter().filter_map(|item| match item {
            Item::Sync(sync) => Some(sync),
            _ => None,
        })
    }

    pub fn triggers(&self) -> impl Iterator<Item = &Trigger> {
        self.items.iter().filter_map(|item| match item {
            Item::Trigger(trigger) => Some(trigger),
            _ => None,
        })
    }
}

/// A name as written, with where it was written.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

impl Ident {
    pub fn as_str(&self) -> &str {
        &self.name
    }
}

/// One top-level item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Item {
    Connection(Connection),
    Map(MapDef),
    Table(TableDef),
    Sync(SyncDef),
    Trigger(Trigger),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Connection(item) => item.span,
            Item::Map(item) => item.span,
            Item::Table(item) => item.span,
            Item::Sync(item) => item.span,
            Item::Trigger(item) => item.span,
        }
    }
}

// ----------------------------------------------------------------- connections

/// `connection hs: hubspot`. Credentials never appear in a spec.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Connection {
    pub name: Ident,
    pub system: System,
    /// The span of the system word (`hubspot`).
    pub system_span: Span,
    pub span: Span,
}

// ----------------------------------------------------------------- value maps

/// `map deal_stage: hs.deals.dealstage <-> sf.Opportunity.StageName { ... }`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MapDef {
    pub name: Ident,
    /// The fields the map translates between, when declared (lets the checker verify every
    /// value against the picklists).
    pub header: Option<MapHeader>,
    pub body: MapBody,
    pub span: Span,
}

impl MapDef {
    /// A map can serve a two-way mapping only when it is declared `<->` (or undeclared) and
    /// every pair is written `<=>`.
    pub fn is_two_way(&self) -> bool {
        let header_allows = self
            .header
            .as_ref()
            .is_none_or(|header| header.direction == Direction::Both);
        header_allows && self.body.is_two_way()
    }
}

/// `: hs.contacts.lifecyclestage -> sf.Lead.Status` in a map declaration. The direction is
/// `->` or `<->` (the grammar has no `<-` here).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MapHeader {
    pub left: FieldPath,
    pub direction: Direction,
    pub right: FieldPath,
    pub span: Span,
}

/// The `{ ... }` of a named map or of an inline `via { ... }`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MapBody {
    pub arms: Vec<MapArm>,
    pub span: Span,
}

impl MapBody {
    /// Every pair is `<=>` (and there is at least one pair).
    pub fn is_two_way(&self) -> bool {
        let mut pairs = self.arms.iter().filter_map(|arm| match &arm.kind {
            MapArmKind::Pair { arrow, .. } => Some(*arrow),
            _ => None,
        });
        let mut any = false;
        let all_two_way = pairs.all(|arrow| {
            any = true;
            arrow == PairArrow::Both
        });
        any && all_two_way
    }

    pub fn pairs(&self) -> impl Iterator<Item = (&Literal, PairArrow, &Literal)> {
        self.arms.iter().filter_map(|arm| match &arm.kind {
            MapArmKind::Pair { left, arrow, right } => Some((left, *arrow, right)),
            _ => None,
        })
    }

    /// The `else` arm, if any.
    pub fn fallback(&self) -> Option<&MapArm> {
        self.arms
            .iter()
            .find(|arm| !matches!(arm.kind, MapArmKind::Pair { .. }))
    }
}

/// One line of a map body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MapArm {
    pub kind: MapArmKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum MapArmKind {
    /// `"a" => "b"` (left to right only) or `"a" <=> "b"` (both ways).
    Pair {
        left: Literal,
        arrow: PairArrow,
        right: Literal,
    },
    /// `else => "Other"`: any left value not listed maps to this.
    Else { value: Literal },
    /// `else error`: a value not listed is an error for that record.
    ElseError,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum PairArrow {
    /// `=>`
    Forward,
    /// `<=>`
    Both,
}

// ---------------------------------------------------------------- lookup tables

/// `table industries from "tables/industries.csv"`: a key,value CSV beside the spec, used as
/// `lookup(industries, key)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableDef {
    pub name: Ident,
    /// The path as written, relative to the spec's folder.
    pub path: StringLit,
    pub span: Span,
}

// ------------------------------------------------------------------------ syncs

/// `sync accounts: hs.companies <-> sf.Account { ... }`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SyncDef {
    pub name: Ident,
    pub left: ObjectRef,
    /// Which way data may flow between the two objects at all (`<->` in the common case).
    pub direction: Direction,
    pub right: ObjectRef,
    pub body: Vec<SyncItem>,
    pub span: Span,
}

impl SyncDef {
    pub fn mappings(&self) -> impl Iterator<Item = &Mapping> {
        self.body.iter().filter_map(|item| match item {
            SyncItem::Mapping(mapping) => Some(mapping),
            _ => None,
        })
    }

    /// Match rules in the order they are tried.
    pub fn match_rules(&self) -> impl Iterator<Item = &MatchRule> {
        self.body.iter().filter_map(|item| match item {
            SyncItem::Match(rule) => Some(rule),
            _ => None,
        })
    }

    /// Scope filters; a record is in scope when all of them hold.
    pub fn scope_filters(&self) -> impl Iterator<Item = &ScopeFilter> {
        self.body.iter().filter_map(|item| match item {
            SyncItem::Scope(filter) => Some(filter),
            _ => None,
        })
    }
}

/// An object on one side of a sync: `hs.companies`, `sf.Subscription__c`, `hs."2-1234567"`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObjectRef {
    pub connection: Ident,
    /// The object's API name (unquoted when it was written as a string).
    pub object: Ident,
    pub span: Span,
}

/// One line of a sync body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum SyncItem {
    Match(MatchRule),
    Scope(ScopeFilter),
    Create(CreatePolicy),
    Conflict(ConflictSetting),
    Delete(DeletePolicy),
    Limits(Limits),
    Mapping(Mapping),
}

impl SyncItem {
    pub fn span(&self) -> Span {
        match self {
            SyncItem::Match(item) => item.span,
            SyncItem::Scope(item) => item.span,
            SyncItem::Create(item) => item.span,
            SyncItem::Conflict(item) => item.span,
            SyncItem::Delete(item) => item.span,
            SyncItem::Limits(item) => item.span,
            SyncItem::Mapping(item) => item.span,
        }
    }
}

/// `match lower(trim(hs.email)) = lower(trim(sf.Email))`: one match key. Keys are tried in
/// the order written. `match hs.salesforceaccountid = sf.Id` is an id link.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatchRule {
    pub left: Expr,
    pub right: Expr,
    pub span: Span,
}

/// `only <condition>`: records outside every scope filter are left alone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScopeFilter {
    pub condition: Expr,
    pub span: Span,
}

/// `create in hs, sf`: the connections on which new records may be created. Without it, a
/// sync only updates records it has matched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CreatePolicy {
    pub sides: Vec<Ident>,
    pub span: Span,
}

/// `conflict <rule>`: the default conflict rule for this sync's two-way mappings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConflictSetting {
    pub rule: ConflictRule,
    pub span: Span,
}

/// Who wins when both sides changed a field since the last run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConflictRule {
    pub kind: ConflictRuleKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ConflictRuleKind {
    /// `prefer sf` or `prefer sf unless blank` (then the other side wins when `sf`'s value
    /// is blank).
    Prefer { side: Ident, unless_blank: bool },
    /// `newest`: the most recently modified value wins.
    Newest,
    /// `review`: the conflict is held for a human.
    Review,
}

/// `on delete ignore | archive | propagate`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeletePolicy {
    pub action: DeleteAction,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum DeleteAction {
    Ignore,
    Archive,
    Propagate,
}

/// `limit creates 500, updates 5000, deletes 0`: the blast radius of one run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Limits {
    pub limits: Vec<Limit>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Limit {
    pub kind: LimitKind,
    pub max: u64,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum LimitKind {
    Creates,
    Updates,
    Deletes,
}

/// The direction data flows: in a mapping, a sync header or a map header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Direction {
    /// `->`: from the left side to the right side.
    LeftToRight,
    /// `<-`: from the right side to the left side.
    RightToLeft,
    /// `<->`: both ways.
    Both,
}

impl Direction {
    pub fn symbol(self) -> &'static str {
        match self {
            Direction::LeftToRight => "->",
            Direction::RightToLeft => "<-",
            Direction::Both => "<->",
        }
    }
}

/// `hs.jobtitle <-> sf.Title truncate 128`.
///
/// The target side (right for `->`, left for `<-`, both for `<->`) is always a plain
/// [`ExprKind::Field`] (the parser guarantees it); a one-way mapping's source side may be
/// any expression (`hs.mrr <- round(sf.Amount / 12, 2)`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mapping {
    pub left: Expr,
    pub direction: Direction,
    pub right: Expr,
    /// In source order; the formatter keeps that order.
    pub modifiers: Vec<Modifier>,
    pub span: Span,
}

impl Mapping {
    pub fn conflict_rule(&self) -> Option<&ConflictRule> {
        self.modifiers.iter().find_map(|m| match &m.kind {
            ModifierKind::Conflict(rule) => Some(rule),
            _ => None,
        })
    }

    pub fn keeps_when_blank(&self) -> bool {
        self.modifiers
            .iter()
            .any(|m| matches!(m.kind, ModifierKind::KeepWhenBlank))
    }

    pub fn default_value(&self) -> Option<&Expr> {
        self.modifiers.iter().find_map(|m| match &m.kind {
            ModifierKind::Default(expr) => Some(expr),
            _ => None,
        })
    }

    pub fn transform(&self) -> Option<&Expr> {
        self.modifiers.iter().find_map(|m| match &m.kind {
            ModifierKind::Transform(expr) => Some(expr),
            _ => None,
        })
    }

    pub fn reverse(&self) -> Option<&Expr> {
        self.modifiers.iter().find_map(|m| match &m.kind {
            ModifierKind::Reverse(expr) => Some(expr),
            _ => None,
        })
    }

    pub fn value_map(&self) -> Option<&ValueMapRef> {
        self.modifiers.iter().find_map(|m| match &m.kind {
            ModifierKind::Via(map) => Some(map),
            _ => None,
        })
    }

    pub fn truncate(&self) -> Option<u64> {
        self.modifiers.iter().find_map(|m| match &m.kind {
            ModifierKind::Truncate(length) => Some(*length),
            _ => None,
        })
    }

    /// `through accounts`: the sync whose record links resolve this association.
    pub fn through(&self) -> Option<&Ident> {
        self.modifiers.iter().find_map(|m| match &m.kind {
            ModifierKind::Through(sync) => Some(sync),
            _ => None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Modifier {
    pub kind: ModifierKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ModifierKind {
    /// `prefer sf`, `prefer hs unless blank`, `newest`, `review`: overrides the sync's rule.
    Conflict(ConflictRule),
    /// `keep when blank`: a blank source value never overwrites a value on the target.
    KeepWhenBlank,
    /// `default "Unknown"`: written when the source value is blank (required fields).
    Default(Expr),
    /// `transform <expr>`: the value written when data flows left to right, computed from
    /// left-side fields.
    Transform(Expr),
    /// `reverse <expr>`: the value written when data flows right to left, computed from
    /// right-side fields (required with `transform` on a two-way mapping).
    Reverse(Expr),
    /// `via deal_stage` or `via { "a" => "b" ... }`.
    Via(ValueMapRef),
    /// `truncate 128`: cut text to at most this many characters.
    Truncate(u64),
    /// `through accounts`: an association whose ids are translated through that sync's
    /// record links.
    Through(Ident),
}

impl ModifierKind {
    /// The modifier's keyword, for messages (`duplicate `via``).
    pub fn keyword(&self) -> &'static str {
        match self {
            ModifierKind::Conflict(_) => "conflict rule",
            ModifierKind::KeepWhenBlank => "keep when blank",
            ModifierKind::Default(_) => "default",
            ModifierKind::Transform(_) => "transform",
            ModifierKind::Reverse(_) => "reverse",
            ModifierKind::Via(_) => "via",
            ModifierKind::Truncate(_) => "truncate",
            ModifierKind::Through(_) => "through",
        }
    }
}

/// The value map a mapping goes `via`.
///
/// A named map with a header is read in the direction its declared fields give. In an
/// inline map, `=>` points the way the value flows: on a `<-` mapping the left of each pair
/// is the right side's value; on a `<->` mapping the left of each `<=>` pair is the left
/// side's value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ValueMapRef {
    Named(Ident),
    Inline(MapBody),
}

// ------------------------------------------------------------ triggered actions

/// `on sf.Opportunity.StageName becomes "Closed Won" when sf.Amount > 0 { ... }`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trigger {
    /// The watched field: `connection.Object.field`.
    pub field: FieldPath,
    pub event: TriggerEvent,
    /// `when <condition>`; inside a trigger, `sf.Amount` means a field of the watched record.
    pub condition: Option<Expr>,
    pub actions: Vec<Action>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TriggerEvent {
    pub kind: TriggerEventKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum TriggerEventKind {
    /// `becomes <value>`: the field changed to this value in this run.
    Becomes(Expr),
    /// `changes`: the field changed in this run.
    Changes,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Action {
    pub kind: ActionKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ActionKind {
    /// `set hs.contacts(associated).lifecyclestage = "customer"`, optionally translated
    /// `via` a value map (`= sf.StageName via stage_to_lifecycle`).
    Set {
        target: FieldPath,
        value: Expr,
        via: Option<ValueMapRef>,
    },
    /// `create sf.Task { Subject = "..." OwnerId = sf.Account.OwnerId }`.
    Create {
        object: ObjectRef,
        fields: Vec<FieldAssignment>,
    },
    /// `notify slack "#revenue-handoff" "Closed won: {sf.Name}"`.
    Notify {
        channel: Ident,
        target: StringLit,
        message: Template,
    },
}

/// `Subject = "Onboard " + sf.Account.Name` inside `create ... { }`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldAssignment {
    pub field: Ident,
    pub value: Expr,
    pub span: Span,
}

/// A string with `{expr}` holes (notify messages).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Template {
    pub parts: Vec<TemplatePart>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum TemplatePart {
    /// Literal text, escapes already resolved.
    Text(String),
    Hole(Expr),
}

// ------------------------------------------------------------------ expressions

/// A field reference: connection, then one or more segments.
///
/// In a sync, `hs.email` is a field of the sync's HubSpot object and `sf.Account.Name`
/// follows a Salesforce relationship; in a trigger, `sf.Opportunity.StageName` names object
/// then field. `hs.contacts(associated)` is a segment with a selector.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldPath {
    pub connection: Ident,
    pub segments: Vec<PathSegment>,
    pub span: Span,
}

impl FieldPath {
    /// The path as the user would write it (`hs.contacts(associated).lifecyclestage`).
    pub fn display(&self) -> String {
        let mut out = self.connection.name.clone();
        for segment in &self.segments {
            out.push('.');
            out.push_str(&segment.display());
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PathSegment {
    /// The segment's name (unquoted when it was written as a string).
    pub name: Ident,
    /// `(associated)` after the name.
    pub selector: Option<Ident>,
    pub span: Span,
}

impl PathSegment {
    pub fn display(&self) -> String {
        let mut out = display_name(&self.name.name);
        if let Some(selector) = &self.selector {
            out.push('(');
            out.push_str(&selector.name);
            out.push(')');
        }
        out
    }
}

/// A name as it must be written: bare when it is an identifier, quoted otherwise.
pub fn display_name(name: &str) -> String {
    let mut chars = name.chars();
    let is_ident = chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if is_ident {
        name.to_string()
    } else {
        format!("\"{}\"", escape_string(name))
    }
}

/// Escapes text for a string literal (`"` `\` newline tab and `{` `}`).
pub fn escape_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            _ => out.push(c),
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ExprKind {
    Literal(Literal),
    Field(FieldPath),
    /// A bare name: only meaningful as a table name (`lookup(industries, hs.industry)`).
    Name(Ident),
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    /// `value in [a, b]` / `value not in [a, b]`.
    In {
        value: Box<Expr>,
        list: Vec<Expr>,
        negated: bool,
    },
    /// `value is blank` / `value is not blank` (blank: missing, null or empty text).
    IsBlank {
        value: Box<Expr>,
        negated: bool,
    },
    /// `if c then a else b`.
    If {
        condition: Box<Expr>,
        then_branch: Box<Expr>,
        else_branch: Box<Expr>,
    },
    /// `lower(hs.email)`: a function from the fixed library.
    Call {
        function: Ident,
        args: Vec<Expr>,
    },
}

impl Expr {
    /// The field path when this expression is a plain field reference.
    pub fn as_field(&self) -> Option<&FieldPath> {
        match &self.kind {
            ExprKind::Field(path) => Some(path),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum UnaryOp {
    /// `-x`
    Neg,
    /// `not x`
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    /// `??`: the left value unless it is blank, else the right.
    Coalesce,
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
    And,
    Or,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Coalesce => "??",
            BinaryOp::Eq => "=",
            BinaryOp::NotEq => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::LtEq => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::GtEq => ">=",
            BinaryOp::And => "and",
            BinaryOp::Or => "or",
        }
    }

    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Eq
                | BinaryOp::NotEq
                | BinaryOp::Lt
                | BinaryOp::LtEq
                | BinaryOp::Gt
                | BinaryOp::GtEq
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Literal {
    pub value: LiteralValue,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum LiteralValue {
    /// Escapes resolved.
    String(String),
    /// Decimal digits as written (`12`, `0.5`); see [`LiteralValue::as_f64`].
    Number(String),
    Bool(bool),
    /// `@2024-01-31`
    Date(chrono::NaiveDate),
    /// `@2024-01-31T09:30:00Z` (an offset is required).
    DateTime(chrono::DateTime<chrono::FixedOffset>),
}

impl LiteralValue {
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            LiteralValue::Number(text) => text.parse().ok(),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            LiteralValue::String(text) => Some(text),
            _ => None,
        }
    }
}

/// A string literal where only a string may appear (table paths, notify targets).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StringLit {
    /// Escapes resolved.
    pub value: String,
    pub span: Span,
}
