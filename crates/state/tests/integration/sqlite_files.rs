//! What only the SQLite backend has: a private file, an in-memory store, a lock that cannot be
//! forced because the kernel releases it with its holder.

use std::time::Duration;

use tandem_state::{LockOptions, StateError, StateLocation, StateStore};

#[test]
fn new_store_file_is_private() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".tandem").join("state.db");
    let store = StateStore::open(&path).unwrap();
    assert_eq!(store.serial().unwrap(), 0);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "state.db must be owner-only");
    }
}

#[test]
fn in_memory_store_locks_nothing() {
    let store = StateStore::open_in_memory().unwrap();
    assert!(store.lock().unwrap().is_none());
    assert_eq!(store.location(), &StateLocation::Memory);
}

#[test]
fn a_waiting_lock_gets_it_once_the_holder_lets_go() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let first = StateStore::open(&path).unwrap();
    let held = first.lock().unwrap();
    let waiter = std::thread::spawn(move || {
        let second = StateStore::open(&path).unwrap();
        let started = std::time::Instant::now();
        let lock = second
            .lock_with(LockOptions::waiting(Duration::from_secs(20)))
            .unwrap();
        (lock.is_some(), started.elapsed())
    });
    std::thread::sleep(Duration::from_millis(400));
    drop(held);
    let (locked, waited) = waiter.join().unwrap();
    assert!(locked);
    assert!(waited >= Duration::from_millis(300), "waited {waited:?}");
}

#[test]
fn a_lock_wait_that_runs_out_says_how_long_it_waited() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let first = StateStore::open(&path).unwrap();
    let _held = first.lock().unwrap();
    let second = StateStore::open(&path).unwrap();
    match second.lock_with(LockOptions::waiting(Duration::from_millis(300))) {
        Err(error @ StateError::LockTimeout { waited_ms: 300, .. }) => {
            assert!(error.to_string().contains("after waiting 0.3 s"), "{error}");
        }
        other => panic!("expected Locked after 300 ms, got {other:?}"),
    }
}

#[test]
fn a_sqlite_lock_cannot_be_forced_and_the_refusal_names_the_live_holder() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let store = StateStore::open(&path).unwrap();
    let _held = store.lock().unwrap();
    match store.force_unlock("anything") {
        Err(StateError::NoSuchLease {
            current: Some(holder),
            ..
        }) => assert!(holder.contains(&std::process::id().to_string()), "{holder}"),
        other => panic!("expected NoSuchLease naming the holder, got {other:?}"),
    }
}
