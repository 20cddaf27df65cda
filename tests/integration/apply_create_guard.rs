//! No duplicate from a record created between plan and apply, or from a run that died between
//! a create and its link. Over real HTTP against the sandbox.

use crate::e2e_support;

use std::sync::Arc;

use e2e_support::*;
use serde_json::json;
use tandem::runtime::SalesforceCrm;
use tandem::runtime::{Crm, CrmError, ReadRequest, ReadResult, RecordWrite, WriteBatch};
use tandem::schema::System;
use tandem::session::SessionEvent;
use tokio::sync::Notify;

fn render(plan: &tandem::plan::Plan) -> String {
    tandem::plan::view::render_human(plan, Default::default())
}

#[test]
fn record_created_on_the_target_between_plan_and_apply_is_linked_not_duplicated() {
    let mut world = World::new(&accounts_spec("newest", "ignore", 500));
    let acme = world.create(
        System::Hubspot,
        "companies",
        json!({"name": "Acme", "domain": "acme.example"}),
    );
    world.create(
        System::Hubspot,
        "companies",
        json!({"name": "Globex", "domain": "globex.example"}),
    );
    let plan = world.plan();
    assert_eq!(plan.totals().sf.creates, 2, "{}", render(&plan));
    // Someone creates Acme in Salesforce by hand before the plan is applied.
    let by_hand = world.create(
        System::Salesforce,
        "Account",
        json!({"Name": "Acme Inc", "Website": "https://www.acme.example/"}),
    );
    let calls_before = world.session.salesforce().calls();
    let summary = world.apply(&plan);
    assert!(summary.complete(), "{summary:?}");
    assert_eq!(summary.stale, 1, "Acme's create is stale: {summary:?}");
    assert_eq!(summary.created, 1, "Globex is still created: {summary:?}");
    assert_eq!(world.count(System::Salesforce, "Account"), 2);
    // The guard costs one query of what changed since the plan (the read update
    // preconditions share when there are updates), not a call per record: one query, one
    // create call for Globex.
    let spent = world.session.salesforce().calls() - calls_before;
    assert_eq!(spent, 2, "Salesforce calls apply spent");
    // The next plan links the pair by its shared domain instead of creating Acme again.
    let next = world.plan();
    assert_eq!(next.totals().creates(), 0, "{}", render(&next));
    assert_eq!(next.syncs[0].links.len(), 1, "{}", render(&next));
    assert_eq!(next.syncs[0].links[0].hs_id, acme);
    assert_eq!(next.syncs[0].links[0].sf_id, by_hand);
    world.apply(&next);
    let last = world.plan();
    assert!(!last.has_changes(), "{}", render(&last));
    assert_eq!(
        world.count(System::Salesforce, "Account"),
        2,
        "no duplicate"
    );
}

#[test]
fn company_created_in_hubspot_between_plan_and_apply_is_found_through_search() {
    let mut world = World::new(&accounts_spec("newest", "ignore", 500));
    let account = world.create(
        System::Salesforce,
        "Account",
        json!({"Name": "Initech", "Website": "https://initech.example"}),
    );
    let plan = world.plan();
    assert_eq!(plan.totals().hs.creates, 1, "{}", render(&plan));
    let by_hand = world.create(
        System::Hubspot,
        "companies",
        json!({"name": "Initech", "domain": "INITECH.example"}),
    );
    let summary = world.apply(&plan);
    assert_eq!((summary.stale, summary.created), (1, 0), "{summary:?}");
    assert_eq!(world.count(System::Hubspot, "companies"), 1);
    let next = world.plan();
    assert_eq!(next.totals().creates(), 0, "{}", render(&next));
    assert_eq!(next.syncs[0].links.len(), 1, "{}", render(&next));
    assert_eq!(
        (
            next.syncs[0].links[0].hs_id.as_str(),
            next.syncs[0].links[0].sf_id.as_str()
        ),
        (by_hand.as_str(), account.as_str())
    );
}

