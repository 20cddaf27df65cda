//! Every syntax diagnostic says where and how to fix it: a label on a non-empty span (the
//! token at fault, not just a caret between two) and a help line. The fixtures under
//! tests/fixtures/syntax/ are held to that as a whole; the scenarios below pin the help that
//! is derived from what the parser expected (a misspelt keyword, the one missing piece of
//! punctuation shown in the user's line, a symbol tandem does not have).

use std::path::{Path, PathBuf};

use tandem::diagnostics::{Diag, SourceMap};
use tandem::project::{ValidateOptions, validate};
use tandem::syntax::parse_spec;

const CONNECTIONS: &str = "connection hs: hubspot\nconnection sf: salesforce\n";

/// What is missing from one diagnostic: a label on a non-empty span, a help line.
fn missing_parts(diag: &Diag) -> Vec<&'static str> {
    let mut missing = Vec::new();
    let labels: Vec<_> = diag.inner.labels().into_iter().flatten().collect();
    if !labels.iter().any(|label| !label.is_empty()) {
        missing.push("a label on a non-empty span");
    }
    if diag
        .inner
        .help()
        .is_none_or(|help| help.to_string().trim().is_empty())
    {
        missing.push("help");
    }
    missing
}

#[test]
fn every_syntax_fixture_diagnostic_has_a_label_and_help() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let fixtures = root.join("tests/fixtures/syntax");
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .expect("fixtures")
        .flatten()
        .map(|entry| entry.path())
        .collect();
    entries.sort();
    let mut seen = 0;
    let mut lacking = Vec::new();
    for path in entries {
        let validation = validate(&path, &ValidateOptions::default()).expect("the fixture loads");
        for diag in validation
            .diags
            .iter()
            .filter(|diag| diag.code().starts_with("tandem::syntax::"))
        {
            seen += 1;
            let missing = missing_parts(diag);
            if !missing.is_empty() {
                lacking.push(format!(
                    "{} {}: no {}",
                    relative(&path, &root),
                    diag.code(),
                    missing.join(", no ")
                ));
            }
        }
    }
    assert!(seen >= 20, "only {seen} syntax diagnostics in the fixtures");
    assert!(lacking.is_empty(), "{}", lacking.join("\n"));
}

