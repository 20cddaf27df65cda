//! The PostgreSQL connection: used from inside tokio runtimes, a connection killed in the
//! middle of a transaction (nothing half-written, a typed error, a reconnect), a server that
//! is not there, and a password that never shows.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::json;
use tandem_state::{StateError, StateLocation, StateStore};

use crate::support::{Fixture, admin, postgres_url};

/// Ends the server side of the store's connection(s), as a crashed server or network would.
fn kill_connections_of(fixture: &Fixture) -> usize {
    admin(&format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE application_name = 'tandem {}.spec' AND pid <> pg_backend_pid()",
        fixture.schema()
    ))
    .len()
}

#[test]
fn the_store_works_from_inside_a_multi_thread_runtime_worker() {
    let fixture = Fixture::postgres();
    let location = fixture.location();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let snapshot = runtime.block_on(async move {
        tokio::spawn(async move {
            let mut store = StateStore::open(&location).unwrap();
            store
                .write(|w| w.link("accounts", "101", "001A", &BTreeMap::new()))
                .unwrap();
            // An await between uses, as apply has between its batches.
            tokio::time::sleep(Duration::from_millis(10)).await;
            let _lock = store.lock().unwrap();
            store.snapshot().unwrap()
        })
        .await
        .unwrap()
    });
    assert_eq!(snapshot.links["accounts"][0].sf_id, "001A");
}

#[test]
fn the_store_works_from_inside_a_current_thread_runtime() {
    let fixture = Fixture::postgres();
    let location = fixture.location();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let serial = runtime.block_on(async move {
        let mut store = StateStore::open(&location).unwrap();
        store
            .write(|w| w.set_watermark("accounts", "hs", "2026-01-01T00:00:00Z"))
            .unwrap();
        store.serial().unwrap()
    });
    assert_eq!(serial, 1);
}

#[test]
fn a_connection_killed_mid_transaction_leaves_nothing_half_written() {
    let fixture = Fixture::postgres();
    let mut store = fixture.open();
    store
        .write(|w| w.link("accounts", "1", "001", &BTreeMap::new()))
        .unwrap();
    let outcome = store.write(|w| {
        w.link("accounts", "2", "002", &BTreeMap::new())?;
        // Sends the link with it: the transaction is open on the server now.
        w.journal_intent("run", "accounts", "create", "sf", "2", &json!({}))?;
        assert_eq!(
            kill_connections_of(&fixture),
            1,
            "the store's connection was found"
        );
        w.link("accounts", "3", "003", &BTreeMap::new())?;
        w.audit(
            "run",
            "accounts",
            "sf",
            "003",
            "create",
            "Name",
            &json!(null),
            &json!("x"),
        )
    });
    match outcome {
        Err(StateError::ConnectionLost { message, .. }) => {
            assert!(!message.is_empty());
        }
        other => panic!("expected ConnectionLost, got {other:?}"),
    }
    // The next use reconnects, and sees the store as the last commit left it.
    let snapshot = store.snapshot().unwrap();
    assert_eq!(snapshot.serial, 1);
    assert_eq!(snapshot.links["accounts"].len(), 1);
    assert!(snapshot.pending_creates.is_empty());
    assert!(store.audit_log().unwrap().is_empty());
    store
        .write(|w| w.link("accounts", "4", "004", &BTreeMap::new()))
        .unwrap();
    assert_eq!(store.serial().unwrap(), 2);
}

#[test]
fn a_connection_killed_between_uses_is_a_typed_error_then_a_reconnect() {
    let fixture = Fixture::postgres();
    let store = fixture.open();
    assert_eq!(kill_connections_of(&fixture), 1);
    // The first use after the kill may or may not notice before it sends; either way it is
    // never a panic, and the one after works.
    match store.serial() {
        Ok(0) | Err(StateError::ConnectionLost { .. }) => {}
        other => panic!("expected serial 0 or ConnectionLost, got {other:?}"),
    }
    assert_eq!(store.serial().unwrap(), 0);
}

#[test]
fn a_server_that_is_not_there_is_a_connect_error() {
    // Port 9 on loopback: nothing listens there.
    let location =
        StateLocation::parse("postgres://tandem@127.0.0.1:9/tandem?store=spec&connect_timeout=2")
            .unwrap();
    match StateStore::open(&location) {
        Err(StateError::Connect { message, .. }) => assert!(!message.is_empty()),
        other => panic!("expected Connect, got {other:?}"),
    }
}

#[test]
fn a_password_never_appears_in_errors_or_debug_output() {
    let secret = "pw-Secret-4711";
    let nowhere =
        format!("postgres://tandem:{secret}@127.0.0.1:9/tandem?store=spec&connect_timeout=2");
    let location = StateLocation::parse(&nowhere).unwrap();
    let shown = format!("{location} {location:?}");
    assert!(!shown.contains(secret), "{shown}");
    assert!(shown.contains("tandem:***@127.0.0.1:9"), "{shown}");
    let error = StateStore::open(&location).unwrap_err();
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(secret), "{shown}");
    // A password the real server refuses.
    let url = url_with_password(&postgres_url(), secret);
    let error = StateStore::open(&StateLocation::parse(&url).unwrap()).unwrap_err();
    let shown = format!("{error} {error:?}");
    assert!(matches!(error, StateError::Connect { .. }), "{shown}");
    assert!(!shown.contains(secret), "{shown}");
    // The right password, and everything a working store shows.
    let real = postgres_url();
    let real_password = url::Url::parse(&real)
        .unwrap()
        .password()
        .map(str::to_string)
        .expect("the test URL has a password");
    let fixture = Fixture::postgres();
    let store = fixture.open();
    let lock = store.lock().unwrap();
    let other = fixture.open();
    let refused = other.lock().unwrap_err();
    let separator = if real.contains('?') { '&' } else { '?' };
    let failed = StateLocation::parse(&format!("{real}{separator}store=x&schema=Bad")).unwrap_err();
    let shown = format!(
        "{store:?} {:?} {lock:?} {refused} {refused:?} {failed} {failed:?}",
        store.location()
    );
    assert!(!shown.contains(&real_password), "{shown}");
    // A password in a location that does not parse is cut out too.
    let unparsable =
        StateLocation::parse(&format!("postgres://tandem:{secret}@[bad/db?store=x")).unwrap_err();
    let shown = format!("{unparsable} {unparsable:?}");
    assert!(!shown.contains(secret), "{shown}");
}

fn url_with_password(url: &str, password: &str) -> String {
    let mut parsed = url::Url::parse(url).unwrap();
    parsed.set_password(Some(password)).unwrap();
    let separator = if parsed.query().is_some() { '&' } else { '?' };
    format!("{parsed}{separator}store=spec")
}
