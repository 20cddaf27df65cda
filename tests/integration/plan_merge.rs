//! The planner over in-memory CRMs: matching, three-way merge under every rule, echo
//! suppression, will-fail detection, blast-radius limits, deletes, and the human view.

use crate::common;

use common::*;
use serde_json::json;
use tandem::compile::{ConflictRule, DeletePolicy};
use tandem::plan::{Action, Rule, view};
use tandem::schema::System;
use tandem::state::StateStore;

fn seeded_accounts() -> (
    tandem::compile::Program,
    StateStore,
    tandem::runtime::MemoryCrm,
    tandem::runtime::MemoryCrm,
) {
    let program = program(vec![accounts_sync()]);
    let store = StateStore::open_in_memory().unwrap();
    let (mut hs, mut sf) = crms();
    hs.put(
        "companies",
        "101",
        &[
            ("name", json!("Acme")),
            ("domain", json!("acme.com")),
            ("industry", json!("Technology")),
        ],
    );
    hs.put(
        "companies",
        "102",
        &[("name", json!("Globex")), ("domain", json!("globex.io"))],
    );
    sf.put(
        "Account",
        "001A00000000001AAA",
        &[
            ("Name", json!("Acme Corp")),
            ("Website", json!("https://www.acme.com/")),
            ("AnnualRevenue", json!(1200000.0)),
        ],
    );
    sf.put(
        "Account",
        "001A00000000002AAA",
        &[
            ("Name", json!("Initech")),
            ("Website", json!("initech.com")),
            ("NumberOfEmployees", json!(250)),
        ],
    );
    (program, store, hs, sf)
}

#[test]
fn first_sync_links_by_domain_and_creates_both_ways() {
    let (program, store, mut hs, mut sf) = seeded_accounts();
    let plan = plan_now(&program, &store, &mut hs, &mut sf);
    let sync = &plan.syncs[0];
    assert_eq!(sync.links.len(), 1, "Acme matches by domain");
    assert_eq!(sync.links[0].hs_id, "101");
    assert_eq!(sync.links[0].match_rule, 2);
    let creates: Vec<_> = sync
        .changes
        .iter()
        .filter(|c| c.action == Action::Create)
        .collect();
    assert_eq!(creates.len(), 2, "Globex into sf, Initech into hs");
    // Acme: names differ on first link, `prefer sf` decides.
    let name = sync
        .changes
        .iter()
        .find(|c| c.target == System::Hubspot && c.hs_id.as_deref() == Some("101"))
        .unwrap();
    let field = name.fields.iter().find(|f| f.field == "name").unwrap();
    assert_eq!(field.new, json!("Acme Corp"));
    assert_eq!(
        field.rule,
        Rule::Prefer {
            side: System::Salesforce
        }
    );
    insta::assert_snapshot!(view::render_human(&plan, Default::default()));
}

#[test]
fn apply_then_plan_shows_no_changes_repeatedly() {
    let (program, mut store, mut hs, mut sf) = seeded_accounts();
    let (_, summary) = cycle(&program, &mut store, &mut hs, &mut sf);
    assert!(summary.complete());
    assert_eq!(summary.created, 2);
    for round in 0..3 {
        let plan = plan_now(&program, &store, &mut hs, &mut sf);
        assert!(
            !plan.has_changes(),
            "round {round}: {}",
            view::render_human(&plan, Default::default())
        );
        // Applying an empty plan changes nothing either.
        apply_now(&plan, &program, &mut store, &mut hs, &mut sf);
    }
    assert_eq!(hs.live("companies").len(), 3);
    assert_eq!(sf.live("Account").len(), 3);
}

#[test]
fn edit_on_one_side_flows_to_the_other() {
    let (program, mut store, mut hs, mut sf) = seeded_accounts();
    cycle(&program, &mut store, &mut hs, &mut sf);
    hs.put("companies", "101", &[("industry", json!("Manufacturing"))]);
    sf.put(
        "Account",
        "001A00000000001AAA",
        &[("NumberOfEmployees", json!(900))],
    );
    let plan = plan_now(&program, &store, &mut hs, &mut sf);
    let changes = &plan.syncs[0].changes;
    assert_eq!(changes.len(), 2);
    let to_sf = changes
        .iter()
        .find(|c| c.target == System::Salesforce)
        .unwrap();
    assert_eq!(to_sf.fields[0].field, "Industry");
    assert_eq!(
        to_sf.fields[0].rule,
        Rule::ChangedOn {
            side: System::Hubspot
        }
    );
    let to_hs = changes
        .iter()
        .find(|c| c.target == System::Hubspot)
        .unwrap();
    assert_eq!(to_hs.fields[0].new, json!(900));
    apply_now(&plan, &program, &mut store, &mut hs, &mut sf);
    assert_eq!(
        value(&sf, "Account", "001A00000000001AAA", "Industry"),
        &json!("Manufacturing")
    );
    assert_eq!(
        value(&hs, "companies", "101", "numberofemployees"),
        &json!("900")
    );
    assert!(!plan_now(&program, &store, &mut hs, &mut sf).has_changes());
}

