//! Pushing scope filters down to the CRMs: a SOQL `WHERE` condition for Salesforce and CRM
//! search `filterGroups` for HubSpot.
//!
//! Only the conjuncts a CRM can evaluate exactly are pushed (field compared with a literal,
//! `in` lists); the planner re-evaluates the whole scope on what comes back, so pushing less
//! is always safe and pushing is only an optimisation of reads.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use tandem_ground::schema::FieldType;

use super::program::{Expr, FieldFacts, Pushdown, SideProgram, System};

/// The pushdown for the scope of one side, or `None` when no conjunct can be expressed.
/// `fields` gives each field's type: SOQL spells a literal by the type of the field it is
/// compared with (dates unquoted, text quoted), and a literal whose shape does not fit the
/// field is not pushed, so Salesforce never refuses the read.
pub fn pushdown_for(
    scope: &Expr,
    side: System,
    fields: &BTreeMap<String, FieldFacts>,
) -> Option<Pushdown> {
    let conjuncts = scope.conjuncts();
    match side {
        System::Salesforce => {
            let parts: Vec<String> = conjuncts
                .iter()
                .filter_map(|c| soql_conjunct(c, side, fields))
                .collect();
            (!parts.is_empty()).then(|| Pushdown::Soql {
                condition: parts.join(" AND "),
            })
        }
        System::Hubspot => {
            let filters: Vec<Value> = conjuncts
                .iter()
                .filter_map(|c| hubspot_filter(c, side))
                .collect();
            // HubSpot allows at most 6 filters per group: beyond that, push the first six.
            let filters: Vec<Value> = filters.into_iter().take(6).collect();
            (!filters.is_empty()).then(|| Pushdown::HubspotSearch {
                filter_groups: json!([{ "filters": filters }]),
            })
        }
    }
}

/// The full SOQL query a side's read will run (`tandem compile --emit soql`).
pub fn soql_query(side: &SideProgram) -> String {
    let fields = if side.read_fields.iter().any(|f| f == "Id") {
        side.read_fields.join(", ")
    } else {
        let mut all = vec!["Id".to_string()];
        all.extend(side.read_fields.iter().cloned());
        all.join(", ")
    };
    let mut query = format!("SELECT {fields}, SystemModstamp FROM {}", side.object);
    if let Some(Pushdown::Soql { condition }) = &side.pushdown {
        query.push_str(" WHERE ");
        query.push_str(condition);
    }
    query
}

fn field_of(expr: &Expr, side: System) -> Option<&str> {
    expr.as_plain_field(side)
}

fn literal_of(expr: &Expr) -> Option<&Value> {
    match expr {
        Expr::Literal { value } => Some(value),
        _ => None,
    }
}

/// A literal spelled for a field of `field_type`, or `None` when SOQL would refuse it (a
/// quoted date, an unquoted text) or the value does not fit the type.
fn soql_literal(value: &Value, field_type: FieldType) -> Option<String> {
    use FieldType as T;
    match (field_type, value) {
        (_, Value::Null) => Some("null".to_string()),
        (T::Date, Value::String(text)) => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .map(|date| date.format("%Y-%m-%d").to_string()),
        (T::Datetime, Value::String(text)) => soql_datetime_literal(text),
        (T::Bool, Value::Bool(flag)) => Some(flag.to_string().to_uppercase()),
        (T::Int | T::Double | T::Currency | T::Percent, Value::Number(number)) => {
            Some(number.to_string())
        }
        (
            T::String
            | T::Textarea
            | T::Email
            | T::Phone
            | T::Url
            | T::Picklist
            | T::Id
            | T::Reference,
            Value::String(text),
        ) => Some(format!(
            "'{}'",
            text.replace('\\', "\\\\").replace('\'', "\\'")
        )),
        _ => None,
    }
}

/// `2024-01-15T09:30:00Z` for a datetime literal, `2024-01-15T00:00:00Z` for a date compared
/// with a datetime field (midnight UTC, as the spec's date literal means).
fn soql_datetime_literal(text: &str) -> Option<String> {
    if let Ok(instant) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(
            instant
                .with_timezone(&chrono::Utc)
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string(),
        );
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .map(|date| format!("{}T00:00:00Z", date.format("%Y-%m-%d")))
}

fn soql_conjunct(
    expr: &Expr,
    side: System,
    fields: &BTreeMap<String, FieldFacts>,
) -> Option<String> {
    let type_of = |name: &str| fields.get(name).map(|facts| facts.field_type);
    match expr {
        Expr::Binary {
            operator,
            left,
            right,
        } => {
            let op = match operator.as_str() {
                "=" => "=",
                "!=" => "!=",
                "<" => "<",
                "<=" => "<=",
                ">" => ">",
                ">=" => ">=",
                _ => return None,
            };
            let field = field_of(left, side)?;
            let value = soql_literal(literal_of(right)?, type_of(field)?)?;
            Some(format!("{field} {op} {value}"))
        }
        Expr::In { operand, values } => {
            let field = field_of(operand, side)?;
            let field_type = type_of(field)?;
            let list: Option<Vec<String>> = values
                .iter()
                .map(|value| soql_literal(value, field_type))
                .collect();
            Some(format!("{field} IN ({})", list?.join(", ")))
        }
        _ => None,
    }
}

fn hubspot_value(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

fn hubspot_filter(expr: &Expr, side: System) -> Option<Value> {
    match expr {
        Expr::Binary {
            operator,
            left,
            right,
        } => {
            let field = field_of(left, side)?;
            let literal = literal_of(right)?;
            if literal.is_null() {
                let operator = match operator.as_str() {
                    "=" => "NOT_HAS_PROPERTY",
                    "!=" => "HAS_PROPERTY",
                    _ => return None,
                };
                return Some(json!({ "propertyName": field, "operator": operator }));
            }
            let operator = match operator.as_str() {
                "=" => "EQ",
                "!=" => "NEQ",
                "<" => "LT",
                "<=" => "LTE",
                ">" => "GT",
                ">=" => "GTE",
                _ => return None,
            };
            Some(json!({
                "propertyName": field,
                "operator": operator,
                "value": hubspot_value(literal)?,
            }))
        }
        Expr::In { operand, values } => {
            let field = field_of(operand, side)?;
            let list: Option<Vec<String>> = values.iter().map(hubspot_value).collect();
            Some(json!({ "propertyName": field, "operator": "IN", "values": list? }))
        }
        _ => None,
    }
}
