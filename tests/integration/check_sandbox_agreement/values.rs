//! The values a mutation writes: for a mapped source field, witnesses (typical values of its
//! type, plus the longest one that matters for the target); for a target field, a pool of
//! literals (its picklist values, labels, inactive and unknown values, values of other
//! picklists, lengths on both sides of its limit, every kind of literal). Each is held in
//! the planner's canonical JSON, and written as the runtime writes it
//! (`canonical` to the target's type, then `encode_for` the target system).

use serde_json::{Value, json};
use tandem::schema::{FieldSchema, FieldType, ObjectSchema, Schemas, System};
use tandem::syntax::ast::escape_string;

/// A literal as the spec writes it, and the value compile makes of it.
#[derive(Debug, Clone)]
pub struct Literal {
    pub spec: String,
    pub json: Value,
    /// The type the value has as written (what a read-back is compared in).
    pub kind: FieldType,
}

fn text(value: &str) -> Literal {
    Literal {
        spec: format!("\"{}\"", escape_string(value)),
        json: json!(value),
        kind: FieldType::String,
    }
}

fn number(value: i64) -> Literal {
    Literal {
        spec: value.to_string(),
        json: json!(value),
        kind: FieldType::Double,
    }
}

fn boolean(value: bool) -> Literal {
    Literal {
        spec: value.to_string(),
        json: json!(value),
        kind: FieldType::Bool,
    }
}

fn date() -> Literal {
    Literal {
        spec: "@2024-01-31".to_string(),
        json: json!("2024-01-31"),
        kind: FieldType::Date,
    }
}

fn datetime() -> Literal {
    Literal {
        spec: "@2024-01-31T09:30:00Z".to_string(),
        json: json!("2024-01-31T09:30:00.000Z"),
        kind: FieldType::Datetime,
    }
}

/// `n` characters of `c`.
fn repeat(c: char, n: u32) -> String {
    std::iter::repeat_n(c, n as usize).collect()
}

/// An email address of exactly `n` characters (at least 14).
fn email_of_length(n: u32) -> String {
    let domain = "@acme.example";
    format!(
        "{}{domain}",
        repeat('e', n.saturating_sub(domain.len() as u32).max(1))
    )
}

/// Whether the CRM validates the field as an email address.
fn is_email_field(system: System, field: &FieldSchema) -> bool {
    tandem::schema::email::validates_as_email(system, field)
}

