//! The CRM exports API: start an export, poll its status, download the file.
//!
//! Source: the exports guide, developers.hubspot.com/docs/api-reference/legacy/crm/exports/guide
//! ("Last modified on March 30, 2026"), and the v3 OpenAPI spec
//! (PublicApiSpecs/CRM/Exports/Rollouts/95922/v3/exports.json):
//! - `POST /crm/v3/exports/export/async` answers 202 `TaskLocator` `{"id","links"}`;
//! - `GET /crm/v3/exports/export/async/tasks/{taskId}/status` answers
//!   `ActionResponseWithSingleResultURI` `{"status": PENDING|PROCESSING|COMPLETE|CANCELED,
//!   "result"?, "requestedAt", "startedAt", "completedAt"}` (the official clients require
//!   `startedAt` and `completedAt`, so they are always present: before an export starts or
//!   completes they hold the time of the status call);
//! - `GET /crm/v3/exports/export/{exportId}` answers `PublicExportResponse` with `exportState`
//!   (`ENQUEUED`, `PROCESSING`, `DONE`) and `recordCount`;
//! - "up to thirty exports within a rolling 24 hour window, and one export at a time.
//!   Additional exports will be queued until the previous export is completed": a 31st export
//!   within 24 hours is refused (HTTP 429, category `RATE_LIMITS`; the exact body is
//!   unconfirmed), a second export while one runs waits as `PENDING`;
//! - the download URL needs no authorization and "will expire five minutes after the completed
//!   request"; each status call after completion mints a new one;
//! - "CSV or XLSX files with more than 1,000,000 rows" come as several files in a zip, and a CSV
//!   over 2 MB is zipped even with fewer rows.
//!
//! Processing takes sandbox time (2 s plus 1 ms per 100 rows), so a test can watch the states
//! or skip them by advancing the clock. The file is rendered when it is downloaded, streamed
//! in chunks under short read locks (bounded memory for a million contacts); it holds the
//! records that existed when the export was requested and are still live, with their current
//! values.

mod request;
mod rows;
mod zip;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::errors::{HsError, HsJson};
use crate::Shared;
use crate::clock;
use crate::crm::CrmData;
use crate::store::Table;
use request::ExportRequest;
use rows::{Column, Labels, RowContext, push_csv_line};
use zip::ZipWriter;

pub use request::ExportType;

/// "up to thirty exports within a rolling 24 hour window".
pub const MAX_EXPORTS_PER_ROLLING_DAY: usize = 30;
/// "The download URL will expire five minutes after the completed request."
pub const DOWNLOAD_URL_TTL_MS: i64 = 5 * 60 * 1000;
/// "CSV or XLSX files with more than 1,000,000 rows" are split into several files.
pub const ROWS_PER_FILE: usize = 1_000_000;
/// "CSV files are also automatically zipped if the file is greater than 2MB".
pub const ZIP_OVER_BYTES: usize = 2 * 1024 * 1024;
const DAY_MS: i64 = 86_400_000;
/// Records rendered per read lock while streaming.
const CHUNK_RECORDS: usize = 1_000;

/// One export task.
#[derive(Debug, Clone)]
pub struct ExportTask {
    pub id: u64,
    pub request: ExportRequest,
    pub requested_ms: i64,
    pub start_ms: i64,
    pub complete_ms: i64,
    pub record_count: usize,
    /// Records past this slot were created after the export was requested.
    pub cutoff: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportStatus {
    Pending,
    Processing,
    Complete,
}

impl ExportTask {
    pub fn status(&self, now_ms: i64) -> ExportStatus {
        if now_ms < self.start_ms {
            ExportStatus::Pending
        } else if now_ms < self.complete_ms {
            ExportStatus::Processing
        } else {
            ExportStatus::Complete
        }
    }
}

/// The portal's export tasks and live download links.
#[derive(Debug, Default)]
pub struct Exports {
    tasks: Vec<ExportTask>,
    downloads: HashMap<String, (u64, i64)>,
    minted: u64,
}

fn processing_ms(rows: usize) -> i64 {
    2_000 + rows as i64 / 100
}

impl Exports {
    fn get(&self, id: &str) -> Option<&ExportTask> {
        let id: u64 = id.parse().ok()?;
        self.tasks.iter().find(|t| t.id == id)
    }

