//! Reading a spec's files from disk.

use std::path::{Path, PathBuf};

use thiserror::Error;

use tandem_ground::diagnostics::SourceMap;

/// A spec read from disk.
#[derive(Debug, Clone)]
pub struct LoadedSpec {
    /// The folder the spec lives in: the folder given, or the file's parent. Table paths are
    /// relative to it, and the `schemas/` search starts there.
    pub root: PathBuf,
    /// The spec's files, named as the user would recognise them (the path given, joined
    /// with the file name for a folder).
    pub sources: SourceMap,
    /// The path of each file, in the same order as `sources` (so `FileId(i)` is `files[i]`).
    pub files: Vec<PathBuf>,
}

/// Why a spec could not be read. IO errors have no source span, so each names the path
/// instead of pointing into a file; each still carries its permanent code.
#[derive(Debug, Error, miette::Diagnostic)]
pub enum LoadError {
    #[error("{} does not exist", path.display())]
    #[diagnostic(code(tandem::project::not_found))]
    NotFound { path: PathBuf },
    #[error("{} is not a tandem spec: a spec is a `.tandem` file or a folder of them", path.display())]
    #[diagnostic(code(tandem::project::not_a_spec))]
    NotASpecFile { path: PathBuf },
    #[error("the folder {} holds no `.tandem` files", path.display())]
    #[diagnostic(code(tandem::project::empty_folder))]
    EmptyFolder { path: PathBuf },
    #[error("cannot read {}: {source}", path.display())]
    #[diagnostic(code(tandem::project::unreadable))]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The specs at `path`: the path itself when it is a `.tandem` file or a folder holding
/// `.tandem` files; otherwise each immediate subfolder that holds them (a folder of specs,
/// like `specs/`), in name order.
pub fn discover_specs(path: &Path) -> Result<Vec<PathBuf>, LoadError> {
    if !path.is_dir() || has_spec_files(path)? {
        return Ok(vec![path.to_path_buf()]);
    }
    let unreadable = |source| LoadError::Unreadable {
        path: path.to_path_buf(),
        source,
    };
    let mut specs = Vec::new();
    for entry in std::fs::read_dir(path).map_err(unreadable)? {
        let candidate = entry.map_err(unreadable)?.path();
        if candidate.is_dir() && has_spec_files(&candidate)? {
            specs.push(candidate);
        }
    }
    if specs.is_empty() {
        return Err(LoadError::EmptyFolder {
            path: path.to_path_buf(),
        });
    }
    specs.sort();
    Ok(specs)
}

fn has_spec_files(folder: &Path) -> Result<bool, LoadError> {
    let unreadable = |source| LoadError::Unreadable {
        path: folder.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(folder).map_err(unreadable)? {
        let path = entry.map_err(unreadable)?.path();
        if path.is_file() && path.extension().is_some_and(|ext| ext == "tandem") {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Reads one `.tandem` file, or every `*.tandem` file directly inside a folder (sorted by
/// file name, so the spec's meaning never depends on directory order).
pub fn load_spec(path: &Path) -> Result<LoadedSpec, LoadError> {
    let metadata = std::fs::metadata(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => LoadError::NotFound {
            path: path.to_path_buf(),
        },
        _ => LoadError::Unreadable {
            path: path.to_path_buf(),
            source,
        },
    })?;
    let files = if metadata.is_dir() {
        spec_files_in(path)?
    } else if path.extension().is_some_and(|ext| ext == "tandem") {
        vec![path.to_path_buf()]
    } else {
        return Err(LoadError::NotASpecFile {
            path: path.to_path_buf(),
        });
    };
    let root = if metadata.is_dir() {
        path.to_path_buf()
    } else {
        path.parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    };
    let mut sources = SourceMap::new();
    for file in &files {
        let text = std::fs::read_to_string(file).map_err(|source| LoadError::Unreadable {
            path: file.clone(),
            source,
        })?;
        sources.add(display_path(file), text);
    }
    Ok(LoadedSpec {
        root,
        sources,
        files,
    })
}

fn spec_files_in(folder: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let unreadable = |source| LoadError::Unreadable {
        path: folder.to_path_buf(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(folder).map_err(unreadable)? {
        let path = entry.map_err(unreadable)?.path();
        if path.is_file() && path.extension().is_some_and(|ext| ext == "tandem") {
            files.push(path);
        }
    }
    if files.is_empty() {
        return Err(LoadError::EmptyFolder {
            path: folder.to_path_buf(),
        });
    }
    files.sort();
    Ok(files)
}

/// Paths in messages use `/` on every platform, so reports and snapshots read the same.
fn display_path(path: &Path) -> String {
    let text = path.display().to_string();
    let text = text.strip_prefix("./").unwrap_or(&text);
    text.replace('\\', "/")
}

/// The nearest `schemas/` folder: in `root` or the closest of its ancestors.
pub fn find_schemas_dir(root: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(root).ok()?;
    absolute
        .ancestors()
        .map(|folder| folder.join("schemas"))
        .find(|candidate| candidate.is_dir())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_files_load_in_sorted_order_and_other_files_are_ignored() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("b.tandem"), "connection sf: salesforce\n").expect("write");
        std::fs::write(dir.path().join("a.tandem"), "connection hs: hubspot\n").expect("write");
        std::fs::write(dir.path().join("notes.md"), "not a spec").expect("write");
        let loaded = load_spec(dir.path()).expect("loads");
        let names: Vec<String> = loaded
            .sources
            .files()
            .map(|(_, file)| file.name.rsplit('/').next().unwrap_or("").to_string())
            .collect();
        assert_eq!(names, ["a.tandem", "b.tandem"]);
        assert_eq!(loaded.root, dir.path());
    }

    #[test]
    fn a_folder_of_spec_folders_is_several_specs() {
        let dir = tempfile::tempdir().expect("temp dir");
        for name in ["b", "a", "empty"] {
            std::fs::create_dir_all(dir.path().join(name)).expect("mkdir");
        }
        std::fs::write(dir.path().join("a/x.tandem"), "").expect("write");
        std::fs::write(dir.path().join("b/y.tandem"), "").expect("write");
        let specs = discover_specs(dir.path()).expect("found");
        assert_eq!(specs, [dir.path().join("a"), dir.path().join("b")]);
        assert_eq!(
            discover_specs(&dir.path().join("a")).expect("found"),
            [dir.path().join("a")]
        );
        assert!(matches!(
            discover_specs(&dir.path().join("empty")),
            Err(LoadError::EmptyFolder { .. })
        ));
    }

    #[test]
    fn missing_path_and_wrong_extension_are_named() {
        let dir = tempfile::tempdir().expect("temp dir");
        let missing = dir.path().join("nope.tandem");
        assert!(matches!(
            load_spec(&missing),
            Err(LoadError::NotFound { .. })
        ));
        let other = dir.path().join("spec.txt");
        std::fs::write(&other, "x").expect("write");
        assert!(matches!(
            load_spec(&other),
            Err(LoadError::NotASpecFile { .. })
        ));
        assert!(matches!(
            load_spec(dir.path()),
            Err(LoadError::EmptyFolder { .. })
        ));
    }

    #[test]
    fn schemas_folder_is_found_in_an_ancestor() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("schemas")).expect("mkdir");
        std::fs::create_dir_all(dir.path().join("specs/revops")).expect("mkdir");
        let found = find_schemas_dir(&dir.path().join("specs/revops")).expect("found");
        assert!(found.ends_with("schemas"));
        assert!(found.starts_with(std::path::absolute(dir.path()).expect("absolute")));
    }
}
