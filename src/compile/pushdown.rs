//! Pushing scope filters down to the CRMs: a SOQL `WHERE` condition for Salesforce and CRM
//! search `filterGroups` for HubSpot.
//!
//! Only the conjuncts a CRM can evaluate exactly are pushed (field compared with a literal,
//! `in` lists); the planner re-evaluates the whole scope on what comes back, so pushing less
//! is always safe and pushing is only an optimisation of reads.

use serde_json::{Value, json};

use super::program::{Expr, Pushdown, SideProgram, System};

/// The pushdown for the scope of one side, or `None` when no conjunct can be expressed.
pub fn pushdown_for(scope: &Expr, side: System) -> Option<Pushdown> {
    let mut conjuncts = Vec::new();
    flatten_and(scope, &mut conjuncts);
    match side {
        System::Salesforce => {
            let parts: Vec<String> = conjuncts
                .iter()
                .filter_map(|c| soql_conjunct(c, side))
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

fn flatten_and<'a>(expr: &'a Expr, out: &mut Vec<&'a Expr>) {
    match expr {
        Expr::Binary {
            operator,
            left,
            right,
        } if operator == "and" => {
            flatten_and(left, out);
            flatten_and(right, out);
        }
        other => out.push(other),
    }
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

fn soql_literal(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(format!(
            "'{}'",
            text.replace('\\', "\\\\").replace('\'', "\\'")
        )),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string().to_uppercase()),
        Value::Null => Some("null".to_string()),
        _ => None,
    }
}

fn soql_conjunct(expr: &Expr, side: System) -> Option<String> {
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
            let value = soql_literal(literal_of(right)?)?;
            Some(format!("{field} {op} {value}"))
        }
        Expr::In { operand, values } => {
            let field = field_of(operand, side)?;
            let list: Option<Vec<String>> = values.iter().map(soql_literal).collect();
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
