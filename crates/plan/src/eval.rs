//! Evaluating the transform language over one pair of records.
//!
//! Total: every input yields a value or an [`EvalError`] naming what could not be computed;
//! nothing panics, and arithmetic on blanks stays blank.

use serde_json::Value;

use tandem_ground::record::RemoteRecord;
use tandem_ground::schema::{FieldType, System};
use tandem_language::compile::{Expr, SideProgram};

use tandem_ground::value::{as_text, canonical, canonical_number, is_blank, number_value};

pub use tandem_ground::failure::EvalError;

/// The records an expression may read, with the facts to canonicalise their fields.
#[derive(Clone, Copy)]
pub struct EvalContext<'a> {
    pub hs: Option<&'a RemoteRecord>,
    pub sf: Option<&'a RemoteRecord>,
    pub hs_side: &'a SideProgram,
    pub sf_side: &'a SideProgram,
}

impl EvalContext<'_> {
    /// The canonical value of `side.name`; blank when the record or field is absent.
    pub fn field(&self, side: System, name: &str) -> Value {
        let (record, program) = match side {
            System::Hubspot => (self.hs, self.hs_side),
            System::Salesforce => (self.sf, self.sf_side),
        };
        let Some(record) = record else {
            return Value::Null;
        };
        let raw = if name == "Id" || name == "hs_object_id" {
            record
                .fields
                .get(name)
                .cloned()
                .unwrap_or_else(|| Value::String(record.id.clone()))
        } else {
            match record.fields.get(name) {
                Some(value) => value.clone(),
                None => return Value::Null,
            }
        };
        let field_type = program
            .fields
            .get(name)
            .map(|facts| facts.field_type)
            .unwrap_or(FieldType::String);
        canonical(&raw, field_type)
    }
}

pub fn eval(expr: &Expr, ctx: &EvalContext<'_>) -> Result<Value, EvalError> {
    match expr {
        Expr::Field { side, name } => Ok(ctx.field(*side, name)),
        Expr::Literal { value } => Ok(value.clone()),
        Expr::Call { function, args } => {
            let values = args
                .iter()
                .map(|arg| eval(arg, ctx))
                .collect::<Result<Vec<_>, _>>()?;
            call(function, &values)
        }
        Expr::Binary {
            operator,
            left,
            right,
        } => {
            // `and` / `or` short-circuit so a scope never fails on a field it did not need.
            match operator.as_str() {
                "and" => {
                    if !truthy(&eval(left, ctx)?) {
                        return Ok(Value::Bool(false));
                    }
                    return Ok(Value::Bool(truthy(&eval(right, ctx)?)));
                }
                "or" => {
                    if truthy(&eval(left, ctx)?) {
                        return Ok(Value::Bool(true));
                    }
                    return Ok(Value::Bool(truthy(&eval(right, ctx)?)));
                }
                _ => {}
            }
            let left = eval(left, ctx)?;
            let right = eval(right, ctx)?;
            binary(operator, &left, &right)
        }
        Expr::Not { operand } => Ok(Value::Bool(!truthy(&eval(operand, ctx)?))),
        Expr::If {
            condition,
            then_branch,
            else_branch,
        } => {
            if truthy(&eval(condition, ctx)?) {
                eval(then_branch, ctx)
            } else {
                eval(else_branch, ctx)
            }
        }
        Expr::In { operand, values } => {
            let value = eval(operand, ctx)?;
            let text = as_text(&value);
            Ok(Value::Bool(values.iter().any(|candidate| {
                candidate == &value || (text.is_some() && as_text(candidate) == text)
            })))
        }
        Expr::ValueMap {
            operand,
            entries,
            otherwise,
            passthrough,
        } => {
            let value = eval(operand, ctx)?;
            let Some(key) = as_text(&value) else {
                // A blank maps to the `else` value only when one is given explicitly.
                return Ok(otherwise.clone().unwrap_or(Value::Null));
            };
            if let Some(mapped) = entries.get(&key) {
                return Ok(mapped.clone());
            }
            if let Some(fallback) = otherwise {
                return Ok(fallback.clone());
            }
            if *passthrough {
                return Ok(value);
            }
            Err(EvalError::NoMapEntry { value: key })
        }
    }
}

pub fn truthy(value: &Value) -> bool {
    match value {
        Value::Bool(flag) => *flag,
        Value::Null => false,
        Value::String(text) => !text.is_empty(),
        Value::Number(number) => number.as_f64().is_some_and(|f| f != 0.0),
        _ => true,
    }
}

fn as_number(value: &Value, what: &str) -> Result<Option<f64>, EvalError> {
    if is_blank(value) {
        return Ok(None);
    }
    match canonical_number(value) {
        Value::Number(number) => Ok(number.as_f64()),
        _ => Err(EvalError::NotANumber {
            what: what.to_string(),
            value: value.clone(),
        }),
    }
}

