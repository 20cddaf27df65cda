//! Write validation driven by the schema model: unknown and read-only fields, required
//! fields, restricted picklists, lengths, emails, number / date / boolean formats and id
//! shapes. Produces normalised stored strings or CRM-neutral [`Violation`]s; each CRM's
//! router renders those in its own error codes and bodies.

use serde_json::Value;

use tandem_ground::schema::{FieldSchema, FieldType, ObjectSchema, System};

use super::clock;
use super::ids;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteKind {
    Create,
    Update,
}

/// One reason a write is refused, with the raw data each CRM's message needs.
#[derive(Debug, Clone, PartialEq)]
pub enum Violation {
    UnknownField {
        field: String,
    },
    NotWritable {
        field: String,
    },
    RequiredMissing {
        fields: Vec<String>,
    },
    BadPicklist {
        field: String,
        label: String,
        value: String,
        allowed: Vec<String>,
    },
    TooLong {
        field: String,
        label: String,
        value: String,
        max: u32,
    },
    BadEmail {
        field: String,
        label: String,
        value: String,
    },
    BadNumber {
        field: String,
        label: String,
        value: String,
    },
    BadBool {
        field: String,
        label: String,
        value: String,
    },
    BadDate {
        field: String,
        label: String,
        value: String,
    },
    MalformedId {
        field: String,
        label: String,
        value: String,
    },
    BadReference {
        field: String,
        label: String,
        value: String,
    },
}

impl Violation {
    pub fn field(&self) -> Option<&str> {
        match self {
            Violation::UnknownField { field }
            | Violation::NotWritable { field }
            | Violation::BadPicklist { field, .. }
            | Violation::TooLong { field, .. }
            | Violation::BadEmail { field, .. }
            | Violation::BadNumber { field, .. }
            | Violation::BadBool { field, .. }
            | Violation::BadDate { field, .. }
            | Violation::MalformedId { field, .. }
            | Violation::BadReference { field, .. } => Some(field),
            Violation::RequiredMissing { .. } => None,
        }
    }
}

/// Extra checks that need more than the field definition: pipelines, owners, references.
pub trait ValueOracle {
    /// HubSpot `externalOptions` fields: the allowed values (deal stages, owner ids).
    fn external_options(
        &self,
        _field: &str,
        _record_pipeline: Option<&str>,
    ) -> Option<Vec<String>> {
        None
    }
    /// Salesforce lookups: whether a well-formed id names a live record of an allowed type.
    fn reference_exists(&self, _targets: &[String], _id: &str) -> bool {
        true
    }
}

pub struct NoOracle;
impl ValueOracle for NoOracle {}

/// Validates and normalises one record's input. `Ok` holds `(field, new value or None to
/// clear)` in input order, plus defaults filled in on create.
pub fn normalize_input(
    system: System,
    object: &ObjectSchema,
    kind: WriteKind,
    input: &serde_json::Map<String, Value>,
    oracle: &dyn ValueOracle,
) -> Result<Vec<(String, Option<String>)>, Vec<Violation>> {
    let mut out = Vec::new();
    let mut violations = Vec::new();
    for (name, value) in input {
        if name == "attributes" && system == System::Salesforce {
            continue;
        }
        let Some(field) = object
            .field(name)
            .or_else(|| case_insensitive(object, name, system))
        else {
            violations.push(Violation::UnknownField {
                field: name.clone(),
            });
            continue;
        };
        let writable = match kind {
            WriteKind::Create => field.writable_on_create(),
            WriteKind::Update => field.writable_on_update(),
        };
        if !writable {
            violations.push(Violation::NotWritable {
                field: field.name.clone(),
            });
            continue;
        }
        let pipeline = input
            .get("pipeline")
            .and_then(Value::as_str)
            .or_else(|| created_in_default_pipeline(system, object, kind));
        match normalize_value(system, field, value, oracle, pipeline) {
            Ok(Some(stored)) => out.push((field.name.clone(), Some(stored))),
            Ok(None) => {
                if system == System::Salesforce && !field.nillable && !is_boolean(field) {
                    violations.push(Violation::RequiredMissing {
                        fields: vec![field.name.clone()],
                    });
                } else {
                    out.push((field.name.clone(), None));
                }
            }
            Err(violation) => violations.push(violation),
        }
    }
    if kind == WriteKind::Create {
        let mut missing = Vec::new();
        for field in object.fields.values() {
            // A field given with a bad value is reported for that value, not as missing.
            let given = out
                .iter()
                .any(|(name, value)| name == &field.name && value.is_some())
                || input.iter().any(|(name, value)| {
                    name.eq_ignore_ascii_case(&field.name)
                        && !value.is_null()
                        && value.as_str() != Some("")
                });
            if given || !field.createable {
                continue;
            }
            let default = match system {
                System::Salesforce => default_for(field),
                System::Hubspot => None,
            };
            if field.required_on_create {
                missing.push(field.name.clone());
            } else if let Some(default) = default {
                out.push((field.name.clone(), Some(default)));
            }
        }
        if !missing.is_empty() {
            violations.insert(0, Violation::RequiredMissing { fields: missing });
        }
    }
    if violations.is_empty() {
        Ok(out)
    } else {
        Err(violations)
    }
}

