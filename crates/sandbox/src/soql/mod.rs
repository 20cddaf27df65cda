//! A hand-written SOQL subset: `SELECT fields | COUNT() FROM object [WHERE ...]
//! [ORDER BY f [ASC|DESC] [NULLS FIRST|LAST], ...] [LIMIT n] [OFFSET n]`, where the fields may
//! include child relationship subqueries `(SELECT … FROM Contacts [WHERE …] [ORDER BY …]
//! [LIMIT n])` one level deep, with comparisons (datetimes to the second),
//! `IN` / `NOT IN`, `LIKE`, `AND` / `OR` / `NOT`, `NULL`, booleans, numbers, strings, date and
//! datetime literals, and the date literals TODAY, YESTERDAY, TOMORROW, LAST_N_DAYS:n,
//! NEXT_N_DAYS:n. Parsing is pure; evaluation reads records through a value callback.

mod eval;
mod lexer;
mod parser;

pub use eval::{Row, compare_values, matches};
pub use parser::{CmpOp, Expr, Literal, OrderItem, Query, SelectItem, parse};

/// A query the sandbox refuses, in Salesforce's terms.
#[derive(Debug, Clone, PartialEq)]
pub enum SoqlError {
    /// `MALFORMED_QUERY`.
    Malformed(String),
}

impl std::fmt::Display for SoqlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SoqlError::Malformed(message) => write!(f, "{message}"),
        }
    }
}
