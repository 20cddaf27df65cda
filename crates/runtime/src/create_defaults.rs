//! Updates a plan makes together with their partner's create.
//!
//! A create that leaves a mapped field to the CRM's default comes with an update of its
//! source record carrying that default back (see [`tandem_plan::create_defaults`]). The
//! plan cannot know the new record's id, so that update names only the source record. Apply
//! sends it after the creates: with the id the create returned (the link it stored), or not
//! at all when the create did not happen (stale, rejected, never sent), leaving it to the
//! next plan.

use std::borrow::Cow;

use tandem_ground::schema::System;
use tandem_language::compile::SyncProgram;
use tandem_plan::RecordChange;
use tandem_state::{StateError, StateStore};

/// Splits `updates` (all in `target`) into those ready to send, with any missing partner id
/// filled in from the links this run stored, and those whose partner was never created.
pub(super) fn with_created_partners<'c>(
    sync: &SyncProgram,
    target: System,
    store: &StateStore,
    updates: Vec<&'c RecordChange>,
) -> Result<(Vec<Cow<'c, RecordChange>>, Vec<&'c RecordChange>), StateError> {
    let mut ready = Vec::with_capacity(updates.len());
    let mut waiting = Vec::new();
    for change in updates {
        if change.hs_id.is_some() && change.sf_id.is_some() {
            ready.push(Cow::Borrowed(change));
            continue;
        }
        let Some(own_id) = change.target_id() else {
            waiting.push(change);
            continue;
        };
        match store.partner(&sync.name, target.short_name(), own_id)? {
            Some(partner) => {
                let mut filled = change.clone();
                match target {
                    System::Hubspot => filled.sf_id = Some(partner),
                    System::Salesforce => filled.hs_id = Some(partner),
                }
                ready.push(Cow::Owned(filled));
            }
            None => waiting.push(change),
        }
    }
    Ok((ready, waiting))
}
