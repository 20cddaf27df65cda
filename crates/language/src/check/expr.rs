//! Typing expressions: every expression gets a [`Ty`]; operators and functions check their
//! operands; literals compared with picklist fields are checked against the picklist.

use tandem_syntax::ast::{BinaryOp, Expr, ExprKind, LiteralValue, UnaryOp};

use super::checked::{TypedExpr, TypedExprKind};
use super::context::Checker;
use super::errors::CheckError;
use super::functions::{Function, sum_lengths};
use super::resolve::PathScope;
use super::types::{Ty, ValueKind, comparable};

/// The type of a literal.
pub(crate) fn literal_type(value: &LiteralValue) -> Ty {
    match value {
        LiteralValue::String(text) => Ty::text(Some(text.chars().count() as u32)),
        LiteralValue::Number(_) => Ty::of(ValueKind::Number),
        LiteralValue::Bool(_) => Ty::of(ValueKind::Bool),
        LiteralValue::Date(_) => Ty::of(ValueKind::Date),
        LiteralValue::DateTime(_) => Ty::of(ValueKind::Datetime),
    }
}

/// A literal's text as a picklist or map value (`"a"`, `12`, `true`).
pub(crate) fn literal_text(value: &LiteralValue) -> String {
    match value {
        LiteralValue::String(text) => text.clone(),
        LiteralValue::Number(text) => text.clone(),
        LiteralValue::Bool(flag) => flag.to_string(),
        LiteralValue::Date(date) => date.to_string(),
        LiteralValue::DateTime(datetime) => datetime.to_rfc3339(),
    }
}

