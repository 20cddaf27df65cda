//! Pest pairs -> AST items. The grammar guarantees the shape of each pair, so the builder
//! walks children in order; a shape it does not expect is skipped rather than unwrapped, so
//! no input can make it panic. Checks the grammar cannot express (a real date, a known
//! system, a field as a mapping's target) become diagnostics here.

use pest::iterators::{Pair, Pairs};

use super::ast::*;
use super::errors::SyntaxError;
use super::lex;
use super::parser::{Rule, children};
use tandem_ground::diagnostics::{Diag, FileId, Span};

pub(crate) struct Builder {
    pub(crate) file: FileId,
    /// Offset of the parsed slice in its file (error recovery parses from mid-file).
    pub(crate) base: usize,
    pub(crate) diags: Vec<Diag>,
}

impl Builder {
    pub(crate) fn new(file: FileId, base: usize) -> Self {
        Builder {
            file,
            base,
            diags: Vec::new(),
        }
    }

    pub(crate) fn into_diags(self) -> Vec<Diag> {
        self.diags
    }

    /// The pair's span without trailing whitespace and comments, which pest includes when a
    /// rule ends in an optional or repeated part that did not match.
    pub(crate) fn span(&self, pair: &Pair<Rule>) -> Span {
        let span = pair.as_span();
        let start = self.base + span.start();
        Span::new(self.file, start, start + code_len(span.as_str()))
    }

    pub(crate) fn error(&mut self, error: SyntaxError) {
        self.diags.push(Diag::new(self.file, error));
    }

