//! The validate pipeline: load -> syntax -> names -> tables -> (check). `tandem validate`
//! and the fixture tests both call [`validate`], so a fixture sees exactly what a user sees.

use std::path::{Path, PathBuf};

use super::load::{LoadError, LoadedSpec, find_schemas_dir, load_spec};
use super::tables::{Tables, load_tables};
use crate::diagnostics::{Diag, SourceMap, has_errors, sort_for_output};
use crate::syntax::{self, ast};

/// Options of `tandem validate` that shape the pipeline.
#[derive(Debug, Clone, Default)]
pub struct ValidateOptions {
    /// `--schemas DIR`; when absent, the nearest `schemas/` folder from the spec upwards.
    pub schemas_dir: Option<PathBuf>,
}

/// Everything the pipeline produced, diagnostics sorted for output.
#[derive(Debug)]
pub struct Validation {
    pub loaded: LoadedSpec,
    pub spec: ast::Spec,
    pub tables: Tables,
    /// The schema snapshots folder the check stage reads (`None` when none was found).
    pub schemas_dir: Option<PathBuf>,
    pub diags: Vec<Diag>,
}

impl Validation {
    pub fn sources(&self) -> &SourceMap {
        &self.loaded.sources
    }
}

/// Reads the spec at `path` and runs every offline stage over it.
pub fn validate(path: &Path, options: &ValidateOptions) -> Result<Validation, LoadError> {
    let loaded = load_spec(path)?;
    Ok(validate_sources(loaded, options))
}

/// The pipeline over an already loaded spec. Later stages run only on input the earlier
/// stages accepted, so one mistake is reported once rather than as a cascade.
pub fn validate_sources(loaded: LoadedSpec, options: &ValidateOptions) -> Validation {
    let schemas_dir = options
        .schemas_dir
        .clone()
        .or_else(|| find_schemas_dir(&loaded.root));
    let (spec, mut diags) = syntax::parse_spec(&loaded.sources);
    let mut tables = Tables::new();
    if !has_errors(&diags) {
        diags.extend(crate::check::names::check_names(&spec));
        let (loaded_tables, table_diags) = load_tables(&spec, &loaded.root);
        tables = loaded_tables;
        diags.extend(table_diags);
    }
    // The schema-aware check stage (crate::check) runs here, on input with no syntax or
    // name errors, against the snapshots in `schemas_dir`.
    sort_for_output(&mut diags);
    Validation {
        loaded,
        spec,
        tables,
        schemas_dir,
        diags,
    }
}
