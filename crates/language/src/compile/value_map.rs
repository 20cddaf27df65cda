//! Value maps (`via { ... }`, a named `map`) as the planner's [`Expr::ValueMap`]: the pairs
//! the checker oriented for one flow, with their values typed as written.

use std::collections::BTreeMap;

use crate::check::{MapFallback, ResolvedValueMap};
use tandem_ground::value::as_text;

use super::expr::literal;
use super::from_checked::Lowering;
use super::program::Expr;

impl Lowering<'_> {
    /// `operand` translated through `map`. The first pair listing a source value wins; an
    /// unlisted value takes the `else` value, passes through unchanged (no `else`, or the
    /// reverse of an `else => v` map), or is rejected (`else error`).
    pub(super) fn value_map(&mut self, operand: Expr, map: &ResolvedValueMap) -> Option<Expr> {
        let mut entries = BTreeMap::new();
        for (source, target) in &map.literal_pairs {
            if let Some(key) = as_text(&literal(source)) {
                entries.entry(key).or_insert_with(|| literal(target));
            }
        }
        let (otherwise, passthrough) = match &map.fallback {
            MapFallback::PassThrough => (None, true),
            MapFallback::Error => (None, false),
            MapFallback::Value(text) => {
                let Some(value) = &map.fallback_literal else {
                    self.internal(
                        map.span,
                        "value map",
                        format!("its `else => \"{text}\"` lost its literal"),
                    );
                    return None;
                };
                (Some(literal(value)), false)
            }
        };
        Some(Expr::ValueMap {
            operand: Box::new(operand),
            entries,
            otherwise,
            passthrough,
        })
    }
}