#[test]
fn a_linked_record_changed_since_the_plan_does_not_block_a_create() {
    let mut world = World::new(&accounts_spec("newest", "ignore", 500));
    let first = world.create(
        System::Hubspot,
        "companies",
        json!({"name": "Acme", "domain": "acme.example"}),
    );
    world.cycle();
    let linked = world.link_of_hs("accounts", &first).expect("linked");
    // A second HubSpot company with the same domain: matching cannot pair it with the linked
    // Account, so the plan creates one.
    world.create(
        System::Hubspot,
        "companies",
        json!({"name": "Acme Europe", "domain": "acme.example"}),
    );
    let plan = world.plan();
    assert_eq!(plan.totals().sf.creates, 1, "{}", render(&plan));
    world.update(
        System::Salesforce,
        "Account",
        &linked,
        json!({"Phone": "+1 555 0100"}),
    );
    let summary = world.apply(&plan);
    assert_eq!(summary.stale, 0, "{summary:?}");
    assert_eq!(summary.created, 1, "{summary:?}");
}

#[test]
fn creates_and_updates_on_one_side_share_one_read_since_the_plan() {
    let mut world = World::new(&accounts_spec("newest", "ignore", 500));
    let acme = world.create(
        System::Hubspot,
        "companies",
        json!({"name": "Acme", "domain": "acme.example"}),
    );
    world.cycle();
    world.update(
        System::Hubspot,
        "companies",
        &acme,
        json!({"name": "Acme Renamed"}),
    );
    world.create(
        System::Hubspot,
        "companies",
        json!({"name": "Globex", "domain": "globex.example"}),
    );
    let plan = world.plan();
    assert_eq!(
        (plan.totals().sf.creates, plan.totals().sf.updates),
        (1, 1),
        "{}",
        render(&plan)
    );
    let before = world.control().counters(System::Salesforce);
    let summary = world.apply(&plan);
    assert_eq!((summary.created, summary.updated), (1, 1), "{summary:?}");
    let after = world.control().counters(System::Salesforce);
    let spent = |endpoint: &str| {
        after.get(endpoint).copied().unwrap_or(0) - before.get(endpoint).copied().unwrap_or(0)
    };
    // One read of the changes (and one of the deletions, for the update's precondition),
    // shared by the create guard; then the create and the update.
    assert_eq!(spent("GET /services/data/{version}/query"), 1);
    assert_eq!(spent("GET /services/data/{version}/queryAll"), 1);
    assert_eq!(spent("POST /services/data/{version}/composite/sobjects"), 1);
    assert_eq!(
        spent("PATCH /services/data/{version}/composite/sobjects"),
        1
    );
}

fn deals_spec() -> String {
    r#"connection hs: hubspot
connection sf: salesforce

map deal_stage: hs.deals.dealstage <-> sf.Opportunity.StageName {
  "appointmentscheduled" <=> "Prospecting"
  "qualifiedtobuy"       <=> "Qualification"
  "closedwon"            <=> "Closed Won"
  "closedlost"           <=> "Closed Lost"
  else error
}

sync deals: hs.deals <-> sf.Opportunity {
  match hs.hs_salesforceopportunityid = sf.Id
  create in sf
  conflict prefer sf
  on delete ignore

  hs.dealname     <-> sf.Name
  hs.closedate    <-> sf.CloseDate transform date(hs.closedate) reverse sf.CloseDate
  hs.dealstage    <-> sf.StageName via deal_stage
  hs.hs_object_id ->  sf.HubSpot_Deal_Id__c
}
"#
    .to_string()
}

/// Salesforce, except that the process "dies" right after a create reached it: the create
/// lands, its answer never reaches tandem, and nothing after it runs.
struct DiesAfterCreate<'a> {
    inner: &'a mut SalesforceCrm,
    died: Arc<Notify>,
}

impl Crm for DiesAfterCreate<'_> {
    fn system(&self) -> System {
        self.inner.system()
    }
    fn remaining_budget(&self) -> Option<u64> {
        self.inner.remaining_budget()
    }
    fn calls(&self) -> u64 {
        self.inner.calls()
    }
    async fn read(&mut self, request: &ReadRequest<'_>) -> Result<ReadResult, CrmError> {
        self.inner.read(request).await
    }
    async fn read_ids(
        &mut self,
        object: &str,
        fields: &[String],
        ids: &[String],
    ) -> Result<Vec<tandem::connectors::RemoteRecord>, CrmError> {
        self.inner.read_ids(object, fields, ids).await
    }
    async fn create(&mut self, object: &str, records: &[RecordWrite]) -> WriteBatch {
        let _ = self.inner.create(object, records).await;
        self.died.notify_one();
        std::future::pending::<WriteBatch>().await
    }
    async fn update(&mut self, object: &str, records: &[(String, RecordWrite)]) -> WriteBatch {
        self.inner.update(object, records).await
    }
    async fn delete(&mut self, object: &str, ids: &[String]) -> WriteBatch {
        self.inner.delete(object, ids).await
    }
}

