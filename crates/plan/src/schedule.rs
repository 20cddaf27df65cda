//! The apply schedule: every call apply makes for a sync, in order, decided by the planner.
//!
//! Apply walks the schedule step by step, and the plan's API estimate is the sum of its
//! steps' calls, so the two cannot disagree. Per sync, apply takes creates, then updates,
//! then deletes; within each, HubSpot then Salesforce:
//!
//! - before a side's first create or update, and only when the plan read that side (a cursor
//!   to read from), one read of what changed there since the plan, for the update
//!   preconditions and the create guard; when the side also gets updates, the read includes
//!   deletions, one more call (HubSpot's archived list, Salesforce's `queryAll`);
//! - the writes, in batches of the side's batch size ([`crm_facts::write_batch_size`]), one
//!   call each; a HubSpot update batch that moves associations also re-reads the batch's
//!   associations (a move does not touch the record's modified date, so the read since the
//!   plan cannot see it), creates the new associations and archives the old ones, one call
//!   per associated object each, and sends no property update when its records change
//!   nothing but associations;
//! - after the creates, the new ids written back into the source records' id-link keys and
//!   id-copy fields (`hs.salesforceaccountid`), in batches of the source side's batch size.
//!
//! What no plan can foresee is counted as its upper or lower bound and says so: a write the
//! guard skips as stale shrinks its batch (never adds a call), a read since the plan that
//! returns many records pages, and an association re-read is skipped for records the read
//! since the plan already returned. Finishing association moves a crashed run left half done
//! is recovery work done before the schedule, outside the estimate.

use std::collections::BTreeSet;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use tandem_ground::crm_facts::write_batch_size;
use tandem_ground::schema::System;
use tandem_language::compile::{Program, SyncProgram};

use super::association_value::{ids_in, is_association_field};
use super::model::{Action, ApiEstimate, ReadCursors, RecordChange, SyncPlan};
use super::planned_value::PlannedValue;

/// One step of applying a sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum ApplyStep {
    /// Read what changed on `side` since the plan read it (and, with `deletions`, what was
    /// deleted there).
    ReadSincePlan { side: System, deletions: bool },
    /// One batch of writes: the sync's `changes[first .. first + count]`, all of `action` on
    /// `side`.
    Write {
        side: System,
        action: Action,
        first: u32,
        count: u32,
        calls: WriteCalls,
    },
    /// Write the ids of records just created on the other side back into the records they
    /// were created from, which are on `side`: the sync's `changes[first .. first + count]`
    /// are those creates.
    WriteBackIds {
        side: System,
        first: u32,
        count: u32,
    },
}

/// The calls one write batch costs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteCalls {
    /// The batched record write: 1, or 0 for a HubSpot update batch whose records change
    /// nothing but associations.
    pub records: u32,
    /// HubSpot v4 association reads checking that the batch's associations did not move
    /// since the plan (one per association pseudo-field; an upper bound).
    pub association_reads: u32,
    /// HubSpot v4 association batch creates (one per associated object).
    pub association_creates: u32,
    /// HubSpot v4 association batch archives (one per associated object).
    pub association_archives: u32,
}

impl WriteCalls {
    pub fn total(&self) -> u64 {
        u64::from(self.records)
            + u64::from(self.association_reads)
            + u64::from(self.association_creates)
            + u64::from(self.association_archives)
    }
}

impl ApplyStep {
    /// The side the step's calls go to.
    pub fn side(&self) -> System {
        match self {
            ApplyStep::ReadSincePlan { side, .. }
            | ApplyStep::Write { side, .. }
            | ApplyStep::WriteBackIds { side, .. } => *side,
        }
    }

    /// The calls the step costs (a read since the plan: its first page).
    pub fn calls(&self) -> u64 {
        match self {
            ApplyStep::ReadSincePlan { deletions, .. } => 1 + u64::from(*deletions),
            ApplyStep::Write { calls, .. } => calls.total(),
            ApplyStep::WriteBackIds { .. } => 1,
        }
    }

    /// The changes of the sync a write or write-back step covers.
    pub fn changes(&self) -> Range<usize> {
        match self {
            ApplyStep::ReadSincePlan { .. } => 0..0,
            ApplyStep::Write { first, count, .. }
            | ApplyStep::WriteBackIds { first, count, .. } => {
                *first as usize..(*first + *count) as usize
            }
        }
    }
}

/// The remaining daily budget on each side, when the connectors could tell.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApiBudget {
    pub hs_remaining: Option<u64>,
    pub sf_remaining: Option<u64>,
}

