//! The state store's behaviour, the same assertions on both backends: migrations, atomic
//! writes, the lock, queues, journal and audit. `both_backends!` turns each case into a
//! `sqlite::`, a `postgres::` and a `pgbouncer::` test (PostgreSQL behind PgBouncer in
//! transaction mode, where consecutive transactions may run on different server connections).

use std::collections::BTreeMap;

use serde_json::json;
use tandem_state::{STATE_SCHEMA_VERSION, StateError, StateStore};

use crate::support::{Fixture, base, failure};

macro_rules! both_backends {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(#[test]
            fn $case() {
                super::$case(&crate::support::Fixture::sqlite());
            })*
        }
        mod postgres {
            $(#[test]
            fn $case() {
                super::$case(&crate::support::Fixture::postgres());
            })*
        }
        mod pgbouncer {
            $(#[test]
            fn $case() {
                super::$case(&crate::support::Fixture::pgbouncer());
            })*
        }
    };
}

both_backends!(
    new_store_is_migrated_and_at_serial_zero,
    reopening_keeps_lineage_links_and_serial,
    store_written_by_a_newer_schema_is_refused,
    failed_write_leaves_nothing_behind_and_keeps_the_serial,
    base_updates_merge_field_by_field,
    relinking_a_record_keeps_links_one_to_one,
    second_apply_lock_is_refused_until_the_first_is_released,
    error_queue_counts_attempts_and_clears_on_success,
    review_conflicts_open_resolve_and_close,
    pending_journal_entries_survive_until_recovered,
    audit_log_records_old_and_new_values_in_order,
    snapshot_holds_watermarks_and_pending_creates,
    unlink_and_partner_look_ups_follow_the_links,
    counts_and_retry_by_id_count_what_changed,
    a_panic_inside_a_write_keeps_nothing_and_the_store_stays_usable,
    writes_of_one_transaction_keep_their_order_and_ids_are_never_reused,
);

fn new_store_is_migrated_and_at_serial_zero(fixture: &Fixture) {
    let store = fixture.open();
    assert_eq!(store.schema_version().unwrap(), STATE_SCHEMA_VERSION);
    assert_eq!(store.serial().unwrap(), 0);
    assert_eq!(store.lineage().unwrap().len(), 36);
}

