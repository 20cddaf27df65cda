//! The tokio runtime a command's async work runs on.

use super::error::CliError;

/// A runtime with `workers` threads (`None`: one per core).
pub fn start(workers: Option<usize>) -> Result<tokio::runtime::Runtime, CliError> {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(workers) = workers {
        builder.worker_threads(workers);
    }
    builder
        .enable_all()
        .build()
        .map_err(|source| CliError::AsyncRuntime { source })
}

/// The runtime `plan`, `apply` and `demo` drive the session on: two workers are plenty for
/// two CRMs and keep the process small.
pub fn for_session() -> Result<tokio::runtime::Runtime, CliError> {
    start(Some(2))
}
