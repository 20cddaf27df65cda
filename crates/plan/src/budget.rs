//! The API calls apply will spend: batched writes, the reads since the plan, id write-backs.
//!
//! HubSpot batch endpoints take 100 inputs per call; Salesforce sObject Collections take 200
//! records per call and count as one call each.

use std::collections::BTreeMap;

use tandem_ground::schema::System;
use tandem_language::compile::Program;

use super::model::{Action, ApiEstimate, ReadCursors, SyncPlan};

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

/// The calls apply spends for `syncs` (planned from `program`, whose syncs they follow in
/// order), mirroring `runtime::apply` step by step:
///
/// - per sync and side written with creates or updates, and only when the plan read that
///   side (a cursor to read from), one read of what changed there since the plan, for the
///   update preconditions and the create guard; when the side also gets updates, the read
///   includes deletions, one more call (HubSpot's archived list, Salesforce's `queryAll`);
/// - the creates, updates and deletes, in separate batches;
/// - after the creates, the new ids written back into the source records' id-link keys and
///   id-copy fields (`hs.salesforceaccountid`), one pass after all creates, in batches of the
///   source side's batch size;
/// - HubSpot association moves (see [`super::association::association_calls`]).
///
/// Updates that give a source record the target's defaults on create are ordinary planned
/// updates and counted with them. A read since the plan that returns many records (others
/// edited the target in between) pages, which no plan can foresee.
pub fn estimate(
    program: &Program,
    syncs: &[SyncPlan],
    read_cursors: &BTreeMap<String, ReadCursors>,
    budget: ApiBudget,
) -> ApiEstimate {
    let mut estimate = ApiEstimate {
        hs_remaining: budget.hs_remaining,
        sf_remaining: budget.sf_remaining,
        ..ApiEstimate::default()
    };
    for (sync, sync_plan) in program.syncs.iter().zip(syncs) {
        let cursors = read_cursors.get(&sync_plan.name);
        for system in [System::Hubspot, System::Salesforce] {
            let size = batch_size(system);
            let count = |target: System, action: Action| {
                sync_plan
                    .changes
                    .iter()
                    .filter(|c| c.target == target && c.action == action)
                    .count() as u64
            };
            let creates = count(system, Action::Create);
            let updates = count(system, Action::Update);
            let cursor = cursors.and_then(|c| match system {
                System::Hubspot => c.hs.as_ref(),
                System::Salesforce => c.sf.as_ref(),
            });
            let read_since_plan = if cursor.is_some() && creates + updates > 0 {
                1 + u64::from(updates > 0)
            } else {
                0
            };
            // Ids of records created on the other side, written back into this side.
            let created_there = count(super::model::other(system), Action::Create);
            let write_back =
                if created_there > 0 && !super::merge::write_back_fields(sync, system).is_empty() {
                    batches(created_there, size)
                } else {
                    0
                };
            let calls = read_since_plan
                + batches(creates, size)
                + batches(updates, size)
                + batches(count(system, Action::Delete), size)
                + write_back;
            match system {
                System::Hubspot => {
                    estimate.hs_calls += calls + super::association::association_calls(sync_plan)
                }
                System::Salesforce => estimate.sf_calls += calls,
            }
        }
    }
    estimate
}
