//! The checker and compile agree on what a literal is. `in [...]` items and `default` are
//! drawn from written literals (`3`, `-3`, `(-0.5)`) and look-alikes computed per record or
//! by an operation (`- -1`, `1 + 2`, `round(2.5)`, `sf.AnnualRevenue`): the checker refuses a
//! spec exactly when one of them is not a literal, with the code for where it is, and a spec
//! it accepts compiles to those values, never to `tandem::compile::internal`.

use std::path::PathBuf;

use proptest::prelude::*;
use serde_json::Value;
use tandem::compile::{Expr, compile};
use tandem::project::{ValidateOptions, validate};

/// A number as written, and its value when it is a literal.
const CHOICES: &[(&str, Option<f64>)] = &[
    ("3", Some(3.0)),
    ("-3", Some(-3.0)),
    ("(-0.5)", Some(-0.5)),
    ("(12)", Some(12.0)),
    ("0", Some(0.0)),
    ("- -1", None),
    ("1 + 2", None),
    ("round(2.5)", None),
    ("sf.AnnualRevenue", None),
    ("-sf.AnnualRevenue", None),
];

fn spec(items: &[usize], default: usize) -> String {
    let items: Vec<&str> = items.iter().map(|&index| CHOICES[index].0).collect();
    format!(
        "connection hs: hubspot
connection sf: salesforce

sync accounts: hs.companies <- sf.Account {{
  match hs.salesforceaccountid = sf.Id
  only sf.NumberOfEmployees in [{}]
  hs.numberofemployees <- sf.NumberOfEmployees default {}
}}
",
        items.join(", "),
        CHOICES[default].0
    )
}

/// The planner's JSON for a literal number (integers when whole, as compile writes them).
fn number(value: f64) -> Value {
    tandem_ground::value::number_value(value).unwrap_or(Value::Null)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn in_list_items_and_defaults_check_as_literals_exactly_when_compile_can_lower_them(
        items in proptest::collection::vec(0..CHOICES.len(), 1..4),
        default in 0..CHOICES.len(),
    ) {
        let text = spec(&items, default);
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("spec.tandem"), &text).expect("spec");
        let validation = validate(
            dir.path(),
            &ValidateOptions {
                schemas_dir: Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schemas")),
            },
        )
        .expect("loads");
        let mut expected_codes = Vec::new();
        if items.iter().any(|&index| CHOICES[index].1.is_none()) {
            expected_codes.push("tandem::check::in_list_not_literal".to_string());
        }
        if CHOICES[default].1.is_none() {
            expected_codes.push("tandem::check::default_not_literal".to_string());
        }
        let mut errors: Vec<String> = validation
            .diags
            .iter()
            .filter(|diag| diag.is_error())
            .map(|diag| diag.code())
            .collect();
        errors.sort();
        errors.dedup();
        expected_codes.sort();
        prop_assert_eq!(&errors, &expected_codes, "{}", text);
        if !expected_codes.is_empty() {
            return Ok(());
        }
        let checked = validation.checked.as_ref().expect("a clean spec was checked");
        let program = compile(checked).map_err(|diags| {
            TestCaseError::fail(format!(
                "{:?} on a spec the checker accepted:\n{text}",
                diags.iter().map(|diag| diag.code()).collect::<Vec<_>>()
            ))
        })?;
        let accounts = program.sync("accounts").expect("accounts");
        let listed: Vec<Value> = items
            .iter()
            .filter_map(|&index| CHOICES[index].1)
            .map(number)
            .collect();
        let Some(Expr::In { values, .. }) = &accounts.sf.scope else {
            return Err(TestCaseError::fail(format!("no `in` scope: {:?}", accounts.sf.scope)));
        };
        prop_assert_eq!(values, &listed);
        prop_assert_eq!(
            accounts.fields[0].default.clone(),
            CHOICES[default].1.map(number)
        );
    }
}
