//! plan: Program + state snapshot + remote records -> [`Plan`]. Pure diff and three-way merge.
//!
//! In: the compiled [`tandem_language::compile::Program`], a [`tandem_ground::sync_state::StateSnapshot`] (links and
//! merge bases, open conflicts, queued errors, creates an interrupted apply left pending,
//! serial), what each side read, and the remaining API budget. Out: a versioned Plan naming
//! every record and field that would change, the rule that decided each, conflicts queued for
//! review, writes that would fail and why, ambiguous matches, records an interrupted apply
//! created (found and linked), totals, the API calls apply will spend, and blast-radius
//! violations.
//! Never: IO, clocks, randomness, printing, or panicking on what a user or a CRM sent.

pub mod apply_rules;
pub mod association_value;
pub mod contract;
pub mod create_defaults;
pub mod eval;
pub mod matching;
pub mod merge;
pub mod model;
pub mod planned_value;
pub mod planner;
pub mod recovery;
pub mod schedule;
pub mod seal;
pub mod stand_in;
pub mod view;
pub mod will_fail;

pub use model::*;
pub use planned_value::PlannedValue;
pub use planner::{PlanInputs, SideRead, SyncRead, error_key, plan};
pub use schedule::{ApiBudget, ApplyStep, WriteCalls};
