//! Name checks of syncs (settings, mappings and their modifiers) and triggers.

use std::collections::BTreeMap;

use super::{NameChecker, NamesError, closest};
use tandem_ground::diagnostics::Span;
use tandem_syntax::ast::{self, Direction, ModifierKind, SyncItem};

/// The two connection names a sync pairs, for side checks.
struct Sides<'a> {
    left: &'a str,
    right: &'a str,
}

impl Sides<'_> {
    fn contains(&self, name: &str) -> bool {
        name == self.left || name == self.right
    }
}

impl<'spec> NameChecker<'spec> {
    pub(super) fn sync_def(&mut self, sync: &ast::SyncDef) {
        let left = self.check_connection(&sync.left.connection);
        let right = self.check_connection(&sync.right.connection);
        if let (Some(left), Some(right)) = (left, right)
            && left.system == right.system
        {
            self.report(
                sync.right.span,
                NamesError::SyncNeedsBothSystems {
                    sync: sync.name.name.clone(),
                    system: left.system.display_name(),
                    span: sync.left.span.to(sync.right.span).into(),
                },
            );
        }
        let sides = Sides {
            left: sync.left.connection.as_str(),
            right: sync.right.connection.as_str(),
        };
        let mut settings: BTreeMap<&'static str, Span> = BTreeMap::new();
        for item in &sync.body {
            let setting = match item {
                SyncItem::Create(_) => Some("create in"),
                SyncItem::Conflict(_) => Some("conflict"),
                SyncItem::Delete(_) => Some("on delete"),
                _ => None,
            };
            if let Some(setting) = setting {
                if let Some(&first) = settings.get(setting) {
                    self.report(
                        item.span(),
                        NamesError::DuplicateSetting {
                            setting,
                            sync: sync.name.name.clone(),
                            span: item.span().into(),
                            first: first.into(),
                        },
                    );
                } else {
                    settings.insert(setting, item.span());
                }
            }
            match item {
                SyncItem::Match(rule) => {
                    self.expr(&rule.left);
                    self.expr(&rule.right);
                }
                SyncItem::Scope(filter) => self.expr(&filter.condition),
                SyncItem::Create(policy) => {
                    for side in &policy.sides {
                        self.side_in_sync(side, &sides);
                    }
                }
                SyncItem::Conflict(setting) => self.conflict_rule(&setting.rule, &sides),
                SyncItem::Delete(_) => {}
                SyncItem::Limits(limits) => self.limits(limits, &sync.name.name),
                SyncItem::Mapping(mapping) => self.mapping(mapping, &sides),
            }
        }
    }

    fn limits(&mut self, limits: &ast::Limits, sync: &str) {
        let mut seen: BTreeMap<ast::LimitKind, Span> = BTreeMap::new();
        for limit in &limits.limits {
            if let Some(&first) = seen.get(&limit.kind) {
                let setting = match limit.kind {
                    ast::LimitKind::Creates => "limit creates",
                    ast::LimitKind::Updates => "limit updates",
                    ast::LimitKind::Deletes => "limit deletes",
                };
                self.report(
                    limit.span,
                    NamesError::DuplicateSetting {
                        setting,
                        sync: sync.to_string(),
                        span: limit.span.into(),
                        first: first.into(),
                    },
                );
            } else {
                seen.insert(limit.kind, limit.span);
            }
        }
    }

    fn side_in_sync(&mut self, side: &ast::Ident, sides: &Sides) {
        if !sides.contains(side.as_str()) {
            // `prefer salesforce` means the side whose connection is Salesforce.
            let suggestion = [sides.left, sides.right]
                .into_iter()
                .find(|name| {
                    self.connections.get(name).is_some_and(|connection| {
                        connection
                            .system
                            .display_name()
                            .eq_ignore_ascii_case(side.as_str())
                    })
                })
                .map(str::to_string);
            self.report(
                side.span,
                NamesError::SideNotInSync {
                    side: side.name.clone(),
                    left: sides.left.to_string(),
                    right: sides.right.to_string(),
                    suggestion,
                    span: side.span.into(),
                },
            );
        }
    }

    fn conflict_rule(&mut self, rule: &ast::ConflictRule, sides: &Sides) {
        if let ast::ConflictRuleKind::Prefer { side, .. } = &rule.kind {
            self.side_in_sync(side, sides);
        }
    }

    fn mapping(&mut self, mapping: &ast::Mapping, sides: &Sides) {
        self.expr(&mapping.left);
        self.expr(&mapping.right);
        self.mapping_sides(mapping, sides);
        let mut seen: BTreeMap<&'static str, Span> = BTreeMap::new();
        for modifier in &mapping.modifiers {
            let keyword = modifier.kind.keyword();
            if let Some(&first) = seen.get(keyword) {
                self.report(
                    modifier.span,
                    NamesError::DuplicateModifier {
                        modifier: keyword,
                        span: modifier.span.into(),
                        first: first.into(),
                    },
                );
            } else {
                seen.insert(keyword, modifier.span);
            }
            self.modifier(modifier, mapping, sides);
        }
        if mapping.direction == Direction::Both
            && mapping.reverse().is_none()
            && let Some(transform) = mapping
                .modifiers
                .iter()
                .find(|m| matches!(m.kind, ModifierKind::Transform(_)))
        {
            self.report(
                transform.span,
                NamesError::TransformWithoutReverse {
                    span: transform.span.into(),
                },
            );
        }
    }

