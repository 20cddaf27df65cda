//! The compile stage's diagnostics.
//!
//! Compile runs only on a spec the checker accepted, so nothing a spec says can fail here:
//! the one code left is `internal`, which means the checked spec broke a promise the checker
//! makes and is a bug in tandem, never in the spec. What compile used to be first to notice
//! (a field read through a related record, an `in` list or a `default` computed per record:
//! `tandem::compile::related_path`, `in_list_not_literal`, `default_not_literal`, now
//! retired) the checker reports.

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

#[derive(Debug, Error, Diagnostic)]
pub enum CompileError {
    #[error("tandem cannot compile this {construct}: {problem}")]
    #[diagnostic(
        code(tandem::compile::internal),
        help(
            "the checker accepted this spec, so this is a bug in tandem, not in the spec; please report it with the spec"
        )
    )]
    Internal {
        /// What was being compiled (`mapping`, `match key`, `scope filter`...).
        construct: &'static str,
        /// The broken promise, for the bug report.
        problem: String,
        #[label("compiling this")]
        at: SourceSpan,
    },
}
