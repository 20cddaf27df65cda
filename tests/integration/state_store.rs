//! The state store: migrations, permissions, atomic writes, the lock, queues and journal.

use std::collections::BTreeMap;

use serde_json::json;
use tandem::state::{FieldBase, STATE_SCHEMA_VERSION, StateError, StateStore};
use tandem_ground::failure::RecordFailure;

fn base(pairs: &[(&str, serde_json::Value, serde_json::Value)]) -> BTreeMap<String, FieldBase> {
    pairs
        .iter()
        .map(|(key, hs, sf)| {
            (
                key.to_string(),
                FieldBase {
                    hs: hs.clone(),
                    sf: sf.clone(),
                },
            )
        })
        .collect()
}

#[test]
fn new_store_is_migrated_private_and_at_serial_zero() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".tandem").join("state.db");
    let store = StateStore::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), STATE_SCHEMA_VERSION);
    assert_eq!(store.serial().unwrap(), 0);
    assert_eq!(store.lineage().unwrap().len(), 36);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "state.db must be owner-only");
    }
}

#[test]
fn reopening_keeps_lineage_links_and_serial() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let lineage = {
        let mut store = StateStore::open(&path).unwrap();
        store
            .write(|w| {
                w.link(
                    "accounts",
                    "101",
                    "001A",
                    &base(&[("name", json!("Acme"), json!("Acme"))]),
                )
            })
            .unwrap();
        store.lineage().unwrap()
    };
    let store = StateStore::open(&path).unwrap();
    assert_eq!(store.lineage().unwrap(), lineage);
    assert_eq!(store.serial().unwrap(), 1);
    let snapshot = store.snapshot().unwrap();
    assert_eq!(snapshot.links["accounts"].len(), 1);
    assert_eq!(snapshot.links["accounts"][0].base["name"].sf, json!("Acme"));
}

#[test]
fn store_written_by_a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    drop(StateStore::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", STATE_SCHEMA_VERSION + 1)
        .unwrap();
    drop(conn);
    match StateStore::open(&path) {
        Err(StateError::NewerSchema { found, known, .. }) => {
            assert_eq!(found, STATE_SCHEMA_VERSION + 1);
            assert_eq!(known, STATE_SCHEMA_VERSION);
        }
        other => panic!("expected NewerSchema, got {other:?}"),
    }
}

#[test]
fn failed_write_leaves_nothing_behind_and_keeps_the_serial() {
    let mut store = StateStore::open_in_memory().unwrap();
    let result: Result<(), StateError> = store.write(|w| {
        w.link("accounts", "101", "001A", &BTreeMap::new())?;
        Err(StateError::UnknownConflict { id: 9 })
    });
    assert!(result.is_err());
    assert_eq!(store.serial().unwrap(), 0);
    assert!(store.snapshot().unwrap().links.is_empty());
}

#[test]
fn base_updates_merge_field_by_field() {
    let mut store = StateStore::open_in_memory().unwrap();
    store
        .write(|w| {
            w.link(
                "accounts",
                "101",
                "001A",
                &base(&[
                    ("name", json!("Acme"), json!("Acme")),
                    ("industry", json!(null), json!(null)),
                ]),
            )
        })
        .unwrap();
    store
        .write(|w| {
            w.update_base(
                "accounts",
                "101",
                &base(&[("industry", json!("Tech"), json!("Technology"))]),
            )
        })
        .unwrap();
    let link = &store.snapshot().unwrap().links["accounts"][0];
    assert_eq!(link.base["name"].hs, json!("Acme"));
    assert_eq!(link.base["industry"].sf, json!("Technology"));
    assert_eq!(store.serial().unwrap(), 2);
}

#[test]
fn relinking_a_record_keeps_links_one_to_one() {
    let mut store = StateStore::open_in_memory().unwrap();
    store
        .write(|w| w.link("accounts", "101", "001A", &BTreeMap::new()))
        .unwrap();
    store
        .write(|w| w.link("accounts", "102", "001A", &BTreeMap::new()))
        .unwrap();
    let links = &store.snapshot().unwrap().links["accounts"];
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].hs_id, "102");
}

#[test]
fn second_apply_lock_is_refused_until_the_first_is_released() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let store = StateStore::open(&path).unwrap();
    let other = StateStore::open(&path).unwrap();
    let held = store.lock().unwrap();
    assert!(held.is_some());
    match other.lock() {
        Err(StateError::Locked { holder, .. }) => {
            assert!(
                holder.contains(&std::process::id().to_string()),
                "holder was {holder:?}"
            )
        }
        other => panic!("expected Locked, got {other:?}"),
    }
    drop(held);
    assert!(other.lock().unwrap().is_some());
}

