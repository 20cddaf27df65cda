//! Value maps: checking named map definitions against their declared fields, resolving a
//! map for one flow (oriented source -> target), and invertibility for two-way use.

use std::collections::{BTreeMap, BTreeSet};

use tandem_ground::diagnostics::Span;
use tandem_syntax::ast::{Direction, LiteralValue, MapArmKind, MapBody, MapDef, PairArrow};

use super::checked::{
    CheckedMap, FieldRef, MapFallback, MapHeaderRef, MapPair, ResolvedValueMap, TypedExpr,
    TypedExprKind,
};
use super::context::Checker;
use super::errors::CheckError;
use super::expr::{literal_text, literal_type};
use super::picklists::Domain;
use super::resolve::PathScope;
use super::types::{Ty, ValueKind};

/// A map body flattened: pairs and fallback, with the spans of each literal.
pub(crate) struct FlatMap {
    pub pairs: Vec<MapPair>,
    pub left_spans: Vec<Span>,
    pub right_spans: Vec<Span>,
    pub fallback: MapFallback,
    pub fallback_literal: Option<LiteralValue>,
    pub fallback_span: Option<Span>,
}

pub(crate) fn flatten(body: &MapBody) -> FlatMap {
    let mut flat = FlatMap {
        pairs: Vec::new(),
        left_spans: Vec::new(),
        right_spans: Vec::new(),
        fallback: MapFallback::PassThrough,
        fallback_literal: None,
        fallback_span: None,
    };
    for arm in &body.arms {
        match &arm.kind {
            MapArmKind::Pair { left, arrow, right } => {
                flat.pairs.push(MapPair {
                    left: literal_text(&left.value),
                    right: literal_text(&right.value),
                    both_ways: *arrow == PairArrow::Both,
                    left_literal: left.value.clone(),
                    right_literal: right.value.clone(),
                    span: arm.span,
                });
                flat.left_spans.push(left.span);
                flat.right_spans.push(right.span);
            }
            MapArmKind::Else { value } => {
                flat.fallback = MapFallback::Value(literal_text(&value.value));
                flat.fallback_literal = Some(value.value.clone());
                flat.fallback_span = Some(value.span);
            }
            MapArmKind::ElseError => {
                flat.fallback = MapFallback::Error;
                flat.fallback_literal = None;
                flat.fallback_span = Some(arm.span);
            }
        }
    }
    flat
}

/// One value a map writes (a pair's target value or the `else` value), with the literal as
/// written and where the spec says it.
#[derive(Debug, Clone)]
pub(crate) struct MapValue {
    pub text: String,
    pub literal: Option<LiteralValue>,
    pub span: Span,
}

/// The values an inline map writes in one direction, at their own spans.
pub(crate) fn inline_map_values(flat: &FlatMap, backward: bool) -> Vec<MapValue> {
    let mut out: Vec<MapValue> = Vec::new();
    for (index, pair) in flat.pairs.iter().enumerate() {
        let (text, literal, span) = if backward {
            if !pair.both_ways {
                continue;
            }
            (&pair.left, &pair.left_literal, flat.left_spans[index])
        } else {
            (&pair.right, &pair.right_literal, flat.right_spans[index])
        };
        if out.iter().all(|known| &known.text != text) {
            out.push(MapValue {
                text: text.clone(),
                literal: Some(literal.clone()),
                span,
            });
        }
    }
    if let (false, MapFallback::Value(value), Some(span)) =
        (backward, &flat.fallback, flat.fallback_span)
    {
        out.push(MapValue {
            text: value.clone(),
            literal: flat.fallback_literal.clone(),
            span,
        });
    }
    out
}

/// The values a resolved (named) map writes, all placed at the `via name` that uses it.
pub(crate) fn written_map_values(map: &ResolvedValueMap, span: Span) -> Vec<MapValue> {
    let mut out: Vec<MapValue> = Vec::new();
    for (_, target) in &map.literal_pairs {
        let text = literal_text(target);
        if out.iter().all(|known| known.text != text) {
            out.push(MapValue {
                text,
                literal: Some(target.clone()),
                span,
            });
        }
    }
    if let MapFallback::Value(value) = &map.fallback {
        out.push(MapValue {
            text: value.clone(),
            literal: map.fallback_literal.clone(),
            span,
        });
    }
    out
}