/// The schedule of one planned sync.
pub fn schedule_sync(
    sync: &SyncProgram,
    sync_plan: &SyncPlan,
    cursors: Option<&ReadCursors>,
) -> Vec<ApplyStep> {
    let writes_back_into = |side: System| !super::merge::write_back_fields(sync, side).is_empty();
    schedule_changes(
        &sync_plan.changes,
        cursors,
        [
            writes_back_into(System::Hubspot),
            writes_back_into(System::Salesforce),
        ],
    )
}

/// The schedule of `changes`, which must be sorted by action, then side (the Plan's order),
/// so each action and side is one contiguous run. `writes_back_into[side]` says whether new
/// partner ids are written back into that side's records (HubSpot first).
fn schedule_changes(
    changes: &[RecordChange],
    cursors: Option<&ReadCursors>,
    writes_back_into: [bool; 2],
) -> Vec<ApplyStep> {
    let group = |action: Action, side: System| -> Range<usize> {
        let start = changes
            .iter()
            .position(|c| c.action == action && c.target == side);
        match start {
            Some(start) => {
                let len = changes[start..]
                    .iter()
                    .take_while(|c| c.action == action && c.target == side)
                    .count();
                start..start + len
            }
            None => 0..0,
        }
    };
    let mut steps = Vec::new();
    let mut read = BTreeSet::new();
    for action in [Action::Create, Action::Update, Action::Delete] {
        for side in [System::Hubspot, System::Salesforce] {
            let range = group(action, side);
            if range.is_empty() {
                continue;
            }
            let cursor = cursors.and_then(|c| match side {
                System::Hubspot => c.hs.as_ref(),
                System::Salesforce => c.sf.as_ref(),
            });
            if action != Action::Delete && cursor.is_some() && read.insert(side) {
                steps.push(ApplyStep::ReadSincePlan {
                    side,
                    deletions: !group(Action::Update, side).is_empty(),
                });
            }
            for batch in chunks(range, write_batch_size(side)) {
                let calls = write_calls(side, action, &changes[batch.clone()]);
                steps.push(ApplyStep::Write {
                    side,
                    action,
                    first: batch.start as u32,
                    count: batch.len() as u32,
                    calls,
                });
            }
        }
        if action != Action::Create {
            continue;
        }
        for created_in in [System::Hubspot, System::Salesforce] {
            let source = created_in.other();
            let creates = group(Action::Create, created_in);
            let writes_back = match source {
                System::Hubspot => writes_back_into[0],
                System::Salesforce => writes_back_into[1],
            };
            if creates.is_empty() || !writes_back {
                continue;
            }
            for batch in chunks(creates, write_batch_size(source)) {
                steps.push(ApplyStep::WriteBackIds {
                    side: source,
                    first: batch.start as u32,
                    count: batch.len() as u32,
                });
            }
        }
    }
    steps
}

fn chunks(range: Range<usize>, size: usize) -> impl Iterator<Item = Range<usize>> {
    let size = size.max(1);
    range
        .clone()
        .step_by(size)
        .map(move |start| start..(start + size).min(range.end))
}

/// What one batch of writes costs on `side`.
fn write_calls(side: System, action: Action, batch: &[RecordChange]) -> WriteCalls {
    let mut calls = WriteCalls {
        records: 1,
        ..WriteCalls::default()
    };
    // Only HubSpot keeps links as associations; a create carries them inline at no cost.
    if side != System::Hubspot || action != Action::Update {
        return calls;
    }
    let mut only_associations = true;
    let mut reads: BTreeSet<&str> = BTreeSet::new();
    let mut creates: BTreeSet<&str> = BTreeSet::new();
    let mut archives: BTreeSet<&str> = BTreeSet::new();
    for change in batch {
        reads.extend(
            change
                .precondition
                .keys()
                .map(|k| &**k)
                .filter(|k| is_association_field(k)),
        );
        for field in &change.fields {
            if !is_association_field(&field.field) {
                only_associations = false;
                continue;
            }
            let new_ids: Vec<String> = match &field.new {
                PlannedValue::Value(value) => ids_in(value),
                // An id created earlier in this apply is an id too.
                PlannedValue::PendingId { id, .. } => vec![id.clone()],
            };
            if !new_ids.is_empty() {
                creates.insert(&field.field);
            }
            if ids_in(&field.old).iter().any(|old| !new_ids.contains(old)) {
                archives.insert(&field.field);
            }
        }
    }
    calls.records = u32::from(!only_associations);
    calls.association_reads = reads.len() as u32;
    calls.association_creates = creates.len() as u32;
    calls.association_archives = archives.len() as u32;
    calls
}