    /// Queues an export behind the one running, or refuses it past the rolling allowance.
    fn start(
        &mut self,
        request: ExportRequest,
        record_count: usize,
        cutoff: usize,
        now_ms: i64,
    ) -> Result<&ExportTask, i64> {
        let recent: Vec<i64> = self
            .tasks
            .iter()
            .map(|t| t.requested_ms)
            .filter(|at| now_ms - at < DAY_MS)
            .collect();
        if recent.len() >= MAX_EXPORTS_PER_ROLLING_DAY {
            let oldest = recent.iter().copied().min().unwrap_or(now_ms);
            return Err(oldest + DAY_MS);
        }
        let start_ms = self
            .tasks
            .last()
            .map(|t| t.complete_ms.max(now_ms))
            .unwrap_or(now_ms);
        let id = 10_000_001 + self.tasks.len() as u64;
        self.tasks.push(ExportTask {
            id,
            request,
            requested_ms: now_ms,
            start_ms,
            complete_ms: start_ms + processing_ms(record_count),
            record_count,
            cutoff,
        });
        Ok(&self.tasks[self.tasks.len() - 1])
    }

    /// A new download token for a completed export, valid for five minutes.
    fn mint(&mut self, seed: u64, id: u64, now_ms: i64) -> String {
        self.minted += 1;
        let mut hasher = Sha256::new();
        hasher.update(format!("export:{seed}:{id}:{}", self.minted));
        let token: String = hasher.finalize()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        self.downloads.retain(|_, (_, expires)| *expires > now_ms);
        self.downloads
            .insert(token.clone(), (id, now_ms + DOWNLOAD_URL_TTL_MS));
        token
    }
}

fn base(shared: &Shared) -> String {
    shared.base_url(tandem_ground::schema::System::Hubspot)
}

/// The slots an export selects, in file order.
fn selected_slots(
    crm: &CrmData,
    table: &Table,
    request: &ExportRequest,
    cutoff: usize,
) -> Result<Vec<u32>, HsError> {
    let schema = crm.object(&request.object).ok_or_else(HsError::not_found)?;
    let compiled = super::search::check_filters(schema, &request.view.groups)?;
    let searchable = super::search::searchable_fields(&request.object);
    let slots: Vec<u32> = (0..cutoff.min(table.len()) as u32)
        .filter(|slot| {
            let record = table.record(*slot);
            !record.is_deleted()
                && super::search::record_matches(
                    crm,
                    table,
                    record,
                    &compiled,
                    request.view.query.as_deref(),
                    searchable,
                )
        })
        .collect();
    Ok(match &request.view.sort {
        Some((property, descending)) => {
            super::search::sorted(crm, table, schema, slots, property, *descending)
        }
        None => slots,
    })
}

/// `POST /crm/v3/exports/export/async`.
pub async fn start(
    State(shared): State<Arc<Shared>>,
    HsJson(body): HsJson<Value>,
) -> Result<Response, HsError> {
    let now = shared.clock.now_ms();
    let (request, count, cutoff) = {
        let crm = shared.hubspot.read();
        let request = request::parse(&crm, &body)?;
        let table = crm
            .store
            .table(&request.object)
            .ok_or_else(HsError::not_found)?;
        let cutoff = table.len();
        let count = selected_slots(&crm, table, &request, cutoff)?.len();
        (request, count, cutoff)
    };
    let mut portal = shared.hubspot_portal();
    let task = portal
        .exports
        .start(request, count, cutoff, now)
        .map_err(|retry_at| {
            HsError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "RATE_LIMITS",
                format!(
                    "You have reached the limit of {MAX_EXPORTS_PER_ROLLING_DAY} exports within a rolling 24 hour window; the next export can start at {}",
                    clock::hubspot_datetime(retry_at)
                ),
            )
        })?;
    let status = format!(
        "{}/crm/v3/exports/export/async/tasks/{}/status",
        base(&shared),
        task.id
    );
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"id": task.id.to_string(), "links": {"status": status}})),
    )
        .into_response())
}

/// `GET /crm/v3/exports/export/async/tasks/{taskId}/status`.
pub async fn status(
    State(shared): State<Arc<Shared>>,
    Path(task_id): Path<String>,
) -> Result<Json<Value>, HsError> {
    let now = shared.clock.now_ms();
    let mut portal = shared.hubspot_portal();
    let task = portal
        .exports
        .get(&task_id)
        .cloned()
        .ok_or_else(HsError::not_found)?;
    let state = task.status(now);
    let mut body = json!({
        "status": match state {
            ExportStatus::Pending => "PENDING",
            ExportStatus::Processing => "PROCESSING",
            ExportStatus::Complete => "COMPLETE",
        },
        "requestedAt": clock::hubspot_datetime(task.requested_ms),
        "startedAt": clock::hubspot_datetime(if state == ExportStatus::Pending { now } else { task.start_ms }),
        "completedAt": clock::hubspot_datetime(if state == ExportStatus::Complete { task.complete_ms } else { now }),
    });
    if state == ExportStatus::Complete {
        let token = portal.exports.mint(shared.config.seed, task.id, now);
        body["result"] = json!(format!("{}/exports-download/{token}", base(&shared)));
    }
    Ok(Json(body))
}

