//! The example specs' Programs, snapshotted whole. Compile lowers the checked spec; these
//! snapshots are byte for byte what `tandem compile specs/<example> --emit program|soql`
//! printed when compile still lowered the syntax tree (with the association lowering), plus
//! the fields' create defaults (`default_on_create`) that came after, so any change to what
//! an existing spec means shows up here as a diff to explain.

use std::path::PathBuf;

use tandem::compile::pushdown::soql_query;
use tandem::compile::{Program, Pushdown, compile};

fn example(name: &str) -> Program {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let validation = tandem::project::validate(
        &root.join("specs").join(name),
        &tandem::project::ValidateOptions {
            schemas_dir: Some(root.join("schemas")),
        },
    )
    .expect("the example loads");
    assert!(
        !tandem::diagnostics::has_errors(&validation.diags),
        "{name}: {:?}",
        validation.diags
    );
    compile(validation.checked.as_ref().expect("the checker ran")).expect("compiles")
}

/// What `tandem compile --emit soql` prints: each sync's Salesforce query and HubSpot search.
fn reads(program: &Program) -> String {
    let mut out = String::new();
    for sync in &program.syncs {
        out.push_str(&format!(
            "-- sync {}\n{};\n",
            sync.name,
            soql_query(&sync.sf)
        ));
        if let Some(Pushdown::HubspotSearch { filter_groups }) = &sync.hs.pushdown {
            out.push_str(&format!(
                "-- hs.{} search filterGroups: {filter_groups}\n",
                sync.hs.object
            ));
        }
        for note in &sync.not_synced {
            out.push_str(&format!("-- not synced: {note}\n"));
        }
    }
    out
}

#[test]
fn revops_program_is_unchanged() {
    let program = example("revops");
    insta::assert_json_snapshot!(program);
    insta::assert_snapshot!("revops_reads", reads(&program));
}

#[test]
fn subscriptions_program_is_unchanged() {
    let program = example("subscriptions");
    insta::assert_json_snapshot!(program);
    insta::assert_snapshot!("subscriptions_reads", reads(&program));
}

/// Every `.tandem` file and spec folder under `dir`, recursively, in name order.
fn specs_under(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|entry| entry.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            out.push(path.clone());
            specs_under(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "tandem") {
            out.push(path);
        }
    }
}

/// The promise compile stands on: every spec the checker accepts (the examples, and every
/// fixture with no error) compiles, with no `internal` diagnostic or any other.
#[test]
fn every_spec_the_checker_accepts_compiles() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut specs = Vec::new();
    specs_under(&root.join("specs"), &mut specs);
    specs_under(&root.join("tests/fixtures"), &mut specs);
    let mut compiled = 0;
    for spec in specs {
        let Ok(validation) = tandem::project::validate(
            &spec,
            &tandem::project::ValidateOptions {
                schemas_dir: Some(root.join("schemas")),
            },
        ) else {
            continue;
        };
        if tandem::diagnostics::has_errors(&validation.diags) {
            continue;
        }
        let checked = validation
            .checked
            .as_ref()
            .expect("a clean spec was checked");
        if let Err(diags) = compile(checked) {
            let report =
                tandem::diagnostics::render_human(&diags, validation.sources(), false, 100);
            panic!(
                "{} checks clean but does not compile:\n{report}",
                spec.display()
            );
        }
        compiled += 1;
    }
    // The examples, their files, and the clean and warning-only fixtures.
    assert!(compiled >= 15, "only {compiled} clean specs found");
}
