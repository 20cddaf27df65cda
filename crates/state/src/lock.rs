//! The apply lock: an exclusive OS file lock on `state.db.lock` beside the store.
//!
//! An OS lock (not a "lock row" in the database) is released by the kernel when the holder
//! dies, so a `kill -9` mid-apply never leaves a lock behind that a human must clear.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::StateError;

/// Held for the whole of an apply; dropping it releases the lock.
#[derive(Debug)]
pub struct ApplyLock {
    file: File,
    path: PathBuf,
}

impl ApplyLock {
    /// Takes the lock or fails at once (two applies never wait on each other silently).
    pub fn acquire(lock_path: &Path) -> Result<ApplyLock, StateError> {
        let mut file = open_private(lock_path).map_err(|source| StateError::Io {
            path: lock_path.display().to_string(),
            source,
        })?;
        match try_lock_exclusive(&file) {
            Ok(true) => {}
            Ok(false) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                return Err(StateError::Locked {
                    path: lock_path.display().to_string(),
                    holder: holder.trim().to_string(),
                });
            }
            Err(source) => {
                return Err(StateError::Io {
                    path: lock_path.display().to_string(),
                    source,
                });
            }
        }
        // Record who holds it so the message another process prints can name the holder.
        let _ = file.set_len(0);
        let _ = file.seek(SeekFrom::Start(0));
        let _ = writeln!(file, "pid {}", std::process::id());
        let _ = file.flush();
        Ok(ApplyLock {
            file,
            path: lock_path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ApplyLock {
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
