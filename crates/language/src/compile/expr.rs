//! Typed expressions to the planner's [`Expr`]: fields by system and name, literals as JSON
//! values, operators by symbol, functions by name, and `lookup(table, x)` as a value map over
//! the table's rows.

use serde_json::{Value, json};

use crate::check::functions::Function;
use crate::check::{FieldRef, RecordSelector, TypedExpr, TypedExprKind, WrittenLiteral};
use tandem_syntax::ast::{self, BinaryOp, UnaryOp};

use super::from_checked::Lowering;
use super::program::Expr;

impl Lowering<'_> {
    /// The expression, or `None` after a diagnostic.
    pub(super) fn expr(&mut self, expr: &TypedExpr) -> Option<Expr> {
        Some(match &expr.kind {
            TypedExprKind::Literal(value) => Expr::literal(literal(value)),
            TypedExprKind::Field(field) => self.field(field)?,
            TypedExprKind::Table(name) => {
                self.internal(
                    expr.span,
                    "expression",
                    format!("the table `{name}` is used as a value outside `lookup`"),
                );
                return None;
            }
            // `-1` is a negative number, not an operation: like any literal it can be a
            // `default`, an `in` value or a pushed-down comparison.
            TypedExprKind::Unary {
                op: UnaryOp::Neg, ..
            } if let Some(written) = expr.as_literal() => Expr::literal(written_literal(written)),
            TypedExprKind::Unary { op, operand } => {
                let operand = self.expr(operand)?;
                match op {
                    UnaryOp::Neg => Expr::binary("*", Expr::literal(json!(-1)), operand),
                    UnaryOp::Not => Expr::Not {
                        operand: Box::new(operand),
                    },
                }
            }
            TypedExprKind::Binary { op, left, right } => {
                let (left, right) = (self.expr(left)?, self.expr(right)?);
                match op {
                    BinaryOp::Coalesce => Expr::call("coalesce", vec![left, right]),
                    other => Expr::binary(other.symbol(), left, right),
                }
            }
            TypedExprKind::In {
                value,
                list,
                negated,
            } => {
                let operand = Box::new(self.expr(value)?);
                let mut values = Vec::new();
                for item in list {
                    // The checker reports an item that is not a literal (in_list_not_literal).
                    let Some(written) = item.as_literal() else {
                        self.internal(
                            item.span,
                            "`in` list",
                            "an item is not a literal".to_string(),
                        );
                        return None;
                    };
                    values.push(written_literal(written));
                }
                let test = Expr::In { operand, values };
                if *negated {
                    Expr::Not {
                        operand: Box::new(test),
                    }
                } else {
                    test
                }
            }
            TypedExprKind::IsBlank { value, negated } => {
                let present = Expr::call("not_blank", vec![self.expr(value)?]);
                if *negated {
                    present
                } else {
                    Expr::Not {
                        operand: Box::new(present),
                    }
                }
            }
            TypedExprKind::If {
                condition,
                then_branch,
                else_branch,
            } => Expr::If {
                condition: Box::new(self.expr(condition)?),
                then_branch: Box::new(self.expr(then_branch)?),
                else_branch: Box::new(self.expr(else_branch)?),
            },
            TypedExprKind::Call {
                function: Function::Lookup,
                args,
            } => return self.lookup(expr, args),
            TypedExprKind::Call { function, args } => {
                let args = args
                    .iter()
                    .map(|arg| self.expr(arg))
                    .collect::<Option<Vec<_>>>()?;
                Expr::call(function.name(), args)
            }
            TypedExprKind::Invalid => {
                self.internal(
                    expr.span,
                    "expression",
                    "the checker could not type it but reported no error".to_string(),
                );
                return None;
            }
        })
    }

    /// A field of the record in context. Fields of related records cannot be synced yet (the
    /// checker reports them).
    fn field(&mut self, field: &FieldRef) -> Option<Expr> {
        if !field.hops.is_empty() {
            self.related_path(field);
            return None;
        }
        if field.selector != RecordSelector::This {
            self.internal(
                field.span,
                "field",
                format!("`{}` reads associated records", field.display()),
            );
            return None;
        }
        Some(Expr::field(field.system, &field.field.name))
    }

    /// A field read through a relationship, which the checker reports (related_path).
    pub(super) fn related_path(&mut self, field: &FieldRef) {
        self.internal(
            field.span,
            "field",
            format!("`{}` reads through a related record", written_path(field)),
        );
    }

    /// `lookup(table, x)`: the table's value for `x`; blank when the table has no row for it.
    fn lookup(&mut self, call: &TypedExpr, args: &[TypedExpr]) -> Option<Expr> {
        let (Some(table), Some(operand)) = (args.first(), args.get(1)) else {
            self.internal(
                call.span,
                "lookup",
                format!("it has {} argument(s), not 2", args.len()),
            );
            return None;
        };
        let TypedExprKind::Table(name) = &table.kind else {
            self.internal(
                table.span,
                "lookup",
                "its first argument is not a table".to_string(),
            );
            return None;
        };
        let Some(table) = self.checked.tables.get(name) else {
            self.internal(
                table.span,
                "lookup",
                format!("the table `{name}` was not loaded"),
            );
            return None;
        };
        let entries = table
            .rows
            .iter()
            .map(|(key, value)| (key.clone(), Value::String(value.clone())))
            .collect();
        Some(Expr::ValueMap {
            operand: Box::new(self.expr(operand)?),
            entries,
            otherwise: Some(Value::Null),
            passthrough: false,
        })
    }
}

/// A literal as the planner's JSON value (see [`written_literal`]).
pub(super) fn literal(value: &ast::LiteralValue) -> Value {
    written_literal(WrittenLiteral {
        value,
        negated: false,
    })
}

/// A literal as the planner's JSON value (one home: [`WrittenLiteral::json`]).
pub(super) fn written_literal(written: WrittenLiteral<'_>) -> Value {
    written.json()
}

/// The path as written in a sync (`sf.Account.Name`): the connection, the relationships
/// followed, then the field.
fn written_path(field: &FieldRef) -> String {
    let mut out = field.connection.clone();
    for hop in &field.hops {
        out.push('.');
        out.push_str(&ast::display_name(&hop.relationship));
    }
    out.push('.');
    out.push_str(&ast::display_name(&field.field.name));
    out
}