fn conflict_on_name(rule: ConflictRule, hs_name: &str, sf_name: &str) -> tandem::plan::Plan {
    let mut sync = accounts_sync();
    sync.fields[0].conflict = Some(rule);
    let program = program(vec![sync]);
    let mut store = StateStore::open_in_memory().unwrap();
    let (mut hs, mut sf) = crms();
    hs.put(
        "companies",
        "101",
        &[("name", json!("Acme")), ("domain", json!("acme.com"))],
    );
    sf.put(
        "Account",
        "001A00000000001AAA",
        &[("Name", json!("Acme")), ("Website", json!("acme.com"))],
    );
    cycle(&program, &mut store, &mut hs, &mut sf);
    // Both sides edit the same field; Salesforce edits last.
    hs.put("companies", "101", &[("name", json!(hs_name))]);
    sf.put("Account", "001A00000000001AAA", &[("Name", json!(sf_name))]);
    plan_now(&program, &store, &mut hs, &mut sf)
}

#[test]
fn conflict_prefer_hs_writes_hubspot_value_to_salesforce() {
    let plan = conflict_on_name(
        ConflictRule::Prefer {
            side: System::Hubspot,
        },
        "Acme HS",
        "Acme SF",
    );
    let change = &plan.syncs[0].changes[0];
    assert_eq!(change.target, System::Salesforce);
    assert_eq!(change.fields[0].new, json!("Acme HS"));
    assert_eq!(
        change.fields[0].rule,
        Rule::Prefer {
            side: System::Hubspot
        }
    );
}

#[test]
fn conflict_prefer_sf_unless_blank_falls_back_when_salesforce_is_blank() {
    let plan = conflict_on_name(
        ConflictRule::PreferUnlessBlank {
            side: System::Salesforce,
        },
        "Acme HS",
        "",
    );
    let change = &plan.syncs[0].changes[0];
    assert_eq!(change.target, System::Salesforce);
    assert_eq!(change.fields[0].new, json!("Acme HS"));
    assert_eq!(
        change.fields[0].rule,
        Rule::PreferUnlessBlank {
            side: System::Salesforce,
            fell_back: true
        }
    );
    let plan = conflict_on_name(
        ConflictRule::PreferUnlessBlank {
            side: System::Salesforce,
        },
        "Acme HS",
        "Acme SF",
    );
    assert_eq!(plan.syncs[0].changes[0].target, System::Hubspot);
}

#[test]
fn conflict_newest_takes_the_side_modified_last() {
    let plan = conflict_on_name(ConflictRule::Newest, "Acme HS", "Acme SF");
    let change = &plan.syncs[0].changes[0];
    assert_eq!(change.target, System::Hubspot);
    assert_eq!(change.fields[0].new, json!("Acme SF"));
    assert_eq!(
        change.fields[0].rule,
        Rule::Newest {
            side: System::Salesforce
        }
    );
}

#[test]
fn conflict_review_is_queued_not_written() {
    let plan = conflict_on_name(ConflictRule::Review, "Acme HS", "Acme SF");
    let sync = &plan.syncs[0];
    assert!(sync.changes.is_empty());
    assert_eq!(sync.conflicts.len(), 1);
    assert_eq!(sync.conflicts[0].hs_value, json!("Acme HS"));
    assert!(
        plan.has_changes(),
        "a queued conflict makes the plan non-empty"
    );
    insta::assert_snapshot!(view::render_human(&plan, Default::default()));
}

#[test]
fn same_edit_on_both_sides_is_not_a_conflict() {
    let plan = conflict_on_name(ConflictRule::Review, "Acme Inc", "Acme Inc");
    assert!(!plan.has_changes());
    assert_eq!(plan.syncs[0].base_refresh.len(), 1);
}

