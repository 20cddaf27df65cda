//! An in-memory CRM: the planner's and runtime's test double and benchmark backend.
//!
//! It keeps records per object, counts calls like the real APIs do (one per batch), can be
//! given a daily call allowance, can reject records by rule (to exercise partial batch
//! failures) and can be told to "crash" after a number of write calls.

use std::collections::BTreeMap;

use serde_json::Value;

use tandem_connectors::RemoteRecord;
use tandem_ground::schema::System;

use super::crm::{Crm, CrmError, ReadRequest, ReadResult, RecordWrite, WriteBatch, WriteOutcome};

/// Rejects a written record when `field` equals `value`, with `reason`.
#[derive(Debug, Clone)]
pub struct RejectRule {
    pub field: String,
    pub value: Value,
    pub reason: String,
}

static CLOCK: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

#[derive(Debug, Clone)]
pub struct MemoryCrm {
    pub system: System,
    pub objects: BTreeMap<String, BTreeMap<String, RemoteRecord>>,
    pub calls: u64,
    pub write_calls: u64,
    /// Calls allowed before every call fails with `DailyLimit`.
    pub daily_allowance: Option<u64>,
    pub reject: Vec<RejectRule>,
    /// After this many write calls, writes fail with `Transport` *after* being applied
    /// (the worst case: the CRM has the data, the caller never heard back).
    pub lose_responses_after: Option<u64>,
    next_id: u64,
    clock: u64,
}

impl MemoryCrm {
    pub fn new(system: System) -> Self {
        MemoryCrm {
            system,
            objects: BTreeMap::new(),
            calls: 0,
            write_calls: 0,
            daily_allowance: None,
            reject: Vec::new(),
            lose_responses_after: None,
            next_id: 1,
            clock: 0,
        }
    }

    fn tick(&mut self) -> String {
        // One clock for every in-memory CRM, so "modified last" compares across the two sides
        // as it does between real CRMs.
        self.clock = CLOCK.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        let base = chrono::DateTime::from_timestamp(1_767_225_600, 0).unwrap_or_default();
        (base + chrono::Duration::seconds(self.clock as i64))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }

    fn new_id(&mut self) -> String {
        let n = self.next_id;
        self.next_id += 1;
        match self.system {
            System::Hubspot => format!("{}", 1000 + n),
            System::Salesforce => format!("001M{n:011}AAA"),
        }
    }

    /// Inserts (or replaces) a record as a user of the CRM would, stamping `modified_at`.
    pub fn put(&mut self, object: &str, id: &str, fields: &[(&str, Value)]) {
        let stamp = self.tick();
        let record = self
            .objects
            .entry(object.to_string())
            .or_default()
            .entry(id.to_string())
            .or_insert_with(|| RemoteRecord {
                id: id.to_string(),
                fields: Default::default(),
                modified_at: None,
                deleted: false,
                merged_into: None,
            });
        for (name, value) in fields {
            record.fields.insert((*name).into(), value.clone());
        }
        record.modified_at = Some(stamp);
    }

    /// Marks a record deleted, as a user deleting it in the CRM would.
    pub fn remove(&mut self, object: &str, id: &str) {
        let stamp = self.tick();
        if let Some(record) = self.objects.get_mut(object).and_then(|o| o.get_mut(id)) {
            record.deleted = true;
            record.modified_at = Some(stamp);
        }
    }

    pub fn live(&self, object: &str) -> Vec<&RemoteRecord> {
        self.objects
            .get(object)
            .map(|o| o.values().filter(|r| !r.deleted).collect())
            .unwrap_or_default()
    }

    pub fn get(&self, object: &str, id: &str) -> Option<&RemoteRecord> {
        self.objects.get(object).and_then(|o| o.get(id))
    }

    fn spend(&mut self) -> Result<(), CrmError> {
        if let Some(allowance) = self.daily_allowance
            && self.calls >= allowance
        {
            return Err(CrmError::daily_limit(self.system));
        }
        self.calls += 1;
        Ok(())
    }

    fn rejection(&self, fields: &BTreeMap<String, Value>) -> Option<String> {
        self.reject
            .iter()
            .find(|rule| fields.get(&rule.field) == Some(&rule.value))
            .map(|rule| rule.reason.clone())
    }

    /// Counts a write call; past `lose_responses_after`, the caller never hears back.
    fn finish_write(&mut self, outcomes: Vec<WriteOutcome>) -> WriteBatch {
        self.write_calls += 1;
        if let Some(limit) = self.lose_responses_after
            && self.write_calls > limit
        {
            let reason = "connection reset after the request was sent".to_string();
            return WriteBatch {
                outcomes: outcomes
                    .iter()
                    .map(|_| WriteOutcome::Unknown {
                        reason: reason.clone(),
                    })
                    .collect(),
                stopped: Some(CrmError::from_connector(
                    self.system,
                    tandem_connectors::ConnectorError::Transport {
                        system: self.system,
                        method: "POST".to_string(),
                        path: "(memory)".to_string(),
                        message: reason,
                    },
                )),
            };
        }
        WriteBatch {
            outcomes,
            stopped: None,
        }
    }
}

/// A rule's rejection, written `CODE: message` as the CRMs report one.
fn rejected(reason: &str) -> WriteOutcome {
    let (code, message) = reason.split_once(": ").unwrap_or(("REJECTED", reason));
    WriteOutcome::rejected(code, message, Vec::new(), false)
}

