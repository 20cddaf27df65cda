//! Reading both sides of every sync for the planner: full on the first run (or whenever the
//! spec changed), incremental from the saved cursors after that.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use tandem_ground::RemoteRecord;
use tandem_ground::schema::System;
use tandem_language::compile::Program;
use tandem_language::compile::{Pushdown, SyncProgram};
use tandem_plan::apply_rules::created_fields;
use tandem_plan::{SideRead, SyncRead};
use tandem_state::StateSnapshot;

use super::crm::{Crm, CrmError, ReadRequest};

/// The saved watermark of one side: the cursor, and the Program it was read for (a changed
/// spec may read new fields, so it starts over with a full read).
pub fn watermark_value(program_digest: &str, cursor: &Value) -> String {
    json!({ "program": program_digest, "cursor": cursor }).to_string()
}

fn saved_cursor(
    state: &StateSnapshot,
    sync: &str,
    side: &str,
    program_digest: &str,
) -> Option<Value> {
    let text = state.watermarks.get(sync)?.get(side)?;
    let value: Value = serde_json::from_str(text).ok()?;
    if value.get("program")?.as_str()? != program_digest {
        return None;
    }
    value.get("cursor").cloned().filter(|c| !c.is_null())
}

/// Reads every sync's records on both sides. With `incremental`, a side with a saved cursor
/// for this Program returns only what changed since (the planner stands in the merge base
/// for the rest); otherwise everything is read.
pub async fn read_all<H: Crm, S: Crm>(
    program: &Program,
    state: &StateSnapshot,
    hs: &mut H,
    sf: &mut S,
    incremental: bool,
) -> Result<BTreeMap<String, SyncRead>, CrmError> {
    let digest = program.digest();
    let mut reads = BTreeMap::new();
    for sync in &program.syncs {
        let cursor = |side: &str| {
            if incremental {
                saved_cursor(state, &sync.name, side, &digest)
            } else {
                None
            }
        };
        let hs_since = cursor("hs");
        let (hs_fields, hs_pushdown) = side_request(sync, state, System::Hubspot);
        let mut hs_result = hs
            .read(&ReadRequest {
                object: &sync.hs.object,
                fields: &hs_fields,
                pushdown: hs_pushdown,
                since: hs_since.as_ref(),
                include_deleted: true,
            })
            .await?;
        if hs_since.is_some() {
            super::association_moves::refresh_unread_associations(
                sync,
                state,
                hs,
                &mut hs_result.records,
            )
            .await?;
        }
        let sf_since = cursor("sf");
        let (sf_fields, sf_pushdown) = side_request(sync, state, System::Salesforce);
        let sf_result = sf
            .read(&ReadRequest {
                object: &sync.sf.object,
                fields: &sf_fields,
                pushdown: sf_pushdown,
                since: sf_since.as_ref(),
                include_deleted: true,
            })
            .await?;
        let mut sf_result = sf_result;
        // Records that wait for another record (an ambiguous match, a value waiting for a
        // link) are read again by id: a change elsewhere resolves them, though they did not
        // change themselves and an incremental read would not return them.
        if hs_since.is_some() {
            add_waiting(
                sync,
                state,
                System::Hubspot,
                &hs_fields,
                hs,
                &mut hs_result.records,
            )
            .await?;
        }
        if sf_since.is_some() {
            add_waiting(
                sync,
                state,
                System::Salesforce,
                &sf_fields,
                sf,
                &mut sf_result.records,
            )
            .await?;
        }
        reads.insert(
            sync.name.clone(),
            SyncRead {
                hs: SideRead {
                    records: hs_result.records,
                    complete: hs_since.is_none(),
                    cursor: hs_result.cursor,
                },
                sf: SideRead {
                    records: sf_result.records,
                    complete: sf_since.is_none(),
                    cursor: sf_result.cursor,
                },
            },
        );
    }
    Ok(reads)
}

/// Adds to `records` (an incremental read of `side`) the records of `side` that the error
/// queue says wait for another record, and that the read did not return.
async fn add_waiting<C: Crm>(
    sync: &SyncProgram,
    state: &StateSnapshot,
    side: System,
    fields: &[String],
    crm: &mut C,
    records: &mut Vec<RemoteRecord>,
) -> Result<(), CrmError> {
    let read: BTreeSet<&str> = records.iter().map(|r| r.id.as_str()).collect();
    let waiting: BTreeSet<String> = state
        .errors
        .get(&sync.name)
        .into_iter()
        .flatten()
        .filter(|queued| queued.reason.passes_on_its_own())
        .flat_map(|queued| {
            queued
                .reason
                .waiting_records(side, &queued.target, &queued.source_id)
        })
        .filter(|id| !read.contains(id.as_str()))
        .collect();
    if waiting.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = waiting.into_iter().collect();
    let found = crm.read_ids(&sync.side(side).object, fields, &ids).await?;
    records.extend(found);
    Ok(())
}

/// The fields and pushdown to read `side` of `sync` with. While creates an interrupted run
/// sent to that side are pending, the read also asks when each record was created (so the
/// planner can find the records those creates made, [`tandem_plan::recovery`]) and a HubSpot
/// side is listed rather than searched: CRM search is eventually consistent and may not show
/// a record created seconds before the crash yet, while the list endpoint does. The planner
/// still evaluates the whole scope on what comes back.
fn side_request<'p>(
    sync: &'p SyncProgram,
    state: &StateSnapshot,
    side: System,
) -> (Vec<String>, Option<&'p Pushdown>) {
    let program = sync.side(side);
    let recovering = state
        .pending_creates
        .get(&sync.name)
        .is_some_and(|pending| pending.iter().any(|p| p.target == side.short_name()));
    if !recovering {
        return (program.read_fields.clone(), program.pushdown.as_ref());
    }
    let mut fields = program.read_fields.clone();
    for name in created_fields(side) {
        if !fields.iter().any(|f| f == name) {
            fields.push(name.to_string());
        }
    }
    let pushdown = match side {
        System::Hubspot => None,
        System::Salesforce => program.pushdown.as_ref(),
    };
    (fields, pushdown)
}
