//! Control of a running sandbox, in process ([`SandboxControl`]) and over HTTP under
//! `/_sandbox/` on each server: call counters, faults, limits, token expiry, the clock, the
//! write log, acting as a CRM user (create, edit, delete, merge, convert a lead), and schema
//! changes an admin makes (delete a field or a picklist value, make a field read-only).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Map, Value};

mod http;
mod hubspot;
mod hubspot_http;
mod schema;

pub use http::router;
pub use schema::FieldAccess;

use super::crm::{Actor, CrmData, WriteLogEntry};
use super::faults::{FaultKind, FaultSettings};
use super::limits::LimitSettings;
use super::salesforce::errors::SfFault;
use super::salesforce::lead_convert::{self, LeadConvert};
use super::salesforce::merge::{self, MergeRequest, Merged};
use super::store::IndexedLookup;
use super::validate::{self, Violation, WriteKind};
use super::{Shared, generator, ids};
use tandem_ground::schema::System;

/// Why a control action failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ControlError {
    #[error("unknown object `{0}`")]
    UnknownObject(String),
    #[error("object `{object}` has no field `{field}`")]
    UnknownField { object: String, field: String },
    #[error("field `{object}.{field}` has no picklist value `{value}`")]
    UnknownValue {
        object: String,
        field: String,
        value: String,
    },
    #[error("no live {object} record with id `{id}`")]
    NotFound { object: String, id: String },
    #[error("invalid values: {0:?}")]
    Invalid(Vec<Violation>),
    #[error("lead `{0}` is already converted")]
    AlreadyConverted(String),
    /// Salesforce refused the action with this status code and message.
    #[error("{code}: {message}")]
    Refused { code: String, message: String },
    #[error("{0}")]
    Unsupported(String),
}

/// Ids of the records a lead conversion produced or reused.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LeadConversion {
    pub lead_id: String,
    pub account_id: String,
    pub contact_id: String,
    pub opportunity_id: Option<String>,
}

/// A lead conversion as a user starts it from the Convert page: the fields of SOAP's
/// `LeadConvert` (see `salesforce::lead_convert`), all optional. As in `LeadConvert`, an
/// Opportunity is created unless `doNotCreateOpportunity` is true; `createOpportunity` is
/// the older spelling of its negation.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConvertOptions {
    /// A converted lead status (default: the org's first converted status).
    pub converted_status: Option<String>,
    /// Merge into this existing Account instead of creating one.
    pub account_id: Option<String>,
    /// Merge into this existing Contact (of `account_id`) instead of creating one.
    pub contact_id: Option<String>,
    /// Attach this existing Opportunity instead of creating one.
    pub opportunity_id: Option<String>,
    pub do_not_create_opportunity: Option<bool>,
    pub create_opportunity: Option<bool>,
    pub opportunity_name: Option<String>,
    pub owner_id: Option<String>,
    pub overwrite_lead_source: bool,
}

impl ConvertOptions {
    fn request(&self, lead_id: &str) -> LeadConvert {
        let do_not_create = self
            .do_not_create_opportunity
            .or(self.create_opportunity.map(|create| !create))
            .unwrap_or(false);
        LeadConvert {
            lead_id: lead_id.to_string(),
            converted_status: self.converted_status.clone(),
            account_id: self.account_id.clone(),
            contact_id: self.contact_id.clone(),
            opportunity_id: self.opportunity_id.clone(),
            do_not_create_opportunity: do_not_create,
            opportunity_name: self.opportunity_name.clone(),
            owner_id: self.owner_id.clone(),
            overwrite_lead_source: self.overwrite_lead_source,
        }
    }
}

/// In-process control of a running sandbox (cheap to clone).
#[derive(Clone)]
pub struct SandboxControl {
    shared: Arc<Shared>,
}

