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

use super::crm::{Actor, Crm, WriteLogEntry};
use super::faults::{FaultKind, FaultSettings};
use super::limits::LimitSettings;
use super::store::IndexedLookup;
use super::validate::{self, Violation, WriteKind};
use super::{Shared, clock, generator, ids};
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
    #[error("{0}")]
    Unsupported(String),
}

/// Ids of the records a lead conversion produced or reused.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LeadConversion {
    pub account_id: String,
    pub contact_id: String,
    pub opportunity_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConvertOptions {
    /// Merge into this existing Account instead of creating one.
    pub account_id: Option<String>,
    /// Merge into this existing Contact instead of creating one.
    pub contact_id: Option<String>,
    pub create_opportunity: bool,
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
        let now = self.shared.clock.tick_ms();
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
        let now = self.shared.clock.tick_ms();
        let mut crm = self.shared.system(system).write();
        let object = resolve_object(&crm, object)?;
        let slot = live_slot(&crm, &object, id)?;
        let values = validated(&crm, &object, WriteKind::Update, fields)?;
        crm.update(&object, slot, &values, &Actor::user(), now);
        Ok(())
    }

    pub fn act_delete(&self, system: System, object: &str, id: &str) -> Result<(), ControlError> {
        let now = self.shared.clock.tick_ms();
        let mut crm = self.shared.system(system).write();
        let object = resolve_object(&crm, object)?;
        let slot = live_slot(&crm, &object, id)?;
        crm.delete(&object, slot, &Actor::user(), now);
        Ok(())
    }

    /// Restores a deleted (not merged) record from the Recycle Bin / archive.
    pub fn act_undelete(&self, system: System, object: &str, id: &str) -> Result<(), ControlError> {
        let now = self.shared.clock.tick_ms();
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

    /// Merges `loser` into `winner` as a user would in the CRM's UI.
    pub fn act_merge(
        &self,
        system: System,
        object: &str,
        winner: &str,
        loser: &str,
    ) -> Result<(), ControlError> {
        let behavior = (system == System::Hubspot).then(|| self.shared.hubspot_portal().merge);
        let now = self.shared.clock.tick_ms();
        let mut crm = self.shared.system(system).write();
        let object = resolve_object(&crm, object)?;
        let winner = live_slot(&crm, &object, winner)?;
        let loser = live_slot(&crm, &object, loser)?;
        match behavior {
            Some(behavior) => {
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
            }
            None => {
                crm.merge(&object, winner, loser, &Actor::user(), now);
            }
        }
        Ok(())
    }

    /// Converts a Salesforce lead: creates (or reuses) an Account and Contact, optionally an
    /// Opportunity, and marks the lead converted.
    pub fn convert_lead(
        &self,
        lead_id: &str,
        options: &ConvertOptions,
    ) -> Result<LeadConversion, ControlError> {
        let now = self.shared.clock.tick_ms();
        let mut crm = self.shared.salesforce.write();
        let lead_slot = live_slot(&crm, "Lead", lead_id)?;
        let lead: BTreeMap<String, String> = {
            let table = crm
                .store
                .table("Lead")
                .ok_or_else(|| ControlError::UnknownObject("Lead".into()))?;
            let record = table.record(lead_slot);
            record
                .fields()
                .map(|(i, v)| (table.field_names[i as usize].to_string(), v.to_string()))
                .collect()
        };
        if lead.get("IsConverted").map(String::as_str) == Some("true") {
            return Err(ControlError::AlreadyConverted(lead_id.to_string()));
        }
        let actor = Actor::user();
        let pick = |names: &[(&str, &str)]| -> Vec<(String, Option<String>)> {
            names
                .iter()
                .filter_map(|(from, to)| lead.get(*from).map(|v| (to.to_string(), Some(v.clone()))))
                .collect()
        };
        let account_id = match &options.account_id {
            Some(id) => {
                live_slot(&crm, "Account", id)?;
                canonical_id(System::Salesforce, id)
            }
            None => {
                let mut values = pick(&[
                    ("Company", "Name"),
                    ("Website", "Website"),
                    ("Industry", "Industry"),
                    ("City", "BillingCity"),
                    ("Country", "BillingCountry"),
                ]);
                values.retain(|(name, value)| account_accepts(&crm, name, value.as_deref()));
                crm.create("Account", &values, &actor, now)
                    .ok_or_else(|| ControlError::UnknownObject("Account".into()))?
            }
        };
        let contact_id = match &options.contact_id {
            Some(id) => {
                live_slot(&crm, "Contact", id)?;
                canonical_id(System::Salesforce, id)
            }
            None => {
                let mut values = pick(&[
                    ("FirstName", "FirstName"),
                    ("LastName", "LastName"),
                    ("Email", "Email"),
                    ("Phone", "Phone"),
                    ("Title", "Title"),
                    ("LeadSource", "LeadSource"),
                ]);
                values.push(("AccountId".into(), Some(account_id.clone())));
                crm.create("Contact", &values, &actor, now)
                    .ok_or_else(|| ControlError::UnknownObject("Contact".into()))?
            }
        };
        let opportunity_id = if options.create_opportunity {
            let name = format!("{}-", lead.get("Company").cloned().unwrap_or_default());
            let values = vec![
                ("Name".to_string(), Some(name)),
                ("StageName".to_string(), Some("Prospecting".to_string())),
                (
                    "CloseDate".to_string(),
                    Some(clock::date_string(now + 30 * 86_400_000)),
                ),
                ("AccountId".to_string(), Some(account_id.clone())),
            ];
            crm.create("Opportunity", &values, &actor, now)
        } else {
            None
        };
        let mut lead_values = vec![
            ("IsConverted".to_string(), Some("true".to_string())),
            ("ConvertedDate".to_string(), Some(clock::date_string(now))),
            ("ConvertedAccountId".to_string(), Some(account_id.clone())),
            ("ConvertedContactId".to_string(), Some(contact_id.clone())),
            ("ConvertedOpportunityId".to_string(), opportunity_id.clone()),
        ];
        let converted_status = crm
            .object("Lead")
            .and_then(|o| o.field("Status"))
            .and_then(|f| f.picklist.as_ref())
            .and_then(|p| {
                p.values
                    .iter()
                    .find(|v| v.value.contains("Converted") && !v.value.contains("Not"))
            })
            .map(|v| v.value.clone());
        if let Some(status) = converted_status {
            lead_values.push(("Status".to_string(), Some(status)));
        }
        crm.update("Lead", lead_slot, &lead_values, &actor, now);
        Ok(LeadConversion {
            account_id,
            contact_id,
            opportunity_id,
        })
    }
}

fn account_accepts(crm: &Crm, name: &str, value: Option<&str>) -> bool {
    let Some(field) = crm.object("Account").and_then(|o| o.field(name)) else {
        return false;
    };
    let Some(value) = value else { return true };
    validate::normalize_value(
        System::Salesforce,
        field,
        &Value::String(value.to_string()),
        &validate::NoOracle,
        None,
    )
    .is_ok()
}

fn canonical_id(system: System, id: &str) -> String {
    match system {
        System::Salesforce => ids::normalize_salesforce_id(id).unwrap_or_else(|| id.to_string()),
        System::Hubspot => id.to_string(),
    }
}

fn resolve_object(crm: &Crm, object: &str) -> Result<String, ControlError> {
    match crm.system {
        System::Hubspot => crm.resolve_hubspot_object(object),
        System::Salesforce => crm.resolve_salesforce_object(object),
    }
    .ok_or_else(|| ControlError::UnknownObject(object.to_string()))
}

fn live_slot(crm: &Crm, object: &str, id: &str) -> Result<u32, ControlError> {
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
    crm: &Crm,
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
