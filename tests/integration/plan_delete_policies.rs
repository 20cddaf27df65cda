//! Deletes under each policy the language has (`on delete ignore | archive | propagate`, see
//! docs/language.md), from each side, over real HTTP against the sandbox; and the `deletes`
//! blast-radius limit. Counts are exact on both CRMs and the next plans stay quiet.

use crate::e2e_support;

use e2e_support::*;
use serde_json::json;
use tandem::plan::{Action, Rule};
use tandem::schema::System;
use tandem::session::SessionError;

/// Three linked pairs (Acme, Globex, Initech) under `on delete <policy>`; returns the world
/// and the (HubSpot id, Salesforce id) of each pair.
fn three_linked_pairs(policy: &str, deletes_limit: Option<u64>) -> (World, Vec<(String, String)>) {
    let limit = match deletes_limit {
        Some(n) => format!("limit creates 500, deletes {n}"),
        None => "limit creates 500".to_string(),
    };
    let spec = format!(
        r#"connection hs: hubspot
connection sf: salesforce

sync accounts: hs.companies <-> sf.Account {{
  match domain(hs.domain) = domain(sf.Website)
  create in hs, sf
  conflict newest
  on delete {policy}
  {limit}

  hs.name   <-> sf.Name
  hs.domain <-> sf.Website transform "https://" + hs.domain reverse domain(sf.Website)
}}
"#
    );
    let mut world = World::new(&spec);
    let mut pairs = Vec::new();
    for name in ["Acme", "Globex", "Initech"] {
        let hs_id = world.create(
            System::Hubspot,
            "companies",
            json!({"name": name, "domain": format!("{}.example", name.to_lowercase())}),
        );
        pairs.push(hs_id);
    }
    let (_, summary) = world.cycle();
    assert_eq!(summary.created, 3, "{summary:?}");
    let pairs = pairs
        .into_iter()
        .map(|hs| {
            let sf = world.link_of_hs("accounts", &hs).expect("linked");
            (hs, sf)
        })
        .collect();
    (world, pairs)
}

fn counts(world: &World) -> (usize, usize) {
    (
        world.count(System::Hubspot, "companies"),
        world.count(System::Salesforce, "Account"),
    )
}

/// Deletes the pair's record on `deleted_in`, plans and applies; checks the plan deletes
/// exactly the partner, with the propagate rule.
fn delete_and_expect_partner_deleted(
    world: &mut World,
    pair: &(String, String),
    deleted_in: System,
) {
    let (object, id, partner_target, partner_id) = match deleted_in {
        System::Hubspot => ("companies", &pair.0, System::Salesforce, &pair.1),
        System::Salesforce => ("Account", &pair.1, System::Hubspot, &pair.0),
    };
    world
        .control()
        .act_delete(deleted_in, object, id)
        .expect("user deletes");
    let plan = world.plan();
    let changes = &plan.syncs[0].changes;
    assert_eq!(changes.len(), 1, "{}", render(&plan));
    assert_eq!(changes[0].action, Action::Delete, "{}", render(&plan));
    assert_eq!(changes[0].target, partner_target);
    let planned_id = match partner_target {
        System::Hubspot => changes[0].hs_id.as_ref(),
        System::Salesforce => changes[0].sf_id.as_ref(),
    };
    assert_eq!(planned_id, Some(partner_id));
    assert!(
        changes[0].fields.is_empty()
            || changes[0].fields.iter().all(
                |f| matches!(f.rule, Rule::DeletePropagated { from, .. } if from == deleted_in)
            ),
        "{}",
        render(&plan)
    );
    let summary = world.apply(&plan);
    assert_eq!(summary.deleted, 1, "{summary:?}");
    assert!(summary.complete(), "{summary:?}");
}

#[test]
fn archive_policy_deletes_the_salesforce_partner_of_a_deleted_hubspot_company() {
    let (mut world, pairs) = three_linked_pairs("archive", None);
    delete_and_expect_partner_deleted(&mut world, &pairs[0], System::Hubspot);
    assert_eq!(counts(&world), (2, 2));
    assert!(
        world
            .control()
            .record(System::Salesforce, "Account", &pairs[1].1)
            .is_some(),
        "the other pairs are untouched"
    );
    assert_quiet(&mut world, 3);
    assert_eq!(counts(&world), (2, 2), "nothing re-created");
}

#[test]
fn archive_policy_archives_the_hubspot_partner_of_a_deleted_salesforce_account() {
    let (mut world, pairs) = three_linked_pairs("archive", None);
    delete_and_expect_partner_deleted(&mut world, &pairs[2], System::Salesforce);
    assert_eq!(counts(&world), (2, 2));
    assert_quiet(&mut world, 3);
    assert_eq!(counts(&world), (2, 2), "nothing re-created");
}

#[test]
fn propagate_policy_deletes_the_salesforce_partner_of_a_deleted_hubspot_company() {
    let (mut world, pairs) = three_linked_pairs("propagate", None);
    delete_and_expect_partner_deleted(&mut world, &pairs[1], System::Hubspot);
    assert_eq!(counts(&world), (2, 2));
    assert_quiet(&mut world, 3);
    assert_eq!(counts(&world), (2, 2), "nothing re-created");
}

#[test]
fn ignore_policy_keeps_the_salesforce_survivor_of_a_deleted_hubspot_company_even_when_edited() {
    let (mut world, pairs) = three_linked_pairs("ignore", None);
    world
        .control()
        .act_delete(System::Hubspot, "companies", &pairs[0].0)
        .expect("user deletes");
    assert_quiet(&mut world, 2);
    assert_eq!(counts(&world), (2, 3));
    // Editing the survivor later neither re-creates its partner nor errors.
    world.update(
        System::Salesforce,
        "Account",
        &pairs[0].1,
        json!({"Name": "Acme Survivor"}),
    );
    let (plan, summary) = world.cycle();
    assert!(
        plan.syncs[0]
            .changes
            .iter()
            .all(|c| c.action != Action::Create),
        "{}",
        render(&plan)
    );
    assert_eq!(summary.created + summary.rejected, 0, "{summary:?}");
    assert_eq!(counts(&world), (2, 3));
    assert!(world.store().queued_errors().expect("errors").is_empty());
    assert_quiet(&mut world, 2);
}

#[test]
fn deletes_over_the_limit_fail_the_plan_and_delete_nothing() {
    let (mut world, pairs) = three_linked_pairs("propagate", Some(1));
    for (hs_id, _) in &pairs[..2] {
        world
            .control()
            .act_delete(System::Hubspot, "companies", hs_id)
            .expect("user deletes");
    }
    let plan = world.plan();
    assert_eq!(plan.limit_violations.len(), 1, "{}", render(&plan));
    let violation = &plan.limit_violations[0];
    assert_eq!(
        (violation.kind.as_str(), violation.limit, violation.planned),
        ("deletes", 1, 2)
    );
    let refused = world.try_apply(&plan);
    assert!(
        matches!(
            refused,
            Err(SessionError::Apply(
                tandem::runtime::ApplyError::LimitExceeded { .. }
            ))
        ),
        "{refused:?}"
    );
    assert_eq!(counts(&world), (1, 3), "no Salesforce account was deleted");
}