impl Checker<'_> {
    pub(crate) fn expr(&mut self, expr: &Expr, scope: PathScope<'_>) -> TypedExpr {
        let span = expr.span;
        let typed = |kind, ty| TypedExpr { kind, ty, span };
        match &expr.kind {
            ExprKind::Literal(literal) => typed(
                TypedExprKind::Literal(literal.value.clone()),
                literal_type(&literal.value),
            ),
            ExprKind::Field(path) => match self.resolve_path(path, scope) {
                Some(field) => {
                    let ty = Ty::of_field(&field.field);
                    typed(TypedExprKind::Field(Box::new(field)), ty)
                }
                None => TypedExpr::invalid(span),
            },
            // A bare name outside `lookup` is reported by `names`.
            ExprKind::Name(_) => TypedExpr::invalid(span),
            ExprKind::Unary { op, operand } => {
                let operand = self.expr(operand, scope);
                let (expected, result) = match op {
                    UnaryOp::Neg => (ValueKind::Number, ValueKind::Number),
                    UnaryOp::Not => (ValueKind::Bool, ValueKind::Bool),
                };
                let symbol = match op {
                    UnaryOp::Neg => "`-`",
                    UnaryOp::Not => "`not`",
                };
                self.expect_kind(&operand, expected, symbol);
                typed(
                    TypedExprKind::Unary {
                        op: *op,
                        operand: Box::new(operand),
                    },
                    Ty::of(result),
                )
            }
            ExprKind::Binary { op, left, right } => {
                let left = self.expr(left, scope);
                let right = self.expr(right, scope);
                let ty = self.binary(*op, &left, &right);
                typed(
                    TypedExprKind::Binary {
                        op: *op,
                        left: Box::new(left),
                        right: Box::new(right),
                    },
                    ty,
                )
            }
            ExprKind::In {
                value,
                list,
                negated,
            } => {
                let written_value = value;
                let value = self.expr(value, scope);
                let written_list = list;
                let list: Vec<TypedExpr> = list.iter().map(|item| self.expr(item, scope)).collect();
                for item in &list {
                    self.compare(&value, item, "`in`");
                }
                self.check_in_list_literals(written_value, *negated, written_list, &list);
                typed(
                    TypedExprKind::In {
                        value: Box::new(value),
                        list,
                        negated: *negated,
                    },
                    Ty::of(ValueKind::Bool),
                )
            }
            ExprKind::IsBlank { value, negated } => {
                let value = self.expr(value, scope);
                typed(
                    TypedExprKind::IsBlank {
                        value: Box::new(value),
                        negated: *negated,
                    },
                    Ty::of(ValueKind::Bool),
                )
            }
            ExprKind::If {
                condition,
                then_branch,
                else_branch,
            } => {
                let condition = self.expr(condition, scope);
                self.expect_kind(&condition, ValueKind::Bool, "`if`");
                let then_branch = self.expr(then_branch, scope);
                let else_branch = self.expr(else_branch, scope);
                let ty = self.join_branches(&then_branch, &else_branch);
                typed(
                    TypedExprKind::If {
                        condition: Box::new(condition),
                        then_branch: Box::new(then_branch),
                        else_branch: Box::new(else_branch),
                    },
                    ty,
                )
            }
            ExprKind::Call { function, args } => self.call(function, args, scope, span),
        }
    }

    /// Reports an operand of the wrong kind.
    fn expect_kind(&mut self, operand: &TypedExpr, expected: ValueKind, context: &str) {
        let ok = operand.ty.is_unknown()
            || operand.ty.kind == expected
            || (expected == ValueKind::Text && operand.ty.kind.is_textual());
        if !ok {
            self.report(
                operand.span,
                CheckError::OperandTypeMismatch {
                    context: context.to_string(),
                    expected: expected.describe().to_string(),
                    found: operand.ty.kind.describe().to_string(),
                    help: conversion_help(operand.ty.kind, expected),
                    span: operand.span.into(),
                },
            );
        }
    }

    fn binary(&mut self, op: BinaryOp, left: &TypedExpr, right: &TypedExpr) -> Ty {
        let symbol = format!("`{}`", op.symbol());
        match op {
            BinaryOp::Add => {
                let textual = |ty: Ty| ty.kind.is_textual() && !ty.is_unknown();
                if textual(left.ty) || textual(right.ty) {
                    // `+` with text concatenates.
                    return Ty::text(sum_lengths(&[left.ty, right.ty]));
                }
                self.expect_kind(left, ValueKind::Number, &symbol);
                self.expect_kind(right, ValueKind::Number, &symbol);
                Ty::of(ValueKind::Number)
            }
            BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div => {
                self.expect_kind(left, ValueKind::Number, &symbol);
                self.expect_kind(right, ValueKind::Number, &symbol);
                Ty::of(ValueKind::Number)
            }
            BinaryOp::Coalesce => self.join_branches(left, right),
            BinaryOp::Eq | BinaryOp::NotEq => {
                self.compare(left, right, &symbol);
                Ty::of(ValueKind::Bool)
            }
            BinaryOp::Lt | BinaryOp::LtEq | BinaryOp::Gt | BinaryOp::GtEq => {
                for operand in [left, right] {
                    let kind = operand.ty.kind;
                    let ordered = matches!(
                        kind,
                        ValueKind::Number
                            | ValueKind::Date
                            | ValueKind::Datetime
                            | ValueKind::Time
                            | ValueKind::Unknown
                    );
                    if !ordered {
                        self.report(
                            operand.span,
                            CheckError::OperandTypeMismatch {
                                context: symbol.clone(),
                                expected: "a number, date or datetime".to_string(),
                                found: kind.describe().to_string(),
                                help: conversion_help(kind, ValueKind::Number),
                                span: operand.span.into(),
                            },
                        );
                    }
                }
                self.compare(left, right, &symbol);
                Ty::of(ValueKind::Bool)
            }
            BinaryOp::And | BinaryOp::Or => {
                self.expect_kind(left, ValueKind::Bool, &symbol);
                self.expect_kind(right, ValueKind::Bool, &symbol);
                Ty::of(ValueKind::Bool)
            }
        }
    }

    /// Checks two operands can be compared, and literal values against a picklist field.
    pub(crate) fn compare(&mut self, left: &TypedExpr, right: &TypedExpr, context: &str) {
        if !comparable(left.ty, right.ty) {
            self.report(
                right.span,
                CheckError::OperandTypeMismatch {
                    context: format!("{context} with {}", left.ty.kind.describe()),
                    expected: left.ty.kind.describe().to_string(),
                    found: right.ty.kind.describe().to_string(),
                    help: conversion_help(right.ty.kind, left.ty.kind),
                    span: right.span.into(),
                },
            );
            return;
        }
        for (field_side, literal_side) in [(left, right), (right, left)] {
            let (Some(field), TypedExprKind::Literal(value)) =
                (field_side.as_field(), &literal_side.kind)
            else {
                continue;
            };
            if let Some(domain) = self.domain_of(field) {
                let display = field.display();
                self.check_value(
                    &literal_text(value),
                    literal_side.span,
                    &domain,
                    &display,
                    false,
                );
            }
        }
    }

    /// The type of `a ?? b` and of `if` branches: the first known kind; lengths combine.
    fn join_branches(&mut self, first: &TypedExpr, second: &TypedExpr) -> Ty {
        if !comparable(first.ty, second.ty) {
            self.report(
                second.span,
                CheckError::OperandTypeMismatch {
                    context: "both branches".to_string(),
                    expected: first.ty.kind.describe().to_string(),
                    found: second.ty.kind.describe().to_string(),
                    help: conversion_help(second.ty.kind, first.ty.kind),
                    span: second.span.into(),
                },
            );
        }
        let kind = if first.ty.is_unknown() {
            second.ty.kind
        } else {
            first.ty.kind
        };
        let max_length = match (first.ty.max_length, second.ty.max_length) {
            (Some(a), Some(b)) => Some(a.max(b)),
            _ => None,
        };
        Ty { kind, max_length }
    }

    fn call(
        &mut self,
        name: &tandem_syntax::ast::Ident,
        args: &[Expr],
        scope: PathScope<'_>,
        span: tandem_ground::diagnostics::Span,
    ) -> TypedExpr {
        // Unknown functions and wrong argument counts are reported by `names`; the
        // arguments are still typed so mistakes inside them are found.
        let function = Function::from_name(&name.name);
        let count_ok = function.is_some_and(|function| function.accepts_count(args.len()));
        let Some(function) = function.filter(|_| count_ok) else {
            for arg in args {
                if !matches!(arg.kind, ExprKind::Name(_)) {
                    self.expr(arg, scope);
                }
            }
            return TypedExpr::invalid(span);
        };
        let signature = function.signature();
        let mut typed_args = Vec::new();
        let mut table_max = None;
        for (index, arg) in args.iter().enumerate() {
            let param = signature
                .params
                .get(index)
                .or(signature.params.last())
                .copied();
            let typed = match (&arg.kind, param) {
                (ExprKind::Name(table), Some(super::functions::Param::Table)) => {
                    self.used_tables.insert(table.name.clone());
                    table_max = self.checked_tables.get(&table.name).map(|table| {
                        table
                            .rows
                            .values()
                            .map(|value| value.chars().count() as u32)
                            .max()
                            .unwrap_or(0)
                    });
                    TypedExpr {
                        kind: TypedExprKind::Table(table.name.clone()),
                        ty: Ty::of(ValueKind::Table),
                        span: arg.span,
                    }
                }
                _ => self.expr(arg, scope),
            };
            // `lookup`'s table argument is the names stage's (lookup_needs_table).
            if let Some(param) = param
                && param != super::functions::Param::Table
                && !param.accepts(typed.ty.kind)
            {
                self.report(
                    typed.span,
                    CheckError::OperandTypeMismatch {
                        context: format!("`{}`", function.name()),
                        expected: param.describe().to_string(),
                        found: typed.ty.kind.describe().to_string(),
                        help: Some(argument_help(param, signature.text)),
                        span: typed.span.into(),
                    },
                );
            }
            typed_args.push(typed);
        }
        let literal_count = typed_args.get(1).and_then(|arg| match &arg.kind {
            TypedExprKind::Literal(value) => value.as_f64().map(|count| count.max(0.0) as u32),
            _ => None,
        });
        let arg_types: Vec<Ty> = typed_args.iter().map(|arg| arg.ty).collect();
        let ty = function.result(&arg_types, literal_count, table_max);
        TypedExpr {
            kind: TypedExprKind::Call {
                function,
                args: typed_args,
            },
            ty,
            span,
        }
    }
}

