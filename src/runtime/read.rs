//! Reading both sides of every sync for the planner: full on the first run (or whenever the
//! spec changed), incremental from the saved cursors after that.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::compile::Program;
use crate::plan::{SideRead, SyncRead};
use crate::state::StateSnapshot;

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
        let mut hs_result = hs
            .read(&ReadRequest {
                object: &sync.hs.object,
                fields: &sync.hs.read_fields,
                pushdown: sync.hs.pushdown.as_ref(),
                since: hs_since.as_ref(),
                include_deleted: true,
            })
            .await?;
        if hs_since.is_some() {
            super::association::refresh_unread_associations(
                sync,
                state,
                hs,
                &mut hs_result.records,
            )
            .await?;
        }
        let sf_since = cursor("sf");
        let sf_result = sf
            .read(&ReadRequest {
                object: &sync.sf.object,
                fields: &sync.sf.read_fields,
                pushdown: sync.sf.pushdown.as_ref(),
                since: sf_since.as_ref(),
                include_deleted: true,
            })
            .await?;
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
