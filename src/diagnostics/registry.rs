//! The one place every diagnostic code is registered. Codes are permanent: never renamed,
//! never reused. `tests/diagnostic_fixtures.rs` fails when a code here has no fixture (and so
//! no snapshot of its rendered report), or a fixture expects a code missing here.

/// The stage a code belongs to (its second path segment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Syntax,
    Names,
    Check,
    Connectors,
}

#[derive(Debug, Clone, Copy)]
pub struct RegisteredCode {
    pub code: &'static str,
    pub stage: Stage,
    /// One line on what the code means, for `tandem explain` and the docs.
    pub summary: &'static str,
}

const fn code(code: &'static str, stage: Stage, summary: &'static str) -> RegisteredCode {
    RegisteredCode {
        code,
        stage,
        summary,
    }
}

/// Every code, grouped by stage. Append only.
pub const REGISTRY: &[RegisteredCode] = &[
    // syntax: text -> AST
    // names: duplicate and undefined names, schema-independent
    // check: names and types against the CRM schemas
    code(
        "tandem::io::unreadable_spec",
        Stage::Syntax,
        "the spec file or folder could not be read",
    ),
    // connectors: auth, configuration, quota and CRM request failures
    code(
        "tandem::connectors::daily_limit_exhausted",
        Stage::Connectors,
        "a CRM's daily API limit is spent; the run stopped before sending more calls",
    ),
    code(
        "tandem::connectors::call_cap_reached",
        Stage::Connectors,
        "the configured cap on API calls per run is reached",
    ),
    code(
        "tandem::connectors::unauthorized",
        Stage::Connectors,
        "a CRM rejected the credentials (after one refresh, when refresh is possible)",
    ),
    code(
        "tandem::connectors::token_refresh_failed",
        Stage::Connectors,
        "an OAuth token request failed (revoked refresh token, bad client credentials)",
    ),
    code(
        "tandem::connectors::request_rejected",
        Stage::Connectors,
        "a CRM rejected a request as invalid; it is not retried",
    ),
    code(
        "tandem::connectors::retries_exhausted",
        Stage::Connectors,
        "a request kept failing with rate limits or server errors",
    ),
    code(
        "tandem::connectors::outcome_unknown",
        Stage::Connectors,
        "a write failed after it may have been applied; it was not resent",
    ),
    code(
        "tandem::connectors::transport",
        Stage::Connectors,
        "a CRM could not be reached",
    ),
    code(
        "tandem::connectors::unexpected_response",
        Stage::Connectors,
        "a CRM answered with a body tandem cannot read",
    ),
    code(
        "tandem::connectors::bulk_job_failed",
        Stage::Connectors,
        "a Salesforce Bulk API 2.0 job failed or was aborted",
    ),
    code(
        "tandem::connectors::search_window_stuck",
        Stage::Connectors,
        "more than 10,000 HubSpot records share one modified time",
    ),
    code(
        "tandem::connectors::not_configured",
        Stage::Connectors,
        "a CRM is not configured for the chosen environment",
    ),
    code(
        "tandem::connectors::missing_variable",
        Stage::Connectors,
        "an environment variable the configuration names is not set",
    ),
    code(
        "tandem::connectors::invalid_url",
        Stage::Connectors,
        "a configured CRM URL is not a valid http(s) URL",
    ),
    code(
        "tandem::connectors::unknown_environment",
        Stage::Connectors,
        "`--env NAME` names an environment tandem.toml does not define",
    ),
    code(
        "tandem::connectors::literal_secret",
        Stage::Connectors,
        "tandem.toml holds a secret literally instead of naming a variable",
    ),
    code(
        "tandem::connectors::unreadable_config",
        Stage::Connectors,
        "tandem.toml or a key file could not be read",
    ),
    code(
        "tandem::connectors::invalid_config",
        Stage::Connectors,
        "tandem.toml is not valid connection configuration",
    ),
];

pub fn lookup_code(code: &str) -> Option<&'static RegisteredCode> {
    REGISTRY.iter().find(|registered| registered.code == code)
}
