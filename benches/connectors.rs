//! Connector throughput against the sandbox: read 100,000 contacts / Leads and write 100,000
//! updates through each connector. Reports wall time, API calls per record and the client
//! process's peak memory growth; the median of three runs is printed.
//!
//! The sandbox runs in a child process (this same binary, re-executed), so the memory figure
//! is the connector's alone. Pacing is off and the sandbox's limits are raised: the figures
//! measure the client, not HubSpot's 190-per-10-seconds allowance (at which 2,000 calls would
//! take about 105 s however fast the client is).
//!
//! Run: `cargo bench --bench connectors` (set `TANDEM_BENCH_RECORDS` for a smaller run).

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tandem::connectors::config::{
    HubSpotAuth, HubSpotConfig, Limits, SalesforceAuth, SalesforceConfig,
};
use tandem::connectors::{HubSpotClient, HubSpotInput, SalesforceClient, SalesforceInput, Secret};

const CHILD: &str = "TANDEM_BENCH_SANDBOX_CHILD";

fn records() -> usize {
    std::env::var("TANDEM_BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

fn main() {
    if std::env::var(CHILD).is_ok() {
        serve_sandbox();
        return;
    }
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing we need.
    if std::env::args().any(|arg| arg == "--list") {
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut results: Vec<Vec<Measure>> = Vec::new();
    for run in 0..3 {
        eprintln!("run {} of 3 ({} records per object)…", run + 1, records());
        results.push(runtime.block_on(one_run()));
    }
    println!("\nmedian of 3 runs, {} records per object:", records());
    println!(
        "{:<38} {:>8} {:>7} {:>13} {:>13} {:>11}  peak RSS per run",
        "phase", "wall s", "calls", "calls/record", "peak RSS MiB", "growth MiB"
    );
    for index in 0..results[0].len() {
        let mut walls: Vec<f64> = results
            .iter()
            .map(|r| r[index].wall.as_secs_f64())
            .collect();
        let mut memory: Vec<f64> = results.iter().map(|r| r[index].peak_mib).collect();
        let mut growth: Vec<f64> = results.iter().map(|r| r[index].growth_mib).collect();
        growth.sort_by(|a, b| a.total_cmp(b));
        walls.sort_by(|a, b| a.total_cmp(b));
        memory.sort_by(|a, b| a.total_cmp(b));
        let calls = results[0][index].calls;
        println!(
            "{:<38} {:>8.2} {:>7} {:>13.4} {:>13.1} {:>11.1}  {}",
            results[0][index].name,
            walls[1],
            calls,
            calls as f64 / records() as f64,
            memory[1],
            growth[1],
            results
                .iter()
                .map(|r| format!("{:.1}", r[index].peak_mib))
                .collect::<Vec<_>>()
                .join(" / ")
        );
    }
}

struct Measure {
    name: &'static str,
    wall: Duration,
    calls: u64,
    /// Peak resident memory of this process during the phase (the kernel's high-water mark,
    /// reset when the phase starts).
    peak_mib: f64,
    /// That peak minus the resident memory at the phase's start. Memory the allocator kept
    /// from earlier phases is reused, so this is a floor, not the phase's true footprint.
    growth_mib: f64,
}

/// Resets the kernel's peak-RSS mark (Linux) and returns the current RSS in KiB.
fn reset_peak() -> f64 {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    status_kib("VmRSS")
}

fn status_kib(key: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with(key))
                .and_then(|line| {
                    line.split_whitespace()
                        .nth(1)
                        .and_then(|kib| kib.parse::<f64>().ok())
                })
        })
        .unwrap_or(0.0)
}

async fn measure<F, Fut>(
    name: &'static str,
    calls_before: u64,
    calls_now: impl Fn() -> u64,
    body: F,
) -> Measure
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let baseline = reset_peak();
    let started = Instant::now();
    body().await;
    let wall = started.elapsed();
    let peak = status_kib("VmHWM");
    Measure {
        name,
        wall,
        calls: calls_now() - calls_before,
        peak_mib: peak / 1024.0,
        growth_mib: (peak - baseline).max(0.0) / 1024.0,
    }
}

fn limits() -> Limits {
    Limits {
        burst_per_window: 0,
        search_per_second: 0,
        request_timeout: Duration::from_secs(120),
        ..Limits::hubspot_default()
    }
}

