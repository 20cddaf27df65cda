//! `tandem validate` at scale: a generated 5,000-mapping spec (25 syncs of 200 mappings)
//! against generated full-size snapshots (25 object pairs, 400 fields per object, with
//! picklists of 40 values). Benchmarks the check stage alone, compile on its output, and the
//! whole offline pipeline (parse, names, schemas, check).

use std::fmt::Write as _;

use criterion::{Criterion, criterion_group, criterion_main};
use tandem::diagnostics::SourceMap;
use tandem::project::{LoadedSpec, ValidateOptions, validate_sources};
use tandem::schema::snapshot::write_dir;
use tandem::schema::{
    FieldSchema, FieldType, ObjectSchema, Picklist, PicklistValue, SchemaSnapshot, Schemas, System,
};

const OBJECT_PAIRS: usize = 25;
const FIELDS_PER_OBJECT: usize = 400;
const MAPPINGS_PER_SYNC: usize = 200;
const PICKLIST_VALUES: usize = 40;

fn picklist(restricted: bool) -> Picklist {
    Picklist {
        restricted,
        values: (0..PICKLIST_VALUES)
            .map(|index| PicklistValue {
                value: format!("value_{index}"),
                label: format!("Value {index}"),
                active: true,
                default: false,
            })
            .collect(),
    }
}

/// Field `index` of a generated object: a rotation of text, number, picklist and date.
fn field(index: usize, system: System) -> FieldSchema {
    let name = match system {
        System::Hubspot => format!("prop_{index}"),
        System::Salesforce => format!("Field_{index}__c"),
    };
    let (field_type, length) = match index % 4 {
        0 => (FieldType::String, Some(255)),
        1 => (FieldType::Double, None),
        2 => (FieldType::Picklist, Some(255)),
        _ => (FieldType::Date, None),
    };
    let mut field = FieldSchema::new(&name, &name, field_type);
    field.length = if system == System::Salesforce {
        length
    } else {
        None
    };
    if field_type == FieldType::Picklist {
        field.picklist = Some(picklist(true));
    }
    if field_type == FieldType::Double {
        field.precision = Some(18);
        field.scale = Some(2);
    }
    field
}

fn snapshot(system: System) -> SchemaSnapshot {
    let mut snapshot = SchemaSnapshot::new(system);
    for pair in 0..OBJECT_PAIRS {
        let name = match system {
            System::Hubspot => format!("objects_{pair}"),
            System::Salesforce => format!("Object_{pair}__c"),
        };
        let mut object = ObjectSchema::new(&name, &name);
        for index in 0..FIELDS_PER_OBJECT {
            let field = field(index, system);
            object.fields.insert(field.name.clone(), field);
        }
        let mut id = FieldSchema::new("Id", "Id", FieldType::Id);
        id.createable = false;
        id.updateable = false;
        id.id_lookup = true;
        object.fields.insert("Id".to_string(), id);
        snapshot.objects.insert(name, object);
    }
    snapshot
}

/// The spec: one sync per object pair, 200 two-way mappings each, with truncation on text
/// and an inline value map on every picklist (40 pairs).
fn spec_text() -> String {
    let mut text = String::from("connection hs: hubspot\nconnection sf: salesforce\n\n");
    for pair in 0..OBJECT_PAIRS {
        let _ = writeln!(
            text,
            "sync sync_{pair}: hs.objects_{pair} <-> sf.Object_{pair}__c {{\n  match hs.prop_0 = sf.Id\n  conflict newest"
        );
        for index in 0..MAPPINGS_PER_SYNC {
            let field_index = index + 4; // keep prop_0 for the match key
            let (left, right) = (
                format!("hs.prop_{field_index}"),
                format!("sf.Field_{field_index}__c"),
            );
            match field_index % 4 {
                0 => {
                    let _ = writeln!(text, "  {left} <-> {right} truncate 255");
                }
                2 => {
                    let _ = writeln!(text, "  {left} <-> {right} via {{");
                    for value in 0..PICKLIST_VALUES {
                        let _ = writeln!(text, "    \"value_{value}\" <=> \"value_{value}\"");
                    }
                    let _ = writeln!(text, "  }}");
                }
                _ => {
                    let _ = writeln!(text, "  {left} <-> {right}");
                }
            }
        }
        text.push_str("}\n\n");
    }
    text
}

fn bench_check(c: &mut Criterion) {
    let mut schemas = Schemas::new();
    schemas.insert(snapshot(System::Hubspot));
    schemas.insert(snapshot(System::Salesforce));
    let text = spec_text();
    let mut sources = SourceMap::new();
    sources.add("bench.tandem", text.clone());
    let (spec, syntax) = tandem::syntax::parse_spec(&sources);
    assert!(
        syntax.is_empty(),
        "the generated spec must parse: {syntax:?}"
    );
    let mappings: usize = spec.syncs().map(|sync| sync.mappings().count()).sum();
    assert_eq!(mappings, OBJECT_PAIRS * MAPPINGS_PER_SYNC);
    let tables = tandem::project::Tables::new();
    let (checked, diags) = tandem::check::check(&spec, &schemas, &tables);
    assert!(
        diags.is_empty(),
        "the generated spec must check clean: {diags:?}"
    );
    let program = tandem::compile::compile(&checked).expect("the checked spec compiles");
    assert_eq!(program.syncs.len(), OBJECT_PAIRS);

    let mut group = c.benchmark_group("validate_5000_mappings");
    group.sample_size(20);
    group.bench_function("check", |b| {
        b.iter(|| tandem::check::check(&spec, &schemas, &tables))
    });
    // Compile lowers the checked spec alone: no names to resolve, no snapshots to read.
    group.bench_function("compile", |b| b.iter(|| tandem::compile::compile(&checked)));

    let dir = tempfile::tempdir().expect("temp dir");
    write_dir(&dir.path().join("schemas"), &schemas).expect("snapshots written");
    let options = ValidateOptions {
        schemas_dir: Some(dir.path().join("schemas")),
    };
    group.bench_function("parse_names_schemas_check", |b| {
        b.iter(|| {
            let loaded = LoadedSpec {
                root: dir.path().to_path_buf(),
                sources: sources.clone(),
                files: Vec::new(),
            };
            let validation = validate_sources(loaded, &options);
            assert!(validation.diags.is_empty());
            validation
        })
    });
    group.finish();
}

criterion_group!(benches, bench_check);
criterion_main!(benches);
