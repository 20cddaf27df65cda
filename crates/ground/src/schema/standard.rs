//! The shipped standard catalog: a realistic standard HubSpot portal and Salesforce org,
//! embedded from `schemas/hubspot.yaml` and `schemas/salesforce.yaml` at the repository root.
//!
//! The example specs check clean against these, the sandbox serves exactly these objects, and
//! `tandem schema pull` replaces them with a real portal's and org's metadata.

use std::path::Path;

use super::model::SchemaSnapshot;
use super::snapshot::from_yaml;

/// The YAML text of the shipped HubSpot snapshot.
pub const HUBSPOT_YAML: &str = include_str!("../../../../schemas/hubspot.yaml");
/// The YAML text of the shipped Salesforce snapshot.
pub const SALESFORCE_YAML: &str = include_str!("../../../../schemas/salesforce.yaml");

/// The standard HubSpot portal: contacts, companies, deals (with the default sales pipeline
/// and a renewals pipeline), tasks, a `subscriptions` custom object, and a few owners.
pub fn hubspot() -> SchemaSnapshot {
    parse_embedded(HUBSPOT_YAML, "schemas/hubspot.yaml")
}

/// The standard Salesforce org: Lead, Contact, Account, Opportunity, Task, User and a
/// `Subscription__c` custom object.
pub fn salesforce() -> SchemaSnapshot {
    parse_embedded(SALESFORCE_YAML, "schemas/salesforce.yaml")
}

fn parse_embedded(text: &str, name: &str) -> SchemaSnapshot {
    // The embedded text is part of the binary, not user input; `tests/integration/schema_standard.rs`
    // parses both on every test run, so a broken snapshot can never ship.
    match from_yaml(text, Path::new(name)) {
        Ok(snapshot) => snapshot,
        Err(error) => panic!("the embedded standard snapshot is invalid: {error}"),
    }
}