#[test]
fn error_queue_counts_attempts_and_clears_on_success() {
    let mut store = StateStore::open_in_memory().unwrap();
    store
        .write(|w| {
            w.enqueue_error(
                "leads",
                "sf",
                "501",
                &RecordFailure::Rejected {
                    code: "REQUIRED_FIELD_MISSING".into(),
                    message: "LastName".into(),
                    fields: Vec::new(),
                    retryable: false,
                },
                "f1",
            )
        })
        .unwrap();
    store
        .write(|w| {
            w.enqueue_error(
                "leads",
                "sf",
                "501",
                &RecordFailure::Rejected {
                    code: "REQUIRED_FIELD_MISSING".into(),
                    message: "LastName".into(),
                    fields: Vec::new(),
                    retryable: false,
                },
                "f2",
            )
        })
        .unwrap();
    let errors = store.queued_errors().unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].attempts, 2);
    assert_eq!(errors[0].fingerprint, "f2");
    assert!(!errors[0].retry_requested);
    store.write(|w| w.request_retry(&[])).unwrap();
    assert!(store.queued_errors().unwrap()[0].retry_requested);
    store
        .write(|w| w.clear_error("leads", "sf", "501"))
        .unwrap();
    assert!(store.queued_errors().unwrap().is_empty());
}

#[test]
fn review_conflicts_open_resolve_and_close() {
    let mut store = StateStore::open_in_memory().unwrap();
    store
        .write(|w| {
            w.open_conflict(
                "accounts",
                "101",
                "001A",
                "name",
                &json!("A"),
                &json!("B"),
                None,
            )
        })
        .unwrap();
    // Seen again on the next plan: refreshed, not duplicated.
    store
        .write(|w| {
            w.open_conflict(
                "accounts",
                "101",
                "001A",
                "name",
                &json!("A2"),
                &json!("B"),
                None,
            )
        })
        .unwrap();
    let open = store.conflicts(false).unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].hs_value, json!("A2"));
    let id = open[0].id;
    store.write(|w| w.resolve_conflict(id, "sf")).unwrap();
    assert!(store.conflicts(false).unwrap().is_empty());
    assert_eq!(
        store.conflicts(true).unwrap()[0].resolution.as_deref(),
        Some("sf")
    );
    match store.write(|w| w.resolve_conflict(id, "hs")) {
        Err(StateError::UnknownConflict { id: missing }) => assert_eq!(missing, id),
        other => panic!("expected UnknownConflict, got {other:?}"),
    }
    store
        .write(|w| w.close_conflict("accounts", "101", "name"))
        .unwrap();
    assert!(store.conflicts(true).unwrap().is_empty());
}

#[test]
fn pending_journal_entries_survive_until_recovered() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    {
        let mut store = StateStore::open(&path).unwrap();
        store
            .write(|w| {
                let done = w.journal_intent(
                    "run1",
                    "leads",
                    "create",
                    "sf",
                    "501",
                    &json!({"LastName": "Ng"}),
                )?;
                w.journal_intent(
                    "run1",
                    "leads",
                    "create",
                    "sf",
                    "502",
                    &json!({"LastName": "Li"}),
                )?;
                w.journal_settle(done, "done")
            })
            .unwrap();
        // The process "dies" here with one entry's outcome unknown.
    }
    let mut store = StateStore::open(&path).unwrap();
    let pending = store.pending_journal().unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].record_key, "502");
    assert_eq!(store.write(|w| w.journal_recover_pending()).unwrap(), 1);
    assert!(store.pending_journal().unwrap().is_empty());
}

#[test]
fn audit_log_records_old_and_new_values_in_order() {
    let mut store = StateStore::open_in_memory().unwrap();
    store
        .write(|w| {
            w.audit(
                "run1",
                "accounts",
                "sf",
                "001A",
                "update",
                "Name",
                &json!("Acme"),
                &json!("Acme Inc"),
            )?;
            w.audit(
                "run1",
                "accounts",
                "hs",
                "101",
                "update",
                "industry",
                &json!(null),
                &json!("Tech"),
            )
        })
        .unwrap();
    let log = store.audit_log().unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].field, "Name");
    assert_eq!(log[0].new, json!("Acme Inc"));
    assert_eq!(log[1].old, json!(null));
}
