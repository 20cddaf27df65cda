//! compile: checked, error-free spec -> [`Program`] (serializable: what will be read and written).
//!
//! In: the [`CheckedSpec`] of a spec whose diagnostics held no error (every name resolved,
//! every expression typed, value maps oriented, conflict rules effective). Out: a versioned
//! Program with, per sync in dependency order, the fields to read on each side, the scope
//! filters pushed down into SOQL `WHERE` clauses and HubSpot search filters where they can be
//! expressed, the match rules, the field programs and the write strategy. Never: IO, reading
//! the syntax tree or the schema snapshots again, or second-guessing the checker (an
//! error-free spec compiles; anything else is a bug reported as `tandem::compile::internal`).

pub mod association;
mod errors;
mod expr;
mod from_checked;
mod mapping;
pub mod program;
pub mod pushdown;
mod reads;
mod scope;
mod sync;
mod value_map;

pub use errors::CompileError;
pub use program::*;

use crate::check::CheckedSpec;
use tandem_ground::diagnostics::Diag;
use tandem_ground::schema::Schemas;

/// Compiles a checked spec. Returns the Program, or every compile diagnostic.
pub fn compile(checked: &CheckedSpec) -> Result<Program, Vec<Diag>> {
    from_checked::lower_spec(checked)
}

/// A digest of the schema snapshots (hex SHA-256 of their canonical JSON). A saved Plan
/// records it, and apply refuses a plan made against other schemas.
pub fn schema_digest(schemas: &Schemas) -> String {
    let json = serde_json::to_vec(&schemas.by_system).unwrap_or_default();
    hex_digest(&json)
}
