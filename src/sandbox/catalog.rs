//! The objects and fields the sandbox serves: the shipped standard catalog plus custom
//! objects and fields from a sandbox config file (YAML, in the schema model's own shape).
//!
//! Until the schema stage ships `schema::standard`, a compact built-in catalog of the real
//! standard fields stands in (see `fallback_hubspot` / `fallback_salesforce`).

use std::path::Path;

use serde::Deserialize;

use crate::schema::{
    FieldSchema, FieldType, ObjectSchema, Owner, Picklist, PicklistValue, Pipeline, PipelineStage,
    SchemaSnapshot, System,
};

use super::SandboxError;

/// Custom objects and fields to add to the standard catalog, read from `--config FILE`.
///
/// ```yaml
/// hubspot:
///   objects:
///     contacts:            # an existing object: these fields are added to it
///       name: contacts
///       label: Contacts
///       fields:
///         salesforce_id: {name: salesforce_id, label: Salesforce Id, type: string, unique: true}
/// salesforce:
///   objects:
///     Subscription__c: {name: Subscription__c, label: Subscription, custom: true, fields: {...}}
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomCatalog {
    #[serde(default)]
    pub hubspot: Option<CustomSystem>,
    #[serde(default)]
    pub salesforce: Option<CustomSystem>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomSystem {
    #[serde(default)]
    pub objects: std::collections::BTreeMap<String, ObjectSchema>,
    #[serde(default)]
    pub owners: Vec<Owner>,
}

impl CustomCatalog {
    pub fn from_yaml_file(path: &Path) -> Result<Self, SandboxError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| SandboxError::ConfigUnreadable {
                path: path.display().to_string(),
                reason: source.to_string(),
            })?;
        Self::from_yaml_str(&text, &path.display().to_string())
    }

    pub fn from_yaml_str(text: &str, origin: &str) -> Result<Self, SandboxError> {
        serde_yaml::from_str(text).map_err(|source| SandboxError::ConfigInvalid {
            path: origin.to_string(),
            reason: source.to_string(),
        })
    }
}

/// Merges custom objects (new) and fields (on existing objects) into a snapshot.
pub fn apply_custom(snapshot: &mut SchemaSnapshot, custom: Option<&CustomSystem>) {
    let Some(custom) = custom else { return };
    for (name, object) in &custom.objects {
        match snapshot.objects.get_mut(name) {
            Some(existing) => {
                for (field_name, field) in &object.fields {
                    existing.fields.insert(field_name.clone(), field.clone());
                }
                existing.pipelines.extend(object.pipelines.iter().cloned());
            }
            None => {
                snapshot.objects.insert(name.clone(), object.clone());
            }
        }
    }
    snapshot.owners.extend(custom.owners.iter().cloned());
}

/// The standard HubSpot catalog the sandbox serves.
pub fn standard_hubspot() -> SchemaSnapshot {
    fallback_hubspot()
}

/// The standard Salesforce catalog the sandbox serves.
pub fn standard_salesforce() -> SchemaSnapshot {
    fallback_salesforce()
}

// ---- builders: a terse way to write real field definitions ----

fn field(name: &str, label: &str, field_type: FieldType) -> FieldSchema {
    FieldSchema::new(name, label, field_type)
}

fn text(name: &str, label: &str, length: u32) -> FieldSchema {
    let mut f = field(name, label, FieldType::String);
    f.length = Some(length);
    f
}

fn typed_len(name: &str, label: &str, field_type: FieldType, length: u32) -> FieldSchema {
    let mut f = field(name, label, field_type);
    f.length = Some(length);
    f
}

fn read_only(mut f: FieldSchema) -> FieldSchema {
    f.createable = false;
    f.updateable = false;
    f
}

fn hs_read_only(mut f: FieldSchema) -> FieldSchema {
    f.read_only_value = true;
    f
}

fn required(mut f: FieldSchema) -> FieldSchema {
    f.required_on_create = true;
    f.nillable = false;
    f
}

fn picklist(name: &str, label: &str, restricted: bool, values: &[(&str, &str)]) -> FieldSchema {
    let mut f = field(name, label, FieldType::Picklist);
    f.picklist = Some(Picklist {
        restricted,
        values: values
            .iter()
            .map(|(value, label)| PicklistValue {
                value: value.to_string(),
                label: label.to_string(),
                active: true,
                default: false,
            })
            .collect(),
    });
    f
}