/// The calls apply spends for `syncs`: the sum of their schedules' steps.
pub fn estimate(syncs: &[SyncPlan], budget: ApiBudget) -> ApiEstimate {
    let mut estimate = ApiEstimate {
        hs_remaining: budget.hs_remaining,
        sf_remaining: budget.sf_remaining,
        ..ApiEstimate::default()
    };
    for step in syncs.iter().flat_map(|s| &s.schedule) {
        match step.side() {
            System::Hubspot => estimate.hs_calls += step.calls(),
            System::Salesforce => estimate.sf_calls += step.calls(),
        }
    }
    estimate
}

/// Schedules every sync of a plan, in the Program's order.
pub fn schedule_all(
    program: &Program,
    syncs: &mut [SyncPlan],
    cursors: &std::collections::BTreeMap<String, ReadCursors>,
) {
    for (sync, sync_plan) in program.syncs.iter().zip(syncs.iter_mut()) {
        sync_plan.schedule = schedule_sync(sync, sync_plan, cursors.get(&sync_plan.name));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use tandem_ground::FieldMap;

    use super::*;
    use crate::model::{FieldChange, Rule};

    const COMPANY: &str = "companies(associated)";

    fn deal_update(id: u32, moves: bool) -> RecordChange {
        let mut fields = vec![FieldChange {
            key: "dealname".into(),
            field: "dealname".into(),
            old: json!("Deal"),
            new: PlannedValue::Value(json!("Renamed")),
            rule: Rule::ChangedOn {
                side: System::Salesforce,
            },
        }];
        let mut precondition = FieldMap::new();
        precondition.insert("dealname".to_string(), json!("Deal"));
        if moves {
            fields.push(FieldChange {
                key: COMPANY.into(),
                field: COMPANY.into(),
                old: json!("101"),
                new: PlannedValue::Value(json!("102")),
                rule: Rule::ChangedOn {
                    side: System::Salesforce,
                },
            });
            precondition.insert(COMPANY.to_string(), json!("101"));
        }
        RecordChange {
            action: Action::Update,
            target: System::Hubspot,
            hs_id: Some(id.to_string()),
            sf_id: Some(format!("006{id:015}")),
            fields,
            precondition,
            base: FieldMap::new(),
            fingerprint: String::new(),
            settles_conflicts: Vec::new(),
        }
    }

    #[test]
    fn association_moves_spread_over_batches_cost_calls_in_every_batch() {
        // 250 renamed deals, one in 25 also moved: moves land in all three batches of 100.
        let changes: Vec<RecordChange> = (0..250).map(|i| deal_update(i, i % 25 == 0)).collect();
        let cursors = ReadCursors {
            hs: Some(json!("cursor")),
            sf: None,
            incremental: true,
        };
        let steps = schedule_changes(&changes, Some(&cursors), [false, false]);
        assert_eq!(
            steps[0],
            ApplyStep::ReadSincePlan {
                side: System::Hubspot,
                deletions: true
            }
        );
        let batches: Vec<(u32, u32, WriteCalls)> = steps[1..]
            .iter()
            .map(|step| match step {
                ApplyStep::Write {
                    first,
                    count,
                    calls,
                    ..
                } => (*first, *count, *calls),
                other => panic!("not a write: {other:?}"),
            })
            .collect();
        let moving = WriteCalls {
            records: 1,
            association_reads: 1,
            association_creates: 1,
            association_archives: 1,
        };
        assert_eq!(
            batches,
            vec![(0, 100, moving), (100, 100, moving), (200, 50, moving)]
        );
        // The read since the plan (with deletions), then four calls per batch.
        let total: u64 = steps.iter().map(ApplyStep::calls).sum();
        assert_eq!(total, 2 + 3 * 4);
    }

    #[test]
    fn a_batch_that_only_moves_associations_sends_no_property_update() {
        let mut change = deal_update(1, true);
        change.fields.remove(0);
        change.precondition.remove("dealname");
        let steps = schedule_changes(&[change], None, [false, false]);
        assert_eq!(steps.len(), 1, "no cursor: no read since the plan");
        assert_eq!(
            steps[0].calls(),
            3,
            "association read, create and archive; no property update"
        );
    }
}
