//! The seam between the runtime and a CRM: what apply (and plan's reads) need from one side.
//!
//! The HTTP connectors implement it for HubSpot and Salesforce; [`super::memory::MemoryCrm`]
//! implements it in memory for the planner's tests and benchmarks. Results of batched writes
//! come back in input order, one per record, because both CRMs report partial success.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::compile::Pushdown;
use crate::connectors::RemoteRecord;
use crate::schema::System;

/// The outcome of one record in a batched write.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteOutcome {
    /// Written; for a create, the new record's id.
    Written { id: String },
    /// Rejected by the CRM with its reason (`REQUIRED_FIELD_MISSING: ...`).
    Rejected { reason: String },
}

/// Why a whole call failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CrmError {
    /// The daily API allowance is spent: stop and resume on a later run.
    #[error("{} daily API limit reached", system.display_name())]
    DailyLimit { system: System },
    /// The call may or may not have reached the CRM (timeout, connection reset): its writes
    /// have an unknown outcome and are settled by the next run's matching.
    #[error("{} call failed: {message}", system.display_name())]
    Transport { system: System, message: String },
    /// The CRM refused the whole call (authentication, permissions, a malformed request).
    #[error("{} refused the call: {message}", system.display_name())]
    Refused { system: System, message: String },
}

/// What to read from one side.
#[derive(Debug, Clone)]
pub struct ReadRequest<'a> {
    pub object: &'a str,
    pub fields: &'a [String],
    pub pushdown: Option<&'a Pushdown>,
    /// Only records modified at or after this RFC 3339 instant (incremental read).
    pub modified_since: Option<&'a str>,
}

#[allow(async_fn_in_trait)]
pub trait Crm {
    fn system(&self) -> System;

    /// Records per batched write call (HubSpot 100, Salesforce collections 200).
    fn batch_size(&self) -> usize;

    /// What remains of today's API budget, when the CRM has said.
    fn remaining_budget(&self) -> Option<u64>;

    /// Every record of the object matching the request, plus deleted records seen since
    /// `modified_since` (flagged `deleted`).
    async fn read(&mut self, request: &ReadRequest<'_>) -> Result<Vec<RemoteRecord>, CrmError>;

    /// Reads records by id (absent ids are simply missing from the result).
    async fn read_by_ids(
        &mut self,
        object: &str,
        ids: &[String],
        fields: &[String],
    ) -> Result<Vec<RemoteRecord>, CrmError>;

    async fn create(
        &mut self,
        object: &str,
        records: &[BTreeMap<String, Value>],
    ) -> Result<Vec<WriteOutcome>, CrmError>;

    async fn update(
        &mut self,
        object: &str,
        records: &[(String, BTreeMap<String, Value>)],
    ) -> Result<Vec<WriteOutcome>, CrmError>;

    async fn delete(&mut self, object: &str, ids: &[String])
    -> Result<Vec<WriteOutcome>, CrmError>;
}
