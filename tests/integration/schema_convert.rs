//! Converters on payloads of the real shape (tests/payloads/): a Salesforce Lead describe,
//! HubSpot contacts and deals properties, deal pipelines and owners.

use tandem::schema::convert::{
    ConvertError, HubspotObjectInfo, hubspot_object, hubspot_owners, hubspot_pipelines,
    salesforce_object,
};
use tandem::schema::{FieldType, ObjectSchema};

fn payload(path: &str) -> String {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/payloads")
        .join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|error| panic!("{}: {error}", full.display()))
}

fn lead() -> ObjectSchema {
    salesforce_object(&payload("salesforce/lead-describe.json")).expect("lead describe converts")
}

fn info(name: &str, type_id: &str) -> HubspotObjectInfo {
    HubspotObjectInfo {
        name: name.to_string(),
        label: name.to_string(),
        object_type_id: Some(type_id.to_string()),
        custom: false,
    }
}

#[test]
fn salesforce_describe_keeps_object_flags() {
    let lead = lead();
    assert_eq!((lead.name.as_str(), lead.label.as_str()), ("Lead", "Lead"));
    assert!(lead.createable && lead.updateable && lead.deletable && !lead.custom);
}

#[test]
fn salesforce_required_on_create_follows_nillable_and_defaulted() {
    let lead = lead();
    let required: Vec<&str> = lead
        .fields
        .values()
        .filter(|field| field.required_on_create)
        .map(|field| field.name.as_str())
        .collect();
    assert_eq!(required, ["Company", "LastName"]);
    let status = lead.field("Status").expect("Status");
    assert!(!status.nillable && !status.required_on_create);
}

#[test]
fn salesforce_compound_name_and_address_are_read_only() {
    let lead = lead();
    let name = lead.field("Name").expect("Name");
    assert!(!name.writable_on_create() && !name.writable_on_update());
    let address = lead.field("Address").expect("Address");
    assert_eq!(address.native_type.as_deref(), Some("address"));
    assert!(!address.createable && !address.updateable);
    let geo = lead.field("Geo__c").expect("Geo__c");
    assert_eq!(geo.native_type.as_deref(), Some("location"));
}

#[test]
fn salesforce_formula_and_auto_number_fields_are_calculated() {
    let lead = lead();
    assert!(lead.field("Score_Band__c").is_some_and(|f| f.calculated));
    assert!(lead.field("Lead_Number__c").is_some_and(|f| f.calculated));
}

#[test]
fn salesforce_types_lengths_and_numbers() {
    let lead = lead();
    let check = |name: &str, field_type, length| {
        let field = lead.field(name).expect(name);
        assert_eq!(
            (field.field_type, field.length),
            (field_type, length),
            "{name}"
        );
    };
    check("LastName", FieldType::String, Some(80));
    check("Email", FieldType::Email, Some(80));
    check("Phone", FieldType::Phone, Some(40));
    check("Website", FieldType::Url, Some(255));
    check("Description", FieldType::Textarea, Some(32000));
    check("Id", FieldType::Id, Some(18));
    check("IsDeleted", FieldType::Bool, None);
    check("SystemModstamp", FieldType::Datetime, None);
    check("LastActivityDate", FieldType::Date, None);
    let employees = lead.field("NumberOfEmployees").expect("employees");
    assert_eq!(
        (employees.field_type, employees.precision),
        (FieldType::Int, Some(8))
    );
    let revenue = lead.field("AnnualRevenue").expect("revenue");
    assert_eq!(
        (revenue.field_type, revenue.precision, revenue.scale),
        (FieldType::Currency, Some(18), Some(0))
    );
    let secret = lead.field("Secret_Note__c").expect("secret");
    assert_eq!(secret.native_type.as_deref(), Some("encryptedstring"));
}

#[test]
fn salesforce_picklists_keep_values_restriction_and_inactive_entries() {
    let lead = lead();
    let status = lead
        .field("Status")
        .and_then(|f| f.picklist.as_ref())
        .expect("Status");
    assert!(status.restricted);
    assert!(
        status
            .value("Open - Not Contacted")
            .is_some_and(|v| v.default)
    );
    let industry = lead
        .field("Industry")
        .and_then(|f| f.picklist.as_ref())
        .expect("Industry");
    assert!(!industry.restricted);
    assert!(industry.value("Legacy").is_some_and(|v| !v.active));
    let interests = lead.field("Interests__c").expect("Interests__c");
    assert_eq!(interests.field_type, FieldType::Multipicklist);
}

