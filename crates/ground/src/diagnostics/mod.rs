//! The contract every stage's errors obey, the code registry, and the renderers.
//!
//! In: a stage's error enums (each deriving `thiserror::Error` and `miette::Diagnostic`, each
//! variant with a permanent `tandem::<stage>::<name>` code, a label on the exact span and help
//! when a fix is known). Out: [`Diag`] values that know which source file they point into, and
//! three renderings of them: human (miette), JSON and GitHub Actions annotations.
//! Never: decides what is an error (stages do), or prints (only `cli` prints).

mod registry;
mod render;
mod source_map;

pub use registry::{REGISTRY, RegisteredCode, Stage, lookup_code};
pub use render::{DiagnosticRecord, render_github, render_human, render_json, to_records};
pub use source_map::{FileId, SourceFile, SourceMap, Span};

use miette::Severity;

/// One diagnostic from any stage, tied to the file its primary span points into.
///
/// Stages build their own typed errors (raw data fields, not preformatted strings) and wrap
/// them here so the renderers can treat every stage alike.
pub struct Diag {
    pub file: FileId,
    pub inner: Box<dyn miette::Diagnostic + Send + Sync + 'static>,
    /// `--deny warnings` promotes warnings to errors without touching the stage's enum.
    pub promoted_to_error: bool,
}

impl Diag {
    pub fn new(file: FileId, error: impl miette::Diagnostic + Send + Sync + 'static) -> Self {
        Diag {
            file,
            inner: Box::new(error),
            promoted_to_error: false,
        }
    }

    /// The permanent code, e.g. `tandem::syntax::expected_arrow`.
    pub fn code(&self) -> String {
        self.inner
            .code()
            .map(|code| code.to_string())
            .unwrap_or_else(|| "tandem::uncoded".to_string())
    }

    /// Error unless the stage marked it otherwise (miette's default) or it was promoted.
    pub fn severity(&self) -> Severity {
        if self.promoted_to_error {
            return Severity::Error;
        }
        self.inner.severity().unwrap_or(Severity::Error)
    }

    pub fn is_error(&self) -> bool {
        self.severity() == Severity::Error
    }

    pub fn message(&self) -> String {
        self.inner.to_string()
    }
}

impl std::fmt::Debug for Diag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} [{}] {}", self.code(), self.file.0, self.message())
    }
}

/// Promotes every warning to an error (`--deny warnings`).
pub fn deny_warnings(diags: &mut [Diag]) {
    for diag in diags {
        if diag.severity() == Severity::Warning {
            diag.promoted_to_error = true;
        }
    }
}

/// Whether any diagnostic is an error (after promotion).
pub fn has_errors(diags: &[Diag]) -> bool {
    diags.iter().any(Diag::is_error)
}

/// Sorts diagnostics by file, then position, then code, so output never depends on the
/// order in which a stage happened to find them.
pub fn sort_for_output(diags: &mut [Diag]) {
    diags.sort_by_key(|diag| {
        let offset = diag
            .inner
            .labels()
            .and_then(|mut labels| labels.next())
            .map(|label| label.offset())
            .unwrap_or(0);
        (diag.file.0, offset, diag.code())
    });
}
