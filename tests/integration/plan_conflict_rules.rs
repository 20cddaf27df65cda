//! Same-field conflicts under every rule, over real HTTP against the sandbox, in the cases
//! `e2e_sandbox` leaves open: `newest` when HubSpot edits last, `prefer X unless blank` when
//! X is not blank and for HubSpot, and a mapping's own rule overriding the sync's. Each test
//! checks both CRMs, the rule the plan recorded, and that the next plans stay quiet.

use crate::e2e_support;

use e2e_support::*;
use serde_json::{Value, json};
use tandem::plan::{Plan, Rule};
use tandem::schema::System;

/// A linked Acme pair (name and phone synced), ready for both sides to edit.
struct Pair {
    world: World,
    hs_id: String,
    sf_id: String,
}

fn linked_pair(spec: &str) -> Pair {
    let mut world = World::new(spec);
    let hs_id = world.create(
        System::Hubspot,
        "companies",
        json!({"name": "Acme", "domain": "acme.example", "phone": "+1 555 0000"}),
    );
    let (_, summary) = world.cycle();
    assert_eq!(summary.created, 1, "{summary:?}");
    let sf_id = world.link_of_hs("accounts", &hs_id).expect("linked");
    Pair {
        world,
        hs_id,
        sf_id,
    }
}

impl Pair {
    fn edit_hs(&self, fields: Value) {
        self.world
            .update(System::Hubspot, "companies", &self.hs_id, fields);
    }

    fn edit_sf(&self, fields: Value) {
        self.world
            .update(System::Salesforce, "Account", &self.sf_id, fields);
    }

    fn hs(&self, field: &str) -> Option<String> {
        self.world
            .field(System::Hubspot, "companies", &self.hs_id, field)
    }

    fn sf(&self, field: &str) -> Option<String> {
        self.world
            .field(System::Salesforce, "Account", &self.sf_id, field)
    }
}

/// The one field change of the plan, as (target, field, new value, rule).
fn only_change(plan: &Plan) -> (System, String, Value, Rule) {
    let changes = &plan.syncs[0].changes;
    assert_eq!(changes.len(), 1, "{}", render(plan));
    assert_eq!(changes[0].fields.len(), 1, "{}", render(plan));
    let field = &changes[0].fields[0];
    (
        changes[0].target,
        field.field.to_string(),
        field.new.known_or_null(),
        field.rule.clone(),
    )
}

#[test]
fn newest_gives_the_conflict_to_hubspot_when_hubspot_edits_last() {
    let mut pair = linked_pair(&accounts_spec("newest", "ignore", 500));
    pair.edit_sf(json!({"Name": "From Salesforce"}));
    pair.edit_hs(json!({"name": "From HubSpot"}));
    let plan = pair.world.plan();
    assert_eq!(
        only_change(&plan),
        (
            System::Salesforce,
            "Name".to_string(),
            json!("From HubSpot"),
            Rule::Newest {
                side: System::Hubspot
            }
        )
    );
    let summary = pair.world.apply(&plan);
    assert_eq!(summary.updated, 1, "{summary:?}");
    assert_eq!(pair.sf("Name").as_deref(), Some("From HubSpot"));
    assert_eq!(pair.hs("name").as_deref(), Some("From HubSpot"));
    assert_quiet(&mut pair.world, 3);
}

/// One `unless blank` conflict on the phone: both sides edit it (`first` before `second`, so
/// the newest edit is `second`'s), the plan writes `value` into `target` under `decided`, and
/// after apply both sides hold `value` and plans stay quiet.
fn unless_blank_phone_conflict(
    rule: &str,
    first: (System, Value),
    second: (System, Value),
    target: System,
    value: &str,
    decided: Rule,
) {
    let mut pair = linked_pair(&accounts_spec(rule, "ignore", 500));
    for (side, phone) in [first, second] {
        match side {
            System::Hubspot => pair.edit_hs(json!({ "phone": phone })),
            System::Salesforce => pair.edit_sf(json!({ "Phone": phone })),
        }
    }
    let plan = pair.world.plan();
    let field = match target {
        System::Hubspot => "phone",
        System::Salesforce => "Phone",
    };
    assert_eq!(
        only_change(&plan),
        (target, field.to_string(), json!(value), decided),
        "{rule}"
    );
    pair.world.apply(&plan);
    assert_eq!(pair.hs("phone").as_deref(), Some(value), "{rule}");
    assert_eq!(pair.sf("Phone").as_deref(), Some(value), "{rule}");
    assert_quiet(&mut pair.world, 3);
}

#[test]
fn prefer_sf_unless_blank_gives_salesforce_a_value_it_holds() {
    // HubSpot edits last, so a `newest` or `prefer hs` planner would pick the other value.
    unless_blank_phone_conflict(
        "prefer sf unless blank",
        (System::Salesforce, json!("+1 555 0200")),
        (System::Hubspot, json!("+1 555 0100")),
        System::Hubspot,
        "+1 555 0200",
        Rule::PreferUnlessBlank {
            side: System::Salesforce,
            fell_back: false,
        },
    );
}

#[test]
fn prefer_hs_unless_blank_gives_hubspot_a_value_it_holds() {
    // Salesforce edits last: `newest` and `prefer sf` would both pick its value.
    unless_blank_phone_conflict(
        "prefer hs unless blank",
        (System::Hubspot, json!("+1 555 0100")),
        (System::Salesforce, json!("+1 555 0200")),
        System::Salesforce,
        "+1 555 0100",
        Rule::PreferUnlessBlank {
            side: System::Hubspot,
            fell_back: false,
        },
    );
}

