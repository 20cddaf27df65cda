//! HubSpot metadata for `tandem schema pull`: properties, pipelines and owners, as raw JSON
//! for `schema::convert` (the converters own the meaning; this file only fetches).

use reqwest::Method;

use super::HubSpotClient;
use crate::call_budget::CallKind;
use crate::error::ConnectorError;
use crate::http::Call;

impl HubSpotClient {
    /// `GET /crm/v3/properties/{object}` → `{"results":[Property…]}` (not paged).
    pub async fn properties(&self, object: &str) -> Result<serde_json::Value, ConnectorError> {
        let url = self.url(&["crm", "v3", "properties", object]);
        self.core
            .send(Call::new(Method::GET, url, CallKind::Metadata))
            .await?
            .json()
    }

    /// `GET /crm/v3/pipelines/{object}` for objects with pipelines (deals, tickets); other
    /// objects answer 4xx and get `None`.
    pub async fn pipelines(
        &self,
        object: &str,
    ) -> Result<Option<serde_json::Value>, ConnectorError> {
        if !has_pipelines(object) {
            return Ok(None);
        }
        let url = self.url(&["crm", "v3", "pipelines", object]);
        self.core
            .send(Call::new(Method::GET, url, CallKind::Metadata))
            .await?
            .json()
            .map(Some)
    }

    /// `GET /crm/v3/owners`, every page merged into one `{"results":[…]}`.
    pub async fn owners(&self) -> Result<serde_json::Value, ConnectorError> {
        let mut results = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut url = self.url(&["crm", "v3", "owners"]);
            {
                let mut query = url.query_pairs_mut();
                query.append_pair("limit", "100");
                if let Some(after) = &after {
                    query.append_pair("after", after);
                }
            }
            let page: serde_json::Value = self
                .core
                .send(Call::new(Method::GET, url, CallKind::Metadata))
                .await?
                .json()?;
            if let Some(items) = page.get("results").and_then(|r| r.as_array()) {
                results.extend(items.iter().cloned());
            }
            after = page
                .pointer("/paging/next/after")
                .and_then(|a| a.as_str())
                .map(str::to_string);
            if after.is_none() {
                break;
            }
        }
        Ok(serde_json::json!({ "results": results }))
    }

    /// `GET /account-info/v3/api-usage/daily/private-apps`: the daily quota, recorded in the
    /// budget. Returns the raw body.
    pub async fn daily_usage(&self) -> Result<serde_json::Value, ConnectorError> {
        let url = self.url(&["account-info", "v3", "api-usage", "daily", "private-apps"]);
        let body: serde_json::Value = self
            .core
            .send(Call::new(Method::GET, url, CallKind::Metadata))
            .await?
            .json()?;
        if let Some(entry) = body.pointer("/results/0") {
            let limit = entry.get("usageLimit").and_then(|v| v.as_u64());
            let used = entry.get("currentUsage").and_then(|v| v.as_u64());
            if let (Some(limit), Some(used)) = (limit, used) {
                self.core.budget.observe(crate::call_budget::QuotaReading {
                    daily_max: Some(limit),
                    daily_remaining: Some(limit.saturating_sub(used)),
                    ..Default::default()
                });
            }
        }
        Ok(body)
    }
}

/// Objects whose stage property lives in pipelines.
pub fn has_pipelines(object: &str) -> bool {
    matches!(object, "deals" | "tickets" | "0-3" | "0-5")
}
