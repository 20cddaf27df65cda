//! Lowering a [`CheckedSpec`] to a [`Program`]: the compile stage's working half.
//!
//! Every name is already resolved and every expression typed, so lowering is a translation:
//! syncs are normalised to (HubSpot, Salesforce) sides (`sync.rs`), mappings become field
//! programs (`mapping.rs`), typed expressions the planner's [`Expr`] (`expr.rs`), value maps
//! typed entries (`value_map.rs`), scope filters per-side conditions and pushdowns
//! (`scope.rs`), and the fields each side reads get their facts (`reads.rs`). What it
//! cannot lower is a diagnostic on the exact span, never a guess.

use std::collections::BTreeSet;

use crate::check::CheckedSpec;
use tandem_ground::diagnostics::{Diag, Span};

use super::errors::CompileError;
use super::program::{Program, SyncProgram};

/// One compilation: the checked spec and the diagnostics found so far.
pub(super) struct Lowering<'c> {
    pub checked: &'c CheckedSpec,
    pub diags: Vec<Diag>,
}

/// Compiles a checked spec. Returns the Program, or every compile diagnostic.
pub(super) fn lower_spec(checked: &CheckedSpec) -> Result<Program, Vec<Diag>> {
    let mut lowering = Lowering {
        checked,
        diags: Vec::new(),
    };
    let syncs: Vec<SyncProgram> = checked
        .syncs
        .iter()
        .map(|sync| lowering.sync(sync))
        .collect();
    if !lowering.diags.is_empty() {
        return Err(lowering.diags);
    }
    Ok(Program::new(dependency_order(syncs)))
}

impl Lowering<'_> {
    pub(super) fn error(&mut self, span: Span, error: CompileError) {
        self.diags.push(Diag::new(span.file, error));
    }

    /// Reports a checked spec that breaks a promise of the checker (a bug in tandem).
    pub(super) fn internal(&mut self, span: Span, construct: &'static str, problem: String) {
        self.error(
            span,
            CompileError::Internal {
                construct,
                problem,
                at: span.into(),
            },
        );
    }
}

/// Orders syncs so each comes after the syncs it depends on; otherwise spec order.
fn dependency_order(syncs: Vec<SyncProgram>) -> Vec<SyncProgram> {
    let mut remaining = syncs;
    let mut ordered: Vec<SyncProgram> = Vec::new();
    while !remaining.is_empty() {
        let placed: BTreeSet<String> = ordered.iter().map(|s| s.name.clone()).collect();
        let names: BTreeSet<String> = remaining.iter().map(|s| s.name.clone()).collect();
        let ready = remaining.iter().position(|s| {
            s.depends_on
                .iter()
                .all(|d| placed.contains(d) || !names.contains(d))
        });
        // A cycle (the checker reports it) falls back to spec order rather than looping.
        let index = ready.unwrap_or(0);
        ordered.push(remaining.remove(index));
    }
    ordered
}
