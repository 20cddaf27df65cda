//! runtime: read both CRMs for the planner, and apply a Plan through the connectors.
//!
//! In: a verified [`tandem_plan::Plan`], the Program it was made from, the state store (with
//! the apply lock held by the caller) and one [`Crm`] per side. Out: the writes, the journal,
//! links, merge bases, queues and audit lines they produce, and [`Event`]s for the views.
//! Also: reading both sides for the planner ([`read::read_all`]). HubSpot associations travel
//! as pseudo-fields (`companies(associated)`): read by the [`Crm`], written as
//! [`crm::AssociationWrite`]s beside a write's fields ([`association_write`]).
//! Never: decides merge rules or what to send in which batch (the planner did, in the Plan's
//! schedule), prints, or retries a rejected record within a run (it waits in the error queue).

pub mod apply;
pub mod association_moves;
pub mod association_write;
mod connector_outcome;
mod create_defaults;
mod create_guard;
pub mod crm;
pub mod events;
pub mod hubspot_crm;
pub mod memory;
pub mod read;
pub mod salesforce_crm;
pub mod verify;
mod write_back;
mod write_batch;

pub use apply::apply;
pub use crm::{
    AssociationWrite, Crm, CrmError, ReadRequest, ReadResult, RecordWrite, WriteBatch, WriteOutcome,
};
pub use events::{ApplySummary, Event, StopReason};
pub use hubspot_crm::HubSpotCrm;
pub use memory::{MemoryCrm, RejectRule};
pub use salesforce_crm::SalesforceCrm;
pub use verify::{ApplyError, verify_plan};
