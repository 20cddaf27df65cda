//! Compile's own behaviour on small specs: what it reports (only `internal`, on a forged
//! checked spec; the mistakes it used to be first to notice, which the checker now refuses),
//! and lowering rules that are easy to break: a sync written
//! Salesforce first, value maps whose values are numbers or booleans, a one-way mapping with
//! its own conflict rule.

use std::path::PathBuf;

use serde_json::json;
use tandem::check::{CheckedSpec, RelationshipHop, TypedExpr, TypedExprKind};
use tandem::compile::{ConflictRule, Direction, Expr, Program, compile};
use tandem::diagnostics::{Diag, REGISTRY, SourceMap, Stage, render_human};
use tandem::project::Validation;
use tandem::schema::System;

const HEADER: &str = "connection hs: hubspot\nconnection sf: salesforce\n\n";

/// Validates `body` (after the two connections) against the repository's snapshots.
fn validation(body: &str) -> Validation {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("spec.tandem"), format!("{HEADER}{body}")).expect("spec");
    tandem::project::validate(
        dir.path(),
        &tandem::project::ValidateOptions {
            schemas_dir: Some(root.join("schemas")),
        },
    )
    .expect("loads")
}

/// The checked spec of `body`, which must check without errors.
fn checked(body: &str) -> (CheckedSpec, SourceMap) {
    let validation = validation(body);
    assert!(
        !tandem::diagnostics::has_errors(&validation.diags),
        "{}",
        render_human(&validation.diags, validation.sources(), false, 100)
    );
    let sources = validation.sources().clone();
    (validation.checked.expect("the checker ran"), sources)
}

/// The report with the temporary folder's path replaced, so the snapshot is stable.
fn redact_dir(report: &str) -> String {
    let dir = std::env::temp_dir().display().to_string();
    let dir = dir.trim_end_matches('/');
    report
        .lines()
        .map(|line| match (line.find(dir), line.find("spec.tandem")) {
            (Some(start), Some(end)) if start < end => {
                format!("{}[dir]/{}", &line[..start], &line[end..])
            }
            _ => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn program(body: &str) -> Program {
    compile(&checked(body).0).expect("compiles")
}

fn codes(diags: &[Diag]) -> Vec<String> {
    diags.iter().map(Diag::code).collect()
}

/// The report `tandem validate` gives for `body` (after the two connections): the spec must
/// not check clean.
fn refused(body: &str) -> (Vec<String>, String) {
    let validation = validation(body);
    assert!(
        tandem::diagnostics::has_errors(&validation.diags),
        "the checker accepted it"
    );
    let report = render_human(&validation.diags, validation.sources(), false, 100);
    (codes(&validation.diags), report)
}

const IN_LIST_NAMING_A_FIELD: &str = r#"sync accounts: hs.companies <- sf.Account {
  match hs.salesforceaccountid = sf.Id
  only sf.Name in [sf.Site, "Acme"]
  hs.name <- sf.Name
}
"#;

const COMPUTED_DEFAULT: &str = r#"sync accounts: hs.companies <- sf.Account {
  match hs.salesforceaccountid = sf.Id
  hs.name <- sf.Name default sf.Site
}
"#;

/// Compile used to be the first to notice (`tandem::compile::related_path`, now retired):
/// `tandem validate` reports it, offline, on the path, wherever it is in the sync.
#[test]
fn related_record_field_is_refused_by_the_checker_not_compile() {
    for (body, path) in [
        (
            r#"sync people: hs.contacts <- sf.Contact {
  match hs.email = sf.Email
  hs.company <- sf.Account.Name
}
"#,
            "sf.Account.Name",
        ),
        (
            r#"sync people: hs.contacts <- sf.Contact {
  match hs.email = sf.Email
  only sf.Account.Industry = "Energy"
  hs.jobtitle <- sf.Title
}
"#,
            "sf.Account.Industry",
        ),
    ] {
        let (codes, report) = refused(body);
        assert_eq!(codes, ["tandem::check::related_path"], "{report}");
        assert!(
            report.contains(&format!("`{path}` reads a field")),
            "{report}"
        );
    }
}

/// A checked spec whose mapping or scope reads through a relationship (which the checker
/// never lets through in a sync) is a bug in tandem when it reaches compile.
#[test]
fn related_record_field_the_checker_refuses_is_internal_if_it_reaches_compile() {
    let body = r#"sync people: hs.contacts <- sf.Contact {
  match hs.email = sf.Email
  only sf.Title = "CEO"
  hs.jobtitle <- sf.Title
}
"#;
    let hop = RelationshipHop {
        reference_field: "AccountId".to_string(),
        relationship: "Account".to_string(),
        object: "Account".to_string(),
    };
    let (mut in_mapping, _) = checked(body);
    in_mapping.syncs[0].mappings[0]
        .right
        .as_mut()
        .expect("a field")
        .hops
        .push(hop.clone());
    let (mut in_scope, _) = checked(body);
    let Some(TypedExprKind::Binary { left, .. }) = in_scope.syncs[0]
        .scope
        .first_mut()
        .map(|scope| &mut scope.kind)
    else {
        panic!("expected a comparison scope");
    };
    let TypedExprKind::Field(field) = &mut left.kind else {
        panic!("expected a field, got {left:?}");
    };
    field.hops.push(hop);
    for forged in [in_mapping, in_scope] {
        let diags = compile(&forged).expect_err("not a program");
        assert_eq!(codes(&diags), ["tandem::compile::internal"]);
    }
}

