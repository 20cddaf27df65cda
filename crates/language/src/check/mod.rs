//! check: AST + schema snapshots (+ lookup tables) -> [`CheckedSpec`] + every diagnostic.
//!
//! In: the parsed [`ast::Spec`], both systems' [`Schemas`] and the spec's lookup [`Tables`]
//! (already read from disk by `project`). Out: the [`CheckedSpec`] compile consumes (every name
//! resolved, every expression typed, value maps oriented, conflict rules effective) and all
//! diagnostics, each with a permanent `tandem::check::*` code.
//!
//! Never: does IO, stops at the first problem, or panics on user input. Names that do not
//! depend on schemas (duplicate or undefined syncs, maps, tables, connections) are `names`'
//! job; this stage stays silent about them to avoid reporting one mistake twice.
//!
//! The rules, by the number used in the docs (docs/checker.md):
//! 1 names against the snapshots (`resolve.rs`), 2 types (`expr.rs`, `types.rs`), literal
//! items (`literals.rs`) and record ids (`record_ids.rs`), 3 writability, 7 one writer,
//! 9 lengths (`mapping.rs`), 4 required fields and 8 match keys (`sync.rs`), 5 picklists
//! (`picklists.rs`, `maps.rs`, deal stages per pipeline in `pipelines.rs`), 6 two-way rules
//! (`mapping.rs`, `maps.rs`), 10 filters, links, actions and unused items (`sync.rs`,
//! `association.rs`, `triggers.rs`, `spec_rules.rs`), 11 Lead vs Contact (`spec_rules.rs`).
//! Values the spec fixes (literals, `if` branches, defaults, map values) are held to their
//! target exactly by `fixed_values.rs` (over `constants.rs`): a value that always fails is an
//! error, never a "may".

mod association;
pub mod checked;
mod constants;
mod context;
pub mod errors;
mod expr;
mod fixed_values;
pub mod functions;
mod literals;
pub mod lookup_tables;
mod mapping;
mod maps;
pub mod names;
mod picklists;
mod pipelines;
mod record_ids;
mod resolve;
mod spec_rules;
mod suggest;
mod sync;
mod triggers;
pub mod types;

pub use checked::*;
pub use errors::{CheckError, SchemaOrigin};

use lookup_tables::Tables;
use tandem_ground::diagnostics::Diag;
use tandem_ground::schema::Schemas;
use tandem_syntax::ast;

/// Checks a spec against the schemas. Always returns a checked spec (as complete as the
/// spec allows) and every diagnostic found, in a deterministic order (source order of the
/// checks; the renderers sort by position).
pub fn check(spec: &ast::Spec, schemas: &Schemas, tables: &Tables) -> (CheckedSpec, Vec<Diag>) {
    check_from(spec, schemas, tables, SchemaOrigin::Unknown)
}

/// [`check`], told where the snapshots were looked for, so a missing one is reported with
/// the folder it should be in.
pub fn check_from(
    spec: &ast::Spec,
    schemas: &Schemas,
    tables: &Tables,
    origin: SchemaOrigin,
) -> (CheckedSpec, Vec<Diag>) {
    let mut checker = context::Checker::new(spec, schemas, tables);
    checker.schema_origin = origin;
    checker.check_connections();
    checker.check_tables();
    checker.check_maps();
    checker.check_syncs();
    checker.check_triggers();
    checker.check_unused();
    checker.check_lead_contact();
    (checker.out, checker.diags)
}