/// The conversion to suggest from one kind to another, when there is one.
pub(crate) fn conversion_help(from: ValueKind, to: ValueKind) -> Option<String> {
    let function = match (from, to) {
        (ValueKind::Text | ValueKind::Picklist, ValueKind::Number) => "number(...)",
        (_, ValueKind::Text) => "text(...)",
        (ValueKind::Datetime, ValueKind::Date) => "date(...)",
        (ValueKind::Text | ValueKind::Date, ValueKind::Datetime) => "datetime(...)",
        (ValueKind::Text, ValueKind::Date) => "date(...)",
        (ValueKind::Unknown, _) | (_, ValueKind::Unknown) => return None,
        (_, ValueKind::Bool) => {
            return Some(
                "make it a condition: compare it (`... = \"value\"`, `... > 0`) or test it with `is blank` / `is not blank`"
                    .to_string(),
            );
        }
        (ValueKind::Bool, _) => {
            return Some("choose a value with `if ... then ... else ...`".to_string());
        }
        (ValueKind::Multipicklist, _) => {
            return Some(
                "take one of the selected values with `split(..., \";\", <index>)` (text), then convert it"
                    .to_string(),
            );
        }
        _ => return None,
    };
    Some(format!("convert it with `{function}`"))
}

/// What to do about an argument of the wrong kind: the conversion that makes it fit, then
/// the function's signature.
fn argument_help(param: super::functions::Param, signature: &str) -> String {
    use super::functions::Param;
    let conversion = match param {
        Param::Textual => "convert the argument with `text(...)`; ",
        Param::Number => "convert the argument with `number(...)`; ",
        _ => "",
    };
    format!("{conversion}the signature is `{signature}`")
}
