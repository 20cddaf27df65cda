//! Compile never second-guesses the checker: the example specs with lines removed, mapping
//! arrows rewritten, and field names and values swapped for other plausible ones go through
//! the whole validate pipeline, and every mutant the checker accepts must compile: no
//! compile diagnostic (the only live one is `tandem::compile::internal`), never a panic. The values the language wants written
//! literally (`in [...]` items, `default`) are also turned into fields and computations one at
//! a time: the checker must refuse each, so compile never meets one.

use std::path::PathBuf;

use proptest::prelude::*;
use tandem::project::{ValidateOptions, Validation, validate};

/// Field names of the standard snapshots' objects, and values, to swap in.
const NAMES: &[&str] = &[
    "email",
    "Email",
    "Name",
    "name",
    "Id",
    "AccountId",
    "lifecyclestage",
    "dealstage",
    "StageName",
    "Status",
    "CloseDate",
    "closedate",
    "hs_object_id",
    "hubspotscore",
    "Company",
    "company",
    "numberofemployees",
    "NumberOfEmployees",
    "Industry",
    "industry",
    "LeadSource",
    "Title",
    "jobtitle",
    "Description",
    "description",
    "Website",
    "domain",
    "Phone",
    "phone",
    "firstname",
    "FirstName",
    "lastname",
    "LastName",
    "Amount",
    "amount",
    "dealname",
    "city",
    "BillingCity",
    "country",
    "BillingCountry",
    "annualrevenue",
    "AnnualRevenue",
    "salesforceaccountid",
    "hs_lead_status",
    "mobilephone",
    "MobilePhone",
];
const VALUES: &[&str] = &[
    "customer",
    "Closed Won",
    "closedwon",
    "Web",
    "",
    "Technology",
    "marketingqualifiedlead",
    "Open - Not Contacted",
    "12",
];

fn seeds() -> Vec<(String, String)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut seeds = Vec::new();
    for folder in ["specs/revops", "specs/subscriptions"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(root.join(folder))
            .expect("example folder")
            .flatten()
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "tandem"))
            .collect();
        files.sort();
        let text: Vec<String> = files
            .iter()
            .map(|file| std::fs::read_to_string(file).expect("readable"))
            .collect();
        seeds.push((folder.to_string(), text.join("\n")));
    }
    seeds
}

/// Drops the chosen lines (a mapping, a setting, a pair, a match key...) and rewrites the
/// chosen lines' mapping arrows, which mostly leaves a spec the checker still accepts.
fn reshape(text: &str, dropped: &[usize], arrows: &[(usize, usize)]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for (line, arrow) in arrows {
        let index = line % lines.len();
        let arrow = ["<->", "->", "<-"][arrow % 3];
        for written in ["<->", " -> ", " <- "] {
            if lines[index].contains(written) {
                let spaced = if written == "<->" {
                    arrow.to_string()
                } else {
                    format!(" {arrow} ")
                };
                lines[index] = lines[index].replacen(written, &spaced, 1);
                break;
            }
        }
    }
    let count = lines.len();
    let drop: std::collections::BTreeSet<usize> = dropped.iter().map(|line| line % count).collect();
    lines
        .into_iter()
        .enumerate()
        .filter(|(index, _)| !drop.contains(index))
        .map(|(_, line)| line)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Swaps the chosen `.name` segments and string literal bodies.
fn mutate(text: &str, swaps: &[(usize, usize)]) -> String {
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
            _ => index += 1,
        }
    }
    if slots.is_empty() {
        return text.to_string();
    }
    let mut chosen: Vec<(usize, usize, &str)> = swaps
        .iter()
        .map(|(slot, word)| {
            let (start, end, is_name) = slots[slot % slots.len()];
            let word = if is_name {
                NAMES[word % NAMES.len()]
            } else {
                VALUES[word % VALUES.len()]
            };
            (start, end, word)
        })
        .collect();
    chosen.sort_by_key(|(start, _, _)| std::cmp::Reverse(*start));
    chosen.dedup_by_key(|(start, _, _)| *start);
    let mut out = text.to_string();
    for (start, end, word) in chosen {
        out.replace_range(start..end, word);
    }
    out
}

/// Validates `mutant`, laid out like the example `name` (beside its lookup tables).
fn validate_mutant(name: &str, mutant: &str) -> Validation {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("spec.tandem"), mutant).expect("spec");
    if name.ends_with("revops") {
        // The example's lookup tables, beside the spec as the spec expects them.
        let tables = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs/revops/tables");
        std::fs::create_dir_all(dir.path().join("tables")).expect("tables dir");
        for entry in std::fs::read_dir(tables).expect("tables").flatten() {
            std::fs::copy(
                entry.path(),
                dir.path().join("tables").join(entry.file_name()),
            )
            .expect("table copied");
        }
    }
    validate(
        dir.path(),
        &ValidateOptions {
            schemas_dir: Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schemas")),
        },
    )
    .expect("loads")
}