#[test]
fn keep_when_blank_never_overwrites_a_value_with_blank() {
    let (program, mut store, mut hs, mut sf) = seeded_accounts();
    cycle(&program, &mut store, &mut hs, &mut sf);
    hs.put("companies", "101", &[("industry", json!(""))]);
    let plan = plan_now(&program, &store, &mut hs, &mut sf);
    assert!(
        !plan.has_changes(),
        "{}",
        view::render_human(&plan, Default::default())
    );
    apply_now(&plan, &program, &mut store, &mut hs, &mut sf);
    assert_eq!(
        value(&sf, "Account", "001A00000000001AAA", "Industry"),
        &json!("Technology")
    );
    assert!(!plan_now(&program, &store, &mut hs, &mut sf).has_changes());
}

#[test]
fn one_way_field_owned_by_salesforce_is_restored_in_hubspot() {
    let (program, mut store, mut hs, mut sf) = seeded_accounts();
    cycle(&program, &mut store, &mut hs, &mut sf);
    hs.put("companies", "101", &[("annualrevenue", json!("5"))]);
    let plan = plan_now(&program, &store, &mut hs, &mut sf);
    let change = &plan.syncs[0].changes[0];
    assert_eq!(change.fields[0].new, json!(1200000));
    assert_eq!(
        change.fields[0].rule,
        Rule::OneWay {
            from: System::Salesforce
        }
    );
}

#[test]
fn ambiguous_match_is_reported_never_guessed() {
    let program = program(vec![accounts_sync()]);
    let store = StateStore::open_in_memory().unwrap();
    let (mut hs, mut sf) = crms();
    hs.put(
        "companies",
        "101",
        &[("name", json!("Acme")), ("domain", json!("acme.com"))],
    );
    sf.put(
        "Account",
        "001A00000000001AAA",
        &[("Name", json!("Acme US")), ("Website", json!("acme.com"))],
    );
    sf.put(
        "Account",
        "001A00000000002AAA",
        &[
            ("Name", json!("Acme EU")),
            ("Website", json!("www.acme.com")),
        ],
    );
    let plan = plan_now(&program, &store, &mut hs, &mut sf);
    let sync = &plan.syncs[0];
    assert!(sync.links.is_empty());
    assert_eq!(sync.ambiguous.len(), 1);
    assert_eq!(
        sync.ambiguous[0].candidates,
        vec!["001A00000000001AAA", "001A00000000002AAA"]
    );
    assert!(
        sync.changes.is_empty(),
        "no side of an ambiguity is created"
    );
}

#[test]
fn salesforce_15_character_id_matches_its_18_character_form() {
    let program = program(vec![accounts_sync()]);
    let store = StateStore::open_in_memory().unwrap();
    let (mut hs, mut sf) = crms();
    hs.put(
        "companies",
        "101",
        &[
            ("name", json!("Acme")),
            ("salesforceaccountid", json!("001A00000000001")),
        ],
    );
    sf.put("Account", "001A00000000001AAA", &[("Name", json!("Acme"))]);
    let plan = plan_now(&program, &store, &mut hs, &mut sf);
    assert_eq!(plan.syncs[0].links.len(), 1);
    assert_eq!(plan.syncs[0].links[0].match_rule, 1);
}

#[test]
fn will_fail_lists_required_picklist_and_length_problems() {
    let mut sync = leads_sync();
    // Make the value map pass an unknown lifecycle stage through so the restricted picklist bites.
    if let Some(tandem::compile::Expr::ValueMap {
        otherwise,
        passthrough,
        ..
    }) = sync.fields[7].to_sf.as_mut()
    {
        *otherwise = None;
        *passthrough = true;
    }
    sync.fields[4].to_sf = Some(hs("jobtitle"));
    sync.fields[3].default = None;
    sync.hs.scope = None;
    let program = program(vec![sync]);
    let store = StateStore::open_in_memory().unwrap();
    let (mut hs, mut sf) = crms();
    hs.put(
        "contacts",
        "501",
        &[
            ("email", json!("a@x.com")),
            ("lastname", json!("Ng")),
            ("lifecyclestage", json!("lead")),
        ],
    );
    hs.put(
        "contacts",
        "502",
        &[
            ("email", json!("b@x.com")),
            ("company", json!("X")),
            ("jobtitle", json!("x".repeat(140))),
        ],
    );
    hs.put(
        "contacts",
        "503",
        &[
            ("email", json!("c@x.com")),
            ("company", json!("Y")),
            ("lastname", json!("Ok")),
        ],
    );
    let plan = plan_now(&program, &store, &mut hs, &mut sf);
    let sync = &plan.syncs[0];
    assert_eq!(sync.changes.len(), 1, "only 503 can be created");
    assert_eq!(sync.will_fail.len(), 2);
    insta::assert_snapshot!(view::render_human(&plan, Default::default()));
}