/// The pipeline a HubSpot record created without one goes to. HubSpot's deals guide: "If a
/// pipeline isn't specified, the default pipeline will be used"; and its pipelines overview:
/// "if you're setting a stage that is not in the default pipeline, you'll also need to set
/// the pipeline property that lines up with that stage"
/// (developers.hubspot.com/docs/api/crm/deals, /docs/methods/pipelines/pipelines_overview).
/// The default pipeline has the id `default`; a snapshot without one lists it first.
fn created_in_default_pipeline(
    system: System,
    object: &ObjectSchema,
    kind: WriteKind,
) -> Option<&str> {
    if system != System::Hubspot || kind != WriteKind::Create {
        return None;
    }
    object
        .pipeline("default")
        .or_else(|| object.pipelines.first())
        .map(|pipeline| pipeline.id.as_str())
}

/// Salesforce field names are case-insensitive on input; HubSpot property names are not.
fn case_insensitive<'a>(
    object: &'a ObjectSchema,
    name: &str,
    system: System,
) -> Option<&'a FieldSchema> {
    if system != System::Salesforce {
        return None;
    }
    object
        .fields
        .values()
        .find(|f| f.name.eq_ignore_ascii_case(name))
}

fn is_boolean(field: &FieldSchema) -> bool {
    field.field_type == FieldType::Bool
}

fn default_for(field: &FieldSchema) -> Option<String> {
    if let Some(default) = &field.default_value {
        return Some(default.clone());
    }
    if let Some(list) = &field.picklist {
        if let Some(value) = list.values.iter().find(|v| v.default && v.active) {
            return Some(value.value.clone());
        }
    }
    None
}

fn json_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(text) => Some(text.clone()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Number(number) => Some(number.to_string()),
        other => Some(other.to_string()),
    }
}