fn reopening_keeps_lineage_links_and_serial(fixture: &Fixture) {
    let lineage = {
        let mut store = fixture.open();
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
    let store = fixture.open();
    assert_eq!(store.lineage().unwrap(), lineage);
    assert_eq!(store.serial().unwrap(), 1);
    let snapshot = store.snapshot().unwrap();
    assert_eq!(snapshot.links["accounts"].len(), 1);
    assert_eq!(snapshot.links["accounts"][0].base["name"].sf, json!("Acme"));
}

fn store_written_by_a_newer_schema_is_refused(fixture: &Fixture) {
    drop(fixture.open());
    fixture.set_schema_version(STATE_SCHEMA_VERSION + 1);
    match StateStore::open(&fixture.location()) {
        Err(StateError::NewerSchema { found, known, .. }) => {
            assert_eq!(found, STATE_SCHEMA_VERSION + 1);
            assert_eq!(known, STATE_SCHEMA_VERSION);
        }
        other => panic!("expected NewerSchema, got {other:?}"),
    }
}

fn failed_write_leaves_nothing_behind_and_keeps_the_serial(fixture: &Fixture) {
    let mut store = fixture.open();
    let result: Result<(), StateError> = store.write(|w| {
        w.link("accounts", "101", "001A", &BTreeMap::new())?;
        Err(StateError::UnknownConflict { id: 9 })
    });
    assert!(result.is_err());
    assert_eq!(store.serial().unwrap(), 0);
    assert!(store.snapshot().unwrap().links.is_empty());
}

fn base_updates_merge_field_by_field(fixture: &Fixture) {
    let mut store = fixture.open();
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
    // Linking the same pair again merges too; a new partner starts from its own base.
    store
        .write(|w| {
            w.link(
                "accounts",
                "101",
                "001A",
                &base(&[("phone", json!("1"), json!("1"))]),
            )
        })
        .unwrap();
    let link = &store.snapshot().unwrap().links["accounts"][0];
    assert_eq!(link.base.len(), 3);
    store
        .write(|w| {
            w.link(
                "accounts",
                "101",
                "001B",
                &base(&[("phone", json!("2"), json!("2"))]),
            )
        })
        .unwrap();
    let link = &store.snapshot().unwrap().links["accounts"][0];
    assert_eq!(link.sf_id, "001B");
    assert_eq!(link.base.keys().collect::<Vec<_>>(), ["phone"]);
}

fn relinking_a_record_keeps_links_one_to_one(fixture: &Fixture) {
    let mut store = fixture.open();
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

fn second_apply_lock_is_refused_until_the_first_is_released(fixture: &Fixture) {
    let store = fixture.open();
    let other = fixture.open();
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

fn error_queue_counts_attempts_and_clears_on_success(fixture: &Fixture) {
    let mut store = fixture.open();
    store
        .write(|w| {
            w.enqueue_error(
                "leads",
                "sf",
                "501",
                &failure("REQUIRED_FIELD_MISSING: LastName"),
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
                &failure("REQUIRED_FIELD_MISSING: LastName"),
                "f2",
            )
        })
        .unwrap();
    let errors = store.queued_errors().unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].attempts, 2);
    assert_eq!(errors[0].fingerprint, "f2");
    assert_eq!(
        errors[0].reason,
        failure("REQUIRED_FIELD_MISSING: LastName")
    );
    assert!(!errors[0].retry_requested);
    store.write(|w| w.request_retry(&[])).unwrap();
    assert!(store.queued_errors().unwrap()[0].retry_requested);
    store
        .write(|w| w.clear_error("leads", "sf", "501"))
        .unwrap();
    assert!(store.queued_errors().unwrap().is_empty());
}

fn review_conflicts_open_resolve_and_close(fixture: &Fixture) {
    let mut store = fixture.open();
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

fn pending_journal_entries_survive_until_recovered(fixture: &Fixture) {
    {
        let mut store = fixture.open();
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
    let mut store = fixture.open();
    let pending = store.pending_journal().unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].record_key, "502");
    assert_eq!(store.write(|w| w.journal_recover_pending()).unwrap(), 1);
    assert!(store.pending_journal().unwrap().is_empty());
}

fn audit_log_records_old_and_new_values_in_order(fixture: &Fixture) {
    let mut store = fixture.open();
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
    assert!(
        log[0].at.ends_with('Z') && log[0].at.len() == 20,
        "RFC 3339, whole seconds: {}",
        log[0].at
    );
}

fn snapshot_holds_watermarks_and_pending_creates(fixture: &Fixture) {
    let mut store = fixture.open();
    let journal_id = store
        .write(|w| {
            w.set_watermark("contacts", "hs", "2026-01-01T00:00:00Z")?;
            w.set_watermark("contacts", "hs", "2026-01-02T00:00:00Z")?;
            w.set_watermark("contacts", "sf", "2026-01-03T00:00:00Z")?;
            w.journal_intent(
                "run1",
                "contacts",
                "create",
                "sf",
                "101",
                &json!({"LastName": "Ng", "Email": "ng@example.com"}),
            )
        })
        .unwrap();
    let snapshot = store.snapshot().unwrap();
    assert_eq!(
        snapshot.watermarks["contacts"]["hs"],
        "2026-01-02T00:00:00Z"
    );
    assert_eq!(
        snapshot.watermarks["contacts"]["sf"],
        "2026-01-03T00:00:00Z"
    );
    let pending = &snapshot.pending_creates["contacts"];
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].journal_id, journal_id);
    assert_eq!(pending[0].source_id, "101");
    assert_eq!(pending[0].payload["Email"], json!("ng@example.com"));
    assert_eq!(pending[0].sent_at.len(), 20);
    assert_eq!(snapshot.serial, 1);
}

fn unlink_and_partner_look_ups_follow_the_links(fixture: &Fixture) {
    let mut store = fixture.open();
    store
        .write(|w| {
            w.link("accounts", "101", "001A", &BTreeMap::new())?;
            w.link("accounts", "102", "001B", &BTreeMap::new())
        })
        .unwrap();
    assert_eq!(
        store.partner("accounts", "hs", "101").unwrap().as_deref(),
        Some("001A")
    );
    assert_eq!(
        store.partner("accounts", "sf", "001B").unwrap().as_deref(),
        Some("102")
    );
    assert_eq!(store.partner("contacts", "hs", "101").unwrap(), None);
    store.write(|w| w.unlink("accounts", "101")).unwrap();
    assert_eq!(store.partner("accounts", "hs", "101").unwrap(), None);
    assert_eq!(store.snapshot().unwrap().links["accounts"].len(), 1);
}