    pub(crate) fn ident(&self, pair: &Pair<Rule>) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span(pair),
        }
    }

    pub(crate) fn spec(&mut self, pairs: Pairs<Rule>) -> Vec<Item> {
        let mut items = Vec::new();
        for spec in pairs {
            for pair in children(spec) {
                let item = match pair.as_rule() {
                    Rule::connection => self.connection(pair).map(Item::Connection),
                    Rule::map_def => self.map_def(pair).map(Item::Map),
                    Rule::table_def => self.table_def(pair).map(Item::Table),
                    Rule::sync_def => self.sync_def(pair).map(Item::Sync),
                    Rule::trigger => self.trigger(pair).map(Item::Trigger),
                    _ => None,
                };
                items.extend(item);
            }
        }
        items
    }

    fn connection(&mut self, pair: Pair<Rule>) -> Option<Connection> {
        let span = self.span(&pair);
        let mut inner = children(pair);
        let name = self.ident(&inner.next()?);
        let system_pair = inner.next()?;
        let system_span = self.span(&system_pair);
        let word = system_pair.as_str();
        let system = match word {
            "hubspot" => System::Hubspot,
            "salesforce" => System::Salesforce,
            other => {
                let suggestion = ["hubspot", "salesforce"]
                    .into_iter()
                    .find(|known| strsim::damerau_levenshtein(&other.to_lowercase(), known) <= 3);
                self.error(SyntaxError::UnknownSystem {
                    found: other.to_string(),
                    suggestion,
                    span: system_span.into(),
                });
                return None;
            }
        };
        Some(Connection {
            name,
            system,
            system_span,
            span,
        })
    }

    fn map_def(&mut self, pair: Pair<Rule>) -> Option<MapDef> {
        let span = self.span(&pair);
        let mut inner = children(pair);
        let name = self.ident(&inner.next()?);
        let mut header = None;
        let mut body = None;
        for child in inner {
            match child.as_rule() {
                Rule::map_header => header = self.map_header(child),
                Rule::map_body => body = Some(self.map_body(child)),
                _ => {}
            }
        }
        Some(MapDef {
            name,
            header,
            body: body?,
            span,
        })
    }

    fn map_header(&mut self, pair: Pair<Rule>) -> Option<MapHeader> {
        let span = self.span(&pair);
        let mut inner = children(pair);
        let left = self.field_path(inner.next()?)?;
        let direction = direction_of(inner.next()?.as_str());
        let right = self.field_path(inner.next()?)?;
        Some(MapHeader {
            left,
            direction,
            right,
            span,
        })
    }

    pub(crate) fn map_body(&mut self, pair: Pair<Rule>) -> MapBody {
        let span = self.span(&pair);
        let mut arms = Vec::new();
        for arm in children(pair) {
            let arm_span = self.span(&arm);
            let kind = match arm.as_rule() {
                Rule::map_pair => {
                    let mut inner = children(arm);
                    let (Some(left), Some(arrow), Some(right)) =
                        (inner.next(), inner.next(), inner.next())
                    else {
                        continue;
                    };
                    let arrow = if arrow.as_str() == "<=>" {
                        PairArrow::Both
                    } else {
                        PairArrow::Forward
                    };
                    let (Some(left), Some(right)) = (self.literal(left), self.literal(right))
                    else {
                        continue;
                    };
                    MapArmKind::Pair { left, arrow, right }
                }
                Rule::map_else => {
                    let Some(value) = children(arm).next().and_then(|v| self.literal(v)) else {
                        continue;
                    };
                    MapArmKind::Else { value }
                }
                Rule::map_else_error => MapArmKind::ElseError,
                _ => continue,
            };
            arms.push(MapArm {
                kind,
                span: arm_span,
            });
        }
        MapBody { arms, span }
    }

    fn table_def(&mut self, pair: Pair<Rule>) -> Option<TableDef> {
        let span = self.span(&pair);
        let mut inner = children(pair);
        let name = self.ident(&inner.next()?);
        let path = self.string_lit(inner.next()?)?;
        Some(TableDef { name, path, span })
    }

    fn sync_def(&mut self, pair: Pair<Rule>) -> Option<SyncDef> {
        let span = self.span(&pair);
        let mut inner = children(pair);
        let name = self.ident(&inner.next()?);
        let left = self.object_ref(inner.next()?)?;
        let direction = direction_of(inner.next()?.as_str());
        let right = self.object_ref(inner.next()?)?;
        let body = inner.filter_map(|item| self.sync_item(item)).collect();
        Some(SyncDef {
            name,
            left,
            direction,
            right,
            body,
            span,
        })
    }

    pub(crate) fn object_ref(&mut self, pair: Pair<Rule>) -> Option<ObjectRef> {
        let span = self.span(&pair);
        let mut inner = children(pair);
        let connection = self.ident(&inner.next()?);
        let object = self.segment_name(inner.next()?)?;
        Some(ObjectRef {
            connection,
            object,
            span,
        })
    }

    fn sync_item(&mut self, pair: Pair<Rule>) -> Option<SyncItem> {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::match_rule => {
                let mut inner = children(pair);
                let left = self.expr(inner.next()?)?;
                let right = self.expr(inner.next()?)?;
                Some(SyncItem::Match(MatchRule { left, right, span }))
            }
            Rule::scope_filter => {
                let condition = self.expr(children(pair).next()?)?;
                Some(SyncItem::Scope(ScopeFilter { condition, span }))
            }
            Rule::create_policy => {
                let sides = children(pair).map(|side| self.ident(&side)).collect();
                Some(SyncItem::Create(CreatePolicy { sides, span }))
            }
            Rule::conflict_setting => {
                let rule = self.conflict_rule(children(pair).next()?)?;
                Some(SyncItem::Conflict(ConflictSetting { rule, span }))
            }
            Rule::delete_policy => {
                let action = match children(pair).next()?.as_str() {
                    "archive" => DeleteAction::Archive,
                    "propagate" => DeleteAction::Propagate,
                    _ => DeleteAction::Ignore,
                };
                Some(SyncItem::Delete(DeletePolicy { action, span }))
            }
            Rule::limits => {
                let mut limits = Vec::new();
                for limit in children(pair) {
                    let limit_span = self.span(&limit);
                    let mut inner = children(limit);
                    let kind = match inner.next()?.as_str() {
                        "creates" => LimitKind::Creates,
                        "updates" => LimitKind::Updates,
                        _ => LimitKind::Deletes,
                    };
                    let max = self.integer(inner.next()?)?;
                    limits.push(Limit {
                        kind,
                        max,
                        span: limit_span,
                    });
                }
                Some(SyncItem::Limits(Limits { limits, span }))
            }
            Rule::mapping => self.mapping(pair).map(SyncItem::Mapping),
            _ => None,
        }
    }

    fn conflict_rule(&mut self, pair: Pair<Rule>) -> Option<ConflictRule> {
        let span = self.span(&pair);
        let rule = children(pair).next()?;
        let kind = match rule.as_rule() {
            Rule::prefer_rule => {
                let mut inner = children(rule);
                let side = self.ident(&inner.next()?);
                ConflictRuleKind::Prefer {
                    side,
                    unless_blank: inner.next().is_some(),
                }
            }
            Rule::newest => ConflictRuleKind::Newest,
            _ => ConflictRuleKind::Review,
        };
        Some(ConflictRule { kind, span })
    }

    fn mapping(&mut self, pair: Pair<Rule>) -> Option<Mapping> {
        let span = self.span(&pair);
        let mut inner = children(pair);
        let left = self.expr(inner.next()?)?;
        let direction = direction_of(inner.next()?.as_str());
        let right = self.expr(inner.next()?)?;
        let modifiers = inner.filter_map(|m| self.modifier(m)).collect();
        let targets: &[(&Expr, &'static str)] = match direction {
            Direction::LeftToRight => &[(&right, "sf.Company")],
            Direction::RightToLeft => &[(&left, "hs.mrr")],
            Direction::Both => &[(&left, "hs.email"), (&right, "sf.Email")],
        };
        let mut errors = Vec::new();
        for (target, example) in targets {
            if target.as_field().is_none() {
                errors.push(SyntaxError::MappingTargetNotAField {
                    arrow: direction.symbol(),
                    example,
                    span: target.span.into(),
                });
            }
        }
        for error in errors {
            self.error(error);
        }
        Some(Mapping {
            left,
            direction,
            right,
            modifiers,
            span,
        })
    }

    fn modifier(&mut self, pair: Pair<Rule>) -> Option<Modifier> {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::conflict_modifier => {
                ModifierKind::Conflict(self.conflict_rule(children(pair).next()?)?)
            }
            Rule::keep_when_blank => ModifierKind::KeepWhenBlank,
            Rule::default_value => ModifierKind::Default(self.expr(children(pair).next()?)?),
            Rule::transform => ModifierKind::Transform(self.expr(children(pair).next()?)?),
            Rule::reverse => ModifierKind::Reverse(self.expr(children(pair).next()?)?),
            Rule::via => ModifierKind::Via(self.value_map_ref(children(pair).next()?)),
            Rule::truncate => ModifierKind::Truncate(self.integer(children(pair).next()?)?),
            Rule::through => ModifierKind::Through(self.ident(&children(pair).next()?)),
            _ => return None,
        };
        Some(Modifier { kind, span })
    }

    fn value_map_ref(&mut self, target: Pair<Rule>) -> ValueMapRef {
        if target.as_rule() == Rule::map_body {
            ValueMapRef::Inline(self.map_body(target))
        } else {
            ValueMapRef::Named(self.ident(&target))
        }
    }

    fn trigger(&mut self, pair: Pair<Rule>) -> Option<Trigger> {
        let span = self.span(&pair);
        let mut inner = children(pair);
        let field = self.field_path(inner.next()?)?;
        let event_pair = inner.next()?;
        let event_span = self.span(&event_pair);
        let event_kind = match event_pair.as_rule() {
            Rule::becomes => TriggerEventKind::Becomes(self.expr(children(event_pair).next()?)?),
            _ => TriggerEventKind::Changes,
        };
        let mut condition = None;
        let mut actions = Vec::new();
        for child in inner {
            match child.as_rule() {
                Rule::condition => condition = self.expr(children(child).next()?),
                _ => actions.extend(self.action(child)),
            }
        }
        Some(Trigger {
            field,
            event: TriggerEvent {
                kind: event_kind,
                span: event_span,
            },
            condition,
            actions,
            span,
        })
    }

    fn action(&mut self, pair: Pair<Rule>) -> Option<Action> {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::set_action => {
                let mut inner = children(pair);
                let target = self.field_path(inner.next()?)?;
                let value = self.expr(inner.next()?)?;
                let via = match inner.next() {
                    Some(via) => Some(self.value_map_ref(children(via).next()?)),
                    None => None,
                };
                ActionKind::Set { target, value, via }
            }
            Rule::create_action => {
                let mut inner = children(pair);
                let object = self.object_ref(inner.next()?)?;
                let mut fields = Vec::new();
                for assignment in inner {
                    let assignment_span = self.span(&assignment);
                    let mut parts = children(assignment);
                    let field = self.ident(&parts.next()?);
                    let value = self.expr(parts.next()?)?;
                    fields.push(FieldAssignment {
                        field,
                        value,
                        span: assignment_span,
                    });
                }
                ActionKind::Create { object, fields }
            }
            Rule::notify_action => {
                let mut inner = children(pair);
                let channel = self.ident(&inner.next()?);
                let target = self.string_lit(inner.next()?)?;
                let message = self.template(inner.next()?)?;
                ActionKind::Notify {
                    channel,
                    target,
                    message,
                }
            }
            _ => return None,
        };
        Some(Action { kind, span })
    }

    fn template(&mut self, pair: Pair<Rule>) -> Option<Template> {
        let span = self.span(&pair);
        let mut parts = Vec::new();
        for part in children(pair) {
            match part.as_rule() {
                Rule::template_text => {
                    let text = self.unescape(&part);
                    parts.push(TemplatePart::Text(text));
                }
                Rule::template_hole => {
                    let expr = self.expr(children(part).next()?)?;
                    parts.push(TemplatePart::Hole(expr));
                }
                _ => {}
            }
        }
        Some(Template { parts, span })
    }

    pub(crate) fn integer(&mut self, pair: Pair<Rule>) -> Option<u64> {
        match pair.as_str().parse::<u64>() {
            Ok(value) => Some(value),
            Err(_) => {
                let span = self.span(&pair);
                self.error(SyntaxError::NumberTooLarge {
                    text: pair.as_str().to_string(),
                    span: span.into(),
                });
                None
            }
        }
    }
}

/// The length of `text` without trailing whitespace and `#` comments.
fn code_len(text: &str) -> usize {
    let mut end = text.trim_end().len();
    loop {
        let line_start = text[..end].rfind('\n').map(|i| i + 1).unwrap_or(0);
        let line = &text[line_start..end];
        if !line.contains('#') {
            return end;
        }
        match lex::scan(line).comments.first() {
            Some(comment) => end = text[..line_start + comment.start].trim_end().len(),
            None => return end,
        }
    }
}

pub(crate) fn direction_of(arrow: &str) -> Direction {
    match arrow {
        "->" => Direction::LeftToRight,
        "<-" => Direction::RightToLeft,
        _ => Direction::Both,
    }
}
