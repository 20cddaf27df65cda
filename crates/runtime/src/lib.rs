//! runtime: apply a Plan through the connectors: ordering, batching, preconditions, journal.
//!
//! In: a verified [`tandem_plan::Plan`], the Program it was made from, the state store (with
//! the apply lock held by the caller) and one [`Crm`] per side. Out: the writes, the journal,
//! links, merge bases, queues and audit lines they produce, and [`Event`]s for the views.
//! Also: reading both sides for the planner ([`read::read_all`]). HubSpot associations travel
//! as pseudo-fields (`companies(associated)`): read by the [`Crm`], written as
//! [`crm::AssociationWrite`]s ([`association`]).
//! Never: decides merge rules (the planner did), prints, or retries a rejected record within
//! a run (it waits in the error queue).

pub mod apply;
pub mod association;
pub mod connected;
mod connected_associations;
mod create_defaults;
mod create_guard;
pub mod crm;
pub mod events;
pub mod memory;
pub mod read;

pub use apply::{ApplyError, apply, verify_plan};
pub use crm::{Crm, CrmError, ReadRequest, ReadResult, WriteBatch, WriteOutcome};
pub use events::{ApplySummary, Event};
pub use memory::{MemoryCrm, RejectRule};
