//! `migrate`: a whole store copied SQLite -> PostgreSQL -> SQLite with its lineage, serial and
//! ids, verified, and a destination that holds a store refused unless asked to replace it.

use serde_json::json;
use tandem_state::{MigrateOptions, StateError, StateLocation, StateStore, migrate};

use crate::support::{Fixture, base, failure};

/// A store with a row in every table, a cleared error (so the last id is above the highest
/// row), a resolved conflict and a pending create.
fn fill(store: &mut StateStore) {
    store
        .write(|w| {
            w.run_started("run1", "digest-1")?;
            w.link(
                "contacts",
                "101",
                "003A",
                &base(&[
                    ("email", json!("a@x.com"), json!("a@x.com")),
                    ("score", json!(1.5), json!("1.5")),
                ]),
            )?;
            w.link("contacts", "102", "003B", &base(&[]))?;
            w.set_watermark("contacts", "hs", "2026-01-01T00:00:00Z")?;
            let done = w.journal_intent(
                "run1",
                "contacts",
                "update",
                "sf",
                "003A",
                &json!({"Email": "a@x.com", "Nested": {"b": 1, "a": [1, 2]}}),
            )?;
            w.journal_settle(done, "done")?;
            w.journal_intent(
                "run1",
                "contacts",
                "create",
                "sf",
                "103",
                &json!({"LastName": "Ng"}),
            )?;
            w.enqueue_error(
                "contacts",
                "sf",
                "104",
                &failure("REQUIRED_FIELD_MISSING"),
                "f1",
            )?;
            w.enqueue_error("contacts", "sf", "105", &failure("bad"), "f2")?;
            w.open_conflict(
                "contacts",
                "101",
                "003A",
                "phone",
                &json!("1"),
                &json!("2"),
                None,
            )?;
            w.audit(
                "run1",
                "contacts",
                "sf",
                "003A",
                "update",
                "Email",
                &json!(null),
                &json!("a@x.com"),
            )?;
            w.run_finished("run1", "done", "{\"created\":0}")
        })
        .unwrap();
    store
        .write(|w| {
            w.clear_error("contacts", "sf", "105")?;
            w.resolve_conflict(1, "sf")
        })
        .unwrap();
}

#[test]
fn a_store_goes_to_postgres_and_back_unchanged() {
    let sqlite = Fixture::sqlite();
    let postgres = Fixture::postgres();
    let mut original = sqlite.open();
    fill(&mut original);
    let before = original.export().unwrap();
    let snapshot = original.snapshot().unwrap();
    let seal_key = original.seal_key().unwrap();
    assert!(!seal_key.0.is_empty());
    drop(original);

    let report = migrate(
        &sqlite.location(),
        &postgres.location(),
        &MigrateOptions::default(),
    )
    .unwrap();
    assert_eq!(report.serial, 2);
    assert_eq!(report.lineage, before.lineage);
    assert_eq!(report.digest, before.digest());
    assert!(
        report.counts.iter().all(|(_, count)| *count > 0),
        "{report:?}"
    );

    let mut copy = postgres.open();
    assert_eq!(copy.snapshot().unwrap(), snapshot);
    assert_eq!(copy.seal_key().unwrap(), seal_key, "saved plans stay valid");
    assert_eq!(copy.export().unwrap().digest(), before.digest());
    // Ids go on from where the source left off, a cleared error's id included.
    copy.write(|w| w.enqueue_error("contacts", "sf", "106", &failure("bad"), "f3"))
        .unwrap();
    let ids: Vec<i64> = copy.queued_errors().unwrap().iter().map(|e| e.id).collect();
    assert_eq!(ids, [1, 3]);

    let back = sqlite.location_of("back");
    let report = migrate(&postgres.location(), &back, &MigrateOptions::default()).unwrap();
    assert_eq!(report.serial, 3);
    let returned = StateStore::open(&back).unwrap();
    assert_eq!(returned.lineage().unwrap(), before.lineage);
    assert_eq!(returned.seal_key().unwrap(), seal_key);
    assert_eq!(returned.export().unwrap(), copy.export().unwrap());
}

#[test]
fn a_destination_holding_a_store_is_refused_unless_replaced() {
    let sqlite = Fixture::sqlite();
    let postgres = Fixture::postgres();
    let mut source = sqlite.open();
    fill(&mut source);
    drop(source);
    let mut occupied = postgres.open();
    occupied
        .write(|w| w.link("accounts", "1", "001", &base(&[])))
        .unwrap();
    match migrate(
        &sqlite.location(),
        &postgres.location(),
        &MigrateOptions::default(),
    ) {
        Err(StateError::MigrateDestinationNotEmpty {
            serial: 1, rows: 1, ..
        }) => {}
        other => panic!("expected MigrateDestinationNotEmpty, got {other:?}"),
    }
    assert_eq!(occupied.snapshot().unwrap().links["accounts"].len(), 1);
    let report = migrate(
        &sqlite.location(),
        &postgres.location(),
        &MigrateOptions {
            replace: true,
            ..MigrateOptions::default()
        },
    )
    .unwrap();
    let snapshot = occupied.snapshot().unwrap();
    assert!(!snapshot.links.contains_key("accounts"));
    assert_eq!(snapshot.serial, report.serial);
    // And the other way: a SQLite destination that holds a store.
    match migrate(
        &postgres.location(),
        &sqlite.location(),
        &MigrateOptions::default(),
    ) {
        Err(StateError::MigrateDestinationNotEmpty { .. }) => {}
        other => panic!("expected MigrateDestinationNotEmpty, got {other:?}"),
    }
}

#[test]
fn a_store_is_not_migrated_onto_itself_or_while_an_apply_holds_it() {
    let postgres = Fixture::postgres();
    let location = postgres.location();
    assert!(matches!(
        migrate(&location, &location, &MigrateOptions::default()),
        Err(StateError::InvalidLocation { .. })
    ));
    let store = postgres.open();
    let _apply = store.lock().unwrap();
    let elsewhere = StateLocation::Memory;
    assert!(matches!(
        migrate(&location, &elsewhere, &MigrateOptions::default()),
        Err(StateError::Locked { .. })
    ));
}