impl Checker<'_> {
    /// A map into a number, boolean or date field writes only its values: each must be one
    /// the field reads as its type (`12`, `"12"`; `true`; `@2024-01-31`).
    pub(crate) fn check_map_values_assignable(&mut self, values: &[MapValue], target: &FieldRef) {
        for value in values {
            let typed = TypedExpr {
                kind: match &value.literal {
                    Some(literal) => TypedExprKind::Literal(literal.clone()),
                    None => TypedExprKind::Literal(LiteralValue::String(value.text.clone())),
                },
                ty: match &value.literal {
                    Some(literal) => literal_type(literal),
                    None => Ty::text(Some(value.text.chars().count() as u32)),
                },
                span: value.span,
            };
            self.check_assignable_value(typed.ty, &typed, target);
        }
    }

    /// Keys of a map read from a true/false, number or date field must be written the way
    /// such a value reads as text (`true`, `12`, `2024-01-31`), or they never match.
    pub(crate) fn check_map_keys_can_match(&mut self, keys: &[(String, Span)], source: &FieldRef) {
        let kind = ValueKind::of_field_type(source.field.field_type);
        let (source_kind, matches, help): (&'static str, fn(&str) -> bool, &str) = match kind {
            ValueKind::Bool => (
                "true or false",
                |key| key == "true" || key == "false",
                "a true/false field matches only the keys `true` and `false`",
            ),
            ValueKind::Number => (
                "a number",
                |key| {
                    key.parse::<f64>()
                        .ok()
                        .and_then(tandem_ground::value::number_value)
                        .and_then(|number| tandem_ground::value::as_text(&number))
                        .is_some_and(|text| text == key)
                },
                "a number matches a key written as the number itself (`12`, `2.5`, no `12.0`)",
            ),
            ValueKind::Date => (
                "a date",
                |key| chrono::NaiveDate::parse_from_str(key, "%Y-%m-%d").is_ok() && key.len() == 10,
                "a date matches a key written as a date (`@2024-01-31` or \"2024-01-31\")",
            ),
            _ => return,
        };
        let source_display = source.display();
        for (key, span) in keys {
            if matches(key) {
                continue;
            }
            self.report(
                *span,
                CheckError::MapKeyNeverMatches {
                    key: key.clone(),
                    source_field: source_display.clone(),
                    source_kind,
                    help: Some(help.to_string()),
                    span: (*span).into(),
                },
            );
        }
    }

    /// Checks every named map's definition once: its declared fields, its values against
    /// their picklists, and that a `<=>` map is a bijection.
    pub(crate) fn check_maps(&mut self) {
        let spec = self.spec;
        for map in spec.maps() {
            if self.maps.contains_key(&map.name.name) {
                continue; // A duplicate name; `names` reports it.
            }
            let checked = self.check_map(map);
            self.maps.insert(map.name.name.clone(), checked);
        }
        self.out.maps = self.maps.clone();
    }

    fn check_map(&mut self, map: &MapDef) -> CheckedMap {
        let header = map.header.as_ref().and_then(|header| {
            let left = self.resolve_path(&header.left, PathScope::Qualified);
            let right = self.resolve_path(&header.right, PathScope::Qualified);
            Some(MapHeaderRef {
                left: left?,
                direction: header.direction,
                right: right?,
            })
        });
        let flat = flatten(&map.body);
        if let Some(header) = &header {
            self.check_map_values(&flat, &header.left, &header.right);
        }
        CheckedMap {
            name: map.name.name.clone(),
            header,
            pairs: flat.pairs,
            fallback: flat.fallback,
            fallback_literal: flat.fallback_literal,
            two_way: map.is_two_way(),
            span: map.span,
        }
    }

    /// Map keys against the source field's values, map values (and the `else` value)
    /// against the target's.
    pub(crate) fn check_map_values(
        &mut self,
        flat: &FlatMap,
        source: &FieldRef,
        target: &FieldRef,
    ) {
        if let Some(domain) = self.domain_of(source) {
            let display = source.display();
            for (pair, span) in flat.pairs.iter().zip(&flat.left_spans) {
                self.check_value(&pair.left, *span, &domain, &display, false);
            }
        }
        let keys: Vec<(String, Span)> = flat
            .pairs
            .iter()
            .zip(&flat.left_spans)
            .map(|(pair, span)| (super::checked::key_text(&pair.left_literal), *span))
            .collect();
        self.check_map_keys_can_match(&keys, source);
        if let Some(domain) = self.domain_of(target) {
            let display = target.display();
            for (pair, span) in flat.pairs.iter().zip(&flat.right_spans) {
                self.check_value(&pair.right, *span, &domain, &display, true);
            }
            if let (MapFallback::Value(value), Some(span)) = (&flat.fallback, flat.fallback_span) {
                self.check_value(value, span, &domain, &display, true);
            }
        }
    }

    /// Resolves the map a flow goes `via`, oriented from `source` to `target` values. With a
    /// header the orientation comes from the declared fields; without one, `textual_backward`
    /// says the flow is the right-to-left half of a two-way mapping. Reading a map backward
    /// needs every pair to be `<=>` (a `<->` mapping via a one-way map is reported by
    /// `names`; this reports a one-way map read against its declared direction).
    pub(crate) fn resolve_named_map(
        &mut self,
        name: &tandem_syntax::ast::Ident,
        source: Option<&FieldRef>,
        target: &FieldRef,
        textual_backward: bool,
        two_way_mapping: bool,
    ) -> Option<ResolvedValueMap> {
        self.used_maps.insert(name.name.clone());
        let map = self.maps.get(&name.name)?.clone();
        let backward = match &map.header {
            Some(header) => {
                let same = |a: &FieldRef, b: &FieldRef| {
                    a.system == b.system && a.object == b.object && a.field.name == b.field.name
                };
                if same(&header.right, target) && source.is_none_or(|s| same(&header.left, s)) {
                    false
                } else if same(&header.left, target)
                    && source.is_none_or(|s| same(&header.right, s))
                {
                    true
                } else {
                    self.report(
                        name.span,
                        CheckError::MapHeaderMismatch {
                            map: map.name.clone(),
                            declared: format!(
                                "{} {} {}",
                                header.left.display(),
                                header.direction.symbol(),
                                header.right.display()
                            ),
                            used: match source {
                                Some(source) => {
                                    format!("{} -> {}", source.display(), target.display())
                                }
                                None => format!("writing {}", target.display()),
                            },
                            span: name.span.into(),
                        },
                    );
                    return None;
                }
            }
            None => textual_backward,
        };
        // `names` already reports a two-way mapping via a map with one-way pairs.
        let needs_reverse = backward && (map.two_way || !two_way_mapping);
        let header_allows_reverse = map
            .header
            .as_ref()
            .is_none_or(|header| header.direction == Direction::Both);
        if needs_reverse && !(map.two_way && header_allows_reverse) {
            let one_way = map.pairs.iter().find(|pair| !pair.both_ways);
            let reason = match one_way {
                Some(pair) => format!("\"{}\" => \"{}\" is one-way", pair.left, pair.right),
                None => "the map is declared one-way (`->`)".to_string(),
            };
            self.report(
                name.span,
                CheckError::MapNotInvertible {
                    map: format!("`{}`", map.name),
                    reason,
                    help: Some(
                        "write every pair `<=>` (and declare the map `<->`) so it can be read both ways, or make this mapping one-way"
                            .to_string(),
                    ),
                    span: name.span.into(),
                },
            );
            return None;
        }
        Some(oriented_map(
            Some(map.name.clone()),
            &map.pairs,
            &map.fallback,
            map.fallback_literal.as_ref(),
            backward,
            name.span,
        ))
    }

    /// Rule 5 coverage: every active source value must reach a valid target value.
    pub(crate) fn check_coverage(
        &mut self,
        source: &FieldRef,
        source_domain: Option<&Domain>,
        target: &FieldRef,
        target_domain: &Domain,
        map: Option<&ResolvedValueMap>,
        span: Span,
    ) {
        if map.is_some_and(|map| map.fallback != MapFallback::PassThrough) {
            return;
        }
        let missing: Vec<String> = match source_domain {
            Some(source_domain) => source_domain
                .active()
                .filter(|value| !map.is_some_and(|map| map.entries.contains_key(*value)))
                .filter(|value| target_domain.get(value).is_none())
                .map(str::to_string)
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
            // Free text: any value can arrive.
            None => Vec::new(),
        };
        if source_domain.is_some() && missing.is_empty() {
            return;
        }
        let source_display = source.display();
        let target_display = target.display();
        let free = match ValueKind::of_field_type(source.field.field_type) {
            ValueKind::Number => "numbers",
            ValueKind::Bool => "true/false values",
            ValueKind::Date | ValueKind::Datetime | ValueKind::Time => "dates",
            ValueKind::Id => "record ids",
            _ => "free text",
        };
        let help = Some(match (missing.is_empty(), map.is_some()) {
            (true, _) if free == "free text" => "free text can hold any value; translate it with `via { \"...\" => \"...\" else => \"...\" }` or a lookup table".to_string(),
            (true, _) => format!("no {free} are values of the list; translate them with `via {{ ... => \"...\" else => \"...\" }}`"),
            (false, true) => format!(
                "add pairs for {}, or an `else => \"...\"` (or `else error`)",
                super::picklists::list_some(&missing)
            ),
            (false, false) => format!(
                "translate with `via {{ ... }}` covering {}, with an `else` for values added later",
                super::picklists::list_some(&missing)
            ),
        });
        let count = missing.len();
        if target_domain.restricted {
            self.report(
                span,
                CheckError::PicklistNotCovered {
                    source_field: source_display,
                    free,
                    target: target_display,
                    missing,
                    count,
                    help,
                    span: span.into(),
                },
            );
        } else {
            self.report(
                span,
                CheckError::OpenPicklistNotCovered {
                    source_field: source_display,
                    free,
                    target: target_display,
                    missing,
                    count,
                    help,
                    span: span.into(),
                },
            );
        }
    }
}