/// Normalises one value to its stored string; `Ok(None)` clears the field.
pub fn normalize_value(
    system: System,
    field: &FieldSchema,
    value: &Value,
    oracle: &dyn ValueOracle,
    pipeline: Option<&str>,
) -> Result<Option<String>, Violation> {
    let Some(text) = json_text(value) else {
        return Ok(None);
    };
    // HubSpot clears a value with "", Salesforce treats "" as null for most types.
    if text.is_empty() {
        return Ok(None);
    }
    let name = field.name.clone();
    let label = field.label.clone();
    let chars = text.chars().count() as u32;
    match effective_type(system, field) {
        FieldType::Email => {
            if !is_valid_email(&text) {
                return Err(Violation::BadEmail {
                    field: name,
                    label,
                    value: text,
                });
            }
            check_length(field, &text, chars)?;
            Ok(Some(if system == System::Hubspot {
                text.to_lowercase()
            } else {
                text
            }))
        }
        FieldType::Int => {
            let trimmed = text.trim();
            let ok = trimmed.parse::<i64>().is_ok()
                || trimmed
                    .parse::<f64>()
                    .is_ok_and(|n| n.fract() == 0.0 && n.is_finite());
            if !ok {
                return Err(Violation::BadNumber {
                    field: name,
                    label,
                    value: text,
                });
            }
            let number: f64 = trimmed.parse().unwrap_or(0.0);
            Ok(Some(format!("{}", number as i64)))
        }
        FieldType::Double | FieldType::Currency | FieldType::Percent => {
            match text.trim().parse::<f64>() {
                Ok(number) if number.is_finite() => Ok(Some(text.trim().to_string())),
                _ => Err(Violation::BadNumber {
                    field: name,
                    label,
                    value: text,
                }),
            }
        }
        FieldType::Bool => match text.to_ascii_lowercase().as_str() {
            "true" => Ok(Some("true".into())),
            "false" => Ok(Some("false".into())),
            _ => Err(Violation::BadBool {
                field: name,
                label,
                value: text,
            }),
        },
        FieldType::Date => {
            let ms = clock::parse_date_ms(&text).or_else(|| {
                // HubSpot dates may be sent as epoch ms at midnight UTC.
                if system == System::Hubspot {
                    clock::parse_datetime_ms(&text).filter(|ms| ms.rem_euclid(86_400_000) == 0)
                } else {
                    clock::parse_datetime_ms(&text)
                }
            });
            match ms {
                Some(ms) => Ok(Some(clock::date_string(ms))),
                None => Err(Violation::BadDate {
                    field: name,
                    label,
                    value: text,
                }),
            }
        }
        FieldType::Datetime => match clock::parse_datetime_ms(&text) {
            Some(ms) => Ok(Some(match system {
                System::Salesforce => clock::salesforce_datetime(ms),
                System::Hubspot => clock::hubspot_datetime(ms),
            })),
            None => Err(Violation::BadDate {
                field: name,
                label,
                value: text,
            }),
        },
        FieldType::Picklist | FieldType::Multipicklist => {
            let allowed: Option<Vec<String>> = if field.external_options {
                oracle.external_options(&field.name, pipeline)
            } else {
                field
                    .picklist
                    .as_ref()
                    .filter(|list| list.restricted || system == System::Hubspot)
                    .map(|list| list.active_values().map(|v| v.value.clone()).collect())
            };
            if let Some(allowed) = allowed {
                let parts: Vec<&str> = if field.field_type == FieldType::Multipicklist {
                    text.split(';').collect()
                } else {
                    vec![text.as_str()]
                };
                for part in parts {
                    if !allowed.iter().any(|a| a == part) {
                        return Err(Violation::BadPicklist {
                            field: name,
                            label,
                            value: text.clone(),
                            allowed,
                        });
                    }
                }
            }
            check_length(field, &text, chars)?;
            Ok(Some(text))
        }
        FieldType::Reference if system == System::Salesforce => {
            let Some(id) = ids::normalize_salesforce_id(&text) else {
                return Err(Violation::MalformedId {
                    field: name,
                    label,
                    value: text,
                });
            };
            if !oracle.reference_exists(&field.reference_to, &id) {
                return Err(Violation::BadReference {
                    field: name,
                    label,
                    value: text,
                });
            }
            Ok(Some(id))
        }
        _ => {
            check_length(field, &text, chars)?;
            Ok(Some(text))
        }
    }
}

/// HubSpot's `email` property is a plain `string` in its metadata, yet HubSpot validates
/// it as an address (INVALID_EMAIL); validate it as the email type it is.
pub fn effective_type(system: System, field: &FieldSchema) -> FieldType {
    if tandem_ground::schema::email::validates_as_email(system, field) {
        return FieldType::Email;
    }
    field.field_type
}

fn check_length(field: &FieldSchema, text: &str, chars: u32) -> Result<(), Violation> {
    match field.length {
        Some(max) if chars > max => Err(Violation::TooLong {
            field: field.name.clone(),
            label: field.label.clone(),
            value: text.to_string(),
            max,
        }),
        _ => Ok(()),
    }
}

