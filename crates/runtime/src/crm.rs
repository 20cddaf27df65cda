//! The seam between the runtime and a CRM: what plan's reads and apply's writes need from
//! one side.
//!
//! The HTTP connectors implement it for HubSpot and Salesforce ([`super::connected`]);
//! [`super::memory::MemoryCrm`] implements it in memory for the planner's tests and
//! benchmarks. Batched writes report one outcome per record that was attempted, in input
//! order; records after a stop (daily limit, call cap) are absent: they were never sent.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use tandem_connectors::RemoteRecord;
use tandem_ground::schema::System;
use tandem_language::compile::Pushdown;

/// The outcome of one record in a batched write.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteOutcome {
    /// Written; for a create, the new record's id.
    Written { id: String },
    /// Rejected by the CRM with its reason (`REQUIRED_FIELD_MISSING: ...`).
    /// `retryable`: the CRM said the record was not written and the same write may succeed
    /// later with nothing changed (a row lock, a rate limit, an unavailable server past the
    /// connector's retries): the connectors' `RecordError::retryable`.
    Rejected { reason: String, retryable: bool },
    /// The request may or may not have landed (timeout, 5xx on a create). Never resent in
    /// this run; the next plan's matching finds the record if it exists.
    Unknown { reason: String },
}

/// Why a call (or the rest of the run) could not go on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CrmError {
    /// The daily API allowance (or the per-run call cap) is spent: resume on a later run.
    #[error("{}", message)]
    Exhausted { system: System, message: String },
    /// The call may or may not have reached the CRM.
    #[error("{} call failed: {message}", system.display_name())]
    Transport { system: System, message: String },
    /// The CRM refused the call (credentials, permissions, a malformed request).
    #[error("{} refused the call: {message}", system.display_name())]
    Refused { system: System, message: String },
}

impl CrmError {
    pub fn daily_limit(system: System) -> Self {
        CrmError::Exhausted {
            system,
            message: format!("{} daily API limit reached", system.display_name()),
        }
    }
}

/// Outcomes of a batched write, and why it stopped early if it did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WriteBatch {
    pub outcomes: Vec<WriteOutcome>,
    pub stopped: Option<CrmError>,
}

/// What to read from one side.
#[derive(Debug, Clone)]
pub struct ReadRequest<'a> {
    pub object: &'a str,
    pub fields: &'a [String],
    pub pushdown: Option<&'a Pushdown>,
    /// An opaque cursor from an earlier read: only records changed since then are returned
    /// (with deletions flagged). `None` reads everything.
    pub since: Option<&'a Value>,
    /// Also return deleted (archived) records, flagged `deleted`.
    pub include_deleted: bool,
}

/// What a read returned.
#[derive(Debug, Clone, Default)]
pub struct ReadResult {
    pub records: Vec<RemoteRecord>,
    /// Where a later incremental read of this object continues from.
    pub cursor: Option<Value>,
}

/// The marker of an association write in a payload: `{"$association": {...}}`.
pub const ASSOCIATION_WRITE: &str = "$association";

/// What apply hands [`Crm::create`] and [`Crm::update`] in place of an association
/// pseudo-field's value (`companies(associated)`): make `id` the record's associated record
/// of `to_object` (as its primary one where HubSpot has a primary type) and drop the
/// associations to `remove`. Creating an association that exists and removing one that does
/// not are no-ops, so re-sending the same write after a crash changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssociationWrite {
    pub to_object: String,
    /// The record to associate; `None` only removes.
    pub id: Option<String>,
    /// Records whose association with this one is removed.
    #[serde(default)]
    pub remove: Vec<String>,
    /// HubSpot-defined association type ids to create (the default type, then the primary).
    pub type_ids: Vec<u32>,
}

impl AssociationWrite {
    pub fn to_wire(&self) -> Value {
        serde_json::json!({ ASSOCIATION_WRITE: self })
    }

    /// The association write a payload value carries, if it is one.
    pub fn from_wire(value: &Value) -> Option<AssociationWrite> {
        serde_json::from_value(value.get(ASSOCIATION_WRITE)?.clone()).ok()
    }
}

/// Splits a payload into plain field values and association writes (by field name).
pub fn split_payload(
    fields: &BTreeMap<String, Value>,
) -> (BTreeMap<String, Value>, Vec<(String, AssociationWrite)>) {
    let mut plain = BTreeMap::new();
    let mut associations = Vec::new();
    for (name, value) in fields {
        match AssociationWrite::from_wire(value) {
            Some(write) => associations.push((name.clone(), write)),
            None => {
                plain.insert(name.clone(), value.clone());
            }
        }
    }
    (plain, associations)
}

#[allow(async_fn_in_trait)]
pub trait Crm {
    fn system(&self) -> System;

    /// Records per batched write call (HubSpot 100, Salesforce collections 200).
    fn batch_size(&self) -> usize;

    /// What remains of today's API budget, when the CRM has said.
    fn remaining_budget(&self) -> Option<u64>;

    /// Calls spent so far by this client.
    fn calls(&self) -> u64;

    /// Reads records. A name in `fields` of the form `<object>(associated)` is an
    /// association pseudo-field: the CRM fills it with the record's associated record of that
    /// object as [`tandem_plan::association::associated_value`] decides (HubSpot only).
    async fn read(&mut self, request: &ReadRequest<'_>) -> Result<ReadResult, CrmError>;

    /// The association pseudo-fields `fields` of the records `ids` of `object`, without
    /// reading the records: an association change does not always touch a HubSpot record's
    /// modified date, so an incremental read cannot see it. CRMs without associations
    /// (Salesforce keeps links in reference fields) return nothing.
    async fn read_associated(
        &mut self,
        object: &str,
        fields: &[String],
        ids: &[String],
    ) -> Result<BTreeMap<String, BTreeMap<String, Value>>, CrmError> {
        let _ = (object, fields, ids);
        Ok(BTreeMap::new())
    }

    /// Which of `ids` are live records of `object`. Only asked about records an association
    /// read showed without associations (HubSpot answers a deleted record the same way);
    /// CRMs that never are assume all live.
    async fn live_ids(
        &mut self,
        object: &str,
        ids: &[String],
    ) -> Result<std::collections::BTreeSet<String>, CrmError> {
        let _ = object;
        Ok(ids.iter().cloned().collect())
    }

    async fn create(&mut self, object: &str, records: &[BTreeMap<String, Value>]) -> WriteBatch;

    async fn update(
        &mut self,
        object: &str,
        records: &[(String, BTreeMap<String, Value>)],
    ) -> WriteBatch;

    async fn delete(&mut self, object: &str, ids: &[String]) -> WriteBatch;
}
