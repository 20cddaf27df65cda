//! Finding the records an interrupted run created before creating them again.
//!
//! Apply journals every create (the field values it sends, and when) before the call. When a
//! run dies, or a call times out, between a create reaching the CRM and its link being
//! stored, the entry stays pending. A sync whose match rules can find the new record (a
//! value key such as an email, an id-copy field the create carried) needs nothing more; a
//! sync whose only rule is an id link (`match hs.hs_salesforceopportunityid = sf.Id`)
//! cannot, because the id went back to the source only after the create.
//!
//! So the next plan, which reads both sides in full after such a run, looks first for each
//! pending create's record: an unlinked, live record on the target, created at or after the
//! entry was journaled (less a margin for the two clocks), whose values equal every non-blank
//! value the create sent. Entries are served oldest first, each by the earliest such record
//! not taken: the CRM numbers and stamps records in the order a batch made them, so identical
//! payloads still pair one to one. A record found is linked to its source; a create whose
//! record is not there is planned again as usual. This costs no API call: the full read after
//! a crash already returns the records, with their creation time read alongside.

use std::collections::{BTreeMap, HashSet};

use serde_json::Value;

use tandem_ground::record::RemoteRecord;
use tandem_ground::schema::{FieldType, System};
use tandem_ground::sync_state::PendingCreate;
use tandem_ground::timestamp::parse_timestamp_ms;
use tandem_language::compile::SyncProgram;

use tandem_ground::value::{canonical, is_blank};

/// How far the CRM's clock may run behind tandem's and a record still count as made after
/// its journal entry. Generous: a wrong pairing needs an unlinked record with exactly the
/// sent values, created in this window before the crash.
pub const CLOCK_SKEW_MARGIN_MS: i64 = 5 * 60 * 1000;

/// The fields that say when a record was created, read alongside the sync's own fields while
/// creates on that side are pending (HubSpot's standard objects have `createdate`, custom
/// objects `hs_createdate`; HubSpot leaves out the one an object lacks).
pub fn created_fields(side: System) -> &'static [&'static str] {
    match side {
        System::Hubspot => &["createdate", "hs_createdate"],
        System::Salesforce => &["CreatedDate"],
    }
}

/// One pending create found: the source record, the record it made, the journal entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    pub hs_index: usize,
    pub sf_index: usize,
    pub journal_id: i64,
}

