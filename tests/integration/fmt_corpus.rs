//! The formatter over a corpus (the example specs, the fmt cases and every fixture that
//! parses): it is idempotent, keeps every comment, and never changes what the spec means
//! (the ASTs before and after, spans stripped, are equal). The fmt cases' output is
//! snapshotted.

use std::path::{Path, PathBuf};

use serde_json::Value;
use tandem::diagnostics::{FileId, SourceMap};
use tandem::syntax::{format_source, parse_spec};

fn tandem_files_under(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            tandem_files_under(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "tandem") {
            found.push(path);
        }
    }
}

fn corpus() -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    for dir in ["specs", "tests/fmt_cases", "tests/fixtures"] {
        tandem_files_under(Path::new(dir), &mut files);
    }
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("readable corpus file");
            (path, text)
        })
        .collect()
}

/// The parsed meaning of a text: its AST as JSON with every span removed.
fn meaning(text: &str) -> (Value, usize) {
    let mut sources = SourceMap::new();
    sources.add("corpus.tandem", text);
    let (spec, diags) = parse_spec(&sources);
    let mut value = serde_json::to_value(&spec).expect("the AST serializes");
    strip_spans(&mut value);
    (value, diags.len())
}

fn strip_spans(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|key, _| key != "span" && !key.ends_with("_span"));
            map.values_mut().for_each(strip_spans);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_spans),
        _ => {}
    }
}

/// Every `#` comment's text, sorted (strings are skipped; they cannot span lines).
fn comments(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.lines() {
        let mut in_string = false;
        let mut escaped = false;
        for (index, c) in line.char_indices() {
            if in_string {
                match (escaped, c) {
                    (true, _) => escaped = false,
                    (false, '\\') => escaped = true,
                    (false, '"') => in_string = false,
                    _ => {}
                }
            } else if c == '"' {
                in_string = true;
            } else if c == '#' {
                found.push(line[index..].trim_end().to_string());
                break;
            }
        }
    }
    found.sort();
    found
}

#[test]
fn formatting_is_idempotent_keeps_comments_and_meaning_over_the_corpus() {
    let corpus = corpus();
    assert!(corpus.len() > 20, "the corpus is unexpectedly small");
    let mut formatted_count = 0;
    for (path, text) in &corpus {
        let Ok(once) = format_source(FileId(0), text) else {
            // Fixtures with syntax errors are not formattable; that is checked elsewhere.
            continue;
        };
        formatted_count += 1;
        let twice = format_source(FileId(0), &once)
            .unwrap_or_else(|_| panic!("{}: formatted output does not parse", path.display()));
        assert_eq!(
            once,
            twice,
            "{}: formatting is not idempotent",
            path.display()
        );
        assert_eq!(
            comments(text),
            comments(&once),
            "{}: comments changed",
            path.display()
        );
        let (before, _) = meaning(text);
        let (after, diags_after) = meaning(&once);
        assert_eq!(diags_after, 0, "{}", path.display());
        assert_eq!(
            before,
            after,
            "{}: formatting changed the meaning",
            path.display()
        );
    }
    assert!(formatted_count > 20);
}

#[test]
fn example_specs_are_already_formatted() {
    let mut files = Vec::new();
    tandem_files_under(Path::new("specs"), &mut files);
    assert!(!files.is_empty());
    for path in files {
        let text = std::fs::read_to_string(&path).expect("readable");
        let formatted = format_source(FileId(0), &text).expect("example specs parse");
        assert_eq!(
            text,
            formatted,
            "{} is not `tandem fmt`-clean",
            path.display()
        );
    }
}

#[test]
fn fmt_cases_snapshots() {
    let mut files = Vec::new();
    tandem_files_under(Path::new("tests/fmt_cases"), &mut files);
    for path in files {
        let text = std::fs::read_to_string(&path).expect("readable");
        let formatted = format_source(FileId(0), &text).expect("fmt cases parse");
        let name = format!(
            "fmt__{}",
            path.file_stem().and_then(|s| s.to_str()).unwrap_or("case")
        );
        insta::with_settings!({
            snapshot_path => "snapshots",
            prepend_module_to_snapshot => false,
            description => path.display().to_string(),
            omit_expression => true,
        }, {
            insta::assert_snapshot!(name, formatted);
        });
    }
}

#[test]
fn a_file_with_syntax_errors_is_not_formatted() {
    let result = format_source(FileId(0), "sync s: hs.a <-> sf.B {\n  hs.a sf.B\n}\n");
    let diags = result.expect_err("syntax errors refuse formatting");
    assert_eq!(diags[0].code(), "tandem::syntax::expected_arrow");
}

#[test]
fn an_empty_file_formats_to_nothing_and_comments_only_survive() {
    assert_eq!(format_source(FileId(0), "").ok().as_deref(), Some(""));
    assert_eq!(
        format_source(FileId(0), "\n\n# only a comment\n\n")
            .ok()
            .as_deref(),
        Some("# only a comment\n")
    );
}
