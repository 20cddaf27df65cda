//! Compiling the example spec: dependency order, reads, pushdown, value maps, transforms.

use std::path::PathBuf;

use tandem::compile::pushdown::{pushdown_for, soql_query};
use tandem::compile::{ConflictRule, DeletePolicy, Direction, Expr, Program, Pushdown, compile};
use tandem::schema::System;

fn revops() -> Program {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let validation = tandem::project::validate(
        &root.join("specs/revops"),
        &tandem::project::ValidateOptions {
            schemas_dir: Some(root.join("schemas")),
        },
    )
    .expect("loads");
    assert!(!tandem::diagnostics::has_errors(&validation.diags));
    compile(validation.checked.as_ref().expect("checked")).expect("compiles")
}

#[test]
fn syncs_come_in_dependency_order() {
    let program = revops();
    let names: Vec<&str> = program.syncs.iter().map(|s| s.name.as_str()).collect();
    let position = |name: &str| names.iter().position(|n| *n == name).expect(name);
    assert!(position("accounts") < position("leads"), "{names:?}");
    assert!(position("accounts") < position("deals"), "{names:?}");
}

#[test]
fn accounts_sync_compiles_rules_policies_and_transforms() {
    let program = revops();
    let accounts = program.sync("accounts").expect("accounts");
    assert_eq!(accounts.hs.object, "companies");
    assert_eq!(accounts.sf.object, "Account");
    assert!(accounts.create_in_hs && accounts.create_in_sf);
    assert_eq!(accounts.default_conflict, ConflictRule::Newest);
    assert_eq!(accounts.on_delete, DeletePolicy::Ignore);
    assert_eq!(accounts.limits.creates, Some(500));
    assert_eq!(accounts.matches.len(), 2);
    let name = accounts
        .fields
        .iter()
        .find(|f| f.hs_field == "name")
        .expect("name");
    assert_eq!(
        name.conflict,
        Some(ConflictRule::Prefer {
            side: System::Salesforce
        })
    );
    let revenue = accounts
        .fields
        .iter()
        .find(|f| f.hs_field == "annualrevenue")
        .expect("revenue");
    assert_eq!(revenue.direction, Direction::SfToHs);
    assert!(revenue.to_sf.is_none() && revenue.keep_when_blank);
    let industry = accounts
        .fields
        .iter()
        .find(|f| f.hs_field == "industry")
        .expect("industry");
    assert!(
        matches!(industry.to_sf, Some(Expr::ValueMap { .. })),
        "lookup table becomes a value map"
    );
    assert!(accounts.sf.read_fields.contains(&"Website".to_string()));
    assert!(
        accounts
            .hs
            .read_fields
            .contains(&"salesforceaccountid".to_string())
    );
}

#[test]
fn leads_scope_is_split_by_side_and_pushed_down_to_hubspot_search() {
    let program = revops();
    let leads = program.sync("leads").expect("leads");
    assert!(leads.hs.scope.is_some());
    assert!(leads.sf.scope.is_none());
    let Some(Pushdown::HubspotSearch { filter_groups }) = &leads.hs.pushdown else {
        panic!(
            "expected a HubSpot search pushdown, got {:?}",
            leads.hs.pushdown
        );
    };
    insta::assert_json_snapshot!(filter_groups);
    let lastname = leads
        .fields
        .iter()
        .find(|f| f.hs_field == "lastname")
        .expect("lastname");
    assert_eq!(lastname.default, Some(serde_json::json!("Unknown")));
    let deals = program.sync("deals").expect("deals");
    assert!(
        deals.not_synced.is_empty(),
        "the association mapping is synced now: {:?}",
        deals.not_synced
    );
    let association = deals
        .fields
        .iter()
        .find(|f| f.key == "companies(associated)<->AccountId")
        .expect("the association mapping compiles to a field");
    assert_eq!(association.through.as_deref(), Some("accounts"));
    let facts = deals.hs.fields["companies(associated)"]
        .association
        .as_ref()
        .expect("association facts");
    assert_eq!(facts.to_object, "companies");
    assert_eq!(facts.primary_type_id, Some(5));
    assert_eq!(deals.depends_on, vec!["accounts".to_string()]);
}

#[test]
fn salesforce_scope_becomes_a_soql_where_clause() {
    let scope = Expr::binary(
        "and",
        Expr::binary(
            "=",
            Expr::field(System::Salesforce, "StageName"),
            Expr::literal(serde_json::json!("Closed Won")),
        ),
        Expr::binary(
            ">",
            Expr::field(System::Salesforce, "Amount"),
            Expr::literal(serde_json::json!(1000)),
        ),
    );
    let program = revops();
    let facts = &program.sync("deals").expect("deals").sf.fields;
    let Some(Pushdown::Soql { condition }) = pushdown_for(&scope, System::Salesforce, facts) else {
        panic!("no SOQL pushdown");
    };
    assert_eq!(condition, "StageName = 'Closed Won' AND Amount > 1000");
    let mut deals = program.sync("deals").expect("deals").sf.clone();
    deals.pushdown = Some(Pushdown::Soql { condition });
    insta::assert_snapshot!(soql_query(&deals));
}

