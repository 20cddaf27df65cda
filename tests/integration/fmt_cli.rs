//! `tandem fmt` and `tandem validate` as a user runs them: exit codes, what is printed, and
//! what is (not) written.

use std::path::Path;
use std::process::{Command, Output};

fn tandem(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tandem"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the tandem binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

const UNFORMATTED: &str = "connection hs:hubspot\nconnection sf:salesforce\nsync s:hs.contacts<->sf.Lead{hs.email<->sf.Email}\n";
const FORMATTED: &str = "connection hs: hubspot\nconnection sf: salesforce\n\nsync s: hs.contacts <-> sf.Lead {\n  hs.email <-> sf.Email\n}\n";

#[test]
fn fmt_check_names_unformatted_files_and_exits_1_without_writing() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("a.tandem"), UNFORMATTED).expect("write");
    std::fs::write(dir.path().join("b.tandem"), "# nothing to do\n").expect("write");
    let output = tandem(&["fmt", "--check", "."], dir.path());
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("would reformat a.tandem"),
        "{}",
        stdout(&output)
    );
    assert!(!stdout(&output).contains("b.tandem"));
    let unchanged = std::fs::read_to_string(dir.path().join("a.tandem")).expect("read");
    assert_eq!(unchanged, UNFORMATTED);
}

#[test]
fn fmt_rewrites_then_check_passes() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("a.tandem"), UNFORMATTED).expect("write");
    let output = tandem(&["fmt", "a.tandem"], dir.path());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("formatted a.tandem"));
    let text = std::fs::read_to_string(dir.path().join("a.tandem")).expect("read");
    assert_eq!(text, FORMATTED);
    let check = tandem(&["fmt", "--check", "a.tandem"], dir.path());
    assert_eq!(check.status.code(), Some(0), "{}", stdout(&check));
    // No temporary files are left behind.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn fmt_refuses_a_spec_with_syntax_errors_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let broken = "sync s: hs.contacts <-> sf.Lead {\n  hs.email sf.Email\n}\n";
    std::fs::write(dir.path().join("a.tandem"), UNFORMATTED).expect("write");
    std::fs::write(dir.path().join("b.tandem"), broken).expect("write");
    let output = tandem(&["fmt", "."], dir.path());
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.contains("tandem::syntax::expected_arrow"), "{err}");
    assert!(err.contains("fix the syntax errors first"), "{err}");
    let untouched = std::fs::read_to_string(dir.path().join("a.tandem")).expect("read");
    assert_eq!(untouched, UNFORMATTED, "a sibling file was rewritten");
}

#[test]
fn validate_exits_0_on_the_example_specs_and_1_on_errors() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let ok = tandem(&["validate", "specs"], root);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    assert!(stdout(&ok).contains("specs/revops:"), "{}", stdout(&ok));
    assert!(stdout(&ok).contains("specs/subscriptions:"));

    let bad = tandem(
        &[
            "validate",
            "tests/fixtures/names/every_name_error_in_one_run.tandem",
        ],
        root,
    );
    assert_eq!(bad.status.code(), Some(1));
    let err = stderr(&bad);
    for code in [
        "tandem::names::undefined_connection",
        "tandem::names::undefined_map",
        "tandem::names::undefined_sync",
        "tandem::names::unknown_function",
        "tandem::names::one_way_map_on_two_way_mapping",
    ] {
        assert!(err.contains(code), "{code} missing from:\n{err}");
    }
}

#[test]
fn validate_json_and_github_formats() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let json = tandem(
        &[
            "validate",
            "--format",
            "json",
            "tests/fixtures/syntax/expected_arrow.tandem",
        ],
        root,
    );
    assert_eq!(json.status.code(), Some(1));
    let document: serde_json::Value =
        serde_json::from_str(&stdout(&json)).expect("--format json prints JSON");
    assert_eq!(document["errors"], 1);
    let first = &document["diagnostics"][0];
    assert_eq!(first["code"], "tandem::syntax::expected_arrow");
    assert_eq!(first["line"], 6);
    assert_eq!(first["column"], 12);

    let github = tandem(
        &[
            "validate",
            "--format",
            "github",
            "tests/fixtures/syntax/expected_arrow.tandem",
        ],
        root,
    );
    assert_eq!(github.status.code(), Some(1));
    let line = stdout(&github);
    assert!(
        line.starts_with("::error file=tests/fixtures/syntax/expected_arrow.tandem,line=6,col=12,"),
        "{line}"
    );
}

#[test]
fn validate_reports_a_missing_path_plainly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = tandem(&["validate", "nowhere.tandem"], dir.path());
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("nowhere.tandem does not exist"));
}
