//! HubSpot portal settings and state that live beside the records: the owner directory, how
//! merges behave, the account tier, and the export tasks. Held in `Shared::hubspot_portal`
//! behind its own lock; code that needs both takes the CRM lock first, then this one, or reads
//! what it needs from here before locking the CRM.

use super::exports::Exports;
use super::merge::MergeBehavior;
use super::owners::Owners;
use super::tier::HubspotAccount;

#[derive(Debug, Default)]
pub struct Portal {
    pub owners: Owners,
    pub merge: MergeBehavior,
    /// The tier the limits were last set from (`None`: limits were given directly).
    pub account: Option<HubspotAccount>,
    pub exports: Exports,
}
