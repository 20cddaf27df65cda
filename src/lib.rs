//! tandem keeps HubSpot and Salesforce in sync from a declarative spec that lives in git.
//!
//! # Pipeline
//!
//! | stage       | takes in                                   | gives out                          |
//! |-------------|--------------------------------------------|------------------------------------|
//! | [`syntax`]  | `*.tandem` source text                      | AST (every node carries its span)  |
//! | [`check`]   | AST + schema snapshots                      | checked spec + every diagnostic    |
//! | [`compile`] | checked spec (error-free)                   | [`compile::Program`] (serializable)|
//! | [`plan`]    | Program + state + remote records            | Plan (pure diff and three-way merge)|
//! | [`runtime`] | Plan + connectors + state store             | applied writes, journal, events    |
//!
//! At the edges: [`project`] (reads a spec's files, CSV tables and schema folder, and runs
//! the offline pipeline), [`schema`] (the CRM-neutral schema model and snapshots), [`connectors`]
//! (all outbound HTTP), [`state`] (the SQLite state store), [`sandbox`] (local HubSpot and
//! Salesforce APIs on loopback) and [`cli`] (clap commands and views).
//!
//! # Invariants
//!
//! - `syntax` knows nothing of CRMs, and is the only module that sees pest types.
//! - `check`, `compile` and `plan` do no IO and never panic on user input; schemas, state and
//!   remote records come in as values.
//! - Only `cli` prints. Only `connectors` and `sandbox` open sockets.
//! - Every diagnostic has a permanent code registered in [`diagnostics`].
//! - Output is deterministic: anything serialized or rendered iterates in a defined order.
//! - Secrets never appear in output, logs, plans, state, errors or snapshots.
//! - Boundary types (Program, Plan, state, schema snapshots) carry a format version.

pub mod check;
pub mod cli;
pub mod compile;
pub mod connectors;
pub mod diagnostics;
pub mod plan;
pub mod project;
pub mod runtime;
pub mod sandbox;
pub mod schema;
pub mod state;
pub mod syntax;