#[test]
fn run_dying_between_create_and_link_does_not_create_the_opportunity_twice() {
    let mut world = World::new(&deals_spec());
    let deal = world.create(
        System::Hubspot,
        "deals",
        json!({
            "dealname": "Big Deal",
            "dealstage": "appointmentscheduled",
            "pipeline": "default",
            "closedate": "2026-12-31T00:00:00Z",
        }),
    );
    let plan = world.plan();
    assert_eq!(plan.totals().sf.creates, 1, "{}", render(&plan));
    let died = Arc::new(Notify::new());
    {
        let World { rt, session, .. } = &mut world;
        let parts = session.parts_mut();
        let mut dying = DiesAfterCreate {
            inner: parts.sf,
            died: died.clone(),
        };
        let mut on_event = |_: SessionEvent<'_>| {};
        rt.block_on(async {
            tokio::select! {
                _ = tandem::session::steps::apply(
                    parts.compiled, parts.store, parts.lock, parts.hs, &mut dying, &plan,
                    &mut on_event,
                ) => panic!("the apply should have died after the create"),
                _ = died.notified() => {}
            }
        });
    }
    // The Opportunity exists, tandem holds no link, and the write is pending in the journal.
    assert_eq!(world.count(System::Salesforce, "Opportunity"), 1);
    assert_eq!(world.link_of_hs("deals", &deal), None);
    assert_eq!(world.store().pending_journal().expect("journal").len(), 1);
    assert_eq!(
        world.field(
            System::Hubspot,
            "deals",
            &deal,
            "hs_salesforceopportunityid"
        ),
        None,
        "the id never made it back to HubSpot"
    );
    world.reconnect();
    let rerun = world.plan();
    assert_eq!(rerun.totals().creates(), 0, "{}", render(&rerun));
    assert_eq!(rerun.syncs[0].links.len(), 1, "{}", render(&rerun));
    let summary = world.apply(&rerun);
    assert!(summary.complete(), "{summary:?}");
    assert_eq!(
        world.count(System::Salesforce, "Opportunity"),
        1,
        "exactly one Opportunity for the deal"
    );
    let opportunity = world.link_of_hs("deals", &deal).expect("linked");
    let written_back = world
        .field(
            System::Hubspot,
            "deals",
            &deal,
            "hs_salesforceopportunityid",
        )
        .expect("the id link is written back");
    assert_eq!(&written_back[..15], &opportunity[..15]);
    let last = world.plan();
    assert!(!last.has_changes(), "{}", render(&last));
}

#[test]
fn saved_plan_applied_after_a_hand_made_duplicate_reports_it_stale_and_the_next_run_links_it() {
    let world = World::new(&accounts_spec("newest", "ignore", 500));
    world.create(
        System::Hubspot,
        "companies",
        json!({"name": "Acme", "domain": "acme.example"}),
    );
    let spec = world.spec_dir();
    let spec = spec.to_str().expect("utf-8 path");
    let saved = world.dir.path().join("acme.plan");
    let saved = saved.to_str().expect("utf-8 path");
    let tandem = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_tandem"))
            .args(args)
            .envs(world.env())
            .current_dir(world.dir.path())
            .output()
            .expect("tandem runs")
    };
    let text = |output: &std::process::Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    };
    let plan = tandem(&["plan", spec, "--out", saved]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    world.create(
        System::Salesforce,
        "Account",
        json!({"Name": "Acme", "Website": "acme.example"}),
    );
    let apply = tandem(&["apply", saved]);
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply));
    assert!(
        text(&apply).contains("1 skipped as stale"),
        "{}",
        text(&apply)
    );
    assert_eq!(world.count(System::Salesforce, "Account"), 1);
    let relink = tandem(&["apply", spec, "--auto-approve"]);
    assert_eq!(relink.status.code(), Some(0), "{}", text(&relink));
    let last = tandem(&["plan", spec, "--detailed-exitcode"]);
    assert_eq!(last.status.code(), Some(0), "{}", text(&last));
    assert_eq!(
        world.count(System::Salesforce, "Account"),
        1,
        "no duplicate"
    );
    assert_eq!(world.count(System::Hubspot, "companies"), 1, "none back");
}