fn same(values: &[&'static str]) -> Vec<(&'static str, &'static str)> {
    values.iter().map(|v| (*v, *v)).collect()
}

fn reference(name: &str, label: &str, targets: &[&str]) -> FieldSchema {
    let mut f = field(name, label, FieldType::Reference);
    f.length = Some(18);
    f.reference_to = targets.iter().map(|t| t.to_string()).collect();
    f
}

fn object(
    name: &str,
    label: &str,
    type_id: Option<&str>,
    fields: Vec<FieldSchema>,
) -> ObjectSchema {
    ObjectSchema {
        name: name.to_string(),
        label: label.to_string(),
        custom: false,
        createable: true,
        updateable: true,
        deletable: true,
        object_type_id: type_id.map(str::to_string),
        fields: fields.into_iter().map(|f| (f.name.clone(), f)).collect(),
        pipelines: Vec::new(),
        associations: Vec::new(),
    }
}

const SF_INDUSTRIES: &[&str] = &[
    "Agriculture",
    "Apparel",
    "Banking",
    "Biotechnology",
    "Chemicals",
    "Communications",
    "Construction",
    "Consulting",
    "Education",
    "Electronics",
    "Energy",
    "Engineering",
    "Entertainment",
    "Environmental",
    "Finance",
    "Food & Beverage",
    "Government",
    "Healthcare",
    "Hospitality",
    "Insurance",
    "Machinery",
    "Manufacturing",
    "Media",
    "Not For Profit",
    "Recreation",
    "Retail",
    "Shipping",
    "Technology",
    "Telecommunications",
    "Transportation",
    "Utilities",
    "Other",
];

const HS_INDUSTRIES: &[(&str, &str)] = &[
    ("ACCOUNTING", "Accounting"),
    ("BANKING", "Banking"),
    ("BIOTECHNOLOGY", "Biotechnology"),
    ("COMPUTER_SOFTWARE", "Computer Software"),
    ("CONSTRUCTION", "Construction"),
    ("EDUCATION_MANAGEMENT", "Education Management"),
    ("FINANCIAL_SERVICES", "Financial Services"),
    ("FOOD_BEVERAGES", "Food & Beverages"),
    ("HOSPITAL_HEALTH_CARE", "Hospital & Health Care"),
    (
        "INFORMATION_TECHNOLOGY_AND_SERVICES",
        "Information Technology and Services",
    ),
    ("INSURANCE", "Insurance"),
    ("MANAGEMENT_CONSULTING", "Management Consulting"),
    ("MARKETING_AND_ADVERTISING", "Marketing and Advertising"),
    ("RETAIL", "Retail"),
    ("TELECOMMUNICATIONS", "Telecommunications"),
    ("UTILITIES", "Utilities"),
];

const LIFECYCLE: &[(&str, &str)] = &[
    ("subscriber", "Subscriber"),
    ("lead", "Lead"),
    ("marketingqualifiedlead", "Marketing Qualified Lead"),
    ("salesqualifiedlead", "Sales Qualified Lead"),
    ("opportunity", "Opportunity"),
    ("customer", "Customer"),
    ("evangelist", "Evangelist"),
    ("other", "Other"),
];

fn hubspot_common(modified: &str) -> Vec<FieldSchema> {
    let mut id = field("hs_object_id", "Record ID", FieldType::Int);
    id.read_only_value = true;
    id.unique = true;
    let mut owner = field("hubspot_owner_id", "Owner", FieldType::Picklist);
    owner.external_options = true;
    vec![
        id,
        hs_read_only(field("createdate", "Create Date", FieldType::Datetime)),
        hs_read_only(field(modified, "Last Modified Date", FieldType::Datetime)),
        hs_read_only(field(
            "hs_merged_object_ids",
            "Merged Record IDs",
            FieldType::Multipicklist,
        )),
        owner,
    ]
}

fn fallback_hubspot() -> SchemaSnapshot {
    let mut snapshot = SchemaSnapshot::new(System::Hubspot);
    let mut contact_fields = hubspot_common("lastmodifieddate");
    let mut email = field("email", "Email", FieldType::Email);
    email.unique = true;
    contact_fields.extend([
        email,
        field("firstname", "First Name", FieldType::String),
        field("lastname", "Last Name", FieldType::String),
        field("phone", "Phone Number", FieldType::Phone),
        field("mobilephone", "Mobile Phone Number", FieldType::Phone),
        field("company", "Company Name", FieldType::String),
        field("jobtitle", "Job Title", FieldType::String),
        field("website", "Website URL", FieldType::Url),
        field("city", "City", FieldType::String),
        field("state", "State/Region", FieldType::String),
        field("country", "Country/Region", FieldType::String),
        field("zip", "Postal Code", FieldType::String),
        picklist("lifecyclestage", "Lifecycle Stage", true, LIFECYCLE),
        picklist(
            "hs_lead_status",
            "Lead Status",
            true,
            &[
                ("NEW", "New"),
                ("OPEN", "Open"),
                ("IN_PROGRESS", "In Progress"),
                ("OPEN_DEAL", "Open Deal"),
                ("UNQUALIFIED", "Unqualified"),
                ("ATTEMPTED_TO_CONTACT", "Attempted to Contact"),
                ("CONNECTED", "Connected"),
                ("BAD_TIMING", "Bad Timing"),
            ],
        ),
        field("salesforceleadid", "Salesforce Lead ID", FieldType::String),
        field(
            "salesforcecontactid",
            "Salesforce Contact ID",
            FieldType::String,
        ),
        hs_read_only(field("hubspotscore", "HubSpot Score", FieldType::Double)),
    ]);
    snapshot.objects.insert(
        "contacts".into(),
        object("contacts", "Contacts", Some("0-1"), contact_fields),
    );

    let mut company_fields = hubspot_common("hs_lastmodifieddate");
    company_fields.extend([
        field("name", "Company name", FieldType::String),
        field("domain", "Company Domain Name", FieldType::String),
        field("website", "Website URL", FieldType::Url),
        field("phone", "Phone Number", FieldType::Phone),
        picklist("industry", "Industry", true, HS_INDUSTRIES),
        field("numberofemployees", "Number of Employees", FieldType::Int),
        field("annualrevenue", "Annual Revenue", FieldType::Currency),
        field("city", "City", FieldType::String),
        field("state", "State/Region", FieldType::String),
        field("country", "Country/Region", FieldType::String),
        picklist("lifecyclestage", "Lifecycle Stage", true, LIFECYCLE),
        field(
            "salesforceaccountid",
            "Salesforce Account ID",
            FieldType::String,
        ),
    ]);
    snapshot.objects.insert(
        "companies".into(),
        object("companies", "Companies", Some("0-2"), company_fields),
    );

    let mut deal_fields = hubspot_common("hs_lastmodifieddate");
    let mut stage = field("dealstage", "Deal Stage", FieldType::Picklist);
    stage.external_options = true;
    let mut pipeline = field("pipeline", "Pipeline", FieldType::Picklist);
    pipeline.external_options = true;
    deal_fields.extend([
        field("dealname", "Deal Name", FieldType::String),
        field("amount", "Amount", FieldType::Currency),
        stage,
        pipeline,
        field("closedate", "Close Date", FieldType::Datetime),
        picklist(
            "dealtype",
            "Deal Type",
            true,
            &[
                ("newbusiness", "New Business"),
                ("existingbusiness", "Existing Business"),
            ],
        ),
        hs_read_only(field("hs_probability", "Probability", FieldType::Double)),
        field(
            "hs_salesforceopportunityid",
            "Salesforce Opportunity ID",
            FieldType::String,
        ),
    ]);
    let mut deals = object("deals", "Deals", Some("0-3"), deal_fields);
    let stages = [
        ("appointmentscheduled", "Appointment Scheduled", 0.2, false),
        ("qualifiedtobuy", "Qualified To Buy", 0.4, false),
        (
            "presentationscheduled",
            "Presentation Scheduled",
            0.6,
            false,
        ),
        (
            "decisionmakerboughtin",
            "Decision Maker Bought-In",
            0.8,
            false,
        ),
        ("contractsent", "Contract Sent", 0.9, false),
        ("closedwon", "Closed Won", 1.0, true),
        ("closedlost", "Closed Lost", 0.0, true),
    ];
    deals.pipelines.push(Pipeline {
        id: "default".into(),
        label: "Sales Pipeline".into(),
        stages: stages
            .iter()
            .enumerate()
            .map(|(order, (id, label, probability, closed))| PipelineStage {
                id: id.to_string(),
                label: label.to_string(),
                display_order: order as i32,
                probability: Some(*probability),
                closed: *closed,
            })
            .collect(),
    });
    snapshot.objects.insert("deals".into(), deals);
    snapshot.owners = vec![
        Owner {
            id: "110001".into(),
            email: "ana.rivera@example.com".into(),
            first_name: "Ana".into(),
            last_name: "Rivera".into(),
        },
        Owner {
            id: "110002".into(),
            email: "ben.okafor@example.com".into(),
            first_name: "Ben".into(),
            last_name: "Okafor".into(),
        },
        Owner {
            id: "110003".into(),
            email: "chen.wu@example.com".into(),
            first_name: "Chen".into(),
            last_name: "Wu".into(),
        },
    ];
    snapshot
}

fn salesforce_system_fields(object: &str) -> Vec<FieldSchema> {
    let mut id = read_only(field("Id", &format!("{object} ID"), FieldType::Id));
    id.length = Some(18);
    id.nillable = false;
    id.id_lookup = true;
    vec![
        id,
        read_only(field("IsDeleted", "Deleted", FieldType::Bool)),
        read_only(field("CreatedDate", "Created Date", FieldType::Datetime)),
        read_only(field(
            "LastModifiedDate",
            "Last Modified Date",
            FieldType::Datetime,
        )),
        read_only(field(
            "SystemModstamp",
            "System Modstamp",
            FieldType::Datetime,
        )),
        read_only(reference("CreatedById", "Created By ID", &["User"])),
        read_only(reference(
            "LastModifiedById",
            "Last Modified By ID",
            &["User"],
        )),
    ]
}

fn person_fields() -> Vec<FieldSchema> {
    let mut email = typed_len("Email", "Email", FieldType::Email, 80);
    email.id_lookup = true;
    vec![
        text("FirstName", "First Name", 40),
        required(text("LastName", "Last Name", 80)),
        email,
        typed_len("Phone", "Phone", FieldType::Phone, 40),
        typed_len("MobilePhone", "Mobile Phone", FieldType::Phone, 40),
        text("Title", "Title", 128),
        picklist(
            "LeadSource",
            "Lead Source",
            false,
            &same(&[
                "Web",
                "Phone Inquiry",
                "Partner Referral",
                "Purchased List",
                "Other",
            ]),
        ),
        reference("OwnerId", "Owner ID", &["User"]),
    ]
}

fn fallback_salesforce() -> SchemaSnapshot {
    let mut snapshot = SchemaSnapshot::new(System::Salesforce);

    let mut account = salesforce_system_fields("Account");
    // Account.Industry is unrestricted in many orgs; restricting it here gives the
    // restricted-picklist error path a standard field to exercise.
    let industry = picklist("Industry", "Industry", true, &same(SF_INDUSTRIES));
    account.extend([
        required(text("Name", "Account Name", 255)),
        typed_len("Website", "Website", FieldType::Url, 255),
        typed_len("Phone", "Account Phone", FieldType::Phone, 40),
        industry,
        field("NumberOfEmployees", "Employees", FieldType::Int),
        currency("AnnualRevenue", "Annual Revenue"),
        text("BillingCity", "Billing City", 40),
        text("BillingState", "Billing State/Province", 80),
        text("BillingCountry", "Billing Country", 80),
        picklist(
            "Type",
            "Account Type",
            false,
            &same(&["Prospect", "Customer - Direct", "Partner", "Other"]),
        ),
        reference("OwnerId", "Owner ID", &["User"]),
        read_only(reference(
            "MasterRecordId",
            "Master Record ID",
            &["Account"],
        )),
    ]);
    snapshot.objects.insert(
        "Account".into(),
        object("Account", "Account", None, account),
    );

    let mut contact = salesforce_system_fields("Contact");
    contact.extend(person_fields());
    contact.extend([
        reference("AccountId", "Account ID", &["Account"]),
        text("MailingCity", "Mailing City", 40),
        text("MailingState", "Mailing State/Province", 80),
        text("MailingCountry", "Mailing Country", 80),
        read_only(reference(
            "MasterRecordId",
            "Master Record ID",
            &["Contact"],
        )),
    ]);
    snapshot.objects.insert(
        "Contact".into(),
        object("Contact", "Contact", None, contact),
    );

    let mut lead = salesforce_system_fields("Lead");
    lead.extend(person_fields());
    let mut status = picklist(
        "Status",
        "Lead Status",
        true,
        &same(&[
            "Open - Not Contacted",
            "Working - Contacted",
            "Closed - Converted",
            "Closed - Not Converted",
        ]),
    );
    status.nillable = false;
    status.default_value = Some("Open - Not Contacted".into());
    if let Some(list) = status.picklist.as_mut() {
        list.values[0].default = true;
    }
    lead.extend([
        required(text("Company", "Company", 255)),
        status,
        picklist("Industry", "Industry", false, &same(SF_INDUSTRIES)),
        text("City", "City", 40),
        text("State", "State/Province", 80),
        text("Country", "Country", 80),
        typed_len("Website", "Website", FieldType::Url, 255),
        read_only(field("IsConverted", "Converted", FieldType::Bool)),
        read_only(field("ConvertedDate", "Converted Date", FieldType::Date)),
        read_only(reference(
            "ConvertedAccountId",
            "Converted Account ID",
            &["Account"],
        )),
        read_only(reference(
            "ConvertedContactId",
            "Converted Contact ID",
            &["Contact"],
        )),
        read_only(reference(
            "ConvertedOpportunityId",
            "Converted Opportunity ID",
            &["Opportunity"],
        )),
        read_only(reference("MasterRecordId", "Master Record ID", &["Lead"])),
    ]);
    snapshot
        .objects
        .insert("Lead".into(), object("Lead", "Lead", None, lead));

    let mut opportunity = salesforce_system_fields("Opportunity");
    let mut probability = field("Probability", "Probability (%)", FieldType::Percent);
    probability.precision = Some(3);
    probability.scale = Some(0);
    opportunity.extend([
        required(text("Name", "Name", 120)),
        required(picklist(
            "StageName",
            "Stage",
            true,
            &same(&[
                "Prospecting",
                "Qualification",
                "Needs Analysis",
                "Value Proposition",
                "Id. Decision Makers",
                "Perception Analysis",
                "Proposal/Price Quote",
                "Negotiation/Review",
                "Closed Won",
                "Closed Lost",
            ]),
        )),
        required(field("CloseDate", "Close Date", FieldType::Date)),
        currency("Amount", "Amount"),
        probability,
        reference("AccountId", "Account ID", &["Account"]),
        text("NextStep", "Next Step", 255),
        picklist(
            "Type",
            "Opportunity Type",
            false,
            &same(&[
                "New Customer",
                "Existing Customer - Upgrade",
                "Existing Customer - Replacement",
            ]),
        ),
        reference("OwnerId", "Owner ID", &["User"]),
    ]);
    snapshot.objects.insert(
        "Opportunity".into(),
        object("Opportunity", "Opportunity", None, opportunity),
    );

    let mut task = salesforce_system_fields("Task");
    let mut task_status = picklist(
        "Status",
        "Status",
        true,
        &same(&[
            "Not Started",
            "In Progress",
            "Completed",
            "Waiting on someone else",
            "Deferred",
        ]),
    );
    task_status.nillable = false;
    task_status.default_value = Some("Not Started".into());
    let mut priority = picklist(
        "Priority",
        "Priority",
        true,
        &same(&["High", "Normal", "Low"]),
    );
    priority.nillable = false;
    priority.default_value = Some("Normal".into());
    task.extend([
        text("Subject", "Subject", 255),
        task_status,
        priority,
        field("ActivityDate", "Due Date Only", FieldType::Date),
        typed_len("Description", "Description", FieldType::Textarea, 32000),
        reference("WhoId", "Name ID", &["Contact", "Lead"]),
        reference("WhatId", "Related To ID", &["Account", "Opportunity"]),
        reference("OwnerId", "Assigned To ID", &["User"]),
    ]);
    snapshot
        .objects
        .insert("Task".into(), object("Task", "Task", None, task));

    let mut user = salesforce_system_fields("User");
    user.extend([
        text("FirstName", "First Name", 40),
        required(text("LastName", "Last Name", 80)),
        required(typed_len("Email", "Email", FieldType::Email, 128)),
        required(text("Username", "Username", 80)),
        field("IsActive", "Active", FieldType::Bool),
    ]);
    snapshot
        .objects
        .insert("User".into(), object("User", "User", None, user));
    snapshot
}

fn currency(name: &str, label: &str) -> FieldSchema {
    let mut f = field(name, label, FieldType::Currency);
    f.precision = Some(18);
    f.scale = Some(2);
    f
}
