//! The first sync both ways and incremental edits, checked value by value over real HTTP:
//! what each created record holds (transforms both ways, the id link, `keep when blank`),
//! and that values a CRM normalises (numbers, URLs) are never echoed back.

use crate::e2e_support;

use e2e_support::*;
use serde_json::json;
use tandem::schema::System;

#[test]
fn backfill_both_ways_writes_every_mapped_value_transformed_and_links_ids() {
    let mut world = World::new(&accounts_spec("newest", "ignore", 500));
    let hub = world.create(
        System::Hubspot,
        "companies",
        json!({"name": "Hub Co", "domain": "hub.example", "numberofemployees": "40", "phone": "+1 555 0101"}),
    );
    let force = world.create(
        System::Salesforce,
        "Account",
        json!({"Name": "Force Co", "Website": "https://www.force.example/about", "NumberOfEmployees": 12, "Phone": "+1 555 0202"}),
    );
    let plan = world.plan();
    let totals = plan.totals();
    assert_eq!(
        (totals.hs.creates, totals.sf.creates, totals.links),
        (1, 1, 0),
        "{}",
        render(&plan)
    );
    let summary = world.apply(&plan);
    assert_eq!((summary.created, summary.linked), (2, 0), "{summary:?}");
    let hub_partner = world.link_of_hs("accounts", &hub).expect("Hub Co linked");
    let force_partner = world
        .store()
        .partner("accounts", "sf", &force)
        .expect("partner")
        .expect("Force Co linked");
    let sf = |id: &str, field: &str| world.field(System::Salesforce, "Account", id, field);
    let hs = |id: &str, field: &str| world.field(System::Hubspot, "companies", id, field);
    assert_eq!(sf(&hub_partner, "Name").as_deref(), Some("Hub Co"));
    assert_eq!(
        sf(&hub_partner, "Website").as_deref(),
        Some("https://hub.example"),
        "transform \"https://\" + hs.domain"
    );
    assert_eq!(sf(&hub_partner, "NumberOfEmployees").as_deref(), Some("40"));
    assert_eq!(sf(&hub_partner, "Phone").as_deref(), Some("+1 555 0101"));
    assert_eq!(hs(&force_partner, "name").as_deref(), Some("Force Co"));
    assert_eq!(
        hs(&force_partner, "domain").as_deref(),
        Some("force.example"),
        "reverse domain(sf.Website)"
    );
    assert_eq!(
        hs(&force_partner, "numberofemployees").as_deref(),
        Some("12")
    );
    assert_eq!(hs(&force_partner, "phone").as_deref(), Some("+1 555 0202"));
    // `match hs.salesforceaccountid = sf.Id`: both HubSpot companies carry their partner's id.
    assert_eq!(
        hs(&force_partner, "salesforceaccountid").as_deref(),
        Some(force.as_str())
    );
    assert_eq!(
        hs(&hub, "salesforceaccountid").as_deref(),
        Some(hub_partner.as_str())
    );
    assert_eq!(
        (
            world.count(System::Hubspot, "companies"),
            world.count(System::Salesforce, "Account")
        ),
        (2, 2)
    );
    assert_quiet(&mut world, 3);
}

#[test]
fn incremental_edits_of_normalised_values_flow_once_and_are_not_echoed() {
    let mut world = World::new(&accounts_spec("newest", "ignore", 500));
    let hub = world.create(
        System::Hubspot,
        "companies",
        json!({"name": "Hub Co", "domain": "hub.example", "numberofemployees": "40"}),
    );
    world.cycle();
    let sf_id = world.link_of_hs("accounts", &hub).expect("linked");
    // Salesforce edits a number and the URL a transform reads back; HubSpot edits the phone.
    world.update(
        System::Salesforce,
        "Account",
        &sf_id,
        json!({"NumberOfEmployees": 250, "Website": "http://www.hub-renamed.example/"}),
    );
    world.update(
        System::Hubspot,
        "companies",
        &hub,
        json!({"phone": "+1 555 0303"}),
    );
    let plan = world.plan();
    assert!(plan.read_cursors["accounts"].incremental);
    let mut fields: Vec<(System, String, serde_json::Value)> = plan.syncs[0]
        .changes
        .iter()
        .flat_map(|c| {
            c.fields
                .iter()
                .map(move |f| (c.target, f.field.to_string(), f.new.known_or_null()))
        })
        .collect();
    fields.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(
        fields,
        vec![
            (System::Salesforce, "Phone".into(), json!("+1 555 0303")),
            (
                System::Hubspot,
                "domain".into(),
                json!("hub-renamed.example")
            ),
            (System::Hubspot, "numberofemployees".into(), json!(250)),
        ],
        "{}",
        render(&plan)
    );
    let summary = world.apply(&plan);
    assert_eq!(summary.updated, 2, "one update per side: {summary:?}");
    assert_eq!(
        world
            .field(System::Hubspot, "companies", &hub, "numberofemployees")
            .as_deref(),
        Some("250")
    );
    assert_eq!(
        world
            .field(System::Hubspot, "companies", &hub, "domain")
            .as_deref(),
        Some("hub-renamed.example")
    );
    assert_eq!(
        world
            .field(System::Salesforce, "Account", &sf_id, "Website")
            .as_deref(),
        Some("http://www.hub-renamed.example/"),
        "the source's own spelling is not rewritten by the reverse transform"
    );
    assert_quiet(&mut world, 3);
}