fn number(float: f64, what: &str) -> Result<Value, EvalError> {
    number_value(float).ok_or_else(|| EvalError::NotFinite {
        what: what.to_string(),
    })
}

fn binary(operator: &str, left: &Value, right: &Value) -> Result<Value, EvalError> {
    match operator {
        "+" if left.is_string() || right.is_string() => {
            // `+` on text concatenates (`"Onboard " + sf.Account.Name`); a blank side adds nothing.
            let mut text = as_text(left).unwrap_or_default();
            text.push_str(&as_text(right).unwrap_or_default());
            Ok(Value::String(text))
        }
        "+" | "-" | "*" | "/" => {
            let (Some(a), Some(b)) = (as_number(left, operator)?, as_number(right, operator)?)
            else {
                return Ok(Value::Null);
            };
            let result = match operator {
                "+" => a + b,
                "-" => a - b,
                "*" => a * b,
                _ => {
                    if b == 0.0 {
                        return Err(EvalError::DivisionByZero);
                    }
                    a / b
                }
            };
            number(result, operator)
        }
        "=" => Ok(Value::Bool(loosely_equal(left, right))),
        "!=" => Ok(Value::Bool(!loosely_equal(left, right))),
        "<" | "<=" | ">" | ">=" => {
            let ordering = compare(left, right);
            Ok(Value::Bool(match (operator, ordering) {
                (_, None) => false,
                ("<", Some(o)) => o.is_lt(),
                ("<=", Some(o)) => o.is_le(),
                (">", Some(o)) => o.is_gt(),
                (_, Some(o)) => o.is_ge(),
            }))
        }
        other => Err(EvalError::UnknownOperator {
            operator: other.to_string(),
        }),
    }
}

fn loosely_equal(left: &Value, right: &Value) -> bool {
    if is_blank(left) || is_blank(right) {
        return is_blank(left) && is_blank(right);
    }
    if let (Value::Number(_), _) | (_, Value::Number(_)) = (left, right) {
        return canonical_number(left) == canonical_number(right);
    }
    as_text(left) == as_text(right)
}

fn compare(left: &Value, right: &Value) -> Option<std::cmp::Ordering> {
    if is_blank(left) || is_blank(right) {
        return None;
    }
    if let (Value::Number(a), Value::Number(b)) = (canonical_number(left), canonical_number(right))
    {
        return a.as_f64()?.partial_cmp(&b.as_f64()?);
    }
    Some(as_text(left)?.cmp(&as_text(right)?))
}

fn text_arg<'a>(values: &'a [Value], function: &str) -> Result<Option<&'a str>, EvalError> {
    match values.first() {
        None => Err(EvalError::MissingArgument {
            function: function.to_string(),
        }),
        Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Ok(None),
    }
}

