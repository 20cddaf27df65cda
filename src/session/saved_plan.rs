//! Plan files: `tandem plan --out FILE` writes one, `tandem apply FILE` applies exactly it.
//! A plan file is the Plan plus where its spec and state live, so apply finds them again.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::SessionError;
use super::options::SpecLocation;
use crate::plan::{PLAN_FORMAT_VERSION, Plan};
use crate::runtime::ApplyError;

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

/// The versions of a plan file, read without the rest of it.
#[derive(Debug, Deserialize)]
struct SavedPlanHeader {
    format_version: u32,
    plan: PlanHeader,
}

#[derive(Debug, Deserialize)]
struct PlanHeader {
    format_version: u32,
}

impl SavedPlanHeader {
    /// Why a plan file of these versions is refused: the file's own format first, then the
    /// Plan's inside it (which apply would refuse too).
    fn refusal(&self, path: &Path) -> SessionError {
        if self.format_version != SAVED_PLAN_FORMAT_VERSION {
            return SessionError::PlanFileFormat {
                path: path.to_path_buf(),
                found: self.format_version,
                known: SAVED_PLAN_FORMAT_VERSION,
            };
        }
        SessionError::Apply(ApplyError::PlanFormat {
            found: self.plan.format_version,
            known: PLAN_FORMAT_VERSION,
        })
    }
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
        let error = match serde_json::from_reader::<_, SavedPlan>(std::io::BufReader::new(file)) {
            Ok(saved) => return saved.refuse_other_formats(path).map(|()| saved),
            Err(error) if error.is_io() => return Err(unreadable(std::io::Error::from(error))),
            Err(error) => error,
        };
        // A file of another format rarely has this one's shape: read its versions alone, so
        // an old plan is refused as old rather than as not a plan.
        let header = std::fs::File::open(path)
            .ok()
            .and_then(|file| {
                serde_json::from_reader::<_, SavedPlanHeader>(std::io::BufReader::new(file)).ok()
            })
            .filter(|header| {
                header.format_version != SAVED_PLAN_FORMAT_VERSION
                    || header.plan.format_version != PLAN_FORMAT_VERSION
            });
        match header {
            Some(header) => Err(header.refusal(path)),
            None => Err(SessionError::NotAPlanFile {
                path: path.to_path_buf(),
                source: error,
            }),
        }
    }

    fn refuse_other_formats(&self, path: &Path) -> Result<(), SessionError> {
        let header = SavedPlanHeader {
            format_version: self.format_version,
            plan: PlanHeader {
                format_version: self.plan.format_version,
            },
        };
        if header.format_version == SAVED_PLAN_FORMAT_VERSION
            && header.plan.format_version == PLAN_FORMAT_VERSION
        {
            return Ok(());
        }
        Err(header.refusal(path))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn file_with(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("plan.json");
        std::fs::write(&path, text).expect("plan file");
        (dir, path)
    }

    #[test]
    fn a_plan_file_of_another_format_is_refused_as_such_even_when_its_shape_differs() {
        let (_dir, path) = file_with(
            r#"{"format_version": 2, "spec": "/s", "state": "/t", "plan": {"format_version": 1}}"#,
        );
        match SavedPlan::load(&path) {
            Err(SessionError::PlanFileFormat { found, known, .. }) => {
                assert_eq!((found, known), (2, SAVED_PLAN_FORMAT_VERSION))
            }
            other => panic!("expected the file format refused, got {other:?}"),
        }
    }

    #[test]
    fn a_plan_of_another_format_inside_a_current_file_is_refused_as_an_old_plan() {
        let (_dir, path) = file_with(
            r#"{"format_version": 1, "spec": "/s", "state": "/t", "plan": {"format_version": 99, "syncs": {}}}"#,
        );
        match SavedPlan::load(&path) {
            Err(SessionError::Apply(ApplyError::PlanFormat { found, known })) => {
                assert_eq!((found, known), (99, PLAN_FORMAT_VERSION))
            }
            other => panic!("expected the Plan's format refused, got {other:?}"),
        }
    }

    #[test]
    fn a_file_that_is_not_a_plan_says_so_and_a_missing_one_cannot_be_read() {
        let (dir, path) = file_with("just some notes\n");
        assert!(SavedPlan::is_plan_file(&path));
        assert!(matches!(
            SavedPlan::load(&path),
            Err(SessionError::NotAPlanFile { .. })
        ));
        let missing = dir.path().join("missing.json");
        assert!(matches!(
            SavedPlan::load(&missing),
            Err(SessionError::PlanFileUnreadable { .. })
        ));
        let spec = dir.path().join("spec.tandem");
        std::fs::write(&spec, "").expect("spec");
        assert!(!SavedPlan::is_plan_file(&spec));
    }
}
