//! One glob-driven test over `tests/fixtures/<stage>/*`: each fixture is a `.tandem` file, or a
//! folder of them for multi-file cases, whose first line says what it expects:
//!
//! ```text
//! # expect: tandem::syntax::expected_arrow
//! # expect: tandem::names::undefined_map, tandem::names::undefined_sync
//! # expect: clean
//! ```
//!
//! (for a folder, the first line of its first `.tandem` file in name order). The test runs the
//! same pipeline as `tandem validate`, asserts that the set of emitted codes equals the
//! expectation, and snapshots the fully rendered human report (no colour, width 100) under
//! `tests/integration/snapshots/`, named after the fixture's path. A second test fails when a registered
//! spec-level code has no fixture expecting it, or a fixture expects a retired code; a third
//! keeps the registry's codes unique and each retired code pointing at a live one.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use tandem::diagnostics::{REGISTRY, Stage, lookup_code, render_human};
use tandem::project::{ValidateOptions, validate};

const FIXTURES: &str = "tests/fixtures";

/// The stages whose diagnostics point into specs, so every code must have a fixture.
const SPEC_STAGES: &[Stage] = &[Stage::Syntax, Stage::Names, Stage::Check];

struct Fixture {
    /// `tests/fixtures/syntax/expected_arrow.tandem` or a folder path.
    path: PathBuf,
    /// The expected codes; empty means `clean`.
    expected: BTreeSet<String>,
}

/// Every fixture: the `.tandem` files and the folders directly inside each stage folder.
fn fixtures() -> Vec<Fixture> {
    let mut found = Vec::new();
    for stage in sorted_entries(Path::new(FIXTURES)) {
        if !stage.is_dir() {
            continue;
        }
        for entry in sorted_entries(&stage) {
            let first_file = if entry.is_dir() {
                sorted_entries(&entry)
                    .into_iter()
                    .find(|file| file.extension().is_some_and(|ext| ext == "tandem"))
            } else if entry.extension().is_some_and(|ext| ext == "tandem") {
                Some(entry.clone())
            } else {
                None
            };
            let Some(first_file) = first_file else {
                continue;
            };
            let text = std::fs::read_to_string(&first_file).expect("fixture is readable");
            found.push(Fixture {
                expected: parse_expectation(&first_file, &text),
                path: entry,
            });
        }
    }
    found
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", dir.display()))
        .map(|entry| entry.expect("readable entry").path())
        .collect();
    entries.sort();
    entries
}

fn parse_expectation(file: &Path, text: &str) -> BTreeSet<String> {
    let first_line = text.lines().next().unwrap_or_default();
    let Some(expectation) = first_line.strip_prefix("# expect:") else {
        panic!(
            "{}: the first line must be `# expect: <codes>` or `# expect: clean`",
            file.display()
        );
    };
    let expectation = expectation.trim();
    if expectation == "clean" {
        return BTreeSet::new();
    }
    expectation
        .split(',')
        .map(|code| code.trim().to_string())
        .collect()
}

/// `tests/fixtures/syntax/expected_arrow.tandem` -> `syntax__expected_arrow`.
fn snapshot_name(path: &Path) -> String {
    let relative = path.strip_prefix(FIXTURES).unwrap_or(path);
    relative
        .with_extension("")
        .to_string_lossy()
        .replace(['/', '\\'], "__")
}

#[test]
fn every_fixture_emits_exactly_its_expected_codes() {
    let fixtures = fixtures();
    assert!(!fixtures.is_empty(), "no fixtures under {FIXTURES}");
    let mut mismatches = Vec::new();
    for fixture in &fixtures {
        let validation = validate(&fixture.path, &ValidateOptions::default())
            .unwrap_or_else(|error| panic!("{}: {error}", fixture.path.display()));
        let emitted: BTreeSet<String> = validation.diags.iter().map(|d| d.code()).collect();
        if emitted != fixture.expected {
            mismatches.push(format!(
                "{}\n  expected: {:?}\n  emitted:  {:?}",
                fixture.path.display(),
                fixture.expected,
                emitted
            ));
        }
        let report = render_human(&validation.diags, validation.sources(), false, 100);
        insta::with_settings!({
            snapshot_path => "snapshots",
            prepend_module_to_snapshot => false,
            description => fixture.path.display().to_string(),
            omit_expression => true,
        }, {
            insta::assert_snapshot!(snapshot_name(&fixture.path), report);
        });
    }
    assert!(
        mismatches.is_empty(),
        "fixtures whose codes differ from their expectation:\n{}",
        mismatches.join("\n")
    );
}

#[test]
fn every_spec_level_code_has_a_fixture_and_every_expected_code_is_registered() {
    let expected: BTreeSet<String> = fixtures()
        .into_iter()
        .flat_map(|fixture| fixture.expected)
        .collect();
    let unregistered: Vec<&String> = expected
        .iter()
        .filter(|code| lookup_code(code).is_none())
        .collect();
    assert!(
        unregistered.is_empty(),
        "fixtures expect codes missing from the registry: {unregistered:?}"
    );
    let retired: Vec<&String> = expected
        .iter()
        .filter(|code| lookup_code(code).is_some_and(|registered| registered.is_retired()))
        .collect();
    assert!(
        retired.is_empty(),
        "fixtures expect retired codes, which are never emitted: {retired:?}"
    );
    let without_fixture: Vec<&str> = REGISTRY
        .iter()
        .filter(|registered| SPEC_STAGES.contains(&registered.stage) && !registered.is_retired())
        .map(|registered| registered.code)
        .filter(|code| !expected.contains(*code))
        .collect();
    assert!(
        without_fixture.is_empty(),
        "registered codes with no fixture expecting them: {without_fixture:?}"
    );
}

/// Codes are permanent: each is registered once, and a retired code names the live code that
/// reports the same mistake now.
#[test]
fn codes_are_registered_once_and_retired_codes_name_a_live_replacement() {
    let mut seen = BTreeSet::new();
    let twice: Vec<&str> = REGISTRY
        .iter()
        .map(|registered| registered.code)
        .filter(|code| !seen.insert(*code))
        .collect();
    assert!(twice.is_empty(), "codes registered twice: {twice:?}");
    let dangling: Vec<(&str, &str)> = REGISTRY
        .iter()
        .filter_map(|registered| Some((registered.code, registered.retired_for?)))
        .filter(|(_, replacement)| {
            lookup_code(replacement).is_none_or(|replacement| replacement.is_retired())
        })
        .collect();
    assert!(
        dangling.is_empty(),
        "retired codes whose replacement is not a live registered code: {dangling:?}"
    );
}
