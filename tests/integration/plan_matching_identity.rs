//! Matching's identity keys (one-way mappings that copy a record's own id across) and apply's
//! create guard, as pure functions over records.

use crate::common;

use std::collections::BTreeMap;

use common::*;
use serde_json::{Value, json};
use tandem::compile::{Direction, Expr, FieldFacts, FieldProgram, MatchRule, SyncProgram};
use tandem::connectors::RemoteRecord;
use tandem::plan::matching::{create_collisions, effective_rules, match_unlinked};
use tandem::schema::{FieldType, System};

fn record(id: &str, fields: &[(&str, Value)]) -> RemoteRecord {
    RemoteRecord {
        id: id.to_string(),
        fields: fields
            .iter()
            .map(|(k, v)| ((*k).into(), v.clone()))
            .collect(),
        modified_at: None,
        deleted: false,
        merged_into: None,
    }
}

/// Accounts matched by domain, plus `hs.hs_object_id -> sf.HubSpot_Company_Id__c` and
/// `hs.sf_account <- sf.Id`.
fn sync_with_id_copies() -> SyncProgram {
    let mut sync = accounts_sync();
    sync.fields.push(FieldProgram {
        key: "hs_object_id".into(),
        hs_field: "hs_object_id".into(),
        sf_field: "HubSpot_Company_Id__c".into(),
        direction: Direction::HsToSf,
        to_sf: Some(hs("hs_object_id")),
        to_hs: None,
        conflict: None,
        keep_when_blank: false,
        default: None,
        through: None,
    });
    sync.fields
        .push(one_way_to_hs("sf_account", "sf_account", sf("Id"), "Id"));
    sync.sf.fields.insert(
        "HubSpot_Company_Id__c".into(),
        FieldFacts::of_type(FieldType::String),
    );
    sync.hs
        .fields
        .insert("sf_account".into(), FieldFacts::of_type(FieldType::String));
    sync
}

#[test]
fn id_copy_mappings_become_identity_rules_after_the_spec_rules() {
    let sync = sync_with_id_copies();
    let rules = effective_rules(&sync);
    assert_eq!(&rules[..sync.matches.len()], &sync.matches[..]);
    assert_eq!(
        &rules[sync.matches.len()..],
        &[
            MatchRule {
                hs: hs("hs_object_id"),
                sf: sf("HubSpot_Company_Id__c"),
            },
            MatchRule {
                hs: hs("sf_account"),
                sf: sf("Id"),
            },
        ]
    );
    // A rule the spec already states is not repeated.
    let mut stated = sync.clone();
    stated.matches.push(MatchRule {
        hs: hs("hs_object_id"),
        sf: sf("HubSpot_Company_Id__c"),
    });
    assert_eq!(effective_rules(&stated).len(), rules.len());
}

#[test]
fn record_stamped_with_its_source_id_is_matched_by_the_identity_key() {
    let sync = sync_with_id_copies();
    let hs_records = vec![
        record("501", &[("name", json!("No domain"))]),
        record("502", &[("sf_account", json!("001A00000000009AAA"))]),
    ];
    let sf_records = vec![
        record(
            "001A00000000007AAA",
            &[("HubSpot_Company_Id__c", json!("501"))],
        ),
        // The 15-character spelling of the id HubSpot holds in 18.
        record("001A00000000009", &[]),
    ];
    let outcome = match_unlinked(&sync, &hs_records, &sf_records, &[0, 1], &[0, 1]);
    let mut pairs: Vec<(usize, usize)> = outcome.pairs.iter().map(|p| (p.0, p.1)).collect();
    pairs.sort();
    assert_eq!(pairs, vec![(0, 0), (1, 1)]);
    assert!(outcome.ambiguous.is_empty());
}

#[test]
fn create_collides_only_with_live_in_scope_records_holding_its_key() {
    let mut sync = sync_with_id_copies();
    // Only accounts with a name are in scope on the Salesforce side.
    sync.sf.scope = Some(Expr::call("not_blank", vec![sf("Name")]));
    let planned: Vec<BTreeMap<String, Value>> = vec![
        [("Website".to_string(), json!("https://acme.example"))].into(),
        [("Website".to_string(), json!("https://globex.example"))].into(),
        [("Website".to_string(), json!("https://initech.example"))].into(),
        [("HubSpot_Company_Id__c".to_string(), json!("777"))].into(),
    ];
    let mut deleted = record(
        "001D",
        &[
            ("Name", json!("Globex")),
            ("Website", json!("globex.example")),
        ],
    );
    deleted.deleted = true;
    let existing = [
        record(
            "001A",
            &[
                ("Name", json!("Acme")),
                ("Website", json!("www.acme.example/")),
            ],
        ),
        deleted,
        record("001O", &[("Website", json!("initech.example"))]),
        record(
            "001I",
            &[
                ("Name", json!("Stamped")),
                ("HubSpot_Company_Id__c", json!("777")),
            ],
        ),
    ];
    let existing: Vec<&RemoteRecord> = existing.iter().collect();
    let collisions = create_collisions(&sync, System::Salesforce, &planned, &existing);
    assert_eq!(
        collisions,
        vec![
            Some("001A".to_string()),
            None,
            None,
            Some("001I".to_string())
        ]
    );
}
