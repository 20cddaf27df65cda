//! Association mappings end to end over real HTTP against the sandbox:
//! `hs.companies(associated) <-> sf.AccountId through accounts`.
//!
//! The HubSpot side is the deal's associated company (its primary one when it has several),
//! translated through the `accounts` sync's links and merged with `AccountId` like any field.

use crate::e2e_support;

use e2e_support::*;
use serde_json::json;
use tandem::connectors::{AssociationInput, AssociationType};
use tandem::plan::Plan;
use tandem::schema::System;

const DEALS_SPEC: &str = r#"connection hs: hubspot
connection sf: salesforce

sync accounts: hs.companies <-> sf.Account {
  match hs.salesforceaccountid = sf.Id
  match domain(hs.domain) = domain(sf.Website)
  create in ACCOUNT_CREATES
  conflict newest

  hs.name   <-> sf.Name
  hs.domain <-> sf.Website transform "https://" + hs.domain reverse domain(sf.Website)
}

map deal_stage: hs.deals.dealstage <-> sf.Opportunity.StageName {
  "appointmentscheduled" <=> "Prospecting"
  "qualifiedtobuy"       <=> "Qualification"
  "closedwon"            <=> "Closed Won"
  else error
}

sync deals: hs.deals <-> sf.Opportunity {
  match hs.hs_salesforceopportunityid = sf.Id
  create in hs, sf
  conflict prefer sf

  hs.dealname              <-> sf.Name
  hs.closedate             <-> sf.CloseDate transform date(hs.closedate) reverse sf.CloseDate
  hs.dealstage             <-> sf.StageName via deal_stage
  hs.pipeline              <-  "default"
  hs.companies(associated) <-> sf.AccountId through accounts
}
"#;

/// Deal → company: 341 is the unlabeled default type, 5 the primary.
const DEAL_TO_COMPANY: u32 = 341;
const DEAL_TO_PRIMARY_COMPANY: u32 = 5;

fn world() -> World {
    World::new(&DEALS_SPEC.replace("ACCOUNT_CREATES", "hs, sf"))
}

fn render(plan: &Plan) -> String {
    tandem::plan::view::render_human(plan, Default::default())
}

fn company(world: &World, name: &str, domain: &str) -> String {
    world.create(
        System::Hubspot,
        "companies",
        json!({"name": name, "domain": domain}),
    )
}

fn account(world: &World, name: &str, website: &str) -> String {
    world.create(
        System::Salesforce,
        "Account",
        json!({"Name": name, "Website": website}),
    )
}

fn deal(world: &World, name: &str) -> String {
    world.create(
        System::Hubspot,
        "deals",
        json!({"dealname": name, "dealstage": "appointmentscheduled", "pipeline": "default",
               "closedate": "2026-12-31T00:00:00Z"}),
    )
}

fn opportunity(world: &World, name: &str, account: Option<&str>) -> String {
    let mut fields = json!({"Name": name, "StageName": "Prospecting", "CloseDate": "2026-12-31"});
    if let Some(account) = account {
        fields["AccountId"] = json!(account);
    }
    world.create(System::Salesforce, "Opportunity", fields)
}

/// Associates a deal with a company as a HubSpot user (or another integration) would, over
/// the v4 API; `primary` also sets the "Primary" type.
fn associate(world: &World, deal: &str, company: &str, primary: bool) {
    let mut types = vec![AssociationType::hubspot_defined(DEAL_TO_COMPANY)];
    if primary {
        types.push(AssociationType::hubspot_defined(DEAL_TO_PRIMARY_COMPANY));
    }
    let report = world
        .rt
        .block_on(world.session.hubspot().client.batch_associate(
            "deals",
            "companies",
            &[AssociationInput {
                key: "user".into(),
                from_id: deal.into(),
                to_id: company.into(),
                types,
            }],
        ));
    assert!(
        report.outcomes.iter().all(|o| o.result.is_ok()),
        "{report:?}"
    );
}

