//! Many specs in one PostgreSQL database: each store is a `store_id`, and two stores never see
//! each other's links, conflicts, errors, ids, serials or locks.

use std::collections::BTreeMap;

use serde_json::json;
use tandem_state::{StateError, StateLocation, StateStore};

use crate::support::{Fixture, base, failure, postgres_location, postgres_url};

#[test]
fn two_specs_in_one_database_never_see_each_others_rows() {
    let fixture = Fixture::postgres();
    let mut revops = StateStore::open(&fixture.location_of("revops")).unwrap();
    let mut support = StateStore::open(&fixture.location_of("support")).unwrap();
    assert_ne!(revops.lineage().unwrap(), support.lineage().unwrap());
    assert_ne!(revops.seal_key().unwrap(), support.seal_key().unwrap());
    revops
        .write(|w| {
            w.link(
                "contacts",
                "101",
                "003A",
                &base(&[("email", json!("a@x"), json!("a@x"))]),
            )?;
            w.open_conflict(
                "contacts",
                "101",
                "003A",
                "email",
                &json!("a"),
                &json!("b"),
                None,
            )?;
            w.enqueue_error("contacts", "sf", "101", &failure("bad"), "f")?;
            w.set_watermark("contacts", "hs", "2026-01-01T00:00:00Z")
        })
        .unwrap();
    // The same sync and record ids in the other spec are other rows.
    support
        .write(|w| w.link("contacts", "101", "003Z", &BTreeMap::new()))
        .unwrap();
    support
        .write(|w| w.link("contacts", "102", "003A", &BTreeMap::new()))
        .unwrap();
    let ours = revops.snapshot().unwrap();
    let theirs = support.snapshot().unwrap();
    assert_eq!(ours.links["contacts"].len(), 1);
    assert_eq!(ours.links["contacts"][0].sf_id, "003A");
    assert_eq!(theirs.links["contacts"].len(), 2);
    assert!(theirs.conflicts.is_empty() && theirs.errors.is_empty());
    assert!(theirs.watermarks.is_empty());
    assert_eq!(ours.serial, 1);
    assert_eq!(theirs.serial, 2);
    assert_eq!(
        support
            .partner("contacts", "sf", "003A")
            .unwrap()
            .as_deref(),
        Some("102")
    );
    assert_eq!(
        revops.partner("contacts", "sf", "003A").unwrap().as_deref(),
        Some("101")
    );
    // Conflict #1 is revops's; support has none to resolve.
    let id = ours.conflicts["contacts"][0].id;
    assert_eq!(id, 1);
    match support.write(|w| w.resolve_conflict(id, "hs")) {
        Err(StateError::UnknownConflict { .. }) => {}
        other => panic!("expected UnknownConflict, got {other:?}"),
    }
    assert_eq!(revops.conflicts(false).unwrap().len(), 1);
    // Each spec has its own lock.
    let _revops_lock = revops.lock().unwrap();
    assert!(support.lock().unwrap().is_some());
}

#[test]
fn a_postgres_location_must_name_its_store_and_a_safe_schema() {
    let url = postgres_url();
    match StateLocation::parse(&url) {
        Err(StateError::InvalidLocation { reason, .. }) => {
            assert!(reason.contains("?store=NAME"), "{reason}")
        }
        other => panic!("expected InvalidLocation, got {other:?}"),
    }
    let separator = if url.contains('?') { '&' } else { '?' };
    for bad in [
        format!("{url}{separator}store=a%20b"),
        format!("{url}{separator}store=ok&schema=Robert%27);DROP"),
        format!("{url}{separator}store=ok&schema=pg_catalog"),
    ] {
        assert!(
            matches!(
                StateLocation::parse(&bad),
                Err(StateError::InvalidLocation { .. })
            ),
            "{bad} was accepted"
        );
    }
    let location = postgres_location("some_schema", "revops");
    assert_eq!(location.store(), "revops");
    assert_eq!(location.schema(), "some_schema");
}
