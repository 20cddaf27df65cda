//! compile: checked, error-free spec -> [`Program`] (serializable: what will be read and written).
//!
//! In: a checked spec whose diagnostics held no error. Out: a versioned Program with, per sync
//! in dependency order, the fields to read on each side, the scope filters pushed down into
//! SOQL `WHERE` clauses and HubSpot search filters where they can be expressed, the match
//! rules, the field programs and the write strategy. Never: IO, or second-guessing the checker
//! (an error-free spec compiles; anything else is a bug reported as an internal diagnostic).

pub mod association;
pub mod from_ast;
pub mod program;
pub mod pushdown;

pub use program::*;
