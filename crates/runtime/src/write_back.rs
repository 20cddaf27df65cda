//! Writing new records' ids back into the records they were created from: the
//! `match X.key = Y.Id` key fields and the mappings that copy the other side's id
//! (`hs.salesforceaccountid`), so the link also lives in the CRMs.

use serde_json::Value;

use tandem_ground::record_write::RecordWrite;
use tandem_plan::RecordChange;
use tandem_state::{StateError, StateStore};

use super::apply::{RunContext, Stop};
use super::crm::{Crm, WriteOutcome};

/// Writes the new partner ids of one scheduled batch of `creates` (made on the other side)
/// into their source records, on `source_crm`'s side. A create that did not happen (stale,
/// rejected, never sent) has no partner yet and is left out.
pub(super) async fn write_back_ids<C: Crm>(
    ctx: &mut RunContext<'_>,
    store: &mut StateStore,
    source_crm: &mut C,
    creates: &[RecordChange],
) -> Result<(), Stop> {
    let source = source_crm.system();
    let keys = tandem_plan::apply_rules::write_back_fields(ctx.sync, source);
    if keys.is_empty() {
        return Ok(());
    }
    let mut writes: Vec<(String, RecordWrite)> = Vec::new();
    for change in creates {
        let Some(source_id) = change.source_id() else {
            continue;
        };
        let Some(new_id) = store.partner(&ctx.sync.name, source.short_name(), source_id)? else {
            continue;
        };
        let fields = keys
            .iter()
            .map(|field| (field.clone(), Value::String(new_id.clone())))
            .collect();
        writes.push((source_id.to_string(), RecordWrite::fields(fields)));
    }
    if writes.is_empty() {
        return Ok(());
    }
    let object = ctx.sync.side(source).object.clone();
    let run_id = ctx.run_id.to_string();
    let sync_name = ctx.sync.name.clone();
    let result = source_crm.update(&object, &writes).await;
    store.write(|w| -> Result<(), StateError> {
        for ((id, write), outcome) in writes.iter().zip(&result.outcomes) {
            if let WriteOutcome::Written { .. } = outcome {
                for (field, value) in &write.fields {
                    w.audit(
                        &run_id,
                        &sync_name,
                        source.short_name(),
                        id,
                        "update",
                        field,
                        &Value::Null,
                        value,
                    )?;
                }
            }
        }
        Ok(())
    })?;
    if let Some(stop) = result.stopped {
        return Err(Stop::Crm(stop));
    }
    Ok(())
}
