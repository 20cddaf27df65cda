//! The objects and fields the sandbox serves: the shipped standard catalog plus custom
//! objects and fields from a sandbox config file (YAML, in the schema model's own shape).
//! The standard catalog is `schema::standard` (the shipped `schemas/*.yaml`), so the
//! sandbox serves exactly the objects and fields the checker knows.

use std::path::Path;

use serde::Deserialize;

use tandem_ground::schema::{ObjectSchema, Owner, SchemaSnapshot};

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

/// The standard HubSpot catalog the sandbox serves: the shipped snapshot.
pub fn standard_hubspot() -> SchemaSnapshot {
    tandem_ground::schema::standard::hubspot()
}

/// The standard Salesforce catalog the sandbox serves: the shipped snapshot.
pub fn standard_salesforce() -> SchemaSnapshot {
    tandem_ground::schema::standard::salesforce()
}
