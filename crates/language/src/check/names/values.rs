//! Name checks inside expressions and value-map bodies.

use std::collections::BTreeMap;

use super::functions::{FUNCTIONS, lookup_function};
use super::{NameChecker, NamesError, closest};
use tandem_ground::diagnostics::Span;
use tandem_syntax::ast::{self, ExprKind, LiteralValue, MapArmKind, PairArrow};

impl NameChecker<'_> {
    /// Walks an expression: connections, functions, tables and stray bare names. The parser
    /// bounds expression depth, so this recursion is bounded too.
    pub(super) fn expr(&mut self, expr: &ast::Expr) {
        match &expr.kind {
            ExprKind::Literal(_) => {}
            ExprKind::Field(path) => self.field_path(path),
            ExprKind::Name(name) => self.report(
                name.span,
                NamesError::BareNameAsValue {
                    name: name.name.clone(),
                    span: name.span.into(),
                },
            ),
            ExprKind::Unary { operand, .. } => self.expr(operand),
            ExprKind::Binary { left, right, .. } => {
                self.expr(left);
                self.expr(right);
            }
            ExprKind::In { value, list, .. } => {
                self.expr(value);
                for item in list {
                    self.expr(item);
                }
            }
            ExprKind::IsBlank { value, .. } => self.expr(value),
            ExprKind::If {
                condition,
                then_branch,
                else_branch,
            } => {
                self.expr(condition);
                self.expr(then_branch);
                self.expr(else_branch);
            }
            ExprKind::Call { function, args } => self.call(function, args, expr.span),
        }
    }

    fn call(&mut self, function: &ast::Ident, args: &[ast::Expr], span: Span) {
        let Some(known) = lookup_function(function.as_str()) else {
            self.report(
                function.span,
                NamesError::UnknownFunction {
                    name: function.name.clone(),
                    suggestion: closest(&function.name, FUNCTIONS.iter().map(|f| f.name)),
                    known: FUNCTIONS.iter().map(|f| f.name).collect(),
                    span: function.span.into(),
                },
            );
            for arg in args {
                self.expr(arg);
            }
            return;
        };
        if !known.accepts(args.len()) {
            self.report(
                span,
                NamesError::WrongArgumentCount {
                    name: known.name.to_string(),
                    expected: known.arity_text(),
                    given: args.len(),
                    usage: known.usage,
                    span: span.into(),
                },
            );
        }
        let mut rest = args;
        if known.name == "lookup"
            && let Some((table, others)) = args.split_first()
        {
            self.lookup_table(table);
            rest = others;
        }
        for arg in rest {
            self.expr(arg);
        }
    }

    fn lookup_table(&mut self, table: &ast::Expr) {
        let ExprKind::Name(name) = &table.kind else {
            self.report(
                table.span,
                NamesError::LookupNeedsTable {
                    span: table.span.into(),
                },
            );
            return;
        };
        if !self.tables.contains_key(name.as_str()) {
            let known: Vec<String> = self.tables.keys().map(|t| t.to_string()).collect();
            self.report(
                name.span,
                NamesError::UndefinedTable {
                    name: name.name.clone(),
                    suggestion: closest(&name.name, self.tables.keys().copied()),
                    known,
                    span: name.span.into(),
                },
            );
        }
    }

    pub(super) fn field_path(&mut self, path: &ast::FieldPath) {
        self.check_connection(&path.connection);
    }

    /// Each value is mapped once; in `<=>` pairs each right value comes back once.
    pub(super) fn map_body(&mut self, body: &ast::MapBody) {
        let mut keys: BTreeMap<String, Span> = BTreeMap::new();
        let mut backwards: BTreeMap<String, Span> = BTreeMap::new();
        for arm in &body.arms {
            let (key, key_span) = match &arm.kind {
                MapArmKind::Pair { left, .. } => (literal_key(&left.value), left.span),
                MapArmKind::Else { .. } | MapArmKind::ElseError => ("else".to_string(), arm.span),
            };
            if let Some(&first) = keys.get(&key) {
                self.report(
                    key_span,
                    NamesError::DuplicateMapKey {
                        key,
                        span: key_span.into(),
                        first: first.into(),
                    },
                );
            } else {
                keys.insert(key, key_span);
            }
            if let MapArmKind::Pair {
                arrow: PairArrow::Both,
                right,
                ..
            } = &arm.kind
            {
                let value = literal_key(&right.value);
                if let Some(&first) = backwards.get(&value) {
                    self.report(
                        right.span,
                        NamesError::MapNotOneToOne {
                            value,
                            span: right.span.into(),
                            first: first.into(),
                        },
                    );
                } else {
                    backwards.insert(value, right.span);
                }
            }
        }
    }
}

/// A literal as a map key: the text a user would recognise.
fn literal_key(value: &LiteralValue) -> String {
    match value {
        LiteralValue::String(text) => text.clone(),
        LiteralValue::Number(text) => text.clone(),
        LiteralValue::Bool(flag) => flag.to_string(),
        LiteralValue::Date(date) => date.to_string(),
        LiteralValue::DateTime(datetime) => datetime.to_rfc3339(),
    }
}