/// The deal's associated companies, sorted, with whether each is primary.
fn companies_of(world: &World, deal: &str) -> Vec<(String, bool)> {
    let read = world
        .rt
        .block_on(world.session.hubspot().client.read_associations(
            "deals",
            "companies",
            &[deal.to_string()],
        ))
        .expect("association read");
    let mut out: Vec<(String, bool)> = read
        .get(deal)
        .map(|records| {
            records
                .iter()
                .map(|r| (r.to_id.clone(), r.is_primary()))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn deal_of_opportunity(world: &World, opportunity: &str) -> String {
    world
        .store()
        .partner("deals", "sf", opportunity)
        .expect("state")
        .expect("the opportunity is linked to a deal")
}

fn assert_quiet(world: &mut World, rounds: usize) {
    for round in 0..rounds {
        let (plan, _) = world.cycle();
        assert!(!plan.has_changes(), "round {round}:\n{}", render(&plan));
    }
}

#[test]
fn backfill_both_ways_sets_account_id_and_creates_the_association() {
    let mut world = world();
    let acme_sf = account(&world, "Acme", "https://acme.example");
    let acme_deal_sf = opportunity(&world, "Acme renewal", Some(&acme_sf));
    let globex_hs = company(&world, "Globex", "globex.example");
    let globex_deal_hs = deal(&world, "Globex expansion");
    associate(&world, &globex_deal_hs, &globex_hs, true);

    let (plan, summary) = world.cycle();
    assert!(summary.complete(), "{summary:?}");
    let view = render(&plan);
    assert!(view.contains("companies(associated)"), "{view}");
    assert!(view.contains("AccountId"), "{view}");

    // Salesforce → HubSpot: the new deal is created already associated with Acme's company,
    // which the `accounts` sync created in the same apply.
    let acme_hs = world
        .store()
        .partner("accounts", "sf", &acme_sf)
        .expect("state")
        .expect("Acme linked");
    let acme_deal_hs = deal_of_opportunity(&world, &acme_deal_sf);
    assert_eq!(companies_of(&world, &acme_deal_hs), vec![(acme_hs, true)]);

    // HubSpot → Salesforce: the new opportunity's AccountId is Globex's new account.
    let globex_sf = world
        .link_of_hs("accounts", &globex_hs)
        .expect("Globex linked");
    let globex_deal_sf = world
        .link_of_hs("deals", &globex_deal_hs)
        .expect("deal linked");
    assert_eq!(
        world.field(
            System::Salesforce,
            "Opportunity",
            &globex_deal_sf,
            "AccountId"
        ),
        Some(globex_sf)
    );
    assert_quiet(&mut world, 3);
}

#[test]
fn linked_pair_gets_its_association_from_salesforce_account_id() {
    let mut world = world();
    let opportunity_sf = opportunity(&world, "Initech upgrade", None);
    world.cycle();
    let deal_hs = deal_of_opportunity(&world, &opportunity_sf);
    assert!(companies_of(&world, &deal_hs).is_empty());
    // A sales rep sets the account in Salesforce afterwards.
    let initech_sf = account(&world, "Initech", "https://initech.example");
    world.update(
        System::Salesforce,
        "Opportunity",
        &opportunity_sf,
        json!({"AccountId": initech_sf}),
    );
    let (plan, summary) = world.cycle();
    assert!(summary.complete(), "{summary:?}");
    let initech_hs = world
        .store()
        .partner("accounts", "sf", &initech_sf)
        .expect("state")
        .expect("Initech linked");
    let view = render(&plan);
    assert!(
        view.contains(&format!(
            "companies(associated): (blank) → (new: sf {initech_sf} via accounts)"
        )),
        "{view}"
    );
    assert_eq!(companies_of(&world, &deal_hs), vec![(initech_hs, true)]);
    assert_quiet(&mut world, 2);
}

#[test]
fn moving_the_opportunity_to_another_account_in_salesforce_moves_the_deal_in_hubspot() {
    let mut world = world();
    let first_sf = account(&world, "First", "https://first.example");
    let second_sf = account(&world, "Second", "https://second.example");
    let opportunity_sf = opportunity(&world, "Big deal", Some(&first_sf));
    world.cycle();
    let deal_hs = deal_of_opportunity(&world, &opportunity_sf);
    let first_hs = world
        .store()
        .partner("accounts", "sf", &first_sf)
        .expect("state")
        .expect("linked");
    let second_hs = world
        .store()
        .partner("accounts", "sf", &second_sf)
        .expect("state")
        .expect("linked");
    assert_eq!(
        companies_of(&world, &deal_hs),
        vec![(first_hs.clone(), true)]
    );

    world.update(
        System::Salesforce,
        "Opportunity",
        &opportunity_sf,
        json!({"AccountId": second_sf}),
    );
    let plan = world.plan();
    let view = render(&plan);
    assert!(
        view.contains(&format!(
            "companies(associated): \"{first_hs}\" → \"{second_hs}\""
        )),
        "the move is shown like a field change:\n{view}"
    );
    let summary = world.apply(&plan);
    assert!(summary.complete(), "{summary:?}");
    assert_eq!(summary.updated, 1, "{summary:?}");
    // The old association is removed, so HubSpot mirrors Salesforce.
    assert_eq!(companies_of(&world, &deal_hs), vec![(second_hs, true)]);
    assert_quiet(&mut world, 2);
}

#[test]
fn moving_the_deal_to_another_company_in_hubspot_moves_the_opportunity_in_salesforce() {
    let mut world = world();
    let first_hs = company(&world, "Umbrella", "umbrella.example");
    let second_hs = company(&world, "Hooli", "hooli.example");
    let deal_hs = deal(&world, "Umbrella pilot");
    associate(&world, &deal_hs, &first_hs, true);
    world.cycle();
    let opportunity_sf = world.link_of_hs("deals", &deal_hs).expect("linked");
    let second_sf = world.link_of_hs("accounts", &second_hs).expect("linked");
    // The user makes Hooli the deal's primary company; Umbrella stays associated, unlabeled.
    // An association change does not touch the deal's modified date, so only the
    // association re-read of linked deals can see it.
    let modified_before = world.field(System::Hubspot, "deals", &deal_hs, "hs_lastmodifieddate");
    assert!(modified_before.is_some());
    associate(&world, &deal_hs, &second_hs, true);
    assert_eq!(
        world.field(System::Hubspot, "deals", &deal_hs, "hs_lastmodifieddate"),
        modified_before,
        "the association change left the deal's modified date alone"
    );
    let mut expected = vec![(first_hs.clone(), false), (second_hs.clone(), true)];
    expected.sort();
    assert_eq!(companies_of(&world, &deal_hs), expected);
    let plan = world.plan();
    assert!(plan.read_cursors["deals"].incremental);
    let view = render(&plan);
    assert!(view.contains("AccountId"), "{view}");
    let summary = world.apply(&plan);
    assert!(summary.complete(), "{summary:?}");
    assert_eq!(
        world.field(
            System::Salesforce,
            "Opportunity",
            &opportunity_sf,
            "AccountId"
        ),
        Some(second_sf)
    );
    assert_quiet(&mut world, 2);
}

#[test]
fn deal_whose_company_is_not_synced_is_reported_as_will_fail() {
    // Accounts are only created in HubSpot here, so a HubSpot-only company never gets a
    // Salesforce account and its deal's AccountId cannot be translated.
    let mut world = World::new(&DEALS_SPEC.replace("ACCOUNT_CREATES", "hs"));
    let lonely_hs = company(&world, "Lonely", "lonely.example");
    let deal_hs = deal(&world, "Lonely deal");
    associate(&world, &deal_hs, &lonely_hs, true);
    let plan = world.plan();
    let deals = plan
        .syncs
        .iter()
        .find(|s| s.name == "deals")
        .expect("deals");
    assert_eq!(deals.will_fail.len(), 1, "{}", render(&plan));
    let reason = deals.will_fail[0].reason_text();
    assert!(
        reason.contains("sf.AccountId")
            && reason.contains(&lonely_hs)
            && reason.contains("not linked through `accounts`"),
        "{reason}"
    );
    let summary = world.apply(&plan);
    assert_eq!(
        world.count(System::Salesforce, "Opportunity"),
        0,
        "{summary:?}"
    );
}

#[test]
fn deal_with_several_companies_and_no_primary_is_never_guessed() {
    let mut world = world();
    let a = company(&world, "Alpha", "alpha.example");
    let b = company(&world, "Beta", "beta.example");
    let deal_hs = deal(&world, "Shared deal");
    associate(&world, &deal_hs, &a, false);
    associate(&world, &deal_hs, &b, false);
    let plan = world.plan();
    let deals = plan
        .syncs
        .iter()
        .find(|s| s.name == "deals")
        .expect("deals");
    assert_eq!(deals.will_fail.len(), 1, "{}", render(&plan));
    let reason = deals.will_fail[0].reason_text();
    assert!(
        reason.contains("2 associated companies") && reason.contains("none is primary"),
        "{reason}"
    );
}

#[test]
fn rerun_after_a_crash_between_association_create_and_removal_finishes_the_move() {
    let mut world = world();
    let first_sf = account(&world, "Soylent", "https://soylent.example");
    let second_sf = account(&world, "Tyrell", "https://tyrell.example");
    let opportunity_sf = opportunity(&world, "Replicants", Some(&first_sf));
    world.cycle();
    let deal_hs = deal_of_opportunity(&world, &opportunity_sf);
    let linked = |world: &World, sf: &str| {
        world
            .store()
            .partner("accounts", "sf", sf)
            .expect("state")
            .expect("linked")
    };
    let (first_hs, second_hs) = (linked(&world, &first_sf), linked(&world, &second_sf));
    world.update(
        System::Salesforce,
        "Opportunity",
        &opportunity_sf,
        json!({"AccountId": second_sf}),
    );
    let plan = world.plan();
    assert_eq!(plan.totals().hs.updates, 1, "{}", render(&plan));
    // The state a kill -9 leaves mid-move: the journaled intent is pending, the new primary
    // association was created, the removal of the old one was never sent.
    let intent = tandem::runtime::crm::AssociationWrite {
        field: "companies(associated)".into(),
        to_object: "companies".into(),
        id: Some(second_hs.clone()),
        remove: vec![first_hs.clone()],
        type_ids: vec![DEAL_TO_COMPANY, DEAL_TO_PRIMARY_COMPANY],
    };
    world
        .session
        .store_mut()
        .write(|w| {
            w.journal_intent(
                "crashed-run",
                "deals",
                "update",
                "hs",
                &deal_hs,
                &serde_json::to_value(tandem::runtime::RecordWrite {
                    fields: Default::default(),
                    associations: vec![intent],
                })
                .expect("a write serializes"),
            )
        })
        .expect("journal");
    associate(&world, &deal_hs, &second_hs, true);
    let mut both = vec![(first_hs.clone(), false), (second_hs.clone(), true)];
    both.sort();
    assert_eq!(companies_of(&world, &deal_hs), both);

    // The re-run reads everything (work of unknown outcome is pending), finds the deal already
    // on Tyrell, and finishes the removal before anything else.
    let (plan, summary) = world.cycle();
    assert!(!plan.read_cursors["deals"].incremental);
    assert!(summary.complete(), "{summary:?}");
    assert_eq!(summary.recovered, 1, "{summary:?}");
    assert_eq!(companies_of(&world, &deal_hs), vec![(second_hs, true)]);
    assert_eq!(
        world.field(
            System::Salesforce,
            "Opportunity",
            &opportunity_sf,
            "AccountId"
        ),
        Some(second_sf)
    );
    assert_eq!(
        world.count(System::Hubspot, "deals"),
        1,
        "no duplicate deal"
    );
    assert_quiet(&mut world, 2);
}

#[test]
fn association_calls_per_record_stay_far_below_the_goal_on_a_backfill() {
    let mut world = world();
    // 10 accounts with 15 opportunities each in Salesforce; 10 companies with 15 deals each
    // in HubSpot, every deal associated with its company.
    for a in 0..10 {
        let account_sf = account(
            &world,
            &format!("Force {a}"),
            &format!("https://force{a}.example"),
        );
        for o in 0..15 {
            opportunity(&world, &format!("Force {a} deal {o}"), Some(&account_sf));
        }
        let company_hs = company(&world, &format!("Hub {a}"), &format!("hub{a}.example"));
        for d in 0..15 {
            let deal_hs = deal(&world, &format!("Hub {a} deal {d}"));
            associate(&world, &deal_hs, &company_hs, true);
        }
    }
    let before = world.control().counters(System::Hubspot);
    let (plan, summary) = world.cycle();
    assert!(summary.complete(), "{summary:?}");
    assert_eq!(summary.created, 20 + 300, "{summary:?}");
    let after = world.control().counters(System::Hubspot);
    let spent = |endpoint: &str| {
        after.get(endpoint).copied().unwrap_or(0) - before.get(endpoint).copied().unwrap_or(0)
    };
    let association_calls: u64 = after
        .keys()
        .filter(|endpoint| endpoint.contains("/crm/v4/associations"))
        .map(|endpoint| spent(endpoint))
        .sum();
    // Reading the 150 HubSpot deals' companies is one v4 batch read; the 150 deals created
    // in HubSpot carry their association inside the batch create (no call of their own).
    assert_eq!(association_calls, 1, "{after:?}");
    let deals_synced = 300.0;
    assert!(
        association_calls as f64 / deals_synced <= 0.02,
        "{association_calls} association calls for {deals_synced} deals"
    );
    let deals = plan
        .syncs
        .iter()
        .find(|s| s.name == "deals")
        .expect("deals");
    assert!(deals.will_fail.is_empty(), "{}", render(&plan));
    assert_quiet(&mut world, 1);
}

#[test]
fn singular_association_name_and_one_way_direction_compile_to_the_same_pseudo_field() {
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = DEALS_SPEC.replace("ACCOUNT_CREATES", "hs, sf").replace(
        "hs.companies(associated) <-> sf.AccountId through accounts",
        "hs.company <- sf.AccountId through accounts",
    );
    std::fs::write(dir.path().join("spec.tandem"), spec).expect("spec");
    let (program, _) = compile_dir(dir.path());
    let deals = program.sync("deals").expect("deals");
    assert!(deals.not_synced.is_empty(), "{:?}", deals.not_synced);
    let field = deals
        .fields
        .iter()
        .find(|f| f.hs_field == "companies(associated)")
        .expect("association field");
    assert_eq!(field.direction, tandem::compile::Direction::SfToHs);
    assert!(field.to_sf.is_none());
    assert_eq!(field.through.as_deref(), Some("accounts"));
    assert!(
        deals
            .hs
            .read_fields
            .contains(&"companies(associated)".to_string())
    );
    assert_eq!(deals.depends_on, vec!["accounts".to_string()]);
}

#[test]
fn hubspot_move_between_plan_and_apply_makes_the_planned_move_stale() {
    let mut world = world();
    let accounts: Vec<String> = ["Wayne", "Stark", "Oscorp"]
        .iter()
        .map(|name| {
            account(
                &world,
                name,
                &format!("https://{}.example", name.to_lowercase()),
            )
        })
        .collect();
    let opportunity_sf = opportunity(&world, "Armor", Some(&accounts[0]));
    world.cycle();
    let deal_hs = deal_of_opportunity(&world, &opportunity_sf);
    let companies: Vec<String> = accounts
        .iter()
        .map(|sf| {
            world
                .store()
                .partner("accounts", "sf", sf)
                .expect("state")
                .expect("linked")
        })
        .collect();
    world.update(
        System::Salesforce,
        "Opportunity",
        &opportunity_sf,
        json!({"AccountId": accounts[1]}),
    );
    let plan = world.plan();
    assert_eq!(plan.totals().hs.updates, 1, "{}", render(&plan));
    // Meanwhile a HubSpot user makes Oscorp the deal's primary company.
    associate(&world, &deal_hs, &companies[2], true);
    let summary = world.apply(&plan);
    assert_eq!(summary.stale, 1, "{summary:?}");
    assert_eq!(summary.updated, 0, "{summary:?}");
    let mut untouched = vec![(companies[0].clone(), false), (companies[2].clone(), true)];
    untouched.sort();
    assert_eq!(companies_of(&world, &deal_hs), untouched, "nothing written");
    // The next plan sees both moves: `prefer sf` puts the deal on Stark.
    let (plan, summary) = world.cycle();
    assert!(summary.complete(), "{summary:?}");
    let view = render(&plan);
    assert!(view.contains("[conflict: prefer sf]"), "{view}");
    let primary: Vec<String> = companies_of(&world, &deal_hs)
        .into_iter()
        .filter(|(_, primary)| *primary)
        .map(|(id, _)| id)
        .collect();
    assert_eq!(primary, vec![companies[1].clone()]);
    assert_quiet(&mut world, 2);
}

#[test]
fn rename_and_move_in_one_salesforce_edit_reach_hubspot_in_one_apply() {
    let mut world = world();
    let first_sf = account(&world, "Vandelay", "https://vandelay.example");
    let second_sf = account(&world, "Kramerica", "https://kramerica.example");
    let opportunity_sf = opportunity(&world, "Latex", Some(&first_sf));
    world.cycle();
    let deal_hs = deal_of_opportunity(&world, &opportunity_sf);
    world.update(
        System::Salesforce,
        "Opportunity",
        &opportunity_sf,
        json!({"Name": "Latex and more", "AccountId": second_sf}),
    );
    let (plan, summary) = world.cycle();
    assert_eq!(plan.totals().hs.updates, 1, "{}", render(&plan));
    assert_eq!(summary.updated, 1, "{summary:?}");
    assert_eq!(
        world.field(System::Hubspot, "deals", &deal_hs, "dealname"),
        Some("Latex and more".to_string())
    );
    let second_hs = world
        .store()
        .partner("accounts", "sf", &second_sf)
        .expect("state")
        .expect("linked");
    assert_eq!(companies_of(&world, &deal_hs), vec![(second_hs, true)]);
    assert_quiet(&mut world, 1);
}

#[test]
fn association_to_a_company_deleted_since_the_plan_is_rejected_into_the_error_queue() {
    let mut world = world();
    let first_sf = account(&world, "Pied Piper", "https://piedpiper.example");
    let second_sf = account(&world, "Raviga", "https://raviga.example");
    let opportunity_sf = opportunity(&world, "Compression", Some(&first_sf));
    world.cycle();
    let deal_hs = deal_of_opportunity(&world, &opportunity_sf);
    let (first_hs, second_hs) = (
        world
            .store()
            .partner("accounts", "sf", &first_sf)
            .expect("state")
            .expect("linked"),
        world
            .store()
            .partner("accounts", "sf", &second_sf)
            .expect("state")
            .expect("linked"),
    );
    world.update(
        System::Salesforce,
        "Opportunity",
        &opportunity_sf,
        json!({"AccountId": second_sf}),
    );
    let plan = world.plan();
    // A HubSpot user deletes the target company before the apply.
    world
        .control()
        .act_delete(System::Hubspot, "companies", &second_hs)
        .expect("user delete");
    let summary = world.apply(&plan);
    assert_eq!(summary.rejected, 1, "{summary:?}");
    assert_eq!(summary.updated, 0, "{summary:?}");
    let queued = world.store().queued_errors().expect("errors");
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert_eq!(queued[0].source_id, deal_hs);
    // The deal keeps its old company: nothing was removed for a move that did not happen.
    assert_eq!(companies_of(&world, &deal_hs), vec![(first_hs, true)]);
}

#[test]
fn sync_written_salesforce_first_lowers_the_association_the_same_way() {
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = DEALS_SPEC
        .replace("ACCOUNT_CREATES", "hs, sf")
        .replace(
            "sync deals: hs.deals <-> sf.Opportunity {",
            "sync deals: sf.Opportunity <-> hs.deals {",
        )
        .replace(
            "hs.companies(associated) <-> sf.AccountId through accounts",
            "sf.AccountId -> hs.companies(associated) through accounts",
        )
        .replace("hs.dealname              <-> sf.Name", "sf.Name <-> hs.dealname")
        .replace(
            "hs.closedate             <-> sf.CloseDate transform date(hs.closedate) reverse sf.CloseDate",
            "sf.CloseDate <-> hs.closedate transform sf.CloseDate reverse date(hs.closedate)",
        )
        .replace(
            "hs.dealstage             <-> sf.StageName via deal_stage",
            "sf.StageName <-> hs.dealstage via deal_stage",
        )
        .replace("hs.pipeline              <-  \"default\"", "\"default\" -> hs.pipeline");
    std::fs::write(dir.path().join("spec.tandem"), spec).expect("spec");
    let (program, _) = compile_dir(dir.path());
    let deals = program.sync("deals").expect("deals");
    let field = deals
        .fields
        .iter()
        .find(|f| f.key == "companies(associated)<->AccountId")
        .expect("association field");
    assert_eq!(field.direction, tandem::compile::Direction::SfToHs);
    assert_eq!(deals.hs.object, "deals");
    assert!(
        deals.hs.fields["companies(associated)"]
            .association
            .is_some()
    );
}

#[test]
fn removing_the_company_in_hubspot_clears_account_id_though_the_deal_did_not_change() {
    let mut world = world();
    let company_hs = company(&world, "Bluth", "bluth.example");
    let deal_hs = deal(&world, "Banana stand");
    associate(&world, &deal_hs, &company_hs, true);
    world.cycle();
    let opportunity_sf = world.link_of_hs("deals", &deal_hs).expect("linked");
    assert!(
        world
            .field(
                System::Salesforce,
                "Opportunity",
                &opportunity_sf,
                "AccountId"
            )
            .is_some()
    );
    let report = world
        .rt
        .block_on(world.session.hubspot().client.batch_dissociate(
            "deals",
            "companies",
            &[tandem::connectors::hubspot::DissociationInput {
                key: "user".into(),
                from_id: deal_hs.clone(),
                to_ids: vec![company_hs.clone()],
            }],
        ));
    assert!(
        report.outcomes.iter().all(|o| o.result.is_ok()),
        "{report:?}"
    );
    let plan = world.plan();
    assert!(plan.read_cursors["deals"].incremental);
    let view = render(&plan);
    assert!(view.contains("AccountId"), "{view}");
    assert!(view.contains("[changed in hs]"), "{view}");
    let summary = world.apply(&plan);
    assert!(summary.complete(), "{summary:?}");
    assert_eq!(
        world.field(
            System::Salesforce,
            "Opportunity",
            &opportunity_sf,
            "AccountId"
        ),
        None
    );
    assert_quiet(&mut world, 2);
}

#[test]
fn a_deal_deleted_in_hubspot_under_on_delete_ignore_never_clears_its_account() {
    let mut world = world();
    let company_hs = company(&world, "Dunder", "dunder.example");
    let deal_hs = deal(&world, "Paper");
    associate(&world, &deal_hs, &company_hs, true);
    world.cycle();
    let opportunity_sf = world.link_of_hs("deals", &deal_hs).expect("linked");
    let account_sf = world.field(
        System::Salesforce,
        "Opportunity",
        &opportunity_sf,
        "AccountId",
    );
    assert!(account_sf.is_some());
    let other_hs = deal(&world, "Other business");
    world
        .control()
        .act_delete(System::Hubspot, "deals", &deal_hs)
        .expect("user delete");
    world.cycle();
    // Later edits move the read watermark past the delete, so later plans no longer read the
    // deal at all, and its association read looks like "no company": that must not reach
    // Salesforce.
    world.control().advance_clock_ms(3_600_000);
    world.update(
        System::Hubspot,
        "deals",
        &other_hs,
        json!({"dealname": "Other business, renamed"}),
    );
    for round in 0..3 {
        let (plan, _) = world.cycle();
        let deals = plan
            .syncs
            .iter()
            .find(|s| s.name == "deals")
            .expect("deals");
        assert!(
            deals
                .changes
                .iter()
                .all(|c| c.sf_id.as_deref() != Some(opportunity_sf.as_str())),
            "round {round}:\n{}",
            render(&plan)
        );
    }
    assert_eq!(
        world.field(
            System::Salesforce,
            "Opportunity",
            &opportunity_sf,
            "AccountId"
        ),
        account_sf
    );
}
