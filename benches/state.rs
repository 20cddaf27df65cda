//! The state store's per-record cost, apart from the CRMs and the disk: what apply writes for
//! each record it creates, and the partner look-ups it makes per record.
//!
//! `apply_batch/100` is one batch of 100 creates as `runtime::apply` writes it: a transaction of
//! 100 journal intents before the call, then one with, per record, the link and its merge base
//! (four fields), four audit lines, the error-queue clear and the journal settle. `partner/1000`
//! looks up 1,000 linked records' partners. Both run on an in-memory store, so the figures are
//! SQLite's and tandem's CPU time, not fsync: a file store adds two synchronous commits per
//! batch on top.
//!
//! `postgres_apply_batch/100` and `postgres_partner/1000` run the same work against the
//! PostgreSQL backend in the same run, on the server `TANDEM_TEST_POSTGRES_URL` names (in a
//! schema of its own, dropped afterwards): a batch's writes are pipelined, so the figure is
//! the server's work plus one round trip per journal intent and per commit; each look-up is
//! one round trip. Unset, those two are skipped with a note.

use std::collections::BTreeMap;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};
use tandem::state::{FieldBase, PostgresLocation, StateError, StateStore};

const BATCH: usize = 100;
const FIELDS: [&str; 4] = ["email", "firstname", "lastname", "phone"];

fn base_for(record: usize) -> BTreeMap<String, FieldBase> {
    FIELDS
        .iter()
        .map(|field| {
            let value = json!(format!("{field}-{record}"));
            (
                field.to_string(),
                FieldBase {
                    hs: value.clone(),
                    sf: value,
                },
            )
        })
        .collect()
}

/// Writes one batch of creates starting at record number `first`, as apply does.
fn write_batch(store: &mut StateStore, first: usize) -> Result<(), StateError> {
    let bases: Vec<BTreeMap<String, FieldBase>> = (first..first + BATCH).map(base_for).collect();
    let ids = store.write(|w| -> Result<Vec<i64>, StateError> {
        (first..first + BATCH)
            .map(|record| {
                let payload = json!({"Email": format!("email-{record}"), "LastName": "x"});
                w.journal_intent(
                    "run",
                    "contacts",
                    "create",
                    "sf",
                    &record.to_string(),
                    &payload,
                )
            })
            .collect()
    })?;
    store.write(|w| -> Result<(), StateError> {
        for (offset, journal_id) in ids.iter().enumerate() {
            let record = first + offset;
            let hs_id = record.to_string();
            let sf_id = format!("003{record:015}");
            w.link("contacts", &hs_id, &sf_id, &bases[offset])?;
            for field in FIELDS {
                let new = json!(format!("{field}-{record}"));
                w.audit(
                    "run",
                    "contacts",
                    "sf",
                    &sf_id,
                    "create",
                    field,
                    &Value::Null,
                    &new,
                )?;
            }
            w.clear_error("contacts", "sf", &hs_id)?;
            w.journal_settle(*journal_id, "done")?;
        }
        Ok(())
    })
}

fn apply_batch(c: &mut Criterion) {
    let sqlite = || StateStore::open_in_memory().expect("in-memory store");
    bench_backend(c, "", &sqlite);
    let Ok(url) = std::env::var("TANDEM_TEST_POSTGRES_URL") else {
        eprintln!(
            "state: TANDEM_TEST_POSTGRES_URL is not set, so the PostgreSQL figures are skipped \
             (`eval \"$(.ci/start-postgres)\"` starts a server and sets it)"
        );
        return;
    };
    let schema = format!("bench_{}", uuid_like());
    let separator = if url.contains('?') { '&' } else { '?' };
    let postgres = || {
        // A fresh store per benchmark, so every link is a new row as in a first sync.
        let store = format!("bench-{}", uuid_like());
        let location =
            PostgresLocation::parse(&format!("{url}{separator}store={store}&schema={schema}"))
                .expect("the URL parses");
        StateStore::open(&location).expect("the PostgreSQL store opens")
    };
    bench_backend(c, "postgres_", &postgres);
    drop_schema(&url, &schema);
}

/// Both benchmarks on stores `open` makes; `prefix` names the backend (none for SQLite, so its
/// figures stay comparable with earlier runs).
fn bench_backend(c: &mut Criterion, prefix: &str, open: &dyn Fn() -> StateStore) {
    let mut group = c.benchmark_group("state");
    group.measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function(
        BenchmarkId::new(format!("{prefix}apply_batch"), BATCH),
        |b| {
            let mut store = open();
            // Fresh record numbers every batch, so every link is a new row as in a first sync.
            let mut next = 0usize;
            b.iter(|| {
                write_batch(&mut store, next).expect("batch written");
                next += BATCH;
            });
        },
    );

    let mut store = open();
    for first in (0..10_000).step_by(BATCH) {
        write_batch(&mut store, first).expect("links written");
    }
    group.throughput(Throughput::Elements(1_000));
    group.bench_function(BenchmarkId::new(format!("{prefix}partner"), 1_000), |b| {
        b.iter(|| {
            for record in (0..10_000).step_by(10) {
                let partner = store
                    .partner("contacts", "hs", &record.to_string())
                    .expect("look-up");
                assert!(partner.is_some());
            }
        });
    });
    group.finish();
}

/// A random lower-case hex id (no uuid dependency in the benches).
fn uuid_like() -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    (0..16)
        .map(|_| format!("{:x}", rng.gen_range(0..16u8)))
        .collect()
}

/// Removes the benchmark's schema and every store in it.
fn drop_schema(url: &str, schema: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let Ok((client, connection)) = tokio_postgres::connect(url, tokio_postgres::NoTls).await
        else {
            return;
        };
        let driver = tokio::spawn(connection);
        let _ = client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .await;
        drop(client);
        let _ = driver.await;
    });
}

criterion_group!(benches, apply_batch);
criterion_main!(benches);