    /// The field written on each side belongs to that side's connection.
    fn mapping_sides(&mut self, mapping: &ast::Mapping, sides: &Sides) {
        let checks: &[(&ast::Expr, &str, &'static str)] = match mapping.direction {
            Direction::LeftToRight => &[(&mapping.right, sides.right, "right")],
            Direction::RightToLeft => &[(&mapping.left, sides.left, "left")],
            Direction::Both => &[
                (&mapping.left, sides.left, "left"),
                (&mapping.right, sides.right, "right"),
            ],
        };
        for (expr, expected, side) in checks {
            let Some(field) = expr.as_field() else {
                continue;
            };
            let connection = field.connection.as_str();
            // An undefined connection is reported once, where it is used or declared.
            let both_defined = self.connections.contains_key(connection)
                && self.connections.contains_key(*expected);
            if connection != *expected && both_defined {
                self.report(
                    field.span,
                    NamesError::MappingSideMismatch {
                        expected: expected.to_string(),
                        side,
                        left: sides.left.to_string(),
                        right: sides.right.to_string(),
                        span: field.span.into(),
                    },
                );
            }
        }
    }

    fn modifier(&mut self, modifier: &ast::Modifier, mapping: &ast::Mapping, sides: &Sides) {
        match &modifier.kind {
            ModifierKind::Conflict(rule) => self.conflict_rule(rule, sides),
            ModifierKind::KeepWhenBlank | ModifierKind::Truncate(_) => {}
            ModifierKind::Default(expr) => self.expr(expr),
            ModifierKind::Transform(expr) | ModifierKind::Reverse(expr) => {
                self.expr(expr);
                let runs = !matches!(
                    (&modifier.kind, mapping.direction),
                    (ModifierKind::Transform(_), Direction::RightToLeft)
                        | (ModifierKind::Reverse(_), Direction::LeftToRight)
                );
                if !runs {
                    self.report(
                        modifier.span,
                        NamesError::ModifierAgainstDirection {
                            modifier: modifier.kind.keyword(),
                            arrow: mapping.direction.symbol(),
                            span: modifier.span.into(),
                        },
                    );
                }
            }
            ModifierKind::Via(map) => {
                self.value_map_ref(map, mapping.direction == Direction::Both, modifier.span)
            }
            ModifierKind::Through(sync) => {
                if !self.syncs.contains_key(sync.as_str()) {
                    let known: Vec<String> = self.syncs.keys().map(|s| s.to_string()).collect();
                    self.report(
                        sync.span,
                        NamesError::UndefinedSync {
                            name: sync.name.clone(),
                            suggestion: closest(&sync.name, self.syncs.keys().copied()),
                            known,
                            span: sync.span.into(),
                        },
                    );
                }
            }
        }
    }

    /// A `via` target: the named map exists, and it can be read backwards when the mapping
    /// goes both ways.
    pub(super) fn value_map_ref(&mut self, map: &ast::ValueMapRef, two_way: bool, at: Span) {
        match map {
            ast::ValueMapRef::Named(name) => {
                let Some(definition) = self.maps.get(name.as_str()).copied() else {
                    let known: Vec<String> = self.maps.keys().map(|m| m.to_string()).collect();
                    self.report(
                        name.span,
                        NamesError::UndefinedMap {
                            name: name.name.clone(),
                            suggestion: closest(&name.name, self.maps.keys().copied()),
                            known,
                            is_table: self.tables.contains_key(name.as_str()),
                            span: name.span.into(),
                        },
                    );
                    return;
                };
                if two_way && !definition.is_two_way() {
                    // The pair is only labelled when it is in the same file as the mapping.
                    let one_way_pair = first_one_way_pair(&definition.body)
                        .filter(|pair| pair.file == name.span.file)
                        .map(Into::into);
                    self.report(
                        name.span,
                        NamesError::OneWayMapOnTwoWayMapping {
                            map: name.name.clone(),
                            span: name.span.into(),
                            one_way_pair,
                        },
                    );
                }
            }
            ast::ValueMapRef::Inline(body) => {
                self.map_body(body);
                if two_way && !body.is_two_way() {
                    self.report(
                        at,
                        NamesError::OneWayMapOnTwoWayMapping {
                            map: "{ ... }".to_string(),
                            span: at.into(),
                            one_way_pair: first_one_way_pair(body).map(Into::into),
                        },
                    );
                }
            }
        }
    }

    pub(super) fn trigger(&mut self, trigger: &ast::Trigger) {
        self.field_path(&trigger.field);
        if let ast::TriggerEventKind::Becomes(value) = &trigger.event.kind {
            self.expr(value);
        }
        if let Some(condition) = &trigger.condition {
            self.expr(condition);
        }
        for action in &trigger.actions {
            match &action.kind {
                ast::ActionKind::Set { target, value, via } => {
                    self.field_path(target);
                    self.expr(value);
                    if let Some(via) = via {
                        self.value_map_ref(via, false, action.span);
                    }
                }
                ast::ActionKind::Create { object, fields } => {
                    self.check_connection(&object.connection);
                    for field in fields {
                        self.expr(&field.value);
                    }
                }
                ast::ActionKind::Notify {
                    channel, message, ..
                } => {
                    if !matches!(channel.as_str(), "slack" | "email") {
                        self.report(
                            channel.span,
                            NamesError::UnknownNotifyChannel {
                                name: channel.name.clone(),
                                span: channel.span.into(),
                            },
                        );
                    }
                    for part in &message.parts {
                        if let ast::TemplatePart::Hole(expr) = part {
                            self.expr(expr);
                        }
                    }
                }
            }
        }
    }
}

fn first_one_way_pair(body: &ast::MapBody) -> Option<Span> {
    body.arms.iter().find_map(|arm| match arm.kind {
        ast::MapArmKind::Pair {
            arrow: ast::PairArrow::Forward,
            ..
        } => Some(arm.span),
        _ => None,
    })
}