#[test]
fn salesforce_references_keep_targets_and_relationship_names() {
    let lead = lead();
    let owner = lead.field("OwnerId").expect("OwnerId");
    assert_eq!(owner.reference_to, ["Group", "User"]);
    assert_eq!(owner.relationship_name.as_deref(), Some("Owner"));
    assert!(!owner.required_on_create, "OwnerId is defaulted on create");
    assert!(owner.defaulted_on_create);
    let external = lead.field("HubSpot_Contact_Id__c").expect("ext id");
    assert!(external.external_id && external.unique && external.id_lookup && external.custom);
    assert_eq!(
        lead.field("HasOptedOutOfEmail")
            .and_then(|f| f.default_value.as_deref()),
        Some("false")
    );
}

#[test]
fn salesforce_describe_converts_to_a_stable_snapshot() {
    let yaml = serde_yaml::to_string(&lead()).expect("serializes");
    insta::assert_snapshot!("salesforce_lead_describe", yaml);
}

#[test]
fn salesforce_malformed_describe_is_a_clear_error() {
    let error = salesforce_object("{\"name\": \"Lead\"}").expect_err("no fields");
    let ConvertError::Malformed { payload, message } = &error;
    assert_eq!(payload, "Salesforce describe");
    assert!(
        message.contains("label") || message.contains("fields"),
        "{message}"
    );
}

fn contacts() -> ObjectSchema {
    hubspot_object(
        &info("contacts", "0-1"),
        &payload("hubspot/contacts-properties.json"),
        None,
    )
    .expect("contacts convert")
}

#[test]
fn hubspot_types_map_to_neutral_types() {
    let contacts = contacts();
    let check = |name: &str, field_type| {
        assert_eq!(
            contacts.field(name).map(|f| f.field_type),
            Some(field_type),
            "{name}"
        );
    };
    check("email", FieldType::String);
    check("phone", FieldType::Phone);
    check("message", FieldType::Textarea);
    check("lifecyclestage", FieldType::Picklist);
    check("hs_buying_role", FieldType::Multipicklist);
    check("hs_email_optout", FieldType::Bool);
    check("createdate", FieldType::Datetime);
    check("renewal_date", FieldType::Date);
    check("hs_object_id", FieldType::Id);
    check("annual_contract_value", FieldType::Currency);
    let lifecycle = contacts.field("lifecyclestage").expect("lifecyclestage");
    assert_eq!(lifecycle.native_type.as_deref(), Some("enumeration"));
    assert_eq!(lifecycle.field_kind.as_deref(), Some("radio"));
}

#[test]
fn hubspot_read_only_calculated_unique_and_custom_flags() {
    let contacts = contacts();
    let id = contacts.field("hs_object_id").expect("hs_object_id");
    assert!(id.read_only_value && id.unique && !id.custom);
    assert!(contacts.field("hubspotscore").is_some_and(|f| f.calculated));
    assert!(contacts.field("renewal_date").is_some_and(|f| f.custom));
    assert!(
        contacts
            .field("email")
            .is_some_and(|f| f.writable_on_update())
    );
}

#[test]
fn hubspot_archived_properties_are_left_out() {
    assert!(contacts().field("legacy_score").is_none());
}

#[test]
fn hubspot_options_become_a_restricted_picklist_with_hidden_values_inactive() {
    let contacts = contacts();
    let status = contacts
        .field("hs_lead_status")
        .and_then(|f| f.picklist.as_ref())
        .expect("hs_lead_status");
    assert!(status.restricted);
    assert!(status.value("NEW").is_some_and(|v| v.active));
    assert!(status.value("LEGACY").is_some_and(|v| !v.active));
}

#[test]
fn hubspot_external_options_have_no_picklist() {
    let owner = contacts();
    let owner = owner.field("hubspot_owner_id").expect("owner");
    assert!(owner.external_options && owner.picklist.is_none());
}

