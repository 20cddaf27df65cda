//! Apply over in-memory CRMs: preconditions, partial failures, the daily limit, lost
//! responses (the crash case), the error queue, review conflicts and stale plans.

use crate::common;

use common::*;
use serde_json::json;
use tandem::compile::ConflictRule;
use tandem::runtime::{ApplyError, Event, RejectRule};
use tandem::schema::System;
use tandem::state::StateStore;

fn companies(hs: &mut tandem::runtime::MemoryCrm, count: usize) {
    for i in 0..count {
        hs.put(
            "companies",
            &format!("{}", 5000 + i),
            &[
                ("name", json!(format!("Company {i}"))),
                ("domain", json!(format!("c{i}.example"))),
            ],
        );
    }
}

#[test]
fn target_changed_after_plan_is_skipped_as_stale_and_replanned() {
    let program = program(vec![accounts_sync()]);
    let mut store = StateStore::open_in_memory().unwrap();
    let (mut hs, mut sf) = crms();
    hs.put(
        "companies",
        "101",
        &[("name", json!("Acme")), ("domain", json!("acme.com"))],
    );
    cycle(&program, &mut store, &mut hs, &mut sf);
    let sf_id = sf.live("Account")[0].id.clone();
    hs.put("companies", "101", &[("domain", json!("acme.io"))]);
    let plan = plan_now(&program, &store, &mut hs, &mut sf);
    // Someone edits the target between plan and apply.
    sf.put("Account", &sf_id, &[("Website", json!("acme.net"))]);
    let (summary, events) = apply_now(&plan, &program, &mut store, &mut hs, &mut sf);
    assert_eq!(summary.stale, 1);
    assert_eq!(summary.updated, 0);
    assert!(events.iter().any(|e| matches!(e, Event::Stale { .. })));
    assert_eq!(
        value(&sf, "Account", &sf_id, "Website"),
        &json!("acme.net"),
        "the newer edit survives"
    );
    // The next plan sees both edits and settles them by the rule (newest: sf edited last).
    let replanned = plan_now(&program, &store, &mut hs, &mut sf);
    let change = &replanned.syncs[0].changes[0];
    assert_eq!(change.target, System::Hubspot);
    assert_eq!(change.fields[0].new, json!("acme.net"));
}

#[test]
fn partial_batch_failure_queues_the_rejected_records_and_writes_the_rest() {
    let program = program(vec![accounts_sync()]);
    let mut store = StateStore::open_in_memory().unwrap();
    let (mut hs, mut sf) = crms();
    companies(&mut hs, 250);
    hs.put("companies", "5007", &[("name", json!("REJECT ME"))]);
    sf.reject.push(RejectRule {
        field: "Name".into(),
        value: json!("REJECT ME"),
        reason: "FIELD_CUSTOM_VALIDATION_EXCEPTION: name is blocked".into(),
    });
    let (_, summary) = cycle(&program, &mut store, &mut hs, &mut sf);
    assert_eq!(summary.created, 249);
    assert_eq!(summary.rejected, 1);
    assert_eq!(sf.live("Account").len(), 249);
    assert_eq!(
        sf.write_calls, 2,
        "250 creates go in two collections of 200"
    );
    let errors = store.queued_errors().unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].source_id, "5007");
    assert!(
        errors[0]
            .reason
            .to_string()
            .contains("FIELD_CUSTOM_VALIDATION_EXCEPTION")
    );
    // Unchanged, it waits in the queue instead of being re-sent every run.
    let plan = plan_now(&program, &store, &mut hs, &mut sf);
    assert!(!plan.has_changes());
    assert_eq!(plan.syncs[0].waiting_in_error_queue, 1);
    // Once the data changes it is retried, succeeds, and leaves the queue.
    hs.put("companies", "5007", &[("name", json!("Fixed Co"))]);
    let (_, summary) = cycle(&program, &mut store, &mut hs, &mut sf);
    assert_eq!(summary.created, 1);
    assert!(store.queued_errors().unwrap().is_empty());
}

