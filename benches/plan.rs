//! Plan throughput: the pure planner over 10k, 100k and 1M in-memory record pairs, already
//! linked, with 1 % edited on HubSpot, 1 % on Salesforce and 0.1 % new on each side.

use std::collections::BTreeMap;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};
use tandem::compile::*;
use tandem::connectors::RemoteRecord;
use tandem::plan::{ApiBudget, PlanInputs, SideRead, SyncRead, plan};
use tandem::schema::{FieldType, System};
use tandem::state::{FieldBase, Link, StateSnapshot};

fn field(key: &str, hs: &str, sf: &str) -> FieldProgram {
    FieldProgram {
        key: key.into(),
        hs_field: hs.into(),
        sf_field: sf.into(),
        direction: Direction::Both,
        to_sf: Some(Expr::field(System::Hubspot, hs)),
        to_hs: Some(Expr::field(System::Salesforce, sf)),
        conflict: None,
        keep_when_blank: false,
        default: None,
        through: None,
    }
}

fn side(object: &str, fields: &[(&str, FieldType)]) -> SideProgram {
    SideProgram {
        object: object.into(),
        read_fields: fields.iter().map(|(n, _)| n.to_string()).collect(),
        pushdown: None,
        scope: None,
        fields: fields
            .iter()
            .map(|(n, t)| (n.to_string(), FieldFacts::of_type(*t)))
            .collect(),
        required_on_create: vec![],
    }
}

fn program() -> Program {
    Program::new(vec![SyncProgram {
        name: "contacts".into(),
        hs: side(
            "contacts",
            &[
                ("email", FieldType::Email),
                ("firstname", FieldType::String),
                ("lastname", FieldType::String),
                ("hubspotscore", FieldType::Int),
            ],
        ),
        sf: side(
            "Contact",
            &[
                ("Email", FieldType::Email),
                ("FirstName", FieldType::String),
                ("LastName", FieldType::String),
                ("Score__c", FieldType::Double),
            ],
        ),
        matches: vec![MatchRule {
            hs: Expr::call("lower", vec![Expr::field(System::Hubspot, "email")]),
            sf: Expr::call("lower", vec![Expr::field(System::Salesforce, "Email")]),
        }],
        create_in_hs: true,
        create_in_sf: true,
        on_delete: DeletePolicy::Ignore,
        limits: Limits::default(),
        default_conflict: ConflictRule::Newest,
        fields: vec![
            field("email", "email", "Email"),
            field("firstname", "firstname", "FirstName"),
            field("lastname", "lastname", "LastName"),
            field("score", "hubspotscore", "Score__c"),
        ],
        depends_on: vec![],
        not_synced: vec![],
    }])
}

fn record(id: String, fields: [(&str, Value); 4]) -> RemoteRecord {
    RemoteRecord {
        id,
        fields: fields.into_iter().map(|(k, v)| (k.into(), v)).collect(),
        modified_at: Some("2026-01-01T00:00:00Z".into()),
        deleted: false,
        merged_into: None,
    }
}

fn world(pairs: usize) -> (StateSnapshot, BTreeMap<String, SyncRead>) {
    let mut links = Vec::with_capacity(pairs);
    let mut hs = Vec::with_capacity(pairs + pairs / 1000);
    let mut sf = Vec::with_capacity(pairs + pairs / 1000);
    for i in 0..pairs {
        let email = format!("person{i}@example.com");
        let (first, last, score) = (format!("First{i}"), format!("Last{i}"), (i % 100) as i64);
        let hs_first = if i % 100 == 1 {
            format!("Edited{i}")
        } else {
            first.clone()
        };
        let sf_last = if i % 100 == 2 {
            format!("Changed{i}")
        } else {
            last.clone()
        };
        hs.push(record(
            format!("{i}"),
            [
                ("email", json!(email)),
                ("firstname", json!(hs_first)),
                ("lastname", json!(last)),
                ("hubspotscore", json!(score.to_string())),
            ],
        ));
        sf.push(record(
            format!("003{i:015}"),
            [
                ("Email", json!(email)),
                ("FirstName", json!(first)),
                ("LastName", json!(sf_last)),
                ("Score__c", json!(score as f64)),
            ],
        ));
        let base: BTreeMap<String, FieldBase> = [
            ("email", json!(email), json!(email)),
            ("firstname", json!(first), json!(first)),
            ("lastname", json!(last), json!(last)),
            ("score", json!(score), json!(score)),
        ]
        .into_iter()
        .map(|(k, h, s)| (k.to_string(), FieldBase { hs: h, sf: s }))
        .collect();
        links.push(Link {
            hs_id: format!("{i}"),
            sf_id: format!("003{i:015}"),
            base,
        });
    }
    for i in 0..pairs / 1000 {
        hs.push(record(
            format!("new-hs-{i}"),
            [
                ("email", json!(format!("new{i}@hs.example"))),
                ("firstname", json!("New")),
                ("lastname", json!("Hub")),
                ("hubspotscore", json!("5")),
            ],
        ));
        sf.push(record(
            format!("new-sf-{i}"),
            [
                ("Email", json!(format!("new{i}@sf.example"))),
                ("FirstName", json!("New")),
                ("LastName", json!("Force")),
                ("Score__c", json!(7.0)),
            ],
        ));
    }
    let mut state = StateSnapshot::default();
    state.links.insert("contacts".into(), links);
    let reads = [(
        "contacts".to_string(),
        SyncRead {
            hs: SideRead {
                records: hs,
                complete: true,
                cursor: None,
            },
            sf: SideRead {
                records: sf,
                complete: true,
                cursor: None,
            },
        },
    )]
    .into_iter()
    .collect();
    (state, reads)
}

fn plan_throughput(c: &mut Criterion) {
    let program = program();
    let mut group = c.benchmark_group("plan");
    group.sample_size(10);
    for pairs in [10_000usize, 100_000, 1_000_000] {
        let (state, reads) = world(pairs);
        group.throughput(Throughput::Elements(pairs as u64));
        group.bench_with_input(BenchmarkId::from_parameter(pairs), &pairs, |b, _| {
            // The planner consumes the reads (freeing each record once planned), so every
            // iteration gets its own copy, made outside the measured time.
            b.iter_batched(
                || reads.clone(),
                |reads| {
                    let plan = plan(PlanInputs {
                        program: &program,
                        schema_digest: "bench",
                        state: &state,
                        reads,
                        budget: ApiBudget::default(),
                    });
                    // 1 % + 1 % edits and 0.1 % + 0.1 % creates.
                    assert_eq!(plan.syncs[0].changes.len(), pairs / 50 + pairs / 500);
                    plan
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, plan_throughput);
criterion_main!(benches);
