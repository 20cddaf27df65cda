//! tandem-ground: the values every stage of tandem shares, and nothing that does IO beyond
//! reading a schema snapshot file.
//!
//! - [`diagnostics`]: the error contract (`Diag`, spans, the code registry, renderers).
//! - [`schema`]: the CRM-neutral schema model, YAML snapshots, converters from the CRMs'
//!   describe and properties JSON, and schema drift.
//! - [`record`] and [`field_map`]: one record as either CRM sent it, with compact field maps.
//! - [`record_write`]: one record write (fields and association writes) as sent and journaled.
//! - [`value`]: canonical values, how the planner compares what the two CRMs send.
//! - [`timestamp`]: the timestamps both CRMs send.
//! - [`failure`]: why a record write fails (will-fail reasons, evaluator errors, CRM
//!   rejections), as data with permanent codes.
//! - [`crm_facts`]: batch limits and Salesforce id equality, in one place.
//! - [`sync_state`]: what the state store knows (links, merge bases, queues), as plain values.
//!
//! Never: sockets, a database, an async runtime, or knowledge of the tandem language.

pub mod crm_facts;
pub mod diagnostics;
pub mod failure;
pub mod field_map;
pub mod record;
pub mod record_write;
pub mod schema;
pub mod sync_state;
pub mod timestamp;
pub mod value;

pub use field_map::{FieldMap, FieldMapKey, FieldName, FieldNames};
pub use record::RemoteRecord;