/// The pairs `pending` creates made, among records not in `hs_taken` / `sf_taken` (indices
/// into the read sets that are linked already).
pub fn recover_pending_creates(
    sync: &SyncProgram,
    pending: &[PendingCreate],
    hs_records: &[RemoteRecord],
    sf_records: &[RemoteRecord],
    hs_taken: &HashSet<usize>,
    sf_taken: &HashSet<usize>,
) -> Vec<Recovered> {
    // One ledger for both directions: a record paired in one pass is not offered again in the
    // other, and a record some pending create was made from is that create's source, never
    // the record another create made (two user-made records with the same values, one on
    // each side, must not pair with each other instead of with tandem's copies).
    let mut hs_used: HashSet<usize> = hs_taken.clone();
    let mut sf_used: HashSet<usize> = sf_taken.clone();
    for entry in pending {
        let (sources, sources_used) = if entry.target == System::Hubspot.short_name() {
            (sf_records, &mut sf_used)
        } else {
            (hs_records, &mut hs_used)
        };
        if let Some(index) = sources.iter().position(|r| r.id == entry.source_id) {
            sources_used.insert(index);
        }
    }
    let mut out = Vec::new();
    for target in [System::Hubspot, System::Salesforce] {
        let entries: Vec<&PendingCreate> = pending
            .iter()
            .filter(|p| p.target == target.short_name())
            .collect();
        if entries.is_empty() {
            continue;
        }
        let (sources, targets, source_taken, target_used) = match target {
            System::Hubspot => (sf_records, hs_records, sf_taken, &hs_used),
            System::Salesforce => (hs_records, sf_records, hs_taken, &sf_used),
        };
        let source_index: BTreeMap<&str, usize> = sources
            .iter()
            .enumerate()
            .filter(|(i, r)| !r.deleted && !source_taken.contains(i))
            .map(|(i, r)| (r.id.as_str(), i))
            .collect();
        // Only records made since the oldest entry can be one of them.
        let oldest = entries
            .iter()
            .filter_map(|p| parse_timestamp_ms(&p.sent_at))
            .min();
        let mut candidates: Vec<(Option<i64>, usize)> = targets
            .iter()
            .enumerate()
            .filter(|(i, r)| !r.deleted && !target_used.contains(i))
            .map(|(i, r)| (created_ms(target, r), i))
            .filter(|(created, _)| made_since(*created, oldest))
            .collect();
        // Earliest first; a record whose creation time was not read goes last, so it never
        // wins over one that is known to have been made after the entry.
        candidates.sort_by(|a, b| {
            (a.0.unwrap_or(i64::MAX), &targets[a.1].id)
                .cmp(&(b.0.unwrap_or(i64::MAX), &targets[b.1].id))
        });
        let mut found_now: HashSet<usize> = HashSet::new();
        let mut sources_now: HashSet<usize> = HashSet::new();
        for entry in entries {
            let Some(&source) = source_index.get(entry.source_id.as_str()) else {
                continue;
            };
            if sources_now.contains(&source) {
                continue;
            }
            let sent = parse_timestamp_ms(&entry.sent_at);
            let found = candidates.iter().find(|(created, index)| {
                !found_now.contains(index)
                    && made_since(*created, sent)
                    && holds_payload(sync, target, &targets[*index], &entry.payload)
            });
            let Some(&(_, found)) = found else {
                continue;
            };
            found_now.insert(found);
            sources_now.insert(source);
            let (hs_index, sf_index) = match target {
                System::Hubspot => (found, source),
                System::Salesforce => (source, found),
            };
            out.push(Recovered {
                hs_index,
                sf_index,
                journal_id: entry.journal_id,
            });
        }
        match target {
            System::Hubspot => hs_used.extend(found_now),
            System::Salesforce => sf_used.extend(found_now),
        }
    }
    out
}

/// When `record` was created, if the read says (epoch milliseconds).
fn created_ms(side: System, record: &RemoteRecord) -> Option<i64> {
    created_fields(side)
        .iter()
        .filter_map(|name| record.fields.get(*name))
        .filter_map(|value| match value {
            Value::String(text) => parse_timestamp_ms(text),
            Value::Number(number) => number.as_i64(),
            _ => None,
        })
        .next()
}

/// Whether a record created at `created` may have been made by a call sent at `sent`. A
/// record whose creation time was not read is not ruled out by time.
fn made_since(created: Option<i64>, sent: Option<i64>) -> bool {
    match (created, sent) {
        (Some(created), Some(sent)) => created >= sent - CLOCK_SKEW_MARGIN_MS,
        _ => true,
    }
}

/// Whether `record` holds every non-blank plain value of `payload`, compared in canonical
/// form by the target field's type. Association writes and ids resolved during apply are
/// not compared; blanks are not either (the CRM may have filled in a default). A payload
/// with nothing to compare identifies nothing.
fn holds_payload(
    sync: &SyncProgram,
    target: System,
    record: &RemoteRecord,
    payload: &BTreeMap<String, Value>,
) -> bool {
    let mut compared = 0usize;
    for (field, sent) in payload {
        if sent.is_object() || sent.is_array() || is_blank(sent) {
            continue;
        }
        let Some(held) = record.fields.get(field) else {
            // Not read (a field only written): it cannot be compared.
            continue;
        };
        let field_type = sync
            .side(target)
            .fields
            .get(field)
            .map(|facts| facts.field_type)
            .unwrap_or(FieldType::String);
        if !same_value(held, sent, field_type) {
            return false;
        }
        compared += 1;
    }
    compared > 0
}

fn same_value(held: &Value, sent: &Value, field_type: FieldType) -> bool {
    let (held, sent) = (canonical(held, field_type), canonical(sent, field_type));
    match (&held, &sent) {
        // CRMs trim text they store.
        (Value::String(a), Value::String(b)) => a.trim() == b.trim(),
        _ => held == sent,
    }
}
