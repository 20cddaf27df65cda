//! project: the IO edge between a path on disk and the pure stages.
//!
//! In: a path, either one `.tandem` file or a folder whose `*.tandem` files (sorted by name)
//! form one spec, like a Terraform module. Out: a [`SourceMap`](tandem_ground::diagnostics::SourceMap) of those files
//! ([`load_spec`]), the CSV lookup tables the spec names, read relative to the spec's folder
//! ([`load_tables`]), the nearest `schemas/` folder ([`find_schemas_dir`]), and the
//! [`validate`] pipeline that strings the stages together for `tandem validate` and the
//! fixture tests. Never: parses or checks anything itself, or prints.

mod load;
mod pipeline;
mod tables;

pub use load::{LoadError, LoadedSpec, discover_specs, find_schemas_dir, load_spec};
pub use pipeline::{ValidateOptions, Validation, validate, validate_sources};
pub use tables::{LookupTable, TableError, Tables, load_tables};