/// Compile used to be the first to notice (`tandem::compile::in_list_not_literal`, now
/// retired): `tandem validate` reports it, offline, on the item.
#[test]
fn in_list_naming_a_field_is_refused_by_the_checker_not_compile() {
    let (codes, report) = refused(IN_LIST_NAMING_A_FIELD);
    assert_eq!(codes, ["tandem::check::in_list_not_literal"]);
    assert!(report.contains("the field `sf.Site`"), "{report}");
}

/// As above for `tandem::compile::default_not_literal`.
#[test]
fn computed_default_is_refused_by_the_checker_not_compile() {
    let (codes, report) = refused(COMPUTED_DEFAULT);
    assert_eq!(codes, ["tandem::check::default_not_literal"]);
    assert!(report.contains("the field `sf.Site`"), "{report}");
}

/// A checked spec whose `in` list holds a field (which the checker never lets through) is a
/// bug in tandem when it reaches compile, not a spec error.
#[test]
fn in_list_item_the_checker_refuses_is_internal_if_it_reaches_compile() {
    let (mut checked, _) = checked(
        r#"sync accounts: hs.companies <- sf.Account {
  match hs.salesforceaccountid = sf.Id
  only sf.Name in ["Acme", "Globex"]
  hs.name <- sf.Name
}
"#,
    );
    let sync = &mut checked.syncs[0];
    let field = sync.mappings[0].flows[0].value.clone();
    let Some(TypedExprKind::In { list, .. }) = sync.scope.first_mut().map(|scope| &mut scope.kind)
    else {
        panic!("expected an `in` scope, got {:?}", sync.scope);
    };
    list[1] = TypedExpr {
        span: list[1].span,
        ..field
    };
    let diags = compile(&checked).expect_err("not a program");
    assert_eq!(codes(&diags), ["tandem::compile::internal"]);
}

/// As above for a `default` that is a field.
#[test]
fn computed_default_the_checker_refuses_is_internal_if_it_reaches_compile() {
    let (mut checked, _) = checked(
        r#"sync accounts: hs.companies <- sf.Account {
  match hs.salesforceaccountid = sf.Id
  hs.name <- sf.Name default "Unknown"
}
"#,
    );
    let flow = &mut checked.syncs[0].mappings[0].flows[0];
    let span = flow.default.as_ref().expect("a default").span;
    flow.default = Some(TypedExpr {
        span,
        ..flow.value.clone()
    });
    let diags = compile(&checked).expect_err("not a program");
    assert_eq!(codes(&diags), ["tandem::compile::internal"]);
}

/// `-1` is a number: it is a default, an `in` value and a pushed-down comparison like any
/// other literal (it used to be `-1 * 1`, which dropped the default and the list entry).
#[test]
fn negative_numbers_are_literals() {
    let program = program(
        r#"sync accounts: hs.companies <-> sf.Account {
  match hs.salesforceaccountid = sf.Id
  only sf.AnnualRevenue > -5 and hs.numberofemployees in [-1, 2]
  conflict newest
  hs.annualrevenue <-> sf.AnnualRevenue default -1.5
  hs.numberofemployees <-> sf.NumberOfEmployees reverse -sf.NumberOfEmployees
}
"#,
    );
    let accounts = program.sync("accounts").expect("accounts");
    assert_eq!(accounts.fields[0].default, Some(json!(-1.5)));
    let Some(Expr::In { values, .. }) = &accounts.hs.scope else {
        panic!("expected an `in` scope, got {:?}", accounts.hs.scope);
    };
    assert_eq!(values, &[json!(-1), json!(2)]);
    assert_eq!(
        accounts.sf.pushdown,
        Some(tandem::compile::Pushdown::Soql {
            condition: "AnnualRevenue > -5".to_string()
        })
    );
    // Negating a field is still arithmetic.
    assert_eq!(
        accounts.fields[1].to_hs,
        Some(Expr::binary(
            "*",
            Expr::literal(json!(-1)),
            Expr::field(System::Salesforce, "NumberOfEmployees")
        ))
    );
}

/// `internal` is the one live compile code, and no spec can raise it (the tests above and
/// below forge checked specs for it). Retired compile codes stay registered, never emitted,
/// each naming the checker code that replaced it.
#[test]
fn every_compile_code_has_a_case() {
    let covered = ["tandem::compile::internal"];
    let live: Vec<&str> = REGISTRY
        .iter()
        .filter(|code| code.stage == Stage::Compile && !code.is_retired())
        .map(|code| code.code)
        .collect();
    assert_eq!(live, covered);
    let retired: Vec<(&str, Option<&str>)> = REGISTRY
        .iter()
        .filter(|code| code.stage == Stage::Compile && code.is_retired())
        .map(|code| (code.code, code.retired_for))
        .collect();
    assert_eq!(
        retired,
        [
            (
                "tandem::compile::related_path",
                Some("tandem::check::related_path")
            ),
            (
                "tandem::compile::in_list_not_literal",
                Some("tandem::check::in_list_not_literal")
            ),
            (
                "tandem::compile::default_not_literal",
                Some("tandem::check::default_not_literal")
            ),
        ]
    );
}

