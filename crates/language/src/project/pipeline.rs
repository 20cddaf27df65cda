//! The validate pipeline: load -> syntax -> names -> tables -> schemas -> check. `tandem validate`
//! and the fixture tests both call [`validate`], so a fixture sees exactly what a user sees.

use std::path::{Path, PathBuf};

use super::load::{LoadError, LoadedSpec, find_schemas_dir, load_spec};
use super::tables::{Tables, load_tables};
use crate::check::{CheckError, CheckedSpec, SchemaOrigin};
use tandem_ground::diagnostics::{Diag, SourceMap, has_errors, sort_for_output};
use tandem_ground::schema::Schemas;
use tandem_ground::schema::snapshot::{SnapshotError, load_dir};
use tandem_syntax::ast;

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
    /// The snapshots read from `schemas_dir` (empty when none were found or readable).
    pub schemas: Schemas,
    /// The checked spec, when the check stage ran (no syntax or name errors); compile may
    /// use it only when `diags` holds no errors.
    pub checked: Option<CheckedSpec>,
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
    let (spec, mut diags) = tandem_syntax::parse_spec(&loaded.sources);
    let mut tables = Tables::new();
    if !has_errors(&diags) {
        diags.extend(crate::check::names::check_names(&spec));
        let (loaded_tables, table_diags) = load_tables(&spec, &loaded.root);
        tables = loaded_tables;
        diags.extend(table_diags);
    }
    // The schema-aware check stage runs on input with no syntax or name errors, against
    // the snapshots in `schemas_dir`. Without a folder (or with an empty one) every
    // connection is reported as missing its snapshot.
    let mut schemas = Schemas::new();
    let mut checked = None;
    if !has_errors(&diags) {
        match schemas_dir.as_deref().map(load_dir) {
            None | Some(Err(SnapshotError::NoSnapshots { .. })) => {}
            Some(Ok(loaded_schemas)) => schemas = loaded_schemas,
            Some(Err(error)) => {
                // Point at the connection whose snapshot is broken (else the first one), and
                // name the folder relative to the working directory so reports are portable.
                let connection = spec
                    .connections()
                    .find(|connection| Some(connection.system) == error.system())
                    .or_else(|| spec.connections().next());
                if let Some(connection) = connection {
                    let absolute = schemas_dir
                        .as_deref()
                        .map(|dir| dir.display().to_string())
                        .unwrap_or_default();
                    let shown = schemas_dir
                        .as_deref()
                        .map(display_relative)
                        .unwrap_or_default();
                    diags.push(Diag::new(
                        connection.system_span.file,
                        CheckError::UnreadableSchema {
                            message: error.to_string().replace(&absolute, &shown),
                            dir: shown,
                            span: connection.system_span.into(),
                        },
                    ));
                }
            }
        }
        if !has_errors(&diags) {
            let origin = match &schemas_dir {
                Some(dir) => SchemaOrigin::Folder(display_relative(dir)),
                None => SchemaOrigin::NoFolderAbove(display_relative(&loaded.root)),
            };
            let (checked_spec, check_diags) =
                crate::check::check_from(&spec, &schemas, &tables, origin);
            diags.extend(check_diags);
            checked = Some(checked_spec);
        }
    }
    sort_for_output(&mut diags);
    Validation {
        loaded,
        spec,
        tables,
        schemas_dir,
        schemas,
        checked,
        diags,
    }
}

/// `dir` relative to the working directory when it lies below it, else as given.
fn display_relative(dir: &Path) -> String {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| dir.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| dir.to_path_buf())
        .display()
        .to_string()
}
