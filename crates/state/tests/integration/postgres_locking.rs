//! The PostgreSQL apply lock, straight to the server and through PgBouncer in transaction
//! mode: a lease row. Two appliers on one database, waiting, expiry of a dead holder's lease,
//! force-unlock, renewal, and a holder that lost its lease never writing.

use std::collections::BTreeMap;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use tandem_state::{LockOptions, StateError, StateLocation, StateStore};

use crate::support::{Fixture, admin};

/// Each case straight to the server and through PgBouncer in transaction mode.
macro_rules! direct_and_pooled {
    ($($case:ident),* $(,)?) => {
        mod direct {
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

direct_and_pooled!(
    two_concurrent_appliers_one_gets_the_lock_the_other_is_told_who_holds_it,
    an_applier_waits_for_the_lock_and_takes_it_when_the_first_lets_go,
    a_wait_that_runs_out_fails_naming_the_holder_and_the_wait,
    a_dead_holders_lease_blocks_until_it_expires_then_is_taken_over,
    force_unlock_removes_a_dead_holders_lease_at_once,
    a_held_lease_is_renewed_past_its_lifetime,
    a_holder_that_lost_its_lease_cannot_write_and_writes_nothing,
    concurrent_writers_of_one_store_take_turns_and_lose_nothing,
);

/// Leaves a lease behind as a holder that died would: nobody renews it.
fn plant_dead_holders_lease(fixture: &Fixture, lease_id: &str, expires_in: &str) {
    drop(fixture.open());
    admin(&format!(
        "INSERT INTO {schema}.leases (store_id, lease_id, holder, acquired_at, renewed_at, expires_at) \
         VALUES ('spec', '{lease_id}', 'pid 999999 on a-crashed-runner', now(), now(), \
         clock_timestamp() + interval '{expires_in}')",
        schema = fixture.schema()
    ));
}

fn two_concurrent_appliers_one_gets_the_lock_the_other_is_told_who_holds_it(fixture: &Fixture) {
    drop(fixture.open());
    let location = fixture.location();
    let start = Arc::new(Barrier::new(2));
    let appliers: Vec<_> = (0..2)
        .map(|_| {
            let location = location.clone();
            let start = Arc::clone(&start);
            std::thread::spawn(move || {
                let store = StateStore::open(&location).unwrap();
                start.wait();
                let outcome = store.lock();
                // Hold it long enough that the other surely tried while it was held.
                std::thread::sleep(Duration::from_millis(500));
                outcome.map(|lock| lock.map(|lock| lock.lease_id().map(str::to_string)))
            })
        })
        .collect();
    let outcomes: Vec<_> = appliers.into_iter().map(|a| a.join().unwrap()).collect();
    let winners: Vec<_> = outcomes.iter().filter_map(|o| o.as_ref().ok()).collect();
    assert_eq!(
        winners.len(),
        1,
        "exactly one applier holds the lock: {outcomes:?}"
    );
    let lease_id = winners[0].clone().flatten().expect("a lease id");
    let refusal = outcomes.iter().find_map(|o| o.as_ref().err()).unwrap();
    match refusal {
        StateError::Locked { holder, .. } => {
            assert!(holder.contains(&std::process::id().to_string()), "{holder}");
            assert!(
                holder.contains(&lease_id),
                "the refusal names the lease: {holder}"
            );
        }
        other => panic!("expected Locked, got {other:?}"),
    }
}

fn an_applier_waits_for_the_lock_and_takes_it_when_the_first_lets_go(fixture: &Fixture) {
    let first = fixture.open();
    let held = first.lock().unwrap();
    let location = fixture.location();
    let waiter = std::thread::spawn(move || {
        let second = StateStore::open(&location).unwrap();
        let started = Instant::now();
        let lock = second
            .lock_with(LockOptions::waiting(Duration::from_secs(20)))
            .unwrap();
        (lock.is_some(), started.elapsed())
    });
    std::thread::sleep(Duration::from_millis(600));
    drop(held);
    let (locked, waited) = waiter.join().unwrap();
    assert!(locked);
    assert!(waited >= Duration::from_millis(400), "waited {waited:?}");
}

fn a_wait_that_runs_out_fails_naming_the_holder_and_the_wait(fixture: &Fixture) {
    let first = fixture.open();
    let _held = first.lock().unwrap();
    let second = fixture.open();
    let started = Instant::now();
    match second.lock_with(LockOptions::waiting(Duration::from_millis(700))) {
        Err(error @ StateError::LockTimeout { waited_ms: 700, .. }) => {
            assert!(started.elapsed() >= Duration::from_millis(700));
            assert!(error.to_string().contains("after waiting 0.7 s"), "{error}");
        }
        other => panic!("expected Locked after 700 ms, got {other:?}"),
    }
}

fn a_dead_holders_lease_blocks_until_it_expires_then_is_taken_over(fixture: &Fixture) {
    plant_dead_holders_lease(fixture, "dead-lease", "2 seconds");
    let store = fixture.open();
    match store.lock() {
        Err(StateError::Locked { holder, .. }) => {
            assert!(holder.contains("a-crashed-runner"), "{holder}");
            assert!(holder.contains("dead-lease"), "{holder}");
        }
        other => panic!("expected Locked by the dead holder, got {other:?}"),
    }
    let started = Instant::now();
    let lock = store
        .lock_with(LockOptions::waiting(Duration::from_secs(20)))
        .unwrap()
        .expect("a lease");
    assert!(started.elapsed() >= Duration::from_millis(1000));
    assert_ne!(lock.lease_id(), Some("dead-lease"));
}

fn force_unlock_removes_a_dead_holders_lease_at_once(fixture: &Fixture) {
    plant_dead_holders_lease(fixture, "dead-lease", "1 hour");
    let store = fixture.open();
    match store.force_unlock("not-this-one") {
        Err(StateError::NoSuchLease {
            current: Some(current),
            ..
        }) => assert!(current.contains("dead-lease"), "{current}"),
        other => panic!("expected NoSuchLease naming the held one, got {other:?}"),
    }
    assert!(store.lock().is_err(), "the wrong id removed nothing");
    let holder = store.force_unlock("dead-lease").unwrap();
    assert_eq!(holder, "pid 999999 on a-crashed-runner");
    assert!(store.lock().unwrap().is_some());
    match store.force_unlock("dead-lease") {
        Err(StateError::NoSuchLease { .. }) => {}
        other => panic!("expected NoSuchLease once removed, got {other:?}"),
    }
}

fn a_held_lease_is_renewed_past_its_lifetime(fixture: &Fixture) {
    let first = fixture.open();
    let _held = first
        .lock_with(LockOptions {
            wait: Duration::ZERO,
            lease: Duration::from_millis(900),
        })
        .unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    let second = fixture.open();
    assert!(
        matches!(second.lock(), Err(StateError::Locked { .. })),
        "the holder renewed its lease"
    );
}

fn a_holder_that_lost_its_lease_cannot_write_and_writes_nothing(fixture: &Fixture) {
    let mut first = fixture.open();
    let held = first.lock().unwrap().unwrap();
    let lease_id = held.lease_id().unwrap().to_string();
    first
        .write(|w| w.link("accounts", "1", "001", &BTreeMap::new()))
        .unwrap();
    // An operator decided the holder was dead and another applier took over.
    let other = fixture.open();
    other.force_unlock(&lease_id).unwrap();
    let _taken = other.lock().unwrap().unwrap();
    let outcome = first.write(|w| w.link("accounts", "2", "002", &BTreeMap::new()));
    match outcome {
        Err(StateError::LeaseLost { lease_id: lost, .. }) => assert_eq!(lost, lease_id),
        other => panic!("expected LeaseLost, got {other:?}"),
    }
    let snapshot = other.snapshot().unwrap();
    assert_eq!(snapshot.links["accounts"].len(), 1);
    assert_eq!(snapshot.serial, 1);
}

fn concurrent_writers_of_one_store_take_turns_and_lose_nothing(fixture: &Fixture) {
    drop(fixture.open());
    let location: StateLocation = fixture.location();
    let writers: Vec<_> = (0..2)
        .map(|writer| {
            let location = location.clone();
            std::thread::spawn(move || {
                let mut store = StateStore::open(&location).unwrap();
                for record in 0..25 {
                    store
                        .write(|w| {
                            w.link(
                                "accounts",
                                &format!("{writer}-{record}"),
                                &format!("sf-{writer}-{record}"),
                                &BTreeMap::new(),
                            )?;
                            w.audit(
                                "run",
                                "accounts",
                                "sf",
                                "x",
                                "create",
                                "Name",
                                &serde_json::Value::Null,
                                &serde_json::json!(record),
                            )
                        })
                        .unwrap();
                }
            })
        })
        .collect();
    for writer in writers {
        writer.join().unwrap();
    }
    let store = StateStore::open(&location).unwrap();
    assert_eq!(store.serial().unwrap(), 50);
    assert_eq!(store.snapshot().unwrap().links["accounts"].len(), 50);
    let ids: Vec<i64> = store
        .export()
        .unwrap()
        .audit
        .iter()
        .map(|row| row.id)
        .collect();
    assert_eq!(ids, (1..=50).collect::<Vec<_>>());
}
