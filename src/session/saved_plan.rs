//! Plan files: `tandem plan --out FILE` writes one, `tandem apply FILE` applies exactly it.
//! A plan file is the Plan plus where its spec and state live, so apply finds them again.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::SessionError;
use super::options::SpecLocation;
use crate::plan::Plan;

/// The plan file format this tandem reads and writes.
pub const SAVED_PLAN_FORMAT_VERSION: u32 = 1;

/// A plan file: the Plan plus where its spec and state live.
#[derive(Debug, Serialize, Deserialize)]
pub struct SavedPlan {
    pub format_version: u32,
    pub spec: PathBuf,
    pub state: PathBuf,
    pub plan: Plan,
}

impl SavedPlan {
    /// A plan file for `plan`, made from the spec and state at `location` (stored absolute,
    /// so apply finds them from any folder).
    pub fn new(plan: Plan, location: &SpecLocation) -> SavedPlan {
        let absolute = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        SavedPlan {
            format_version: SAVED_PLAN_FORMAT_VERSION,
            spec: absolute(&location.spec),
            state: absolute(&location.state_path()),
            plan,
        }
    }

    /// Whether `tandem apply PATH` names a plan file rather than a spec: any file that is
    /// not a `.tandem` file.
    pub fn is_plan_file(path: &Path) -> bool {
        path.is_file() && path.extension().is_none_or(|ext| ext != "tandem")
    }

    /// Reads a plan file, refusing one of another format.
    pub fn load(path: &Path) -> Result<SavedPlan, SessionError> {
        let unreadable = |source| SessionError::PlanFileUnreadable {
            path: path.to_path_buf(),
            source,
        };
        let file = std::fs::File::open(path).map_err(unreadable)?;
        // Parsed straight from the file: a large plan's text never sits beside the Plan.
        match serde_json::from_reader::<_, SavedPlan>(std::io::BufReader::new(file)) {
            Ok(saved) if saved.format_version == SAVED_PLAN_FORMAT_VERSION => Ok(saved),
            Ok(saved) => Err(SessionError::PlanFileFormat {
                path: path.to_path_buf(),
                found: saved.format_version,
                known: SAVED_PLAN_FORMAT_VERSION,
            }),
            Err(error) if error.is_io() => Err(unreadable(std::io::Error::from(error))),
            Err(source) => Err(SessionError::NotAPlanFile {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// Where the plan's spec and state are: the state given (`--state`) wins over the one
    /// the plan was made with.
    pub fn location(&self, state: Option<PathBuf>, schemas: Option<PathBuf>) -> SpecLocation {
        SpecLocation {
            spec: self.spec.clone(),
            state: state.or_else(|| Some(self.state.clone())),
            schemas,
        }
    }

    /// Writes the plan file beside `path` and renames it over, so an interrupted save never
    /// leaves half a plan. Serialized straight to the file: a large Plan's text never sits
    /// in memory beside the Plan.
    pub fn save(&self, path: &Path) -> Result<(), SessionError> {
        let temporary = path.with_extension("tmp");
        let write = || -> std::io::Result<()> {
            let mut out = std::io::BufWriter::new(std::fs::File::create(&temporary)?);
            serde_json::to_writer_pretty(&mut out, self)?;
            out.into_inner().map_err(|e| e.into_error())?.sync_all()
        };
        write()
            .and_then(|_| std::fs::rename(&temporary, path))
            .map_err(|source| SessionError::PlanFileUnwritable {
                path: path.to_path_buf(),
                source,
            })
    }
}
