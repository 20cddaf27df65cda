//! Blast-radius limits over real HTTP for every kind the language has: `creates` counted
//! over both directions, and `updates` (`deletes` is in `plan_delete_policies`). A plan over a
//! limit names it exactly and apply writes nothing.

use crate::e2e_support;

use e2e_support::*;
use serde_json::json;
use tandem::schema::System;
use tandem::session::SessionError;

fn spec_with_limits(limits: &str) -> String {
    format!(
        r#"connection hs: hubspot
connection sf: salesforce

sync accounts: hs.companies <-> sf.Account {{
  match domain(hs.domain) = domain(sf.Website)
  create in hs, sf
  conflict newest
  {limits}

  hs.name   <-> sf.Name
  hs.domain <-> sf.Website transform "https://" + hs.domain reverse domain(sf.Website)
}}
"#
    )
}

fn refused(world: &mut World, plan: &tandem::plan::Plan) -> bool {
    matches!(
        world.try_apply(plan),
        Err(SessionError::Apply(
            tandem::runtime::ApplyError::LimitExceeded { .. }
        ))
    )
}

#[test]
fn creates_limit_counts_both_directions_together() {
    let mut world = World::new(&spec_with_limits("limit creates 3"));
    for i in 0..2 {
        world.create(
            System::Hubspot,
            "companies",
            json!({"name": format!("Hub {i}"), "domain": format!("hub{i}.example")}),
        );
        world.create(
            System::Salesforce,
            "Account",
            json!({"Name": format!("Force {i}"), "Website": format!("https://force{i}.example")}),
        );
    }
    let plan = world.plan();
    let violations: Vec<(String, u64, u64)> = plan
        .limit_violations
        .iter()
        .map(|v| (v.kind.as_str().to_string(), v.limit, v.planned))
        .collect();
    assert_eq!(
        violations,
        vec![("creates".to_string(), 3, 4)],
        "{}",
        render(&plan)
    );
    assert!(refused(&mut world, &plan));
    assert_eq!(
        (
            world.count(System::Hubspot, "companies"),
            world.count(System::Salesforce, "Account")
        ),
        (2, 2),
        "nothing created on either side"
    );
}

#[test]
fn updates_limit_fails_a_mass_edit_and_writes_nothing() {
    let mut world = World::new(&spec_with_limits("limit creates 10, updates 2"));
    let ids: Vec<String> = (0..3)
        .map(|i| {
            world.create(
                System::Hubspot,
                "companies",
                json!({"name": format!("Co {i}"), "domain": format!("co{i}.example")}),
            )
        })
        .collect();
    let (_, summary) = world.cycle();
    assert_eq!(summary.created, 3, "{summary:?}");
    for id in &ids {
        world.update(
            System::Hubspot,
            "companies",
            id,
            json!({"name": "Mass Edit"}),
        );
    }
    let plan = world.plan();
    let violations: Vec<(String, u64, u64)> = plan
        .limit_violations
        .iter()
        .map(|v| (v.kind.as_str().to_string(), v.limit, v.planned))
        .collect();
    assert_eq!(
        violations,
        vec![("updates".to_string(), 2, 3)],
        "{}",
        render(&plan)
    );
    assert!(refused(&mut world, &plan));
    for id in &ids {
        let sf = world.link_of_hs("accounts", id).expect("linked");
        assert_ne!(
            world
                .field(System::Salesforce, "Account", &sf, "Name")
                .as_deref(),
            Some("Mass Edit"),
            "no update reached Salesforce"
        );
    }
    // Within the limit again (one edit undone), the rest goes through.
    world.update(
        System::Hubspot,
        "companies",
        &ids[0],
        json!({"name": "Co 0"}),
    );
    let (plan, summary) = world.cycle();
    assert!(plan.limit_violations.is_empty(), "{}", render(&plan));
    assert_eq!(summary.updated, 2, "{summary:?}");
    assert_quiet(&mut world, 2);
}
