//! `GET /query?q=` and `/queryAll?q=`: SOQL parsed by `sandbox::soql`, resolved and run by
//! `query_plan` (INVALID_FIELD / INVALID_TYPE / MALFORMED_QUERY, child subqueries), results
//! paged by `Sforce-Query-Options: batchSize` (200..=2000, default 2000) through
//! `nextRecordsUrl`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use super::api_version;
use super::errors::SfError;
use super::query_cursor::QueryCursor;
use super::query_plan;
use crate::Shared;
use crate::hubspot::render::QueryParams;
use crate::ids;
use crate::soql::{self, SoqlError};

fn malformed(error: SoqlError) -> SfError {
    SfError::bad_request("MALFORMED_QUERY", error.to_string())
}

/// Open query cursors kept per org (Salesforce allows a few thousand per user).
const MAX_OPEN_CURSORS: usize = 1000;

fn batch_size(headers: &HeaderMap) -> usize {
    headers
        .get("sforce-query-options")
        .and_then(|v| v.to_str().ok())
        .and_then(|text| {
            text.split([',', ';'])
                .filter_map(|part| part.trim().strip_prefix("batchSize="))
                .next()
                .and_then(|n| n.trim().parse::<usize>().ok())
        })
        .map(|n| n.clamp(200, 2000))
        .unwrap_or(2000)
}

fn run(
    shared: &Shared,
    version: &str,
    raw: Option<&str>,
    headers: &HeaderMap,
    include_deleted: bool,
) -> Result<Json<Value>, SfError> {
    let params = QueryParams::parse(raw);
    let text = params
        .get("q")
        .ok_or_else(|| {
            SfError::bad_request("MALFORMED_QUERY", "A query string has to be specified")
        })?
        .to_string();
    let query = soql::parse(&text, shared.clock.now_ms()).map_err(malformed)?;
    let crm = shared.salesforce.read();
    let resolved = query_plan::resolve(&crm, &query, &text)?;
    let slots = query_plan::matching_slots(&crm, &resolved, include_deleted);
    if resolved.count {
        return Ok(Json(
            json!({"totalSize": slots.len(), "done": true, "records": []}),
        ));
    }
    let batch = batch_size(headers);
    let total = slots.len();
    let first = query_plan::page_json(
        &crm,
        version,
        &resolved,
        &slots[..total.min(batch)],
        include_deleted,
    );
    let mut body = json!({"totalSize": total, "done": total <= batch, "records": first});
    if total > batch {
        // Queries run under the read lock; only registering the cursor needs the write lock.
        drop(crm);
        let mut crm = shared.salesforce.write();
        crm.next_cursor += 1;
        let cursor_id = ids::salesforce_id("01g", crm.next_cursor);
        body["nextRecordsUrl"] = Value::String(format!(
            "/services/data/v{version}/query/{cursor_id}-{batch}"
        ));
        crm.cursors.insert(
            cursor_id,
            QueryCursor {
                query: resolved,
                slots,
                batch_size: batch,
                include_deleted,
            },
        );
        // Like the real org, only a bounded number of open cursors is kept; the oldest go.
        while crm.cursors.len() > MAX_OPEN_CURSORS {
            crm.cursors.pop_first();
        }
    }
    Ok(Json(body))
}

pub async fn query(
    State(shared): State<Arc<Shared>>,
    Path(version): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Json<Value>, SfError> {
    let version = api_version(&version)?;
    run(&shared, &version, raw.as_deref(), &headers, false)
}

pub async fn query_all(
    State(shared): State<Arc<Shared>>,
    Path(version): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Json<Value>, SfError> {
    let version = api_version(&version)?;
    run(&shared, &version, raw.as_deref(), &headers, true)
}

/// `GET /query/{cursorId}-{position}`: the next batch of a cursor.
pub async fn next_page(
    State(shared): State<Arc<Shared>>,
    Path((version, cursor)): Path<(String, String)>,
) -> Result<Json<Value>, SfError> {
    let version = api_version(&version)?;
    let invalid = || {
        SfError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_QUERY_LOCATOR",
            "invalid query locator",
        )
    };
    let (cursor_id, position) = cursor.rsplit_once('-').ok_or_else(invalid)?;
    let position: usize = position.parse().map_err(|_| invalid())?;
    let crm = shared.salesforce.read();
    let state = crm.cursors.get(cursor_id).ok_or_else(invalid)?;
    if position > state.slots.len() {
        return Err(invalid());
    }
    let end = (position + state.batch_size).min(state.slots.len());
    let records = query_plan::page_json(
        &crm,
        &version,
        &state.query,
        &state.slots[position..end],
        state.include_deleted,
    );
    let mut body = json!({"totalSize": state.slots.len(), "done": end >= state.slots.len(), "records": records});
    if end < state.slots.len() {
        body["nextRecordsUrl"] =
            Value::String(format!("/services/data/v{version}/query/{cursor_id}-{end}"));
    }
    Ok(Json(body))
}