/// What both CRMs accept as an address (the rule lives in `schema::email`).
pub fn is_valid_email(text: &str) -> bool {
    tandem_ground::schema::email::is_email_address(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog;
    use serde_json::json;

    fn input(value: Value) -> serde_json::Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn salesforce_lead_create_requires_last_name_and_company() {
        let schema = catalog::standard_salesforce();
        let lead = schema.object("Lead").expect("Lead in catalog");
        let result = normalize_input(
            System::Salesforce,
            lead,
            WriteKind::Create,
            &input(json!({"FirstName": "A"})),
            &NoOracle,
        );
        let Err(violations) = result else {
            panic!("expected violations")
        };
        assert!(
            matches!(&violations[0], Violation::RequiredMissing { fields } if fields.contains(&"LastName".to_string()) && fields.contains(&"Company".to_string()))
        );
    }

    #[test]
    fn lead_status_is_defaulted_on_create() {
        let schema = catalog::standard_salesforce();
        let lead = schema.object("Lead").expect("Lead in catalog");
        let ok = normalize_input(
            System::Salesforce,
            lead,
            WriteKind::Create,
            &input(json!({"LastName": "A", "Company": "B"})),
            &NoOracle,
        )
        .expect("valid lead");
        assert!(
            ok.iter().any(|(name, value)| name == "Status"
                && value.as_deref() == Some("Open - Not Contacted"))
        );
    }

    #[test]
    fn hubspot_rejects_unknown_option_and_bad_email() {
        let schema = catalog::standard_hubspot();
        let contacts = schema.object("contacts").expect("contacts in catalog");
        let result = normalize_input(
            System::Hubspot,
            contacts,
            WriteKind::Create,
            &input(json!({"lifecyclestage": "Lead", "email": "nope"})),
            &NoOracle,
        );
        let Err(violations) = result else {
            panic!("expected violations")
        };
        assert!(
            violations
                .iter()
                .any(|v| matches!(v, Violation::BadPicklist { .. }))
        );
        assert!(
            violations
                .iter()
                .any(|v| matches!(v, Violation::BadEmail { .. }))
        );
    }

    /// The deal stages of one pipeline, as the HubSpot router's oracle answers them.
    struct Stages<'a>(&'a ObjectSchema);

    impl ValueOracle for Stages<'_> {
        fn external_options(&self, field: &str, pipeline: Option<&str>) -> Option<Vec<String>> {
            (field == "dealstage").then(|| {
                self.0
                    .pipelines
                    .iter()
                    .filter(|p| pipeline.is_none_or(|id| p.id == id))
                    .flat_map(|p| p.stages.iter().map(|s| s.id.clone()))
                    .collect()
            })
        }
    }

    #[test]
    fn a_deal_created_without_a_pipeline_takes_only_default_pipeline_stages() {
        let schema = catalog::standard_hubspot();
        let deals = schema.object("deals").expect("deals in catalog");
        let renewal_due = input(json!({"dealname": "R", "dealstage": "4309841"}));
        let created = normalize_input(
            System::Hubspot,
            deals,
            WriteKind::Create,
            &renewal_due,
            &Stages(deals),
        );
        assert!(
            matches!(&created, Err(violations) if matches!(violations[0], Violation::BadPicklist { .. })),
            "{created:?}"
        );
        let in_renewals =
            input(json!({"dealname": "R", "pipeline": "1503927", "dealstage": "4309841"}));
        assert!(
            normalize_input(
                System::Hubspot,
                deals,
                WriteKind::Create,
                &in_renewals,
                &Stages(deals)
            )
            .is_ok()
        );
        let default_stage = input(json!({"dealname": "R", "dealstage": "closedwon"}));
        assert!(
            normalize_input(
                System::Hubspot,
                deals,
                WriteKind::Create,
                &default_stage,
                &Stages(deals)
            )
            .is_ok()
        );
    }

    #[test]
    fn email_shapes() {
        assert!(is_valid_email("a.b@c.io"));
        assert!(!is_valid_email("a@b"));
        assert!(!is_valid_email("a b@c.io"));
        assert!(!is_valid_email("@c.io"));
    }
}
