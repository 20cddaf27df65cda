//! The HubSpot CRM v3/v4 client.
//!
//! In: a [`HubSpotConfig`] (base URL, private-app token or OAuth refresh, limits). Out:
//! pages of [`RemoteRecord`](crate::RemoteRecord) with a [`Watermark`](crate::Watermark), per-record
//! write outcomes, the records each record is associated with (v4 batch read), and raw
//! properties / pipelines / owners JSON for `schema::convert`.
//! Never: sends more than 100 inputs per batch write (1,000 per association read), more than the configured burst per 10 s
//! or 5 searches per second, or a call past the per-run cap.

mod associations;
mod read;
mod read_ids;
mod schema;
mod write;

pub use associations::{
    AssociatedRecord, AssociationTypeRead, DissociationInput, HUBSPOT_ASSOCIATION_READ_LIMIT,
};
pub use read::HubSpotReader;
pub use write::{AssociationInput, AssociationType, HubSpotInput};

use url::Url;

use super::auth::{Grant, TokenSource};
use super::call_budget::{CallBudget, CallStats};
use super::config::HubSpotConfig;
use super::error::ConnectorError;
use super::http::HttpCore;
use tandem_ground::schema::System;

/// HubSpot accepts at most 100 inputs per batch call.
pub const HUBSPOT_BATCH_LIMIT: usize = tandem_ground::crm_facts::HUBSPOT_BATCH_INPUTS;
/// Search returns at most 200 results per page.
pub const HUBSPOT_SEARCH_PAGE: usize = 200;
/// List endpoints return at most 100 results per page.
pub const HUBSPOT_LIST_PAGE: usize = 100;
/// Search refuses to page past 10,000 results for one query.
pub const HUBSPOT_SEARCH_CAP: usize = 10_000;

#[derive(Debug)]
pub struct HubSpotClient {
    core: HttpCore,
    base: Url,
    overlap_ms: i64,
}

impl HubSpotClient {
    pub fn new(config: &HubSpotConfig) -> Result<Self, ConnectorError> {
        let tokens = TokenSource::new(System::Hubspot, Grant::from(&config.auth));
        Ok(HubSpotClient {
            core: HttpCore::new(System::Hubspot, tokens, &config.limits)?,
            base: config.base_url.clone(),
            overlap_ms: config.limits.overlap.as_millis() as i64,
        })
    }

    /// Calls made so far, by kind, and the latest quota HubSpot reported.
    pub fn stats(&self) -> CallStats {
        self.core.budget.stats()
    }

    /// The shared budget (the engine may show it while a run progresses).
    pub fn budget(&self) -> &CallBudget {
        &self.core.budget
    }

    /// `{base}/{path}` with `path` segments appended (each one percent-encoded).
    /// `…/crm/v4/associations/{from}/{to}/batch/{action}` (`read`, `create`, `archive`).
    fn association_batch_url(&self, from_object: &str, to_object: &str, action: &str) -> Url {
        self.url(&[
            "crm",
            "v4",
            "associations",
            from_object,
            to_object,
            "batch",
            action,
        ])
    }

    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty();
            for segment in segments {
                path.push(segment);
            }
        }
        url
    }
}

/// The property search sorts and filters on: contacts keep the legacy `lastmodifieddate`.
pub fn modified_property(object: &str) -> &'static str {
    if object == "contacts" || object == "0-1" {
        "lastmodifieddate"
    } else {
        "hs_lastmodifieddate"
    }
}
