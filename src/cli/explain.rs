//! `tandem explain CODE`: what a diagnostic code means.

use std::process::ExitCode;

use clap::Args;

use super::error::CliError;
use crate::diagnostics::{REGISTRY, lookup_code};

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A code such as `tandem::syntax::expected_arrow`; omit it to list every code.
    pub code: Option<String>,
}

pub fn run(args: ExplainArgs) -> Result<ExitCode, CliError> {
    match args.code {
        None => {
            for registered in REGISTRY {
                println!("{:<48} {}", registered.code, registered.summary);
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(code) => match lookup_code(&code) {
            Some(registered) => {
                println!("{}\n\n{}", registered.code, registered.summary);
                Ok(ExitCode::SUCCESS)
            }
            None => Err(CliError::UnknownCode { code }),
        },
    }
}