fn stopped(error: CrmError) -> WriteBatch {
    WriteBatch {
        outcomes: Vec::new(),
        stopped: Some(error),
    }
}

impl Crm for MemoryCrm {
    fn system(&self) -> System {
        self.system
    }

    fn remaining_budget(&self) -> Option<u64> {
        self.daily_allowance
            .map(|allowance| allowance.saturating_sub(self.calls))
    }

    fn calls(&self) -> u64 {
        self.calls
    }

    async fn read(&mut self, request: &ReadRequest<'_>) -> Result<ReadResult, CrmError> {
        let since = request.since.and_then(|v| v.as_str()).map(str::to_string);
        let records: Vec<RemoteRecord> = self
            .objects
            .get(request.object)
            .map(|o| {
                o.values()
                    .filter(|r| request.include_deleted || !r.deleted)
                    .filter(|r| match (&since, &r.modified_at) {
                        (Some(since), Some(at)) => at.as_str() > since.as_str(),
                        _ => true,
                    })
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        // One call per page of 100 (HubSpot) or 2,000 (Salesforce), like the real APIs.
        let page = match self.system {
            System::Hubspot => 100,
            System::Salesforce => 2000,
        };
        for _ in 0..records.len().div_ceil(page).max(1) {
            self.spend()?;
        }
        // The cursor is the newest modification time in the whole object, so records changed
        // after this read are returned next time.
        let newest = self
            .objects
            .get(request.object)
            .and_then(|o| o.values().filter_map(|r| r.modified_at.clone()).max());
        Ok(ReadResult {
            records,
            cursor: newest.or(since).map(Value::String),
        })
    }

    async fn read_ids(
        &mut self,
        object: &str,
        fields: &[String],
        ids: &[String],
    ) -> Result<Vec<RemoteRecord>, CrmError> {
        let _ = fields;
        // One call per 100 ids, like HubSpot's batch read.
        for _ in 0..ids.len().div_ceil(100) {
            self.spend()?;
        }
        Ok(ids
            .iter()
            .filter_map(|id| self.get(object, id).filter(|r| !r.deleted).cloned())
            .collect())
    }

    async fn read_associated(
        &mut self,
        object: &str,
        fields: &[String],
        ids: &[String],
    ) -> Result<BTreeMap<String, BTreeMap<String, Value>>, CrmError> {
        // One call per 1,000 ids and association, like HubSpot's v4 batch read.
        for _ in 0..(ids.len().div_ceil(1000) * fields.len()) {
            self.spend()?;
        }
        let mut out = BTreeMap::new();
        for id in ids {
            let Some(record) = self.get(object, id).filter(|r| !r.deleted) else {
                continue;
            };
            let values = fields
                .iter()
                .map(|f| {
                    (
                        f.clone(),
                        record.fields.get(f).cloned().unwrap_or(Value::Null),
                    )
                })
                .collect();
            out.insert(id.clone(), values);
        }
        Ok(out)
    }

    async fn live_ids(
        &mut self,
        object: &str,
        ids: &[String],
    ) -> Result<std::collections::BTreeSet<String>, CrmError> {
        // One call per 100 ids, like HubSpot's batch read.
        for _ in 0..ids.len().div_ceil(100) {
            self.spend()?;
        }
        Ok(ids
            .iter()
            .filter(|id| self.get(object, id).is_some_and(|r| !r.deleted))
            .cloned()
            .collect())
    }

    async fn create(&mut self, object: &str, records: &[RecordWrite]) -> WriteBatch {
        if let Err(stop) = self.spend() {
            return stopped(stop);
        }
        let mut out = Vec::new();
        for write in records {
            // Association writes are kept as the plain value of their pseudo-field.
            let fields = &write.written_values();
            if let Some(reason) = self.rejection(fields) {
                out.push(rejected(&reason));
                continue;
            }
            let id = self.new_id();
            let pairs: Vec<(&str, Value)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.clone()))
                .collect();
            self.put(object, &id, &pairs);
            out.push(WriteOutcome::Written { id });
        }
        self.finish_write(out)
    }

    async fn update(&mut self, object: &str, records: &[(String, RecordWrite)]) -> WriteBatch {
        if let Err(stop) = self.spend() {
            return stopped(stop);
        }
        let mut out = Vec::new();
        for (id, write) in records {
            let fields = &write.written_values();
            if let Some(reason) = self.rejection(fields) {
                out.push(rejected(&reason));
                continue;
            }
            if self.get(object, id).is_none_or(|r| r.deleted) {
                out.push(WriteOutcome::rejected(
                    "ENTITY_IS_DELETED",
                    "entity is deleted",
                    Vec::new(),
                    false,
                ));
                continue;
            }
            let pairs: Vec<(&str, Value)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.clone()))
                .collect();
            self.put(object, id, &pairs);
            out.push(WriteOutcome::Written { id: id.to_string() });
        }
        self.finish_write(out)
    }

    async fn delete(&mut self, object: &str, ids: &[String]) -> WriteBatch {
        if let Err(stop) = self.spend() {
            return stopped(stop);
        }
        let mut out = Vec::new();
        for id in ids {
            self.remove(object, id);
            out.push(WriteOutcome::Written { id: id.clone() });
        }
        self.finish_write(out)
    }
}