#[test]
fn errors_retry_request_resends_an_unchanged_record() {
    let program = program(vec![accounts_sync()]);
    let mut store = StateStore::open_in_memory().unwrap();
    let (mut hs, mut sf) = crms();
    hs.put("companies", "101", &[("name", json!("Flaky"))]);
    sf.reject.push(RejectRule {
        field: "Name".into(),
        value: json!("Flaky"),
        reason: "UNABLE_TO_LOCK_ROW".into(),
    });
    cycle(&program, &mut store, &mut hs, &mut sf);
    assert_eq!(store.queued_errors().unwrap().len(), 1);
    sf.reject.clear();
    store.write(|w| w.request_retry(&[])).unwrap();
    let (_, summary) = cycle(&program, &mut store, &mut hs, &mut sf);
    assert_eq!(summary.created, 1);
    assert!(store.queued_errors().unwrap().is_empty());
}

#[test]
fn daily_limit_stops_the_run_and_a_later_run_resumes_without_duplicates() {
    let mut sync = accounts_sync();
    sync.limits = Default::default();
    let program = program(vec![sync]);
    let mut store = StateStore::open_in_memory().unwrap();
    let (mut hs, mut sf) = crms();
    companies(&mut hs, 1000);
    // Reads take one call; two collections of 200 fit in the allowance, then the day is over.
    sf.daily_allowance = Some(3);
    let (_, summary) = cycle(&program, &mut store, &mut hs, &mut sf);
    assert_eq!(summary.created, 400);
    assert!(
        summary
            .stopped
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default()
            .contains("daily API limit")
    );
    assert!(
        store.pending_journal().unwrap().is_empty(),
        "nothing was sent in the refused call"
    );
    // A new day.
    sf.daily_allowance = None;
    let (_, summary) = cycle(&program, &mut store, &mut hs, &mut sf);
    assert!(summary.complete());
    assert_eq!(summary.created, 600);
    assert_eq!(sf.live("Account").len(), 1000);
    assert!(!plan_now(&program, &store, &mut hs, &mut sf).has_changes());
}

#[test]
fn lost_response_after_write_is_recovered_by_matching_without_duplicates() {
    let program = program(vec![accounts_sync()]);
    let mut store = StateStore::open_in_memory().unwrap();
    let (mut hs, mut sf) = crms();
    companies(&mut hs, 500);
    // The second collection reaches Salesforce but its response never arrives.
    sf.lose_responses_after = Some(1);
    let (_, summary) = cycle(&program, &mut store, &mut hs, &mut sf);
    assert_eq!(summary.created, 200);
    assert!(summary.stopped.is_some());
    assert_eq!(
        store.pending_journal().unwrap().len(),
        200,
        "outcome unknown: still pending"
    );
    assert_eq!(
        sf.live("Account").len(),
        400,
        "Salesforce did write the lost batch"
    );
    sf.lose_responses_after = None;
    let plan = plan_now(&program, &store, &mut hs, &mut sf);
    assert_eq!(
        plan.syncs[0].links.len(),
        200,
        "the lost batch is found by domain and linked"
    );
    let (summary, _) = apply_now(&plan, &program, &mut store, &mut hs, &mut sf);
    assert_eq!(summary.recovered, 200);
    assert_eq!(summary.created, 100);
    assert_eq!(sf.live("Account").len(), 500, "no duplicates");
    assert!(!plan_now(&program, &store, &mut hs, &mut sf).has_changes());
}