fn counts_and_retry_by_id_count_what_changed(fixture: &Fixture) {
    let mut store = fixture.open();
    store
        .write(|w| {
            w.link("accounts", "101", "001A", &BTreeMap::new())?;
            w.enqueue_error("leads", "sf", "501", &failure("bad"), "f")?;
            w.enqueue_error("leads", "sf", "502", &failure("bad"), "f")?;
            w.journal_intent("run", "leads", "create", "sf", "501", &json!({}))?;
            w.audit(
                "run",
                "leads",
                "sf",
                "x",
                "create",
                "Name",
                &json!(null),
                &json!("x"),
            )?;
            w.run_started("run", "digest")?;
            w.run_finished("run", "done", "{}")
        })
        .unwrap();
    let counts = store.counts().unwrap();
    assert_eq!(counts["links"], 1);
    assert_eq!(counts["errors"], 2);
    assert_eq!(counts["journal_pending"], 1);
    assert_eq!(counts["audit"], 1);
    assert_eq!(counts["conflicts_open"], 0);
    let errors = store.queued_errors().unwrap();
    assert_eq!(errors[0].id, 1, "ids count from 1 per store");
    assert_eq!(errors[1].id, 2);
    let retried = store
        .write(|w| w.request_retry(&[errors[1].id, 99]))
        .unwrap();
    assert_eq!(retried, 1);
    let errors = store.queued_errors().unwrap();
    assert!(!errors[0].retry_requested);
    assert!(errors[1].retry_requested);
}

fn a_panic_inside_a_write_keeps_nothing_and_the_store_stays_usable(fixture: &Fixture) {
    let mut store = fixture.open();
    let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _: Result<(), StateError> = store.write(|w| {
            w.link("accounts", "101", "001A", &BTreeMap::new())?;
            // Sends the link (PostgreSQL): the transaction is open on the server.
            w.journal_intent("run", "accounts", "create", "sf", "101", &json!({}))?;
            panic!("a bug in the caller");
        });
    }));
    assert!(unwound.is_err());
    store
        .write(|w| w.link("accounts", "102", "001B", &BTreeMap::new()))
        .unwrap();
    let snapshot = fixture.open().snapshot().unwrap();
    assert_eq!(snapshot.serial, 1);
    assert_eq!(snapshot.links["accounts"].len(), 1);
    assert_eq!(snapshot.links["accounts"][0].hs_id, "102");
    assert!(snapshot.pending_creates.is_empty());
}

fn writes_of_one_transaction_keep_their_order_and_ids_are_never_reused(fixture: &Fixture) {
    let mut store = fixture.open();
    let (first, second) = store
        .write(|w| -> Result<(i64, i64), StateError> {
            let first = w.journal_intent("run", "leads", "create", "sf", "1", &json!({}))?;
            let second = w.journal_intent("run", "leads", "create", "sf", "2", &json!({}))?;
            w.journal_settle(first, "done")?;
            w.journal_settle(first, "failed")?;
            w.enqueue_error("leads", "sf", "x", &failure("bad"), "f")?;
            w.clear_error("leads", "sf", "x")?;
            w.enqueue_error("leads", "sf", "y", &failure("bad"), "f")?;
            for field in ["a", "b", "c"] {
                w.audit(
                    "run",
                    "leads",
                    "sf",
                    "1",
                    "create",
                    field,
                    &json!(null),
                    &json!(1),
                )?;
            }
            Ok((first, second))
        })
        .unwrap();
    assert_eq!(second, first + 1);
    let journal = store.journal().unwrap();
    assert_eq!(journal.len(), 2);
    assert_eq!(journal[0].status, "failed", "the last outcome wins");
    assert_eq!(journal[1].status, "pending");
    let errors = store.queued_errors().unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!((errors[0].source_id.as_str(), errors[0].id), ("y", 2));
    let fields: Vec<String> = store
        .audit_log()
        .unwrap()
        .into_iter()
        .map(|a| a.field)
        .collect();
    assert_eq!(fields, ["a", "b", "c"]);
    store
        .write(|w| {
            w.clear_error("leads", "sf", "y")?;
            w.enqueue_error("leads", "sf", "y", &failure("bad again"), "f2")
        })
        .unwrap();
    let errors = store.queued_errors().unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].id, 3,
        "a cleared error's id is never handed out again"
    );
    assert_eq!(errors[0].attempts, 1);
    let third = store
        .write(|w| w.journal_intent("run2", "leads", "update", "sf", "3", &json!({})))
        .unwrap();
    assert_eq!(third, second + 1);
}
