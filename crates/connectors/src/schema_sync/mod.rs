//! `tandem schema pull|diff` support: what a spec uses, fetching live schemas, and drift.
//!
//! In: a parsed spec (optional), the clients, committed snapshots. Out: fresh
//! [`SchemaSnapshot`](tandem_ground::schema::SchemaSnapshot)s and a sorted list of [`Drift`]s.
//! Never: prints or writes files (the CLI does).

pub mod pull;

pub use pull::{PullError, pull_hubspot, pull_salesforce};
pub use tandem_ground::schema::drift::{Drift, DriftKind, diff_snapshots};
pub use tandem_ground::schema::usage::SpecUsage;
