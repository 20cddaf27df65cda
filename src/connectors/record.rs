//! The neutral shape of one record read from either CRM.
//!
//! Connectors produce it; the planner consumes it. Values stay as the CRM's JSON (HubSpot sends
//! every property as a string, Salesforce sends typed JSON); the planner coerces them using the
//! schema, so connectors need not know what a field means.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemoteRecord {
    /// HubSpot `hs_object_id` / Salesforce 18-character `Id`.
    pub id: String,
    /// Field or property values by API name, only the ones requested.
    pub fields: BTreeMap<String, serde_json::Value>,
    /// HubSpot `updatedAt` / Salesforce `SystemModstamp`, RFC 3339.
    pub modified_at: Option<String>,
    /// Archived (HubSpot) or deleted (Salesforce `IsDeleted`) records seen by delete reads.
    #[serde(default)]
    pub deleted: bool,
    /// When the record was merged away: the id of the record that survived
    /// (Salesforce `MasterRecordId`, HubSpot `hs_merged_object_ids` on the winner).
    #[serde(default)]
    pub merged_into: Option<String>,
}
