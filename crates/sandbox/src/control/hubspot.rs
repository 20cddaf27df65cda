//! HubSpot-only control: owners a portal admin adds and deactivates, the account tier, merge
//! behaviour, webhook faults and the deliveries log, and writes HubSpot itself makes to
//! read-only and calculated properties (which the public API refuses).

use serde_json::{Map, Value};

use super::{ControlError, SandboxControl, live_slot, resolve_object};
use crate::crm::Actor;
use crate::hubspot::calculated::{self, SystemWriteError};
use crate::hubspot::merge::MergeBehavior;
use crate::hubspot::owners::{self, NewOwner, OwnerError};
use crate::hubspot::tier::HubspotAccount;
use crate::limits::LimitSettings;
use crate::validate::Violation;
use crate::webhooks::{DeliveryRecord, WebhookFaults};
use tandem_ground::schema::System;

fn owner_error(error: OwnerError) -> ControlError {
    match error {
        OwnerError::NotFound(id) => ControlError::NotFound {
            object: "owners".into(),
            id,
        },
        other => ControlError::Unsupported(other.to_string()),
    }
}

impl SandboxControl {
    /// Every owner, archived ones included, as `PublicOwner` JSON.
    pub fn owners(&self) -> Vec<Value> {
        self.shared
            .hubspot_portal()
            .owners
            .list
            .iter()
            .map(owners::owner_json)
            .collect()
    }

    /// Adds a user (or queue) to the portal: it becomes an owner records can be assigned to.
    pub fn add_owner(&self, new: NewOwner) -> Result<Value, ControlError> {
        let now = self.shared.clock.tick_ms();
        let mut crm = self.shared.hubspot.write();
        let mut portal = self.shared.hubspot_portal();
        let owner = portal.owners.add(new, now).map_err(owner_error)?;
        owners::sync_catalog(&mut crm, &portal.owners);
        Ok(owners::owner_json(&owner))
    }

    /// Deactivates a user: the owner is archived and can no longer be assigned; records that
    /// name it keep the id.
    pub fn archive_owner(&self, id: &str) -> Result<Value, ControlError> {
        let now = self.shared.clock.tick_ms();
        let mut crm = self.shared.hubspot.write();
        let mut portal = self.shared.hubspot_portal();
        let owner = portal.owners.archive(id, now).map_err(owner_error)?;
        owners::sync_catalog(&mut crm, &portal.owners);
        Ok(owners::owner_json(&owner))
    }

    /// Puts the portal on a tier: its limits (burst, search, daily) follow.
    pub fn set_hubspot_account(
        &self,
        account: HubspotAccount,
    ) -> Result<LimitSettings, ControlError> {
        let limits = account
            .limits()
            .map_err(|error| ControlError::Unsupported(error.to_string()))?;
        self.shared.hubspot.gate().limits.settings = limits.clone();
        self.shared.hubspot_portal().account = Some(account);
        Ok(limits)
    }

    pub fn hubspot_account(&self) -> Option<HubspotAccount> {
        self.shared.hubspot_portal().account
    }

    pub fn set_merge_behavior(&self, behavior: MergeBehavior) {
        self.shared.hubspot_portal().merge = behavior;
    }

    pub fn merge_behavior(&self) -> MergeBehavior {
        self.shared.hubspot_portal().merge
    }

    pub fn set_webhook_faults(&self, faults: WebhookFaults) -> Result<(), ControlError> {
        let rates = [faults.drop_rate, faults.duplicate_rate];
        if rates.iter().any(|r| !(0.0..=1.0).contains(r)) {
            return Err(ControlError::Unsupported(
                "dropRate and duplicateRate are shares between 0.0 and 1.0".into(),
            ));
        }
        self.shared
            .webhook
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .faults = faults;
        Ok(())
    }

    /// Every delivery attempt so far (the most recent 10,000), oldest first.
    pub fn webhook_delivery_log(&self) -> Vec<DeliveryRecord> {
        self.shared
            .webhook
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .outbox
            .log
            .clone()
    }

    /// Sets properties as HubSpot itself does (a recalculated score, a stage date, a create
    /// date): read-only and calculated properties included, values checked for format.
    pub fn act_as_crm(
        &self,
        system: System,
        object: &str,
        id: &str,
        fields: &Map<String, Value>,
    ) -> Result<(), ControlError> {
        if system != System::Hubspot {
            return Err(ControlError::Unsupported(
                "writes as the CRM itself are a HubSpot control call".into(),
            ));
        }
        let now = self.shared.clock.tick_ms();
        let mut crm = self.shared.hubspot.write();
        let object = resolve_object(&crm, object)?;
        let slot = live_slot(&crm, &object, id)?;
        let write = calculated::system_write(&crm, &object, fields).map_err(|error| match error {
            SystemWriteError::UnknownProperty(field) => ControlError::UnknownField {
                object: object.clone(),
                field,
            },
            SystemWriteError::Derived(field) => ControlError::Unsupported(format!(
                "{field} is calculated from associations on every read; associate or dissociate records to change it"
            )),
            SystemWriteError::Invalid(violation) => ControlError::Invalid(vec![violation]),
        })?;
        crm.update(&object, slot, &write.values, &Actor::system(), now);
        if let Some(created) = write.created_ms {
            if let Some(table) = crm.store.table_mut(&object) {
                table.record_mut(slot).created_ms = created;
            }
        }
        Ok(())
    }
}

/// The violations of a HubSpot write as the control API reports them.
pub(super) fn write_failure(failure: crate::hubspot::write::WriteFailure) -> ControlError {
    use crate::hubspot::write::WriteFailure;
    match failure {
        WriteFailure::Invalid(violations) => ControlError::Invalid(violations),
        WriteFailure::DuplicateEmail { existing_id } => {
            ControlError::Invalid(vec![Violation::BadEmail {
                field: "email".into(),
                label: "Email".into(),
                value: format!("already used by contact {existing_id}"),
            }])
        }
        WriteFailure::NotFound { id } => ControlError::NotFound {
            object: "record".into(),
            id,
        },
    }
}
