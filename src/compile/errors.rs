//! The compile stage's diagnostics.
//!
//! Compile runs only on a spec the checker accepted, so almost nothing can fail here: what
//! remains is what the language accepts but this version cannot sync yet (a field read
//! through a related record), and `internal`, which means the checked spec broke a promise
//! the checker makes and is a bug in tandem, never in the spec. An `in` list or a `default`
//! computed per record used to be compile's (`tandem::compile::in_list_not_literal`,
//! `default_not_literal`, now retired); the checker reports them.

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

#[derive(Debug, Error, Diagnostic)]
pub enum CompileError {
    #[error("`{path}` reaches through a related record, which a sync mapping cannot do yet")]
    #[diagnostic(
        code(tandem::compile::related_path),
        help("map a field of the synced object itself")
    )]
    RelatedPath {
        path: String,
        #[label("a field of another object")]
        at: SourceSpan,
    },
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
