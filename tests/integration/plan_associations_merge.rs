//! The merge of an association mapping over in-memory CRMs: the HubSpot side's
//! `companies(associated)` against Salesforce's `AccountId`, translated through the
//! `accounts` sync's links, under each direction and conflict rule.

use crate::common;

use common::*;
use serde_json::json;
use tandem::compile::*;
use tandem::plan::{Action, Rule, view};
use tandem::runtime::MemoryCrm;
use tandem::schema::{FieldType, System};
use tandem::state::StateStore;

const COMPANY: &str = "companies(associated)";
const KEY: &str = "companies(associated)<->AccountId";

/// `sync deals: hs.deals <-> sf.Opportunity` with the association mapping.
fn deals_sync() -> SyncProgram {
    let name = two_way("dealname<->Name", "dealname", "Name");
    let mut company = two_way(KEY, COMPANY, "AccountId");
    company.through = Some("accounts".to_string());
    let mut hs_fields = facts(&[
        ("dealname", FieldType::String),
        ("hs_salesforceopportunityid", FieldType::String),
    ]);
    hs_fields.insert(
        COMPANY.to_string(),
        FieldFacts {
            association: Some(AssociationFacts {
                to_object: "companies".to_string(),
                default_type_id: 341,
                primary_type_id: Some(5),
            }),
            ..FieldFacts::of_type(FieldType::Reference)
        },
    );
    let mut sf_fields = facts(&[
        ("Id", FieldType::Id),
        ("Name", FieldType::String),
        ("AccountId", FieldType::Reference),
    ]);
    sf_fields.get_mut("Id").unwrap().createable = false;
    SyncProgram {
        name: "deals".to_string(),
        hs: SideProgram {
            object: "deals".to_string(),
            read_fields: vec![
                COMPANY.into(),
                "dealname".into(),
                "hs_salesforceopportunityid".into(),
            ],
            pushdown: None,
            scope: None,
            fields: hs_fields,
            required_on_create: vec![],
        },
        sf: SideProgram {
            object: "Opportunity".to_string(),
            read_fields: vec!["AccountId".into(), "Id".into(), "Name".into()],
            pushdown: None,
            scope: None,
            fields: sf_fields,
            required_on_create: vec![],
        },
        matches: vec![MatchRule {
            hs: hs("hs_salesforceopportunityid"),
            sf: sf("Id"),
        }],
        create_in_hs: true,
        create_in_sf: true,
        on_delete: DeletePolicy::Ignore,
        limits: Limits::default(),
        default_conflict: ConflictRule::Prefer {
            side: System::Salesforce,
        },
        fields: vec![name, company],
        depends_on: vec!["accounts".to_string()],
        not_synced: vec![],
    }
}

const ACME_SF: &str = "001A00000000001AAA";
const GLOBEX_SF: &str = "001A00000000002AAA";

/// Two linked companies (Acme 101, Globex 102) and one linked deal (201 ↔ 006…1) on Acme.
fn linked_world() -> (Program, StateStore, MemoryCrm, MemoryCrm) {
    let program = program(vec![accounts_sync(), deals_sync()]);
    let mut store = StateStore::open_in_memory().unwrap();
    let (mut hs, mut sf) = crms();
    hs.put(
        "companies",
        "101",
        &[("name", json!("Acme")), ("domain", json!("acme.com"))],
    );
    hs.put(
        "companies",
        "102",
        &[("name", json!("Globex")), ("domain", json!("globex.io"))],
    );
    sf.put(
        "Account",
        ACME_SF,
        &[("Name", json!("Acme")), ("Website", json!("acme.com"))],
    );
    sf.put(
        "Account",
        GLOBEX_SF,
        &[("Name", json!("Globex")), ("Website", json!("globex.io"))],
    );
    hs.put(
        "deals",
        "201",
        &[
            ("dealname", json!("Rocket")),
            ("hs_salesforceopportunityid", json!("006A00000000001AAA")),
            (COMPANY, json!("101")),
        ],
    );
    sf.put(
        "Opportunity",
        "006A00000000001AAA",
        &[("Name", json!("Rocket")), ("AccountId", json!(ACME_SF))],
    );
    let (plan, summary) = cycle(&program, &mut store, &mut hs, &mut sf);
    assert!(summary.complete(), "{summary:?}");
    assert!(
        plan.syncs[1].changes.is_empty() && plan.syncs[1].will_fail.is_empty(),
        "{}",
        view::render_human(&plan, Default::default())
    );
    (program, store, hs, sf)
}

fn deals(plan: &tandem::plan::Plan) -> &tandem::plan::SyncPlan {
    plan.syncs
        .iter()
        .find(|s| s.name == "deals")
        .expect("deals")
}

#[test]
fn matching_pair_that_agrees_through_the_links_needs_no_write() {
    let (program, mut store, mut hs, mut sf) = linked_world();
    let (plan, _) = cycle(&program, &mut store, &mut hs, &mut sf);
    assert!(!plan.has_changes());
}