#[test]
fn prefer_hs_unless_blank_falls_back_to_salesforce_when_hubspot_blanked_the_field() {
    unless_blank_phone_conflict(
        "prefer hs unless blank",
        (System::Salesforce, json!("+1 555 0200")),
        (System::Hubspot, json!("")),
        System::Hubspot,
        "+1 555 0200",
        Rule::PreferUnlessBlank {
            side: System::Hubspot,
            fell_back: true,
        },
    );
}

#[test]
fn prefer_sf_unless_blank_records_the_fall_back_when_salesforce_blanked_the_field() {
    unless_blank_phone_conflict(
        "prefer sf unless blank",
        (System::Hubspot, json!("+1 555 0100")),
        (System::Salesforce, Value::Null),
        System::Salesforce,
        "+1 555 0100",
        Rule::PreferUnlessBlank {
            side: System::Salesforce,
            fell_back: true,
        },
    );
}

#[test]
fn prefer_rules_record_the_deciding_side_in_the_plan() {
    for (rule, winner_target, expected_side) in [
        ("prefer hs", System::Salesforce, System::Hubspot),
        ("prefer sf", System::Hubspot, System::Salesforce),
    ] {
        let mut pair = linked_pair(&accounts_spec(rule, "ignore", 500));
        pair.edit_hs(json!({"name": "From HubSpot"}));
        pair.edit_sf(json!({"Name": "From Salesforce"}));
        let plan = pair.world.plan();
        let (target, field, _, decided) = only_change(&plan);
        assert_eq!(
            (target, decided),
            (
                winner_target,
                Rule::Prefer {
                    side: expected_side
                }
            ),
            "{rule}: {field}"
        );
        assert!(
            render(&plan).contains(&format!("[conflict: {rule}]")),
            "the human view names the rule:\n{}",
            render(&plan)
        );
        pair.world.apply(&plan);
        assert_eq!(pair.hs("name"), pair.sf("Name"), "{rule}");
        assert_quiet(&mut pair.world, 2);
    }
}

#[test]
fn a_mapping_rule_overrides_the_sync_rule_field_by_field() {
    let spec = r#"connection hs: hubspot
connection sf: salesforce

sync accounts: hs.companies <-> sf.Account {
  match domain(hs.domain) = domain(sf.Website)
  create in sf
  conflict prefer hs

  hs.name   <-> sf.Name    prefer sf
  hs.domain <-> sf.Website transform "https://" + hs.domain reverse domain(sf.Website)
  hs.phone  <-> sf.Phone
}
"#;
    let mut pair = linked_pair(spec);
    pair.edit_hs(json!({"name": "From HubSpot", "phone": "+1 555 0100"}));
    pair.edit_sf(json!({"Name": "From Salesforce", "Phone": "+1 555 0200"}));
    let plan = pair.world.plan();
    let mut decided: Vec<(System, String, Value, Rule)> = plan.syncs[0]
        .changes
        .iter()
        .flat_map(|change| {
            change.fields.iter().map(move |f| {
                (
                    change.target,
                    f.field.to_string(),
                    f.new.known_or_null(),
                    f.rule.clone(),
                )
            })
        })
        .collect();
    decided.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(
        decided,
        vec![
            (
                System::Salesforce,
                "Phone".to_string(),
                json!("+1 555 0100"),
                Rule::Prefer {
                    side: System::Hubspot
                }
            ),
            (
                System::Hubspot,
                "name".to_string(),
                json!("From Salesforce"),
                Rule::Prefer {
                    side: System::Salesforce
                }
            ),
        ],
        "{}",
        render(&plan)
    );
    pair.world.apply(&plan);
    assert_eq!(
        (pair.hs("name"), pair.sf("Name")),
        (
            Some("From Salesforce".to_string()),
            Some("From Salesforce".to_string())
        )
    );
    assert_eq!(
        (pair.hs("phone"), pair.sf("Phone")),
        (
            Some("+1 555 0100".to_string()),
            Some("+1 555 0100".to_string())
        )
    );
    assert_quiet(&mut pair.world, 3);
}

#[test]
fn review_conflict_stays_queued_once_and_writes_nothing_run_after_run() {
    let mut pair = linked_pair(&accounts_spec("review", "ignore", 500));
    pair.edit_hs(json!({"name": "From HubSpot"}));
    pair.edit_sf(json!({"Name": "From Salesforce"}));
    for round in 0..3 {
        let (plan, summary) = pair.world.cycle();
        assert!(plan.syncs[0].changes.is_empty(), "round {round}");
        assert_eq!(summary.updated + summary.created, 0, "round {round}");
        let open = pair.world.store().conflicts(false).expect("conflicts");
        assert_eq!(open.len(), 1, "round {round}: queued exactly once");
        assert_eq!(
            (open[0].hs_value.clone(), open[0].sf_value.clone()),
            (json!("From HubSpot"), json!("From Salesforce"))
        );
    }
    assert_eq!(pair.hs("name").as_deref(), Some("From HubSpot"));
    assert_eq!(pair.sf("Name").as_deref(), Some("From Salesforce"));
}
