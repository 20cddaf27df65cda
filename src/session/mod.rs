//! session: the library driver, the one code path from a spec on disk to writes in both CRMs.
//!
//! In: [`SessionOptions`] (where the spec, schemas and state are, how to reach the CRMs).
//! Out: [`CompiledSpec`], [`PlanOutcome`], [`ApplyOutcome`] and [`SessionEvent`]s, or a
//! [`SessionError`]. The binary (`tandem plan`, `apply`, `demo`, ...), the integration tests
//! and a future `tandem run` all drive it:
//!
//! ```text
//! Session::open    compile the spec (every offline stage), open the state store, take the
//!                  apply lock when asked, connect to both CRMs
//! Session::plan    read both CRMs (incrementally when the state allows) and plan
//! Session::apply   apply a plan under the apply lock, reporting events
//! ```
//!
//! Also: [`validate_specs`] (`tandem validate`), [`compile_spec`] (`tandem compile`), plan
//! files ([`SavedPlan`]) and the review queues ([`ReviewQueues`]).
//! Never: prints, prompts or decides exit codes (the cli renders values and events), or
//! plans and applies by any other route than [`steps`].

mod connect;
mod error;
mod options;
mod outcome;
mod read_policy;
mod review;
mod saved_plan;
mod spec;
pub mod steps;

use crate::compile::Program;
use crate::runtime::{HubSpotCrm, SalesforceCrm};
use crate::state::{ApplyLock, QueuedError, StateStore};

pub use connect::{connect, connection_config};
pub use error::{LimitRefusal, SessionError};
pub use options::{Connection, SessionOptions, SpecLocation};
pub use outcome::{ApplyOutcome, PlanOptions, PlanOutcome, SessionEvent};
pub use read_policy::{ReadMode, read_mode};
pub use review::ReviewQueues;
pub use saved_plan::{SAVED_PLAN_FORMAT_VERSION, SavedPlan};
pub use spec::{CompiledSpec, SpecValidation, ValidationOptions, compile_spec, validate_specs};
pub use steps::ProgramRef;

/// A compiled spec, its state store and both CRMs over HTTP, ready to plan and apply.
pub struct Session {
    location: SpecLocation,
    compiled: CompiledSpec,
    store: StateStore,
    /// Held from [`Session::open`] until the session is dropped, when asked for.
    lock: Option<ApplyLock>,
    hs: HubSpotCrm,
    sf: SalesforceCrm,
}

impl Session {
    /// Compiles the spec, opens its state store, takes the apply lock when
    /// `options.hold_apply_lock`, and connects to both CRMs, in that order: a spec with
    /// errors is reported before any configuration problem, and nothing is read from a CRM
    /// unless the spec is clean.
    pub fn open(
        options: SessionOptions,
        on_event: &mut dyn FnMut(SessionEvent<'_>),
    ) -> Result<Session, SessionError> {
        let compiled = compile_spec(&options.location)?;
        on_event(SessionEvent::SpecCompiled {
            warnings: compiled.warnings,
        });
        let store = StateStore::open(&options.location.state_path())?;
        let lock = if options.hold_apply_lock {
            store.lock()?
        } else {
            None
        };
        let config = connection_config(&options.connection, &compiled.spec_dir)?;
        let (hs, sf) = connect(&config)?;
        Ok(Session {
            location: options.location,
            compiled,
            store,
            lock,
            hs,
            sf,
        })
    }

    /// Reads both CRMs and plans: incrementally unless `options.full` or the state needs a
    /// full look ([`read_mode`]).
    pub async fn plan(&mut self, options: PlanOptions) -> Result<PlanOutcome, SessionError> {
        steps::plan(
            self.compiled.as_program_ref(),
            &self.store,
            &mut self.hs,
            &mut self.sf,
            options,
        )
        .await
    }

    /// Applies `plan` (a fresh one, or a saved one after [`SavedPlan::load`]): the runtime
    /// refuses a plan made from another spec, schema or state, or over its limits.
    pub async fn apply(
        &mut self,
        plan: &crate::plan::Plan,
        on_event: &mut dyn FnMut(SessionEvent<'_>),
    ) -> Result<ApplyOutcome, SessionError> {
        steps::apply(
            self.compiled.as_program_ref(),
            &mut self.store,
            self.lock.as_ref(),
            &mut self.hs,
            &mut self.sf,
            plan,
            on_event,
        )
        .await
    }

    /// Saves `outcome`'s plan to `path` for `tandem apply FILE`; a plan over its limits is
    /// refused and nothing is written.
    pub fn save_plan(
        &self,
        outcome: PlanOutcome,
        path: &std::path::Path,
    ) -> Result<SavedPlan, SessionError> {
        outcome.refuse_over_limits(LimitRefusal::SaveAndApply)?;
        let saved = SavedPlan::new(outcome.plan, &self.location);
        saved.save(path)?;
        Ok(saved)
    }

    /// The records waiting in the error queue.
    pub fn queued_errors(&self) -> Result<Vec<QueuedError>, SessionError> {
        review::queued_errors(&self.store)
    }

    pub fn compiled(&self) -> &CompiledSpec {
        &self.compiled
    }

    pub fn program(&self) -> &Program {
        &self.compiled.program
    }

    pub fn location(&self) -> &SpecLocation {
        &self.location
    }

    /// The state store, for views and tests that inspect it.
    pub fn store(&self) -> &StateStore {
        &self.store
    }

    /// The state store, for tests that change it the way another process would.
    pub fn store_mut(&mut self) -> &mut StateStore {
        &mut self.store
    }

    pub fn hubspot(&self) -> &HubSpotCrm {
        &self.hs
    }

    pub fn salesforce(&self) -> &SalesforceCrm {
        &self.sf
    }

    /// The HubSpot connector, for tests that call it directly or swap it.
    pub fn hubspot_mut(&mut self) -> &mut HubSpotCrm {
        &mut self.hs
    }

    /// The Salesforce connector, for tests that call it directly or swap it.
    pub fn salesforce_mut(&mut self) -> &mut SalesforceCrm {
        &mut self.sf
    }

    /// Every part at once, for a test that runs a step with one part wrapped (a connector
    /// that dies mid-apply).
    pub fn parts_mut(&mut self) -> SessionParts<'_> {
        SessionParts {
            compiled: self.compiled.as_program_ref(),
            store: &mut self.store,
            lock: self.lock.as_ref(),
            hs: &mut self.hs,
            sf: &mut self.sf,
        }
    }
}

/// A session's parts, borrowed together ([`Session::parts_mut`]).
pub struct SessionParts<'a> {
    pub compiled: ProgramRef<'a>,
    pub store: &'a mut StateStore,
    pub lock: Option<&'a ApplyLock>,
    pub hs: &'a mut HubSpotCrm,
    pub sf: &'a mut SalesforceCrm,
}

impl CompiledSpec {
    pub fn as_program_ref(&self) -> ProgramRef<'_> {
        ProgramRef {
            program: &self.program,
            schema_digest: &self.schema_digest,
        }
    }
}
