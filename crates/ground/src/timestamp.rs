//! Timestamps as both CRMs send them, as epoch milliseconds.

use chrono::{DateTime, SecondsFormat, Utc};

/// Parses the timestamps both CRMs send: RFC 3339 (`2019-10-30T03:30:17.883Z`), Salesforce's
/// `2013-05-20T20:49:32.000+0000`, or epoch milliseconds as a string.
pub fn parse_timestamp_ms(text: &str) -> Option<i64> {
    let text = text.trim();
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_digit()) {
        return text.parse().ok();
    }
    if let Ok(parsed) = DateTime::parse_from_rfc3339(text) {
        return Some(parsed.timestamp_millis());
    }
    DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z")
        .ok()
        .map(|parsed| parsed.timestamp_millis())
}

pub fn ms_to_rfc3339(ms: i64) -> Option<String> {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|at| at.to_rfc3339_opts(SecondsFormat::Millis, true))
}
