//! The canonical formatter behind `tandem fmt`.
//!
//! In: one file's text. Out: the same spec in canonical layout (two-space indents, one item
//! per line, aligned columns in runs of mappings, value-map arms and assignments, at most
//! one blank line in a row, long mappings and scope filters broken), or the file's syntax
//! diagnostics when it does not parse. Every comment is kept: a comment on a line of its
//! own stays above what follows it, a comment after code stays at the end of that line,
//! and a comment inside a multi-line construct moves above it. Formatting never changes
//! what the spec means and is idempotent (both are tested over the example corpus).

mod expr;
mod items;
mod layout;

use tandem_ground::diagnostics::{Diag, FileId, has_errors};

use super::{lex, parser};

/// Formats one file. Errs with the file's diagnostics when it has syntax errors.
pub fn format_source(file: FileId, text: &str) -> Result<String, Vec<Diag>> {
    super::with_parser_stack(|| format_here(file, text))
}

fn format_here(file: FileId, text: &str) -> Result<String, Vec<Diag>> {
    let (items, diags) = parser::parse_file(file, text);
    if has_errors(&diags) {
        return Err(diags);
    }
    let mut comments = layout::Comments::new(text, lex::scan(text).comments);
    let mut entries = Vec::new();
    for item in &items {
        entries.extend(comments.take_before(item.span().start as usize));
        entries.extend(items::item(&mut comments, item));
    }
    entries.extend(comments.take_before(text.len() + 1));
    let lines = layout::lay_out(text, entries, "", true);
    if lines.is_empty() {
        return Ok(String::new());
    }
    let mut out = lines.join("\n");
    out.push('\n');
    Ok(out)
}
