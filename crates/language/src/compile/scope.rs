//! A sync's scope (`only ...`) split by side: each conjunct constrains the records of the
//! side it reads, and the part a CRM can evaluate is pushed down to it (`pushdown.rs`).

use std::collections::BTreeSet;

use tandem_ground::schema::System;

use super::from_checked::Lowering;
use super::program::{Expr, SyncProgram};
use super::pushdown::pushdown_for;

impl Lowering<'_> {
    /// Sets each side's scope from the sync's lowered `only` conditions.
    pub(super) fn scope(program: &mut SyncProgram, conditions: Vec<Expr>) {
        let mut hs_scope = Vec::new();
        let mut sf_scope = Vec::new();
        for condition in conditions {
            for conjunct in condition.conjuncts().into_iter().cloned() {
                if sides_of(&conjunct).contains(&System::Salesforce) {
                    sf_scope.push(conjunct);
                } else {
                    hs_scope.push(conjunct);
                }
            }
        }
        program.hs.scope = join_and(hs_scope);
        program.sf.scope = join_and(sf_scope);
    }

    /// Sets each side's pushdown from its scope, once the side's field facts are known
    /// (a SOQL literal is spelled by the type of its field).
    pub(super) fn pushdown(program: &mut SyncProgram) {
        for (system, side) in [
            (System::Hubspot, &mut program.hs),
            (System::Salesforce, &mut program.sf),
        ] {
            side.pushdown = side
                .scope
                .as_ref()
                .and_then(|scope| pushdown_for(scope, system, &side.fields));
        }
    }
}

/// The systems whose records an expression reads.
pub(super) fn sides_of(expr: &Expr) -> BTreeSet<System> {
    let mut fields = Vec::new();
    expr.fields(&mut fields);
    fields.into_iter().map(|(side, _)| side).collect()
}

fn join_and(parts: Vec<Expr>) -> Option<Expr> {
    parts
        .into_iter()
        .reduce(|acc, next| Expr::binary("and", acc, next))
}
