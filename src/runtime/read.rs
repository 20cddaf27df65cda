//! Reading both sides of every sync for the planner.

use std::collections::BTreeMap;

use crate::compile::Program;
use crate::plan::{SideRead, SyncRead};
use crate::state::StateSnapshot;

use super::crm::{Crm, CrmError, ReadRequest};

/// Reads every sync's records on both sides. Reads are full unless `incremental` is set and
/// the state holds a watermark for that side, in which case only records modified since are
/// read and the planner stands in the merge base for the rest.
pub async fn read_all<H: Crm, S: Crm>(
    program: &Program,
    state: &StateSnapshot,
    hs: &mut H,
    sf: &mut S,
    incremental: bool,
) -> Result<BTreeMap<String, SyncRead>, CrmError> {
    let mut reads = BTreeMap::new();
    for sync in &program.syncs {
        let marks = state.watermarks.get(&sync.name);
        let since = |side: &str| {
            if incremental {
                marks.and_then(|m| m.get(side)).map(String::as_str)
            } else {
                None
            }
        };
        let hs_since = since("hs");
        let hs_records = hs
            .read(&ReadRequest {
                object: &sync.hs.object,
                fields: &sync.hs.read_fields,
                pushdown: sync.hs.pushdown.as_ref(),
                modified_since: hs_since,
            })
            .await?;
        let sf_since = since("sf");
        let sf_records = sf
            .read(&ReadRequest {
                object: &sync.sf.object,
                fields: &sync.sf.read_fields,
                pushdown: sync.sf.pushdown.as_ref(),
                modified_since: sf_since,
            })
            .await?;
        reads.insert(
            sync.name.clone(),
            SyncRead {
                hs: SideRead {
                    records: hs_records,
                    complete: hs_since.is_none(),
                },
                sf: SideRead {
                    records: sf_records,
                    complete: sf_since.is_none(),
                },
            },
        );
    }
    Ok(reads)
}