impl SandboxControl {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        SandboxControl { shared }
    }

    /// A write stamp for `system`: whole seconds for Salesforce.
    fn tick(&self, system: System) -> i64 {
        match system {
            System::Salesforce => self.shared.clock.tick_salesforce_ms(),
            System::Hubspot => self.shared.clock.tick_ms(),
        }
    }

    /// From now on every Salesforce write is stamped with the whole second holding `at_ms`
    /// (default: the next Salesforce second), so that many records share one
    /// `SystemModstamp` as after a bulk load; returns the frozen second.
    pub fn freeze_salesforce_clock(&self, at_ms: Option<i64>) -> i64 {
        self.shared.clock.freeze_salesforce(at_ms)
    }

    /// Salesforce writes are stamped with the running clock again.
    pub fn unfreeze_salesforce_clock(&self) {
        self.shared.clock.unfreeze_salesforce();
    }

    /// How the next Bulk API 2.0 query jobs behave (polls spent `InProgress`, failure).
    pub fn set_query_job_behaviour(
        &self,
        behaviour: super::salesforce::bulk_query::QueryJobBehaviour,
    ) {
        self.shared.salesforce.write().query_job_behaviour = behaviour;
    }

    /// Calls to one endpoint, keyed `METHOD /route/{template}` as in [`Self::counters`].
    pub fn call_count(&self, system: System, endpoint: &str) -> u64 {
        self.shared
            .system(system)
            .gate()
            .counters
            .get(endpoint)
            .copied()
            .unwrap_or(0)
    }

    pub fn counters(&self, system: System) -> BTreeMap<String, u64> {
        self.shared.system(system).gate().counters.clone()
    }

    pub fn total_calls(&self, system: System) -> u64 {
        self.shared.system(system).gate().counters.values().sum()
    }

    pub fn set_faults(&self, system: System, settings: FaultSettings) {
        self.shared.system(system).gate().faults.settings = settings;
    }

    /// Makes the next calls fail with these faults, in order.
    pub fn queue_faults(&self, system: System, faults: &[FaultKind]) {
        self.shared
            .system(system)
            .gate()
            .faults
            .queued
            .extend(faults.iter().copied());
    }

    pub fn clear_faults(&self, system: System) {
        self.shared.system(system).gate().faults.clear();
    }

    /// Expires every access token of one server; clients must refresh.
    pub fn expire_tokens(&self, system: System) {
        self.shared.system(system).gate().auth.expire_all();
    }

    /// Turns refresh-token rotation on or off for one server's token endpoint.
    pub fn set_refresh_rotation(&self, system: System, rotate: bool) {
        self.shared.system(system).gate().auth.rotate_refresh = rotate;
    }

    pub fn exhaust_daily_limit(&self, system: System) {
        let now = self.shared.clock.now_ms();
        self.shared.system(system).gate().limits.exhaust_daily(now);
    }

    pub fn set_daily_used(&self, system: System, used: u64) {
        let now = self.shared.clock.now_ms();
        self.shared
            .system(system)
            .gate()
            .limits
            .set_daily_used(now, used);
    }

    pub fn set_limits(&self, system: System, settings: LimitSettings) {
        self.shared.system(system).gate().limits.settings = settings;
    }

    pub fn limits(&self, system: System) -> LimitSettings {
        self.shared.system(system).gate().limits.settings.clone()
    }

    pub fn advance_clock_ms(&self, delta_ms: i64) {
        self.shared.clock.advance_ms(delta_ms);
    }

    /// The sandbox's current time, epoch milliseconds.
    pub fn now_ms(&self) -> i64 {
        self.shared.clock.now_ms()
    }

    pub fn writes(&self, system: System) -> Vec<WriteLogEntry> {
        self.shared.system(system).read().writes.clone()
    }

    /// Switches the Salesforce duplicate rule (matching Email) on an object on or off.
    pub fn set_duplicate_rule(&self, object: &str, enabled: bool) {
        let mut crm = self.shared.salesforce.write();
        if enabled {
            crm.duplicate_rules.insert(object.to_string());
        } else {
            crm.duplicate_rules.remove(object);
        }
    }

    /// Sends HubSpot webhook events to `target_url`, signed v3 with `client_secret`.
    pub fn set_webhook(&self, target_url: Option<String>, client_secret: Option<String>) {
        let enabled = target_url.is_some();
        {
            let mut settings = self
                .shared
                .webhook
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            // The control API's target is the sandbox's catch-all: every event is delivered.
            settings.catch_all = target_url.is_some();
            settings.target_url = target_url;
            if let Some(secret) = client_secret {
                settings.client_secret = secret;
            }
        }
        self.shared.hubspot.write().webhooks_enabled = enabled;
    }

    /// Webhook deliveries (succeeded, failed) so far.
    pub fn webhook_deliveries(&self) -> (u64, u64) {
        let settings = self
            .shared
            .webhook
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        (settings.delivered, settings.failed)
    }

    /// Clears counters, faults, limit usage and queued faults; with `data`, reseeds records.
    pub fn reset(&self, data: bool) {
        for system in [System::Hubspot, System::Salesforce] {
            let mut gate = self.shared.system(system).gate();
            gate.counters.clear();
            gate.faults.clear();
            gate.limits.reset();
        }
        if data {
            self.shared.hubspot.write().clear();
            self.shared.salesforce.write().clear();
            generator::seed_all(&self.shared);
        }
    }

    /// A record's stored values by field name (system fields included), deleted or not.
    pub fn record(
        &self,
        system: System,
        object: &str,
        id: &str,
    ) -> Option<BTreeMap<String, String>> {
        let crm = self.shared.system(system).read();
        let object = resolve_object(&crm, object).ok()?;
        let table = crm.store.table(&object)?;
        let id = canonical_id(system, id);
        let record = table.get(&id)?;
        let mut out = BTreeMap::new();
        for name in crm.object(&object)?.fields.keys() {
            if let Some(value) = crm.value(table, record, name) {
                out.insert(name.clone(), value.into_owned());
            }
        }
        for (index, value) in record.fields() {
            out.entry(table.field_names[index as usize].to_string())
                .or_insert_with(|| value.to_string());
        }
        Some(out)
    }

    pub fn record_count(&self, system: System, object: &str) -> usize {
        let crm = self.shared.system(system).read();
        resolve_object(&crm, object)
            .ok()
            .and_then(|o| {
                crm.store
                    .table(&o)
                    .map(|t| t.records.iter().filter(|r| !r.is_deleted()).count())
            })
            .unwrap_or(0)
    }

    /// Creates a record as a CRM user would (validated, logged with origin `user`).
    pub fn act_create(
        &self,
        system: System,
        object: &str,
        fields: &Map<String, Value>,
    ) -> Result<String, ControlError> {
        let now = self.tick(system);
        let mut crm = self.shared.system(system).write();
        let object = resolve_object(&crm, object)?;
        let values = validated(&crm, &object, WriteKind::Create, fields)?;
        crm.create(&object, &values, &Actor::user(), now)
            .ok_or(ControlError::UnknownObject(object))
    }

    /// Edits a record as a CRM user would.
    pub fn act_update(
        &self,
        system: System,
        object: &str,
        id: &str,
        fields: &Map<String, Value>,
    ) -> Result<(), ControlError> {
        let now = self.tick(system);
        let mut crm = self.shared.system(system).write();
        let object = resolve_object(&crm, object)?;
        let slot = live_slot(&crm, &object, id)?;
        let values = validated(&crm, &object, WriteKind::Update, fields)?;
        crm.update(&object, slot, &values, &Actor::user(), now);
        Ok(())
    }

    pub fn act_delete(&self, system: System, object: &str, id: &str) -> Result<(), ControlError> {
        let now = self.tick(system);
        let mut crm = self.shared.system(system).write();
        let object = resolve_object(&crm, object)?;
        let slot = live_slot(&crm, &object, id)?;
        crm.delete(&object, slot, &Actor::user(), now);
        Ok(())
    }

    /// Restores a deleted (not merged) record from the Recycle Bin / archive.
    pub fn act_undelete(&self, system: System, object: &str, id: &str) -> Result<(), ControlError> {
        let now = self.tick(system);
        let mut crm = self.shared.system(system).write();
        let object = resolve_object(&crm, object)?;
        let table = crm
            .store
            .table(&object)
            .ok_or_else(|| ControlError::UnknownObject(object.clone()))?;
        let id = canonical_id(system, id);
        let slot = table
            .slot_of(&id)
            .filter(|slot| table.record(*slot).is_deleted())
            .ok_or_else(|| ControlError::NotFound {
                object: object.clone(),
                id: id.clone(),
            })?;
        crm.undelete(&object, slot, &Actor::user(), now);
        Ok(())
    }

    /// Merges `loser` into `winner` as a user would in the CRM's UI. On Salesforce this is
    /// [`Self::merge_salesforce`] with no field taken from the loser.
    pub fn act_merge(
        &self,
        system: System,
        object: &str,
        winner: &str,
        loser: &str,
    ) -> Result<(), ControlError> {
        if system == System::Salesforce {
            return self
                .merge_salesforce(object, winner, &[loser.to_string()], &Map::new())
                .map(|_| ());
        }
        let behavior = self.shared.hubspot_portal().merge;
        let now = self.tick(system);
        let mut crm = self.shared.system(system).write();
        let object = resolve_object(&crm, object)?;
        let winner = live_slot(&crm, &object, winner)?;
        let loser = live_slot(&crm, &object, loser)?;
        if !crate::hubspot::merge::mergeable(&object) {
            return Err(ControlError::Unsupported(format!(
                "HubSpot merges contacts, companies, deals and tickets, not {object}"
            )));
        }
        crate::hubspot::merge::merge(
            &mut crm,
            behavior,
            &object,
            winner,
            loser,
            &Actor::user(),
            now,
        );
        Ok(())
    }

    /// Merges one or two Salesforce records into `master` as the merge wizard does (SOAP
    /// `merge()` semantics, see `salesforce::merge`), setting `master_fields` on the master.
    pub fn merge_salesforce(
        &self,
        object: &str,
        master: &str,
        others: &[String],
        master_fields: &Map<String, Value>,
    ) -> Result<Merged, ControlError> {
        let now = self.shared.clock.tick_salesforce_ms();
        let mut crm = self.shared.salesforce.write();
        let object = resolve_object(&crm, object)?;
        live_slot(&crm, &object, master)?;
        for other in others {
            live_slot(&crm, &object, other)?;
        }
        let request = MergeRequest {
            object,
            master_id: master.to_string(),
            master_fields: master_fields.clone(),
            merge_ids: others.to_vec(),
        };
        merge::merge(&mut crm, &request, &Actor::user(), now).map_err(refused)
    }

    /// Converts a Salesforce lead as a user does (SOAP `convertLead()` semantics, see
    /// `salesforce::lead_convert`): creates or reuses an Account and Contact, creates an
    /// Opportunity unless told not to, and marks the lead converted.
    pub fn convert_lead(
        &self,
        lead_id: &str,
        options: &ConvertOptions,
    ) -> Result<LeadConversion, ControlError> {
        let now = self.shared.clock.tick_salesforce_ms();
        let mut crm = self.shared.salesforce.write();
        let lead_slot = live_slot(&crm, "Lead", lead_id)?;
        let converted = crm.store.table("Lead").and_then(|t| {
            t.field("IsConverted")
                .and_then(|f| t.record(lead_slot).get(f))
        }) == Some("true");
        if converted {
            return Err(ControlError::AlreadyConverted(lead_id.to_string()));
        }
        let done = lead_convert::convert(&mut crm, &options.request(lead_id), &Actor::user(), now)
            .map_err(refused)?;
        Ok(LeadConversion {
            lead_id: done.lead_id,
            account_id: done.account_id,
            contact_id: done.contact_id,
            opportunity_id: done.opportunity_id,
        })
    }
}

