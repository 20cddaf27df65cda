//! The checker refuses exactly what the CRMs refuse, measured: the shipped specs
//! (`specs/revops`, `specs/subscriptions`) are mutated thousands of ways (every mapped field
//! into every other field of the other side, every literal of a field's pool into every field,
//! defaults, value-map values, triggered actions, pipelines, dropped mappings; see
//! `generate.rs`), each mutated spec goes through the offline stages `tandem validate` runs,
//! and each write the mutation implies is sent over HTTP to an in-process sandbox, whose
//! answers stand for the CRMs' (where the sandbox and a CRM differ, the sandbox is fixed).
//! `verdict.rs` says when the two agree. Nothing is printed unless they disagree; then the
//! first disagreements are listed with the edit, the checker's diagnostics and each write's
//! answer.
//!
//! Witnesses are typical values of each source type plus the length that decides whether a
//! value fits; numbers are whole (numeric range and precision are not exercised), and a
//! literal record id always names a record that exists (existence is data, not spec).

mod corpus;
mod crm;
mod generate;
mod values;
mod verdict;

use std::collections::BTreeMap;

use corpus::ShippedSpec;
use crm::{Crm, Outcome, Write, WriteKind, base_record};
use generate::Generator;
use tandem::diagnostics::Diag;
use tandem::schema::{FieldType, Schemas, System};
use verdict::{CheckerVerdict, disagreement};

/// The Salesforce objects whose records a literal id may name.
const SEEDED: &[&str] = &[
    "Account",
    "Contact",
    "Lead",
    "Opportunity",
    "Subscription__c",
];

