//! One apply converges: after it, the next plan has nothing to do, also for values the CRMs
//! compute or normalise themselves, and for records that share a match key. Over real HTTP
//! against the sandbox.

use crate::e2e_support;

use e2e_support::*;
use serde_json::json;
use tandem::schema::System;

/// A one-way value computed from the record tandem creates in the same apply
/// (`hs.type <- sf.Type via {… else => "OTHER"}` on an Account created from a company) is
/// written with the create, not by a second apply.
#[test]
fn one_way_value_computed_from_a_record_created_in_the_same_apply_is_written_with_it() {
    let spec = r#"connection hs: hubspot
connection sf: salesforce

sync accounts: hs.companies <-> sf.Account {
  match hs.salesforceaccountid = sf.Id
  match domain(hs.domain) = domain(sf.Website)
  create in hs, sf
  conflict prefer sf

  hs.name   <-> sf.Name
  hs.domain <-> sf.Website transform "https://" + hs.domain reverse domain(sf.Website)
  hs.type   <-  sf.Type via { "Prospect" => "PROSPECT" else => "OTHER" }
}
"#;
    let mut world = World::new(spec);
    let company = world.create(
        System::Hubspot,
        "companies",
        json!({"name": "Initech", "domain": "initech.example"}),
    );
    world.create(
        System::Salesforce,
        "Account",
        json!({"Name": "Umbrella", "Website": "https://umbrella.example", "Type": "Prospect"}),
    );
    let (plan, summary) = world.cycle();
    assert_eq!(summary.created, 2, "{}", render(&plan));
    assert_eq!(
        world
            .field(System::Hubspot, "companies", &company, "type")
            .as_deref(),
        Some("OTHER"),
        "{}",
        render(&plan)
    );
    assert_quiet(&mut world, 2);
}

/// A Lead created from a HubSpot contact gets Salesforce's default `Status`; the lead status
/// computed from it flows back in the same apply.
#[test]
fn value_computed_from_a_default_the_crm_fills_in_is_written_with_the_create() {
    let spec = r#"connection hs: hubspot
connection sf: salesforce

sync leads: hs.contacts <-> sf.Lead {
  match lower(hs.email) = lower(sf.Email)
  create in sf
  conflict prefer sf

  hs.email     <-> sf.Email
  hs.firstname <-> sf.FirstName
  hs.lastname  <-> sf.LastName
  hs.company   <-> sf.Company
  hs.hs_lead_status <- if sf.Status = "Working - Contacted" then "IN_PROGRESS" else "NEW"
}
"#;
    let mut world = World::new(spec);
    let contact = world.create(
        System::Hubspot,
        "contacts",
        json!({"email": "ada@example.com", "firstname": "Ada", "lastname": "Lovelace",
               "company": "Analytical Engines"}),
    );
    let (plan, summary) = world.cycle();
    assert_eq!(summary.created, 1, "{}", render(&plan));
    assert_eq!(
        world
            .field(System::Hubspot, "contacts", &contact, "hs_lead_status")
            .as_deref(),
        Some("NEW"),
        "{}",
        render(&plan)
    );
    assert_quiet(&mut world, 2);
}

