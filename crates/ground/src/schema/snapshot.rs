//! Reading and writing the committed snapshots `schemas/hubspot.yaml` and
//! `schemas/salesforce.yaml`.
//!
//! The YAML is what `serde_yaml` makes of [`SchemaSnapshot`]: maps are `BTreeMap`s and default
//! attributes are skipped, so the same schema always serializes to the same bytes and a
//! one-field change makes a small diff. Writes are atomic (a temporary file renamed over the
//! old one), so an interrupted `tandem schema pull` never leaves half a snapshot behind.

use std::path::{Path, PathBuf};

use thiserror::Error;

use super::model::{SCHEMA_FORMAT_VERSION, SchemaSnapshot, Schemas, System};

/// Why a snapshot could not be read or written. Each variant names the file.
#[derive(Debug, Error)]
pub enum SnapshotError {
    #[error("cannot read the schema folder {}: {source}", dir.display())]
    UnreadableDir {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "no schema snapshots in {}: expected hubspot.yaml and/or salesforce.yaml \
         (run `tandem schema pull`, or pass --schemas DIR)",
        dir.display()
    )]
    NoSnapshots { dir: PathBuf },
    #[error("cannot read {}: {source}", path.display())]
    UnreadableFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not a valid schema snapshot{}: {message}", path.display(), location(*line, *column))]
    Invalid {
        path: PathBuf,
        line: Option<usize>,
        column: Option<usize>,
        message: String,
    },
    #[error(
        "{} says it is the {found} snapshot, but the file name says {expected}",
        path.display(),
        found = found.display_name(),
        expected = expected.display_name()
    )]
    WrongSystem {
        path: PathBuf,
        expected: System,
        found: System,
    },
    #[error(
        "{} has snapshot format version {found}, but this tandem reads version {expected} \
         (re-run `tandem schema pull` to refresh it)",
        path.display()
    )]
    UnsupportedFormatVersion {
        path: PathBuf,
        found: u32,
        expected: u32,
    },
    #[error("cannot serialize the {} snapshot: {message}", system.display_name())]
    Unserializable { system: System, message: String },
    #[error("cannot write {}: {source}", path.display())]
    UnwritableFile {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl SnapshotError {
    /// The file (or folder) the error is about.
    pub fn path(&self) -> &Path {
        match self {
            SnapshotError::UnreadableDir { dir, .. } | SnapshotError::NoSnapshots { dir } => dir,
            SnapshotError::UnreadableFile { path, .. }
            | SnapshotError::Invalid { path, .. }
            | SnapshotError::WrongSystem { path, .. }
            | SnapshotError::UnsupportedFormatVersion { path, .. }
            | SnapshotError::UnwritableFile { path, .. } => path,
            SnapshotError::Unserializable { .. } => Path::new(""),
        }
    }

    /// The system whose snapshot is at fault, when the error is about one file.
    pub fn system(&self) -> Option<System> {
        if let SnapshotError::Unserializable { system, .. } = self {
            return Some(*system);
        }
        let name = self.path().file_name()?.to_str()?;
        [System::Hubspot, System::Salesforce]
            .into_iter()
            .find(|system| file_name(*system) == name)
    }
}

fn location(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(line), Some(column)) => format!(" (line {line}, column {column})"),
        (Some(line), None) => format!(" (line {line})"),
        _ => String::new(),
    }
}

/// The file name a system's snapshot lives under.
pub fn file_name(system: System) -> &'static str {
    match system {
        System::Hubspot => "hubspot.yaml",
        System::Salesforce => "salesforce.yaml",
    }
}

/// Parses one snapshot. `path` only names the source in errors.
pub fn from_yaml(text: &str, path: &Path) -> Result<SchemaSnapshot, SnapshotError> {
    let snapshot: SchemaSnapshot =
        serde_yaml::from_str(text).map_err(|error| SnapshotError::Invalid {
            path: path.to_path_buf(),
            line: error.location().map(|location| location.line()),
            column: error.location().map(|location| location.column()),
            message: error.to_string(),
        })?;
    if snapshot.format_version != SCHEMA_FORMAT_VERSION {
        return Err(SnapshotError::UnsupportedFormatVersion {
            path: path.to_path_buf(),
            found: snapshot.format_version,
            expected: SCHEMA_FORMAT_VERSION,
        });
    }
    Ok(snapshot)
}

/// Serializes one snapshot in the canonical layout (what [`write_dir`] writes).
pub fn to_yaml(snapshot: &SchemaSnapshot) -> Result<String, SnapshotError> {
    serde_yaml::to_string(snapshot).map_err(|error| SnapshotError::Unserializable {
        system: snapshot.system,
        message: error.to_string(),
    })
}

/// Reads one snapshot file and checks it belongs to `system`.
pub fn load_file(path: &Path, system: System) -> Result<SchemaSnapshot, SnapshotError> {
    let text = std::fs::read_to_string(path).map_err(|source| SnapshotError::UnreadableFile {
        path: path.to_path_buf(),
        source,
    })?;
    let snapshot = from_yaml(&text, path)?;
    if snapshot.system != system {
        return Err(SnapshotError::WrongSystem {
            path: path.to_path_buf(),
            expected: system,
            found: snapshot.system,
        });
    }
    Ok(snapshot)
}

/// Loads `hubspot.yaml` and `salesforce.yaml` from `dir`. Either may be absent (a spec may
/// use one system only); both absent is an error, as is any file that does not parse.
pub fn load_dir(dir: &Path) -> Result<Schemas, SnapshotError> {
    if !dir.is_dir() {
        let source = match std::fs::metadata(dir) {
            Err(error) => error,
            Ok(_) => std::io::Error::other("not a directory"),
        };
        return Err(SnapshotError::UnreadableDir {
            dir: dir.to_path_buf(),
            source,
        });
    }
    let mut schemas = Schemas::new();
    for system in [System::Hubspot, System::Salesforce] {
        let path = dir.join(file_name(system));
        if path.exists() {
            schemas.insert(load_file(&path, system)?);
        }
    }
    if schemas.by_system.is_empty() {
        return Err(SnapshotError::NoSnapshots {
            dir: dir.to_path_buf(),
        });
    }
    Ok(schemas)
}

/// Writes every snapshot in `schemas` to `dir` (created if missing), each atomically, and
/// returns the paths written. Every snapshot is serialized before anything is written, so a
/// serialization failure leaves the folder untouched.
pub fn write_dir(dir: &Path, schemas: &Schemas) -> Result<Vec<PathBuf>, SnapshotError> {
    let mut rendered = Vec::new();
    for (system, snapshot) in &schemas.by_system {
        rendered.push((dir.join(file_name(*system)), to_yaml(snapshot)?));
    }
    std::fs::create_dir_all(dir).map_err(|source| SnapshotError::UnwritableFile {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut written = Vec::new();
    for (path, text) in rendered {
        write_atomically(&path, &text)?;
        written.push(path);
    }
    Ok(written)
}

fn write_atomically(path: &Path, text: &str) -> Result<(), SnapshotError> {
    let temporary = path.with_extension("yaml.tmp");
    let fail = |source| SnapshotError::UnwritableFile {
        path: path.to_path_buf(),
        source,
    };
    std::fs::write(&temporary, text).map_err(fail)?;
    std::fs::rename(&temporary, path).map_err(|source| {
        let _ = std::fs::remove_file(&temporary);
        SnapshotError::UnwritableFile {
            path: path.to_path_buf(),
            source,
        }
    })
}
