//! Interim runner for tests/fixtures/check/ until the shared glob harness
//! (tests/diagnostic_fixtures.rs) runs the check stage: parse, check against the nearest
//! `schemas/` folder, and compare the emitted codes with the fixture's `# expect:` line.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use tandem::check::{TableInput, Tables, check};
use tandem::diagnostics::{SourceMap, render_human};
use tandem::schema::snapshot::load_dir;
use tandem::syntax::parse_spec;

fn sorted(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("readable dir")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    entries
}

#[test]
fn check_fixtures_emit_exactly_their_expected_codes() {
    let mut mismatches = Vec::new();
    for entry in sorted(Path::new("tests/fixtures/check")) {
        let (files, root) = if entry.is_dir() {
            let files: Vec<PathBuf> = sorted(&entry)
                .into_iter()
                .filter(|p| p.extension().is_some_and(|e| e == "tandem"))
                .collect();
            (files, entry.clone())
        } else {
            (
                vec![entry.clone()],
                entry.parent().expect("parent").to_path_buf(),
            )
        };
        let mut sources = SourceMap::new();
        for file in &files {
            sources.add(
                file.display().to_string(),
                std::fs::read_to_string(file).expect("read"),
            );
        }
        let first = std::fs::read_to_string(&files[0]).expect("read");
        let expectation = first
            .lines()
            .next()
            .and_then(|line| line.strip_prefix("# expect:"))
            .expect("expect line")
            .trim()
            .to_string();
        let expected: BTreeSet<String> = if expectation == "clean" {
            BTreeSet::new()
        } else {
            expectation
                .split(',')
                .map(|c| c.trim().to_string())
                .collect()
        };
        let schemas_dir = if root.join("schemas").is_dir() {
            root.join("schemas")
        } else {
            PathBuf::from("schemas")
        };
        let schemas = load_dir(&schemas_dir).expect("schemas");
        let (spec, syntax) = parse_spec(&sources);
        assert!(syntax.is_empty(), "{}: {syntax:?}", entry.display());
        let mut tables = Tables::new();
        for table in spec.tables() {
            let text = std::fs::read_to_string(root.join(&table.path.value)).unwrap_or_default();
            tables.insert(table.name.name.clone(), TableInput::from_csv(&text));
        }
        let (_, diags) = check(&spec, &schemas, &tables);
        let emitted: BTreeSet<String> = diags.iter().map(|d| d.code()).collect();
        if emitted != expected {
            mismatches.push(format!(
                "{}\n  expected {expected:?}\n  emitted  {emitted:?}\n{}",
                entry.display(),
                render_human(&diags, &sources, false, 100)
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
