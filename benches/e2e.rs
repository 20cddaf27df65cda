//! End-to-end first sync against the sandbox: 100,000 contacts, 10,000 companies and 20,000
//! deals in HubSpot, an empty Salesforce, one `plan` + `apply` through the HTTP connectors.
//!
//! Reports wall time, API calls per record synced (goal <= 0.02) and the engine's peak RSS
//! (goal < 500 MB). The sandbox runs in a child process (this binary re-executed), so the
//! RSS measured is tandem's alone (about 12 MB before the first read). After each stage
//! (setup, read, plan, apply) it prints the seconds elapsed, the CPU time of this process
//! (not the sandbox's), RSS and peak RSS to stderr, and
//! with `TANDEM_BENCH_HEAP=1` the live heap (a counting allocator; it costs CPU time).
//! A whole first sync takes minutes, far beyond criterion's sampling model, so this harness
//! runs it `TANDEM_BENCH_RUNS` times (default 3) and prints the medians itself;
//! `TANDEM_BENCH_UNTIL=plan` stops each run after planning (for memory work on the read and
//! plan stages; it reports no medians). The peak RSS printed is the process's over all runs.
//!
//! Last measured (2026-11-24, 2-core machine shared with other builds): peak RSS about 300 MB
//! for one run (the Plan's), reads 86 MB of live heap, apply about 10 s of CPU; see
//! docs/plan-apply.md for before and after.

use std::alloc::{GlobalAlloc, Layout, System as SystemAlloc};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use tandem::compile::{compile, schema_digest};
use tandem::plan::{ApiBudget, PlanInputs};
use tandem::runtime::Crm;
use tandem::runtime::{HubSpotCrm, SalesforceCrm};
use tandem::sandbox::{Sandbox, SandboxConfig};
use tandem::schema::{Schemas, System};
use tandem::state::StateStore;

const SPEC: &str = r#"connection hs: hubspot
connection sf: salesforce

sync accounts: hs.companies <-> sf.Account {
  match domain(hs.domain) = domain(sf.Website)
  create in sf
  conflict prefer hs
  hs.name              <-> sf.Name truncate 255
  hs.domain            <-> sf.Website
  hs.numberofemployees <-> sf.NumberOfEmployees
}

sync contacts: hs.contacts <-> sf.Contact {
  match lower(trim(hs.email)) = lower(trim(sf.Email))
  create in sf
  conflict prefer hs
  hs.email     <-> sf.Email truncate 80
  hs.firstname <-> sf.FirstName truncate 40
  hs.lastname  <-> sf.LastName default "Unknown" truncate 80
  hs.phone     <-> sf.Phone truncate 40
}

sync deals: hs.deals <-> sf.Opportunity {
  match hs.salesforceopportunityid = sf.Id
  create in sf
  conflict prefer hs
  hs.dealname  <-> sf.Name truncate 120
  hs.amount    <-> sf.Amount
  hs.closedate <-> sf.CloseDate transform date(hs.closedate) reverse sf.CloseDate
  hs.dealstage -> sf.StageName via {
    "appointmentscheduled"  => "Prospecting"
    "qualifiedtobuy"        => "Qualification"
    "presentationscheduled" => "Needs Analysis"
    "decisionmakerboughtin" => "Proposal/Price Quote"
    "contractsent"          => "Negotiation/Review"
    "closedwon"             => "Closed Won"
    "closedlost"            => "Closed Lost"
    else                    => "Prospecting"
  }
}
"#;

/// Counts live heap bytes, so each stage reports what tandem itself holds apart from what the
/// allocator keeps resident (RSS also counts freed memory glibc has not returned). Off unless
/// `TANDEM_BENCH_HEAP=1`: counting every allocation costs CPU time on the contended counter.
struct CountingAlloc;

static LIVE_HEAP: AtomicUsize = AtomicUsize::new(0);
static COUNTING: AtomicBool = AtomicBool::new(false);

fn count_up(bytes: usize) {
    if COUNTING.load(Ordering::Relaxed) {
        LIVE_HEAP.fetch_add(bytes, Ordering::Relaxed);
    }
}

