//! Scenario tests of the checker's rules, through one helper: a spec snippet (the two
//! standard connections are prepended) checked against the shipped snapshots, compared with
//! the codes it must emit. The fixtures under tests/fixtures/check/ cover one code each with
//! a rendered snapshot; these cover the finer behaviour of each rule.

use tandem::check::{CheckedAction, CheckedSpec, check};
use tandem::diagnostics::{Diag, SourceMap};
use tandem::project::Tables;
use tandem::schema::Schemas;
use tandem::syntax::parse_spec;

const CONNECTIONS: &str = "connection hs: hubspot\nconnection sf: salesforce\n";

fn run(body: &str) -> (CheckedSpec, Vec<Diag>) {
    let mut sources = SourceMap::new();
    sources.add("test.tandem", format!("{CONNECTIONS}{body}"));
    let (spec, syntax) = parse_spec(&sources);
    assert!(syntax.is_empty(), "snippet must parse: {syntax:?}");
    let names = tandem::check::names::check_names(&spec);
    assert!(names.is_empty(), "snippet must pass names: {names:?}");
    check(&spec, &Schemas::standard(), &Tables::new())
}

/// Asserts the emitted codes (without the `tandem::check::` prefix), in emission order.
fn expect(body: &str, codes: &[&str]) -> Vec<Diag> {
    let (_, diags) = run(body);
    let emitted: Vec<String> = diags
        .iter()
        .map(|diag| {
            diag.code()
                .trim_start_matches("tandem::check::")
                .to_string()
        })
        .collect();
    assert_eq!(
        emitted,
        codes,
        "messages: {:?}",
        diags.iter().map(Diag::message).collect::<Vec<_>>()
    );
    diags
}

fn help_of(diag: &Diag) -> String {
    diag.inner
        .help()
        .map(|help| help.to_string())
        .unwrap_or_default()
}

#[test]
fn label_written_instead_of_internal_value_suggests_the_value() {
    let diags = expect(
        r#"sync leads: hs.contacts -> sf.Lead {
  only hs.lifecyclestage = "Marketing Qualified Lead"
  hs.jobtitle -> sf.Title truncate 128
}"#,
        &["unknown_picklist_value"],
    );
    assert!(help_of(&diags[0]).contains("\"marketingqualifiedlead\""));
}

#[test]
fn deal_stage_values_are_checked_against_every_pipeline() {
    expect(
        r#"sync deals: hs.deals <- sf.Opportunity {
  hs.dealstage <- "4309843"
  hs.pipeline  <- "1503927"
}"#,
        &[],
    );
    expect(
        r#"sync deals: hs.deals <- sf.Opportunity {
  hs.dealstage <- "closed_won"
}"#,
        &["unknown_picklist_value"],
    );
}

#[test]
fn owner_ids_are_checked_against_the_snapshot_owners() {
    expect(
        r#"sync deals: hs.deals <- sf.Opportunity {
  hs.hubspot_owner_id <- "70331455"
}"#,
        &[],
    );
    expect(
        r#"sync deals: hs.deals <- sf.Opportunity {
  hs.hubspot_owner_id <- "123"
}"#,
        &["unknown_picklist_value"],
    );
}

#[test]
fn date_into_datetime_needs_no_conversion() {
    expect(
        r#"sync deals: hs.deals <- sf.Opportunity {
  hs.closedate <- sf.CloseDate
}"#,
        &[],
    );
}

#[test]
fn datetime_converted_with_date_is_accepted() {
    expect(
        r#"sync deals: hs.deals -> sf.Opportunity {
  hs.closedate -> sf.CloseDate transform date(hs.closedate)
}"#,
        &[],
    );
}

#[test]
fn text_into_number_is_accepted_after_number() {
    expect(
        r#"sync accounts: hs.companies -> sf.Account {
  hs.founded_year -> sf.NumberOfEmployees transform number(hs.founded_year)
}"#,
        &[],
    );
}

#[test]
fn truncate_longer_than_the_target_still_warns() {
    let diags = expect(
        r#"sync leads: hs.contacts -> sf.Lead {
  hs.jobtitle -> sf.Title truncate 200
}"#,
        &["may_exceed_length"],
    );
    assert!(help_of(&diags[0]).contains("truncate 128"));
}

#[test]
fn salesforce_text_into_shorter_salesforce_field_warns_with_both_lengths() {
    let diags = expect(
        r#"sync leads: hs.contacts <- sf.Lead {
  hs.company <- sf.Company
}"#,
        &[],
    );
    assert!(
        diags.is_empty(),
        "HubSpot text has no limit, so nothing to warn about"
    );
}

