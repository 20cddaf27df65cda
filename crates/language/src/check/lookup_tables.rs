//! The lookup tables a spec names, as values: what `project` reads from the CSV files and
//! the checker and compiler use. Defined here so the checker never depends on the stage that
//! reads files.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde::Serialize;

/// One loaded table: keys to values, in file order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LookupTable {
    pub name: String,
    /// The path as written in the spec (relative to the spec's folder).
    pub path: String,
    pub key_column: String,
    pub value_column: String,
    pub rows: IndexMap<String, String>,
}

/// Every table of a spec, by name.
pub type Tables = BTreeMap<String, LookupTable>;