#[test]
fn unmapped_value_under_else_error_names_the_missing_entry() {
    let mut sync = leads_sync();
    // `else error`: no fallback value and no passthrough.
    if let Some(tandem::compile::Expr::ValueMap {
        otherwise,
        passthrough,
        ..
    }) = sync.fields[7].to_sf.as_mut()
    {
        *otherwise = None;
        *passthrough = false;
    }
    sync.hs.scope = None;
    let program = program(vec![sync]);
    let store = StateStore::open_in_memory().unwrap();
    let (mut hs, mut sf) = crms();
    hs.put(
        "contacts",
        "601",
        &[
            ("email", json!("d@x.com")),
            ("company", json!("Z")),
            ("lastname", json!("Lee")),
            ("lifecyclestage", json!("evangelist")),
        ],
    );
    let plan = plan_now(&program, &store, &mut hs, &mut sf);
    let reasons: Vec<String> = plan.syncs[0]
        .will_fail
        .iter()
        .flat_map(|w| &w.reasons)
        .map(ToString::to_string)
        .collect();
    assert!(
        reasons.iter().any(|r| r.contains(
            "the value \"evangelist\" has no entry in the value map, and the map's `else error` rejects it"
        )),
        "{reasons:?}"
    );
    assert!(reasons.iter().all(|r| !r.contains("has no `else`")));
}

#[test]
fn scope_keeps_out_of_scope_contacts_from_being_created() {
    let program = program(vec![leads_sync()]);
    let store = StateStore::open_in_memory().unwrap();
    let (mut hs, mut sf) = crms();
    hs.put(
        "contacts",
        "501",
        &[
            ("email", json!("in@x.com")),
            ("lifecyclestage", json!("salesqualifiedlead")),
            ("hubspotscore", json!("80")),
            ("country", json!("US")),
        ],
    );
    hs.put(
        "contacts",
        "502",
        &[
            ("email", json!("low@x.com")),
            ("lifecyclestage", json!("salesqualifiedlead")),
            ("hubspotscore", json!("10")),
            ("country", json!("US")),
        ],
    );
    hs.put(
        "contacts",
        "503",
        &[
            ("email", json!("fr@x.com")),
            ("lifecyclestage", json!("marketingqualifiedlead")),
            ("hubspotscore", json!("99")),
            ("country", json!("FR")),
        ],
    );
    let plan = plan_now(&program, &store, &mut hs, &mut sf);
    let sync = &plan.syncs[0];
    assert_eq!(sync.changes.len(), 1);
    let create = &sync.changes[0];
    assert_eq!(create.hs_id.as_deref(), Some("501"));
    let fields: Vec<(&str, serde_json::Value)> = create
        .fields
        .iter()
        .map(|f| (f.field.as_str(), f.new.known_or_null()))
        .collect();
    assert!(
        fields.contains(&("LastName", json!("Unknown"))),
        "default applied: {fields:?}"
    );
    assert!(fields.contains(&("Status", json!("Working - Contacted"))));
    assert!(fields.contains(&("LeadSource", json!("Other"))));
}

#[test]
fn blast_radius_limit_fails_the_plan_and_apply_refuses_it() {
    let mut sync = accounts_sync();
    sync.limits.creates = Some(1);
    let program = program(vec![sync]);
    let mut store = StateStore::open_in_memory().unwrap();
    let (mut hs, mut sf) = crms();
    for i in 0..3 {
        hs.put(
            "companies",
            &format!("10{i}"),
            &[
                ("name", json!(format!("Co {i}"))),
                ("domain", json!(format!("co{i}.com"))),
            ],
        );
    }
    let plan = plan_now(&program, &store, &mut hs, &mut sf);
    assert_eq!(plan.limit_violations.len(), 1);
    assert_eq!(plan.limit_violations[0].planned, 3);
    let result = block_on(tandem::runtime::apply(
        &plan,
        &program,
        SCHEMA_DIGEST,
        &mut store,
        &mut hs,
        &mut sf,
        &mut |_| {},
    ));
    assert!(matches!(
        result,
        Err(tandem::runtime::ApplyError::LimitExceeded { .. })
    ));
    assert!(sf.live("Account").is_empty(), "nothing was written");
}

