//! Evaluates a parsed WHERE clause against one row, comparing by field type the way
//! Salesforce does: strings case-insensitively, numbers numerically, dates by instant.

use std::cmp::Ordering;

use super::parser::{CmpOp, Expr, Literal};
use crate::clock;
use tandem_ground::schema::FieldType;

/// What evaluation needs from a row: a field's stored value and the field's type.
pub trait Row {
    fn value(&self, field: &str) -> Option<String>;
    fn field_type(&self, field: &str) -> Option<FieldType>;
}

pub fn matches(expr: &Expr, row: &dyn Row) -> bool {
    match expr {
        Expr::And(a, b) => matches(a, row) && matches(b, row),
        Expr::Or(a, b) => matches(a, row) || matches(b, row),
        Expr::Not(inner) => !matches(inner, row),
        Expr::Cmp { field, op, value } => {
            let stored = row.value(field);
            let kind = row.field_type(field);
            compare_op(stored.as_deref(), *op, value, kind)
        }
        Expr::In {
            field,
            values,
            negated,
        } => {
            let stored = row.value(field);
            let kind = row.field_type(field);
            let hit = values
                .iter()
                .any(|literal| compare_op(stored.as_deref(), CmpOp::Eq, literal, kind));
            hit != *negated
        }
        Expr::Like { field, pattern } => row
            .value(field)
            .is_some_and(|value| like(&value.to_lowercase(), &pattern.to_lowercase())),
    }
}

fn compare_op(stored: Option<&str>, op: CmpOp, literal: &Literal, kind: Option<FieldType>) -> bool {
    match (stored, literal) {
        (None, Literal::Null) => op == CmpOp::Eq,
        (Some(_), Literal::Null) => op == CmpOp::Ne,
        (None, _) => op == CmpOp::Ne,
        (Some(value), Literal::Range(start, end)) => {
            let Some(ms) = instant(value) else {
                return false;
            };
            match op {
                CmpOp::Eq => ms >= *start && ms < *end,
                CmpOp::Ne => ms < *start || ms >= *end,
                CmpOp::Lt => ms < *start,
                CmpOp::Le => ms < *end,
                CmpOp::Gt => ms >= *end,
                CmpOp::Ge => ms >= *start,
            }
        }
        (Some(value), literal) => match compare_values(value, literal, kind) {
            Some(ordering) => match op {
                CmpOp::Eq => ordering == Ordering::Equal,
                CmpOp::Ne => ordering != Ordering::Equal,
                CmpOp::Lt => ordering == Ordering::Less,
                CmpOp::Le => ordering != Ordering::Greater,
                CmpOp::Gt => ordering == Ordering::Greater,
                CmpOp::Ge => ordering != Ordering::Less,
            },
            None => op == CmpOp::Ne,
        },
    }
}

fn instant(value: &str) -> Option<i64> {
    clock::parse_datetime_ms(value).or_else(|| clock::parse_date_ms(value))
}

/// Orders a stored value against a literal, or `None` when they cannot be compared.
pub fn compare_values(value: &str, literal: &Literal, kind: Option<FieldType>) -> Option<Ordering> {
    match literal {
        Literal::Number(n) => value.trim().parse::<f64>().ok()?.partial_cmp(n),
        Literal::Bool(b) => Some(if value.eq_ignore_ascii_case(&b.to_string()) {
            Ordering::Equal
        } else {
            Ordering::Less
        }),
        Literal::Instant(ms) => Some(instant(value)?.cmp(ms)),
        Literal::Str(text) => match kind {
            Some(FieldType::Id | FieldType::Reference) => {
                let left =
                    crate::ids::normalize_salesforce_id(value).unwrap_or_else(|| value.to_string());
                let right =
                    crate::ids::normalize_salesforce_id(text).unwrap_or_else(|| text.clone());
                Some(left.cmp(&right))
            }
            _ => Some(value.to_lowercase().cmp(&text.to_lowercase())),
        },
        Literal::Null | Literal::Range(..) => None,
    }
}

/// SOQL LIKE: `%` any run, `_` one character (inputs already lowercased).
fn like(value: &str, pattern: &str) -> bool {
    let value: Vec<char> = value.chars().collect();
    let pattern: Vec<char> = pattern.chars().collect();
    let (mut v, mut p) = (0usize, 0usize);
    let (mut star, mut mark) = (None, 0usize);
    while v < value.len() {
        if p < pattern.len() && (pattern[p] == '_' || pattern[p] == value[v]) {
            v += 1;
            p += 1;
        } else if p < pattern.len() && pattern[p] == '%' {
            star = Some(p);
            mark = v;
            p += 1;
        } else if let Some(s) = star {
            p = s + 1;
            mark += 1;
            v = mark;
        } else {
            return false;
        }
    }
    while p < pattern.len() && pattern[p] == '%' {
        p += 1;
    }
    p == pattern.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns() {
        assert!(like("ann@acme.com", "%@acme.com"));
        assert!(like("ann", "a_n"));
        assert!(!like("ann", "b%"));
        assert!(like("anything", "%"));
    }
}
