//! Salesforce metadata for `tandem schema pull`: sObject describes as raw JSON for
//! `schema::convert`.

use reqwest::Method;

use super::{SalesforceClient, soql};
use crate::call_budget::CallKind;
use crate::error::ConnectorError;
use crate::http::Call;

impl SalesforceClient {
    /// `GET /sobjects/{sobject}/describe`.
    pub async fn describe(&self, sobject: &str) -> Result<serde_json::Value, ConnectorError> {
        soql::check_names([sobject])?;
        let url = self.data_url(&["sobjects", sobject, "describe"]).await;
        self.core
            .send(Call::new(Method::GET, url, CallKind::Metadata))
            .await?
            .json()
    }

    /// `GET /sobjects/`: the describeGlobal list of objects.
    pub async fn describe_global(&self) -> Result<serde_json::Value, ConnectorError> {
        let url = self.data_url(&["sobjects", ""]).await;
        self.core
            .send(Call::new(Method::GET, url, CallKind::Metadata))
            .await?
            .json()
    }
}