fn refused(fault: SfFault) -> ControlError {
    ControlError::Refused {
        code: fault.code,
        message: fault.message,
    }
}

fn canonical_id(system: System, id: &str) -> String {
    match system {
        System::Salesforce => ids::normalize_salesforce_id(id).unwrap_or_else(|| id.to_string()),
        System::Hubspot => id.to_string(),
    }
}

fn resolve_object(crm: &CrmData, object: &str) -> Result<String, ControlError> {
    match crm.system {
        System::Hubspot => crm.resolve_hubspot_object(object),
        System::Salesforce => crm.resolve_salesforce_object(object),
    }
    .ok_or_else(|| ControlError::UnknownObject(object.to_string()))
}

fn live_slot(crm: &CrmData, object: &str, id: &str) -> Result<u32, ControlError> {
    let table = crm
        .store
        .table(object)
        .ok_or_else(|| ControlError::UnknownObject(object.to_string()))?;
    let id = canonical_id(crm.system, id);
    table
        .slot_of(&id)
        .filter(|slot| !table.record(*slot).is_deleted())
        .ok_or(ControlError::NotFound {
            object: object.to_string(),
            id,
        })
}

fn validated(
    crm: &CrmData,
    object: &str,
    kind: WriteKind,
    fields: &Map<String, Value>,
) -> Result<Vec<(String, Option<String>)>, ControlError> {
    let schema = crm
        .object(object)
        .ok_or_else(|| ControlError::UnknownObject(object.to_string()))?;
    let values = match crm.system {
        System::Hubspot => super::hubspot::write::validate(crm, object, kind, fields)
            .map_err(hubspot::write_failure)?,
        System::Salesforce => validate::normalize_input(
            System::Salesforce,
            schema,
            kind,
            fields,
            &validate::NoOracle,
        )
        .and_then(|values| match kind {
            WriteKind::Create => super::salesforce::derived::check_create(object, &values)
                .map(|()| values)
                .map_err(|v| vec![v]),
            WriteKind::Update => Ok(values),
        })
        .map_err(ControlError::Invalid)?,
    };
    if crm.system == System::Hubspot && object == "contacts" {
        if let Some(email) = values
            .iter()
            .find(|(n, _)| n == "email")
            .and_then(|(_, v)| v.as_deref())
        {
            if let Some(IndexedLookup::One(_) | IndexedLookup::Many(_)) = crm
                .store
                .table(object)
                .and_then(|t| t.lookup("email", email, false))
            {
                return Err(ControlError::Invalid(vec![Violation::BadEmail {
                    field: "email".into(),
                    label: "Email".into(),
                    value: format!("{email} (already used by another contact)"),
                }]));
            }
        }
    }
    Ok(values)
}
