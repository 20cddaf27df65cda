//! Canonical values: how the planner compares what the two CRMs send.
//!
//! HubSpot sends every property as a string (`"100"`, `"true"`, dates as `"2024-01-15"` or
//! epoch milliseconds); Salesforce sends typed JSON. Every value is brought to one canonical
//! JSON form per field type before it is compared, stored as a merge base or shown, so
//! `"100"` and `100.0` are the same number and an empty string is the same as null.

use serde_json::{Number, Value};

use crate::schema::{FieldType, System};

/// Blank: null, or a string with nothing but whitespace.
pub fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(text) => text.trim().is_empty(),
        _ => false,
    }
}

/// The canonical form of `value` for a field of type `field_type`. Values that do not parse
/// as the type are kept as strings, so the comparison is still exact and the checker's
/// verdict (not this function) decides what is valid.
pub fn canonical(value: &Value, field_type: FieldType) -> Value {
    if is_blank(value) {
        return Value::Null;
    }
    match field_type {
        FieldType::Int | FieldType::Double | FieldType::Currency | FieldType::Percent => {
            canonical_number(value)
        }
        FieldType::Bool => match value {
            Value::Bool(_) => value.clone(),
            Value::String(text) => match text.trim().to_ascii_lowercase().as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => value.clone(),
            },
            _ => value.clone(),
        },
        FieldType::Date => canonical_date(value),
        FieldType::Datetime => canonical_datetime(value),
        // E-mail addresses compare without case: HubSpot stores a contact's lower-cased.
        FieldType::Email => match value {
            Value::String(text) => Value::String(text.trim().to_lowercase()),
            _ => value.clone(),
        },
        FieldType::Multipicklist => match value {
            Value::String(text) => {
                let mut parts: Vec<&str> = text
                    .split(';')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .collect();
                parts.sort_unstable();
                parts.dedup();
                Value::String(parts.join(";"))
            }
            _ => value.clone(),
        },
        _ => match value {
            Value::String(_) => value.clone(),
            // The candidates of an ambiguous association stay a list (no scalar field of either
            // CRM holds one).
            Value::Array(_) | Value::Object(_) => value.clone(),
            Value::Number(number) => Value::String(number.to_string()),
            Value::Bool(flag) => Value::String(flag.to_string()),
            other => Value::String(other.to_string()),
        },
    }
}

/// Numbers: integral values become integers so `100`, `100.0` and `"100"` are equal.
pub fn canonical_number(value: &Value) -> Value {
    let parsed = match value {
        Value::Number(number) => number.as_f64(),
        Value::String(text) => text.trim().parse::<f64>().ok(),
        _ => None,
    };
    match parsed {
        Some(float) => number_value(float).unwrap_or_else(|| value.clone()),
        None => value.clone(),
    }
}

/// A finite float as canonical JSON; `None` for NaN and infinities (never written).
pub fn number_value(float: f64) -> Option<Value> {
    if !float.is_finite() {
        return None;
    }
    if float.fract() == 0.0 && float.abs() < 9.0e15 {
        return Some(Value::Number(Number::from(float as i64)));
    }
    Number::from_f64(float).map(Value::Number)
}

fn canonical_date(value: &Value) -> Value {
    match value {
        Value::String(text) => {
            let text = text.trim();
            if let Ok(millis) = text.parse::<i64>() {
                return date_from_millis(millis).unwrap_or_else(|| value.clone());
            }
            // `2024-01-15T00:00:00Z` and `2024-01-15` both mean the day.
            match text.get(..10) {
                Some(day) if chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").is_ok() => {
                    Value::String(day.to_string())
                }
                _ => value.clone(),
            }
        }
        Value::Number(number) => number
            .as_i64()
            .and_then(date_from_millis)
            .unwrap_or_else(|| value.clone()),
        _ => value.clone(),
    }
}

fn date_from_millis(millis: i64) -> Option<Value> {
    chrono::DateTime::from_timestamp_millis(millis)
        .map(|dt| Value::String(dt.format("%Y-%m-%d").to_string()))
}

fn canonical_datetime(value: &Value) -> Value {
    let parsed = match value {
        Value::String(text) => {
            let text = text.trim();
            if let Ok(millis) = text.parse::<i64>() {
                chrono::DateTime::from_timestamp_millis(millis)
            } else {
                chrono::DateTime::parse_from_rfc3339(text)
                    .or_else(|_| chrono::DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z"))
                    .ok()
                    .map(|dt| dt.with_timezone(&chrono::Utc))
            }
        }
        Value::Number(number) => number
            .as_i64()
            .and_then(chrono::DateTime::from_timestamp_millis),
        _ => None,
    };
    // Whole seconds: Salesforce stores datetimes to the second, so a HubSpot value with
    // milliseconds written there reads back without them and must compare equal.
    let parsed = parsed.and_then(|dt| chrono::DateTime::from_timestamp(dt.timestamp(), 0));
    match parsed {
        Some(dt) => Value::String(dt.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
        // A date alone means midnight UTC of that day.
        None => match value {
            Value::String(text) => chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|dt| {
                    Value::String(
                        dt.and_utc()
                            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                    )
                })
                .unwrap_or_else(|| value.clone()),
            _ => value.clone(),
        },
    }
}

/// Epoch milliseconds of a canonical date (`YYYY-MM-DD`, midnight UTC) or datetime.
fn epoch_millis(value: &Value, field_type: FieldType) -> Option<i64> {
    let text = value.as_str()?;
    match field_type {
        FieldType::Date => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()?
            .and_hms_opt(0, 0, 0)
            .map(|dt| dt.and_utc().timestamp_millis()),
        FieldType::Datetime => chrono::DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|dt| dt.timestamp_millis()),
        _ => None,
    }
}

/// The wire form of a canonical value for `target`: HubSpot properties are strings (an
/// empty string clears one); Salesforce takes typed JSON (null clears).
pub fn encode_for(target: System, value: &Value, field_type: FieldType) -> Value {
    match target {
        System::Hubspot => match value {
            Value::Null => Value::String(String::new()),
            // HubSpot takes dates and datetimes as epoch milliseconds everywhere.
            Value::String(_) if matches!(field_type, FieldType::Date | FieldType::Datetime) => {
                match epoch_millis(value, field_type) {
                    Some(ms) => Value::String(ms.to_string()),
                    None => value.clone(),
                }
            }
            Value::String(_) => value.clone(),
            Value::Number(number) => Value::String(number.to_string()),
            Value::Bool(flag) => Value::String(flag.to_string()),
            other => Value::String(other.to_string()),
        },
        System::Salesforce => match (field_type, value) {
            (
                FieldType::Int | FieldType::Double | FieldType::Currency | FieldType::Percent,
                Value::String(_),
            ) => canonical_number(value),
            (_, Value::Number(number)) if !is_numeric(field_type) => {
                Value::String(number.to_string())
            }
            _ => value.clone(),
        },
    }
}

fn is_numeric(field_type: FieldType) -> bool {
    matches!(
        field_type,
        FieldType::Int | FieldType::Double | FieldType::Currency | FieldType::Percent
    )
}

/// A value as the text a key, a value map or a picklist compares: strings as they are,
/// numbers and booleans in their JSON spelling.
pub fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        other => Some(other.to_string()),
    }
}
