//! Pairing records that have no link yet, by the sync's `match` rules in order.
//!
//! A key pairs two records only when it is unique on both sides among unlinked records; a key
//! shared by several candidates is reported as ambiguous and never guessed. A blank key
//! never matches.
//!
//! Besides the spec's own rules, a one-way mapping that copies a record's own id across
//! (`hs.hs_object_id -> sf.X`, `hs.x <- sf.Id`) is an identity key: the record tandem creates
//! carries its source's id, so it is tried as a match rule after the spec's. A run that died
//! after the create but before the link was stored finds the record it created instead of
//! creating it twice, even when the spec's only rule is an id the target cannot take on create
//! (`match hs.hs_salesforceopportunityid = sf.Id`).

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::Value;

use tandem_ground::schema::System;
use tandem_ground::{FieldName, RemoteRecord};
use tandem_language::compile::{Direction, Expr, MatchRule, SyncProgram};

use super::eval::{EvalContext, eval};
use super::model::AmbiguousMatch;
use tandem_ground::value::{as_text, is_blank};

/// The outcome of matching: pairs (hs index, sf index, 1-based rule), and ambiguities.
#[derive(Debug, Default)]
pub struct MatchOutcome {
    pub pairs: Vec<(usize, usize, usize)>,
    pub ambiguous: Vec<AmbiguousMatch>,
    /// Records involved in an ambiguity: neither linked nor created.
    pub ambiguous_hs: HashSet<usize>,
    pub ambiguous_sf: HashSet<usize>,
}

/// The rules matching tries, in order: the spec's `match` rules, then the identity keys of
/// one-way id mappings (see the module docs) that the spec does not already name.
pub fn effective_rules(sync: &SyncProgram) -> Vec<MatchRule> {
    let mut rules = sync.matches.clone();
    for field in &sync.fields {
        let rule = match field.direction {
            Direction::HsToSf
                if !field.sf_field.is_empty()
                    && field
                        .to_sf
                        .as_ref()
                        .and_then(|e| e.as_plain_field(System::Hubspot))
                        == Some("hs_object_id") =>
            {
                MatchRule {
                    hs: Expr::field(System::Hubspot, "hs_object_id"),
                    sf: Expr::field(System::Salesforce, &field.sf_field),
                }
            }
            Direction::SfToHs
                if !field.hs_field.is_empty()
                    && field
                        .to_hs
                        .as_ref()
                        .and_then(|e| e.as_plain_field(System::Salesforce))
                        == Some("Id") =>
            {
                MatchRule {
                    hs: Expr::field(System::Hubspot, &field.hs_field),
                    sf: Expr::field(System::Salesforce, "Id"),
                }
            }
            _ => continue,
        };
        if !rules.contains(&rule) {
            rules.push(rule);
        }
    }
    rules
}

/// The normalised key of one record under one side of a rule.
pub fn match_key(
    expr: &Expr,
    side: System,
    record: &RemoteRecord,
    sync: &SyncProgram,
) -> Option<String> {
    let truncate = is_salesforce_id_key(expr, side) || is_salesforce_id_counterpart(sync, expr);
    key_of(expr, side, record, sync, truncate)
}

/// The normalised key of one record under `side` of `rule`.
pub fn rule_key(
    rule: &MatchRule,
    side: System,
    record: &RemoteRecord,
    sync: &SyncProgram,
) -> Option<String> {
    let expr = match side {
        System::Hubspot => &rule.hs,
        System::Salesforce => &rule.sf,
    };
    // Salesforce ids come in 15- and 18-character spellings of the same record; the first 15
    // characters identify it, on whichever side of the rule holds one.
    let truncate = rule.sf.as_plain_field(System::Salesforce) == Some("Id");
    key_of(expr, side, record, sync, truncate)
}

