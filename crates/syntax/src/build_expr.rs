//! Pest pairs -> AST expressions, literals, strings and field paths.

use pest::iterators::Pair;

use super::ast::*;
use super::build::Builder;
use super::errors::SyntaxError;
use super::parser::{Rule, children};

/// Expressions nested deeper than this are refused, so the recursive stages after the
/// parser (formatter, checker, compiler) never run out of stack on hostile input.
pub(crate) const MAX_EXPRESSION_DEPTH: usize = 100;

/// The builder's own recursion bound: about ten grammar levels per nesting level.
const MAX_BUILD_DEPTH: usize = MAX_EXPRESSION_DEPTH * 10;

impl Builder {
    /// Builds any expression-level pair (`expr`, `or_expr`, ..., `primary` alternatives).
    pub(crate) fn expr(&mut self, pair: Pair<Rule>) -> Option<Expr> {
        let expr = self.expr_at(pair, 0)?;
        if expression_depth(&expr) > MAX_EXPRESSION_DEPTH {
            self.error(SyntaxError::NestingTooDeep {
                limit: MAX_EXPRESSION_DEPTH,
                span: expr.span.into(),
            });
            return None;
        }
        Some(expr)
    }

    fn expr_at(&mut self, pair: Pair<Rule>, depth: usize) -> Option<Expr> {
        if depth > MAX_BUILD_DEPTH {
            let span = self.span(&pair);
            self.error(SyntaxError::NestingTooDeep {
                limit: MAX_EXPRESSION_DEPTH,
                span: span.into(),
            });
            return None;
        }
        let span = self.span(&pair);
        let depth = depth + 1;
        match pair.as_rule() {
            Rule::expr => self.expr_at(children(pair).next()?, depth),
            Rule::if_expr => {
                let mut inner = children(pair);
                let condition = self.expr_at(inner.next()?, depth)?;
                let then_branch = self.expr_at(inner.next()?, depth)?;
                let else_branch = self.expr_at(inner.next()?, depth)?;
                Some(Expr {
                    kind: ExprKind::If {
                        condition: Box::new(condition),
                        then_branch: Box::new(then_branch),
                        else_branch: Box::new(else_branch),
                    },
                    span,
                })
            }
            Rule::or_expr => self.left_chain(pair, depth, |_| Some(BinaryOp::Or)),
            Rule::and_expr => self.left_chain(pair, depth, |_| Some(BinaryOp::And)),
            Rule::coalesce_expr => self.left_chain(pair, depth, |_| Some(BinaryOp::Coalesce)),
            Rule::sum_expr => self.left_chain(pair, depth, |op| match op {
                "+" => Some(BinaryOp::Add),
                "-" => Some(BinaryOp::Sub),
                _ => None,
            }),
            Rule::product_expr => self.left_chain(pair, depth, |op| match op {
                "*" => Some(BinaryOp::Mul),
                "/" => Some(BinaryOp::Div),
                _ => None,
            }),
            Rule::not_expr | Rule::unary_expr => {
                let children: Vec<Pair<Rule>> = children(pair).collect();
                let (operand_pair, ops) = children.split_last()?;
                let mut operand = self.expr_at(operand_pair.clone(), depth)?;
                for op in ops.iter().rev() {
                    let op_kind = if op.as_rule() == Rule::not_op {
                        UnaryOp::Not
                    } else {
                        UnaryOp::Neg
                    };
                    let op_span = self.span(op);
                    let whole = op_span.to(operand.span);
                    operand = Expr {
                        kind: ExprKind::Unary {
                            op: op_kind,
                            operand: Box::new(operand),
                        },
                        span: whole,
                    };
                }
                Some(operand)
            }
            Rule::cmp_expr => self.comparison(pair, depth),
            Rule::literal => {
                let literal = self.literal(pair)?;
                Some(Expr {
                    kind: ExprKind::Literal(literal),
                    span,
                })
            }
            Rule::call => {
                let mut inner = children(pair);
                let function = self.ident(&inner.next()?);
                let mut args = Vec::new();
                if let Some(call_args) = inner.next() {
                    for arg in children(call_args) {
                        args.push(self.expr_at(arg, depth)?);
                    }
                }
                Some(Expr {
                    kind: ExprKind::Call { function, args },
                    span,
                })
            }
            Rule::field_path => Some(Expr {
                kind: ExprKind::Field(self.field_path(pair)?),
                span,
            }),
            Rule::bare_name => Some(Expr {
                kind: ExprKind::Name(self.ident(&children(pair).next()?)),
                span,
            }),
            _ => None,
        }
    }