fn count_down(bytes: usize) {
    if COUNTING.load(Ordering::Relaxed) {
        // Saturating: blocks allocated before counting began may be freed while it runs.
        let _ = LIVE_HEAP.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |live| {
            Some(live.saturating_sub(bytes))
        });
    }
}

// SAFETY: every call is forwarded unchanged to the system allocator; only counters are added.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_up(layout.size());
        // SAFETY: same contract as the caller's.
        unsafe { SystemAlloc.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_up(layout.size());
        // SAFETY: same contract as the caller's.
        unsafe { SystemAlloc.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count_down(layout.size());
        // SAFETY: same contract as the caller's.
        unsafe { SystemAlloc.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_up(new_size);
        count_down(layout.size());
        // SAFETY: same contract as the caller's.
        unsafe { SystemAlloc.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAlloc = CountingAlloc;

fn serve_sandbox() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let counts: BTreeMap<String, usize> = [
            ("contacts", 100_000usize),
            ("companies", 10_000),
            ("deals", 20_000),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let mut limits = SandboxConfig::default().hubspot_limits;
        limits.burst_max = u32::MAX;
        let sandbox = Sandbox::start(SandboxConfig {
            records_per_object: 0,
            record_counts: counts,
            hubspot_schema: Some(tandem::schema::standard::hubspot()),
            salesforce_schema: Some(tandem::schema::standard::salesforce()),
            hubspot_limits: limits,
            ..SandboxConfig::default()
        })
        .await
        .expect("sandbox");
        println!("TANDEM_HUBSPOT_URL={}", sandbox.hubspot_url());
        println!("TANDEM_HUBSPOT_TOKEN={}", sandbox.hubspot_token());
        println!("TANDEM_SALESFORCE_URL={}", sandbox.salesforce_url());
        println!("TANDEM_SALESFORCE_TOKEN={}", sandbox.salesforce_token());
        // Serve until the parent kills this process.
        std::future::pending::<()>().await;
    });
}

fn peak_rss_mb() -> f64 {
    status_mb("VmHWM:")
}

/// Reads one memory line (`VmHWM:`, `VmRSS:`) of /proc/self/status, in MB.
fn status_mb(key: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

struct RunResult {
    seconds: f64,
    calls: u64,
    synced: u64,
}

fn one_run() -> Option<RunResult> {
    let mut child = Command::new(std::env::current_exe().expect("exe"))
        .env("TANDEM_BENCH_ROLE", "sandbox")
        .stdout(Stdio::piped())
        .spawn()
        .expect("sandbox process");
    let mut vars = BTreeMap::new();
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    for _ in 0..4 {
        let line = lines.next().expect("env line").expect("utf-8");
        if let Some((k, v)) = line.split_once('=') {
            vars.insert(k.to_string(), v.to_string());
        }
    }
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("bench.tandem"), SPEC).expect("spec");
    let validation = tandem::project::validate(
        dir.path(),
        &tandem::project::ValidateOptions {
            schemas_dir: Some(std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schemas")),
        },
    )
    .expect("spec");
    assert!(
        !tandem::diagnostics::has_errors(&validation.diags),
        "{:?}",
        validation.diags
    );
    let schemas = Schemas::standard();
    let checked = validation.checked.as_ref().expect("the checker ran");
    let program = compile(checked).expect("compile");
    let digest = schema_digest(&schemas);
    let config = tandem::connectors::config::from_variables(&vars).expect("config");
    let mut hs = HubSpotCrm {
        client: tandem::connectors::HubSpotClient::new(config.hubspot().expect("hs")).expect("hs"),
    };
    let mut sf = SalesforceCrm {
        client: tandem::connectors::SalesforceClient::new(config.salesforce().expect("sf"))
            .expect("sf"),
    };
    let mut store = StateStore::open(&dir.path().join("state.db")).expect("state");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let started = Instant::now();
    phase("setup", started);
    let summary = runtime.block_on(async {
        let state = store.snapshot().expect("snapshot");
        let reads = tandem::runtime::read::read_all(&program, &state, &mut hs, &mut sf, false)
            .await
            .expect("reads");
        phase("read", started);
        let plan = tandem::plan::plan(PlanInputs {
            program: &program,
            schema_digest: &digest,
            state: &state,
            reads,
            budget: ApiBudget::default(),
        });
        phase("plan", started);
        if plan_only() {
            return None;
        }
        let summary = tandem::runtime::apply(
            &plan,
            &program,
            &digest,
            &mut store,
            &mut hs,
            &mut sf,
            &mut |_| {},
        )
        .await
        .expect("apply");
        phase("apply", started);
        Some(summary)
    });
    let seconds = started.elapsed().as_secs_f64();
    let _ = child.kill();
    let _ = child.wait();
    let summary = summary?;
    assert!(summary.complete(), "{summary:?}");
    Some(RunResult {
        seconds,
        calls: hs.calls() + sf.calls(),
        synced: summary.created + summary.updated + summary.linked,
    })
}

/// `TANDEM_BENCH_UNTIL=plan` stops each run after planning: the read and plan stages' memory
/// in a fraction of the time, for profiling. The figures reported need the whole run.
fn plan_only() -> bool {
    std::env::var("TANDEM_BENCH_UNTIL").as_deref() == Ok("plan")
}

/// Where the time and memory go after each stage of the first sync: seconds since the start,
/// resident and peak-so-far RSS, and the heap tandem holds live.
fn phase(name: &str, started: Instant) {
    let heap = if COUNTING.load(Ordering::Relaxed) {
        format!(
            ", live heap {:.0} MB",
            LIVE_HEAP.load(Ordering::Relaxed) as f64 / (1024.0 * 1024.0)
        )
    } else {
        String::new()
    };
    eprintln!(
        "  after {name}: {:.1} s, CPU {:.1} s, RSS {:.0} MB, peak so far {:.0} MB{heap}",
        started.elapsed().as_secs_f64(),
        cpu_seconds(),
        status_mb("VmRSS:"),
        status_mb("VmHWM:"),
    );
}

/// User + system CPU time of this process so far (not the sandbox child), from
/// /proc/self/stat, assuming the usual 100 clock ticks per second.
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let fields: Vec<&str> = s.rsplit_once(')')?.1.split_whitespace().collect();
            let ticks = |i: usize| fields.get(i).and_then(|t| t.parse::<f64>().ok());
            Some((ticks(11)? + ticks(12)?) / 100.0)
        })
        .unwrap_or(f64::NAN)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    values[values.len() / 2]
}

