//! schema: the CRM-neutral schema model, its YAML snapshots, and converters from the CRMs'
//! describe / properties payloads. Pure data; fetching lives in `connectors`.

pub mod model;

pub use model::*;
