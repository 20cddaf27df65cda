//! schema: the CRM-neutral schema model, its YAML snapshots, the shipped standard catalog and
//! converters from the CRMs' describe / properties payloads.
//!
//! In: snapshot files (`schemas/*.yaml`) or raw CRM metadata JSON (already fetched).
//! Out: [`SchemaSnapshot`] / [`Schemas`] values. Never: opens sockets (fetching lives in
//! `connectors`) or decides what a spec may do with a field (that is `check`).

pub mod convert;
pub mod drift;
pub mod email;
pub mod model;
pub mod snapshot;
pub mod standard;
pub mod usage;

pub use model::*;