/// Validates `mutant` (laid out like the example `name`), and for a spec the checker
/// accepts, compiles it: `Some` of the codes compile should never raise, `None` when the
/// checker refused the spec.
fn compile_unexpected(name: &str, mutant: &str) -> Option<Vec<String>> {
    let validation = validate_mutant(name, mutant);
    if tandem::diagnostics::has_errors(&validation.diags) {
        return None;
    }
    let checked = validation
        .checked
        .as_ref()
        .expect("a clean spec was checked");
    let unexpected = match tandem::compile::compile(checked) {
        Ok(_) => Vec::new(),
        Err(diags) => diags.iter().map(|diag| diag.code()).collect(),
    };
    Some(unexpected)
}

/// Every example with one line removed, exhaustively: most still check, and each that does
/// must compile.
#[test]
fn every_one_line_deletion_of_the_examples_that_checks_compiles() {
    let mut clean = 0;
    for (name, text) in seeds() {
        let count = text.lines().count();
        for line in 0..count {
            let mutant = reshape(&text, &[line], &[]);
            if let Some(unexpected) = compile_unexpected(&name, &mutant) {
                assert!(
                    unexpected.is_empty(),
                    "{unexpected:?} with line {} of {name} removed:\n{mutant}",
                    line + 1
                );
                clean += 1;
            }
        }
    }
    assert!(clean >= 100, "only {clean} mutants checked clean");
}

/// A value the language wants written literally (an `in [...]` item, a `default`) in the
/// example `seed`: its byte range, the code the checker gives a non-literal there, and a
/// field of the same line with the literal's type (the compared value, the mapped source).
struct LiteralSlot {
    range: std::ops::Range<usize>,
    code: &'static str,
    field: String,
}

fn literal_slots(text: &str) -> Vec<LiteralSlot> {
    let mut slots = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let words: Vec<&str> = line.split_whitespace().collect();
        if let Some(open) = line.find(" in [") {
            let before = line[..open].trim_end_matches(" not");
            let value = before.split_whitespace().last().unwrap_or_default();
            let start = open + " in [".len();
            let end = start + line[start..].find([',', ']']).unwrap_or(0);
            slots.push(LiteralSlot {
                range: line_start + start..line_start + end,
                code: "tandem::check::in_list_not_literal",
                field: value.to_string(),
            });
        }
        if let Some(at) = line.find(" default ") {
            let start = at + " default ".len();
            let end = start + line[start..].find(char::is_whitespace).unwrap_or(0);
            let arrow = words
                .iter()
                .position(|word| ["<->", "->", "<-"].contains(word));
            if let Some(source) = arrow.and_then(|arrow| words.get(arrow + 1)) {
                slots.push(LiteralSlot {
                    range: line_start + start..line_start + end,
                    code: "tandem::check::default_not_literal",
                    field: source.to_string(),
                });
            }
        }
        line_start += line.len();
    }
    slots
}

/// Every literal `in [...]` item and `default` of the examples, one at a time, turned into a
/// field of the record or a computation of the same type: the checker refuses each mutant
/// with exactly the code for it (so compile, which would have to refuse it, never sees one),
/// and a negative number in its place is a literal the whole pipeline accepts.
#[test]
fn literal_values_of_the_examples_turned_into_computations_are_the_checkers_to_refuse() {
    let (mut refused, mut negated) = (0, 0);
    for (name, text) in seeds() {
        let slots = literal_slots(&text);
        assert!(
            slots.len() >= 3,
            "{name}: the slot finder found {}",
            slots.len()
        );
        for slot in slots {
            let literal = &text[slot.range.clone()];
            assert!(
                !literal.is_empty(),
                "{name}: an empty slot at {:?}",
                slot.range
            );
            let computed = format!("if true then {literal} else {literal}");
            for replacement in [slot.field.as_str(), computed.as_str()] {
                let mut mutant = text.clone();
                mutant.replace_range(slot.range.clone(), replacement);
                let validation = validate_mutant(&name, &mutant);
                let errors: Vec<String> = validation
                    .diags
                    .iter()
                    .filter(|diag| diag.is_error())
                    .map(|diag| diag.code())
                    .collect();
                assert_eq!(
                    errors,
                    [slot.code],
                    "`{literal}` -> `{replacement}` in {name}:\n{mutant}"
                );
                refused += 1;
            }
            if literal.parse::<f64>().is_ok() {
                let mut mutant = text.clone();
                mutant.replace_range(slot.range.clone(), &format!("-{literal}"));
                assert_eq!(
                    compile_unexpected(&name, &mutant),
                    Some(Vec::new()),
                    "`-{literal}` in {name} does not check and compile clean:\n{mutant}"
                );
                negated += 1;
            }
        }
    }
    assert!(refused >= 16, "only {refused} mutants");
    assert!(negated >= 1, "no number literal slot to negate");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn every_mutant_the_checker_accepts_compiles(
        seed in 0usize..2,
        dropped in proptest::collection::vec(0usize..400, 0..4),
        arrows in proptest::collection::vec((0usize..400, 0usize..3), 0..3),
        swaps in proptest::collection::vec((0usize..4000, 0usize..100), 0..2),
    ) {
        let seeds = seeds();
        let (name, text) = &seeds[seed % seeds.len()];
        let mutant = mutate(&reshape(text, &dropped, &arrows), &swaps);
        let unexpected = compile_unexpected(name, &mutant).unwrap_or_default();
        prop_assert!(
            unexpected.is_empty(),
            "{unexpected:?} on a spec the checker accepted:\n{mutant}"
        );
    }
}
