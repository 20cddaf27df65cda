//! connectors: all outbound HTTP to HubSpot and Salesforce (or the sandbox).

pub mod record;

pub use record::RemoteRecord;
