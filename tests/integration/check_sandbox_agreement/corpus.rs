//! The shipped specs, read once through `tandem validate`'s own pipeline, and the checker's
//! verdict on a copy of one with a piece of its text changed.
//!
//! A spec's items are independent of the file they are written in (a folder's files form one
//! spec), so each shipped file is cut into one piece per top-level item, each piece a file of
//! its own: a mutation then re-parses only the item it edits, and the other items keep the
//! shipped parse. The pieces check exactly as the shipped files do (the test asserts it).

use std::path::{Path, PathBuf};

use tandem::check::CheckedSpec;
use tandem::diagnostics::{Diag, SourceMap, has_errors};
use tandem::project::{Tables, ValidateOptions, validate};
use tandem::schema::Schemas;
use tandem::syntax::ast;

/// One top-level item of a shipped file (with the comments and blank lines after it; the
/// first piece also holds what comes before the first item).
pub struct Piece {
    /// `specs/revops/leads.tandem#2`.
    pub name: String,
    pub text: String,
    /// The shipped file it comes from, and where in it the piece starts.
    pub file: usize,
    pub offset: usize,
}

/// One shipped spec: its files, lookup tables and checked form (clean).
pub struct ShippedSpec {
    /// `specs/revops`, as failures name it.
    pub name: String,
    /// Each file's display name and text, in the spec's file order (`FileId` order).
    pub files: Vec<(String, String)>,
    pub tables: Tables,
    pub checked: CheckedSpec,
    /// The shipped parse, spans in `files`.
    pub ast: ast::Spec,
    /// The codes `validate` reports on the spec as shipped (warnings only).
    pub base_codes: Vec<String>,
    /// Those warnings' (code, message).
    pub base_warnings: Vec<(String, String)>,
    pub pieces: Vec<Piece>,
    /// The parse of the pieces, spans in `pieces`.
    piece_items: Vec<ast::Item>,
}

pub fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

impl ShippedSpec {
    /// Reads `relative` (a spec folder of the repository) with `tandem validate`'s pipeline,
    /// against the repository's snapshots.
    pub fn load(relative: &str) -> ShippedSpec {
        let options = ValidateOptions {
            schemas_dir: Some(repo_path("schemas")),
        };
        let validation = validate(&repo_path(relative), &options)
            .unwrap_or_else(|error| panic!("{relative}: {error}"));
        assert!(
            !has_errors(&validation.diags),
            "{relative} as shipped has errors: {:?}",
            validation.diags
        );
        let files: Vec<(String, String)> = validation
            .sources()
            .files()
            .map(|(_, file)| (file.name.clone(), file.text.to_string()))
            .collect();
        let mut pieces = Vec::new();
        for (index, (name, text)) in files.iter().enumerate() {
            let mut starts: Vec<usize> = validation
                .spec
                .items
                .iter()
                .filter(|item| item.span().file.0 as usize == index)
                .map(|item| item.span().start as usize)
                .collect();
            if starts.is_empty() {
                continue;
            }
            starts[0] = 0;
            for (number, start) in starts.iter().enumerate() {
                let end = starts.get(number + 1).copied().unwrap_or(text.len());
                pieces.push(Piece {
                    name: format!("{name}#{number}"),
                    text: text[*start..end].to_string(),
                    file: index,
                    offset: *start,
                });
            }
        }
        let mut sources = SourceMap::new();
        for piece in &pieces {
            sources.add(piece.name.clone(), piece.text.clone());
        }
        let (piece_spec, piece_diags) = tandem::syntax::parse_spec(&sources);

        assert!(
            piece_diags.is_empty(),
            "{relative}: its pieces do not parse alone"
        );
        ShippedSpec {
            name: relative.to_string(),
            files,
            tables: validation.tables.clone(),
            checked: validation.checked.clone().expect("the checker ran"),
            ast: validation.spec.clone(),
            base_codes: validation.diags.iter().map(Diag::code).collect(),
            base_warnings: validation
                .diags
                .iter()
                .map(|diag| (diag.code(), diag.message()))
                .collect(),
            pieces,
            piece_items: piece_spec.items,
        }
    }

    /// The piece holding `file`'s bytes `start..end`, and the range inside it.
    pub fn locate(&self, file: usize, start: usize, end: usize) -> (usize, usize, usize) {
        let index = self
            .pieces
            .iter()
            .rposition(|piece| piece.file == file && piece.offset <= start)
            .unwrap_or_else(|| panic!("no piece of file {file} holds offset {start}"));
        let offset = self.pieces[index].offset;
        (index, start - offset, end - offset)
    }

    /// The diagnostics of the spec with piece `piece` replaced by `text`: the stages
    /// `tandem validate` runs, in its order (syntax, names, check), with the snapshots and
    /// tables read once, and only the changed piece parsed again.
    pub fn diagnose(&self, piece: usize, text: &str, schemas: &Schemas) -> Vec<Diag> {
        let mut sources = SourceMap::new();
        for (index, other) in self.pieces.iter().enumerate() {
            let body = if index == piece { text } else { "" };
            sources.add(other.name.clone(), body.to_string());
        }
        let (changed, mut diags) = tandem::syntax::parse_spec(&sources);
        if has_errors(&diags) {
            return diags;
        }
        let mut spec = ast::Spec::default();
        for index in 0..self.pieces.len() {
            if index == piece {
                spec.items.extend(changed.items.iter().cloned());
            } else {
                spec.items.extend(
                    self.piece_items
                        .iter()
                        .filter(|item| item.span().file.0 as usize == index)
                        .cloned(),
                );
            }
        }
        diags.extend(tandem::check::names::check_names(&spec));
        if has_errors(&diags) {
            return diags;
        }
        let (_, check_diags) = tandem::check::check(&spec, schemas, &self.tables);
        diags.extend(check_diags);
        diags
    }
}
