//! The example specs in specs/ against the shipped standard snapshots: no errors, and the
//! checked spec they produce has the shape compile relies on.

use std::path::Path;

use tandem::check::{CheckedSpec, ConflictRule, MapFallback, Side};
use tandem::diagnostics::{Diag, SourceMap, render_human};
use tandem::project::{ValidateOptions, validate};
use tandem::schema::System;

/// A clean spec owned by these tests (the examples in specs/ evolve with the language).
const SHAPE: &str = "tests/fixtures/check/checked_spec_shape";

/// The whole `tandem validate` pipeline, with the repository's shipped `schemas/`.
fn check_folder(dir: &Path) -> (CheckedSpec, Vec<Diag>, SourceMap) {
    let validation = validate(dir, &ValidateOptions::default()).expect("spec loads");
    let checked = validation
        .checked
        .clone()
        .unwrap_or_else(|| panic!("check did not run: {:?}", validation.diags));
    let sources = validation.sources().clone();
    (checked, validation.diags, sources)
}

#[test]
fn every_example_spec_checks_without_errors() {
    let mut folders: Vec<_> = std::fs::read_dir("specs")
        .expect("specs folder")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.is_dir())
        .collect();
    folders.sort();
    assert!(
        folders.len() >= 2,
        "expected the example specs: {folders:?}"
    );
    for folder in folders {
        let (_, diags, sources) = check_folder(&folder);
        let report = render_human(&diags, &sources, false, 100);
        assert!(
            !tandem::diagnostics::has_errors(&diags),
            "{}:\n{report}",
            folder.display()
        );
    }
}

#[test]
fn accounts_sync_resolves_sides_rules_and_flows() {
    let (checked, _, _) = check_folder(Path::new(SHAPE));
    let accounts = checked.sync("accounts").expect("accounts sync");
    assert_eq!(accounts.left.system, System::Hubspot);
    assert_eq!(accounts.right.name(), "Account");
    assert_eq!(accounts.create_on, [Side::Left, Side::Right]);
    assert_eq!(
        accounts.default_conflict.as_ref().map(|policy| policy.rule),
        Some(ConflictRule::Newest)
    );
    let name = accounts
        .mappings
        .iter()
        .find(|mapping| {
            mapping
                .left
                .as_ref()
                .is_some_and(|f| f.field.name == "name")
        })
        .expect("hs.name mapping");
    assert_eq!(name.flows.len(), 2);
    let policy = name.conflict.as_ref().expect("effective rule");
    assert!(policy.explicit);
    assert_eq!(
        policy.rule,
        ConflictRule::Prefer {
            side: Side::Right,
            unless_blank: false
        }
    );
    // Inherited rule on the other two-way mappings.
    let employees = accounts
        .mappings
        .iter()
        .find(|m| {
            m.right
                .as_ref()
                .is_some_and(|f| f.field.name == "NumberOfEmployees")
        })
        .expect("employees mapping");
    let inherited = employees.conflict.as_ref().expect("inherited rule");
    assert!(!inherited.explicit && inherited.rule == ConflictRule::Newest);
    assert!(employees.keep_when_blank);
    let id_links: Vec<bool> = accounts.match_keys.iter().map(|key| key.id_link).collect();
    assert_eq!(id_links, [true, true]);
}

#[test]
fn deal_stage_flows_backward_through_the_two_way_map() {
    let (checked, _, _) = check_folder(Path::new(SHAPE));
    let deals = checked.sync("deals").expect("deals sync");
    let stage = deals
        .mappings
        .iter()
        .flat_map(|mapping| &mapping.flows)
        .find(|flow| flow.target.field.name == "dealstage")
        .expect("dealstage flow");
    assert_eq!((stage.from, stage.to), (Side::Right, Side::Left));
    let map = stage.value_map.as_ref().expect("value map");
    assert_eq!(map.name.as_deref(), Some("deal_stage"));
    assert_eq!(
        map.entries.get("Closed Won").map(String::as_str),
        Some("closedwon")
    );
    assert_eq!(map.fallback, MapFallback::Error);
    let association = deals
        .mappings
        .iter()
        .find(|mapping| mapping.through.is_some())
        .expect("through mapping");
    assert_eq!(association.through.as_deref(), Some("accounts"));
    assert_eq!(association.flows.len(), 2);
}

#[test]
fn lead_status_map_keeps_its_else_and_tables_load() {
    let (checked, _, _) = check_folder(Path::new(SHAPE));
    let leads = checked.sync("leads").expect("leads sync");
    let status = leads
        .mappings
        .iter()
        .flat_map(|mapping| &mapping.flows)
        .find(|flow| flow.target.field.name == "Status")
        .expect("status flow");
    let map = status.value_map.as_ref().expect("map");
    assert_eq!(
        map.fallback,
        MapFallback::Value("Open - Not Contacted".to_string())
    );
    assert_eq!(leads.scope.len(), 1);
    assert_eq!(checked.tables.len(), 2);
    assert_eq!(checked.triggers.len(), 1);
    assert_eq!(checked.connections.len(), 2);
    assert_eq!(checked.maps.len(), 2);
}
