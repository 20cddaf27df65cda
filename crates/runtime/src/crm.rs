//! The seam between the runtime and a CRM: what plan's reads and apply's writes need from
//! one side.
//!
//! The HTTP connectors implement it for HubSpot and Salesforce ([`super::hubspot_crm`],
//! [`super::salesforce_crm`]); [`super::memory::MemoryCrm`] implements it in memory for the
//! planner's tests and benchmarks. Batched writes report one outcome per record that was
//! attempted, in input order; records after a stop (daily limit, call cap) are absent: they
//! were never sent.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use tandem_connectors::{ConnectorError, RemoteRecord};
use tandem_ground::failure::RecordFailure;
use tandem_ground::schema::System;
use tandem_language::compile::Pushdown;

pub use tandem_ground::record_write::{AssociationWrite, RecordWrite};

/// The outcome of one record in a batched write.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteOutcome {
    /// Written; for a create, the new record's id.
    Written { id: String },
    /// Rejected by the CRM, with its code, message and fields; `retryable` when the CRM said
    /// the record was not written and the same write may succeed later with nothing changed
    /// (a row lock, a rate limit, an unavailable server past the connector's retries).
    Rejected(RecordFailure),
    /// The request may or may not have landed (timeout, 5xx on a create). Never resent in
    /// this run; the next plan's matching finds the record if it exists.
    Unknown { reason: String },
}

impl WriteOutcome {
    /// A rejection with the CRM's code and message.
    pub fn rejected(code: &str, message: &str, fields: Vec<String>, retryable: bool) -> Self {
        WriteOutcome::Rejected(RecordFailure::Rejected {
            code: code.to_string(),
            message: message.to_string(),
            fields,
            retryable,
        })
    }
}

/// Why a call (or the rest of the run) could not go on: the connector's own error, kept
/// whole so its code and help reach the user.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CrmError {
    /// The daily API allowance (or the per-run call cap) is spent: resume on a later run.
    #[error("{error}")]
    Exhausted {
        system: System,
        error: Arc<ConnectorError>,
    },
    /// The call may or may not have reached the CRM.
    #[error("{} call failed: {error}", system.display_name())]
    Transport {
        system: System,
        error: Arc<ConnectorError>,
    },
    /// The CRM refused the call (credentials, permissions, a malformed request).
    #[error("{} refused the call: {error}", system.display_name())]
    Refused {
        system: System,
        error: Arc<ConnectorError>,
    },
}

impl CrmError {
    /// The connector error, classified by what it means for the run.
    pub fn from_connector(system: System, error: ConnectorError) -> Self {
        let error = Arc::new(error);
        match &*error {
            ConnectorError::DailyLimitExhausted { .. } | ConnectorError::CallCapReached { .. } => {
                CrmError::Exhausted { system, error }
            }
            _ if error.stops_run() => CrmError::Refused { system, error },
            _ => CrmError::Transport { system, error },
        }
    }

    /// The daily allowance is spent (the in-memory CRM's answer past its allowance).
    pub fn daily_limit(system: System) -> Self {
        CrmError::from_connector(
            system,
            ConnectorError::DailyLimitExhausted {
                system,
                detail: "the allowance for today is used".to_string(),
            },
        )
    }

    /// The connector's error.
    pub fn connector_error(&self) -> &ConnectorError {
        match self {
            CrmError::Exhausted { error, .. }
            | CrmError::Transport { error, .. }
            | CrmError::Refused { error, .. } => error,
        }
    }

    pub fn system(&self) -> System {
        match self {
            CrmError::Exhausted { system, .. }
            | CrmError::Transport { system, .. }
            | CrmError::Refused { system, .. } => *system,
        }
    }
}

/// The connector's code and help reach the user.
impl miette::Diagnostic for CrmError {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.connector_error().code()
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.connector_error().help()
    }
}

/// Outcomes of a batched write, and why it stopped early if it did.
#[derive(Debug, Clone, Default)]
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

#[allow(async_fn_in_trait)]
pub trait Crm {
    fn system(&self) -> System;

    /// What remains of today's API budget, when the CRM has said.
    fn remaining_budget(&self) -> Option<u64>;

    /// Calls spent so far by this client.
    fn calls(&self) -> u64;

    /// Reads records. A name in `fields` of the form `<object>(associated)` is an
    /// association pseudo-field: the CRM fills it with the record's associated record of that
    /// object as [`tandem_plan::apply_rules::associated_value`] decides (HubSpot only).
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

    /// The live records `ids` of `object` with `fields` (association pseudo-fields filled
    /// like [`Crm::read`]); a deleted or unknown id is left out.
    async fn read_ids(
        &mut self,
        object: &str,
        fields: &[String],
        ids: &[String],
    ) -> Result<Vec<RemoteRecord>, CrmError>;

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

    async fn create(&mut self, object: &str, records: &[RecordWrite]) -> WriteBatch;

    async fn update(&mut self, object: &str, records: &[(String, RecordWrite)]) -> WriteBatch;

    async fn delete(&mut self, object: &str, ids: &[String]) -> WriteBatch;
}
