//! The plan and apply steps over borrowed parts. [`super::Session`] calls exactly these; so
//! do tests that keep their own in-memory CRMs and store, so they run the code users run.

use super::SessionError;
use super::outcome::{ApplyOutcome, PlanOptions, PlanOutcome, SessionEvent};
use super::read_policy::{ReadMode, read_mode};
use crate::compile::Program;
use crate::plan::{ApiBudget, Plan, PlanInputs};
use crate::runtime::{Crm, Event};
use crate::state::{ApplyLock, StateStore};

/// The Program a step runs, and the digest of the schema snapshots it was checked against.
#[derive(Debug, Clone, Copy)]
pub struct ProgramRef<'a> {
    pub program: &'a Program,
    pub schema_digest: &'a str,
}

/// Reads both sides (incrementally when [`read_mode`] allows) and plans.
pub async fn plan<H: Crm, S: Crm>(
    compiled: ProgramRef<'_>,
    store: &StateStore,
    hs: &mut H,
    sf: &mut S,
    options: PlanOptions,
) -> Result<PlanOutcome, SessionError> {
    let state = store.snapshot()?;
    let mode = read_mode(store, options.full);
    let incremental = mode == ReadMode::Incremental;
    let reads = crate::runtime::read::read_all(compiled.program, &state, hs, sf, incremental)
        .await
        .map_err(SessionError::Read)?;
    let plan = crate::plan::plan(PlanInputs {
        program: compiled.program,
        schema_digest: compiled.schema_digest,
        state: &state,
        reads,
        budget: ApiBudget {
            hs_remaining: hs.remaining_budget(),
            sf_remaining: sf.remaining_budget(),
        },
    });
    Ok(PlanOutcome {
        plan,
        read_mode: mode,
    })
}

/// Applies `plan` under the apply lock: `held`, when the caller took it before the plan was
/// made, or one taken for this apply alone (an in-memory store has none to take).
pub async fn apply<H: Crm, S: Crm>(
    compiled: ProgramRef<'_>,
    store: &mut StateStore,
    held: Option<&ApplyLock>,
    hs: &mut H,
    sf: &mut S,
    plan: &Plan,
    on_event: &mut dyn FnMut(SessionEvent<'_>),
) -> Result<ApplyOutcome, SessionError> {
    let _taken_for_this_apply = match held {
        Some(_) => None,
        None => store.lock()?,
    };
    let mut forward = |event: &Event| on_event(SessionEvent::Apply(event));
    let summary = crate::runtime::apply(
        plan,
        compiled.program,
        compiled.schema_digest,
        store,
        hs,
        sf,
        &mut forward,
    )
    .await?;
    Ok(ApplyOutcome { summary })
}
