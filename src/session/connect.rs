//! Reaching both CRMs: the connection configuration, then one HTTP connector per side.

use std::path::Path;

use super::SessionError;
use super::options::Connection;
use crate::connectors::config::{self, ProcessEnv};
use crate::connectors::{ConnectionConfig, HubSpotClient, SalesforceClient};
use crate::runtime::{HubSpotCrm, SalesforceCrm};

/// The configuration `connection` names: the caller's, or the `TANDEM_*` variables / a
/// `tandem.toml` environment read from `spec_dir`.
pub fn connection_config(
    connection: &Connection,
    spec_dir: &Path,
) -> Result<ConnectionConfig, SessionError> {
    match connection {
        Connection::Explicit(config) => Ok(config.as_ref().clone()),
        Connection::Environment { name } => {
            Ok(config::load(spec_dir, name.as_deref(), &ProcessEnv)?)
        }
    }
}

/// Both connectors; HubSpot's problem is reported first when both sides have one.
pub fn connect(config: &ConnectionConfig) -> Result<(HubSpotCrm, SalesforceCrm), SessionError> {
    let hubspot = HubSpotClient::new(config.hubspot()?)?;
    let salesforce = SalesforceClient::new(config.salesforce()?)?;
    Ok((
        HubSpotCrm { client: hubspot },
        SalesforceCrm { client: salesforce },
    ))
}
