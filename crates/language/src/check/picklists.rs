//! Picklist domains (the values a field accepts or holds) and the value checks of rule 5.

use tandem_ground::schema::{FieldSchema, FieldType, System};

use super::checked::FieldRef;
use super::context::Checker;
use super::errors::{CheckError, did_you_mean};
use super::suggest::closest;
use tandem_ground::diagnostics::Span;

/// The values a field can hold.
#[derive(Debug, Clone)]
pub(crate) struct Domain {
    /// (value, label, active), in the schema's order.
    pub values: Vec<(String, String, bool)>,
    /// Values outside the list are rejected.
    pub restricted: bool,
}

impl Domain {
    pub fn get(&self, value: &str) -> Option<&(String, String, bool)> {
        self.values.iter().find(|(known, _, _)| known == value)
    }

    pub fn active(&self) -> impl Iterator<Item = &str> {
        self.values
            .iter()
            .filter(|(_, _, active)| *active)
            .map(|(value, _, _)| value.as_str())
    }
}

impl Checker<'_> {
    /// The domain of a picklist field: its values, or for HubSpot `externalOptions` the
    /// pipelines' stage ids (`dealstage`), pipeline ids (`pipeline`) or owner ids
    /// (`hubspot_owner_id`). `None` when the values are unknown (free text, or external
    /// options this snapshot does not hold).
    pub(crate) fn domain_of(&mut self, field: &FieldRef) -> Option<std::sync::Arc<Domain>> {
        let key = (field.system, field.object.clone(), field.field.name.clone());
        if let Some(cached) = self.domain_cache.get(&key) {
            return cached.clone();
        }
        let domain = domain_of_field(self, field.system, &field.object, &field.field)
            .map(std::sync::Arc::new);
        self.domain_cache.insert(key, domain.clone());
        domain
    }

    /// Checks one literal value against a field's domain. On a restricted list (every
    /// HubSpot enumeration, restricted Salesforce picklists, pipelines, owners) an unknown
    /// value is an error, and so is an inactive one when it is `written` (reading or
    /// matching one is fine: older records still hold it). An unrestricted Salesforce
    /// picklist stores any value, so there both are warnings, said only for values written
    /// (a record may hold any value to compare with).
    pub(crate) fn check_value(
        &mut self,
        value: &str,
        span: Span,
        domain: &Domain,
        field: &str,
        written: bool,
    ) {
        match domain.get(value) {
            Some((_, _, true)) => {}
            Some((_, _, false)) if !written => {}
            Some((_, _, false)) if !domain.restricted => self.report(
                span,
                CheckError::UnlistedOpenPicklistValue {
                    value: value.to_string(),
                    field: field.to_string(),
                    inactive: true,
                    suggestion: None,
                    help: Some(
                        "it is kept as written, but users cannot pick it; map it to an active value"
                            .to_string(),
                    ),
                    span: span.into(),
                },
            ),
            Some((_, _, false)) => self.report(
                span,
                CheckError::InactivePicklistValue {
                    value: value.to_string(),
                    field: field.to_string(),
                    span: span.into(),
                },
            ),
            None if !domain.restricted && !written => {}
            None if !domain.restricted => {
                let suggestion = closest(
                    value,
                    domain.values.iter().map(|(known, _, _)| known.as_str()),
                );
                let help = did_you_mean(&suggestion).or_else(|| {
                    Some(format!(
                        "if it is meant as a new value, add it to the picklist; {}",
                        list_values(domain)
                    ))
                });
                self.report(
                    span,
                    CheckError::UnlistedOpenPicklistValue {
                        value: value.to_string(),
                        field: field.to_string(),
                        inactive: false,
                        suggestion,
                        help,
                        span: span.into(),
                    },
                );
            }
            None => {
                // A label written instead of the internal value is the most common mistake.
                let by_label = domain
                    .values
                    .iter()
                    .find(|(_, label, _)| label.eq_ignore_ascii_case(value))
                    .map(|(known, _, _)| known.clone());
                let suggestion = by_label.clone().or_else(|| {
                    closest(
                        value,
                        domain.values.iter().map(|(known, _, _)| known.as_str()),
                    )
                });
                let help = match &by_label {
                    Some(internal) => Some(format!(
                        "\"{value}\" is the label; write the internal value \"{internal}\""
                    )),
                    None => did_you_mean(&suggestion).or_else(|| Some(list_values(domain))),
                };
                self.report(
                    span,
                    CheckError::UnknownPicklistValue {
                        value: value.to_string(),
                        field: field.to_string(),
                        suggestion,
                        help,
                        span: span.into(),
                    },
                );
            }
        }
    }
}

fn domain_of_field(
    checker: &Checker<'_>,
    system: System,
    object: &str,
    field: &FieldSchema,
) -> Option<Domain> {
    if !matches!(
        field.field_type,
        FieldType::Picklist | FieldType::Multipicklist
    ) {
        return None;
    }
    if let Some(picklist) = &field.picklist {
        return Some(Domain {
            values: picklist
                .values
                .iter()
                .map(|value| (value.value.clone(), value.label.clone(), value.active))
                .collect(),
            restricted: picklist.restricted,
        });
    }
    if !field.external_options || system != System::Hubspot {
        return None;
    }
    let snapshot = checker.schemas.get(system)?;
    let schema = snapshot.object(object)?;
    let values: Vec<(String, String, bool)> = match field.name.as_str() {
        "dealstage" | "hs_pipeline_stage" => schema
            .pipelines
            .iter()
            .flat_map(|pipeline| pipeline.stages.iter())
            .map(|stage| (stage.id.clone(), stage.label.clone(), true))
            .collect(),
        "pipeline" | "hs_pipeline" => schema
            .pipelines
            .iter()
            .map(|pipeline| (pipeline.id.clone(), pipeline.label.clone(), true))
            .collect(),
        "hubspot_owner_id" => snapshot
            .owners
            .iter()
            .map(|owner| {
                let name = format!("{} {}", owner.first_name, owner.last_name);
                let label = if name.trim().is_empty() {
                    owner.email.clone()
                } else {
                    name.trim().to_string()
                };
                (owner.id.clone(), label, true)
            })
            .collect(),
        _ => return None,
    };
    if values.is_empty() {
        return None;
    }
    Some(Domain {
        values,
        restricted: true,
    })
}

/// "allowed values: a, b, c (and N more)".
pub(crate) fn list_values(domain: &Domain) -> String {
    const SHOWN: usize = 8;
    let active: Vec<&str> = domain.active().collect();
    let mut text = format!(
        "allowed values: {}",
        active
            .iter()
            .take(SHOWN)
            .map(|value| format!("\"{value}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if active.len() > SHOWN {
        text.push_str(&format!(" (and {} more)", active.len() - SHOWN));
    }
    text
}

/// "\"a\", \"b\" and 3 more".
pub(crate) fn list_some(values: &[String]) -> String {
    const SHOWN: usize = 6;
    let mut text = values
        .iter()
        .take(SHOWN)
        .map(|value| format!("\"{value}\""))
        .collect::<Vec<_>>()
        .join(", ");
    if values.len() > SHOWN {
        text.push_str(&format!(" and {} more", values.len() - SHOWN));
    }
    text
}
