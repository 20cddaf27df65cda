//! What a session's plan and apply give back, and what they report while they work.

use super::SessionError;
use super::error::LimitRefusal;
use super::read_policy::ReadMode;
use crate::plan::Plan;
use crate::runtime::{ApplySummary, Event};

/// How [`super::Session::plan`] reads.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlanOptions {
    /// Read everything instead of only what changed since the last apply (`--full`).
    pub full: bool,
}

/// A plan and how it was read.
#[derive(Debug, Clone)]
pub struct PlanOutcome {
    pub plan: Plan,
    pub read_mode: ReadMode,
}

impl PlanOutcome {
    /// Whether every sync stays within its blast-radius limits. A plan over them is shown,
    /// never saved and never applied.
    pub fn within_limits(&self) -> bool {
        self.plan.limit_violations.is_empty()
    }

    /// `Err` naming what was refused when the plan exceeds its limits.
    pub fn refuse_over_limits(&self, refused: LimitRefusal) -> Result<(), SessionError> {
        if self.within_limits() {
            return Ok(());
        }
        Err(SessionError::OverLimits {
            violations: self.plan.limit_violations.clone(),
            refused,
        })
    }

    /// Whether applying would do anything a human should approve first: write to a CRM,
    /// change the state store, or queue a record that would fail.
    pub fn anything_to_apply(&self) -> bool {
        self.plan.has_changes()
            || self.plan.has_state_changes()
            || self
                .plan
                .syncs
                .iter()
                .any(|sync| !sync.will_fail.is_empty())
    }
}

/// What an apply did.
#[derive(Debug, Clone)]
pub struct ApplyOutcome {
    pub summary: ApplySummary,
}

impl ApplyOutcome {
    /// Whether the apply ran to the end (a stopped one resumes on the next run).
    pub fn complete(&self) -> bool {
        self.summary.complete()
    }
}

/// What a session reports while it works; the cli's views render these.
#[derive(Debug, Clone, Copy)]
pub enum SessionEvent<'a> {
    /// The spec went through every offline stage and compiled; the checker left `warnings`.
    SpecCompiled { warnings: usize },
    /// Apply's progress, as the runtime reports it.
    Apply(&'a Event),
}