#[test]
fn hubspot_deals_carry_their_pipelines() {
    let deals = hubspot_object(
        &info("deals", "0-3"),
        &payload("hubspot/deals-properties.json"),
        Some(&payload("hubspot/deals-pipelines.json")),
    )
    .expect("deals convert");
    assert_eq!(deals.pipelines.len(), 2);
    let default = deals.pipeline("default").expect("default pipeline");
    assert_eq!(default.stages.len(), 7);
    let won = default
        .stages
        .iter()
        .find(|s| s.id == "closedwon")
        .expect("closedwon");
    assert_eq!((won.probability, won.closed), (Some(1.0), true));
    let first = &default.stages[0];
    assert_eq!(
        (first.id.as_str(), first.probability, first.closed),
        ("appointmentscheduled", Some(0.2), false)
    );
    assert!(deals.field("dealstage").is_some_and(|f| f.external_options));
    assert!(
        deals
            .field("hs_is_closed_won")
            .is_some_and(|f| f.calculated && f.field_type == FieldType::Bool)
    );
    assert_eq!(
        deals.field("amount").map(|f| f.field_type),
        Some(FieldType::Currency)
    );
    insta::assert_snapshot!(
        "hubspot_deals_properties",
        serde_yaml::to_string(&deals).expect("yaml")
    );
}

#[test]
fn hubspot_pipelines_alone_convert() {
    let pipelines = hubspot_pipelines(&payload("hubspot/deals-pipelines.json")).expect("pipelines");
    let renewals = pipelines
        .iter()
        .find(|p| p.id == "1503927")
        .expect("renewals");
    assert_eq!(renewals.label, "Renewals");
    assert_eq!(renewals.stages.len(), 2);
}

#[test]
fn hubspot_owners_convert_including_queues_without_names() {
    let owners = hubspot_owners(&payload("hubspot/owners.json")).expect("owners");
    let ids: Vec<&str> = owners.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, ["70331455", "70331456", "70331459"]);
    assert_eq!(owners[0].first_name, "Ava");
    assert_eq!(owners[2].first_name, "");
}

#[test]
fn hubspot_malformed_properties_name_the_object() {
    let error =
        hubspot_object(&info("contacts", "0-1"), "{\"results\": 3}", None).expect_err("malformed");
    assert!(
        error.to_string().contains("HubSpot properties (contacts)"),
        "{error}"
    );
}

#[test]
fn hubspot_standard_objects_get_default_associations() {
    let contacts = contacts();
    let company = contacts
        .association_to("companies")
        .expect("contact -> company");
    assert_eq!((company.type_id, company.primary_type_id), (279, Some(1)));
    assert_eq!(contacts.association_to("deals").map(|a| a.type_id), Some(4));
    assert_eq!(
        tandem::schema::convert::standard_object_type_id("tasks"),
        Some("0-27")
    );
    assert_eq!(
        tandem::schema::convert::standard_object_name("0-3"),
        Some("deals")
    );
}

#[test]
fn hubspot_custom_object_schema_converts_with_required_properties_and_associations() {
    let object = tandem::schema::convert::hubspot_custom_object(&payload(
        "hubspot/subscriptions-schema.json",
    ))
    .expect("custom object converts");
    assert_eq!(
        (object.name.as_str(), object.label.as_str()),
        ("subscriptions", "Subscriptions")
    );
    assert!(object.custom);
    assert_eq!(object.object_type_id.as_deref(), Some("2-3465404"));
    let name = object.field("subscription_name").expect("name property");
    assert!(name.required_on_create && name.unique && name.custom);
    assert!(!object.field("plan").is_some_and(|f| f.required_on_create));
    assert_eq!(
        object.field("hs_object_id").map(|f| f.field_type),
        Some(FieldType::Id)
    );
    let targets: Vec<(&str, u32)> = object
        .associations
        .iter()
        .map(|a| (a.to_object.as_str(), a.type_id))
        .collect();
    // Only associations leaving the custom object, targets by standard name.
    assert_eq!(targets, [("companies", 67), ("contacts", 65)]);
}

#[test]
fn hubspot_custom_object_with_a_bad_association_id_is_a_clear_error() {
    let text = payload("hubspot/subscriptions-schema.json").replace("\"65\"", "\"sixty-five\"");
    let error = tandem::schema::convert::hubspot_custom_object(&text).expect_err("bad id");
    assert!(error.to_string().contains("sixty-five"), "{error}");
}
