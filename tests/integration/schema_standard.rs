//! The shipped standard snapshots: they parse, they are in canonical form (so `schema pull`
//! output diffs cleanly against them), and they hold the facts the checker relies on.

use tandem::schema::snapshot::{from_yaml, to_yaml};
use tandem::schema::standard::{HUBSPOT_YAML, SALESFORCE_YAML, hubspot, salesforce};
use tandem::schema::{FieldType, SchemaSnapshot, System};

fn field<'a>(
    snapshot: &'a SchemaSnapshot,
    object: &str,
    field: &str,
) -> &'a tandem::schema::FieldSchema {
    snapshot
        .object(object)
        .and_then(|schema| schema.field(field))
        .unwrap_or_else(|| panic!("{object}.{field} missing from the standard snapshot"))
}

#[test]
fn shipped_snapshots_are_in_canonical_form() {
    let path = std::path::Path::new("schemas/x.yaml");
    for text in [HUBSPOT_YAML, SALESFORCE_YAML] {
        let snapshot = from_yaml(text, path).expect("shipped snapshot parses");
        assert_eq!(
            to_yaml(&snapshot).expect("serializes"),
            text,
            "the shipped snapshot is not in the canonical layout; rewrite it with snapshot::write_dir"
        );
    }
}

#[test]
fn shipped_snapshots_name_their_system() {
    assert_eq!(hubspot().system, System::Hubspot);
    assert_eq!(salesforce().system, System::Salesforce);
}

#[test]
fn salesforce_standard_objects_are_present() {
    let sf = salesforce();
    for object in [
        "Lead",
        "Contact",
        "Account",
        "Opportunity",
        "Task",
        "User",
        "Subscription__c",
    ] {
        assert!(sf.object(object).is_some(), "{object} missing");
    }
    assert!(sf.object("Subscription__c").is_some_and(|o| o.custom));
}

#[test]
fn salesforce_compound_and_formula_fields_are_not_writable() {
    let sf = salesforce();
    assert!(!field(&sf, "Lead", "Name").writable_on_create());
    assert!(!field(&sf, "Opportunity", "IsWon").writable_on_update());
    assert!(!field(&sf, "Opportunity", "IsClosed").writable_on_update());
    assert!(field(&sf, "Opportunity", "ExpectedRevenue").calculated);
    assert!(!field(&sf, "Account", "SystemModstamp").writable_on_update());
    assert!(!field(&sf, "Contact", "LastModifiedDate").writable_on_create());
}

#[test]
fn salesforce_required_fields_match_the_describe_rule() {
    let sf = salesforce();
    assert!(field(&sf, "Lead", "LastName").required_on_create);
    assert!(field(&sf, "Lead", "Company").required_on_create);
    // Status is not nillable but defaulted on create, so it is not required.
    assert!(!field(&sf, "Lead", "Status").required_on_create);
    assert!(!field(&sf, "Lead", "Status").nillable);
    assert!(field(&sf, "Opportunity", "StageName").required_on_create);
    assert!(field(&sf, "Opportunity", "CloseDate").required_on_create);
    assert!(field(&sf, "Account", "Name").required_on_create);
    assert!(!field(&sf, "Task", "OwnerId").required_on_create);
    // Not nillable but filled in by Salesforce: defaulted, so a create may leave it out.
    for (object, name) in [
        ("Account", "OwnerId"),
        ("Lead", "Status"),
        ("Lead", "DoNotCall"),
    ] {
        let defaulted = field(&sf, object, name);
        assert!(
            defaulted.defaulted_on_create && !defaulted.nillable,
            "{object}.{name}"
        );
    }
}

#[test]
fn salesforce_lengths_types_and_lookup_flags_are_real() {
    let sf = salesforce();
    let last_name = field(&sf, "Lead", "LastName");
    assert_eq!(
        (last_name.field_type, last_name.length),
        (FieldType::String, Some(80))
    );
    assert_eq!(field(&sf, "Opportunity", "Name").length, Some(120));
    let amount = field(&sf, "Opportunity", "Amount");
    assert_eq!(
        (amount.field_type, amount.precision, amount.scale),
        (FieldType::Currency, Some(18), Some(2))
    );
    assert!(field(&sf, "Lead", "Email").id_lookup);
    assert!(field(&sf, "Contact", "Email").id_lookup);
    let external = field(&sf, "Account", "HubSpot_Company_Id__c");
    assert!(external.external_id && external.unique && external.custom);
    assert_eq!(
        field(&sf, "Contact", "AccountId").reference_to,
        vec!["Account"]
    );
    assert_eq!(
        field(&sf, "Task", "WhoId").reference_to,
        vec!["Contact", "Lead"]
    );
    assert_eq!(
        field(&sf, "Task", "Subject").native_type.as_deref(),
        Some("combobox")
    );
}

