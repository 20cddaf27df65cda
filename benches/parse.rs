//! Parsing (and formatting) a generated spec with 5,000 mappings: 50 syncs of 100 mappings
//! each, mixing plain fields, modifiers, transforms and inline value maps.

use criterion::{Criterion, criterion_group, criterion_main};
use tandem::diagnostics::{FileId, SourceMap};
use tandem::syntax::{format_source, parse_spec};

const SYNCS: usize = 50;
const MAPPINGS_PER_SYNC: usize = 100;

fn generated_spec() -> String {
    let mut text = String::from("connection hs: hubspot\nconnection sf: salesforce\n\n");
    text.push_str("map stages: hs.deals.dealstage <-> sf.Opportunity.StageName {\n");
    text.push_str(
        "  \"closedwon\"  <=> \"Closed Won\"\n  \"closedlost\" <=> \"Closed Lost\"\n}\n\n",
    );
    for sync in 0..SYNCS {
        text.push_str(&format!(
            "# Sync number {sync}.\nsync sync_{sync}: hs.contacts <-> sf.Lead {{\n"
        ));
        text.push_str("  match lower(trim(hs.email)) = lower(trim(sf.Email))\n");
        text.push_str("  only hs.hubspotscore > 65 and hs.country in [\"US\", \"CA\"]\n");
        text.push_str("  create in sf\n  conflict prefer sf unless blank\n  limit creates 100\n\n");
        for mapping in 0..MAPPINGS_PER_SYNC {
            let line = match mapping % 5 {
                0 => format!("  hs.field_{mapping} <-> sf.Field_{mapping}__c\n"),
                1 => format!(
                    "  hs.field_{mapping} <-> sf.Field_{mapping}__c default \"Unknown\" keep when blank  # note\n"
                ),
                2 => {
                    format!("  hs.field_{mapping} <- round(sf.Amount_{mapping}__c / 12, 2) ?? 0\n")
                }
                3 => format!(
                    "  hs.field_{mapping} <-> sf.Field_{mapping}__c transform lower(trim(hs.field_{mapping})) reverse upper(sf.Field_{mapping}__c)\n"
                ),
                _ => format!(
                    "  hs.field_{mapping} -> sf.Field_{mapping}__c via {{\n    \"a\" => \"A\"\n    else => \"B\"\n  }}\n"
                ),
            };
            text.push_str(&line);
        }
        text.push_str("}\n\n");
    }
    text
}

fn parse_benchmarks(c: &mut Criterion) {
    let text = generated_spec();
    let mut sources = SourceMap::new();
    sources.add("generated.tandem", text.clone());
    let (spec, diags) = parse_spec(&sources);
    assert!(diags.is_empty(), "the generated spec must parse: {diags:?}");
    let mappings: usize = spec.syncs().map(|sync| sync.mappings().count()).sum();
    assert_eq!(mappings, SYNCS * MAPPINGS_PER_SYNC);

    let mut group = c.benchmark_group("syntax");
    group.sample_size(20);
    group.bench_function("parse_5000_mappings", |b| {
        b.iter(|| parse_spec(std::hint::black_box(&sources)))
    });
    group.bench_function("format_5000_mappings", |b| {
        b.iter(|| format_source(FileId(0), std::hint::black_box(&text)))
    });
    group.finish();
}

criterion_group!(benches, parse_benchmarks);
criterion_main!(benches);
