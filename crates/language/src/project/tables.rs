//! Lookup tables: `table industries from "tables/industries.csv"` reads a two-column CSV
//! (a header row, then key,value rows) relative to the spec's folder.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

use tandem_ground::diagnostics::Diag;
use tandem_syntax::ast;

pub use crate::check::lookup_tables::{LookupTable, Tables};

#[derive(Debug, Error, Diagnostic)]
pub enum TableError {
    #[error("cannot read the lookup table `{table}` from {path}: {reason}")]
    #[diagnostic(
        code(tandem::names::table_unreadable),
        help("table paths are relative to the spec's folder; check the file exists and is UTF-8")
    )]
    Unreadable {
        table: String,
        path: String,
        reason: String,
        #[label("read from here")]
        span: SourceSpan,
    },

    #[error("the lookup table `{table}` ({path}) is malformed at line {line}: {reason}")]
    #[diagnostic(
        code(tandem::names::table_malformed),
        help("a lookup table is a CSV with a header row and exactly two columns: key,value")
    )]
    Malformed {
        table: String,
        path: String,
        line: u64,
        reason: String,
        #[label("this table")]
        span: SourceSpan,
    },

    #[error(
        "the lookup table `{table}` ({path}) lists the key `{key}` twice (lines {first_line} and {line})"
    )]
    #[diagnostic(
        code(tandem::names::duplicate_table_key),
        help("keep one row per key; a lookup must give one answer")
    )]
    DuplicateKey {
        table: String,
        path: String,
        key: String,
        first_line: u64,
        line: u64,
        #[label("this table")]
        span: SourceSpan,
    },
}

/// Reads every table the spec declares. A table that cannot be read or is malformed is
/// reported against its path in the spec and left out of the result.
pub fn load_tables(spec: &ast::Spec, root: &Path) -> (Tables, Vec<Diag>) {
    let mut tables = Tables::new();
    let mut diags = Vec::new();
    for table in spec.tables() {
        if tables.contains_key(&table.name.name) {
            // A duplicate declaration is reported by the names check.
            continue;
        }
        match read_table(table, &root.join(&table.path.value)) {
            Ok(loaded) => {
                tables.insert(table.name.name.clone(), loaded);
            }
            Err(error) => diags.push(Diag::new(table.path.span.file, error)),
        }
    }
    (tables, diags)
}

fn read_table(table: &ast::TableDef, file: &PathBuf) -> Result<LookupTable, TableError> {
    let name = table.name.name.clone();
    let path = table.path.value.clone();
    let span: SourceSpan = table.path.span.into();
    let text = std::fs::read_to_string(file).map_err(|error| TableError::Unreadable {
        table: name.clone(),
        path: path.clone(),
        reason: error.to_string(),
        span,
    })?;
    let malformed = |line: u64, reason: String| TableError::Malformed {
        table: name.clone(),
        path: path.clone(),
        line,
        reason,
        span,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|error| malformed(1, error.to_string()))?
        .clone();
    if headers.len() != 2 {
        return Err(malformed(
            1,
            format!("the header row has {} columns, not 2", headers.len()),
        ));
    }
    let mut rows = IndexMap::new();
    let mut first_lines: BTreeMap<String, u64> = BTreeMap::new();
    for record in reader.records() {
        let record = record.map_err(|error| {
            let line = error.position().map(|p| p.line()).unwrap_or(0);
            malformed(line, error.to_string())
        })?;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if record.len() != 2 {
            return Err(malformed(
                line,
                format!("the row has {} columns, not 2", record.len()),
            ));
        }
        let key = record.get(0).unwrap_or_default().to_string();
        let value = record.get(1).unwrap_or_default().to_string();
        if key.trim().is_empty() {
            return Err(malformed(line, "the key is blank".to_string()));
        }
        if let Some(&first_line) = first_lines.get(&key) {
            return Err(TableError::DuplicateKey {
                table: name,
                path,
                key,
                first_line,
                line,
                span,
            });
        }
        first_lines.insert(key.clone(), line);
        rows.insert(key, value);
    }
    Ok(LookupTable {
        name,
        path,
        key_column: headers.get(0).unwrap_or_default().to_string(),
        value_column: headers.get(1).unwrap_or_default().to_string(),
        rows,
    })
}
