//! Sandbox performance over real loopback HTTP (reqwest): simple reads per second, the
//! latency of a 100-record batch write on each CRM, and seeding time plus peak memory
//! (VmHWM from /proc/self/status) for 1,000,000 contacts.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};
use tandem::sandbox::{LimitSettings, Sandbox, SandboxConfig};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// No rate limits: the benchmark measures the server, not the limiter.
fn unlimited() -> LimitSettings {
    LimitSettings {
        burst_max: u32::MAX,
        search_per_second: u32::MAX,
        daily_max: u64::MAX,
    }
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

fn seeding(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("seed");
    // One seeding per sample: each takes seconds, so flat sampling keeps the run short.
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(20));
    group.bench_function("1m_contacts", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let config = SandboxConfig {
                    records_per_object: 0,
                    record_counts: BTreeMap::from([("contacts".to_string(), 1_000_000)]),
                    ..SandboxConfig::default()
                };
                let started = Instant::now();
                let handle = rt.block_on(Sandbox::start(config)).expect("starts");
                total += started.elapsed();
                rt.block_on(handle.shutdown()).expect("stops");
            }
            total
        })
    });
    group.finish();
    eprintln!(
        "peak RSS after seeding 1,000,000 contacts: {:.0} MB",
        peak_rss_mb()
    );
}

fn reads_and_writes(c: &mut Criterion) {
    let rt = runtime();
    let config = SandboxConfig {
        records_per_object: 10_000,
        hubspot_limits: unlimited(),
        salesforce_limits: unlimited(),
        ..SandboxConfig::default()
    };
    let sandbox = rt.block_on(Sandbox::start(config)).expect("starts");
    let client = reqwest::Client::new();
    let hubspot = sandbox.hubspot_url();
    let hs_token = sandbox.hubspot_token();
    let salesforce = sandbox.salesforce_url();
    let sf_token = sandbox.salesforce_token();

    let ids: Vec<String> = rt.block_on(async {
        let body: Value = client
            .get(format!("{hubspot}/crm/v3/objects/contacts?limit=100"))
            .bearer_auth(&hs_token)
            .send()
            .await
            .expect("list")
            .json()
            .await
            .expect("json");
        body["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| r["id"].as_str().expect("id").to_string())
            .collect()
    });
    let sf_ids: Vec<String> = rt.block_on(async {
        let body: Value = client
            .get(format!(
                "{salesforce}/services/data/v62.0/query?q=SELECT+Id+FROM+Contact+LIMIT+100"
            ))
            .bearer_auth(&sf_token)
            .send()
            .await
            .expect("query")
            .json()
            .await
            .expect("json");
        body["records"]
            .as_array()
            .expect("records")
            .iter()
            .map(|r| r["Id"].as_str().expect("Id").to_string())
            .collect()
    });

    let mut group = c.benchmark_group("read");
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    group.throughput(Throughput::Elements(1));
    let mut next = 0usize;
    group.bench_function("hubspot_get_contact", |b| {
        b.iter(|| {
            next = (next + 1) % ids.len();
            let url = format!("{hubspot}/crm/v3/objects/contacts/{}", ids[next]);
            let request = client.get(url).bearer_auth(&hs_token);
            rt.block_on(async move {
                let response = request.send().await.expect("read");
                assert!(response.status().is_success());
                response.bytes().await.expect("body")
            })
        })
    });
    group.bench_function("salesforce_get_contact", |b| {
        b.iter(|| {
            next = (next + 1) % sf_ids.len();
            let url = format!(
                "{salesforce}/services/data/v62.0/sobjects/Contact/{}",
                sf_ids[next]
            );
            let request = client.get(url).bearer_auth(&sf_token);
            rt.block_on(async move {
                let response = request.send().await.expect("read");
                assert!(response.status().is_success());
                response.bytes().await.expect("body")
            })
        })
    });
    // Eight reads in flight at once, the way a connector pages several objects.
    group.throughput(Throughput::Elements(8));
    group.bench_function("hubspot_get_contact_8_concurrent", |b| {
        b.iter(|| {
            let requests: Vec<_> = (0..8)
                .map(|i| {
                    client
                        .get(format!(
                            "{hubspot}/crm/v3/objects/contacts/{}",
                            ids[i * 7 % ids.len()]
                        ))
                        .bearer_auth(&hs_token)
                })
                .collect();
            rt.block_on(async move {
                let replies =
                    futures::future::join_all(requests.into_iter().map(|r| r.send())).await;
                for reply in replies {
                    assert!(reply.expect("read").status().is_success());
                }
            })
        })
    });
    group.finish();

    let mut group = c.benchmark_group("batch_write_100");
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    let mut round = 0u64;
    group.bench_function("hubspot_batch_update", |b| {
        b.iter(|| {
            round += 1;
            let inputs: Vec<Value> = ids
                .iter()
                .map(|id| json!({"id": id, "properties": {"jobtitle": format!("Title {round}")}}))
                .collect();
            let request = client
                .post(format!("{hubspot}/crm/v3/objects/contacts/batch/update"))
                .bearer_auth(&hs_token)
                .json(&json!({"inputs": inputs}));
            rt.block_on(async move {
                let response = request.send().await.expect("write");
                assert!(response.status().is_success());
                response.bytes().await.expect("body")
            })
        })
    });
    group.bench_function("salesforce_collections_update", |b| {
        b.iter(|| {
            round += 1;
            let records: Vec<Value> = sf_ids.iter().map(|id| json!({"attributes": {"type": "Contact"}, "Id": id, "Title": format!("Title {round}")})).collect();
            let request = client.patch(format!("{salesforce}/services/data/v62.0/composite/sobjects")).bearer_auth(&sf_token).json(&json!({"allOrNone": false, "records": records}));
            rt.block_on(async move {
                let response = request.send().await.expect("write");
                assert!(response.status().is_success());
                response.bytes().await.expect("body")
            })
        })
    });
    group.finish();
    rt.block_on(sandbox.shutdown()).expect("stops");
}

criterion_group!(benches, reads_and_writes, seeding);
criterion_main!(benches);