    /// `a op b op c` as `((a op b) op c)`; `op_of` maps an operator pair's text to its op.
    fn left_chain(
        &mut self,
        pair: Pair<Rule>,
        depth: usize,
        op_of: impl Fn(&str) -> Option<BinaryOp>,
    ) -> Option<Expr> {
        let mut inner = children(pair).peekable();
        let mut left = self.expr_at(inner.next()?, depth)?;
        while let Some(next) = inner.next() {
            let (op, operand_pair) = match next.as_rule() {
                Rule::sum_op | Rule::product_op | Rule::coalesce_op => {
                    (op_of(next.as_str())?, inner.next()?)
                }
                // `and` / `or` are silent keywords: the operand follows directly.
                _ => (op_of("")?, next),
            };
            let right = self.expr_at(operand_pair, depth + 1)?;
            let span = left.span.to(right.span);
            left = Expr {
                kind: ExprKind::Binary {
                    op,
                    left: Box::new(left),
                    right: Box::new(right),
                },
                span,
            };
        }
        Some(left)
    }

    fn comparison(&mut self, pair: Pair<Rule>, depth: usize) -> Option<Expr> {
        let span = self.span(&pair);
        let mut inner = children(pair);
        let value = self.expr_at(inner.next()?, depth)?;
        let Some(tail) = inner.next() else {
            return Some(value);
        };
        let kind = match tail.as_rule() {
            Rule::in_list => {
                let mut negated = false;
                let mut list = Vec::new();
                for child in children(tail) {
                    if child.as_rule() == Rule::negation {
                        negated = true;
                    } else {
                        list.push(self.expr_at(child, depth)?);
                    }
                }
                ExprKind::In {
                    value: Box::new(value),
                    list,
                    negated,
                }
            }
            Rule::is_blank => ExprKind::IsBlank {
                value: Box::new(value),
                negated: children(tail).next().is_some(),
            },
            Rule::cmp_op => {
                let op = match tail.as_str() {
                    "!=" => BinaryOp::NotEq,
                    "<=" => BinaryOp::LtEq,
                    ">=" => BinaryOp::GtEq,
                    "<" => BinaryOp::Lt,
                    ">" => BinaryOp::Gt,
                    _ => BinaryOp::Eq,
                };
                let right = self.expr_at(inner.next()?, depth + 1)?;
                ExprKind::Binary {
                    op,
                    left: Box::new(value),
                    right: Box::new(right),
                }
            }
            _ => return Some(value),
        };
        Some(Expr { kind, span })
    }

    pub(crate) fn literal(&mut self, pair: Pair<Rule>) -> Option<Literal> {
        let span = self.span(&pair);
        let inner = children(pair).next()?;
        let value = match inner.as_rule() {
            Rule::string => LiteralValue::String(self.string_lit(inner)?.value),
            Rule::number => LiteralValue::Number(inner.as_str().to_string()),
            Rule::boolean => LiteralValue::Bool(inner.as_str() == "true"),
            Rule::date => self.date(&inner)?,
            _ => return None,
        };
        Some(Literal { value, span })
    }

