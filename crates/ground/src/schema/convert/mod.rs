//! Converters from the CRMs' metadata payloads to the neutral model. Pure: they take the JSON
//! text (or value) a connector fetched and return model values; they never fetch.
//!
//! - [`salesforce_object`]: one `GET /sobjects/{Object}/describe` response -> [`ObjectSchema`].
//! - [`hubspot_object`]: `GET /crm/v3/properties/{objectType}` (+ optionally
//!   `GET /crm/v3/pipelines/{objectType}`) -> [`ObjectSchema`].
//! - [`hubspot_pipelines`]: a pipelines response -> [`Pipeline`]s.
//! - [`hubspot_owners`]: `GET /crm/v3/owners` -> [`Owner`]s.
//! - [`hubspot_custom_object`]: `GET /crm/v3/schemas/{objectType}` -> [`ObjectSchema`] (with
//!   required properties and associations); [`default_associations`] and the standard object
//!   type ids for the standard objects.
//!
//! Unknown CRM types never fail a conversion: they become read-only `string` fields that keep
//! the CRM's type name in `native_type`, so a new CRM type cannot block `tandem schema pull`.

mod hubspot;
mod hubspot_objects;
mod salesforce;

pub use hubspot::{HubspotObjectInfo, hubspot_object, hubspot_owners, hubspot_pipelines};
pub use hubspot_objects::{
    default_associations, hubspot_custom_object, standard_object_name, standard_object_type_id,
};
pub use salesforce::salesforce_object;

#[cfg(doc)]
use super::model::{ObjectSchema, Owner, Pipeline};

use thiserror::Error;

/// A payload that does not have the shape the CRM documents.
#[derive(Debug, Error)]
pub enum ConvertError {
    #[error("the {payload} payload is not valid JSON of the expected shape: {message}")]
    Malformed {
        /// Which payload, e.g. `Salesforce describe` or `HubSpot properties (contacts)`.
        payload: String,
        message: String,
    },
}

pub(crate) fn parse<T: serde::de::DeserializeOwned>(
    text: &str,
    payload: impl Fn() -> String,
) -> Result<T, ConvertError> {
    serde_json::from_str(text).map_err(|error| ConvertError::Malformed {
        payload: payload(),
        message: error.to_string(),
    })
}