fn call(function: &str, values: &[Value]) -> Result<Value, EvalError> {
    let text_result = |f: &dyn Fn(&str) -> String| -> Result<Value, EvalError> {
        match values.first() {
            None => Err(EvalError::MissingArgument {
                function: function.to_string(),
            }),
            Some(Value::Null) => Ok(Value::Null),
            Some(value) => Ok(Value::String(f(&as_text(value).unwrap_or_default()))),
        }
    };
    match function {
        "lower" => text_result(&|t| t.to_lowercase()),
        "upper" => text_result(&|t| t.to_uppercase()),
        "trim" => text_result(&|t| t.trim().to_string()),
        "domain" => {
            let Some(text) = text_arg(values, function)? else {
                return Ok(Value::Null);
            };
            Ok(domain(text).map(Value::String).unwrap_or(Value::Null))
        }
        "round" => {
            let digits = match values.get(1) {
                Some(value) => as_number(value, "round digits")?.unwrap_or(0.0),
                None => 0.0,
            };
            let Some(x) = as_number(values.first().unwrap_or(&Value::Null), "round")? else {
                return Ok(Value::Null);
            };
            let factor = 10f64.powi(digits.clamp(0.0, 12.0) as i32);
            number((x * factor).round() / factor, "round")
        }
        "truncate" => {
            let limit = match values.get(1) {
                Some(value) => as_number(value, "truncate length")?.unwrap_or(0.0),
                None => return Err(EvalError::MissingLength),
            };
            match values.first() {
                Some(Value::Null) | None => Ok(Value::Null),
                Some(value) => {
                    let text = as_text(value).unwrap_or_default();
                    Ok(Value::String(
                        text.chars().take(limit.max(0.0) as usize).collect(),
                    ))
                }
            }
        }
        "left" => call("truncate", values),
        "text" => Ok(values
            .first()
            .and_then(as_text)
            .map(Value::String)
            .unwrap_or(Value::Null)),
        "number" => match values.first() {
            None | Some(Value::Null) => Ok(Value::Null),
            Some(value) => match canonical_number(value) {
                Value::Number(n) => Ok(Value::Number(n)),
                _ => Err(EvalError::NotANumber {
                    what: "number()".to_string(),
                    value: value.clone(),
                }),
            },
        },
        "replace" => {
            let (Some(text), Some(find), Some(with)) = (
                values.first().and_then(as_text),
                values.get(1).and_then(as_text),
                values.get(2).and_then(as_text),
            ) else {
                return Ok(values.first().cloned().unwrap_or(Value::Null));
            };
            if find.is_empty() {
                return Ok(Value::String(text));
            }
            Ok(Value::String(text.replace(&find, &with)))
        }
        "split" => {
            let (Some(text), Some(separator)) = (
                values.first().and_then(as_text),
                values.get(1).and_then(as_text),
            ) else {
                return Ok(Value::Null);
            };
            let index = match values.get(2) {
                Some(value) => as_number(value, "split index")?.unwrap_or(0.0),
                None => 0.0,
            };
            if separator.is_empty() || index < 0.0 {
                return Ok(Value::Null);
            }
            Ok(text
                .split(separator.as_str())
                .nth(index as usize)
                .map(|part| Value::String(part.to_string()))
                .unwrap_or(Value::Null))
        }
        "date" | "datetime" => {
            let Some(value) = values.first().filter(|v| !is_blank(v)) else {
                return Ok(Value::Null);
            };
            let want = if function == "date" {
                FieldType::Date
            } else {
                FieldType::Datetime
            };
            let parsed = match values.get(1).and_then(as_text) {
                Some(format) => {
                    parse_with_format(&as_text(value).unwrap_or_default(), &format, want)
                }
                None => {
                    let canonical_value = canonical(value, want);
                    looks_temporal(&canonical_value, want).then_some(canonical_value)
                }
            };
            parsed.ok_or_else(|| EvalError::NotADate {
                function: function.to_string(),
                kind: if function == "date" {
                    "date"
                } else {
                    "datetime"
                }
                .to_string(),
                value: value.clone(),
            })
        }
        "format_date" | "format_datetime" => {
            let (Some(value), Some(format)) = (
                values.first().filter(|v| !is_blank(v)),
                values.get(1).and_then(as_text),
            ) else {
                return Ok(Value::Null);
            };
            let text = as_text(&canonical(value, FieldType::Datetime)).unwrap_or_default();
            match chrono::DateTime::parse_from_rfc3339(&text) {
                Ok(dt) => Ok(Value::String(dt.format(&format).to_string())),
                Err(_) => Err(EvalError::NotADate {
                    function: function.to_string(),
                    kind: "date".to_string(),
                    value: value.clone(),
                }),
            }
        }
        "concat" => Ok(Value::String(
            values
                .iter()
                .filter_map(as_text)
                .collect::<Vec<_>>()
                .join(""),
        )),
        "coalesce" => Ok(values
            .iter()
            .find(|v| !is_blank(v))
            .cloned()
            .unwrap_or(Value::Null)),
        "not_blank" => Ok(Value::Bool(values.first().is_some_and(|v| !is_blank(v)))),
        other => Err(EvalError::UnknownFunction {
            function: other.to_string(),
        }),
    }
}

fn looks_temporal(value: &Value, want: FieldType) -> bool {
    let Some(text) = value.as_str() else {
        return false;
    };
    match want {
        FieldType::Date => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok(),
        _ => chrono::DateTime::parse_from_rfc3339(text).is_ok(),
    }
}

/// `date("15/01/2026", "%d/%m/%Y")`: text in an explicit chrono format.
fn parse_with_format(text: &str, format: &str, want: FieldType) -> Option<Value> {
    let text = text.trim();
    match want {
        FieldType::Date => chrono::NaiveDate::parse_from_str(text, format)
            .ok()
            .map(|d| Value::String(d.format("%Y-%m-%d").to_string())),
        _ => chrono::NaiveDateTime::parse_from_str(text, format)
            .ok()
            .map(|dt| {
                Value::String(
                    dt.and_utc()
                        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                )
            }),
    }
}

/// `domain("https://www.Acme.com/about")` is `"acme.com"`; an email gives its domain.
pub fn domain(text: &str) -> Option<String> {
    let text = text.trim().to_lowercase();
    let text = match text.rsplit_once('@') {
        Some((_, host)) => host.to_string(),
        None => text,
    };
    let without_scheme = text
        .split_once("://")
        .map(|(_, rest)| rest)
        .unwrap_or(&text);
    let host = without_scheme
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default();
    let host = host.split(':').next().unwrap_or_default();
    let host = host.strip_prefix("www.").unwrap_or(host);
    let host = host.trim_end_matches('.');
    (!host.is_empty()).then(|| host.to_string())
}

/// Helper for callers that have one side's canonical value and need a side field's type.
pub fn field_type_of(side: &SideProgram, name: &str) -> FieldType {
    side.fields
        .get(name)
        .map(|facts| facts.field_type)
        .unwrap_or(FieldType::String)
}
