//! A spec folder with no schema snapshots anywhere above it (the revops example copied alone
//! into a temporary folder): each connection is reported as missing its snapshot, with the
//! place looked in and the command that writes it, and nothing else. The value maps and
//! tables are used by syncs the checker could not resolve, so "never used" would be false.

use std::path::Path;

use tandem::diagnostics::{Diag, render_human};
use tandem::project::{ValidateOptions, validate};

fn copy_spec_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create the copy");
    for entry in std::fs::read_dir(from).expect("read the example") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("a file name"));
        if path.is_dir() {
            copy_spec_folder(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy a file");
        }
    }
}

#[test]
fn spec_folder_without_schemas_reports_only_the_two_missing_snapshots() {
    let temp = tempfile::tempdir().expect("temp dir");
    let root = temp.path().join("revops");
    copy_spec_folder(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/revops"),
        &root,
    );
    assert!(
        tandem::project::find_schemas_dir(&root).is_none(),
        "the temporary folder must have no `schemas/` above it"
    );
    let validation = validate(&root, &ValidateOptions::default()).expect("the spec loads");
    let codes: Vec<String> = validation.diags.iter().map(Diag::code).collect();
    assert_eq!(
        codes,
        [
            "tandem::check::missing_schema",
            "tandem::check::missing_schema"
        ]
    );
    let shown = root.display().to_string();
    for diag in &validation.diags {
        let help = diag
            .inner
            .help()
            .map(|help| help.to_string())
            .unwrap_or_default();
        assert!(
            help.contains(&format!("`tandem schema pull --schemas {shown}/schemas`")),
            "{help}"
        );
        assert!(help.contains("`--schemas DIR`"), "{help}");
    }
    let report =
        render_human(&validation.diags, validation.sources(), false, 100).replace(&shown, "[SPEC]");
    insta::assert_snapshot!(report);
}

#[test]
fn spec_folder_with_one_snapshot_names_the_folder_and_warns_of_nothing_unused() {
    let temp = tempfile::tempdir().expect("temp dir");
    let root = temp.path().join("revops");
    copy_spec_folder(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/revops"),
        &root,
    );
    let schemas = temp.path().join("schemas");
    std::fs::create_dir_all(&schemas).expect("schemas folder");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/hubspot.yaml"),
        schemas.join("hubspot.yaml"),
    )
    .expect("copy the HubSpot snapshot");
    let validation = validate(&root, &ValidateOptions::default()).expect("the spec loads");
    let codes: Vec<String> = validation.diags.iter().map(Diag::code).collect();
    assert_eq!(codes, ["tandem::check::missing_schema"]);
    let diag = &validation.diags[0];
    assert!(diag.message().contains("Salesforce"), "{}", diag.message());
    let labels: Vec<String> = diag
        .inner
        .labels()
        .into_iter()
        .flatten()
        .filter_map(|label| label.label().map(str::to_string))
        .collect();
    let folder = schemas.display().to_string();
    assert_eq!(labels, [format!("no salesforce.yaml in {folder}/")]);
}
