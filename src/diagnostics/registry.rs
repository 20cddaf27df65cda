//! The one place every diagnostic code is registered. Codes are permanent: never renamed,
//! never reused. `tests/diagnostic_fixtures.rs` fails when a code here has no fixture (and so
//! no snapshot of its rendered report), or a fixture expects a code missing here.

/// The stage a code belongs to (its second path segment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Syntax,
    Names,
    Check,
    Compile,
    Plan,
    Apply,
    State,
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
    // state: the SQLite state store
    code(
        "tandem::state::io",
        Stage::State,
        "the state store file or its folder could not be created or opened",
    ),
    code(
        "tandem::state::corrupt",
        Stage::State,
        "the state store is not a readable tandem store",
    ),
    code(
        "tandem::state::newer_schema",
        Stage::State,
        "the state store was written by a newer tandem; this build will not downgrade it",
    ),
    code(
        "tandem::state::locked",
        Stage::State,
        "another apply holds the state lock",
    ),
    code(
        "tandem::state::unknown_conflict",
        Stage::State,
        "no open conflict has that number",
    ),
];

pub fn lookup_code(code: &str) -> Option<&'static RegisteredCode> {
    REGISTRY.iter().find(|registered| registered.code == code)
}
