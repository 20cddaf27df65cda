//! The API calls apply will spend: batched writes plus the precondition re-reads.
//!
//! HubSpot batch endpoints take 100 inputs per call; Salesforce sObject Collections take 200
//! records per call and count as one call each.

use crate::schema::System;

use super::model::{Action, ApiEstimate, SyncPlan};

pub const HUBSPOT_BATCH: u64 = 100;
pub const SALESFORCE_BATCH: u64 = 200;

pub fn batch_size(system: System) -> u64 {
    match system {
        System::Hubspot => HUBSPOT_BATCH,
        System::Salesforce => SALESFORCE_BATCH,
    }
}

fn batches(count: u64, size: u64) -> u64 {
    count.div_ceil(size)
}

/// The remaining daily budget on each side, when the connectors could tell.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApiBudget {
    pub hs_remaining: Option<u64>,
    pub sf_remaining: Option<u64>,
}

pub fn estimate(syncs: &[SyncPlan], budget: ApiBudget) -> ApiEstimate {
    let mut estimate = ApiEstimate {
        hs_remaining: budget.hs_remaining,
        sf_remaining: budget.sf_remaining,
        ..ApiEstimate::default()
    };
    for sync in syncs {
        for system in [System::Hubspot, System::Salesforce] {
            let size = batch_size(system);
            let count = |action: Action| {
                sync.changes
                    .iter()
                    .filter(|c| c.target == system && c.action == action)
                    .count() as u64
            };
            let updates = count(Action::Update);
            // Creates, updates and deletes go in separate batches; updates are preceded by
            // one read of what changed since the plan, for their preconditions.
            let calls = batches(count(Action::Create), size)
                + batches(updates, size)
                + u64::from(updates > 0)
                + batches(count(Action::Delete), size);
            match system {
                System::Hubspot => {
                    estimate.hs_calls += calls + super::association::association_calls(sync)
                }
                System::Salesforce => estimate.sf_calls += calls,
            }
        }
    }
    estimate
}
