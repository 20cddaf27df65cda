//! The SQLite apply lock: an exclusive OS file lock on `state.db.lock` beside the store.
//!
//! An OS lock (not a "lock row" in the database) is released by the kernel when the holder
//! dies, so a `kill -9` mid-apply never leaves a lock behind that a human must clear.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::StateError;
use crate::lock::holder_description;

/// How often a waiting process tries the lock again.
const RETRY_EVERY: Duration = Duration::from_millis(50);

#[derive(Debug)]
pub(crate) struct FileLock {
    file: File,
    holder: String,
}

impl FileLock {
    /// Takes the lock, waiting up to `wait` for another holder to let go (zero: fail at once).
    pub(crate) fn acquire(lock_path: &Path, wait: Duration) -> Result<FileLock, StateError> {
        let io_error = |source| StateError::Io {
            location: lock_path.display().to_string(),
            source,
        };
        let mut file = open_private(lock_path).map_err(io_error)?;
        let started = Instant::now();
        loop {
            if try_lock_exclusive(&file).map_err(io_error)? {
                break;
            }
            if started.elapsed() >= wait {
                let mut holder = String::new();
                let _ = file.seek(SeekFrom::Start(0));
                let _ = file.read_to_string(&mut holder);
                return Err(crate::lock::refusal(
                    lock_path.display().to_string(),
                    holder.trim().to_string(),
                    wait,
                ));
            }
            std::thread::sleep(RETRY_EVERY.min(wait.saturating_sub(started.elapsed())));
        }
        // Record who holds it so the message another process prints can name the holder.
        let holder = holder_description();
        let _ = file.set_len(0);
        let _ = file.seek(SeekFrom::Start(0));
        let _ = writeln!(file, "{holder}");
        let _ = file.flush();
        Ok(FileLock { file, holder })
    }

    pub(crate) fn holder(&self) -> &str {
        &self.holder
    }
}

/// Who holds the lock at `lock_path` now, if anyone (for `force_unlock`'s refusal).
pub(crate) fn current_holder(lock_path: &Path) -> Option<String> {
    let mut file = File::open(lock_path).ok()?;
    if try_lock_exclusive(&file).ok()? {
        unlock(&file);
        return None;
    }
    let mut holder = String::new();
    file.read_to_string(&mut holder).ok()?;
    Some(holder.trim().to_string())
}

impl Drop for FileLock {
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
        unlock(&self.file);
    }
}

/// `flock(LOCK_EX | LOCK_NB)`: `Ok(false)` when another process holds the lock.
#[cfg(unix)]
fn try_lock_exclusive(file: &File) -> std::io::Result<bool> {
    use std::os::unix::io::AsRawFd;
    // SAFETY: flock only reads the descriptor, which `file` keeps open for the call.
    let result = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if result == 0 {
        return Ok(true);
    }
    let error = std::io::Error::last_os_error();
    if error.raw_os_error() == Some(libc::EWOULDBLOCK) {
        Ok(false)
    } else {
        Err(error)
    }
}

#[cfg(unix)]
fn unlock(file: &File) {
    use std::os::unix::io::AsRawFd;
    // SAFETY: as above; closing the file would release the lock anyway.
    unsafe {
        libc::flock(file.as_raw_fd(), libc::LOCK_UN);
    }
}

#[cfg(not(unix))]
fn try_lock_exclusive(_file: &File) -> std::io::Result<bool> {
    Ok(true)
}

#[cfg(not(unix))]
fn unlock(_file: &File) {}

/// Opens (creating if needed) a file readable and writable by its owner only.
pub(crate) fn open_private(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}