async fn one_run() -> Vec<Measure> {
    let mut child = Command::new(std::env::current_exe().expect("own path"))
        .env(CHILD, "1")
        .stdout(Stdio::piped())
        .stdin(Stdio::piped())
        .spawn()
        .expect("sandbox child starts");
    let mut lines = BufReader::new(child.stdout.take().expect("child stdout")).lines();
    let mut next = || lines.next().and_then(Result::ok).unwrap_or_default();
    let (hs_url, hs_token, sf_url, sf_token) = (next(), next(), next(), next());
    let hubspot = HubSpotClient::new(&HubSpotConfig {
        base_url: url::Url::parse(&hs_url).expect("hubspot url"),
        auth: HubSpotAuth::PrivateApp(Secret::new(hs_token)),
        limits: limits(),
    })
    .expect("hubspot client");
    let salesforce = SalesforceClient::new(&SalesforceConfig {
        instance_url: url::Url::parse(&sf_url).expect("salesforce url"),
        api_version: tandem::connectors::config::DEFAULT_SALESFORCE_API_VERSION.into(),
        auth: SalesforceAuth::AccessToken(Secret::new(sf_token)),
        limits: Limits { ..limits() },
        bulk_threshold: tandem::connectors::config::DEFAULT_BULK_THRESHOLD,
        // The sandbox (axum's default body limit) refuses uploads above 2 MB, where
        // Salesforce takes 150 MB: split 100,000 rows into jobs of about 1.5 MB.
        bulk_upload_max_bytes: 1_500_000,
        call_options_client: "tandem".into(),
    })
    .expect("salesforce client");
    let mut out = Vec::new();
    let hs_calls = || hubspot.stats().metered();
    let sf_calls = || salesforce.stats().metered();

    let mut contact_ids: Vec<String> = Vec::with_capacity(records());
    let before = hs_calls();
    out.push(
        measure("hubspot read contacts (list)", before, hs_calls, || async {
            let properties = vec![
                "email".to_string(),
                "firstname".to_string(),
                "lastname".to_string(),
            ];
            let mut reader = hubspot.read_all("contacts", &properties);
            while let Some(page) = reader.next_page().await.expect("hubspot page") {
                contact_ids.extend(page.into_iter().map(|record| record.id));
            }
        })
        .await,
    );
    assert_eq!(contact_ids.len(), records(), "every contact read");
    let before = hs_calls();
    out.push(
        measure(
            "hubspot update contacts (batch)",
            before,
            hs_calls,
            || async {
                // Inputs are built per 10,000 so the input list itself stays small.
                for ids in contact_ids.chunks(10_000) {
                    let inputs: Vec<HubSpotInput> = ids
                        .iter()
                        .map(|id| {
                            let properties = [("jobtitle".to_string(), "Benchmarked".to_string())]
                                .into_iter()
                                .collect();
                            HubSpotInput::new(id.clone(), Some(id.clone()), properties)
                        })
                        .collect();
                    let report = hubspot.batch_update("contacts", &inputs).await;
                    assert!(
                        report.stopped.is_none() && report.succeeded() == inputs.len(),
                        "hubspot writes landed"
                    );
                }
            },
        )
        .await,
    );
    drop(contact_ids);

    let mut lead_ids: Vec<String> = Vec::with_capacity(records());
    let before = sf_calls();
    out.push(
        measure("salesforce read Leads (SOQL)", before, sf_calls, || async {
            let fields = vec![
                "Email".to_string(),
                "FirstName".to_string(),
                "LastName".to_string(),
            ];
            let mut reader = salesforce
                .query_changed("Lead", &fields, None)
                .expect("soql");
            while let Some(page) = reader.next_page().await.expect("salesforce page") {
                lead_ids.extend(page.into_iter().map(|record| record.id));
            }
        })
        .await,
    );
    assert_eq!(lead_ids.len(), records(), "every lead read");
    let before = sf_calls();
    out.push(
        measure(
            "salesforce update Leads (Bulk 2.0)",
            before,
            sf_calls,
            || async {
                let inputs: Vec<SalesforceInput> = lead_ids
                    .iter()
                    .map(|id| {
                        let fields = [("Title".to_string(), serde_json::json!("Benchmarked"))]
                            .into_iter()
                            .collect();
                        SalesforceInput::new(id.clone(), Some(id.clone()), fields)
                    })
                    .collect();
                let report = salesforce.update("Lead", &inputs).await;
                assert!(
                    report.stopped.is_none() && report.succeeded() == inputs.len(),
                    "bulk writes landed: {} of {}, stopped {:?}, first failure {:?}",
                    report.succeeded(),
                    inputs.len(),
                    report.stopped,
                    report.failed().next()
                );
            },
        )
        .await,
    );
    let before = sf_calls();
    out.push(
        measure(
            "salesforce update Leads (collections)",
            before,
            sf_calls,
            || async {
                // Below the bulk threshold per call: 10,000-record slices through collections.
                for ids in lead_ids.chunks(2_000) {
                    let inputs: Vec<SalesforceInput> = ids
                        .iter()
                        .map(|id| {
                            let fields = [("Title".to_string(), serde_json::json!("Collections"))]
                                .into_iter()
                                .collect();
                            SalesforceInput::new(id.clone(), Some(id.clone()), fields)
                        })
                        .collect();
                    let report = salesforce.update("Lead", &inputs).await;
                    assert!(
                        report.stopped.is_none() && report.succeeded() == inputs.len(),
                        "collection writes landed"
                    );
                }
            },
        )
        .await,
    );
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(b"stop\n");
    }
    let _ = child.wait();
    out
}

/// The child: a sandbox with `records()` contacts and Leads, its URLs and tokens on stdout,
/// alive until stdin closes.
fn serve_sandbox() {
    use tandem::sandbox::{LimitSettings, Sandbox, SandboxConfig};
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let config = SandboxConfig {
            records_per_object: 10,
            record_counts: [
                ("contacts".to_string(), records()),
                ("Lead".to_string(), records()),
            ]
            .into_iter()
            .collect(),
            hubspot_limits: LimitSettings {
                burst_max: u32::MAX,
                search_per_second: u32::MAX,
                daily_max: u64::MAX / 2,
            },
            salesforce_limits: LimitSettings {
                burst_max: u32::MAX,
                search_per_second: u32::MAX,
                daily_max: u64::MAX / 2,
            },
            ..SandboxConfig::default()
        };
        let sandbox = Sandbox::start(config).await.expect("sandbox");
        println!(
            "{}\n{}\n{}\n{}",
            sandbox.hubspot_url(),
            sandbox.hubspot_token(),
            sandbox.salesforce_url(),
            sandbox.salesforce_token()
        );
        let _ = std::io::stdout().flush();
        let _ = tokio::task::spawn_blocking(|| {
            let mut line = String::new();
            let _ = std::io::stdin().read_line(&mut line);
        })
        .await;
        let _ = sandbox.shutdown().await;
    });
}