/// The values a picklist-like field lists, with labels and activity: its own picklist, or
/// for HubSpot's external options the pipelines' stages, the pipelines or the owners.
pub fn listed_values(
    schemas: &Schemas,
    system: System,
    object: &ObjectSchema,
    field: &FieldSchema,
) -> Vec<(String, String, bool)> {
    if let Some(picklist) = &field.picklist {
        return picklist
            .values
            .iter()
            .map(|value| (value.value.clone(), value.label.clone(), value.active))
            .collect();
    }
    if system != System::Hubspot || !field.external_options {
        return Vec::new();
    }
    match field.name.as_str() {
        "dealstage" | "hs_pipeline_stage" => object
            .pipelines
            .iter()
            .flat_map(|pipeline| pipeline.stages.iter())
            .map(|stage| (stage.id.clone(), stage.label.clone(), true))
            .collect(),
        "pipeline" | "hs_pipeline" => object
            .pipelines
            .iter()
            .map(|pipeline| (pipeline.id.clone(), pipeline.label.clone(), true))
            .collect(),
        "hubspot_owner_id" => schemas
            .get(System::Hubspot)
            .map(|snapshot| {
                snapshot
                    .owners
                    .iter()
                    .map(|owner| (owner.id.clone(), owner.email.clone(), true))
                    .collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// The literals written into `field`: every kind of value its type could be confused with,
/// and for lists and text the values on both sides of what it accepts.
pub fn literal_pool(
    schemas: &Schemas,
    system: System,
    object: &ObjectSchema,
    field: &FieldSchema,
    existing_ids: &dyn Fn(&str) -> Option<String>,
) -> Vec<Literal> {
    let mut pool = Vec::new();
    let listed = listed_values(schemas, system, object, field);
    match field.field_type {
        FieldType::Picklist | FieldType::Multipicklist => {
            // Every listed value (active and inactive), a few labels that differ from
            // their values, a value that is not listed, values of other lists.
            for (value, _, _) in listed.iter().take(14) {
                pool.push(text(value));
            }
            for (value, _, active) in listed.iter().skip(14) {
                if !active {
                    pool.push(text(value));
                }
            }
            for (value, label, _) in listed.iter().filter(|(v, l, _)| v != l).take(2) {
                let _ = value;
                pool.push(text(label));
            }
            pool.push(text("Not A Listed Value"));
            for other in object
                .fields
                .values()
                .filter(|other| other.name != field.name && other.picklist.is_some())
                .take(3)
            {
                if let Some(first) = other.picklist.as_ref().and_then(|p| p.values.first()) {
                    pool.push(text(&first.value));
                }
            }
            if field.field_type == FieldType::Multipicklist && listed.len() >= 2 {
                pool.push(text(&format!("{};{}", listed[0].0, listed[1].0)));
            }
            if let Some(length) = field.length {
                pool.push(text(&repeat('p', length + 1)));
            }
            pool.push(number(42));
        }
        _ if is_email_field(system, field) => {
            pool.push(text("ava@acme.example"));
            pool.push(text("not an email"));
            if let Some(length) = field.length {
                pool.push(text(&email_of_length(length)));
                pool.push(text(&email_of_length(length + 1)));
            }
            pool.push(number(42));
        }
        FieldType::String
        | FieldType::Textarea
        | FieldType::Phone
        | FieldType::Url
        | FieldType::Email => {
            pool.push(text("Acme"));
            match field.length {
                Some(length) => {
                    pool.push(text(&repeat('y', length)));
                    pool.push(text(&repeat('y', length + 1)));
                }
                None => pool.push(text(&repeat('y', 300))),
            }
            pool.push(number(42));
            pool.push(boolean(true));
            pool.push(date());
        }
        FieldType::Int | FieldType::Double | FieldType::Currency | FieldType::Percent => {
            pool.push(number(42));
            pool.push(text("42"));
            pool.push(text("forty-two"));
            pool.push(boolean(true));
            pool.push(date());
        }
        FieldType::Bool => {
            pool.push(boolean(true));
            pool.push(boolean(false));
            pool.push(text("true"));
            pool.push(text("yes"));
            pool.push(number(1));
        }
        FieldType::Date => {
            pool.push(date());
            pool.push(text("2024-01-31"));
            pool.push(text("31/01/2024"));
            pool.push(datetime());
            pool.push(number(42));
        }
        FieldType::Datetime => {
            pool.push(datetime());
            pool.push(date());
            pool.push(text("2024-01-31T09:30:00Z"));
            pool.push(text("soon"));
            pool.push(boolean(false));
        }
        FieldType::Reference => {
            pool.push(text("Acme"));
            pool.push(number(42));
            // A well-formed id of a record that exists; whether an id names a record is
            // data, not spec, so ids of records that do not exist are not written.
            for target in &field.reference_to {
                if let Some(id) = existing_ids(target) {
                    pool.push(text(&id));
                    break;
                }
            }
        }
        FieldType::Id | FieldType::Time => {
            pool.push(text("Acme"));
            pool.push(number(42));
        }
    }
    pool
}

/// Typical values of a source field, as the planner holds them (canonical for its type),
/// plus, when `target` has a length, the longest value that tells whether it fits (one
/// character over the target's limit when the source can be that long).
pub fn witnesses(
    schemas: &Schemas,
    system: System,
    object: &ObjectSchema,
    source: &FieldSchema,
    target: &FieldSchema,
) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    let limit = target.length.filter(|_| {
        target.is_text()
            || matches!(
                target.field_type,
                FieldType::Picklist | FieldType::Multipicklist
            )
    });
    let longest = |source_length: Option<u32>| -> Option<u32> {
        let limit = limit?;
        Some(match source_length {
            Some(length) => length.min(limit + 1),
            None => limit + 1,
        })
    };
    match source.field_type {
        _ if is_email_field(system, source) => {
            out.push(json!("ava@acme.example"));
            out.push(json!("a@b.co"));
            if let Some(length) = longest(source.length) {
                out.push(json!(email_of_length(length.max(14))));
            }
        }
        FieldType::String
        | FieldType::Textarea
        | FieldType::Phone
        | FieldType::Url
        | FieldType::Email => {
            let typical = match source.field_type {
                FieldType::Phone => "+1 415 555 0100",
                FieldType::Url => "https://acme.example",
                _ => "Acme Corp",
            };
            out.push(json!(typical));
            // The shortest values the type holds too, so a length limit shows as partial.
            match source.field_type {
                FieldType::Phone => out.push(json!("911")),
                FieldType::Url => out.push(json!("a.io")),
                _ => {}
            }
            if source.field_type == FieldType::String || source.field_type == FieldType::Textarea {
                out.push(json!("42"));
                out.push(json!("ava@acme.example"));
            }
            if let Some(length) = longest(source.length) {
                out.push(json!(repeat('x', length)));
            }
        }
        FieldType::Int | FieldType::Double | FieldType::Currency | FieldType::Percent => {
            out.push(json!(42));
        }
        FieldType::Bool => {
            out.push(json!(true));
            out.push(json!(false));
        }
        FieldType::Date => out.push(json!("2024-01-31")),
        FieldType::Datetime => out.push(json!("2024-01-31T09:30:00.000Z")),
        FieldType::Time => out.push(json!("09:30:00.000Z")),
        FieldType::Picklist | FieldType::Multipicklist => {
            let listed = listed_values(schemas, system, object, source);
            let active: Vec<&String> = listed
                .iter()
                .filter(|(_, _, active)| *active)
                .map(|(value, _, _)| value)
                .collect();
            // Values the target lists and values it does not, so a partial cover shows.
            let target_listed: Vec<String> = target
                .picklist
                .as_ref()
                .map(|picklist| picklist.values.iter().map(|v| v.value.clone()).collect())
                .unwrap_or_default();
            let mut chosen: Vec<&String> = active.iter().take(3).copied().collect();
            chosen.extend(
                active
                    .iter()
                    .filter(|value| !target_listed.contains(value))
                    .take(3)
                    .copied(),
            );
            chosen.extend(
                active
                    .iter()
                    .filter(|value| target_listed.contains(value))
                    .take(2)
                    .copied(),
            );
            if let Some(longest_value) = active.iter().max_by_key(|value| value.chars().count()) {
                chosen.push(longest_value);
            }
            if let Some(shortest_value) = active.iter().min_by_key(|value| value.chars().count()) {
                chosen.push(shortest_value);
            }
            for value in chosen {
                if !out.contains(&json!(value)) {
                    out.push(json!(value));
                }
            }
            if source.field_type == FieldType::Multipicklist && active.len() >= 2 {
                out.push(json!(format!("{};{}", active[0], active[1])));
            }
        }
        FieldType::Id | FieldType::Reference => match system {
            // HubSpot ids are numbers of any size.
            System::Hubspot => {
                out.push(json!("12345678"));
                out.push(json!("101"));
            }
            System::Salesforce => out.push(json!("0015g00000Abcd1AAA")),
        },
    }
    out
}

/// The value sent for `value` (canonical JSON) written into `target` on `system`, as
/// `merge::value_for` and `apply` make it.
pub fn wire(system: System, value: &Value, target: &FieldSchema) -> Value {
    let converted = tandem_ground::value::canonical(value, target.field_type);
    tandem_ground::value::encode_for(system, &converted, target.field_type)
}
