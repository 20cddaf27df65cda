//! What `tandem schema diff` considers "used by the spec", read from the revops example.

use std::collections::BTreeSet;

use tandem::diagnostics::SourceMap;
use tandem::schema::System;
use tandem_language::usage::spec_usage;

fn revops_usage() -> tandem::connectors::schema_sync::SpecUsage {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/revops");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "tandem"))
        .collect();
    files.sort();
    let mut sources = SourceMap::new();
    for file in files {
        sources.add(
            file.display().to_string(),
            std::fs::read_to_string(&file).unwrap(),
        );
    }
    let (spec, diags) = tandem::syntax::parse_spec(&sources);
    assert!(!tandem::diagnostics::has_errors(&diags), "{diags:?}");
    spec_usage(&spec)
}

fn key(system: System, object: &str, field: &str) -> (System, String, String) {
    (system, object.to_string(), field.to_string())
}

#[test]
fn revops_spec_uses_the_objects_of_its_syncs() {
    let usage = revops_usage();
    let objects: BTreeSet<(System, String)> = usage.objects.clone();
    for (system, object) in [
        (System::Hubspot, "contacts"),
        (System::Hubspot, "companies"),
        (System::Hubspot, "deals"),
        (System::Salesforce, "Lead"),
        (System::Salesforce, "Account"),
        (System::Salesforce, "Opportunity"),
    ] {
        assert!(
            objects.contains(&(system, object.to_string())),
            "{object} missing from {objects:?}"
        );
    }
}

#[test]
fn mapped_fields_are_used_and_targets_are_written() {
    let usage = revops_usage();
    assert!(
        usage
            .fields
            .contains(&key(System::Salesforce, "Lead", "Email"))
    );
    assert!(
        usage
            .fields
            .contains(&key(System::Hubspot, "contacts", "hubspotscore")),
        "scope filters read fields"
    );
    // `hs.company -> sf.Company`: Company is written, hs.company is only read.
    assert!(
        usage
            .written
            .contains(&key(System::Salesforce, "Lead", "Company"))
    );
    assert!(
        !usage
            .written
            .contains(&key(System::Hubspot, "contacts", "company"))
    );
    // `hs.phone <- sf.Phone`: the HubSpot side is the target.
    assert!(
        usage
            .written
            .contains(&key(System::Hubspot, "contacts", "phone"))
    );
}

#[test]
fn value_maps_credit_their_picklist_values_to_both_fields() {
    let usage = revops_usage();
    let status = usage
        .values
        .get(&key(System::Salesforce, "Lead", "Status"))
        .expect("Lead.Status values");
    assert!(status.contains("Working - Contacted"));
    let stages = usage
        .values
        .get(&key(System::Hubspot, "deals", "dealstage"))
        .expect("dealstage values");
    assert!(stages.contains("closedwon"));
    let sources = usage
        .values
        .get(&key(System::Salesforce, "Lead", "LeadSource"))
        .expect("inline via map values");
    assert!(sources.contains("Partner Referral") && sources.contains("Other"));
}

#[test]
fn triggers_use_their_watched_object_and_the_objects_they_create() {
    let usage = revops_usage();
    assert!(
        usage
            .fields
            .contains(&key(System::Salesforce, "Opportunity", "Amount"))
    );
    assert!(
        usage
            .objects
            .contains(&(System::Salesforce, "Task".to_string()))
    );
    assert!(
        usage
            .written
            .contains(&key(System::Salesforce, "Task", "Subject"))
    );
}
