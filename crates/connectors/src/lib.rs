//! connectors: all outbound HTTP to HubSpot and Salesforce (or the sandbox).
//!
//! In: a [`config::ConnectionConfig`] (from `TANDEM_*` variables or a `tandem.toml`
//! environment) and requests from the runtime and `tandem schema`. Out: pages of
//! [`RemoteRecord`] with a [`watermark::Watermark`] to save, per-record
//! [`write::WriteOutcome`]s, raw metadata JSON for `schema::convert`, and call counts.
//! Never: prints, retries a write that could duplicate, lets a secret reach an error or a
//! log, or sends a call past the per-run cap or a spent daily limit.
//!
//! # The API the engine codes against
//!
//! ```text
//! let config = connectors::config::load(project_dir, env_name, &ProcessEnv)?;
//! let hs = HubSpotClient::new(config.hubspot()?)?;
//! let sf = SalesforceClient::new(config.salesforce()?)?;
//!
//! // Reads: pull pages until None, then persist the watermark with the records' effects.
//! let mut reader = hs.read_changed("contacts", &properties, saved.as_ref());   // search, ASC
//! let mut reader = hs.read_all("contacts", &properties);                       // list scan
//! let mut reader = hs.read_archived("contacts", &properties);                  // deletes
//! while let Some(page) = reader.next_page().await? { /* Vec<RemoteRecord> */ }
//! let next: Watermark = reader.watermark();
//!
//! let mut reader = sf.query_changed("Lead", &fields, saved.as_ref())?;         // SOQL
//! let mut reader = sf.query_deleted("Lead", saved.as_ref())?;                  // queryAll
//! let gone: Vec<RemoteRecord> = sf.get_deleted("Lead", start_ms, end_ms).await?;
//!
//! // Writes: any number of inputs; chunked (100 / 200), one outcome per attempted input.
//! let report: WriteReport = hs.batch_update("contacts", &inputs).await;        // HubSpotInput
//! hs.batch_create(..) / hs.batch_upsert(object, "email", ..) / hs.batch_archive(object, &ids)
//! hs.batch_associate("contacts", "companies", &[AssociationInput]).await
//! sf.create("Lead", &inputs) / sf.update(..) / sf.upsert("Lead", "HubSpot_Id__c", ..) / sf.delete(..)
//! //   (Bulk API 2.0 above `bulk_threshold` records, same report shape)
//! if let Some(stop) = report.stopped { /* DailyLimitExhausted, CallCapReached, Unauthorized … */ }
//!
//! // Budget: calls by kind, retries, the CRM's latest quota reading.
//! let stats: CallStats = hs.stats();
//! ```
//!
//! A [`RemoteRecord`]'s `fields` hold exactly the requested fields (plus the modified-date
//! field; Leads also carry `IsConverted` and `Converted*Id`). HubSpot merge survivors also
//! yield one `deleted: true, merged_into: Some(survivor)` record per absorbed id
//! (`hs_merged_object_ids`); Salesforce merge losers come from `query_deleted` with
//! `MasterRecordId` as `merged_into`.
//!
//! `schema_sync` serves `tandem schema pull|diff`: [`schema_sync::spec_usage`] (what a parsed
//! spec uses), [`schema_sync::pull_hubspot`] / [`schema_sync::pull_salesforce`] (live
//! metadata through the clients into `SchemaSnapshot`s) and [`schema_sync::diff_snapshots`].
//!
//! Errors: request-level failures are [`error::ConnectorError`] (`stops_run()` says whether
//! the whole run must end); each failed record of a batch is an [`error::RecordError`]
//! `{system, code, message, fields, retryable}`. A write whose effect is unknown (timeout or
//! 5xx on a create) is reported as `OUTCOME_UNKNOWN`, never resent.

pub mod auth;
pub mod call_budget;
pub mod config;
pub mod error;
pub mod http;
pub mod hubspot;
pub mod pacing;
pub mod retry;
pub mod salesforce;
pub mod schema_sync;
pub mod secret;
pub mod watermark;
pub mod write;

pub use call_budget::CallStats;
pub use config::{ConnectionConfig, ProcessEnv};
pub use error::{ConnectorError, RecordError};
pub use hubspot::{AssociationInput, AssociationType, HubSpotClient, HubSpotInput, HubSpotReader};
pub use salesforce::{SalesforceClient, SalesforceInput, SalesforceReader};
pub use secret::Secret;
pub use tandem_ground::field_map::{FieldMap, FieldMapKey, FieldName, FieldNames};
pub use tandem_ground::record::RemoteRecord;
pub use watermark::Watermark;
pub use write::{WriteOutcome, WriteReport, Written};
