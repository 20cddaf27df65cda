//! Values the spec fixes: what an expression writes whenever it writes a literal. A literal
//! written directly, each branch of `if … then … else …`, each side of `??`, and text built
//! only from literals (`"a" + "b"`, `upper("x")`) are all values known offline, so the
//! checker holds them to the target exactly (picklist membership, length, format) instead of
//! by their type alone. Everything else is computed per record; for that part only its
//! shortest and longest possible lengths are known.

use tandem_ground::diagnostics::Span;
use tandem_ground::schema::FieldType;
use tandem_syntax::ast::{BinaryOp, LiteralValue};

use super::checked::{TypedExpr, TypedExprKind};
use super::expr::literal_text;
use super::functions::Function;
use super::types::ValueKind;

/// A value fixed by the spec, somewhere in what an expression can produce.
#[derive(Debug, Clone)]
pub(crate) struct FixedValue<'e> {
    /// The value as text (as picklists and lengths see it).
    pub text: String,
    /// The literal itself when the value is one literal (numbers, booleans and dates keep
    /// their kind); `None` for text built from literals.
    pub literal: Option<&'e LiteralValue>,
    /// The sub-expression that produces it.
    pub expr: &'e TypedExpr,
}

impl FixedValue<'_> {
    pub fn span(&self) -> Span {
        self.expr.span
    }

    /// The kind of value written: a literal's own kind, else text.
    pub fn kind(&self) -> ValueKind {
        match self.literal {
            Some(literal) => super::expr::literal_type(literal).kind,
            None => ValueKind::Text,
        }
    }
}

/// What an expression can write, split into the values the spec fixes and whether anything
/// is computed per record.
#[derive(Debug, Default)]
pub(crate) struct WrittenValues<'e> {
    pub fixed: Vec<FixedValue<'e>>,
    /// Some branch is computed per record.
    pub computed: bool,
}

impl WrittenValues<'_> {
    /// Every value written is fixed (and there is at least one).
    pub fn all_fixed(&self) -> bool {
        !self.computed && !self.fixed.is_empty()
    }
}

/// The values `expr` can write: through `if` branches and both sides of `??`, collecting
/// the fixed ones.
pub(crate) fn written_values(expr: &TypedExpr) -> WrittenValues<'_> {
    let mut out = WrittenValues::default();
    collect(expr, &mut out);
    out
}

fn collect<'e>(expr: &'e TypedExpr, out: &mut WrittenValues<'e>) {
    if let Some(text) = constant_text(expr) {
        let literal = match &expr.kind {
            TypedExprKind::Literal(literal) => Some(literal),
            _ => None,
        };
        out.fixed.push(FixedValue {
            text,
            literal,
            expr,
        });
        return;
    }
    match &expr.kind {
        TypedExprKind::If {
            then_branch,
            else_branch,
            ..
        } => {
            collect(then_branch, out);
            collect(else_branch, out);
        }
        TypedExprKind::Binary {
            op: BinaryOp::Coalesce,
            left,
            right,
        } => {
            collect(left, out);
            collect(right, out);
        }
        _ => out.computed = true,
    }
}

/// The text of an expression computed from literals only, when it is one.
pub(crate) fn constant_text(expr: &TypedExpr) -> Option<String> {
    match &expr.kind {
        TypedExprKind::Literal(literal) => Some(literal_text(literal)),
        TypedExprKind::Unary { .. } => expr
            .as_literal()
            .map(|written| format!("-{}", literal_text(written.value))),
        TypedExprKind::Binary {
            op: BinaryOp::Add,
            left,
            right,
        } if expr.ty.kind == ValueKind::Text => Some(constant_text(left)? + &constant_text(right)?),
        TypedExprKind::Call { function, args } => {
            let text = |index: usize| args.get(index).and_then(constant_text);
            match function {
                Function::Concat => args.iter().map(constant_text).collect(),
                Function::Upper => Some(text(0)?.to_uppercase()),
                Function::Lower => Some(text(0)?.to_lowercase()),
                Function::Trim => Some(text(0)?.trim().to_string()),
                Function::Text => text(0),
                Function::Left | Function::Truncate => {
                    let count = count_argument(args.get(1)?)?;
                    Some(text(0)?.chars().take(count).collect())
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// A literal count (`left(x, 40)`).
fn count_argument(arg: &TypedExpr) -> Option<usize> {
    match &arg.kind {
        TypedExprKind::Literal(value) => value.as_f64().map(|count| count.max(0.0) as usize),
        _ => None,
    }
}

/// The fewest characters any value of `expr` has: text built around fixed parts is never
/// shorter than them (`"Onboard " + sf.Account.Name` has at least 8).
pub(crate) fn min_length(expr: &TypedExpr) -> u32 {
    if let Some(text) = constant_text(expr) {
        return text.chars().count() as u32;
    }
    match &expr.kind {
        TypedExprKind::Binary {
            op: BinaryOp::Add,
            left,
            right,
        } if expr.ty.kind == ValueKind::Text => min_length(left).saturating_add(min_length(right)),
        TypedExprKind::Binary {
            op: BinaryOp::Coalesce,
            left,
            right,
        } => min_length(left).min(min_length(right)),
        TypedExprKind::If {
            then_branch,
            else_branch,
            ..
        } => min_length(then_branch).min(min_length(else_branch)),
        TypedExprKind::Call {
            function: Function::Concat,
            args,
        } => args
            .iter()
            .map(min_length)
            .fold(0u32, |total, part| total.saturating_add(part)),
        TypedExprKind::Call {
            function: Function::Upper | Function::Lower | Function::Text,
            args,
        } => args.first().map(min_length).unwrap_or(0),
        TypedExprKind::Call {
            function: Function::Left | Function::Truncate,
            args,
        } => {
            let inner = args.first().map(min_length).unwrap_or(0);
            match args.get(1).and_then(count_argument) {
                Some(count) => inner.min(count as u32),
                None => 0,
            }
        }
        // A value of a restricted list is one of its values (or blank: a blank is not
        // written); a lookup, a trimmed or replaced value, any other field may be blank.
        TypedExprKind::Field(field) => field
            .field
            .picklist
            .as_ref()
            .filter(|picklist| picklist.restricted && field.field.field_type == FieldType::Picklist)
            .and_then(|picklist| {
                picklist
                    .active_values()
                    .map(|value| value.value.chars().count() as u32)
                    .min()
            })
            .unwrap_or(0),
        _ => 0,
    }
}

/// The longest value of the part of `expr` computed per record, leaving out the values the
/// spec fixes (checked exactly on their own): `None` when everything is fixed,
/// `Some(None)` when the computed part is unbounded.
pub(crate) fn computed_max_length(expr: &TypedExpr) -> Option<Option<u32>> {
    if constant_text(expr).is_some() {
        return None;
    }
    let combine = |a: Option<Option<u32>>, b: Option<Option<u32>>| match (a, b) {
        (None, other) | (other, None) => other,
        (Some(Some(a)), Some(Some(b))) => Some(Some(a.max(b))),
        _ => Some(None),
    };
    match &expr.kind {
        TypedExprKind::If {
            then_branch,
            else_branch,
            ..
        } => combine(
            computed_max_length(then_branch),
            computed_max_length(else_branch),
        ),
        TypedExprKind::Binary {
            op: BinaryOp::Coalesce,
            left,
            right,
        } => combine(computed_max_length(left), computed_max_length(right)),
        _ => Some(expr.ty.max_length),
    }
}