fn key_of(
    expr: &Expr,
    side: System,
    record: &RemoteRecord,
    sync: &SyncProgram,
    truncate_id: bool,
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
    if truncate_id && let Some((cut, _)) = text.char_indices().nth(15) {
        text.truncate(cut);
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
    for (rule_index, rule) in effective_rules(sync).iter().enumerate() {
        let rule_number = rule_index + 1;
        let mut sf_by_key: HashMap<String, Vec<usize>> = HashMap::new();
        for &index in sf_unlinked {
            if sf_done.contains(&index) || outcome.ambiguous_sf.contains(&index) {
                continue;
            }
            if let Some(key) = rule_key(rule, System::Salesforce, &sf_records[index], sync) {
                sf_by_key.entry(key).or_default().push(index);
            }
        }
        let mut hs_by_key: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for &index in hs_unlinked {
            if hs_done.contains(&index) || outcome.ambiguous_hs.contains(&index) {
                continue;
            }
            if let Some(key) = rule_key(rule, System::Hubspot, &hs_records[index], sync) {
                hs_by_key.entry(key).or_default().push(index);
            }
        }
        // Keys that several records hold on one side with no record on the other: creating
        // them all would duplicate, so they are reported and none is created.
        for (side, own, other_side_keys, records) in [
            (
                System::Hubspot,
                hs_by_key.iter().collect::<Vec<_>>(),
                sf_by_key.keys().collect::<HashSet<_>>(),
                hs_records,
            ),
            (
                System::Salesforce,
                sf_by_key.iter().collect::<Vec<_>>(),
                hs_by_key.keys().collect::<HashSet<_>>(),
                sf_records,
            ),
        ] {
            if !sync.may_create_in(side.other()) {
                continue;
            }
            for (key, indices) in own {
                if indices.len() < 2 || other_side_keys.contains(key) {
                    continue;
                }
                let mut ids: Vec<String> = indices.iter().map(|&i| records[i].id.clone()).collect();
                ids.sort();
                for &index in indices {
                    let id = records[index].id.clone();
                    match side {
                        System::Hubspot => outcome.ambiguous_hs.insert(index),
                        System::Salesforce => outcome.ambiguous_sf.insert(index),
                    };
                    outcome.ambiguous.push(AmbiguousMatch {
                        side,
                        shares_key_with: ids
                            .iter()
                            .filter(|other| **other != id)
                            .cloned()
                            .collect(),
                        id,
                        key: key.clone(),
                        match_rule: rule_number,
                        candidates: Vec::new(),
                    });
                }
            }
        }
        for (key, hs_indices) in hs_by_key {
            if outcome
                .ambiguous_hs
                .contains(hs_indices.first().unwrap_or(&usize::MAX))
            {
                continue;
            }
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
                            shares_key_with: Vec::new(),
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
                                shares_key_with: Vec::new(),
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

/// Apply's create guard: for each record about to be created in `target` (given as the field
/// values its create writes), the id of a record in `existing` that already holds one of its
/// match keys, by the same rules and normalisation as matching. Such a create would make a
/// duplicate; the next plan links the two instead.
///
/// `existing` is what changed on the target since the plan read it; records that are deleted,
/// out of the target's scope, or (the caller's job) already linked are never candidates,
/// exactly as in matching.
pub fn create_collisions(
    sync: &SyncProgram,
    target: System,
    creates: &[BTreeMap<String, Value>],
    existing: &[&RemoteRecord],
) -> Vec<Option<String>> {
    let mut out: Vec<Option<String>> = vec![None; creates.len()];
    let candidates: Vec<&RemoteRecord> = existing
        .iter()
        .copied()
        .filter(|record| !record.deleted && in_target_scope(sync, target, record))
        .collect();
    if candidates.is_empty() {
        return out;
    }
    for rule in effective_rules(sync) {
        let mut by_key: BTreeMap<String, &str> = BTreeMap::new();
        for record in &candidates {
            if let Some(key) = rule_key(&rule, target, record, sync) {
                by_key.entry(key).or_insert(record.id.as_str());
            }
        }
        if by_key.is_empty() {
            continue;
        }
        for (slot, fields) in out.iter_mut().zip(creates) {
            if slot.is_some() {
                continue;
            }
            // The record as it will exist once created: its id is unknown, so id keys never
            // match it here.
            let planned = RemoteRecord {
                id: String::new(),
                fields: fields
                    .iter()
                    .map(|(name, value)| (FieldName::from(name), value.clone()))
                    .collect(),
                modified_at: None,
                deleted: false,
                merged_into: None,
            };
            if let Some(key) = rule_key(&rule, target, &planned, sync)
                && let Some(id) = by_key.get(&key)
            {
                *slot = Some((*id).to_string());
            }
        }
    }
    out
}

fn in_target_scope(sync: &SyncProgram, target: System, record: &RemoteRecord) -> bool {
    let Some(scope) = &sync.side(target).scope else {
        return true;
    };
    let ctx = EvalContext {
        hs: (target == System::Hubspot).then_some(record),
        sf: (target == System::Salesforce).then_some(record),
        hs_side: &sync.hs,
        sf_side: &sync.sf,
    };
    eval(scope, &ctx)
        .map(|value| super::eval::truthy(&value))
        .unwrap_or(false)
}

/// The target-side fields the create guard reads: every field the match rules (identity keys
/// included) and the target's scope evaluate there.
pub fn guard_fields(sync: &SyncProgram, target: System) -> Vec<String> {
    let mut used: Vec<(System, String)> = Vec::new();
    for rule in effective_rules(sync) {
        match target {
            System::Hubspot => rule.hs.fields(&mut used),
            System::Salesforce => rule.sf.fields(&mut used),
        }
    }
    if let Some(scope) = &sync.side(target).scope {
        scope.fields(&mut used);
    }
    let mut fields: Vec<String> = used
        .into_iter()
        .filter(|(side, name)| *side == target && name != "Id" && name != "hs_object_id")
        .map(|(_, name)| name)
        .collect();
    fields.sort();
    fields.dedup();
    fields
}
