//! `tandem state migrate`: copies a whole store between backends (SQLite to PostgreSQL or
//! back, or between two of either), keeping its lineage, serial and ids, so a saved plan made
//! against the source is still valid against the copy.
//!
//! Both stores are locked for the copy. The destination must be empty (never written) unless
//! `replace` is set; the copy is one transaction there; and success is reported only after
//! the destination was read back and matched the source row for row (counts per table and a
//! SHA-256 digest over every row).

use crate::{LockOptions, StateError, StateLocation, StateStore};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MigrateOptions {
    /// Overwrite a destination that already holds a store.
    pub replace: bool,
    /// How long to wait for each store's apply lock.
    pub lock: LockOptions,
}

/// What was copied, for the CLI to show.
#[derive(Debug, Clone, PartialEq)]
pub struct MigrateReport {
    /// Both locations as they display (no password).
    pub source: String,
    pub destination: String,
    pub serial: i64,
    pub lineage: String,
    /// Rows per table, as copied and as read back.
    pub counts: Vec<(&'static str, u64)>,
    /// SHA-256 over every row, the same for the source and the copy.
    pub digest: String,
}

pub fn migrate(
    from: &StateLocation,
    to: &StateLocation,
    options: &MigrateOptions,
) -> Result<MigrateReport, StateError> {
    if from == to {
        return Err(StateError::InvalidLocation {
            text: to.to_string(),
            reason: "it is the store being migrated from".to_string(),
        });
    }
    let source = StateStore::open(from)?;
    let _source_lock = source.lock_with(options.lock)?;
    let mut destination = StateStore::open(to)?;
    let _destination_lock = destination.lock_with(options.lock)?;
    let dump = source.export()?;
    destination.import(&dump, options.replace)?;
    let copy = destination.export()?;
    let mismatch = |what: String| StateError::MigrateVerifyFailed {
        source_location: from.to_string(),
        destination: to.to_string(),
        what,
    };
    if copy.counts() != dump.counts() {
        return Err(mismatch(format!(
            "rows per table {:?}, expected {:?}",
            copy.counts(),
            dump.counts()
        )));
    }
    if copy.serial != dump.serial || copy.lineage != dump.lineage || copy.seal_key != dump.seal_key
    {
        return Err(mismatch(format!(
            "serial {} lineage {}, expected serial {} lineage {}",
            copy.serial, copy.lineage, dump.serial, dump.lineage
        )));
    }
    let digest = dump.digest();
    let copied = copy.digest();
    if copied != digest {
        return Err(mismatch(format!("digest {copied}, expected {digest}")));
    }
    Ok(MigrateReport {
        source: from.to_string(),
        destination: to.to_string(),
        serial: dump.serial,
        lineage: dump.lineage.clone(),
        counts: dump.counts(),
        digest,
    })
}