#[test]
fn review_conflict_waits_until_resolved_then_writes_the_chosen_side() {
    let mut sync = accounts_sync();
    sync.fields[0].conflict = Some(ConflictRule::Review);
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
    hs.put("companies", "101", &[("name", json!("Acme HS"))]);
    sf.put(
        "Account",
        "001A00000000001AAA",
        &[("Name", json!("Acme SF"))],
    );
    let (_, summary) = cycle(&program, &mut store, &mut hs, &mut sf);
    assert_eq!(summary.conflicts_queued, 1);
    let open = store.conflicts(false).unwrap();
    assert_eq!(open.len(), 1);
    // Still waiting: shown, not queued twice, nothing written.
    let (plan, summary) = cycle(&program, &mut store, &mut hs, &mut sf);
    assert!(plan.syncs[0].conflicts[0].already_queued);
    assert_eq!(summary.conflicts_queued, 0);
    assert_eq!(store.conflicts(false).unwrap().len(), 1);
    store
        .write(|w| w.resolve_conflict(open[0].id, "hs"))
        .unwrap();
    let (plan, _) = cycle(&program, &mut store, &mut hs, &mut sf);
    assert_eq!(
        plan.syncs[0].changes[0].fields[0].rule,
        tandem::plan::Rule::Resolved {
            side: System::Hubspot
        }
    );
    assert_eq!(
        value(&sf, "Account", "001A00000000001AAA", "Name"),
        &json!("Acme HS")
    );
    assert!(store.conflicts(true).unwrap().is_empty(), "settled");
    assert!(!plan_now(&program, &store, &mut hs, &mut sf).has_changes());
}

#[test]
fn saved_plan_is_refused_once_the_state_moved_on() {
    let program = program(vec![accounts_sync()]);
    let mut store = StateStore::open_in_memory().unwrap();
    let (mut hs, mut sf) = crms();
    hs.put("companies", "101", &[("name", json!("Acme"))]);
    let plan = plan_now(&program, &store, &mut hs, &mut sf);
    apply_now(&plan, &program, &mut store, &mut hs, &mut sf);
    let again = block_on(tandem::runtime::apply(
        &plan,
        &program,
        SCHEMA_DIGEST,
        &mut store,
        &mut hs,
        &mut sf,
        &mut |_| {},
    ));
    assert!(
        matches!(again, Err(ApplyError::StalePlan { planned: 0, .. })),
        "{again:?}"
    );
    assert_eq!(sf.live("Account").len(), 1, "not applied twice");
}

#[test]
fn saved_plan_is_refused_for_another_spec_schema_or_store() {
    let program_a = program(vec![accounts_sync()]);
    let mut changed = accounts_sync();
    changed.limits.creates = Some(7);
    let program_b = program(vec![changed]);
    let mut store = StateStore::open_in_memory().unwrap();
    let (mut hs, mut sf) = crms();
    let plan = plan_now(&program_a, &store, &mut hs, &mut sf);
    let spec = block_on(tandem::runtime::apply(
        &plan,
        &program_b,
        SCHEMA_DIGEST,
        &mut store,
        &mut hs,
        &mut sf,
        &mut |_| {},
    ));
    assert!(matches!(spec, Err(ApplyError::SpecChanged { .. })));
    let schema = block_on(tandem::runtime::apply(
        &plan,
        &program_a,
        "other",
        &mut store,
        &mut hs,
        &mut sf,
        &mut |_| {},
    ));
    assert!(matches!(schema, Err(ApplyError::SchemaChanged { .. })));
    let mut other_store = StateStore::open_in_memory().unwrap();
    let foreign = block_on(tandem::runtime::apply(
        &plan,
        &program_a,
        SCHEMA_DIGEST,
        &mut other_store,
        &mut hs,
        &mut sf,
        &mut |_| {},
    ));
    assert!(matches!(foreign, Err(ApplyError::ForeignState { .. })));
}

#[test]
fn audit_log_records_every_written_field() {
    let program = program(vec![accounts_sync()]);
    let mut store = StateStore::open_in_memory().unwrap();
    let (mut hs, mut sf) = crms();
    hs.put(
        "companies",
        "101",
        &[("name", json!("Acme")), ("domain", json!("acme.com"))],
    );
    cycle(&program, &mut store, &mut hs, &mut sf);
    hs.put("companies", "101", &[("name", json!("Acme Two"))]);
    cycle(&program, &mut store, &mut hs, &mut sf);
    let log = store.audit_log().unwrap();
    let last = log.last().unwrap();
    assert_eq!(
        (last.action.as_str(), last.field.as_str()),
        ("update", "Name")
    );
    assert_eq!((&last.old, &last.new), (&json!("Acme"), &json!("Acme Two")));
    assert_eq!(
        log.iter().filter(|e| e.action == "create").count(),
        2,
        "Name and Website on create"
    );
}