#[test]
fn salesforce_account_change_moves_the_hubspot_association() {
    let (program, mut store, mut hs, mut sf) = linked_world();
    sf.put(
        "Opportunity",
        "006A00000000001AAA",
        &[("AccountId", json!(GLOBEX_SF))],
    );
    let plan = plan_now(&program, &store, &mut hs, &mut sf);
    let changes = &deals(&plan).changes;
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].target, System::Hubspot);
    let field = &changes[0].fields[0];
    assert_eq!(field.field, COMPANY);
    assert_eq!(
        (field.old.clone(), field.new.known_or_null()),
        (json!("101"), json!("102"))
    );
    assert_eq!(
        field.rule,
        Rule::ChangedOn {
            side: System::Salesforce
        }
    );
    // The precondition guards the association like a field.
    assert_eq!(changes[0].precondition.get(COMPANY), Some(&json!("101")));
    apply_now(&plan, &program, &mut store, &mut hs, &mut sf);
    assert_eq!(value(&hs, "deals", "201", COMPANY), &json!("102"));
    let (again, _) = cycle(&program, &mut store, &mut hs, &mut sf);
    assert!(!again.has_changes(), "echo suppressed");
}

#[test]
fn hubspot_association_change_sets_account_id_through_the_links() {
    let (program, mut store, mut hs, mut sf) = linked_world();
    hs.put("deals", "201", &[(COMPANY, json!("102"))]);
    let plan = plan_now(&program, &store, &mut hs, &mut sf);
    let changes = &deals(&plan).changes;
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].target, System::Salesforce);
    assert_eq!(changes[0].fields[0].field, "AccountId");
    assert_eq!(changes[0].fields[0].new, json!(GLOBEX_SF));
    apply_now(&plan, &program, &mut store, &mut hs, &mut sf);
    assert_eq!(
        value(&sf, "Opportunity", "006A00000000001AAA", "AccountId"),
        &json!(GLOBEX_SF)
    );
    let (again, _) = cycle(&program, &mut store, &mut hs, &mut sf);
    assert!(!again.has_changes(), "echo suppressed");
}

#[test]
fn both_sides_moved_the_deal_and_the_conflict_rule_decides() {
    let (program, mut store, mut hs, mut sf) = linked_world();
    hs.put(
        "companies",
        "103",
        &[("name", json!("Hooli")), ("domain", json!("hooli.xyz"))],
    );
    let (_, summary) = cycle(&program, &mut store, &mut hs, &mut sf);
    assert_eq!(summary.created, 1, "Hooli gets its account");
    hs.put("deals", "201", &[(COMPANY, json!("103"))]);
    sf.put(
        "Opportunity",
        "006A00000000001AAA",
        &[("AccountId", json!(GLOBEX_SF))],
    );
    let plan = plan_now(&program, &store, &mut hs, &mut sf);
    let changes = &deals(&plan).changes;
    assert_eq!(
        changes.len(),
        1,
        "{}",
        view::render_human(&plan, Default::default())
    );
    assert_eq!(changes[0].target, System::Hubspot);
    assert_eq!(changes[0].fields[0].new, json!("102"));
    assert_eq!(
        changes[0].fields[0].rule,
        Rule::Prefer {
            side: System::Salesforce
        }
    );
}

#[test]
fn removing_the_account_in_salesforce_removes_the_association() {
    let (program, mut store, mut hs, mut sf) = linked_world();
    sf.put(
        "Opportunity",
        "006A00000000001AAA",
        &[("AccountId", serde_json::Value::Null)],
    );
    let plan = plan_now(&program, &store, &mut hs, &mut sf);
    let change = &deals(&plan).changes[0];
    assert_eq!(change.fields[0].new, serde_json::Value::Null);
    apply_now(&plan, &program, &mut store, &mut hs, &mut sf);
    assert_eq!(
        value(&hs, "deals", "201", COMPANY),
        &serde_json::Value::Null
    );
    let (again, _) = cycle(&program, &mut store, &mut hs, &mut sf);
    assert!(!again.has_changes());
}

#[test]
fn ambiguous_association_is_reported_and_never_written() {
    let (program, store, mut hs, mut sf) = linked_world();
    hs.put("deals", "201", &[(COMPANY, json!(["101", "102"]))]);
    let plan = plan_now(&program, &store, &mut hs, &mut sf);
    let sync = deals(&plan);
    assert!(sync.changes.is_empty());
    assert_eq!(sync.will_fail.len(), 1);
    assert_eq!(sync.will_fail[0].target, System::Salesforce);
    let reason = sync.will_fail[0].reason_text();
    assert!(reason.contains("none is primary"), "{reason}");
    let text = view::render_human(&plan, Default::default());
    assert!(text.contains("(101, 102) and none is primary"), "{text}");
}

