//! Rule 2, fixed values: the items of `in [...]` and a mapping's `default` are values written
//! in the spec, not computed per record. Compile lowers them to fixed values (a scope list
//! pushed down into SOQL `IN (...)` or a HubSpot `IN` filter; the value written when the
//! mapped one is blank), so anything else is reported here, offline, instead of by compile.
//! What counts as a literal is [`TypedExpr::as_literal`], which compile reads too.

use tandem_syntax::ast::{self, Direction, ExprKind, Mapping};

use super::checked::{Flow, TypedExpr};
use super::context::Checker;
use super::errors::CheckError;

impl Checker<'_> {
    /// Reports every item of `value in [...]` (or `not in`) that is not a literal.
    pub(crate) fn check_in_list_literals(
        &mut self,
        value: &ast::Expr,
        negated: bool,
        written: &[ast::Expr],
        typed: &[TypedExpr],
    ) {
        for (item, typed_item) in written.iter().zip(typed) {
            if typed_item.as_literal().is_some() {
                continue;
            }
            // `x in [a, b]` is `x = a or x = b`; `x not in [a, b]` is `x != a and x != b`.
            let (compare, join) = if negated { ("!=", "and") } else { ("=", "or") };
            let help = match (value.as_field(), item.as_field()) {
                (Some(value), Some(item)) => format!(
                    "list fixed values (`in [\"a\", \"b\"]`); to compare with `{item}` per record, write `{value} {compare} {item}` and join it with `{join}`",
                    value = value.display(),
                    item = item.display(),
                ),
                _ => format!(
                    "list fixed values (`in [\"a\", \"b\"]`), or compare with `{compare}` and join the comparisons with `{join}`"
                ),
            };
            self.report(
                item.span,
                CheckError::InListNotLiteral {
                    found: describe(item),
                    reads_record: !typed_item.fields().is_empty() || item.as_field().is_some(),
                    span: item.span.into(),
                    help: Some(help),
                },
            );
        }
    }

    /// Reports a mapping's `default` that is not a literal, once per mapping (both flows of a
    /// two-way mapping share it). `flows` are the mapping's checked flows.
    pub(crate) fn check_default_literal(&mut self, mapping: &Mapping, flows: &[Flow]) {
        let (Some(written), Some(typed)) = (
            mapping.default_value(),
            flows.first().and_then(|flow| flow.default.as_ref()),
        ) else {
            return;
        };
        if typed.as_literal().is_some() {
            return;
        }
        let targets: Vec<String> = flows.iter().map(|flow| flow.target.display()).collect();
        self.report(
            written.span,
            CheckError::DefaultNotLiteral {
                targets: targets.join(" and "),
                found: describe(written),
                reads_record: !typed.fields().is_empty() || written.as_field().is_some(),
                span: written.span.into(),
                help: Some(default_help(mapping, written)),
            },
        );
    }
}

/// What a non-literal item is, as the user wrote it.
fn describe(expr: &ast::Expr) -> String {
    match &expr.kind {
        ExprKind::Field(path) => format!("the field `{}`", path.display()),
        ExprKind::Call { function, .. } => format!("a call to `{}`", function.name),
        _ => "a computation".to_string(),
    }
}

/// The fix for a computed default: a literal, or the fallback moved into the value with
/// `??`, spelled out for a one-way mapping of a field with a field as its default.
fn default_help(mapping: &Mapping, written: &ast::Expr) -> String {
    let literal = "write a fixed value (`default \"Unknown\"`)";
    let computed = mapping.transform().is_some() || mapping.reverse().is_some();
    let spelled = match (
        mapping.direction,
        mapping.left.as_field(),
        mapping.right.as_field(),
        written.as_field(),
    ) {
        (Direction::RightToLeft, Some(target), Some(source), Some(fallback)) if !computed => {
            Some(format!(
                "{} <- {} ?? {}",
                target.display(),
                source.display(),
                fallback.display()
            ))
        }
        (Direction::LeftToRight, Some(source), Some(target), Some(fallback)) if !computed => {
            Some(format!(
                "{} ?? {} -> {}",
                source.display(),
                fallback.display(),
                target.display()
            ))
        }
        _ => None,
    };
    match spelled {
        Some(mapping) => format!(
            "{literal}; to fall back to another field where the value is blank, map `{mapping}` (`a ?? b` is `b` where `a` is blank)"
        ),
        None => format!(
            "{literal}; a fallback computed per record goes in the value with `??` (`a ?? b` is `b` where `a` is blank), in `transform` or `reverse` for a two-way mapping"
        ),
    }
}
