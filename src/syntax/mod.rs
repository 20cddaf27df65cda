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
mod lex;
mod parser;

pub use errors::SyntaxError;

use crate::diagnostics::{Diag, SourceMap};

/// Parses every file of a spec, in the map's order, into one [`ast::Spec`].
pub fn parse_spec(sources: &SourceMap) -> (ast::Spec, Vec<Diag>) {
    let mut spec = ast::Spec::default();
    let mut diags = Vec::new();
    for (file, source) in sources.files() {
        let (items, file_diags) = parser::parse_file(file, &source.text);
        spec.items.extend(items);
        diags.extend(file_diags);
    }
    (spec, diags)
}
