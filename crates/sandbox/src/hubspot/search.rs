//! HubSpot CRM search: `filterGroups` (groups OR'ed, filters AND'ed) with the real
//! operators, one sort, `query` text, `limit` <= 200, `after` paging and the 10,000-result
//! cap. Archived records never appear.
//!
//! Comparisons follow HubSpot's: numbers and dates by value; enumeration (and boolean)
//! values exactly, case-sensitive; text case-insensitively for `EQ`/`NEQ`, while `IN` /
//! `NOT_IN` compare the lower-cased stored text with the values as sent (so string values
//! must be sent lower-case to match).

use std::cmp::Ordering;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::errors::{HsError, HsJson};
use super::objects::resolve;
use super::render::{default_properties, record_json};
use crate::Shared;
use crate::clock;
use crate::crm::CrmData;
use crate::store::{Record, Table};
use tandem_ground::schema::{FieldType, ObjectSchema};

pub const MAX_RESULTS: usize = 10_000;

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct SearchRequest {
    filter_groups: Vec<FilterGroup>,
    sorts: Vec<Value>,
    properties: Vec<String>,
    query: Option<String>,
    limit: Option<Value>,
    after: Option<Value>,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
pub(crate) struct FilterGroup {
    pub(crate) filters: Vec<Filter>,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Filter {
    /// The exports guide's examples name it `property`; search requests say `propertyName`.
    #[serde(alias = "property")]
    property_name: String,
    operator: String,
    value: Option<Value>,
    high_value: Option<Value>,
    values: Option<Vec<Value>>,
}

fn as_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn number_param(value: &Option<Value>, name: &str, default: usize) -> Result<usize, HsError> {
    match value {
        None | Some(Value::Null) => Ok(default),
        Some(v) => as_text(v).parse().map_err(|_| {
            HsError::validation(format!("{name} must be an integer, got {}", as_text(v)))
        }),
    }
}

/// How a property's values compare: HubSpot compares numbers and dates by value.
#[derive(Clone, Copy)]
enum Kind {
    Number,
    Datetime,
    Text,
    /// Enumeration, boolean: internal values, compared exactly.
    Enumeration,
}

fn kind_of(object: &ObjectSchema, property: &str) -> Kind {
    if matches!(
        property,
        "createdate" | "lastmodifieddate" | "hs_lastmodifieddate"
    ) {
        return Kind::Datetime;
    }
    if property == "hs_object_id" {
        return Kind::Number;
    }
    match object.field(property).map(|f| f.field_type) {
        Some(FieldType::Int | FieldType::Double | FieldType::Currency | FieldType::Percent) => {
            Kind::Number
        }
        Some(FieldType::Date | FieldType::Datetime) => Kind::Datetime,
        Some(FieldType::Picklist | FieldType::Multipicklist | FieldType::Bool) => Kind::Enumeration,
        _ => Kind::Text,
    }
}

fn numeric(kind: Kind, text: &str) -> Option<f64> {
    match kind {
        Kind::Number => text.trim().parse().ok(),
        Kind::Datetime => clock::parse_datetime_ms(text)
            .or_else(|| clock::parse_date_ms(text))
            .map(|ms| ms as f64),
        Kind::Text | Kind::Enumeration => None,
    }
}

fn compare(kind: Kind, left: &str, right: &str) -> Ordering {
    match (numeric(kind, left), numeric(kind, right)) {
        (Some(a), Some(b)) => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
        _ if matches!(kind, Kind::Enumeration) => left.cmp(right),
        _ => left.to_lowercase().cmp(&right.to_lowercase()),
    }
}

/// Whether a stored value is one of an `IN` list: text is indexed lower-cased, and the list
/// is compared as sent.
fn listed(kind: Kind, value: &str, candidate: &str) -> bool {
    match kind {
        Kind::Text => value.to_lowercase() == candidate,
        _ => compare(kind, value, candidate) == Ordering::Equal,
    }
}

/// A value's sort key, computed once per record rather than once per comparison.
#[derive(PartialEq, PartialOrd)]
enum SortKey {
    Missing,
    Number(f64),
    Text(String),
}

fn sort_key(kind: Kind, value: Option<&str>) -> SortKey {
    match value {
        None => SortKey::Missing,
        Some(text) => match numeric(kind, text) {
            Some(number) => SortKey::Number(number),
            None if matches!(kind, Kind::Enumeration) => SortKey::Text(text.to_string()),
            None => SortKey::Text(text.to_lowercase()),
        },
    }
}

fn token_match(value: &str, token: &str) -> bool {
    let value = value.to_lowercase();
    let token = token.to_lowercase();
    if let Some(prefix) = token.strip_suffix('*') {
        let prefix = prefix.trim_start_matches('*');
        return value
            .split(|c: char| !c.is_alphanumeric() && c != '@' && c != '.')
            .any(|word| word.starts_with(prefix))
            || value.contains(prefix);
    }
    if let Some(suffix) = token.strip_prefix('*') {
        return value.ends_with(suffix) || value.contains(suffix);
    }
    value == token
        || value
            .split(|c: char| c.is_whitespace() || c == ';' || c == ',')
            .any(|word| word == token)
        || value.split(['@', '.', ' ']).any(|word| word == token)
}

pub(crate) struct Compiled {
    groups: Vec<Vec<(Filter, Kind)>>,
}

pub(crate) fn check_filters(
    object: &ObjectSchema,
    groups: &[FilterGroup],
) -> Result<Compiled, HsError> {
    if groups.len() > 5 {
        return Err(HsError::validation(
            "Too many filter groups: a search allows at most 5 filterGroups",
        ));
    }
    let total: usize = groups.iter().map(|g| g.filters.len()).sum();
    if total > 18 {
        return Err(HsError::validation(
            "Too many filters: a search allows at most 18 filters in total",
        ));
    }
    let mut compiled = Vec::new();
    for group in groups {
        if group.filters.len() > 6 {
            return Err(HsError::validation(
                "Too many filters in a group: a filterGroup allows at most 6 filters",
            ));
        }
        let mut filters = Vec::new();
        for filter in &group.filters {
            let known = object.fields.contains_key(&filter.property_name)
                || matches!(
                    filter.property_name.as_str(),
                    "hs_object_id" | "createdate" | "lastmodifieddate" | "hs_lastmodifieddate"
                );
            if !known {
                return Err(HsError::validation(format!(
                    "There was a problem with the request: property {} does not exist",
                    filter.property_name
                )));
            }
            const OPERATORS: &[&str] = &[
                "LT",
                "LTE",
                "GT",
                "GTE",
                "EQ",
                "NEQ",
                "BETWEEN",
                "IN",
                "NOT_IN",
                "HAS_PROPERTY",
                "NOT_HAS_PROPERTY",
                "CONTAINS_TOKEN",
                "NOT_CONTAINS_TOKEN",
            ];
            if !OPERATORS.contains(&filter.operator.as_str()) {
                return Err(HsError::validation(format!(
                    "Invalid operator: {}",
                    filter.operator
                )));
            }
            filters.push((filter.clone(), kind_of(object, &filter.property_name)));
        }
        compiled.push(filters);
    }
    Ok(Compiled { groups: compiled })
}

fn matches_filter(value: Option<&str>, filter: &Filter, kind: Kind) -> bool {
    let target = filter.value.as_ref().map(as_text).unwrap_or_default();
    match filter.operator.as_str() {
        "HAS_PROPERTY" => value.is_some(),
        "NOT_HAS_PROPERTY" => value.is_none(),
        "NEQ" => value.is_none_or(|v| compare(kind, v, &target) != Ordering::Equal),
        "NOT_IN" => {
            let values: Vec<String> = filter.values.iter().flatten().map(as_text).collect();
            value.is_none_or(|v| !values.iter().any(|t| listed(kind, v, t)))
        }
        "NOT_CONTAINS_TOKEN" => value.is_none_or(|v| !token_match(v, &target)),
        op => {
            let Some(value) = value else { return false };
            match op {
                "EQ" => compare(kind, value, &target) == Ordering::Equal,
                "LT" => compare(kind, value, &target) == Ordering::Less,
                "LTE" => compare(kind, value, &target) != Ordering::Greater,
                "GT" => compare(kind, value, &target) == Ordering::Greater,
                "GTE" => compare(kind, value, &target) != Ordering::Less,
                "BETWEEN" => {
                    let high = filter.high_value.as_ref().map(as_text).unwrap_or_default();
                    compare(kind, value, &target) != Ordering::Less
                        && compare(kind, value, &high) != Ordering::Greater
                }
                "IN" => filter
                    .values
                    .iter()
                    .flatten()
                    .map(as_text)
                    .any(|t| listed(kind, value, &t)),
                "CONTAINS_TOKEN" => token_match(value, &target),
                _ => false,
            }
        }
    }
}

pub(crate) fn record_matches(
    crm: &CrmData,
    table: &Table,
    record: &Record,
    compiled: &Compiled,
    query: Option<&str>,
    searchable: &[&str],
) -> bool {
    if let Some(query) = query.filter(|q| !q.trim().is_empty()) {
        let query = query.to_lowercase();
        let hit = searchable.iter().any(|field| {
            crm.value(table, record, field)
                .is_some_and(|v| v.to_lowercase().contains(query.trim_end_matches('*')))
        });
        if !hit {
            return false;
        }
    }
    compiled.groups.is_empty()
        || compiled.groups.iter().any(|group| {
            group.iter().all(|(filter, kind)| {
                let value = crm.value(table, record, &filter.property_name);
                matches_filter(value.as_deref(), filter, *kind)
            })
        })
}

pub(crate) fn searchable_fields(object: &str) -> &'static [&'static str] {
    match object {
        "contacts" => &[
            "email",
            "firstname",
            "lastname",
            "phone",
            "company",
            "hs_object_id",
        ],
        "companies" => &["name", "domain", "website", "phone", "hs_object_id"],
        "deals" => &["dealname", "pipeline", "dealstage", "hs_object_id"],
        _ => &["hs_object_id"],
    }
}

/// One sort of a search (`{"propertyName","direction":"DESCENDING"}` or `"-name"`) or of an
/// export (`{"propertyName","order":"DESC"}`): the property and whether it runs descending.
pub(crate) fn sort_spec(sort: &Value) -> (String, bool) {
    match sort {
        Value::String(text) => (
            text.trim_start_matches('-').to_string(),
            text.starts_with('-'),
        ),
        other => (
            other
                .get("propertyName")
                .and_then(Value::as_str)
                .unwrap_or("hs_object_id")
                .to_string(),
            other.get("direction").and_then(Value::as_str) == Some("DESCENDING")
                || other.get("order").and_then(Value::as_str) == Some("DESC"),
        ),
    }
}

/// Orders slots by one property as search does.
pub(crate) fn sorted(
    crm: &CrmData,
    table: &Table,
    schema: &ObjectSchema,
    hits: Vec<u32>,
    property: &str,
    descending: bool,
) -> Vec<u32> {
    let kind = kind_of(schema, property);
    let mut keyed: Vec<(SortKey, u32)> = hits
        .iter()
        .map(|slot| {
            let value = crm.value(table, table.record(*slot), property);
            (sort_key(kind, value.as_deref()), *slot)
        })
        .collect();
    keyed.sort_by(|(left, a), (right, b)| {
        // Missing values sort first; a number and a text never meet within one property.
        let ordering = left
            .partial_cmp(right)
            .unwrap_or(Ordering::Equal)
            .then(a.cmp(b));
        if descending {
            ordering.reverse()
        } else {
            ordering
        }
    });
    keyed.into_iter().map(|(_, slot)| slot).collect()
}

pub async fn search(
    State(shared): State<Arc<Shared>>,
    Path(object_type): Path<String>,
    HsJson(request): HsJson<SearchRequest>,
) -> Result<Json<Value>, HsError> {
    let crm = shared.hubspot.read();
    let object = resolve(&crm, &object_type)?;
    let schema = crm.object(&object).ok_or_else(HsError::not_found)?;
    let limit = number_param(&request.limit, "limit", 10)?;
    if limit > 200 {
        return Err(HsError::validation(
            "limit must be less than or equal to 200",
        ));
    }
    let after = number_param(&request.after, "after", 0)?;
    if after >= MAX_RESULTS {
        return Err(HsError::validation(format!(
            "Paging past {MAX_RESULTS} results is not supported: after ({after}) is at or beyond the cap; narrow the filters and search again"
        )));
    }
    if request.query.as_ref().is_some_and(|q| q.len() > 3000) {
        return Err(HsError::validation("query must be at most 3000 characters"));
    }
    if request.sorts.len() > 1 {
        return Err(HsError::validation("Only one sort is supported"));
    }
    let compiled = check_filters(schema, &request.filter_groups)?;
    let table = crm.store.table(&object).ok_or_else(HsError::not_found)?;
    let searchable = searchable_fields(&object);
    let mut hits: Vec<u32> = table
        .slots()
        .filter(|slot| {
            let record = table.record(*slot);
            !record.is_deleted()
                && record_matches(
                    &crm,
                    table,
                    record,
                    &compiled,
                    request.query.as_deref(),
                    searchable,
                )
        })
        .collect();
    if let Some(sort) = request.sorts.first() {
        let (property, descending) = sort_spec(sort);
        hits = sorted(&crm, table, schema, hits, &property, descending);
    }
    let total = hits.len();
    let properties = if request.properties.is_empty() {
        default_properties(&object)
    } else {
        request.properties.clone()
    };
    let results: Vec<Value> = hits
        .iter()
        .skip(after)
        .take(limit.min(MAX_RESULTS - after))
        .map(|slot| record_json(&crm, table, table.record(*slot), &properties))
        .collect();
    let mut body = json!({"total": total, "results": results});
    let next = after + limit;
    if next < total && next < MAX_RESULTS {
        body["paging"] = json!({"next": {"after": next.to_string()}});
    }
    Ok(Json(body))
}