/// `GET /crm/v3/exports/export/{exportId}`.
pub async fn details(
    State(shared): State<Arc<Shared>>,
    Path(export_id): Path<String>,
) -> Result<Json<Value>, HsError> {
    let now = shared.clock.now_ms();
    let portal = shared.hubspot_portal();
    let task = portal
        .exports
        .get(&export_id)
        .ok_or_else(HsError::not_found)?;
    let state = match task.status(now) {
        ExportStatus::Pending => "ENQUEUED",
        ExportStatus::Processing => "PROCESSING",
        ExportStatus::Complete => "DONE",
    };
    let mut properties = vec!["hs_object_id".to_string()];
    properties.extend(
        task.request
            .properties
            .iter()
            .filter(|p| p.as_str() != "hs_object_id")
            .cloned(),
    );
    Ok(Json(json!({
        "id": task.id.to_string(),
        "exportName": task.request.name,
        "exportType": task.request.export_type.name(),
        "objectType": task.request.object_type_id,
        "objectProperties": properties,
        "createdAt": clock::hubspot_datetime(task.requested_ms),
        "updatedAt": clock::hubspot_datetime(task.complete_ms.min(now).max(task.requested_ms)),
        "exportState": state,
        "recordCount": task.record_count,
    })))
}

fn expired() -> Response {
    // Export links are pre-signed storage URLs; an expired one answers as the storage does.
    let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>";
    let mut response = (StatusCode::FORBIDDEN, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml"),
    );
    response
}

fn file_stem(name: &str) -> String {
    let stem: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if stem.is_empty() {
        "export".into()
    } else {
        stem
    }
}

/// One piece of the file body, in order.
enum Piece {
    /// A new CSV file starts (1-based); its header follows.
    NewFile(usize),
    Data(Vec<u8>),
}

/// Renders the export in chunks; one call per chunk of records.
struct Renderer {
    task: ExportTask,
    slots: Vec<u32>,
    next: usize,
    header: Vec<u8>,
    rows_per_file: usize,
    rows_in_file: usize,
    file: usize,
    columns: Vec<Column>,
}

impl Renderer {
    fn new(crm: &CrmData, task: ExportTask, rows_per_file: usize) -> Result<Self, HsError> {
        let table = crm
            .store
            .table(&task.request.object)
            .ok_or_else(HsError::not_found)?;
        let schema = crm
            .object(&task.request.object)
            .ok_or_else(HsError::not_found)?;
        let slots = selected_slots(crm, table, &task.request, task.cutoff)?;
        let columns = rows::columns(&task.request);
        let mut header = Vec::new();
        push_csv_line(&mut header, &rows::header(schema, &task.request, &columns));
        Ok(Renderer {
            task,
            slots,
            next: 0,
            header,
            rows_per_file: rows_per_file.max(1),
            rows_in_file: 0,
            file: 0,
            columns,
        })
    }

    fn done(&self) -> bool {
        self.next >= self.slots.len() && self.file > 0
    }

    /// The next chunk's pieces (the first call always opens file 1, even with no rows).
    fn chunk(&mut self, crm: &CrmData) -> Vec<Piece> {
        let mut pieces = Vec::new();
        let mut data = Vec::new();
        if self.file == 0 {
            self.file = 1;
            pieces.push(Piece::NewFile(1));
            data.extend_from_slice(&self.header);
        }
        let (Some(table), Some(schema)) = (
            crm.store.table(&self.task.request.object),
            crm.object(&self.task.request.object),
        ) else {
            self.next = self.slots.len();
            pieces.push(Piece::Data(data));
            return pieces;
        };
        let labels = Labels::new(crm, schema);
        let context = RowContext {
            crm,
            table,
            schema,
            request: &self.task.request,
            columns: &self.columns,
            labels: &labels,
        };
        let end = (self.next + CHUNK_RECORDS).min(self.slots.len());
        for slot in &self.slots[self.next..end] {
            let record = table.record(*slot);
            // Archived since the export was requested: left out, as a new export would.
            if record.is_deleted() {
                continue;
            }
            if self.rows_in_file == self.rows_per_file {
                pieces.push(Piece::Data(std::mem::take(&mut data)));
                self.file += 1;
                self.rows_in_file = 0;
                pieces.push(Piece::NewFile(self.file));
                data.extend_from_slice(&self.header);
            }
            push_csv_line(&mut data, &context.row(record));
            self.rows_in_file += 1;
        }
        self.next = end;
        pieces.push(Piece::Data(data));
        pieces
    }
}