fn deleted_in_sf(
    policy: DeletePolicy,
) -> (
    tandem::plan::Plan,
    StateStore,
    tandem::runtime::MemoryCrm,
    tandem::runtime::MemoryCrm,
    tandem::compile::Program,
) {
    let mut sync = accounts_sync();
    sync.on_delete = policy;
    let program = program(vec![sync]);
    let mut store = StateStore::open_in_memory().unwrap();
    let (mut hs, mut sf) = crms();
    hs.put(
        "companies",
        "101",
        &[("name", json!("Acme")), ("domain", json!("acme.com"))],
    );
    sf.put(
        "Account",
        "001A00000000001AAA",
        &[("Name", json!("Acme")), ("Website", json!("acme.com"))],
    );
    cycle(&program, &mut store, &mut hs, &mut sf);
    sf.remove("Account", "001A00000000001AAA");
    let plan = plan_now(&program, &store, &mut hs, &mut sf);
    (plan, store, hs, sf, program)
}

#[test]
fn delete_ignored_keeps_the_survivor_and_the_link() {
    let (plan, mut store, mut hs, mut sf, program) = deleted_in_sf(DeletePolicy::Ignore);
    assert!(!plan.has_changes());
    apply_now(&plan, &program, &mut store, &mut hs, &mut sf);
    assert_eq!(hs.live("companies").len(), 1);
    assert_eq!(store.snapshot().unwrap().links["accounts"].len(), 1);
    assert!(
        sf.live("Account").is_empty(),
        "and the deleted record is not re-created"
    );
}

#[test]
fn delete_propagated_archives_the_linked_record() {
    let (plan, mut store, mut hs, mut sf, program) = deleted_in_sf(DeletePolicy::Propagate);
    let change = &plan.syncs[0].changes[0];
    assert_eq!(change.action, Action::Delete);
    assert_eq!(change.target, System::Hubspot);
    let (summary, _) = apply_now(&plan, &program, &mut store, &mut hs, &mut sf);
    assert_eq!(summary.deleted, 1);
    assert!(hs.live("companies").is_empty());
    assert!(store.snapshot().unwrap().links.is_empty());
    assert!(!plan_now(&program, &store, &mut hs, &mut sf).has_changes());
}

#[test]
fn delete_unlink_drops_the_link_and_keeps_the_survivor() {
    let (plan, mut store, mut hs, mut sf, program) = deleted_in_sf(DeletePolicy::Unlink);
    assert_eq!(plan.syncs[0].unlinks.len(), 1);
    apply_now(&plan, &program, &mut store, &mut hs, &mut sf);
    assert_eq!(hs.live("companies").len(), 1);
    assert!(
        store
            .snapshot()
            .unwrap()
            .links
            .get("accounts")
            .is_none_or(Vec::is_empty)
    );
}

#[test]
fn plan_is_deterministic_and_round_trips_through_json() {
    let (program, store, mut hs, mut sf) = seeded_accounts();
    let first = plan_now(&program, &store, &mut hs, &mut sf);
    let second = plan_now(&program, &store, &mut hs, &mut sf);
    let text = view::render_json(&first);
    assert_eq!(text, view::render_json(&second));
    let back: tandem::plan::Plan = serde_json::from_str(&text).unwrap();
    assert_eq!(back, first);
}

#[test]
fn streamed_plan_digest_equals_digest_of_rendered_json() {
    use sha2::Digest;
    let (program, store, mut hs, mut sf) = seeded_accounts();
    let plan = plan_now(&program, &store, &mut hs, &mut sf);
    assert!(!plan.syncs.is_empty());
    let rendered = view::render_json(&plan);
    let old: String = sha2::Sha256::digest(rendered.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(view::plan_digest(&plan), old);
    assert_eq!(old.len(), 64);
}

#[test]
fn streamed_json_view_equals_rendered_json_and_reads_back() {
    let (program, store, mut hs, mut sf) = seeded_accounts();
    let plan = plan_now(&program, &store, &mut hs, &mut sf);
    assert!(plan.syncs.iter().any(|s| !s.changes.is_empty()));
    let mut streamed = Vec::new();
    view::write_json(&plan, &mut streamed).unwrap();
    assert_eq!(
        String::from_utf8(streamed.clone()).unwrap(),
        view::render_json(&plan)
    );
    let back: tandem::plan::Plan = serde_json::from_reader(streamed.as_slice()).unwrap();
    assert_eq!(back, plan);
}
