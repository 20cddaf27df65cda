//! `tandem sandbox`: serve local HubSpot and Salesforce APIs until Ctrl-C or SIGTERM.
//!
//! First prints four lines a shell can eval (`TANDEM_HUBSPOT_URL=...` and friends), then
//! serves; on stop, saves to `--data-dir` when given.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::error::CliError;
use crate::sandbox::{CustomCatalog, Sandbox, SandboxConfig};

#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// HubSpot port on 127.0.0.1 (0 picks a free port).
    #[arg(long, default_value_t = 0)]
    pub hubspot_port: u16,
    /// Salesforce port on 127.0.0.1 (0 picks a free port).
    #[arg(long, default_value_t = 0)]
    pub salesforce_port: u16,
    /// Seed for the data generator (same seed, same data).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Records generated per standard object.
    #[arg(long, default_value_t = 100)]
    pub records: usize,
    /// YAML file declaring custom objects and fields.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Load from and save to this directory, so data survives restarts.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Deliver HubSpot webhook events to this URL.
    #[arg(long)]
    pub webhook_url: Option<String>,
}

pub fn run(args: SandboxArgs) -> Result<ExitCode, CliError> {
    super::async_runtime::start(None)?.block_on(serve(args))
}

async fn serve(args: SandboxArgs) -> Result<ExitCode, CliError> {
    // Listen for SIGTERM and Ctrl-C before the lines that tell a script the sandbox is up:
    // a signal sent right after them must stop the sandbox, not kill the process mid-way.
    let stop = StopSignals::listen();
    let custom = match &args.config {
        Some(path) => CustomCatalog::from_yaml_file(path)?,
        None => CustomCatalog::default(),
    };
    let config = SandboxConfig {
        seed: args.seed,
        hubspot_port: args.hubspot_port,
        salesforce_port: args.salesforce_port,
        records_per_object: args.records,
        custom,
        data_dir: args.data_dir.clone(),
        webhook_target_url: args.webhook_url.clone(),
        ..SandboxConfig::default()
    };
    let handle = Sandbox::start(config).await?;
    // Local sandbox tokens are meant to be eval'ed into the shell; they grant nothing real.
    println!("TANDEM_HUBSPOT_URL={}", handle.hubspot_url());
    println!("TANDEM_HUBSPOT_TOKEN={}", handle.hubspot_token());
    println!("TANDEM_SALESFORCE_URL={}", handle.salesforce_url());
    println!("TANDEM_SALESFORCE_TOKEN={}", handle.salesforce_token());
    let _ = std::io::stdout().flush();
    stop.wait().await;
    handle.shutdown().await?;
    eprintln!("sandbox stopped");
    Ok(ExitCode::SUCCESS)
}

/// SIGTERM and Ctrl-C, registered when made.
struct StopSignals {
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
}

impl StopSignals {
    fn listen() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            StopSignals {
                terminate: signal(SignalKind::terminate()).ok(),
                interrupt: signal(SignalKind::interrupt()).ok(),
            }
        }
        #[cfg(not(unix))]
        {
            StopSignals {}
        }
    }

    async fn wait(mut self) {
        #[cfg(unix)]
        {
            match (self.terminate.as_mut(), self.interrupt.as_mut()) {
                (Some(terminate), Some(interrupt)) => {
                    tokio::select! {
                        _ = terminate.recv() => {}
                        _ = interrupt.recv() => {}
                    }
                }
                (Some(terminate), None) => {
                    terminate.recv().await;
                }
                (None, Some(interrupt)) => {
                    interrupt.recv().await;
                }
                (None, None) => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
