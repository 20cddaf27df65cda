//! The PostgreSQL apply lock: a lease row per store (`leases`: holder, expiry), taken with one
//! statement, renewed by a thread of the holder, deleted on release.
//!
//! Why a lease and not an advisory lock: a session advisory lock belongs to a server
//! connection, and behind PgBouncer in transaction mode consecutive statements may run on
//! different server connections, so the lock would be taken on one and "held" by nobody (and
//! released by whoever gets that connection next). A transaction-scoped advisory lock is safe
//! there but ends with its transaction, and an apply spans many transactions and minutes of
//! CRM calls. A lease row is plain data: every statement that takes, renews, checks or releases
//! it is one autocommit statement or part of a write transaction, so it works through any
//! pooler. Expiry is computed by the server's clock, so holders on machines whose clocks
//! disagree still agree on it.
//!
//! A holder that dies stops renewing; its lease expires after [`crate::LockOptions::lease`]
//! and the next apply takes it over, or `force_unlock` removes it at once. Every write
//! transaction of the holder first checks (`FOR SHARE`) that its lease is still its own, so a
//! holder that lost its lease (paused past the expiry, force-unlocked) can never write again.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::connection::{Param, PgConnection, Statement, text};
use super::sql;
use crate::lock::holder_description;
use crate::{LockOptions, PostgresLocation, StateError};

/// How often a waiting process tries to take the lease again.
const RETRY_EVERY: Duration = Duration::from_millis(200);

#[derive(Debug)]
pub(crate) struct Lease {
    lease_id: String,
    holder: String,
    stop: Option<mpsc::Sender<()>>,
    renewer: Option<std::thread::JoinHandle<()>>,
    /// The store's record of the lease it holds, cleared on release.
    held_by_store: Arc<Mutex<Option<String>>>,
}

impl Lease {
    /// Takes the lease of `location`'s store, waiting up to `options.wait` for its holder to
    /// release it or for it to expire. The lease has a connection of its own, so renewals
    /// never run inside the store's open transaction.
    pub(crate) fn acquire(
        location: &PostgresLocation,
        options: LockOptions,
        held_by_store: Arc<Mutex<Option<String>>>,
    ) -> Result<Lease, StateError> {
        let connection = PgConnection::connect(location)?;
        let lease_id = uuid::Uuid::new_v4().to_string();
        let holder = holder_description();
        let lease_ms = options.lease.as_millis().max(1) as i64;
        let started = Instant::now();
        loop {
            if try_take(&connection, location, &lease_id, &holder, lease_ms)? {
                break;
            }
            if started.elapsed() >= options.wait {
                let current = describe_current(&connection, location)?;
                return Err(crate::lock::refusal(
                    location.to_string(),
                    // The lease may have been released between the two statements.
                    current.unwrap_or_else(|| "a holder that just let go".to_string()),
                    options.wait,
                ));
            }
            std::thread::sleep(RETRY_EVERY.min(options.wait.saturating_sub(started.elapsed())));
        }
        *held_by_store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(lease_id.clone());
        let (stop, stopped) = mpsc::channel();
        let renewal = Renewal {
            connection,
            location: location.clone(),
            lease_id: lease_id.clone(),
            lease_ms,
            every: (options.lease / 3).max(Duration::from_millis(10)),
        };
        let renewer = std::thread::Builder::new()
            .name("tandem-lease".to_string())
            .spawn(move || renewal.run(stopped))
            .map_err(|source| StateError::Io {
                location: location.to_string(),
                source,
            })?;
        Ok(Lease {
            lease_id,
            holder,
            stop: Some(stop),
            renewer: Some(renewer),
            held_by_store,
        })
    }

    pub(crate) fn lease_id(&self) -> &str {
        &self.lease_id
    }

    pub(crate) fn holder(&self) -> &str {
        &self.holder
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Ok(mut held) = self.held_by_store.lock() {
            *held = None;
        }
        // The renewer deletes the lease row when told to stop; waiting for it means the next
        // apply can take the lock the moment this one is dropped.
        drop(self.stop.take());
        if let Some(renewer) = self.renewer.take() {
            let _ = renewer.join();
        }
    }
}