fn relative(path: &Path, root: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The one syntax diagnostic for `body` (the two standard connections prepended): its code
/// and help.
fn only_diag(body: &str) -> (String, String) {
    let mut sources = SourceMap::new();
    sources.add("test.tandem", format!("{CONNECTIONS}{body}"));
    let (_, diags) = parse_spec(&sources);
    let [diag] = diags.as_slice() else {
        panic!(
            "expected one diagnostic, got {:?}",
            diags.iter().map(Diag::message).collect::<Vec<_>>()
        );
    };
    let help = diag.inner.help().map(|help| help.to_string());
    (diag.code(), help.unwrap_or_default())
}

fn unexpected_token_help(body: &str) -> String {
    let (code, help) = only_diag(body);
    assert_eq!(code, "tandem::syntax::unexpected_token", "{help}");
    help
}

#[test]
fn misspelt_conflict_rule_suggests_prefer() {
    let help = unexpected_token_help(
        "sync a: hs.companies <-> sf.Account {\n  conflict prefr sf\n  hs.name <-> sf.Name\n}\n",
    );
    assert_eq!(help, "did you mean `prefer`?");
}

#[test]
fn misspelt_delete_action_suggests_the_closest_action() {
    let help =
        unexpected_token_help("sync a: hs.companies <-> sf.Account {\n  on delete archve\n}\n");
    assert_eq!(help, "did you mean `archive`?");
}

#[test]
fn misspelt_limit_kind_suggests_the_closest_kind() {
    let help =
        unexpected_token_help("sync a: hs.companies <-> sf.Account {\n  limit creats 5\n}\n");
    assert_eq!(help, "did you mean `creates`?");
}

#[test]
fn unrelated_word_in_a_delete_policy_lists_the_actions_with_their_meaning() {
    let help =
        unexpected_token_help("sync a: hs.companies <-> sf.Account {\n  on delete forget\n}\n");
    assert!(help.contains("`on delete propagate`"), "{help}");
    assert!(!help.contains("did you mean"), "{help}");
}

#[test]
fn sync_header_without_colon_shows_the_header_with_it() {
    let help =
        unexpected_token_help("sync a hs.companies <-> sf.Account {\n  hs.name <-> sf.Name\n}\n");
    assert_eq!(
        help,
        "a `:` is missing: write `sync a: hs.companies <-> sf.Account {`"
    );
}

#[test]
fn table_without_from_shows_the_line_with_it() {
    let help = unexpected_token_help("table regions \"regions.csv\"\n");
    assert_eq!(
        help,
        "`from` is missing: write `table regions from \"regions.csv\"`"
    );
}

#[test]
fn create_action_without_braces_shows_them_closed() {
    let help = unexpected_token_help(
        "on sf.Opportunity.StageName becomes \"Closed Won\" {\n  create sf.Task Subject = \"x\"\n}\n",
    );
    assert_eq!(
        help,
        "`{` is missing: write `create sf.Task { Subject = \"x\" }`"
    );
}

#[test]
fn c_style_and_in_a_filter_suggests_the_word_and() {
    let help = unexpected_token_help(
        "sync a: hs.companies <-> sf.Account {\n  only hs.name != \"\" && hs.domain = \"x\"\n}\n",
    );
    assert_eq!(help, "write `and` to require both conditions");
}

#[test]
fn semicolon_after_a_mapping_says_lines_need_none() {
    let help =
        unexpected_token_help("sync a: hs.companies <-> sf.Account {\n  hs.name <-> sf.Name;\n}\n");
    assert!(help.contains("needs no `;`"), "{help}");
}

#[test]
fn notify_without_its_message_shows_the_form() {
    let help = unexpected_token_help(
        "on sf.Opportunity.StageName becomes \"Closed Won\" {\n  notify slack\n}\n",
    );
    assert!(
        help.contains("`notify slack \"#channel\" \"message\"`"),
        "{help}"
    );
}

#[test]
fn map_name_followed_by_fields_without_colon_shows_the_map_form() {
    let help = unexpected_token_help(
        "map stages hs.deals.dealstage <-> sf.Opportunity.StageName {\n  \"a\" <=> \"b\"\n}\n",
    );
    assert!(
        help.starts_with("a value map reads `map stages: "),
        "{help}"
    );
}

/// A word far from every keyword gets no did-you-mean: a guess would mislead.
#[test]
fn unrelated_word_after_conflict_gets_the_rules_not_a_guess() {
    let help =
        unexpected_token_help("sync a: hs.companies <-> sf.Account {\n  conflict latest\n}\n");
    assert!(!help.contains("did you mean"), "{help}");
    assert!(help.contains("`conflict newest`"), "{help}");
}

#[test]
fn misspelt_modifier_after_a_mapping_suggests_the_modifier() {
    let (code, help) =
        only_diag("sync a: hs.companies <-> sf.Account {\n  hs.name <-> sf.Name truncat 12\n}\n");
    assert_eq!(code, "tandem::syntax::expected_arrow");
    assert_eq!(help, "did you mean the modifier `truncate`?");
}

#[test]
fn stray_word_after_a_mapping_is_named_in_the_help() {
    let (code, help) = only_diag(
        "sync a: hs.companies <-> sf.Account {\n  hs.name <-> sf.Name truncate 12 chars\n  hs.phone <-> sf.Phone\n}\n",
    );
    assert_eq!(code, "tandem::syntax::expected_arrow");
    assert!(help.contains("remove `chars`"), "{help}");
}

#[test]
fn misspelt_item_keyword_at_top_level_suggests_the_keyword() {
    let (code, help) =
        only_diag("sycn a: hs.companies <-> sf.Account {\n  hs.name <-> sf.Name\n}\n");
    assert_eq!(code, "tandem::syntax::expected_item");
    assert_eq!(help, "did you mean `sync`?");
}

#[test]
fn conflict_rule_expectation_names_prefer_once() {
    let mut sources = SourceMap::new();
    sources.add(
        "test.tandem",
        format!("{CONNECTIONS}sync a: hs.companies <-> sf.Account {{\n  conflict prefr sf\n}}\n"),
    );
    let (_, diags) = parse_spec(&sources);
    let message = diags.first().map(Diag::message).unwrap_or_default();
    assert_eq!(message.matches("`prefer").count(), 1, "{message}");
}

#[test]
fn value_missing_at_the_end_of_a_line_is_reported_on_the_operator_that_wants_it() {
    let mut sources = SourceMap::new();
    let text = format!(
        "{CONNECTIONS}sync a: hs.companies <-> sf.Account {{\n  only hs.numberofemployees > 10 or\n}}\n"
    );
    sources.add("test.tandem", text.clone());
    let (_, diags) = parse_spec(&sources);
    let [diag] = diags.as_slice() else {
        panic!("expected one diagnostic: {diags:?}");
    };
    assert_eq!(diag.code(), "tandem::syntax::expected_expression");
    let labels: Vec<_> = diag.inner.labels().into_iter().flatten().collect();
    let [label] = labels.as_slice() else {
        panic!("expected one label");
    };
    assert_eq!(&text[label.offset()..label.offset() + label.len()], "or");
    let help = diag
        .inner
        .help()
        .map(|help| help.to_string())
        .unwrap_or_default();
    assert!(help.contains("remove the `or`"), "{help}");
}

#[test]
fn mapping_missing_its_other_side_says_which_side() {
    let (code, help) = only_diag("sync a: hs.companies <-> sf.Account {\n  hs.name ->\n}\n");
    assert_eq!(code, "tandem::syntax::expected_expression");
    assert_eq!(
        help,
        "write the field on the other side of `->`, as in `hs.name -> sf.Name`"
    );
}