#[test]
fn a_checked_spec_the_checker_never_produces_is_an_internal_error() {
    let (mut checked, sources) = checked(
        r#"sync people: hs.contacts <- sf.Contact {
  match hs.email = sf.Email
  hs.jobtitle <- sf.Title
}
"#,
    );
    // An expression the checker failed to type, as if it had forgotten to report it.
    let flow = &mut checked.syncs[0].mappings[0].flows[0];
    flow.value = TypedExpr::invalid(flow.value.span);
    let diags = compile(&checked).expect_err("not a program");
    assert_eq!(codes(&diags), ["tandem::compile::internal"]);
    let report = redact_dir(&render_human(&diags, &sources, false, 100));
    assert!(report.contains("bug in tandem"), "{report}");
    insta::assert_snapshot!(report);
}

#[test]
fn sync_written_salesforce_first_is_normalised_to_hubspot_and_salesforce_sides() {
    let program = program(
        r#"sync deals: sf.Opportunity <-> hs.deals {
  match sf.Id = hs.hs_salesforceopportunityid
  only sf.Amount > 100 and hs.dealname is not blank
  create in hs
  conflict prefer hs unless blank
  sf.Name <-> hs.dealname truncate 120 prefer sf
  sf.Description <- hs.description
}
"#,
    );
    let deals = program.sync("deals").expect("deals");
    assert_eq!(
        (deals.hs.object.as_str(), deals.sf.object.as_str()),
        ("deals", "Opportunity")
    );
    assert!(deals.create_in_hs && !deals.create_in_sf);
    assert_eq!(
        deals.default_conflict,
        ConflictRule::PreferUnlessBlank {
            side: System::Hubspot
        }
    );
    assert_eq!(
        deals.matches[0].hs,
        Expr::field(System::Hubspot, "hs_salesforceopportunityid")
    );
    assert_eq!(deals.matches[0].sf, Expr::field(System::Salesforce, "Id"));
    assert!(deals.hs.scope.is_some() && deals.sf.scope.is_some());
    let name = &deals.fields[0];
    assert_eq!(
        (name.hs_field.as_str(), name.sf_field.as_str()),
        ("dealname", "Name")
    );
    assert_eq!(name.direction, Direction::Both);
    assert_eq!(
        name.conflict,
        Some(ConflictRule::Prefer {
            side: System::Salesforce
        })
    );
    let description = &deals.fields[1];
    assert_eq!(description.direction, Direction::HsToSf);
    assert_eq!(
        description.to_sf,
        Some(Expr::field(System::Hubspot, "description"))
    );
    assert!(description.to_hs.is_none());
}

#[test]
fn value_map_values_keep_the_types_they_were_written_with() {
    let program = program(
        r#"sync accounts: hs.companies <- sf.Account {
  match hs.salesforceaccountid = sf.Id
  hs.annualrevenue <- sf.Name via { "a" => 1 "b" => 2.50 else => 0 }
  hs.numberofemployees <- sf.AnnualRevenue via { 1 => 10 2.50 => 20 }
  hs.description <- sf.Name via { "x" => true "y" => @2020-01-02 }
}
"#,
    );
    let fields = &program.sync("accounts").expect("accounts").fields;
    let map_of = |index: usize| match &fields[index].to_hs {
        Some(Expr::ValueMap {
            entries,
            otherwise,
            passthrough,
            ..
        }) => (json!(entries), otherwise.clone(), *passthrough),
        other => panic!("expected a value map, got {other:?}"),
    };
    assert_eq!(
        map_of(0),
        (json!({"a": 1, "b": 2.5}), Some(json!(0)), false)
    );
    // Number keys are matched as the planner prints numbers: `2.50` is the key "2.5".
    assert_eq!(map_of(1), (json!({"1": 10, "2.5": 20}), None, true));
    assert_eq!(
        map_of(2),
        (json!({"x": true, "y": "2020-01-02"}), None, true)
    );
}

#[test]
fn one_way_mapping_keeps_the_conflict_rule_written_on_it() {
    let program = program(
        r#"sync people: hs.contacts <-> sf.Contact {
  match hs.email = sf.Email
  conflict newest
  hs.jobtitle <- sf.Title prefer sf
  hs.firstname <-> sf.FirstName
}
"#,
    );
    let fields = &program.sync("people").expect("people").fields;
    assert_eq!(
        fields[0].conflict,
        Some(ConflictRule::Prefer {
            side: System::Salesforce
        })
    );
    // A two-way mapping without its own rule follows the sync's, which the Program keeps
    // once, as the sync's default.
    assert_eq!(fields[1].conflict, None);
}