/// Inserts the lease, or takes over an expired one. `true` when this process holds it now.
fn try_take(
    connection: &PgConnection,
    location: &PostgresLocation,
    lease_id: &str,
    holder: &str,
    lease_ms: i64,
) -> Result<bool, StateError> {
    let reply = connection.run_one(Statement::rows(
        sql(
            location,
            "INSERT INTO {s}.leases (store_id, lease_id, holder, acquired_at, renewed_at, expires_at) \
             VALUES ($1, $2, $3, clock_timestamp(), clock_timestamp(), \
                 clock_timestamp() + $4::float8 * interval '1 millisecond') \
             ON CONFLICT (store_id) DO UPDATE SET lease_id = excluded.lease_id, \
                 holder = excluded.holder, acquired_at = excluded.acquired_at, \
                 renewed_at = excluded.renewed_at, expires_at = excluded.expires_at \
             WHERE {s}.leases.expires_at <= clock_timestamp() \
             RETURNING lease_id",
        ),
        vec![
            text(location.store()),
            text(lease_id),
            text(holder),
            Param::Int(lease_ms),
        ],
    ))?;
    Ok(reply.count() == 1)
}

/// The lease held now, as the `locked` error shows it: holder, lease id, time left.
pub(crate) fn describe_current(
    connection: &PgConnection,
    location: &PostgresLocation,
) -> Result<Option<String>, StateError> {
    let rows = connection
        .run_one(Statement::rows(
            sql(
                location,
                "SELECT holder, lease_id, \
                     GREATEST(0, CEIL(EXTRACT(EPOCH FROM expires_at - clock_timestamp())))::int8 \
                 FROM {s}.leases WHERE store_id = $1",
            ),
            vec![text(location.store())],
        ))?
        .into_rows();
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let read = |index: usize| -> Result<String, StateError> {
        row.try_get::<_, String>(index)
            .map_err(|e| connection.protocol_error(&e.to_string()))
    };
    let seconds: i64 = row
        .try_get(2)
        .map_err(|e| connection.protocol_error(&e.to_string()))?;
    Ok(Some(format!(
        "{}, lease {}, expires in {seconds} s unless renewed",
        read(0)?,
        read(1)?
    )))
}

/// Deletes the lease `lease_id` of `location`'s store, whoever holds it: for a holder that died.
pub(crate) fn force_unlock(
    location: &PostgresLocation,
    lease_id: &str,
) -> Result<String, StateError> {
    let connection = PgConnection::connect(location)?;
    let rows = connection
        .run_one(Statement::rows(
            sql(
                location,
                "DELETE FROM {s}.leases WHERE store_id = $1 AND lease_id = $2 RETURNING holder",
            ),
            vec![text(location.store()), text(lease_id)],
        ))?
        .into_rows();
    match rows.first() {
        Some(row) => row
            .try_get::<_, String>(0)
            .map_err(|e| connection.protocol_error(&e.to_string())),
        None => Err(StateError::NoSuchLease {
            location: location.to_string(),
            lease_id: lease_id.to_string(),
            current: describe_current(&connection, location)?,
        }),
    }
}

/// The holder's renewing thread, with the lease's own connection.
struct Renewal {
    connection: PgConnection,
    location: PostgresLocation,
    lease_id: String,
    lease_ms: i64,
    every: Duration,
}

impl Renewal {
    fn run(mut self, stopped: mpsc::Receiver<()>) {
        // Until told to stop (the sender dropped): renew every third of the lease's life.
        while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(self.every) {
            if !self.renew() {
                // Lost: the store's next write finds out and stops (LeaseLost).
                return;
            }
        }
        if self.connection.is_closed() {
            if let Ok(connection) = PgConnection::connect(&self.location) {
                self.connection = connection;
            }
        }
        let _ = self.statement(
            "DELETE FROM {s}.leases WHERE store_id = $1 AND lease_id = $2",
            Vec::new(),
        );
    }

    /// Extends the lease; `false` once it is no longer this holder's. A failed renewal (the
    /// server is unreachable) is tried again next time, on a new connection.
    fn renew(&mut self) -> bool {
        match self.statement(
            "UPDATE {s}.leases SET renewed_at = clock_timestamp(), \
                 expires_at = clock_timestamp() + $3::float8 * interval '1 millisecond' \
             WHERE store_id = $1 AND lease_id = $2",
            vec![Param::Int(self.lease_ms)],
        ) {
            Ok(changed) => changed == 1,
            Err(_) => {
                if let Ok(connection) = PgConnection::connect(&self.location) {
                    self.connection = connection;
                }
                true
            }
        }
    }

    fn statement(&self, template: &str, more: Vec<Param>) -> Result<u64, StateError> {
        let mut params = vec![text(self.location.store()), text(&self.lease_id)];
        params.extend(more);
        self.connection
            .run_one(Statement::count(sql(&self.location, template), params))
            .map(|reply| reply.count())
    }
}