#[test]
fn opportunity_on_an_account_created_in_the_same_plan_waits_for_its_id() {
    let (program, mut store, mut hs, mut sf) = linked_world();
    sf.put(
        "Account",
        "001A00000000003AAA",
        &[
            ("Name", json!("Initech")),
            ("Website", json!("initech.com")),
        ],
    );
    sf.put(
        "Opportunity",
        "006A00000000002AAA",
        &[
            ("Name", json!("TPS")),
            ("AccountId", json!("001A00000000003AAA")),
        ],
    );
    let plan = plan_now(&program, &store, &mut hs, &mut sf);
    let create = deals(&plan)
        .changes
        .iter()
        .find(|c| c.action == Action::Create)
        .expect("deal create");
    let company = create
        .fields
        .iter()
        .find(|f| f.field == COMPANY)
        .expect("association in the create");
    assert!(
        matches!(company.new, tandem::plan::PlannedValue::PendingId { .. }),
        "{:?}",
        company.new
    );
    apply_now(&plan, &program, &mut store, &mut hs, &mut sf);
    let initech_hs = store
        .partner("accounts", "sf", "001A00000000003AAA")
        .unwrap()
        .expect("Initech created in HubSpot");
    let deal_hs = store
        .partner("deals", "sf", "006A00000000002AAA")
        .unwrap()
        .expect("deal created");
    assert_eq!(value(&hs, "deals", &deal_hs, COMPANY), &json!(initech_hs));
    // The stored base holds the real id, so a later move in Salesforce is a Salesforce-only
    // change, not a conflict against the placeholder.
    sf.put(
        "Opportunity",
        "006A00000000002AAA",
        &[("AccountId", json!(ACME_SF))],
    );
    let plan = plan_now(&program, &store, &mut hs, &mut sf);
    let change = &deals(&plan).changes[0];
    assert_eq!(
        change.fields[0].rule,
        Rule::ChangedOn {
            side: System::Salesforce
        }
    );
}

#[test]
fn api_estimate_counts_the_association_create_and_removal() {
    let (program, store, mut hs, mut sf) = linked_world();
    sf.put(
        "Opportunity",
        "006A00000000001AAA",
        &[("AccountId", json!(GLOBEX_SF))],
    );
    let plan = plan_now(&program, &store, &mut hs, &mut sf);
    // No property update is sent for an association-only change: one v4 batch create, one
    // v4 batch archive, the precondition re-read of what changed since the plan (records and,
    // since there are updates, the archived list: two calls) and its association read.
    assert_eq!(plan.api.hs_calls, 5, "{:?}", plan.api);
    assert_eq!(plan.api.sf_calls, 0);
}

#[test]
fn salesforce_move_settles_an_ambiguous_hubspot_deal() {
    let (program, mut store, mut hs, mut sf) = linked_world();
    hs.put("deals", "201", &[(COMPANY, json!(["101", "102"]))]);
    sf.put(
        "Opportunity",
        "006A00000000001AAA",
        &[("AccountId", json!(GLOBEX_SF))],
    );
    let plan = plan_now(&program, &store, &mut hs, &mut sf);
    let sync = deals(&plan);
    // Salesforce wins (`prefer sf`), so nothing has to be carried to Salesforce: no will-fail.
    assert!(sync.will_fail.is_empty(), "{:?}", sync.will_fail);
    assert_eq!(sync.changes.len(), 1);
    let field = &sync.changes[0].fields[0];
    assert_eq!(field.new, json!("102"));
    assert_eq!(field.old, json!(["101", "102"]));
    let text = view::render_human(&plan, Default::default());
    assert!(
        text.contains("companies(associated): (ambiguous: 101, 102) → \"102\""),
        "{text}"
    );
    apply_now(&plan, &program, &mut store, &mut hs, &mut sf);
    assert_eq!(value(&hs, "deals", "201", COMPANY), &json!("102"));
    let (again, _) = cycle(&program, &mut store, &mut hs, &mut sf);
    assert!(!again.has_changes());
}

#[test]
fn move_to_a_company_the_accounts_sync_has_not_linked_is_will_fail_not_guessed() {
    let (program, mut store, mut hs, mut sf) = linked_world();
    // The deal moves to a HubSpot company (999) the `accounts` sync has not linked.
    hs.put("deals", "201", &[(COMPANY, json!("999"))]);
    let plan = plan_now(&program, &store, &mut hs, &mut sf);
    let sync = deals(&plan);
    assert_eq!(
        sync.will_fail.len(),
        1,
        "the move to Salesforce needs the link"
    );
    assert!(
        sync.will_fail[0].reasons[0]
            .to_string()
            .contains("hs record 999 is not linked through `accounts`")
    );
    apply_now(&plan, &program, &mut store, &mut hs, &mut sf);
    assert_eq!(
        value(&sf, "Opportunity", "006A00000000001AAA", "AccountId"),
        &json!(ACME_SF),
        "nothing guessed"
    );
}
