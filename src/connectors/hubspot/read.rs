//! HubSpot reads: incremental search from a watermark, full list scans, archived records.
//!
//! Search is sorted ascending on the modified-date property and filtered with `GTE`; before a
//! query would page past HubSpot's 10,000-result cap the reader starts a new query from the
//! last modified time it delivered, and the [`ChangeTracker`] drops what it already sent.
//! Pages are handed out one at a time, so memory holds one page plus the overlap set.

use std::collections::BTreeMap;

use reqwest::Method;
use serde::Deserialize;

use super::{
    HUBSPOT_LIST_PAGE, HUBSPOT_SEARCH_CAP, HUBSPOT_SEARCH_PAGE, HubSpotClient, modified_property,
};
use crate::connectors::budget::CallKind;
use crate::connectors::error::ConnectorError;
use crate::connectors::http::{Call, Pace};
use crate::connectors::record::RemoteRecord;
use crate::connectors::watermark::{ChangeTracker, Watermark, ms_to_rfc3339, parse_timestamp_ms};

#[derive(Debug, Deserialize)]
pub(super) struct SimplePublicObject {
    pub id: String,
    #[serde(default)]
    pub properties: BTreeMap<String, Option<String>>,
    #[serde(default, rename = "updatedAt")]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub archived: bool,
    #[serde(default, rename = "archivedAt")]
    pub archived_at: Option<String>,
}

#[derive(Debug, Deserialize)]
struct PageResponse {
    /// Search only: how many records match the query (paging stops at 10,000 of them).
    #[serde(default)]
    total: Option<u64>,
    #[serde(default)]
    results: Vec<SimplePublicObject>,
    #[serde(default)]
    paging: Option<Paging>,
}

#[derive(Debug, Deserialize)]
struct Paging {
    next: Option<NextPage>,
}

#[derive(Debug, Deserialize)]
struct NextPage {
    after: String,
}

#[derive(Debug, Clone)]
enum Mode {
    /// `POST …/search` sorted by the modified date, `GTE` (or `GT` when `strict`) from
    /// `window_start`.
    Search {
        window_start: Option<i64>,
        strict: bool,
    },
    /// More than 10,000 records share the modified time `at`: page through exactly those,
    /// sorted by `hs_object_id`, then go on strictly after `at`.
    TieBreak { at: i64, after_id: Option<String> },
    /// `GET …/objects/{type}` (archived or not).
    List { archived: bool },
}

/// Pages of records from one HubSpot object; call [`HubSpotReader::next_page`] until `None`,
/// then save [`HubSpotReader::watermark`].
#[derive(Debug)]
pub struct HubSpotReader<'c> {
    client: &'c HubSpotClient,
    object: String,
    /// What is asked of HubSpot: the caller's properties plus the modified date and
    /// `hs_merged_object_ids`.
    properties: Vec<String>,
    /// What records carry: the caller's properties plus the modified date.
    returned: Vec<String>,
    mode: Mode,
    after: Option<String>,
    tracker: ChangeTracker,
    /// The modified time of the last record of the last page, where a restart begins.
    last_modified_ms: Option<i64>,
    /// The id of the last record of the last page (where a tie-break query resumes).
    last_id: Option<String>,
    done: bool,
}

impl HubSpotClient {
    /// Records of `object` changed since `since` (all of them when `None`), via CRM search
    /// ascending on `lastmodifieddate` (contacts) or `hs_lastmodifieddate`. Only `properties`
    /// (plus the modified date and `hs_merged_object_ids`) are requested.
    pub fn read_changed(
        &self,
        object: &str,
        properties: &[String],
        since: Option<&Watermark>,
    ) -> HubSpotReader<'_> {
        let tracker = ChangeTracker::new(since, self.overlap_ms);
        let window_start = tracker.start_ms();
        HubSpotReader::new(
            self,
            object,
            properties,
            Mode::Search {
                window_start,
                strict: false,
            },
            tracker,
        )
    }

    /// Every live record of `object` via the list endpoint (no 10,000 cap, no search quota).
    /// The watermark it leaves is the server time when the scan began.
    pub fn read_all(&self, object: &str, properties: &[String]) -> HubSpotReader<'_> {
        let tracker = ChangeTracker::new(None, self.overlap_ms);
        HubSpotReader::new(
            self,
            object,
            properties,
            Mode::List { archived: false },
            tracker,
        )
    }

    /// Archived (deleted) records, `deleted: true`, `modified_at` = `archivedAt`. Search never
    /// shows archived records, so deletes are only visible here.
    pub fn read_archived(&self, object: &str, properties: &[String]) -> HubSpotReader<'_> {
        let tracker = ChangeTracker::new(None, self.overlap_ms);
        HubSpotReader::new(
            self,
            object,
            properties,
            Mode::List { archived: true },
            tracker,
        )
    }
}

