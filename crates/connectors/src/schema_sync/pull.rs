//! Fetching live schemas through the clients and converting them with `schema::convert`.

use crate::error::ConnectorError;
use crate::hubspot::HubSpotClient;
use crate::salesforce::SalesforceClient;
use tandem_ground::schema::convert::{self, HubspotObjectInfo};
use tandem_ground::schema::{SchemaSnapshot, System};

/// A fetch or conversion failure during `tandem schema pull`.
#[derive(Debug, thiserror::Error)]
pub enum PullError {
    #[error(transparent)]
    Connector(#[from] ConnectorError),
    #[error("{0}")]
    Convert(#[from] convert::ConvertError),
}

/// The standard HubSpot object types (name, label, object type id).
fn hubspot_info(object: &str) -> HubspotObjectInfo {
    // Standard objects are known by name (`tasks` is `0-27`); anything else is custom.
    let id = convert::standard_object_type_id(object);
    let mut label = object.to_string();
    if let Some(first) = label.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    HubspotObjectInfo {
        name: object.to_string(),
        label,
        object_type_id: id
            .map(str::to_string)
            .or_else(|| object.starts_with("2-").then(|| object.to_string())),
        custom: id.is_none(),
    }
}

/// Properties (+ pipelines) of each object and the account's owners.
pub async fn pull_hubspot(
    client: &HubSpotClient,
    objects: &[String],
) -> Result<SchemaSnapshot, PullError> {
    let mut snapshot = SchemaSnapshot::new(System::Hubspot);
    for object in objects {
        let properties = client.properties(object).await?.to_string();
        let pipelines = client.pipelines(object).await?.map(|p| p.to_string());
        let converted =
            convert::hubspot_object(&hubspot_info(object), &properties, pipelines.as_deref())?;
        snapshot.objects.insert(object.clone(), converted);
    }
    if !objects.is_empty() {
        snapshot.owners = convert::hubspot_owners(&client.owners().await?.to_string())?;
    }
    Ok(snapshot)
}

/// The describe of each sObject.
pub async fn pull_salesforce(
    client: &SalesforceClient,
    objects: &[String],
) -> Result<SchemaSnapshot, PullError> {
    let mut snapshot = SchemaSnapshot::new(System::Salesforce);
    for object in objects {
        let describe = client.describe(object).await?.to_string();
        let converted = convert::salesforce_object(&describe)?;
        snapshot.objects.insert(converted.name.clone(), converted);
    }
    Ok(snapshot)
}