#[test]
fn salesforce_picklists_hold_the_standard_values() {
    let sf = salesforce();
    let stage = field(&sf, "Opportunity", "StageName");
    let picklist = stage.picklist.as_ref().expect("StageName is a picklist");
    assert!(picklist.restricted);
    assert!(picklist.value("Closed Won").is_some());
    assert!(picklist.value("Negotiation/Review").is_some());
    let status = field(&sf, "Lead", "Status")
        .picklist
        .as_ref()
        .expect("picklist");
    assert!(
        status
            .value("Open - Not Contacted")
            .is_some_and(|v| v.default)
    );
    let source = field(&sf, "Lead", "LeadSource")
        .picklist
        .as_ref()
        .expect("picklist");
    assert!(!source.restricted);
    let inactive = field(&sf, "Subscription__c", "Status__c")
        .picklist
        .as_ref()
        .and_then(|p| p.value("Suspended"))
        .expect("Suspended value");
    assert!(!inactive.active);
}

#[test]
fn hubspot_standard_objects_and_read_only_properties() {
    let hs = hubspot();
    for object in ["contacts", "companies", "deals", "tasks", "subscriptions"] {
        assert!(hs.object(object).is_some(), "{object} missing");
    }
    assert_eq!(
        hs.object("contacts")
            .and_then(|o| o.object_type_id.as_deref()),
        Some("0-1")
    );
    assert!(field(&hs, "contacts", "hs_object_id").read_only_value);
    assert!(field(&hs, "contacts", "lastmodifieddate").read_only_value);
    assert!(field(&hs, "companies", "hs_lastmodifieddate").read_only_value);
    assert!(field(&hs, "contacts", "hs_analytics_source").read_only_value);
    assert!(!field(&hs, "contacts", "email").read_only_value);
}

#[test]
fn hubspot_enumerations_and_external_options() {
    let hs = hubspot();
    let lifecycle = field(&hs, "contacts", "lifecyclestage");
    assert_eq!(lifecycle.field_type, FieldType::Picklist);
    assert!(
        lifecycle
            .picklist
            .as_ref()
            .is_some_and(|p| p.value("marketingqualifiedlead").is_some())
    );
    let industry = field(&hs, "companies", "industry");
    assert!(
        industry
            .picklist
            .as_ref()
            .is_some_and(|p| p.value("COMPUTER_SOFTWARE").is_some() && p.values.len() > 140)
    );
    let stage = field(&hs, "deals", "dealstage");
    assert!(stage.external_options && stage.picklist.is_none());
    assert!(field(&hs, "deals", "hubspot_owner_id").external_options);
    assert_eq!(
        field(&hs, "companies", "web_technologies").field_type,
        FieldType::Multipicklist
    );
    assert_eq!(
        field(&hs, "deals", "closedate").field_type,
        FieldType::Datetime
    );
}

#[test]
fn hubspot_default_pipeline_and_owners() {
    let hs = hubspot();
    let deals = hs.object("deals").expect("deals");
    let pipeline = deals.pipeline("default").expect("default pipeline");
    let ids: Vec<&str> = pipeline.stages.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "appointmentscheduled",
            "qualifiedtobuy",
            "presentationscheduled",
            "decisionmakerboughtin",
            "contractsent",
            "closedwon",
            "closedlost"
        ]
    );
    let won = &pipeline.stages[5];
    assert_eq!((won.probability, won.closed), (Some(1.0), true));
    assert!(hs.owners.len() >= 3);
}

#[test]
fn hubspot_salesforce_integration_properties_exist() {
    let hs = hubspot();
    for (object, property) in [
        ("contacts", "salesforceleadid"),
        ("contacts", "salesforcecontactid"),
        ("contacts", "salesforceaccountid"),
        ("companies", "salesforceaccountid"),
        ("deals", "hs_salesforceopportunityid"),
    ] {
        assert!(!field(&hs, object, property).read_only_value);
    }
}