/// Two companies with the same domain and no Account: creating both would make duplicate
/// Accounts, so neither is created and the plan says why; once one is renamed away, the
/// other is created.
#[test]
fn two_new_records_sharing_a_match_key_are_reported_not_both_created() {
    let mut world = World::new(&accounts_spec("newest", "ignore", 5000));
    let first = world.create(
        System::Hubspot,
        "companies",
        json!({"name": "Acme", "domain": "acme.example"}),
    );
    let second = world.create(
        System::Hubspot,
        "companies",
        json!({"name": "Acme Inc", "domain": "acme.example"}),
    );
    let plan = world.plan();
    let accounts = &plan.syncs[0];
    assert!(accounts.changes.is_empty(), "{}", render(&plan));
    let mut reported: Vec<(&str, &[String])> = accounts
        .ambiguous
        .iter()
        .map(|a| (a.id.as_str(), a.shares_key_with.as_slice()))
        .collect();
    reported.sort();
    assert_eq!(
        reported,
        vec![
            (first.as_str(), std::slice::from_ref(&second)),
            (second.as_str(), std::slice::from_ref(&first)),
        ]
    );
    let text = render(&plan);
    assert!(
        text.contains(&format!("hs {first} shares key \"acme.example\"")),
        "{text}"
    );
    world.apply(&plan);
    assert_eq!(world.count(System::Salesforce, "Account"), 0);
    // The second company moves to its own domain: both are created, once each.
    world.update(
        System::Hubspot,
        "companies",
        &second,
        json!({"domain": "acme-inc.example"}),
    );
    let (plan, summary) = world.cycle();
    assert_eq!(summary.created, 2, "{}", render(&plan));
    assert_eq!(world.count(System::Salesforce, "Account"), 2);
    assert_quiet(&mut world, 2);
}

const HALF_WRITTEN_SPEC: &str = r#"connection hs: hubspot
connection sf: salesforce

map deal_stage: hs.deals.dealstage <-> sf.Opportunity.StageName {
  "appointmentscheduled" <=> "Prospecting"
  "closedwon"            <=> "Closed Won"
  else error
}

sync deals: hs.deals <-> sf.Opportunity {
  match hs.hs_salesforceopportunityid = sf.Id
  match hs.dealname = sf.Name
  conflict prefer sf

  hs.dealname     <-> sf.Name
  hs.dealstage    <-> sf.StageName via deal_stage
  hs.pipeline     <-  "default"
  hs.hs_object_id ->  sf.HubSpot_Deal_Id__c
}
"#;

/// A pair matched by name whose HubSpot write cannot be computed (a stage the map does not
/// list): neither side gets the other's id, so the CRMs never hold half a link.
#[test]
fn a_pair_whose_one_side_cannot_be_written_gets_no_half_of_the_link() {
    let mut world = World::new(HALF_WRITTEN_SPEC);
    let deal = world.create(
        System::Hubspot,
        "deals",
        json!({"dealname": "Big Deal", "pipeline": "default", "dealstage": "appointmentscheduled"}),
    );
    let opportunity = world.create(
        System::Salesforce,
        "Opportunity",
        json!({"Name": "Big Deal", "StageName": "Perception Analysis", "CloseDate": "2026-12-31"}),
    );
    let (plan, _) = world.cycle();
    let deals = &plan.syncs[0];
    assert_eq!(deals.will_fail.len(), 1, "{}", render(&plan));
    assert_eq!(deals.will_fail[0].target, System::Hubspot);
    assert!(deals.changes.is_empty(), "{}", render(&plan));
    assert_eq!(
        world.field(
            System::Salesforce,
            "Opportunity",
            &opportunity,
            "HubSpot_Deal_Id__c"
        ),
        None,
        "Salesforce got HubSpot's half of the link"
    );
    assert_eq!(
        world.field(
            System::Hubspot,
            "deals",
            &deal,
            "hs_salesforceopportunityid"
        ),
        None
    );
    // Once the stage is one the map lists, both halves are written in one apply.
    world.update(
        System::Salesforce,
        "Opportunity",
        &opportunity,
        json!({"StageName": "Closed Won"}),
    );
    world.cycle();
    assert_eq!(
        world
            .field(
                System::Salesforce,
                "Opportunity",
                &opportunity,
                "HubSpot_Deal_Id__c"
            )
            .as_deref(),
        Some(deal.as_str())
    );
    assert_eq!(
        world
            .field(
                System::Hubspot,
                "deals",
                &deal,
                "hs_salesforceopportunityid"
            )
            .as_deref(),
        Some(opportunity.as_str())
    );
    assert_quiet(&mut world, 2);
}