#[test]
fn relationship_paths_read_related_salesforce_fields() {
    let (checked, diags) = run(r#"sync deals: hs.deals <- sf.Opportunity {
  hs.description <- sf.Account.Owner.Email
}"#);
    // A sync cannot read it yet (compile could not lower it), but the path resolves and
    // keeps its type, so the mapping's other rules still run.
    let codes: Vec<String> = diags.iter().map(Diag::code).collect();
    assert_eq!(codes, ["tandem::check::related_path"], "{diags:?}");
    assert!(diags[0].message().contains("related User record"));
    let flow = &checked.syncs[0].mappings[0].flows[0];
    let source = flow.value.as_field().expect("a field");
    let hops: Vec<&str> = source.hops.iter().map(|hop| hop.object.as_str()).collect();
    assert_eq!(hops, ["Account", "User"]);
    assert_eq!(source.field.name, "Email");
    assert_eq!(source.display(), "sf.Opportunity.Account.Owner.Email");
}

#[test]
fn an_id_field_used_as_relationship_suggests_the_relationship_name() {
    let diags = expect(
        r#"sync deals: hs.deals <- sf.Opportunity {
  hs.description <- sf.AccountId.Name
}"#,
        &["unknown_field"],
    );
    assert!(help_of(&diags[0]).contains("`Account`"));
}

#[test]
fn hubspot_properties_cannot_be_followed() {
    let diags = expect(
        r#"sync deals: hs.deals -> sf.Opportunity {
  hs.company.name -> sf.NextStep truncate 255
}"#,
        &["unknown_field"],
    );
    assert!(help_of(&diags[0]).contains("HubSpot properties cannot be followed"));
}

#[test]
fn related_fields_are_never_written() {
    // In a sync, the related path is the one mistake reported.
    expect(
        r#"sync deals: hs.deals -> sf.Opportunity {
  hs.dealname -> sf.Account.Name truncate 255
}"#,
        &["related_path"],
    );
    // A trigger may read through a relationship, but never write through one.
    let diags = expect(
        r#"sync deals: hs.deals -> sf.Opportunity {
  hs.dealname -> sf.Name truncate 120
}
on sf.Opportunity.StageName changes {
  set sf.Opportunity.Account.Name = "Won"
}"#,
        &["read_only_target"],
    );
    assert!(diags[0].message().contains("a field of a related record"));
}

#[test]
fn triggers_may_read_through_relationships() {
    expect(
        r#"sync deals: hs.deals -> sf.Opportunity {
  hs.dealname -> sf.Name truncate 120
}
on sf.Opportunity.StageName changes {
  set sf.Opportunity.NextStep = left(sf.Account.Owner.Email, 255)
}"#,
        &[],
    );
}

#[test]
fn compound_name_suggests_its_components() {
    let diags = expect(
        r#"sync leads: hs.contacts -> sf.Lead {
  hs.firstname -> sf.Name truncate 121
}"#,
        &["read_only_target"],
    );
    assert!(help_of(&diags[0]).contains("FirstName and LastName"));
}

#[test]
fn hubspot_read_only_property_cannot_be_written() {
    let diags = expect(
        r#"sync leads: hs.contacts <- sf.Lead {
  hs.hs_analytics_source <- sf.LeadSource
}"#,
        &["read_only_target", "picklist_not_covered"],
    );
    assert!(diags[0].message().contains("a read-only property"));
}

#[test]
fn free_text_into_a_restricted_picklist_needs_a_translation() {
    let diags = expect(
        r#"sync accounts: hs.companies -> sf.Account {
  hs.description -> sf.CleanStatus
}"#,
        &["picklist_not_covered"],
    );
    assert!(
        diags[0]
            .message()
            .starts_with("free text from hs.companies.description")
    );
}

#[test]
fn else_error_covers_both_directions_of_a_two_way_map() {
    expect(
        r#"sync deals: hs.deals <-> sf.Opportunity {
  conflict prefer sf
  hs.dealstage <-> sf.StageName via {
    "appointmentscheduled" <=> "Prospecting"
    "closedwon"            <=> "Closed Won"
    "closedlost"           <=> "Closed Lost"
    else error
  }
}"#,
        &[],
    );
}

#[test]
fn a_map_without_else_must_cover_every_active_source_value() {
    let diags = expect(
        r#"sync deals: hs.deals -> sf.Opportunity {
  hs.dealtype -> sf.Type via {
    "newbusiness" => "New Customer"
  }
}"#,
        &["open_picklist_not_covered"],
    );
    assert!(help_of(&diags[0]).contains("\"existingbusiness\""));
}