fn main() {
    if std::env::var("TANDEM_BENCH_ROLE").as_deref() == Ok("sandbox") {
        serve_sandbox();
        return;
    }
    // `cargo test --benches` runs bench binaries with `--test`: nothing to do then.
    if std::env::args().any(|a| a == "--test" || a == "--list") {
        return;
    }
    if std::env::var("TANDEM_BENCH_HEAP").as_deref() == Ok("1") {
        COUNTING.store(true, Ordering::Relaxed);
    }
    let runs: usize = std::env::var("TANDEM_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let mut results = Vec::new();
    for run in 0..runs {
        let Some(result) = one_run() else {
            continue;
        };
        println!(
            "run {run}: {:.1} s, {} API calls, {} records synced, {:.4} calls/record",
            result.seconds,
            result.calls,
            result.synced,
            result.calls as f64 / result.synced.max(1) as f64
        );
        results.push(result);
    }
    let _ = System::Hubspot;
    if results.is_empty() {
        println!("stopped after planning: peak RSS {:.0} MB", peak_rss_mb());
        return;
    }
    println!(
        "e2e first sync (100k contacts, 10k companies, 20k deals): median {:.1} s, median {:.4} API calls per record, peak RSS {:.0} MB",
        median(results.iter().map(|r| r.seconds).collect()),
        median(
            results
                .iter()
                .map(|r| r.calls as f64 / r.synced.max(1) as f64)
                .collect()
        ),
        peak_rss_mb()
    );
}
