//! Typed connector failures: one request-level enum ([`ConnectorError`]) and one per-record
//! error ([`RecordError`]) that batch writes return for each input that did not land.
//!
//! Every variant holds raw data (system, status, CRM code, message) rather than preformatted
//! text, and none holds a secret: response bodies are scrubbed of the credentials in use
//! before they are stored here.

use serde::Serialize;

use tandem_ground::schema::System;

/// Why one record of a batch write (or one record of a read) failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordError {
    pub system: System,
    /// The CRM's code: HubSpot `category` (and inner `code` when present, e.g.
    /// `VALIDATION_ERROR/INVALID_OPTION`); Salesforce `statusCode` / `errorCode`.
    pub code: String,
    pub message: String,
    /// Fields or properties the CRM blamed, when it said.
    pub fields: Vec<String>,
    /// Whether sending the same write again could succeed without anything changing
    /// (row locks, rate limits, transient server errors). Validation errors are never retryable.
    pub retryable: bool,
}

/// A request-level failure: the call (or the run) cannot go on.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ConnectorError {
    #[error(
        "{system_name} daily API limit is exhausted ({detail}); the run stopped before sending more calls",
        system_name = system.display_name()
    )]
    #[diagnostic(
        code(tandem::connectors::daily_limit_exhausted),
        help(
            "wait for the limit to reset (HubSpot: midnight in the account's time zone; Salesforce: rolling 24 hours) and run again; nothing after this call was sent"
        )
    )]
    DailyLimitExhausted { system: System, detail: String },

    #[error(
        "the configured cap of {cap} {system_name} API calls for this run is reached",
        system_name = system.display_name()
    )]
    #[diagnostic(
        code(tandem::connectors::call_cap_reached),
        help(
            "raise `max_calls_per_run` for this environment in tandem.toml, or run again to continue"
        )
    )]
    CallCapReached { system: System, cap: u64 },

    #[error(
        "{system_name} rejected the credentials ({message})",
        system_name = system.display_name()
    )]
    #[diagnostic(
        code(tandem::connectors::unauthorized),
        help(
            "check the token variables of this environment (`tandem schema pull --env NAME` names them); an expired access token is refreshed once automatically when OAuth refresh is configured"
        )
    )]
    Unauthorized { system: System, message: String },

    #[error(
        "{system_name} token request failed: {error} ({description})",
        system_name = system.display_name()
    )]
    #[diagnostic(
        code(tandem::connectors::token_refresh_failed),
        help(
            "the refresh token or client credentials may be revoked; re-authorise the app and update the variables"
        )
    )]
    TokenRefreshFailed {
        system: System,
        status: Option<u16>,
        error: String,
        description: String,
    },

    #[error(
        "{system_name} rejected {method} {path} with HTTP {status} {code}: {message}",
        system_name = system.display_name()
    )]
    #[diagnostic(code(tandem::connectors::request_rejected))]
    Rejected {
        system: System,
        method: String,
        path: String,
        status: u16,
        code: String,
        message: String,
    },

    #[error(
        "{system_name} {method} {path} still failed after {attempts} attempts: {message}",
        system_name = system.display_name()
    )]
    #[diagnostic(
        code(tandem::connectors::retries_exhausted),
        help("the CRM kept answering with rate limits or server errors; run again later")
    )]
    RetriesExhausted {
        system: System,
        method: String,
        path: String,
        attempts: u32,
        message: String,
    },

    #[error(
        "{system_name} {method} {path} failed after the request may have been applied ({message}); it was not retried because that could duplicate records",
        system_name = system.display_name()
    )]
    #[diagnostic(
        code(tandem::connectors::outcome_unknown),
        help("read the affected records back before writing them again")
    )]
    OutcomeUnknown {
        system: System,
        method: String,
        path: String,
        message: String,
    },

    #[error(
        "could not reach {system_name} for {method} {path}: {message}",
        system_name = system.display_name()
    )]
    #[diagnostic(code(tandem::connectors::transport))]
    Transport {
        system: System,
        method: String,
        path: String,
        message: String,
    },

    #[error(
        "{system_name} answered {path} with a body tandem cannot read: {message}",
        system_name = system.display_name()
    )]
    #[diagnostic(code(tandem::connectors::unexpected_response))]
    UnexpectedResponse {
        system: System,
        path: String,
        message: String,
    },

    #[error("Salesforce Bulk API job {job_id} ended in state {state}: {message}")]
    #[diagnostic(code(tandem::connectors::bulk_job_failed))]
    BulkJobFailed {
        job_id: String,
        state: String,
        message: String,
    },

    #[error(
        "more than {cap} {object} records share the modified time {timestamp}; HubSpot search cannot page past them"
    )]
    #[diagnostic(
        code(tandem::connectors::search_window_stuck),
        help("run a full read of this object (no watermark) instead")
    )]
    SearchWindowStuck {
        object: String,
        timestamp: String,
        cap: u32,
    },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(#[from] crate::config::ConfigError),
}

impl ConnectorError {
    /// Whether the whole run must stop (quota gone, credentials bad) rather than just this call.
    pub fn stops_run(&self) -> bool {
        matches!(
            self,
            ConnectorError::DailyLimitExhausted { .. }
                | ConnectorError::CallCapReached { .. }
                | ConnectorError::Unauthorized { .. }
                | ConnectorError::TokenRefreshFailed { .. }
                | ConnectorError::Config(_)
        )
    }

    /// The per-record form of this error, for every input of a chunk the error swallowed.
    pub fn to_record_error(&self, system: System) -> RecordError {
        let (code, retryable) = match self {
            ConnectorError::Rejected { code, .. } => (code.clone(), false),
            ConnectorError::RetriesExhausted { .. } => ("RETRIES_EXHAUSTED".to_string(), true),
            ConnectorError::OutcomeUnknown { .. } => ("OUTCOME_UNKNOWN".to_string(), false),
            ConnectorError::Transport { .. } => ("TRANSPORT".to_string(), true),
            ConnectorError::BulkJobFailed { .. } => ("BULK_JOB_FAILED".to_string(), false),
            _ => ("REQUEST_FAILED".to_string(), false),
        };
        RecordError {
            system,
            code,
            message: self.to_string(),
            fields: Vec::new(),
            retryable,
        }
    }
}
