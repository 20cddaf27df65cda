//! The checker never panics on user input: fixtures and the example spec with words swapped
//! for other plausible words (objects, fields, picklist values, connections, arrows, function
//! names) are run through the whole validate pipeline. Whatever they report, they must not
//! panic.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use tandem::diagnostics::SourceMap;
use tandem::project::{LoadedSpec, ValidateOptions, validate_sources};

const VOCABULARY: &[&str] = &[
    "hs",
    "sf",
    "contacts",
    "companies",
    "deals",
    "Lead",
    "Contact",
    "Account",
    "Opportunity",
    "Task",
    "email",
    "Email",
    "Name",
    "Id",
    "AccountId",
    "Account",
    "Owner",
    "lifecyclestage",
    "dealstage",
    "pipeline",
    "hubspot_owner_id",
    "StageName",
    "Status",
    "CloseDate",
    "closedate",
    "hs_object_id",
    "IsWon",
    "associated",
    "lower",
    "date",
    "lookup",
    "split",
    "number",
    "text",
    "round",
    "<->",
    "->",
    "<-",
    "=>",
    "<=>",
    "\"customer\"",
    "\"Closed Won\"",
    "12",
    "@2024-01-31",
    "true",
    "and",
    "not",
    "in",
    "via",
    "through",
    "accounts",
    "truncate",
    "default",
    "prefer",
    "newest",
    "create",
    "only",
    "match",
    "conflict",
    "unless",
    "blank",
    "OwnerId",
    "Subject",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ",",
    ".",
    "=",
];

fn seeds() -> Vec<String> {
    let mut texts = Vec::new();
    let mut dirs = vec![
        PathBuf::from("tests/fixtures/check"),
        PathBuf::from("specs/revops"),
    ];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|ext| ext == "tandem") {
                texts.push(std::fs::read_to_string(&path).expect("readable"));
            }
        }
    }
    texts.sort();
    texts
}

/// Names and values that keep the text parseable when swapped for a field name or a string.
const NAMES: &[&str] = &[
    "email",
    "Email",
    "Name",
    "Id",
    "AccountId",
    "Account",
    "Owner",
    "lifecyclestage",
    "dealstage",
    "pipeline",
    "hubspot_owner_id",
    "StageName",
    "Status",
    "CloseDate",
    "closedate",
    "hs_object_id",
    "IsWon",
    "IsConverted",
    "ExpectedRevenue",
    "hubspotscore",
    "Company",
    "numberofemployees",
    "NumberOfEmployees",
    "Industry",
    "industry",
    "LeadSource",
    "Subject",
    "OwnerId",
    "companies",
    "contacts",
    "deals",
    "Opportunity",
    "Lead",
    "Contact",
    "Task",
    "hs_buying_role",
    "web_technologies",
    "Website",
    "domain",
    "Title",
    "Description",
    "nope",
];
const VALUES: &[&str] = &[
    "customer",
    "Closed Won",
    "closedwon",
    "default",
    "70331455",
    "Web",
    "",
    "Technology",
    "marketingqualifiedlead",
    "Open - Not Contacted",
    "Suspended",
    "x",
];

/// Swaps the chosen field-name segments (after a `.`) and string literals for other names
/// and values, so most mutants still parse and reach the check stage.
fn mutate_names(text: &str, swaps: &[(usize, usize)]) -> String {
    // Byte ranges of every `.name` segment and every `"..."` literal body.
    let bytes = text.as_bytes();
    let mut slots: Vec<(usize, usize, bool)> = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'.' => {
                let start = index + 1;
                let mut end = start;
                while end < bytes.len()
                    && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_')
                {
                    end += 1;
                }
                if end > start {
                    slots.push((start, end, true));
                }
                index = end.max(index + 1);
            }
            b'"' => {
                let start = index + 1;
                let mut end = start;
                while end < bytes.len() && bytes[end] != b'"' && bytes[end] != b'\n' {
                    end += 1;
                }
                slots.push((start, end, false));
                index = end + 1;
            }
            b'#' => {
                while index < bytes.len() && bytes[index] != b'\n' {
                    index += 1;
                }
            }
            _ => index += 1,
        }
    }
    if slots.is_empty() {
        return text.to_string();
    }
    let mut chosen: Vec<(usize, usize, String)> = swaps
        .iter()
        .map(|(position, replacement)| {
            let (start, end, is_name) = slots[position % slots.len()];
            let word = if is_name {
                NAMES[replacement % NAMES.len()]
            } else {
                VALUES[replacement % VALUES.len()]
            };
            (start, end, word.to_string())
        })
        .collect();
    chosen.sort_by_key(|(start, _, _)| std::cmp::Reverse(*start));
    chosen.dedup_by_key(|(start, _, _)| *start);
    let mut out = text.to_string();
    for (start, end, word) in chosen {
        out.replace_range(start..end, &word);
    }
    out
}

/// Replaces the words at the chosen positions with vocabulary words.
fn mutate(text: &str, swaps: &[(usize, usize)]) -> String {
    let mut words: Vec<String> = text.split(' ').map(str::to_string).collect();
    for (position, replacement) in swaps {
        if words.is_empty() {
            break;
        }
        let index = position % words.len();
        words[index] = VOCABULARY[replacement % VOCABULARY.len()].to_string();
    }
    words.join(" ")
}

fn run(text: String) {
    let mut sources = SourceMap::new();
    sources.add("mutated.tandem", text);
    let loaded = LoadedSpec {
        root: Path::new("specs/revops").to_path_buf(),
        sources,
        files: vec![PathBuf::from("specs/revops/mutated.tandem")],
    };
    let options = ValidateOptions {
        schemas_dir: Some(PathBuf::from("schemas")),
    };
    let validation = validate_sources(loaded, &options);
    // Rendering must not panic either.
    let _ = tandem::diagnostics::render_human(&validation.diags, validation.sources(), false, 100);
}

#[test]
fn every_seed_validates_without_panicking() {
    for seed in seeds() {
        run(seed);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn mutated_specs_never_panic(
        seed in 0usize..1000,
        swaps in proptest::collection::vec((0usize..10_000, 0usize..1000), 1..6),
    ) {
        let seeds = seeds();
        let text = mutate(&seeds[seed % seeds.len()], &swaps);
        run(text);
    }

    #[test]
    fn specs_with_swapped_names_and_values_never_panic(
        seed in 0usize..1000,
        swaps in proptest::collection::vec((0usize..10_000, 0usize..1000), 1..8),
    ) {
        let seeds = seeds();
        run(mutate_names(&seeds[seed % seeds.len()], &swaps));
    }
}
