//! Email addresses, as both CRMs validate them: which fields take only addresses, and what
//! counts as one. One home for the rule, read by the checker (a fixed value that is not an
//! address fails every write) and by the sandbox (which refuses it as the CRMs do).

use super::model::{FieldSchema, FieldType, System};

/// Whether the CRM accepts only email addresses in `field`: Salesforce `email` fields, and
/// HubSpot's `email` property, a plain `string` in its metadata that HubSpot nevertheless
/// validates as an address (INVALID_EMAIL).
pub fn validates_as_email(system: System, field: &FieldSchema) -> bool {
    field.field_type == FieldType::Email
        || (system == System::Hubspot
            && field.name == "email"
            && field.field_type == FieldType::String)
}

/// A pragmatic address check close to both CRMs': one `@`, a non-empty local part, a dotted
/// domain, no spaces.
pub fn is_email_address(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && !text.chars().any(char::is_whitespace)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
}
