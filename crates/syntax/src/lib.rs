//! syntax: `*.tandem` source text -> AST ([`ast::Spec`]), every node with its span, plus
//! syntax diagnostics in the user's terms; and the canonical formatter.
//!
//! In: a [`SourceMap`] (the files of one spec). Out: the AST of every item that parsed and a
//! `tandem::syntax::*` diagnostic for every error found (at least the first per file; the
//! parser resumes at the next top-level item). Never: reads files, knows CRM schemas, or lets
//! a pest type escape this module.

pub mod ast;
mod build;
mod build_expr;
mod classify;
mod errors;
mod format;
mod help;
mod lex;
mod parser;

pub use errors::SyntaxError;
pub use format::format_source;

use tandem_ground::diagnostics::{Diag, SourceMap};

/// Stack for the parsing thread. The grammar is recursive; nesting is bounded before
/// parsing (see `lex::MAX_NESTING`), and this leaves a wide margin at that bound whatever
/// thread the caller runs on (test threads get 2 MiB).
const PARSER_STACK_BYTES: usize = 64 * 1024 * 1024;

/// Parses every file of a spec, in the map's order, into one [`ast::Spec`].
pub fn parse_spec(sources: &SourceMap) -> (ast::Spec, Vec<Diag>) {
    with_parser_stack(|| parse_spec_here(sources))
}

/// Runs `work` on a thread with a stack large enough for the parser at its nesting bound,
/// or on the caller's thread when no thread can be started.
fn with_parser_stack<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    let slot = std::sync::Mutex::new(Some(work));
    let take = || slot.lock().ok().and_then(|mut guard| guard.take());
    let from_thread = std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("tandem-parser".to_string())
            .stack_size(PARSER_STACK_BYTES)
            .spawn_scoped(scope, || take().map(|work| work()));
        match spawned {
            Ok(handle) => match handle.join() {
                Ok(result) => result,
                Err(panic) => std::panic::resume_unwind(panic),
            },
            Err(_) => None,
        }
    });
    match from_thread {
        Some(result) => result,
        None => match take() {
            Some(work) => work(),
            // Unreachable: the work runs exactly once, either there or here.
            None => unreachable!("parser work taken twice"),
        },
    }
}

fn parse_spec_here(sources: &SourceMap) -> (ast::Spec, Vec<Diag>) {
    let mut spec = ast::Spec::default();
    let mut diags = Vec::new();
    for (file, source) in sources.files() {
        let (items, file_diags) = parser::parse_file(file, &source.text);
        spec.items.extend(items);
        diags.extend(file_diags);
    }
    (spec, diags)
}
