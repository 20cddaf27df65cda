//! tandem-language: names, the schema-aware checker and the compiler.
//!
//! | stage       | takes in                                   | gives out                          |
//! |-------------|--------------------------------------------|------------------------------------|
//! | [`project`] | a path (file or folder)                    | `SourceMap`, lookup tables, schemas |
//! | [`check`]   | AST + schema snapshots + tables            | `CheckedSpec` + every diagnostic   |
//! | [`compile`] | error-free `CheckedSpec`                   | [`compile::Program`] (serializable) |
//! | [`usage`]   | AST                                        | what a spec uses of each schema    |
//!
//! `project` is the only module that reads files (the spec, its CSV tables, its schema
//! folder); `check`, `compile` and `usage` are pure. Never: sockets, a database or an async
//! runtime (none is in this crate's dependency tree).

pub mod check;
pub mod compile;
pub mod project;
pub mod usage;