type Chunk = Result<Bytes, std::io::Error>;

/// Sends the zip form of `pieces` on, keeping the writer's bookkeeping.
fn send_zipped(
    zip: &mut ZipWriter,
    stem: &str,
    pieces: Vec<Piece>,
    tx: &tokio::sync::mpsc::Sender<Chunk>,
) -> Result<(), ()> {
    for piece in pieces {
        let bytes = match piece {
            Piece::NewFile(n) => zip
                .start_entry(&format!("{stem}-{n}.csv"))
                .map_err(|_| ())?,
            Piece::Data(data) => {
                zip.data(&data);
                data
            }
        };
        if !bytes.is_empty() {
            tx.blocking_send(Ok(Bytes::from(bytes))).map_err(|_| ())?;
        }
    }
    Ok(())
}

/// Renders and sends the file; says first whether it is a zip.
fn produce(
    shared: Arc<Shared>,
    task: ExportTask,
    decided: tokio::sync::oneshot::Sender<Result<bool, HsError>>,
    tx: tokio::sync::mpsc::Sender<Chunk>,
) {
    let rows_per_file = shared.config.hubspot_export_rows_per_file;
    let mut renderer = match Renderer::new(&shared.hubspot.read(), task.clone(), rows_per_file) {
        Ok(renderer) => renderer,
        Err(error) => {
            let _ = decided.send(Err(error));
            return;
        }
    };
    // Render until the file is known to need a zip (over 2 MB, or a second file) or is done.
    let mut buffered: Vec<Piece> = Vec::new();
    let mut size = 0usize;
    let zipped = loop {
        let pieces = renderer.chunk(&shared.hubspot.read());
        for piece in &pieces {
            if let Piece::Data(data) = piece {
                size += data.len();
            }
        }
        buffered.extend(pieces);
        if renderer.file > 1 || size > ZIP_OVER_BYTES {
            break true;
        }
        if renderer.done() {
            break false;
        }
    };
    if decided.send(Ok(zipped)).is_err() {
        return;
    }
    if !zipped {
        for piece in buffered {
            if let Piece::Data(data) = piece {
                if tx.blocking_send(Ok(Bytes::from(data))).is_err() {
                    return;
                }
            }
        }
        return;
    }
    let stem = file_stem(&task.request.name);
    let mut zip = ZipWriter::new(task.complete_ms);
    if send_zipped(&mut zip, &stem, buffered, &tx).is_err() {
        return;
    }
    while !renderer.done() {
        let pieces = renderer.chunk(&shared.hubspot.read());
        if send_zipped(&mut zip, &stem, pieces, &tx).is_err() {
            return;
        }
    }
    match zip.finish() {
        Ok(end) => {
            let _ = tx.blocking_send(Ok(Bytes::from(end)));
        }
        Err(too_large) => {
            let _ = tx.blocking_send(Err(std::io::Error::other(too_large.to_string())));
        }
    }
}

/// `GET /exports-download/{token}`: the export file, without authorization, while the link
/// is fresh.
pub async fn download(State(shared): State<Arc<Shared>>, Path(token): Path<String>) -> Response {
    let now = shared.clock.now_ms();
    let task = {
        let portal = shared.hubspot_portal();
        match portal.exports.downloads.get(&token) {
            Some((id, expires)) if *expires > now => {
                portal.exports.tasks.iter().find(|t| t.id == *id).cloned()
            }
            _ => None,
        }
    };
    let Some(task) = task else {
        return expired();
    };
    let (decided_tx, decided_rx) = tokio::sync::oneshot::channel();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Chunk>(4);
    let name = file_stem(&task.request.name);
    let producer_shared = shared.clone();
    tokio::task::spawn_blocking(move || produce(producer_shared, task, decided_tx, tx));
    let zipped = match decided_rx.await {
        Ok(Ok(zipped)) => zipped,
        Ok(Err(error)) => return error.into_response(),
        Err(_) => {
            return HsError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL_ERROR",
                "export failed",
            )
            .into_response();
        }
    };
    let stream = futures::stream::poll_fn(move |cx| rx.poll_recv(cx));
    let mut response = Response::new(Body::from_stream(stream));
    let (content_type, file) = if zipped {
        ("application/zip", format!("{name}.zip"))
    } else {
        ("text/csv; charset=UTF-8", format!("{name}.csv"))
    };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}
