//! A saved plan is applied exactly as tandem wrote it. One edited by hand (a value, a record
//! id, an update turned into a delete, a field the spec does not map) no longer matches its
//! seal and is refused, exit 1, nothing written. A plan that is sealed but asks for what the
//! spec does not allow (one made for another spec, or by a tandem with a bug) is refused by
//! the re-check against the Program. The real binary against the sandbox.

use crate::e2e_support;

use e2e_support::*;
use serde_json::{Value, json};
use tandem::plan::{Action, Plan, PlannedValue, Rule};
use tandem::runtime::ApplyError;
use tandem::schema::System;

/// Two companies to create in Salesforce and one linked pair to update, with the plan saved
/// to `saved.plan`, in a sync whose delete policy is `ignore`.
fn world_with_saved_plan() -> (World, String) {
    let mut world = World::new(&accounts_spec("newest", "ignore", 500));
    let linked = world.create(
        System::Hubspot,
        "companies",
        json!({"name": "Linked", "domain": "linked.example"}),
    );
    world.cycle();
    world.update(
        System::Hubspot,
        "companies",
        &linked,
        json!({"phone": "+1 555 0100"}),
    );
    for i in 0..2 {
        world.create(
            System::Hubspot,
            "companies",
            json!({"name": format!("Company {i}"), "domain": format!("company{i}.example")}),
        );
    }
    let spec = world.spec_dir().to_str().expect("utf-8 path").to_string();
    let saved = world.dir.path().join("saved.plan");
    let plan = run_tandem(
        &world,
        &["plan", &spec, "-out", saved.to_str().expect("path")],
    );
    assert_eq!(plan.status.code(), Some(0), "{}", output_text(&plan));
    (world, saved.to_str().expect("path").to_string())
}

/// Edits the saved plan's JSON with `edit` and expects `tandem apply` to refuse it.
fn assert_edit_refused(edit: impl FnOnce(&mut Value)) {
    let (world, saved) = world_with_saved_plan();
    let mut file: Value =
        serde_json::from_str(&std::fs::read_to_string(&saved).expect("read")).expect("json");
    edit(&mut file["plan"]);
    std::fs::write(&saved, serde_json::to_string_pretty(&file).expect("json")).expect("write");
    let accounts = world.count(System::Salesforce, "Account");
    let writes = world.control().writes(System::Salesforce).len();
    let apply = run_tandem(&world, &["apply", &saved]);
    assert_eq!(apply.status.code(), Some(1), "{}", output_text(&apply));
    let stderr = String::from_utf8_lossy(&apply.stderr);
    assert!(
        stderr.contains("changed after `tandem plan` made it"),
        "{}",
        output_text(&apply)
    );
    assert_eq!(world.count(System::Salesforce, "Account"), accounts);
    assert_eq!(world.control().writes(System::Salesforce).len(), writes);
}

fn changes(plan: &mut Value) -> &mut Vec<Value> {
    plan["syncs"][0]["changes"].as_array_mut().expect("changes")
}

#[test]
fn a_value_edited_in_a_saved_plan_is_refused() {
    assert_edit_refused(|plan| {
        let create = changes(plan)
            .iter_mut()
            .find(|c| c["action"] == "create")
            .expect("a create");
        create["fields"][0]["new"] = json!({"value": "Hacked Inc"});
    });
}

#[test]
fn a_record_id_edited_in_a_saved_plan_is_refused() {
    assert_edit_refused(|plan| {
        let update = changes(plan)
            .iter_mut()
            .find(|c| c["action"] == "update")
            .expect("an update");
        update["sf_id"] = json!("001000000000001AAA");
    });
}

#[test]
fn an_update_turned_into_a_delete_in_a_saved_plan_is_refused() {
    assert_edit_refused(|plan| {
        let update = changes(plan)
            .iter_mut()
            .find(|c| c["action"] == "update")
            .expect("an update");
        update["action"] = json!("delete");
        update["fields"] = json!([]);
    });
}

#[test]
fn an_unmapped_field_added_to_a_saved_plan_is_refused() {
    assert_edit_refused(|plan| {
        let update = changes(plan)
            .iter_mut()
            .find(|c| c["action"] == "update")
            .expect("an update");
        let extra = json!({"key": "AnnualRevenue", "field": "AnnualRevenue", "old": null,
                           "new": {"value": 1}, "rule": {"rule": "create"}});
        update["fields"].as_array_mut().expect("fields").push(extra);
    });
}

/// A plan sealed with this store's key (so it passes the seal) that still asks for what the
/// spec does not allow is refused by the re-check against the Program.
fn assert_contradiction_refused(edit: impl FnOnce(&mut Plan), expected: &str) {
    let (mut world, _) = world_with_saved_plan();
    let mut plan = world.plan();
    edit(&mut plan);
    let key = world.store().seal_key().expect("key");
    plan.seal = tandem::plan::seal::seal(&plan, &key);
    let compiled = world.session.compiled();
    let refused = tandem::runtime::verify_plan(
        &plan,
        &compiled.program,
        &compiled.schema_digest,
        world.store(),
    )
    .expect_err("refused");
    assert!(
        matches!(refused, ApplyError::PlanContradictsSpec { .. }),
        "{refused:?}"
    );
    assert!(refused.to_string().contains(expected), "{refused}");
}

#[test]
fn a_sealed_plan_that_deletes_under_on_delete_ignore_is_refused() {
    assert_contradiction_refused(
        |plan| {
            let update = plan.syncs[0]
                .changes
                .iter_mut()
                .find(|c| c.action == Action::Update)
                .expect("an update");
            update.action = Action::Delete;
            update.fields.clear();
        },
        "the sync says `on delete ignore`",
    );
}

#[test]
fn a_sealed_plan_that_writes_an_unmapped_field_is_refused() {
    assert_contradiction_refused(
        |plan| {
            let update = plan.syncs[0]
                .changes
                .iter_mut()
                .find(|c| c.action == Action::Update && c.target == System::Salesforce)
                .expect("an update of an Account");
            let mut extra = update.fields[0].clone();
            extra.field = "AnnualRevenue".into();
            extra.new = PlannedValue::Value(json!(1));
            extra.rule = Rule::Create;
            update.fields.push(extra);
        },
        "it writes sf.AnnualRevenue, which the sync does not write",
    );
}

#[test]
fn a_sealed_plan_over_its_limits_is_refused_even_without_the_violation_listed() {
    assert_contradiction_refused(
        |plan| {
            let create = plan.syncs[0]
                .changes
                .iter()
                .find(|c| c.action == Action::Create)
                .expect("a create")
                .clone();
            for i in 0..600 {
                let mut more = create.clone();
                more.hs_id = Some(format!("9{i:05}"));
                plan.syncs[0].changes.insert(0, more);
            }
            plan.limit_violations.clear();
        },
        "plans 602 creates (limit 500)",
    );
}