#[test]
fn create_action_must_set_required_fields() {
    let diags = expect(
        r#"on sf.Account.Rating becomes "Hot" {
  create sf.Opportunity {
    Name      = "Expansion: " + sf.Name
    StageName = "Prospecting"
  }
}"#,
        &["may_exceed_length", "required_field_unmapped"],
    );
    assert!(diags[1].message().contains("CloseDate"));
}

#[test]
fn trigger_may_not_set_a_field_a_sync_owns() {
    expect(
        r#"sync leads: hs.contacts <- sf.Lead {
  hs.hs_lead_status <- if sf.Status = "Closed - Converted" then "CONNECTED" else "IN_PROGRESS"
}

on sf.Lead.Status becomes "Working - Contacted" {
  set hs.contacts(associated).hs_lead_status = "IN_PROGRESS"
}"#,
        &["duplicate_writer"],
    );
}

#[test]
fn triggers_may_set_the_same_field() {
    let (checked, diags) = run(r#"on sf.Opportunity.StageName becomes "Closed Won" {
  set hs.contacts(associated).lifecyclestage = "customer"
}

on sf.Opportunity.StageName becomes "Closed Lost" {
  set hs.contacts(associated).lifecyclestage = "other"
}"#);
    assert!(diags.is_empty(), "{diags:?}");
    let CheckedAction::Set { target, .. } = &checked.triggers[0].actions[0] else {
        panic!("a set action");
    };
    assert_eq!(target.selector, tandem::check::RecordSelector::Associated);
}

#[test]
fn trigger_event_value_is_checked_against_the_watched_picklist() {
    let diags = expect(
        r#"on sf.Opportunity.StageName becomes "Closed-Won" {
  set hs.contacts(associated).lifecyclestage = "customer"
}"#,
        &["unknown_picklist_value"],
    );
    assert!(help_of(&diags[0]).contains("Closed Won"));
}

#[test]
fn one_way_sync_does_not_need_conflict_rules() {
    expect(
        r#"sync leads: hs.contacts -> sf.Lead {
  hs.jobtitle -> sf.Title truncate 128
}"#,
        &[],
    );
}

#[test]
fn a_mapping_rule_overrides_a_missing_sync_rule() {
    expect(
        r#"sync leads: hs.contacts <-> sf.Lead {
  hs.jobtitle <-> sf.Title truncate 128 prefer sf
}"#,
        &[],
    );
}

#[test]
fn id_link_match_key_is_indexed_and_marked() {
    let (checked, diags) = run(r#"sync accounts: hs.companies -> sf.Account {
  match hs.hs_object_id = sf.HubSpot_Company_Id__c
  hs.numberofemployees -> sf.NumberOfEmployees
}"#);
    assert!(diags.is_empty(), "{diags:?}");
    assert!(checked.syncs[0].match_keys[0].id_link);
}

#[test]
fn required_fields_can_be_satisfied_by_literals() {
    expect(
        r#"sync deals: hs.deals -> sf.Opportunity {
  create in sf
  hs.dealname -> sf.Name truncate 120
  "Prospecting" -> sf.StageName
  @2026-12-31 -> sf.CloseDate
}"#,
        &[],
    );
}

#[test]
fn undefined_names_are_left_to_the_names_stage() {
    // `via` an undefined map: `names` reports it; the checker stays silent.
    let mut sources = SourceMap::new();
    sources.add(
        "test.tandem",
        format!("{CONNECTIONS}sync leads: hs.contacts -> sf.Lead {{\n  hs.lifecyclestage -> sf.Status via nowhere\n}}\n"),
    );
    let (spec, _) = parse_spec(&sources);
    let (_, diags) = check(&spec, &Schemas::standard(), &Tables::new());
    assert!(diags.is_empty(), "{diags:?}");
}

#[test]
fn inactive_values_may_be_read_but_not_written() {
    expect(
        r#"sync subscriptions: hs.subscriptions <- sf.Subscription__c {
  only sf.Status__c not in ["Suspended"]
  hs.seats <- sf.Seats__c
}"#,
        &[],
    );
    expect(
        r#"sync subscriptions: hs.subscriptions -> sf.Subscription__c {
  "Suspended" -> sf.Status__c
}"#,
        &["inactive_picklist_value"],
    );
}

#[test]
fn a_combobox_accepts_free_text() {
    expect(
        r#"sync tasks: hs.tasks -> sf.Task {
  hs.hs_task_subject -> sf.Subject truncate 255
}"#,
        &[],
    );
    expect(
        r#"sync tasks: hs.tasks -> sf.Task {
  hs.hs_task_subject -> sf.Subject
}"#,
        &["may_exceed_length"],
    );
}
