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
