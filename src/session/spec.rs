//! The offline half of a session: validate a spec (syntax, names, tables, the schema-aware
//! checker) and compile an error-free one to its Program. Nothing here touches a CRM.

use std::path::{Path, PathBuf};

use super::SessionError;
use super::options::SpecLocation;
use crate::compile::{Program, schema_digest};
use crate::diagnostics::{self, Diag, SourceMap};
use crate::project::{ValidateOptions, Validation, discover_specs, validate};

/// A spec that went through every offline stage without an error, compiled.
#[derive(Debug, Clone)]
pub struct CompiledSpec {
    pub program: Program,
    /// The digest of the schema snapshots the spec was checked against; a saved plan made
    /// against other snapshots is refused.
    pub schema_digest: String,
    /// The folder the spec lives in (`tandem.toml` is looked for there).
    pub spec_dir: PathBuf,
    /// Warnings the checker found; `tandem validate` shows them.
    pub warnings: usize,
}

/// How `tandem validate` runs the offline stages.
#[derive(Debug, Clone, Default)]
pub struct ValidationOptions {
    /// `--schemas DIR`; `None` is the nearest `schemas/` folder at or above each spec.
    pub schemas: Option<PathBuf>,
    /// `--deny warnings`: warnings count as errors.
    pub deny_warnings: bool,
}

/// One spec's validation: its diagnostics sorted for output, or why it could not be read.
#[derive(Debug)]
pub struct SpecValidation {
    pub path: PathBuf,
    pub result: Result<Validation, SessionError>,
}

impl SpecValidation {
    /// Whether this spec fails validation (unreadable, or an error after `--deny`).
    pub fn failed(&self) -> bool {
        match &self.result {
            Ok(validation) => diagnostics::has_errors(&validation.diags),
            Err(_) => true,
        }
    }
}

/// Validates every spec at `path`: the path itself when it is a spec, else each subfolder
/// that holds one (`specs/`). One unreadable spec does not stop the others.
pub fn validate_specs(
    path: &Path,
    options: &ValidationOptions,
) -> Result<Vec<SpecValidation>, SessionError> {
    let pipeline = ValidateOptions {
        schemas_dir: options.schemas.clone(),
    };
    let specs = discover_specs(path)?;
    Ok(specs
        .into_iter()
        .map(|spec| {
            let result =
                validate(&spec, &pipeline)
                    .map_err(SessionError::from)
                    .map(|mut validation| {
                        if options.deny_warnings {
                            diagnostics::deny_warnings(&mut validation.diags);
                        }
                        diagnostics::sort_for_output(&mut validation.diags);
                        validation
                    });
            SpecValidation { path: spec, result }
        })
        .collect())
}

/// Loads the spec, runs every offline stage and compiles it. Any error stops here, with
/// every diagnostic: nothing is read from or written to a CRM unless the spec is clean.
pub fn compile_spec(location: &SpecLocation) -> Result<CompiledSpec, SessionError> {
    let options = ValidateOptions {
        schemas_dir: location.schemas.clone(),
    };
    let validation = validate(&location.spec, &options)?;
    if diagnostics::has_errors(&validation.diags) {
        let sources = validation.loaded.sources.clone();
        return Err(invalid_spec(validation.diags, sources));
    }
    // The pipeline already ran the schema-aware checker; what is left are warnings.
    let warnings = validation.diags.len();
    // A clean validation always ran the checker (on both snapshots: a missing one is an
    // error); compile consumes what it resolved.
    let Some(checked) = validation.checked.as_ref() else {
        return Err(SessionError::CheckerSkipped);
    };
    match crate::compile::compile(checked) {
        Ok(program) => Ok(CompiledSpec {
            program,
            schema_digest: schema_digest(&validation.schemas),
            spec_dir: validation.loaded.root.clone(),
            warnings,
        }),
        Err(diags) => Err(invalid_spec(diags, validation.loaded.sources.clone())),
    }
}

fn invalid_spec(mut diags: Vec<Diag>, sources: SourceMap) -> SessionError {
    diagnostics::sort_for_output(&mut diags);
    SessionError::InvalidSpec {
        errors: diags.iter().filter(|diag| diag.is_error()).count(),
        diags,
        sources,
    }
}
