//! The code registry against the codes the sources emit: every `code(tandem::…)` written on an
//! error enum in any crate is registered and live (so `tandem explain` knows it), every live
//! registered code is still emitted somewhere, and each code sits under the stage its path
//! names. The sources are scanned as text until the registry is derived from the enums.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use tandem::diagnostics::{REGISTRY, Stage, lookup_code};

/// The folders whose Rust sources can emit a code: the root crate and every stage crate.
fn source_roots() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    vec![root.join("src"), root.join("crates")]
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|entry| entry.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            // A crate's own build output or a test's fixtures never define an error enum.
            if path.file_name().is_some_and(|name| name == "target") {
                continue;
            }
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// Every `code(tandem::stage::name)` in `text`.
fn codes_in(text: &str) -> Vec<String> {
    let mut codes = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("code(tandem::") {
        let after = &rest[start + "code(".len()..];
        let end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(after.len());
        codes.push(after[..end].to_string());
        rest = &after[end..];
    }
    codes
}

/// Each emitted code with the first file that emits it.
fn emitted_codes() -> Vec<(String, PathBuf)> {
    let mut files = Vec::new();
    for root in source_roots() {
        rust_files(&root, &mut files);
    }
    let mut seen = BTreeSet::new();
    let mut emitted = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("source file reads");
        for code in codes_in(&text) {
            if seen.insert(code.clone()) {
                emitted.push((code, file.clone()));
            }
        }
    }
    emitted
}

fn stage_segment(stage: Stage) -> &'static str {
    match stage {
        Stage::Syntax => "syntax",
        Stage::Names => "names",
        Stage::Check => "check",
        Stage::Compile => "compile",
        Stage::Plan => "plan",
        Stage::Apply => "apply",
        Stage::State => "state",
        Stage::Connectors => "connectors",
        Stage::Sandbox => "sandbox",
        Stage::Project => "project",
        Stage::Session => "session",
        Stage::Cli => "cli",
    }
}

#[test]
fn the_scan_finds_codes_written_in_diagnostic_attributes() {
    let text = r#"#[diagnostic(code(tandem::state::locked), help("wait"))]
        #[diagnostic(code(tandem::apply::stale_plan))]"#;
    assert_eq!(
        codes_in(text),
        ["tandem::state::locked", "tandem::apply::stale_plan"]
    );
}

#[test]
fn every_emitted_code_is_registered_and_live() {
    let emitted = emitted_codes();
    assert!(
        emitted.len() > 100,
        "the scan found only {} codes; is it looking in the right folders?",
        emitted.len()
    );
    let unregistered: Vec<String> = emitted
        .iter()
        .filter(|(code, _)| lookup_code(code).is_none())
        .map(|(code, file)| format!("{code} ({})", file.display()))
        .collect();
    assert!(
        unregistered.is_empty(),
        "codes emitted but missing from crates/ground/src/diagnostics/registry.rs, so \
         `tandem explain` does not know them:\n{}",
        unregistered.join("\n")
    );
    let retired: Vec<String> = emitted
        .iter()
        .filter(|(code, _)| lookup_code(code).is_some_and(|registered| registered.is_retired()))
        .map(|(code, file)| format!("{code} ({})", file.display()))
        .collect();
    assert!(
        retired.is_empty(),
        "retired codes are never emitted:\n{}",
        retired.join("\n")
    );
}

#[test]
fn every_live_registered_code_is_still_emitted() {
    let emitted: BTreeSet<String> = emitted_codes().into_iter().map(|(code, _)| code).collect();
    let dead: Vec<&str> = REGISTRY
        .iter()
        .filter(|registered| !registered.is_retired())
        .map(|registered| registered.code)
        .filter(|code| !emitted.contains(*code))
        .collect();
    assert!(
        dead.is_empty(),
        "live registered codes that nothing emits (retire them, naming their replacement): \
         {dead:?}"
    );
}

#[test]
fn every_code_sits_under_the_stage_its_path_names() {
    let misplaced: Vec<(&str, Stage)> = REGISTRY
        .iter()
        .filter(|registered| {
            let segment = registered.code.split("::").nth(1);
            segment != Some(stage_segment(registered.stage))
        })
        .map(|registered| (registered.code, registered.stage))
        .collect();
    assert!(
        misplaced.is_empty(),
        "codes registered under another stage: {misplaced:?}"
    );
}
