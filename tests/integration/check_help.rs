//! Every checker diagnostic says where and how to fix it: a label on a non-empty span and a
//! help line. The fixtures under tests/fixtures/check/ are held to that as a whole; the
//! scenarios below reach the fallbacks a fixture does not (no close name to suggest, no
//! conversion function, an association end on the wrong object).

use std::path::{Path, PathBuf};

use tandem::check::check;
use tandem::diagnostics::{Diag, SourceMap};
use tandem::project::{Tables, ValidateOptions, validate};
use tandem::schema::Schemas;
use tandem::syntax::parse_spec;

const CONNECTIONS: &str = "connection hs: hubspot\nconnection sf: salesforce\n";

/// The checker's diagnostics for `body` (the two standard connections prepended).
fn check_body(body: &str) -> Vec<Diag> {
    let mut sources = SourceMap::new();
    sources.add("test.tandem", format!("{CONNECTIONS}{body}"));
    let (spec, syntax) = parse_spec(&sources);
    assert!(syntax.is_empty(), "snippet must parse: {syntax:?}");
    let names = tandem::check::names::check_names(&spec);
    assert!(names.is_empty(), "snippet must pass names: {names:?}");
    check(&spec, &Schemas::standard(), &Tables::new()).1
}

/// The one diagnostic with `code` (without the `tandem::check::` prefix) and its help.
fn help_for(body: &str, code: &str) -> String {
    let diags = check_body(body);
    let found: Vec<&Diag> = diags
        .iter()
        .filter(|diag| diag.code() == format!("tandem::check::{code}"))
        .collect();
    let [diag] = found.as_slice() else {
        panic!(
            "expected one {code}, got {:?}",
            diags.iter().map(Diag::code).collect::<Vec<_>>()
        );
    };
    diag.inner
        .help()
        .map(|help| help.to_string())
        .unwrap_or_else(|| panic!("{code} has no help: {}", diag.message()))
}

/// What is missing from one diagnostic: a label on a non-empty span, a help line.
fn missing_parts(diag: &Diag) -> Vec<&'static str> {
    let mut missing = Vec::new();
    let labels: Vec<_> = diag.inner.labels().into_iter().flatten().collect();
    if labels.is_empty() || labels.iter().any(|label| label.is_empty()) {
        missing.push("a label on a non-empty span");
    }
    if diag.inner.help().is_none() {
        missing.push("help");
    }
    missing
}

#[test]
fn every_check_fixture_diagnostic_has_a_label_and_help() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let fixtures = root.join("tests/fixtures/check");
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
            .filter(|diag| diag.code().starts_with("tandem::check::"))
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
    assert!(
        seen >= 40,
        "only {seen} checker diagnostics in the fixtures"
    );
    assert!(lacking.is_empty(), "{}", lacking.join("\n"));
}

fn relative(path: &Path, root: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

#[test]
fn unknown_object_with_no_close_name_suggests_pulling_the_schema() {
    let help = help_for(
        "sync x: hs.contacts -> sf.Zzqqxx {\n  hs.jobtitle -> sf.Title\n}",
        "unknown_object",
    );
    assert!(help.contains("`tandem schema pull`"), "{help}");
}

#[test]
fn unknown_salesforce_field_with_no_close_name_explains_api_names() {
    let help = help_for(
        "sync x: hs.contacts -> sf.Contact {\n  match hs.email = sf.Email\n  hs.jobtitle -> sf.Qwxyzzq\n}",
        "unknown_field",
    );
    assert!(help.contains("`__c`"), "{help}");
    assert!(help.contains("`tandem schema pull`"), "{help}");
}

#[test]
fn unknown_relationship_with_no_close_name_lists_the_relationships() {
    let help = help_for(
        "sync x: hs.contacts <- sf.Contact {\n  match hs.email = sf.Email\n  hs.jobtitle <- sf.Qwxyzzq.Name\n}",
        "unknown_field",
    );
    assert!(
        help.starts_with("relationships of Contact: `Account`"),
        "{help}"
    );
}

#[test]
fn text_where_a_condition_is_expected_suggests_a_comparison() {
    let help = help_for(
        "sync x: hs.contacts <- sf.Contact {\n  match hs.email = sf.Email\n  only sf.Title and sf.DoNotCall\n  hs.jobtitle <- sf.Title\n}",
        "operand_type_mismatch",
    );
    assert!(help.contains("is not blank"), "{help}");
}

#[test]
fn a_condition_written_into_a_number_suggests_if() {
    let help = help_for(
        "sync x: hs.companies <- sf.Account {\n  match hs.salesforceaccountid = sf.Id\n  hs.numberofemployees <- sf.IsDeleted\n}",
        "type_mismatch",
    );
    assert!(help.contains("`if ... then ... else ...`"), "{help}");
}

#[test]
fn a_number_written_into_a_picklist_suggests_text() {
    let help = help_for(
        "sync x: hs.contacts -> sf.Contact {\n  match hs.email = sf.Email\n  hs.hubspotscore -> sf.LeadSource\n}",
        "type_mismatch",
    );
    assert!(help.contains("text(...)"), "{help}");
}

const ACCOUNTS: &str = "sync accounts: hs.companies <-> sf.Account {
  match hs.salesforceaccountid = sf.Id
  conflict prefer sf
  hs.numberofemployees <-> sf.NumberOfEmployees
}
";

#[test]
fn association_to_the_wrong_object_names_the_right_one() {
    let help = help_for(
        &format!(
            "{ACCOUNTS}sync people: hs.contacts <-> sf.Contact {{
  match hs.email = sf.Email
  conflict prefer sf
  hs.deals(associated) <-> sf.AccountId through accounts
}}"
        ),
        "bad_association",
    );
    assert_eq!(help, "write `hs.companies(associated)`");
}

#[test]
fn reference_to_the_wrong_object_names_the_right_reference() {
    let help = help_for(
        &format!(
            "{ACCOUNTS}sync people: hs.contacts <-> sf.Contact {{
  match hs.email = sf.Email
  conflict prefer sf
  hs.companies(associated) <-> sf.ReportsToId through accounts
}}"
        ),
        "bad_association",
    );
    assert_eq!(help, "the reference to Account is `AccountId`");
}

/// A hand-edited snapshot whose reference lists no target: following it is reported (and
/// helped), never left as an untyped expression that compile would have to refuse.
#[test]
fn relationship_whose_reference_lists_no_target_is_reported() {
    let mut schemas = Schemas::standard();
    let contact = schemas
        .by_system
        .get_mut(&tandem::schema::System::Salesforce)
        .and_then(|snapshot| snapshot.objects.get_mut("Contact"))
        .expect("the standard Contact");
    contact
        .fields
        .get_mut("AccountId")
        .expect("Contact.AccountId")
        .reference_to
        .clear();
    let mut sources = SourceMap::new();
    sources.add(
        "test.tandem",
        format!(
            "{CONNECTIONS}sync x: hs.contacts <- sf.Contact {{\n  match hs.email = sf.Email\n  hs.company <- sf.Account.Name\n}}"
        ),
    );
    let (spec, _) = parse_spec(&sources);
    let diags = check(&spec, &schemas, &Tables::new()).1;
    let codes: Vec<String> = diags.iter().map(Diag::code).collect();
    assert_eq!(codes, ["tandem::check::unknown_field"]);
    let help = diags[0].inner.help().map(|help| help.to_string());
    assert!(
        help.as_deref()
            .is_some_and(|help| help.contains("`AccountId` refers to")),
        "{help:?}"
    );
}
