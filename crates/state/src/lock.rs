//! The apply lock, the same API on both backends: [`crate::StateStore::lock_with`] takes it
//! (failing at once, or waiting up to [`LockOptions::wait`]), dropping the [`ApplyLock`]
//! releases it, and a failure names the holder.
//!
//! SQLite: an exclusive OS file lock on `state.db.lock`, released by the kernel when its holder
//! dies, so it never needs forcing. PostgreSQL: a lease row (holder, expiry) that a thread of
//! the holder renews; a holder that dies leaves a lease that expires, or that
//! `force_unlock` removes at once. See `crate::postgres::lease` for why a lease.

use std::time::Duration;

use crate::StateError;
use crate::postgres::lease::Lease;
use crate::sqlite::file_lock::FileLock;

/// How long a PostgreSQL lease lives without renewal; its holder renews it every third of it.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockOptions {
    /// How long to wait for another holder to let go; zero fails at once (`--lock-timeout`).
    pub wait: Duration,
    /// PostgreSQL only: how long the lease outlives its holder's last renewal.
    pub lease: Duration,
}

impl Default for LockOptions {
    fn default() -> Self {
        LockOptions {
            wait: Duration::ZERO,
            lease: DEFAULT_LEASE,
        }
    }
}

impl LockOptions {
    pub fn waiting(wait: Duration) -> LockOptions {
        LockOptions {
            wait,
            ..LockOptions::default()
        }
    }
}

/// Held for the whole of an apply; dropping it releases the lock.
#[derive(Debug)]
pub struct ApplyLock {
    pub(crate) held: HeldLock,
}

#[derive(Debug)]
pub(crate) enum HeldLock {
    File(FileLock),
    Lease(Lease),
}

impl ApplyLock {
    /// Who holds it, as others see it: `pid 4242 on build-7`.
    pub fn holder(&self) -> &str {
        match &self.held {
            HeldLock::File(lock) => lock.holder(),
            HeldLock::Lease(lease) => lease.holder(),
        }
    }

    /// The lease's id (PostgreSQL), which `force_unlock` takes; `None` for a SQLite lock.
    pub fn lease_id(&self) -> Option<&str> {
        match &self.held {
            HeldLock::File(_) => None,
            HeldLock::Lease(lease) => Some(lease.lease_id()),
        }
    }
}

/// The error for a lock held by `holder`: `Locked` when this process did not wait, else
/// `LockTimeout` with how long it waited.
pub(crate) fn refusal(location: String, holder: String, waited: Duration) -> StateError {
    if waited.is_zero() {
        StateError::Locked {
            path: location,
            holder,
        }
    } else {
        StateError::LockTimeout {
            location,
            holder,
            waited_ms: waited.as_millis() as u64,
        }
    }
}

/// What others see of a lock's holder: the process and the machine.
pub(crate) fn holder_description() -> String {
    format!("pid {} on {}", std::process::id(), host_name())
}

fn host_name() -> String {
    #[cfg(unix)]
    {
        let mut buffer = [0u8; 256];
        // SAFETY: gethostname writes at most `len` bytes into the buffer it is given.
        let result =
            unsafe { libc::gethostname(buffer.as_mut_ptr().cast::<libc::c_char>(), buffer.len()) };
        if result == 0 {
            let end = buffer.iter().position(|b| *b == 0).unwrap_or(buffer.len());
            if let Ok(name) = std::str::from_utf8(&buffer[..end]) {
                if !name.is_empty() {
                    return name.to_string();
                }
            }
        }
    }
    "an unknown host".to_string()
}
