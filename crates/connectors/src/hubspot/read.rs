//! HubSpot reads: incremental search from a watermark, full list scans, archived records.
//!
//! Search is sorted ascending on the modified-date property and filtered with `GTE`; before a
//! query would page past HubSpot's 10,000-result cap the reader starts a new query from the
//! last modified time it delivered, and the [`ChangeTracker`] drops what it already sent.
//! Pages are handed out one at a time, so memory holds one page plus the overlap set.
//!
//! A full read of a scoped sync ([`HubSpotClient::read_matching`]) searches with the scope's
//! pushed-down `filterGroups`, sorted ascending on `hs_object_id`; before paging past the
//! 10,000-result cap it starts a new query with `hs_object_id GT <last id>` added to every
//! group, so any number of matching records is read with no overlap at all.

use std::collections::BTreeMap;

use reqwest::Method;
use serde::Deserialize;

use super::{
    HUBSPOT_LIST_PAGE, HUBSPOT_SEARCH_CAP, HUBSPOT_SEARCH_PAGE, HubSpotClient, modified_property,
};
use crate::call_budget::CallKind;
use crate::error::ConnectorError;
use crate::http::{Call, Pace};
use crate::watermark::{ChangeTracker, Watermark, ms_to_rfc3339, parse_timestamp_ms};
use tandem_ground::field_map::{FieldMap, FieldName};
use tandem_ground::record::RemoteRecord;

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
    // No default: a 200 without `results` (a proxy's `{}`, a wrong URL) is not HubSpot's
    // answer, and reading it as "no records" would plan a create for every record.
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
    /// `POST …/search` with the scope's filter groups, sorted by `hs_object_id`; past 10,000
    /// results, again from `hs_object_id GT after_id`.
    Matching {
        filter_groups: Vec<Vec<serde_json::Value>>,
        after_id: Option<String>,
    },
}

/// Filters per group and in total that a search accepts.
const MAX_FILTERS_PER_GROUP: usize = 6;
const MAX_FILTERS: usize = 18;
const MAX_FILTER_GROUPS: usize = 5;

