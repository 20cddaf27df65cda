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
    code(
        "tandem::syntax::expected_arrow",
        Stage::Syntax,
        "a mapping, sync or map header is missing its arrow `->`, `<-` or `<->`",
    ),
    code(
        "tandem::syntax::expected_item",
        Stage::Syntax,
        "something other than `connection`, `map`, `table`, `sync` or `on` at the top level",
    ),
    code(
        "tandem::syntax::expected_expression",
        Stage::Syntax,
        "a value (literal, field, call or combination) is missing",
    ),
    code(
        "tandem::syntax::unexpected_token",
        Stage::Syntax,
        "the text does not fit the grammar here; the message lists what would",
    ),
    code(
        "tandem::syntax::unterminated_string",
        Stage::Syntax,
        "a string literal reaches the end of its line without a closing quote",
    ),
    code(
        "tandem::syntax::unclosed_block",
        Stage::Syntax,
        "a `{` block is never closed before the end of the file",
    ),
    code(
        "tandem::syntax::invalid_escape",
        Stage::Syntax,
        "a backslash escape in a string is not one of \\\" \\\\ \\n \\t \\r \\{ \\}",
    ),
    code(
        "tandem::syntax::invalid_date",
        Stage::Syntax,
        "a date literal is not a real date (`@2024-01-31`) or date-time with offset",
    ),
    code(
        "tandem::syntax::number_too_large",
        Stage::Syntax,
        "a limit or truncate count does not fit in 64 bits",
    ),
    code(
        "tandem::syntax::unknown_system",
        Stage::Syntax,
        "a connection names a system other than `hubspot` or `salesforce`",
    ),
    code(
        "tandem::syntax::mapping_target_not_a_field",
        Stage::Syntax,
        "the side of a mapping that is written to is an expression, not a field",
    ),
    code(
        "tandem::syntax::nesting_too_deep",
        Stage::Syntax,
        "an expression is nested more deeply than tandem accepts",
    ),
    // names: duplicate and undefined names, schema-independent
    // check: names and types against the CRM schemas
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