#[test]
fn quotes_in_soql_literals_are_escaped() {
    let scope = Expr::binary(
        "=",
        Expr::field(System::Salesforce, "Name"),
        Expr::literal(serde_json::json!("O'Brien \\ Co")),
    );
    let program = revops();
    let facts = &program.sync("deals").expect("deals").sf.fields;
    let Some(Pushdown::Soql { condition }) = pushdown_for(&scope, System::Salesforce, facts) else {
        panic!("no SOQL pushdown");
    };
    assert_eq!(condition, r"Name = 'O\'Brien \\ Co'");
}

/// SOQL spells a literal by its field's type: a date unquoted (Salesforce refuses
/// `CloseDate >= '2020-01-01'`), a date against a datetime field at midnight UTC; a literal
/// whose shape does not fit its field is left to the planner instead of failing the read.
#[test]
fn soql_literals_follow_the_field_type() {
    let program = revops();
    let mut facts = program.sync("deals").expect("deals").sf.fields.clone();
    facts.insert(
        "CreatedDate".to_string(),
        tandem::compile::FieldFacts::of_type(tandem::schema::FieldType::Datetime),
    );
    let compare = |field: &str, operator: &str, value: serde_json::Value| {
        let scope = Expr::binary(
            operator,
            Expr::field(System::Salesforce, field),
            Expr::literal(value),
        );
        match pushdown_for(&scope, System::Salesforce, &facts) {
            Some(Pushdown::Soql { condition }) => Some(condition),
            _ => None,
        }
    };
    assert_eq!(
        compare("CloseDate", ">=", serde_json::json!("2020-01-01")).as_deref(),
        Some("CloseDate >= 2020-01-01")
    );
    assert_eq!(
        compare("CreatedDate", ">=", serde_json::json!("2020-01-01")).as_deref(),
        Some("CreatedDate >= 2020-01-01T00:00:00Z")
    );
    assert_eq!(
        compare(
            "CreatedDate",
            "<",
            serde_json::json!("2020-01-01T10:00:00.000+02:00")
        )
        .as_deref(),
        Some("CreatedDate < 2020-01-01T08:00:00Z")
    );
    assert_eq!(compare("CloseDate", ">=", serde_json::json!("soon")), None);
    assert_eq!(compare("Name", "=", serde_json::json!(7)), None);
    assert_eq!(compare("Amount", ">", serde_json::json!("many")), None);
    assert_eq!(compare("Unread__c", "=", serde_json::json!("x")), None);
}

#[test]
fn program_digest_is_stable_and_changes_with_the_spec() {
    let a = revops();
    let b = revops();
    assert_eq!(a.digest(), b.digest());
    let mut c = revops();
    c.syncs[0].limits.creates = Some(1);
    assert_ne!(a.digest(), c.digest());
}

/// The language reference: with neither `else => v` nor `else error`, a value the map does
/// not list is written unchanged; `else error` rejects it.
#[test]
fn value_map_without_else_passes_unlisted_values_through() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("titles.tandem"),
        r#"connection hs: hubspot
connection sf: salesforce

sync titles: hs.contacts <- sf.Contact {
  match hs.email = sf.Email
  hs.jobtitle <- sf.Title via { "CEO" => "Chief Executive Officer" }
}
"#,
    )
    .expect("spec written");
    let validation = tandem::project::validate(
        dir.path(),
        &tandem::project::ValidateOptions {
            schemas_dir: Some(root.join("schemas")),
        },
    )
    .expect("loads");
    assert!(
        !tandem::diagnostics::has_errors(&validation.diags),
        "{:?}",
        validation.diags
    );
    let program = compile(validation.checked.as_ref().expect("checked")).expect("compiles");
    let title = &program.sync("titles").expect("titles").fields[0];
    match &title.to_hs {
        Some(Expr::ValueMap {
            otherwise,
            passthrough,
            ..
        }) => assert!(otherwise.is_none() && *passthrough),
        other => panic!("expected a value map, got {other:?}"),
    }

    // `else error` on the example's deal stages: no passthrough either way.
    let program = revops();
    let stage = program
        .sync("deals")
        .expect("deals")
        .fields
        .iter()
        .find(|f| f.hs_field == "dealstage")
        .expect("dealstage");
    for expr in [&stage.to_hs, &stage.to_sf].into_iter().flatten() {
        if let Expr::ValueMap { passthrough, .. } = expr {
            assert!(!passthrough);
        }
    }
}