#[test]
fn the_checker_refuses_exactly_the_writes_the_sandbox_refuses() {
    let schemas = Schemas::standard();
    let specs = [
        ShippedSpec::load("specs/revops"),
        ShippedSpec::load("specs/subscriptions"),
    ];
    // The stages run here are validate's: on the shipped text they say what validate says.
    for spec in &specs {
        let codes: Vec<String> = spec
            .diagnose(0, &spec.pieces[0].text, &schemas)
            .iter()
            .map(Diag::code)
            .collect();
        let mut sorted = codes.clone();
        sorted.sort();
        let mut expected = spec.base_codes.clone();
        expected.sort();
        assert_eq!(
            sorted, expected,
            "{}: the stages differ from validate",
            spec.name
        );
    }

    let crm = Crm::start();
    let ids: BTreeMap<String, String> = SEEDED
        .iter()
        .map(|object| {
            let id = crm.seed(
                System::Salesforce,
                object,
                &base_record(System::Salesforce, object),
            );
            (object.to_string(), id)
        })
        .collect();
    // The valid records every write starts from are valid.
    let bases: Vec<Write> = [
        (System::Hubspot, "contacts"),
        (System::Hubspot, "companies"),
        (System::Hubspot, "deals"),
        (System::Hubspot, "tasks"),
        (System::Hubspot, "subscriptions"),
        (System::Salesforce, "Lead"),
        (System::Salesforce, "Contact"),
        (System::Salesforce, "Account"),
        (System::Salesforce, "Opportunity"),
        (System::Salesforce, "Subscription__c"),
        (System::Salesforce, "Task"),
    ]
    .into_iter()
    .map(|(system, object)| Write {
        system,
        object: object.to_string(),
        kind: WriteKind::Create,
        fields: Default::default(),
        omit: Vec::new(),
        meant: None,
    })
    .collect();
    for (base, outcome) in bases.iter().zip(crm.answer(&bases, &|_| false)) {
        assert_eq!(
            outcome,
            Outcome::Stored,
            "the base record of {}",
            base.describe()
        );
    }

    let existing = |object: &str| ids.get(object).cloned();
    let mut generator = Generator {
        schemas: &schemas,
        specs: &specs,
        existing_ids: &existing,
        out: Vec::new(),
    };
    generator.generate();
    let mutations = generator.out;

    // The checker's verdict on each mutation, on a few threads (the stages are pure).
    let verdict_of = |mutation: &generate::Mutation| {
        let spec = &specs[mutation.spec];
        let (piece, start, end) = spec.locate(mutation.file, mutation.start, mutation.end);
        let mut text = spec.pieces[piece].text.clone();
        text.replace_range(start..end, &mutation.text);
        CheckerVerdict::of(&spec.diagnose(piece, &text, &schemas), &spec.base_warnings)
    };
    let threads = std::thread::available_parallelism()
        .map(|n| n.get().min(4))
        .unwrap_or(1);
    let chunk = mutations.len().div_ceil(threads).max(1);
    let verdicts: Vec<CheckerVerdict> = std::thread::scope(|scope| {
        let handles: Vec<_> = mutations
            .chunks(chunk)
            .map(|part| scope.spawn(|| part.iter().map(verdict_of).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| handle.join().expect("a checker thread"))
            .collect()
    });

    // The CRM's answer to each distinct write.
    let mut distinct: Vec<Write> = Vec::new();
    let mut index_of: BTreeMap<String, usize> = BTreeMap::new();
    for write in mutations.iter().flat_map(|m| &m.writes) {
        index_of.entry(write.key()).or_insert_with(|| {
            distinct.push(write.clone());
            distinct.len() - 1
        });
    }
    let unique = |write: &Write| {
        let Some(object) = schemas.object(write.system, &write.object) else {
            return false;
        };
        write.fields.keys().any(|name| {
            object
                .field(name)
                .is_some_and(|field| field.unique || field.external_id)
        })
    };
    let answers = crm.answer(&distinct, &unique);

    // A number, boolean or date into an unrestricted picklist: the checker's deliberate
    // demand for `text(...)` (see verdict.rs).
    let non_text_into_open_picklist = |write: &Write| {
        let Some((field, _, meant_type)) = &write.meant else {
            return false;
        };
        // Unrestricted, or a list the snapshot does not hold (HubSpot external options other
        // than stages, pipelines and owners).
        let open = schemas
            .object(write.system, &write.object)
            .and_then(|object| object.field(field))
            .filter(|field| {
                matches!(
                    field.field_type,
                    FieldType::Picklist | FieldType::Multipicklist
                )
            })
            .is_some_and(|field| field.picklist.as_ref().is_none_or(|p| !p.restricted));
        open && !matches!(
            meant_type,
            FieldType::String
                | FieldType::Textarea
                | FieldType::Picklist
                | FieldType::Multipicklist
        )
    };
    let mut failures = Vec::new();
    let mut disagreements = 0;
    let mut deliberate_refusals = 0;
    for (mutation, verdict) in mutations.iter().zip(&verdicts) {
        let outcomes: Vec<&Outcome> = mutation
            .writes
            .iter()
            .map(|write| &answers[index_of[&write.key()]])
            .collect();
        let into_open =
            !mutation.writes.is_empty() && mutation.writes.iter().all(non_text_into_open_picklist);
        if verdict::deliberate(verdict, into_open, &outcomes) {
            deliberate_refusals += 1;
            continue;
        }
        let Some(reason) = disagreement(verdict, &outcomes) else {
            continue;
        };
        disagreements += 1;
        if failures.len() < 25 {
            let mut report = format!("{}\n  {reason}\n  checker: {verdict:?}", mutation.what);
            for (write, outcome) in mutation.writes.iter().zip(&outcomes) {
                report.push_str(&format!("\n  {} -> {outcome:?}", write.describe()));
            }
            failures.push(report);
        }
    }
    assert!(
        mutations.len() >= 5_000,
        "only {} mutations were generated",
        mutations.len()
    );
    assert!(
        disagreements == 0,
        "{disagreements} of {} mutations ({} distinct writes; {deliberate_refusals} deliberate refusals) disagree; the first:\n\n{}",
        mutations.len(),
        distinct.len(),
        failures.join("\n\n")
    );
}
