//! Expressions in canonical form: single spaces around binary operators, parentheses only
//! where precedence needs them, literals in one spelling.

use chrono::SecondsFormat;

use crate::ast::*;

/// Binding strength, loosest first; parentheses go around an operand whose level is below
/// what its position needs.
const IF: u8 = 0;
const OR: u8 = 1;
const AND: u8 = 2;
const NOT: u8 = 3;
const COMPARE: u8 = 4;
const COALESCE: u8 = 5;
const SUM: u8 = 6;
const PRODUCT: u8 = 7;
const NEGATE: u8 = 8;
const ATOM: u8 = 9;

pub(crate) fn expr(expr: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, expr, IF);
    out
}

/// An operand of `match a = b`: binds tighter than a comparison.
pub(crate) fn match_side(expr: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, expr, COALESCE);
    out
}

/// The operands of a top-level `and` chain (for breaking long scope filters).
pub(crate) fn and_operands(expr: &Expr) -> Vec<String> {
    let mut operands = Vec::new();
    collect_and(expr, &mut operands);
    operands
}

fn collect_and(expr: &Expr, operands: &mut Vec<String>) {
    match &expr.kind {
        ExprKind::Binary {
            op: BinaryOp::And,
            left,
            right,
        } => {
            collect_and(left, operands);
            let mut out = String::new();
            write_expr(&mut out, right, AND + 1);
            operands.push(out);
        }
        _ => {
            let mut out = String::new();
            write_expr(&mut out, expr, AND);
            operands.push(out);
        }
    }
}

fn level(expr: &Expr) -> u8 {
    match &expr.kind {
        ExprKind::If { .. } => IF,
        ExprKind::Binary { op, .. } => binary_level(*op),
        ExprKind::Unary {
            op: UnaryOp::Not, ..
        } => NOT,
        ExprKind::Unary {
            op: UnaryOp::Neg, ..
        } => NEGATE,
        ExprKind::In { .. } | ExprKind::IsBlank { .. } => COMPARE,
        ExprKind::Literal(_) | ExprKind::Field(_) | ExprKind::Name(_) | ExprKind::Call { .. } => {
            ATOM
        }
    }
}

fn binary_level(op: BinaryOp) -> u8 {
    match op {
        BinaryOp::Or => OR,
        BinaryOp::And => AND,
        BinaryOp::Coalesce => COALESCE,
        BinaryOp::Add | BinaryOp::Sub => SUM,
        BinaryOp::Mul | BinaryOp::Div => PRODUCT,
        _ => COMPARE,
    }
}

fn write_expr(out: &mut String, expr: &Expr, min_level: u8) {
    let own = level(expr);
    if own < min_level {
        out.push('(');
        write_expr(out, expr, IF);
        out.push(')');
        return;
    }
    match &expr.kind {
        ExprKind::Literal(literal) => out.push_str(&self::literal(literal)),
        ExprKind::Field(path) => out.push_str(&path.display()),
        ExprKind::Name(name) => out.push_str(&name.name),
        ExprKind::Unary { op, operand } => match op {
            UnaryOp::Not => {
                out.push_str("not ");
                write_expr(out, operand, NOT);
            }
            UnaryOp::Neg => {
                out.push('-');
                write_expr(out, operand, NEGATE);
            }
        },
        ExprKind::Binary { op, left, right } => {
            // Comparisons do not chain; the other operators associate to the left.
            let (left_min, right_min) = if op.is_comparison() {
                (COALESCE, COALESCE)
            } else {
                (own, own + 1)
            };
            write_expr(out, left, left_min);
            out.push(' ');
            out.push_str(op.symbol());
            out.push(' ');
            write_expr(out, right, right_min);
        }
        ExprKind::In {
            value,
            list,
            negated,
        } => {
            write_expr(out, value, COALESCE);
            out.push_str(if *negated { " not in [" } else { " in [" });
            for (index, item) in list.iter().enumerate() {
                if index > 0 {
                    out.push_str(", ");
                }
                write_expr(out, item, IF);
            }
            out.push(']');
        }
        ExprKind::IsBlank { value, negated } => {
            write_expr(out, value, COALESCE);
            out.push_str(if *negated {
                " is not blank"
            } else {
                " is blank"
            });
        }
        ExprKind::If {
            condition,
            then_branch,
            else_branch,
        } => {
            out.push_str("if ");
            write_expr(out, condition, IF);
            out.push_str(" then ");
            write_expr(out, then_branch, IF);
            out.push_str(" else ");
            write_expr(out, else_branch, IF);
        }
        ExprKind::Call { function, args } => {
            out.push_str(&function.name);
            out.push('(');
            for (index, arg) in args.iter().enumerate() {
                if index > 0 {
                    out.push_str(", ");
                }
                write_expr(out, arg, IF);
            }
            out.push(')');
        }
    }
}

pub(crate) fn literal(literal: &Literal) -> String {
    match &literal.value {
        LiteralValue::String(text) => string(text),
        LiteralValue::Number(text) => text.clone(),
        LiteralValue::Bool(flag) => flag.to_string(),
        LiteralValue::Date(date) => format!("@{}", date.format("%Y-%m-%d")),
        LiteralValue::DateTime(datetime) => {
            format!("@{}", datetime.to_rfc3339_opts(SecondsFormat::AutoSi, true))
        }
    }
}

pub(crate) fn string(text: &str) -> String {
    format!("\"{}\"", escape_string(text))
}

/// A notify message: text escaped as in strings, plus `{` (which would open a hole).
pub(crate) fn template(template: &Template) -> String {
    let mut out = String::from("\"");
    for part in &template.parts {
        match part {
            TemplatePart::Text(text) => out.push_str(&escape_string(text).replace('{', "\\{")),
            TemplatePart::Hole(hole) => {
                out.push('{');
                write_expr(&mut out, hole, IF);
                out.push('}');
            }
        }
    }
    out.push('"');
    out
}
