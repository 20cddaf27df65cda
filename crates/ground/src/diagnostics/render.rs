//! Renderers over [`Diag`]s: human (miette's graphical report), JSON, GitHub annotations.
//!
//! All three are pure functions returning strings; the cli decides where they go.

use std::fmt;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, Severity,
};
use serde::Serialize;

use super::{Diag, SourceMap};

/// A diagnostic paired with its source file, so miette can show the code it points at.
struct DiagWithSource<'a> {
    diag: &'a Diag,
    source: NamedSource<String>,
}

impl fmt::Debug for DiagWithSource<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.diag, f)
    }
}

impl fmt::Display for DiagWithSource<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.diag.inner, f)
    }
}

impl std::error::Error for DiagWithSource<'_> {}

impl Diagnostic for DiagWithSource<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diag.inner.code()
    }
    fn severity(&self) -> Option<Severity> {
        Some(self.diag.severity())
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diag.inner.help()
    }
    fn url<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diag.inner.url()
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.diag.inner.labels()
    }
    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn Diagnostic> + 'b>> {
        self.diag.inner.related()
    }
}

/// Renders every diagnostic as miette's graphical report. `colour: false` and a fixed
/// `width` give byte-stable output for snapshots.
pub fn render_human(diags: &[Diag], sources: &SourceMap, colour: bool, width: usize) -> String {
    let theme = if colour {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .with_links(false);
    let mut out = String::new();
    for diag in diags {
        let file = sources.get(diag.file);
        let with_source = DiagWithSource {
            diag,
            source: NamedSource::new(file.name.clone(), file.text.to_string()),
        };
        if handler.render_report(&mut out, &with_source).is_err() {
            out.push_str(&diag.message());
            out.push('\n');
        }
    }
    out
}

/// The machine-readable shape of one diagnostic (`--format json`).
#[derive(Debug, Clone, Serialize)]
pub struct DiagnosticRecord {
    pub code: String,
    pub severity: &'static str,
    pub message: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub labels: Vec<LabelRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LabelRecord {
    pub message: Option<String>,
    pub line: usize,
    pub column: usize,
    pub offset: usize,
    pub length: usize,
}

fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Advice => "advice",
    }
}

/// Converts diagnostics to plain records with 1-based lines and columns.
pub fn to_records(diags: &[Diag], sources: &SourceMap) -> Vec<DiagnosticRecord> {
    diags
        .iter()
        .map(|diag| {
            let file = sources.get(diag.file);
            let labels: Vec<LabelRecord> = diag
                .inner
                .labels()
                .map(|labels| {
                    labels
                        .map(|label| {
                            let (line, column) = file.line_col(label.offset());
                            LabelRecord {
                                message: label.label().map(str::to_string),
                                line,
                                column,
                                offset: label.offset(),
                                length: label.len(),
                            }
                        })
                        .collect()
                })
                .unwrap_or_default();
            let (start, end) = labels
                .first()
                .map(|label| (label.offset, label.offset + label.length))
                .unwrap_or((0, 0));
            let (line, column) = file.line_col(start);
            let (end_line, end_column) = file.line_col(end);
            DiagnosticRecord {
                code: diag.code(),
                severity: severity_name(diag.severity()),
                message: diag.message(),
                file: file.name.clone(),
                line,
                column,
                end_line,
                end_column,
                labels,
                help: diag.inner.help().map(|help| help.to_string()),
            }
        })
        .collect()
}

/// `--format json`: one JSON document with every diagnostic and the counts.
pub fn render_json(diags: &[Diag], sources: &SourceMap) -> String {
    let records = to_records(diags, sources);
    let errors = records.iter().filter(|r| r.severity == "error").count();
    let warnings = records.iter().filter(|r| r.severity == "warning").count();
    let document = serde_json::json!({
        "diagnostics": records,
        "errors": errors,
        "warnings": warnings,
    });
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_else(|_| "{}".to_string());
    text.push('\n');
    text
}

/// `--format github`: GitHub Actions workflow commands, one per diagnostic.
pub fn render_github(diags: &[Diag], sources: &SourceMap) -> String {
    let mut out = String::new();
    for record in to_records(diags, sources) {
        let level = match record.severity {
            "error" => "error",
            "warning" => "warning",
            _ => "notice",
        };
        let mut message = format!("[{}] {}", record.code, record.message);
        if let Some(label) = record.labels.first().and_then(|l| l.message.as_ref()) {
            message.push_str(": ");
            message.push_str(label);
        }
        if let Some(help) = &record.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        out.push_str(&format!(
            "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            escape_property(&record.file),
            record.line,
            record.column,
            record.end_line,
            record.end_column,
            escape_property(&record.code),
            escape_data(&message),
        ));
    }
    out
}

/// GitHub's escaping for the message part of a workflow command.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// GitHub's escaping for property values (also `:` and `,`).
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}
