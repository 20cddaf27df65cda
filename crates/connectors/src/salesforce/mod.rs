//! The Salesforce REST client (sObject collections, SOQL, Bulk API 2.0).
//!
//! In: a [`SalesforceConfig`] (instance URL, pinned API version, token or OAuth flow,
//! limits, bulk threshold). Out: pages of [`RemoteRecord`](crate::RemoteRecord)
//! with a [`Watermark`](crate::watermark::Watermark), per-record write outcomes,
//! and raw describe JSON for `schema::convert`. Never: sends more than 200 records per
//! collection call, writes without `Sforce-Call-Options: client=tandem`, or builds SOQL from
//! a name that is not an API name.

mod bulk;
mod read;
mod schema;
pub mod soql;
mod write;

pub use read::SalesforceReader;
pub use write::SalesforceInput;

use url::Url;

use super::auth::{Grant, TokenSource};
use super::call_budget::{CallBudget, CallStats};
use super::config::SalesforceConfig;
use super::error::ConnectorError;
use super::http::HttpCore;
use tandem_ground::schema::System;

/// sObject collections accept at most 200 records per call.
pub const SALESFORCE_COLLECTION_LIMIT: usize =
    tandem_ground::crm_facts::SALESFORCE_COLLECTION_RECORDS;

#[derive(Debug)]
pub struct SalesforceClient {
    core: HttpCore,
    instance_url: Url,
    api_version: String,
    bulk_threshold: usize,
    bulk_upload_max_bytes: usize,
    call_options: String,
    overlap_ms: i64,
    bulk_poll: std::time::Duration,
}

impl SalesforceClient {
    pub fn new(config: &SalesforceConfig) -> Result<Self, ConnectorError> {
        let tokens = TokenSource::new(System::Salesforce, Grant::from(&config.auth));
        let mut core = HttpCore::new(System::Salesforce, tokens, &config.limits)?;
        let client = SalesforceClient {
            instance_url: config.instance_url.clone(),
            api_version: config.api_version.clone(),
            bulk_threshold: config.bulk_threshold,
            bulk_upload_max_bytes: config.bulk_upload_max_bytes,
            call_options: format!("client={}", config.call_options_client),
            overlap_ms: config.limits.overlap.as_millis() as i64,
            bulk_poll: config
                .limits
                .base_backoff
                .min(std::time::Duration::from_secs(2)),
            core: {
                // Ambiguous REQUEST_LIMIT_EXCEEDED answers are settled by reading /limits.
                let mut limits = config.instance_url.clone();
                push_segments(
                    &mut limits,
                    &["services", "data", &config.api_version, "limits"],
                );
                core.set_limits_probe(limits);
                core
            },
        };
        Ok(client)
    }

    pub fn stats(&self) -> CallStats {
        self.core.budget.stats()
    }

    pub fn budget(&self) -> &CallBudget {
        &self.core.budget
    }

    /// Records above this count go through Bulk API 2.0.
    pub fn bulk_threshold(&self) -> usize {
        self.bulk_threshold
    }

    /// The instance the token endpoint named, else the configured one.
    async fn base(&self) -> Url {
        self.core
            .tokens
            .instance_url()
            .await
            .unwrap_or_else(|| self.instance_url.clone())
    }

    /// `{instance}/services/data/{version}/{segments…}`.
    async fn data_url(&self, segments: &[&str]) -> Url {
        let mut url = self.base().await;
        let mut all = vec!["services", "data", self.api_version.as_str()];
        all.extend_from_slice(segments);
        push_segments(&mut url, &all);
        url
    }

    /// `{instance}{path}` for a server-relative path such as `nextRecordsUrl`.
    async fn relative_url(&self, path: &str) -> Result<Url, ConnectorError> {
        self.base()
            .await
            .join(path)
            .map_err(|error| ConnectorError::UnexpectedResponse {
                system: System::Salesforce,
                path: path.to_string(),
                message: error.to_string(),
            })
    }
}

fn push_segments(url: &mut Url, segments: &[&str]) {
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty();
        for segment in segments {
            path.push(segment);
        }
    }
}