/// Pages of records from one HubSpot object; call [`HubSpotReader::next_page`] until `None`,
/// then save [`HubSpotReader::watermark`].
#[derive(Debug)]
pub struct HubSpotReader<'c> {
    client: &'c HubSpotClient,
    object: String,
    /// What is asked of HubSpot: the caller's properties plus the modified date and
    /// `hs_merged_object_ids`.
    properties: Vec<String>,
    /// What records carry: the caller's properties plus the modified date. Every record's
    /// map shares these names instead of allocating its own.
    returned: Vec<FieldName>,
    mode: Mode,
    after: Option<String>,
    tracker: ChangeTracker,
    /// The modified time of the last record of the last page, where a restart begins.
    last_modified_ms: Option<i64>,
    /// The id of the last record of the last page (where a tie-break query resumes).
    last_id: Option<String>,
    /// Whether a full scan has seen its first page (its start time caps the watermark).
    scan_started: bool,
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

    /// Every live record of `object` that `filter_groups` (HubSpot search `filterGroups`, from
    /// a scope's pushdown) selects, via CRM search sorted by `hs_object_id`, restarting past
    /// the 10,000-result cap. The filters only narrow the read: groups that cannot be sent
    /// as they are (too many, or an `IN` whose string values HubSpot would compare lowercased)
    /// are trimmed or dropped, which can only return more records, never fewer. With no
    /// usable filter left it reads like [`HubSpotClient::read_all`]. The watermark is the
    /// server time when the read began, as for a full scan.
    pub fn read_matching(
        &self,
        object: &str,
        properties: &[String],
        filter_groups: &serde_json::Value,
    ) -> HubSpotReader<'_> {
        let tracker = ChangeTracker::new(None, self.overlap_ms);
        let mode = match sendable_groups(filter_groups) {
            Some(filter_groups) => Mode::Matching {
                filter_groups,
                after_id: None,
            },
            None => Mode::List { archived: false },
        };
        HubSpotReader::new(self, object, properties, mode, tracker)
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
            returned: returned.into_iter().map(FieldName::from).collect(),
            mode,
            after: None,
            tracker,
            last_modified_ms: None,
            last_id: None,
            scan_started: false,
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
            } => (self.search(window_start, strict).await?.0, None),
            Mode::TieBreak { at, ref after_id } => {
                let after_id = after_id.clone();
                (self.tie_break(at, after_id).await?.0, None)
            }
            Mode::List { archived } => self.list(archived).await?,
            Mode::Matching {
                ref filter_groups,
                ref after_id,
            } => {
                let groups = with_id_floor(filter_groups, after_id.as_deref());
                self.send_search_groups("hs_object_id", groups).await?
            }
        };
        if let Some(date) = server_date_ms {
            // First page of a full scan: later incremental reads start from here (only the
            // first: a scan that restarts past the search cap still began then).
            let full_scan = matches!(
                self.mode,
                Mode::List { archived: false } | Mode::Matching { .. }
            );
            if full_scan && !self.scan_started {
                self.scan_started = true;
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
                    let value = object.properties.get(name.as_str()).cloned().flatten();
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
                    fields: FieldMap::new(),
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
            (Mode::Matching { filter_groups, .. }, Some(after)) if near_cap(&after) => {
                // Paging on would hit the 10,000-result cap: ask again for what comes after
                // the last id delivered (results are sorted by it, so nothing repeats).
                let filter_groups = filter_groups.clone();
                self.after = None;
                Mode::Matching {
                    filter_groups,
                    after_id: self.last_id.clone(),
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
    ) -> Result<(PageResponse, Option<i64>), ConnectorError> {
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
    ) -> Result<(PageResponse, Option<i64>), ConnectorError> {
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
    ) -> Result<(PageResponse, Option<i64>), ConnectorError> {
        let groups = if filters.is_empty() {
            Vec::new()
        } else {
            vec![filters]
        };
        self.send_search_groups(sort_property, groups).await
    }

    /// One search page; also the server's `Date` (when a full scan began).
    async fn send_search_groups(
        &mut self,
        sort_property: &str,
        groups: Vec<Vec<serde_json::Value>>,
    ) -> Result<(PageResponse, Option<i64>), ConnectorError> {
        let mut body = serde_json::json!({
            "sorts": [{"propertyName": sort_property, "direction": "ASCENDING"}],
            "properties": self.properties,
            "limit": HUBSPOT_SEARCH_PAGE,
        });
        if !groups.is_empty() {
            let groups: Vec<serde_json::Value> = groups
                .into_iter()
                .map(|filters| serde_json::json!({ "filters": filters }))
                .collect();
            body["filterGroups"] = serde_json::Value::Array(groups);
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
        let date_ms = server_date_ms(reply.header("date"));
        let page: PageResponse = reply.json()?;
        Ok((page, date_ms))
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
        let date_ms = server_date_ms(reply.header("date"));
        Ok((reply.json()?, date_ms))
    }
}

fn server_date_ms(header: Option<&str>) -> Option<i64> {
    header
        .and_then(|date| httpdate::parse_http_date(date).ok())
        .and_then(|at| at.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|elapsed| elapsed.as_millis() as i64)
}

/// The filter groups of a pushdown as a search can take them, leaving room for the
/// `hs_object_id GT` filter each group gets when a read restarts past the cap: at most 5
/// groups, 5 filters each (6 with the floor), 18 in all. Filters beyond that are dropped
/// (fewer filters select more records; the planner applies the whole scope anyway), and so
/// are `IN` / `NOT_IN` filters with upper-case string values, which HubSpot compares
/// lower-cased. `None` when no group keeps a filter: a group without filters matches
/// everything, so the read is unfiltered.
fn sendable_groups(filter_groups: &serde_json::Value) -> Option<Vec<Vec<serde_json::Value>>> {
    let groups = filter_groups.as_array()?;
    if groups.is_empty() || groups.len() > MAX_FILTER_GROUPS {
        return None;
    }
    let per_group = (MAX_FILTERS_PER_GROUP - 1).min(MAX_FILTERS / groups.len() - 1);
    let mut out = Vec::new();
    for group in groups {
        let filters: Vec<serde_json::Value> = group
            .get("filters")
            .and_then(serde_json::Value::as_array)
            .map(|filters| {
                filters
                    .iter()
                    .filter(|f| sendable_filter(f))
                    .take(per_group)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        if filters.is_empty() {
            return None;
        }
        out.push(filters);
    }
    Some(out)
}

fn sendable_filter(filter: &serde_json::Value) -> bool {
    let operator = filter.get("operator").and_then(serde_json::Value::as_str);
    if !matches!(operator, Some("IN" | "NOT_IN")) {
        // HubSpot compares dates as epoch milliseconds; a spec's date literal (`@2020-01-01`)
        // arrives as text, so it is left to the planner rather than sent as it is.
        let spelled_as_date = filter
            .get("value")
            .and_then(serde_json::Value::as_str)
            .is_some_and(is_date_text);
        return filter.get("propertyName").is_some() && operator.is_some() && !spelled_as_date;
    }
    filter
        .get("values")
        .and_then(serde_json::Value::as_array)
        .is_some_and(|values| {
            values.iter().all(|v| {
                v.as_str()
                    .is_none_or(|s| !s.chars().any(char::is_uppercase))
            })
        })
}

fn is_date_text(text: &str) -> bool {
    let text = text.trim();
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok()
        || (text.contains('-') && parse_timestamp_ms(text).is_some())
}

/// `groups` with `hs_object_id GT after_id` added to each (AND), when restarting.
fn with_id_floor(
    groups: &[Vec<serde_json::Value>],
    after_id: Option<&str>,
) -> Vec<Vec<serde_json::Value>> {
    groups
        .iter()
        .map(|filters| {
            let mut filters = filters.clone();
            if let Some(id) = after_id {
                filters.push(serde_json::json!({
                    "propertyName": "hs_object_id",
                    "operator": "GT",
                    "value": id,
                }));
            }
            filters
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn eq(property: &str) -> serde_json::Value {
        json!({"propertyName": property, "operator": "EQ", "value": "x"})
    }

    #[test]
    fn six_filters_in_a_group_leave_room_for_the_restart_floor() {
        let filters: Vec<_> = (0..6).map(|i| eq(&format!("p{i}"))).collect();
        let groups = sendable_groups(&json!([{ "filters": filters }])).expect("sendable");
        assert_eq!(groups[0].len(), 5);
        let floored = with_id_floor(&groups, Some("42"));
        assert_eq!(floored[0].len(), 6);
        assert_eq!(floored[0][5]["operator"], "GT");
        assert_eq!(floored[0][5]["value"], "42");
    }

    #[test]
    fn in_filter_with_upper_case_string_values_is_not_sent() {
        let groups = json!([{ "filters": [
            {"propertyName": "hs_lead_status", "operator": "IN", "values": ["NEW", "OPEN"]},
            {"propertyName": "lifecyclestage", "operator": "IN", "values": ["lead"]},
        ]}]);
        let sent = sendable_groups(&groups).expect("sendable");
        assert_eq!(sent, vec![vec![groups[0]["filters"][1].clone()]]);
    }

    #[test]
    fn date_spelled_as_text_is_left_to_the_planner() {
        let groups = json!([{ "filters": [
            {"propertyName": "start_date", "operator": "GTE", "value": "2020-01-01"},
            {"propertyName": "closedate", "operator": "LT", "value": "2026-01-01T00:00:00Z"},
            {"propertyName": "hubspotscore", "operator": "GT", "value": "65"},
        ]}]);
        let sent = sendable_groups(&groups).expect("sendable");
        assert_eq!(sent, vec![vec![groups[0]["filters"][2].clone()]]);
    }

    #[test]
    fn a_group_left_without_filters_means_an_unfiltered_read() {
        let groups = json!([
            { "filters": [eq("country")] },
            { "filters": [{"propertyName": "x", "operator": "IN", "values": ["A"]}] },
        ]);
        assert_eq!(sendable_groups(&groups), None);
        assert_eq!(sendable_groups(&json!([])), None);
    }

    #[test]
    fn many_groups_share_the_eighteen_filter_total_with_their_floors() {
        let group = json!({ "filters": (0..6).map(|i| eq(&format!("p{i}"))).collect::<Vec<_>>() });
        let groups = sendable_groups(&json!([group, group, group, group, group])).expect("ok");
        let total: usize = with_id_floor(&groups, Some("1")).iter().map(Vec::len).sum();
        assert!(total <= MAX_FILTERS, "{total}");
        assert!(groups.iter().all(|g| g.len() < MAX_FILTERS_PER_GROUP));
    }
}