/// A map's pairs read in one direction, source -> target: forward every pair left to right,
/// backward only the `<=>` pairs, right to left. The first pair listing a source value wins.
pub(crate) fn oriented_map(
    name: Option<String>,
    pairs: &[MapPair],
    fallback: &MapFallback,
    fallback_literal: Option<&LiteralValue>,
    backward: bool,
    span: Span,
) -> ResolvedValueMap {
    let mut entries = BTreeMap::new();
    let mut literal_pairs = Vec::new();
    for pair in pairs {
        if backward {
            if pair.both_ways {
                entries
                    .entry(pair.right.clone())
                    .or_insert(pair.left.clone());
                literal_pairs.push((pair.right_literal.clone(), pair.left_literal.clone()));
            }
        } else {
            entries
                .entry(pair.left.clone())
                .or_insert(pair.right.clone());
            literal_pairs.push((pair.left_literal.clone(), pair.right_literal.clone()));
        }
    }
    // An `else` only applies in the written direction.
    let fallback = backward_fallback(fallback, backward);
    let fallback_literal = match fallback {
        MapFallback::Value(_) => fallback_literal.cloned(),
        MapFallback::PassThrough | MapFallback::Error => None,
    };
    ResolvedValueMap {
        name,
        entries,
        fallback,
        literal_pairs,
        fallback_literal,
        span,
    }
}

/// The fallback of a map read in one direction: `else => value` only applies in the
/// written direction; `else error` applies both ways (an unlisted value is an error either
/// way).
pub(crate) fn backward_fallback(fallback: &MapFallback, backward: bool) -> MapFallback {
    match (fallback, backward) {
        (_, false) | (MapFallback::Error, true) => fallback.clone(),
        (_, true) => MapFallback::PassThrough,
    }
}
