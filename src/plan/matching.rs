//! Pairing records that have no link yet, by the sync's `match` rules in order.
//!
//! A key pairs two records only when it is unique on both sides among unlinked records; a key
//! shared by several candidates is reported as ambiguous and never guessed. A blank key
//! never matches.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::Value;

use crate::compile::{Expr, SyncProgram};
use crate::connectors::RemoteRecord;
use crate::schema::System;

use super::eval::{EvalContext, eval};
use super::model::AmbiguousMatch;
use super::value::{as_text, is_blank};

/// The outcome of matching: pairs (hs index, sf index, 1-based rule), and ambiguities.
#[derive(Debug, Default)]
pub struct MatchOutcome {
    pub pairs: Vec<(usize, usize, usize)>,
    pub ambiguous: Vec<AmbiguousMatch>,
    /// Records involved in an ambiguity: neither linked nor created.
    pub ambiguous_hs: HashSet<usize>,
    pub ambiguous_sf: HashSet<usize>,
}

/// The normalised key of one record under one side of a rule.
pub fn match_key(
    expr: &Expr,
    side: System,
    record: &RemoteRecord,
    sync: &SyncProgram,
) -> Option<String> {
    let ctx = match side {
        System::Hubspot => EvalContext {
            hs: Some(record),
            sf: None,
            hs_side: &sync.hs,
            sf_side: &sync.sf,
        },
        System::Salesforce => EvalContext {
            hs: None,
            sf: Some(record),
            hs_side: &sync.hs,
            sf_side: &sync.sf,
        },
    };
    let value = eval(expr, &ctx).ok()?;
    if is_blank(&value) {
        return None;
    }
    let mut text = match &value {
        Value::String(text) => text.trim().to_string(),
        other => as_text(other)?,
    };
    if is_salesforce_id_key(expr, side) || is_salesforce_id_counterpart(sync, expr) {
        // Salesforce ids come in 15- and 18-character spellings of the same record; the first
        // 15 characters identify it.
        text.truncate(15);
    }
    Some(text)
}

fn is_salesforce_id_key(expr: &Expr, side: System) -> bool {
    side == System::Salesforce && expr.as_plain_field(System::Salesforce) == Some("Id")
}

fn is_salesforce_id_counterpart(sync: &SyncProgram, expr: &Expr) -> bool {
    sync.matches
        .iter()
        .any(|rule| &rule.hs == expr && rule.sf.as_plain_field(System::Salesforce) == Some("Id"))
}

/// Matches the unlinked records `hs` and `sf` (indices into the read sets).
pub fn match_unlinked(
    sync: &SyncProgram,
    hs_records: &[RemoteRecord],
    sf_records: &[RemoteRecord],
    hs_unlinked: &[usize],
    sf_unlinked: &[usize],
) -> MatchOutcome {
    let mut outcome = MatchOutcome::default();
    let mut hs_done: HashSet<usize> = HashSet::new();
    let mut sf_done: HashSet<usize> = HashSet::new();
    for (rule_index, rule) in sync.matches.iter().enumerate() {
        let rule_number = rule_index + 1;
        let mut sf_by_key: HashMap<String, Vec<usize>> = HashMap::new();
        for &index in sf_unlinked {
            if sf_done.contains(&index) || outcome.ambiguous_sf.contains(&index) {
                continue;
            }
            if let Some(key) = match_key(&rule.sf, System::Salesforce, &sf_records[index], sync) {
                sf_by_key.entry(key).or_default().push(index);
            }
        }
        let mut hs_by_key: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for &index in hs_unlinked {
            if hs_done.contains(&index) || outcome.ambiguous_hs.contains(&index) {
                continue;
            }
            if let Some(key) = match_key(&rule.hs, System::Hubspot, &hs_records[index], sync) {
                hs_by_key.entry(key).or_default().push(index);
            }
        }
        for (key, hs_indices) in hs_by_key {
            let Some(sf_indices) = sf_by_key.get(&key) else {
                continue;
            };
            match (hs_indices.as_slice(), sf_indices.as_slice()) {
                ([hs_index], [sf_index]) => {
                    hs_done.insert(*hs_index);
                    sf_done.insert(*sf_index);
                    outcome.pairs.push((*hs_index, *sf_index, rule_number));
                }
                _ => {
                    // Several records share the key on one side or both: report every record
                    // involved, with its candidates on the other side.
                    let mut sf_ids: Vec<String> = sf_indices
                        .iter()
                        .map(|&i| sf_records[i].id.clone())
                        .collect();
                    sf_ids.sort();
                    let mut hs_ids: Vec<String> = hs_indices
                        .iter()
                        .map(|&i| hs_records[i].id.clone())
                        .collect();
                    hs_ids.sort();
                    for &hs_index in &hs_indices {
                        outcome.ambiguous_hs.insert(hs_index);
                        outcome.ambiguous.push(AmbiguousMatch {
                            side: System::Hubspot,
                            id: hs_records[hs_index].id.clone(),
                            key: key.clone(),
                            match_rule: rule_number,
                            candidates: sf_ids.clone(),
                        });
                    }
                    if hs_indices.len() > 1 {
                        for &sf_index in sf_indices {
                            outcome.ambiguous_sf.insert(sf_index);
                            outcome.ambiguous.push(AmbiguousMatch {
                                side: System::Salesforce,
                                id: sf_records[sf_index].id.clone(),
                                key: key.clone(),
                                match_rule: rule_number,
                                candidates: hs_ids.clone(),
                            });
                        }
                    } else {
                        for &sf_index in sf_indices {
                            outcome.ambiguous_sf.insert(sf_index);
                        }
                    }
                }
            }
        }
    }
    outcome
        .ambiguous
        .sort_by(|a, b| (a.side, &a.id, a.match_rule).cmp(&(b.side, &b.id, b.match_rule)));
    outcome
}
