//! Robustness: random and mutated specs never make the parser or the formatter panic, and
//! whatever the formatter accepts it formats idempotently without changing the meaning.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use serde_json::Value;
use tandem::diagnostics::{FileId, SourceMap};
use tandem::syntax::{format_source, parse_spec};

fn meaning(text: &str) -> Value {
    let mut sources = SourceMap::new();
    sources.add("case.tandem", text);
    let (spec, _) = parse_spec(&sources);
    let mut value = serde_json::to_value(&spec).expect("the AST serializes");
    strip_spans(&mut value);
    value
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

/// Parses and formats; when formatting succeeds, checks it is stable and meaning-preserving.
fn exercise(text: &str) -> Result<(), TestCaseError> {
    let mut sources = SourceMap::new();
    sources.add("case.tandem", text);
    let _ = parse_spec(&sources);
    if let Ok(once) = format_source(FileId(0), text) {
        let twice = format_source(FileId(0), &once);
        prop_assert!(twice.is_ok(), "formatted output does not parse:\n{once}");
        prop_assert_eq!(twice.ok(), Some(once.clone()), "not idempotent");
        prop_assert_eq!(meaning(text), meaning(&once), "meaning changed:\n{}", once);
    }
    Ok(())
}

fn corpus() -> Vec<String> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|ext| ext == "tandem") {
                found.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(Path::new("specs"), &mut files);
    walk(Path::new("tests/fmt_cases"), &mut files);
    files
        .iter()
        .map(|path| std::fs::read_to_string(path).expect("readable corpus file"))
        .collect()
}

/// Fragments that are likely to produce interesting near-misses when spliced in.
const SNIPPETS: &[&str] = &[
    "->",
    "<-",
    "<->",
    "=>",
    "<=>",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "\"",
    "#",
    "\n",
    " ",
    ",",
    "sync",
    "map",
    "on",
    "if",
    "then",
    "else",
    "not",
    "and",
    "or",
    "in",
    "is blank",
    "@2024-01-01",
    "@2024-13-45",
    "hs.",
    "sf.X",
    "lookup(",
    "via",
    "truncate 5",
    "keep when blank",
    "\\",
    "\\q",
    "99999999999999999999999",
    "??",
    "- -",
    "create in",
    "limit creates 1",
];

#[derive(Debug, Clone)]
enum Mutation {
    Delete { at: usize, len: usize },
    Insert { at: usize, snippet: usize },
    Duplicate { at: usize, len: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1usize..12).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (any::<usize>(), 0..SNIPPETS.len())
            .prop_map(|(at, snippet)| Mutation::Insert { at, snippet }),
        (any::<usize>(), 1usize..40).prop_map(|(at, len)| Mutation::Duplicate { at, len }),
    ]
}

/// Applies a mutation at a char boundary (positions wrap around the text's length).
fn apply(text: &str, mutation: &Mutation) -> String {
    let boundaries: Vec<usize> = text
        .char_indices()
        .map(|(index, _)| index)
        .chain(std::iter::once(text.len()))
        .collect();
    let pick = |at: usize| boundaries[at % boundaries.len()];
    match mutation {
        Mutation::Delete { at, len } => {
            let start = pick(*at);
            let end = boundaries
                .iter()
                .copied()
                .find(|&b| b >= start + len)
                .unwrap_or(text.len());
            format!("{}{}", &text[..start], &text[end..])
        }
        Mutation::Insert { at, snippet } => {
            let at = pick(*at);
            format!("{}{}{}", &text[..at], SNIPPETS[*snippet], &text[at..])
        }
        Mutation::Duplicate { at, len } => {
            let start = pick(*at);
            let end = boundaries
                .iter()
                .copied()
                .find(|&b| b >= start + len)
                .unwrap_or(text.len());
            format!("{}{}", &text[..end], &text[start..])
        }
    }
}

/// Random expressions written with full parentheses, so precedence is explicit in the input
/// and the formatter must work out which parentheses it may drop.
fn expression() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("sf.Amount".to_string()),
        Just("sf.Name".to_string()),
        Just("12".to_string()),
        Just("0.5".to_string()),
        Just("\"text\"".to_string()),
        Just("true".to_string()),
        Just("@2024-01-31".to_string()),
        Just("lower(sf.Name)".to_string()),
    ];
    leaf.prop_recursive(5, 48, 3, |inner| {
        let binary = [
            "+", "-", "*", "/", "??", "=", "!=", "<", "<=", ">", ">=", "and", "or",
        ];
        prop_oneof![
            (inner.clone(), 0..binary.len(), inner.clone())
                .prop_map(move |(l, op, r)| format!("({l} {} {r})", binary[op])),
            inner.clone().prop_map(|e| format!("(not {e})")),
            inner.clone().prop_map(|e| format!("(-{e})")),
            inner.clone().prop_map(|e| format!("({e} is not blank)")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} in [{b}, 1])")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(c, a, b)| format!("(if {c} then {a} else {b})")),
            (inner.clone(), inner).prop_map(|(a, b)| format!("concat({a}, {b})")),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn random_text_never_panics(text in "[a-zA-Z0-9_ \\n\\t\"#{}()\\[\\],.:=<>!?+*/@\\\\-]{0,300}") {
        exercise(&text)?;
    }

    #[test]
    fn token_soup_never_panics(tokens in proptest::collection::vec(0..SNIPPETS.len(), 0..80)) {
        let text: Vec<&str> = tokens.iter().map(|&index| SNIPPETS[index]).collect();
        exercise(&text.join(" "))?;
    }

    #[test]
    fn random_unicode_never_panics(text in "\\PC{0,200}") {
        exercise(&text)?;
    }

    #[test]
    fn mutated_corpus_never_panics_and_formats_stably(
        file in any::<usize>(),
        mutations in proptest::collection::vec(mutation(), 1..4),
    ) {
        let corpus = corpus();
        let mut text = corpus[file % corpus.len()].clone();
        for mutation in &mutations {
            text = apply(&text, mutation);
        }
        exercise(&text)?;
    }

    #[test]
    fn generated_expressions_keep_their_meaning_through_fmt(
        source in expression(),
        filter in expression(),
    ) {
        let text = format!(
            "connection hs: hubspot\nconnection sf: salesforce\n\nsync s: hs.deals <-> sf.Opportunity {{\n  only {filter}\n  hs.x <- {source}\n}}\n"
        );
        let formatted = format_source(FileId(0), &text);
        prop_assert!(formatted.is_ok(), "generated spec does not parse:\n{text}");
        exercise(&text)?;
    }
}