    fn date(&mut self, pair: &Pair<Rule>) -> Option<LiteralValue> {
        let text = pair.as_str();
        let body = text.trim_start_matches('@');
        if let Ok(date) = chrono::NaiveDate::parse_from_str(body, "%Y-%m-%d")
            && body.len() == 10
        {
            return Some(LiteralValue::Date(date));
        }
        if body.len() > 10
            && let Ok(datetime) = chrono::DateTime::parse_from_rfc3339(body)
        {
            return Some(LiteralValue::DateTime(datetime));
        }
        let span = self.span(pair);
        self.error(SyntaxError::InvalidDate {
            text: text.to_string(),
            span: span.into(),
        });
        None
    }

    pub(crate) fn string_lit(&mut self, pair: Pair<Rule>) -> Option<StringLit> {
        let span = self.span(&pair);
        let inner = children(pair).next()?;
        let value = self.unescape(&inner);
        Some(StringLit { value, span })
    }

    /// Resolves escapes in string text; an unknown escape is reported and kept as written.
    pub(crate) fn unescape(&mut self, pair: &Pair<Rule>) -> String {
        let raw = pair.as_str();
        let start = self.base + pair.as_span().start();
        let mut out = String::with_capacity(raw.len());
        let mut chars = raw.char_indices();
        while let Some((index, c)) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            let Some((_, escaped)) = chars.next() else {
                break;
            };
            match escaped {
                '"' => out.push('"'),
                '\\' => out.push('\\'),
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                '{' => out.push('{'),
                '}' => out.push('}'),
                other => {
                    let from = start + index;
                    let span = tandem_ground::diagnostics::Span::new(
                        self.file,
                        from,
                        from + 1 + other.len_utf8(),
                    );
                    self.error(SyntaxError::InvalidEscape {
                        escape: format!("\\{other}"),
                        span: span.into(),
                    });
                    out.push(other);
                }
            }
        }
        out
    }

    pub(crate) fn segment_name(&mut self, pair: Pair<Rule>) -> Option<Ident> {
        let span = self.span(&pair);
        let inner = children(pair).next()?;
        let name = match inner.as_rule() {
            Rule::string => self.string_lit(inner)?.value,
            _ => inner.as_str().to_string(),
        };
        Some(Ident { name, span })
    }

    pub(crate) fn field_path(&mut self, pair: Pair<Rule>) -> Option<FieldPath> {
        let span = self.span(&pair);
        let mut inner = children(pair);
        let connection = self.ident(&inner.next()?);
        let mut segments = Vec::new();
        for segment in inner {
            let segment_span = self.span(&segment);
            let mut parts = children(segment);
            let name = self.segment_name(parts.next()?)?;
            let selector = parts.next().map(|selector| self.ident(&selector));
            segments.push(PathSegment {
                name,
                selector,
                span: segment_span,
            });
        }
        Some(FieldPath {
            connection,
            segments,
            span,
        })
    }
}

/// The nesting depth of an expression, computed without recursion.
fn expression_depth(expr: &Expr) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(expr, 1usize)];
    while let Some((expr, depth)) = stack.pop() {
        deepest = deepest.max(depth);
        let next = depth + 1;
        match &expr.kind {
            ExprKind::Literal(_) | ExprKind::Field(_) | ExprKind::Name(_) => {}
            ExprKind::Unary { operand, .. } => stack.push((operand, next)),
            ExprKind::Binary { left, right, .. } => {
                stack.push((left, next));
                stack.push((right, next));
            }
            ExprKind::In { value, list, .. } => {
                stack.push((value, next));
                stack.extend(list.iter().map(|item| (item, next)));
            }
            ExprKind::IsBlank { value, .. } => stack.push((value, next)),
            ExprKind::If {
                condition,
                then_branch,
                else_branch,
            } => {
                stack.push((condition, next));
                stack.push((then_branch, next));
                stack.push((else_branch, next));
            }
            ExprKind::Call { args, .. } => stack.extend(args.iter().map(|arg| (arg, next))),
        }
    }
    deepest
}
