//! check: AST + schema snapshots -> checked spec (names resolved, types known) + diagnostics.
//! Pure: no IO, collects every diagnostic, never panics on user input.

pub mod names;
