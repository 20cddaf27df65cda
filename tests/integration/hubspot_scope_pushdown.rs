//! A scoped sync's full HubSpot read sends the scope as CRM search filters, so only matching
//! records cross the wire, past the 10,000-result search cap; incremental reads stay
//! unfiltered so a record that left the scope is still seen. Over real HTTP to the sandbox.

use crate::e2e_support;

use e2e_support::*;
use serde_json::json;
use tandem::runtime::HubSpotCrm;
use tandem::runtime::{Crm, ReadRequest};
use tandem::schema::System;

const LEADS_SPEC: &str = r#"connection hs: hubspot
connection sf: salesforce

sync leads: hs.contacts <-> sf.Lead {
  match lower(trim(hs.email)) = lower(trim(sf.Email))
  only hs.lifecyclestage in ["marketingqualifiedlead", "salesqualifiedlead"]
       and hs.country = "US"
  create in sf
  conflict prefer sf

  hs.email    <-> sf.Email
  hs.lastname <-> sf.LastName default "Unknown"
  hs.company  ->  sf.Company  default "Unknown"
}
"#;

/// A world whose HubSpot client and sandbox let searches run unpaced, so a large read stays
/// fast (the 5-per-second pacing is the connectors' own tested business).
fn unpaced_world() -> World {
    let mut world = World::new(LEADS_SPEC);
    let control = world.control();
    let mut limits = control.limits(System::Hubspot);
    limits.search_per_second = 100_000;
    limits.burst_max = 100_000;
    control.set_limits(System::Hubspot, limits);
    let config = tandem::connectors::config::from_variables(&world.env()).expect("config");
    let mut hubspot = config.hubspot().expect("hs").clone();
    hubspot.limits.search_per_second = 0;
    hubspot.limits.burst_per_window = 0;
    *world.session.hubspot_mut() = HubSpotCrm {
        client: tandem::connectors::HubSpotClient::new(&hubspot).expect("client"),
    };
    world
}

fn contact(world: &World, i: usize, stage: &str, country: &str) -> String {
    world.create(
        System::Hubspot,
        "contacts",
        json!({
            "email": format!("person{i}@example.com"),
            "lastname": format!("Person {i}"),
            "lifecyclestage": stage,
            "country": country,
        }),
    )
}

struct Read {
    ids: Vec<String>,
    calls: u64,
}

fn read_hubspot(world: &mut World, scoped: bool, since: Option<&serde_json::Value>) -> Read {
    let side = world.session.program().syncs[0].hs.clone();
    let before = world.session.hubspot().calls();
    let result = world
        .rt
        .block_on(world.session.hubspot_mut().read(&ReadRequest {
            object: &side.object,
            fields: &side.read_fields,
            pushdown: if scoped { side.pushdown.as_ref() } else { None },
            since,
            include_deleted: false,
        }))
        .expect("read");
    let mut ids: Vec<String> = result.records.into_iter().map(|r| r.id).collect();
    ids.sort();
    Read {
        ids,
        calls: world.session.hubspot().calls() - before,
    }
}

#[test]
fn scoped_full_read_returns_only_matching_records_past_the_search_cap() {
    let mut world = unpaced_world();
    assert!(
        world.session.program().syncs[0].hs.pushdown.is_some(),
        "the scope compiles to search filters"
    );
    let mut in_scope = Vec::new();
    for i in 0..10_050 {
        let stage = if i % 2 == 0 {
            "marketingqualifiedlead"
        } else {
            "salesqualifiedlead"
        };
        in_scope.push(contact(&world, i, stage, "US"));
    }
    for i in 10_050..12_050 {
        // Out of scope by stage, by country, or by both.
        let (stage, country) = match i % 3 {
            0 => ("subscriber", "US"),
            1 => ("marketingqualifiedlead", "CA"),
            _ => ("lead", "DE"),
        };
        contact(&world, i, stage, country);
    }
    in_scope.sort();
    let scoped = read_hubspot(&mut world, true, None);
    assert_eq!(scoped.ids.len(), 10_050, "every matching record, once");
    assert_eq!(scoped.ids, in_scope, "exactly the records in scope");
    let unscoped = read_hubspot(&mut world, false, None);
    assert_eq!(unscoped.ids.len(), 12_050);
    // 200 per search page, with one restart at the 10,000-result cap, against 100 per list
    // page for everything.
    assert_eq!(scoped.calls, 51, "search pages for 10,050 records");
    assert_eq!(unscoped.calls, 121, "list pages for 12,050 records");
    let counters = world.control().counters(System::Hubspot);
    let searches: u64 = counters
        .iter()
        .filter(|(endpoint, _)| endpoint.starts_with("POST ") && endpoint.ends_with("/search"))
        .map(|(_, calls)| calls)
        .sum();
    assert_eq!(
        searches, 51,
        "the scoped read went through search: {counters:?}"
    );
}

#[test]
fn incremental_read_after_a_scoped_full_read_still_sees_a_record_that_left_the_scope() {
    let mut world = unpaced_world();
    let staying = contact(&world, 1, "marketingqualifiedlead", "US");
    let leaving = contact(&world, 2, "salesqualifiedlead", "US");
    let joining = contact(&world, 3, "subscriber", "US");
    contact(&world, 4, "lead", "FR");
    let (first, summary) = world.cycle();
    assert_eq!(summary.created, 2, "{summary:?}");
    assert!(!first.read_cursors["leads"].incremental);
    world.update(
        System::Hubspot,
        "contacts",
        &leaving,
        json!({"country": "CA"}),
    );
    world.update(
        System::Hubspot,
        "contacts",
        &joining,
        json!({"lifecyclestage": "marketingqualifiedlead"}),
    );
    let cursor = first.read_cursors["leads"].hs.clone().expect("cursor");
    let changed = read_hubspot(&mut world, true, Some(&cursor));
    assert!(changed.ids.contains(&leaving), "{:?}", changed.ids);
    assert!(changed.ids.contains(&joining), "{:?}", changed.ids);
    assert!(!changed.ids.contains(&staying), "{:?}", changed.ids);
    let plan = world.plan();
    assert!(plan.read_cursors["leads"].incremental);
    assert_eq!(plan.totals().sf.creates, 1, "the contact that joined");
    assert_eq!(
        plan.totals().sf.updates,
        0,
        "the one that left is left alone"
    );
    world.apply(&plan);
    assert_eq!(world.count(System::Salesforce, "Lead"), 3);
    let last = world.plan();
    assert!(!last.has_changes());
}
