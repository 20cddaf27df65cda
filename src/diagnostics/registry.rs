//! The one place every diagnostic code is registered. Codes are permanent: never renamed,
//! never reused. `tests/diagnostic_fixtures.rs` fails when a code here has no fixture (and so
//! no snapshot of its rendered report), or a fixture expects a code missing here.

/// The stage a code belongs to (its second path segment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Syntax,
    Names,
    Check,
    Sandbox,
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
    // sandbox: local HubSpot and Salesforce APIs
    code(
        "tandem::sandbox::bind_failed",
        Stage::Sandbox,
        "the sandbox could not listen on the requested loopback port",
    ),
    code(
        "tandem::sandbox::config_unreadable",
        Stage::Sandbox,
        "the sandbox config file (custom objects and fields) could not be read",
    ),
    code(
        "tandem::sandbox::config_invalid",
        Stage::Sandbox,
        "the sandbox config file is not valid YAML in the schema snapshot shape",
    ),
    code(
        "tandem::sandbox::data_dir_failed",
        Stage::Sandbox,
        "the sandbox data directory could not be read or written",
    ),
];

pub fn lookup_code(code: &str) -> Option<&'static RegisteredCode> {
    REGISTRY.iter().find(|registered| registered.code == code)
}
