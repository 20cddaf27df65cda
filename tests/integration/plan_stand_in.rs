//! After an incremental read, a linked record the read did not return stands in with its
//! merge base; a mapping computed from its other fields must not be recomputed from blanks.
//! Over real HTTP against the sandbox.

use crate::e2e_support;

use e2e_support::*;
use serde_json::json;
use tandem::schema::System;

const TASKS_SPEC: &str = r#"connection hs: hubspot
connection sf: salesforce

sync tasks: hs.tasks <- sf.Task {
  match trim(hs.hs_task_subject) = trim(sf.Subject)
  create in hs
  conflict newest
  on delete ignore

  hs.hs_task_subject  <- sf.Subject
  hs.hs_task_priority <- if sf.Priority = "High" then "HIGH" else if sf.Priority = "Low" then "LOW" else "MEDIUM"
  hs.hs_timestamp     <- if sf.ActivityDate is blank then sf.CreatedDate else datetime(concat(text(sf.ActivityDate), "T09:00:00Z"))
}
"#;

fn render(plan: &tandem::plan::Plan) -> String {
    tandem::plan::view::render_human(plan, Default::default())
}

#[test]
fn computed_one_way_field_is_not_recomputed_from_a_stand_in() {
    let mut world = World::new(TASKS_SPEC);
    let task = world.create(
        System::Salesforce,
        "Task",
        json!({
            "Subject": "Call Acme",
            "Priority": "High",
            "Status": "Not Started",
            "ActivityDate": "2026-12-01",
        }),
    );
    let (_, summary) = world.cycle();
    assert_eq!(summary.created, 1, "{summary:?}");
    // The HubSpot task tandem just created comes back in the next incremental read; the
    // Salesforce task does not (it has not changed), so the base stands in for it.
    let next = world.plan();
    assert!(next.read_cursors["tasks"].incremental);
    assert!(!next.has_changes(), "{}", render(&next));
    world.apply(&next);
    let hs_task = world
        .store()
        .partner("tasks", "sf", &task)
        .expect("state")
        .expect("linked");
    assert_eq!(
        world.field(System::Hubspot, "tasks", &hs_task, "hs_task_priority"),
        Some("HIGH".to_string())
    );
    assert!(
        world
            .field(System::Hubspot, "tasks", &hs_task, "hs_timestamp")
            .is_some_and(|t| t.starts_with("2026-12-01T09:00:00")),
        "{:?}",
        world.field(System::Hubspot, "tasks", &hs_task, "hs_timestamp")
    );
    // Once Salesforce changes, the record is read and the field computed from it again.
    world.update(
        System::Salesforce,
        "Task",
        &task,
        json!({"Priority": "Low"}),
    );
    let (changed, _) = world.cycle();
    assert_eq!(changed.totals().hs.updates, 1, "{}", render(&changed));
    assert_eq!(
        world.field(System::Hubspot, "tasks", &hs_task, "hs_task_priority"),
        Some("LOW".to_string())
    );
    let last = world.plan();
    assert!(!last.has_changes(), "{}", render(&last));
}