impl<'c> HubSpotReader<'c> {
    fn new(
        client: &'c HubSpotClient,
        object: &str,
        properties: &[String],
        mode: Mode,
        tracker: ChangeTracker,
    ) -> Self {
        let mut returned: Vec<String> = properties.to_vec();
        if !returned.iter().any(|p| p == modified_property(object)) {
            returned.push(modified_property(object).to_string());
        }
        let mut wanted = returned.clone();
        if !wanted.iter().any(|p| p == "hs_merged_object_ids") {
            wanted.push("hs_merged_object_ids".to_string());
        }
        HubSpotReader {
            client,
            object: object.to_string(),
            properties: wanted,
            returned,
            mode,
            after: None,
            tracker,
            last_modified_ms: None,
            last_id: None,
            done: false,
        }
    }

    /// The watermark to save; final once `next_page` has returned `None`.
    pub fn watermark(&self) -> Watermark {
        self.tracker.finish()
    }

    /// The next page of records that are new to the caller, or `None` at the end. A page may
    /// be empty when everything on it had already been delivered.
    pub async fn next_page(&mut self) -> Result<Option<Vec<RemoteRecord>>, ConnectorError> {
        if self.done {
            return Ok(None);
        }
        let (response, server_date_ms) = match self.mode {
            Mode::Search {
                window_start,
                strict,
            } => (self.search(window_start, strict).await?, None),
            Mode::TieBreak { at, ref after_id } => {
                let after_id = after_id.clone();
                (self.tie_break(at, after_id).await?, None)
            }
            Mode::List { archived } => self.list(archived).await?,
        };
        if let (Some(date), None) = (server_date_ms, &self.after) {
            // First page of a full scan: later incremental reads start from here.
            if matches!(self.mode, Mode::List { archived: false }) {
                self.tracker.cap_at(date);
            }
        }
        let query_offset: u64 = self
            .after
            .as_deref()
            .and_then(|a| a.parse().ok())
            .unwrap_or(0);
        let unreachable_beyond_cap = response
            .total
            .is_some_and(|total| total > query_offset + response.results.len() as u64);
        let modified_key = modified_property(&self.object);
        let mut page = Vec::with_capacity(response.results.len());
        for object in response.results {
            let archived = object.archived;
            let modified_text = if archived {
                object.archived_at.clone()
            } else {
                object
                    .properties
                    .get(modified_key)
                    .cloned()
                    .flatten()
                    .or_else(|| object.updated_at.clone())
            };
            let modified_ms = modified_text.as_deref().and_then(parse_timestamp_ms);
            self.last_id = Some(object.id.clone());
            if let Some(ms) = modified_ms {
                self.last_modified_ms = Some(ms);
                if !self.tracker.admit(&object.id, ms) {
                    continue;
                }
            }
            let merged_losers: Vec<String> = object
                .properties
                .get("hs_merged_object_ids")
                .cloned()
                .flatten()
                .map(|ids| {
                    ids.split(';')
                        .map(str::trim)
                        .filter(|id| !id.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            let modified_at = modified_ms.and_then(ms_to_rfc3339).or(modified_text);
            let fields = self
                .returned
                .iter()
                .map(|name| {
                    let value = object.properties.get(name).cloned().flatten();
                    (
                        name.clone(),
                        value.map_or(serde_json::Value::Null, serde_json::Value::String),
                    )
                })
                .collect();
            // Each id a merge absorbed reads as a deleted record pointing at the survivor.
            for loser in &merged_losers {
                page.push(RemoteRecord {
                    id: loser.clone(),
                    fields: BTreeMap::new(),
                    modified_at: modified_at.clone(),
                    deleted: true,
                    merged_into: Some(object.id.clone()),
                });
            }
            page.push(RemoteRecord {
                id: object.id,
                fields,
                modified_at,
                deleted: archived,
                merged_into: None,
            });
        }
        let next_after = response
            .paging
            .and_then(|paging| paging.next)
            .map(|next| next.after);
        let near_cap = |after: &str| {
            let offset: usize = after.parse().unwrap_or(usize::MAX);
            offset.saturating_add(HUBSPOT_SEARCH_PAGE) > HUBSPOT_SEARCH_CAP
        };
        // HubSpot stops handing out `paging.next` (or answers 400) at 10,000 results even
        // when `total` says more match: treat that like an imminent cap.
        let next_after = match next_after {
            None if unreachable_beyond_cap && !matches!(self.mode, Mode::List { .. }) => {
                Some(HUBSPOT_SEARCH_CAP.to_string())
            }
            other => other,
        };
        self.mode = match (&self.mode, next_after) {
            (Mode::TieBreak { at, .. }, None) => {
                // Every record at `at` is delivered; continue strictly after it.
                let at = *at;
                self.after = None;
                Mode::Search {
                    window_start: Some(at),
                    strict: true,
                }
            }
            (mode, None) => {
                self.done = true;
                mode.clone()
            }
            (Mode::Search { window_start, .. }, Some(after)) if near_cap(&after) => {
                // Paging on would hit the 10,000-result cap: start a new query at the last
                // modified time delivered. The tracker drops the repeats.
                self.after = None;
                match self.last_modified_ms {
                    Some(restart) if Some(restart) != *window_start => Mode::Search {
                        window_start: Some(restart),
                        strict: false,
                    },
                    // No progress: a whole window shares one modified time.
                    Some(at) => Mode::TieBreak { at, after_id: None },
                    None => {
                        return Err(ConnectorError::SearchWindowStuck {
                            object: self.object.clone(),
                            timestamp: String::new(),
                            cap: HUBSPOT_SEARCH_CAP as u32,
                        });
                    }
                }
            }
            (Mode::TieBreak { at, .. }, Some(after)) if near_cap(&after) => {
                let at = *at;
                self.after = None;
                Mode::TieBreak {
                    at,
                    after_id: self.last_id.clone(),
                }
            }
            (mode, Some(after)) => {
                let mode = mode.clone();
                self.after = Some(after);
                mode
            }
        };
        Ok(Some(page))
    }

    async fn search(
        &mut self,
        window_start: Option<i64>,
        strict: bool,
    ) -> Result<PageResponse, ConnectorError> {
        let modified = modified_property(&self.object);
        let operator = if strict { "GT" } else { "GTE" };
        let filters: Vec<serde_json::Value> = window_start
            .map(|start| serde_json::json!({"propertyName": modified, "operator": operator, "value": start.to_string()}))
            .into_iter()
            .collect();
        self.send_search(modified, filters).await
    }

    async fn tie_break(
        &mut self,
        at: i64,
        after_id: Option<String>,
    ) -> Result<PageResponse, ConnectorError> {
        let modified = modified_property(&self.object);
        let mut filters = vec![
            serde_json::json!({"propertyName": modified, "operator": "EQ", "value": at.to_string()}),
        ];
        if let Some(id) = after_id {
            filters.push(
                serde_json::json!({"propertyName": "hs_object_id", "operator": "GT", "value": id}),
            );
        }
        self.send_search("hs_object_id", filters).await
    }

    async fn send_search(
        &mut self,
        sort_property: &str,
        filters: Vec<serde_json::Value>,
    ) -> Result<PageResponse, ConnectorError> {
        let mut body = serde_json::json!({
            "sorts": [{"propertyName": sort_property, "direction": "ASCENDING"}],
            "properties": self.properties,
            "limit": HUBSPOT_SEARCH_PAGE,
        });
        if !filters.is_empty() {
            body["filterGroups"] = serde_json::json!([{ "filters": filters }]);
        }
        if let Some(after) = &self.after {
            body["after"] = serde_json::Value::String(after.clone());
        }
        let url = self
            .client
            .url(&["crm", "v3", "objects", &self.object, "search"]);
        let call = Call::new(Method::POST, url, CallKind::Search)
            .json(body)
            .pace(Pace::Search);
        let reply = self.client.core.send(call).await?;
        let page: PageResponse = reply.json()?;
        Ok(page)
    }

    async fn list(
        &mut self,
        archived: bool,
    ) -> Result<(PageResponse, Option<i64>), ConnectorError> {
        let mut url = self.client.url(&["crm", "v3", "objects", &self.object]);
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("limit", &HUBSPOT_LIST_PAGE.to_string());
            query.append_pair("properties", &self.properties.join(","));
            query.append_pair("archived", if archived { "true" } else { "false" });
            if let Some(after) = &self.after {
                query.append_pair("after", after);
            }
        }
        let reply = self
            .client
            .core
            .send(Call::new(Method::GET, url, CallKind::Read))
            .await?;
        let date_ms = reply
            .header("date")
            .and_then(|date| httpdate::parse_http_date(date).ok())
            .and_then(|at| at.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|elapsed| elapsed.as_millis() as i64);
        Ok((reply.json()?, date_ms))
    }
}
