//! `tandem fmt [--check] PATH`: rewrite specs in canonical form, or (`--check`) list the
//! files that would change and exit 1.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use super::error::CliError;
use crate::diagnostics::{Diag, render_human, sort_for_output};
use crate::project::{discover_specs, load_spec};
use crate::syntax::format_source;

#[derive(Debug, Args)]
pub struct FmtArgs {
    /// A `.tandem` file, or a folder whose `*.tandem` files form one spec.
    pub path: PathBuf,
    /// Change nothing; list the files that are not formatted and exit 1 if there are any.
    #[arg(long)]
    pub check: bool,
}

pub fn run(args: FmtArgs) -> Result<ExitCode, CliError> {
    let loaded: Result<Vec<_>, _> = discover_specs(&args.path)
        .and_then(|specs| specs.iter().map(|spec| load_spec(spec)).collect());
    let loaded = loaded?;
    // Format everything first: if any file does not parse, nothing is written.
    let mut formatted = Vec::new();
    let mut broken = false;
    for spec in &loaded {
        let mut diags: Vec<Diag> = Vec::new();
        for ((file, source), path) in spec.sources.files().zip(&spec.files) {
            match format_source(file, &source.text) {
                Ok(text) => {
                    formatted.push((path, source.name.clone(), *source.text != *text, text))
                }
                Err(file_diags) => diags.extend(file_diags),
            }
        }
        if !diags.is_empty() {
            broken = true;
            sort_for_output(&mut diags);
            let colour = std::io::stderr().is_terminal();
            eprint!("{}", render_human(&diags, &spec.sources, colour, 100));
        }
    }
    if broken {
        return Err(CliError::FmtSyntaxErrors { path: args.path });
    }
    let changed: Vec<_> = formatted
        .iter()
        .filter(|(_, _, changed, _)| *changed)
        .collect();
    if args.check {
        for (_, name, _, _) in &changed {
            println!("would reformat {name}");
        }
        if changed.is_empty() {
            println!("{} file(s) already formatted", formatted.len());
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!(
            "{} file(s) would be reformatted (run `tandem fmt {}`)",
            changed.len(),
            args.path.display()
        );
        return Ok(ExitCode::from(1));
    }
    for (path, name, _, text) in &changed {
        write_atomically(path, text).map_err(|source| CliError::FmtWriteFailed {
            name: name.clone(),
            source,
        })?;
        println!("formatted {name}");
    }
    if changed.is_empty() {
        println!("{} file(s) already formatted", formatted.len());
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes through a temporary file in the same folder and renames it over the original, so
/// an interrupted run never leaves a half-written spec.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temporary = tempfile_in(folder)?;
    std::io::Write::write_all(&mut temporary.1, text.as_bytes())?;
    temporary.1.sync_all()?;
    std::fs::rename(&temporary.0, path)
}

fn tempfile_in(folder: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    for attempt in 0..100u32 {
        let candidate = folder.join(format!(".tandem-fmt-{}-{attempt}.tmp", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(file) => return Ok((candidate, file)),
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(error) => return Err(error),
        }
    }
    Err(std::io::Error::other("no free temporary file name"))
}
