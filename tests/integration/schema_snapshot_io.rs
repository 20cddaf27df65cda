//! Loading and writing snapshot folders: round trips, and clear errors naming the file.

use tandem::schema::snapshot::{SnapshotError, load_dir, write_dir};
use tandem::schema::{Schemas, System};

#[test]
fn write_then_load_round_trips_both_snapshots() {
    let dir = tempfile::tempdir().expect("tempdir");
    let schemas = Schemas::standard();
    let written = write_dir(dir.path(), &schemas).expect("writes");
    assert_eq!(written.len(), 2);
    let loaded = load_dir(dir.path()).expect("loads");
    assert_eq!(loaded, schemas);
    assert!(!dir.path().join("hubspot.yaml.tmp").exists());
}

#[test]
fn a_folder_with_one_system_loads_that_system_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut schemas = Schemas::new();
    schemas.insert(tandem::schema::standard::salesforce());
    write_dir(dir.path(), &schemas).expect("writes");
    let loaded = load_dir(dir.path()).expect("loads");
    assert!(loaded.get(System::Salesforce).is_some());
    assert!(loaded.get(System::Hubspot).is_none());
}

#[test]
fn an_empty_folder_says_which_files_it_expected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let error = load_dir(dir.path()).expect_err("no snapshots");
    assert!(matches!(error, SnapshotError::NoSnapshots { .. }));
    assert!(error.to_string().contains("hubspot.yaml"));
}

#[test]
fn a_missing_folder_is_reported_with_its_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("nope");
    let error = load_dir(&missing).expect_err("missing folder");
    assert!(matches!(error, SnapshotError::UnreadableDir { .. }));
    assert!(error.to_string().contains("nope"));
}

#[test]
fn invalid_yaml_names_the_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("hubspot.yaml"),
        "format_version: 1\nsystem: hubspot\nobjects:\n  contacts: [not, an, object]\n",
    )
    .expect("write");
    let error = load_dir(dir.path()).expect_err("invalid");
    let message = error.to_string();
    assert!(message.contains("hubspot.yaml"), "{message}");
    assert!(message.contains("line 4"), "{message}");
}

#[test]
fn a_snapshot_under_the_wrong_file_name_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("salesforce.yaml"),
        tandem::schema::standard::HUBSPOT_YAML,
    )
    .expect("write");
    let error = load_dir(dir.path()).expect_err("wrong system");
    assert!(matches!(error, SnapshotError::WrongSystem { .. }));
}

#[test]
fn a_future_format_version_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("hubspot.yaml"),
        "format_version: 99\nsystem: hubspot\nobjects: {}\n",
    )
    .expect("write");
    let error = load_dir(dir.path()).expect_err("future version");
    assert!(matches!(
        error,
        SnapshotError::UnsupportedFormatVersion { found: 99, .. }
    ));
}
