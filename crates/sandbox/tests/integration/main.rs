//! The sandbox, over real loopback HTTP: every module drives one area of the HubSpot or
//! Salesforce wire API (or the control API) with reqwest, as a CRM client would.

mod support;

mod control;
mod hubspot_association_labels;
mod hubspot_associations;
mod hubspot_batch_search;
mod hubspot_calculated;
mod hubspot_engagements;
mod hubspot_exports;
mod hubspot_merges;
mod hubspot_objects;
mod hubspot_owners;
mod hubspot_rate_limits;
mod hubspot_search_fidelity;
mod hubspot_webhooks;
mod limits_faults_auth;
mod salesforce_bulk_query;
mod salesforce_bulk_upload_size;
mod salesforce_collections_bulk;
mod salesforce_errors_limits;
mod salesforce_lead_conversion;
mod salesforce_merge;
mod salesforce_query;
mod salesforce_rest;
mod salesforce_row_lock;
mod salesforce_standard_objects;
mod salesforce_subqueries;
mod salesforce_support;
mod salesforce_timestamps;
mod schema_control;
mod schema_roundtrip;
