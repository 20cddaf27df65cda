//! `GET /query?q=` and `/queryAll?q=`: SOQL parsed by `sandbox::soql`, fields checked
//! against the schema (INVALID_FIELD / INVALID_TYPE / MALFORMED_QUERY), results paged by
//! `Sforce-Query-Options: batchSize` (200..=2000, default 2000) through `nextRecordsUrl`.

use std::cmp::Ordering;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use super::api_version;
use super::errors::SfError;
use super::query_cursor::QueryCursor;
use super::render::{record_json, relationship_name};
use crate::Shared;
use crate::crm::Crm;
use crate::hubspot::render::QueryParams;
use crate::ids;
use crate::soql::{self, Row, SoqlError};
use crate::store::{Record, Table};
use tandem_ground::schema::{FieldType, ObjectSchema};

struct RecordRow<'a> {
    crm: &'a Crm,
    table: &'a Table,
    record: &'a Record,
    schema: &'a ObjectSchema,
}

impl Row for RecordRow<'_> {
    fn value(&self, field: &str) -> Option<String> {
        if let Some((relationship, child)) = field.split_once('.') {
            let lookup = self.schema.fields.values().find(|f| {
                relationship_name(f).is_some_and(|r| r.eq_ignore_ascii_case(relationship))
            })?;
            let id = self
                .crm
                .value(self.table, self.record, &lookup.name)?
                .into_owned();
            for target in &lookup.reference_to {
                // Polymorphic lookups (OwnerId -> Group, User) may name objects not served.
                let Some(parent_table) = self.crm.store.table(target) else {
                    continue;
                };
                if let Some(parent) = parent_table.get(&id) {
                    let name = self
                        .crm
                        .object(target)?
                        .fields
                        .keys()
                        .find(|k| k.eq_ignore_ascii_case(child))?
                        .clone();
                    return self
                        .crm
                        .value(parent_table, parent, &name)
                        .map(|v| v.into_owned());
                }
            }
            return None;
        }
        let name = canonical(self.schema, field)?;
        self.crm
            .value(self.table, self.record, &name)
            .map(|v| v.into_owned())
    }

    fn field_type(&self, field: &str) -> Option<FieldType> {
        canonical(self.schema, field)
            .and_then(|n| self.schema.field(&n))
            .map(|f| f.field_type)
    }
}

fn canonical(schema: &ObjectSchema, field: &str) -> Option<String> {
    schema
        .fields
        .keys()
        .find(|k| k.eq_ignore_ascii_case(field))
        .cloned()
}

fn malformed(error: SoqlError) -> SfError {
    SfError::bad_request("MALFORMED_QUERY", error.to_string())
}

fn check_field(
    crm: &Crm,
    schema: &ObjectSchema,
    field: &str,
    query_text: &str,
) -> Result<String, SfError> {
    let no_such = || {
        SfError::bad_request(
            "INVALID_FIELD",
            format!(
                "{query_text}\nERROR at Row:1:Column:1\nNo such column '{field}' on entity '{}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
                schema.name
            ),
        )
    };
    if let Some((relationship, child)) = field.split_once('.') {
        let lookup = schema
            .fields
            .values()
            .find(|f| relationship_name(f).is_some_and(|r| r.eq_ignore_ascii_case(relationship)))
            .ok_or_else(no_such)?;
        let ok = lookup.reference_to.iter().any(|target| {
            crm.object(target)
                .is_some_and(|o| o.fields.keys().any(|k| k.eq_ignore_ascii_case(child)))
        });
        return if ok {
            Ok(field.to_string())
        } else {
            Err(no_such())
        };
    }
    canonical(schema, field).ok_or_else(no_such)
}

/// Salesforce refuses a filter whose literal has the wrong shape for the field: a quoted
/// string against a date or dateTime field, an unquoted date or number against a text
/// field. The whole query fails with `INVALID_FIELD`, so a client that quotes dates learns
/// it here rather than in production.
fn check_literal_types(
    filter: &soql::Expr,
    schema: &ObjectSchema,
    query_text: &str,
) -> Result<(), SfError> {
    use soql::Literal;
    let (field, literals): (&str, Vec<&Literal>) = match filter {
        soql::Expr::And(a, b) | soql::Expr::Or(a, b) => {
            check_literal_types(a, schema, query_text)?;
            return check_literal_types(b, schema, query_text);
        }
        soql::Expr::Not(inner) => return check_literal_types(inner, schema, query_text),
        soql::Expr::Like { .. } => return Ok(()),
        soql::Expr::Cmp { field, value, .. } => (field, vec![value]),
        soql::Expr::In { field, values, .. } => (field, values.iter().collect()),
    };
    let Some(kind) = canonical(schema, field)
        .and_then(|name| schema.field(&name))
        .map(|f| f.field_type)
    else {
        // Parent fields (`Account.Name`) were checked for existence; their types are not
        // compared here.
        return Ok(());
    };
    let refused = |expected: &str, quotes: &str| {
        Err(SfError::bad_request(
            "INVALID_FIELD",
            format!(
                "\n{query_text}\n^\nERROR at Row:1:Column:1\nvalue of filter criterion for field '{field}' must be of type {expected} and {quotes}"
            ),
        ))
    };
    for literal in literals {
        match (kind, literal) {
            (FieldType::Date, Literal::Str(_)) => {
                return refused("date", "should not be enclosed in quotes");
            }
            (FieldType::Datetime, Literal::Str(_)) => {
                return refused("dateTime", "should not be enclosed in quotes");
            }
            (
                kind,
                Literal::Number(_) | Literal::Instant(_) | Literal::Range(..) | Literal::Bool(_),
            ) if kind.is_text()
                || matches!(kind, FieldType::Picklist | FieldType::Multipicklist) =>
            {
                return refused("string", "should be enclosed in quotes");
            }
            _ => {}
        }
    }
    Ok(())
}

/// Open query cursors kept per org (Salesforce allows a few thousand per user).
const MAX_OPEN_CURSORS: usize = 1000;

fn batch_size(headers: &HeaderMap) -> usize {
    headers
        .get("sforce-query-options")
        .and_then(|v| v.to_str().ok())
        .and_then(|text| {
            text.split([',', ';'])
                .filter_map(|part| part.trim().strip_prefix("batchSize="))
                .next()
                .and_then(|n| n.trim().parse::<usize>().ok())
        })
        .map(|n| n.clamp(200, 2000))
        .unwrap_or(2000)
}

fn run(
    shared: &Shared,
    version: &str,
    raw: Option<&str>,
    headers: &HeaderMap,
    include_deleted: bool,
) -> Result<Json<Value>, SfError> {
    let params = QueryParams::parse(raw);
    let text = params
        .get("q")
        .ok_or_else(|| {
            SfError::bad_request("MALFORMED_QUERY", "A query string has to be specified")
        })?
        .to_string();
    let query = soql::parse(&text, shared.clock.now_ms()).map_err(malformed)?;
    let crm = shared.salesforce.read();
    let object = crm.resolve_salesforce_object(&query.object).ok_or_else(|| {
        SfError::bad_request(
            "INVALID_TYPE",
            format!("\n{text}\n^\nERROR at Row:1:Column:1\nsObject type '{}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.", query.object),
        )
    })?;
    let schema = crm
        .object(&object)
        .cloned()
        .ok_or_else(|| SfError::unknown_object(&object))?;
    let mut fields = Vec::new();
    for item in &query.select {
        fields.push(check_field(&crm, &schema, &item.path, &text)?);
    }
    if let Some(filter) = &query.filter {
        let mut used = Vec::new();
        filter.fields(&mut used);
        for field in used {
            check_field(&crm, &schema, &field, &text)?;
        }
        check_literal_types(filter, &schema, &text)?;
    }
    for order in &query.order {
        check_field(&crm, &schema, &order.field, &text)?;
    }
    let table = crm
        .store
        .table(&object)
        .ok_or_else(|| SfError::unknown_object(&object))?;
    let mut slots: Vec<u32> = table
        .slots()
        .filter(|slot| {
            let record = table.record(*slot);
            if record.is_deleted() && !include_deleted {
                return false;
            }
            match &query.filter {
                None => true,
                Some(filter) => soql::matches(
                    filter,
                    &RecordRow {
                        crm: &crm,
                        table,
                        record,
                        schema: &schema,
                    },
                ),
            }
        })
        .collect();
    if !query.order.is_empty() {
        let keys: Vec<(String, Option<FieldType>)> = query
            .order
            .iter()
            .map(|o| {
                (
                    o.field.clone(),
                    canonical(&schema, &o.field)
                        .and_then(|n| schema.field(&n))
                        .map(|f| f.field_type),
                )
            })
            .collect();
        slots.sort_by(|a, b| {
            let row_a = RecordRow {
                crm: &crm,
                table,
                record: table.record(*a),
                schema: &schema,
            };
            let row_b = RecordRow {
                crm: &crm,
                table,
                record: table.record(*b),
                schema: &schema,
            };
            for (item, (field, kind)) in query.order.iter().zip(&keys) {
                let left = row_a.value(field);
                let right = row_b.value(field);
                let ordering = match (left, right) {
                    (None, None) => Ordering::Equal,
                    (None, Some(_)) => {
                        if item.nulls_last {
                            Ordering::Greater
                        } else {
                            Ordering::Less
                        }
                    }
                    (Some(_), None) => {
                        if item.nulls_last {
                            Ordering::Less
                        } else {
                            Ordering::Greater
                        }
                    }
                    (Some(l), Some(r)) => {
                        let ordering = order_values(&l, &r, *kind);
                        if item.descending {
                            ordering.reverse()
                        } else {
                            ordering
                        }
                    }
                };
                if ordering != Ordering::Equal {
                    return ordering;
                }
            }
            a.cmp(b)
        });
    }
    let offset = query.offset.unwrap_or(0);
    let mut slots: Vec<u32> = slots.into_iter().skip(offset).collect();
    if let Some(limit) = query.limit {
        slots.truncate(limit);
    }
    if query.count {
        return Ok(Json(
            json!({"totalSize": slots.len(), "done": true, "records": []}),
        ));
    }
    let batch = batch_size(headers);
    let total = slots.len();
    let first: Vec<Value> = slots
        .iter()
        .take(batch)
        .map(|s| record_json(&crm, version, table, table.record(*s), &fields))
        .collect();
    let mut body = json!({"totalSize": total, "done": total <= batch, "records": first});
    if total > batch {
        // Queries run under the read lock; only registering the cursor needs the write lock.
        drop(crm);
        let mut crm = shared.salesforce.write();
        crm.next_cursor += 1;
        let cursor_id = ids::salesforce_id("01g", crm.next_cursor);
        body["nextRecordsUrl"] = Value::String(format!(
            "/services/data/v{version}/query/{cursor_id}-{batch}"
        ));
        crm.cursors.insert(
            cursor_id,
            QueryCursor {
                object,
                slots,
                fields,
                batch_size: batch,
            },
        );
        // Like the real org, only a bounded number of open cursors is kept; the oldest go.
        while crm.cursors.len() > MAX_OPEN_CURSORS {
            crm.cursors.pop_first();
        }
    }
    Ok(Json(body))
}

fn order_values(left: &str, right: &str, kind: Option<FieldType>) -> Ordering {
    match kind {
        Some(FieldType::Int | FieldType::Double | FieldType::Currency | FieldType::Percent) => {
            match (left.parse::<f64>(), right.parse::<f64>()) {
                (Ok(a), Ok(b)) => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
                _ => left.cmp(right),
            }
        }
        Some(FieldType::Id | FieldType::Reference | FieldType::Date | FieldType::Datetime) => {
            left.cmp(right)
        }
        _ => left.to_lowercase().cmp(&right.to_lowercase()),
    }
}

pub async fn query(
    State(shared): State<Arc<Shared>>,
    Path(version): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Json<Value>, SfError> {
    let version = api_version(&version)?;
    run(&shared, &version, raw.as_deref(), &headers, false)
}

pub async fn query_all(
    State(shared): State<Arc<Shared>>,
    Path(version): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Json<Value>, SfError> {
    let version = api_version(&version)?;
    run(&shared, &version, raw.as_deref(), &headers, true)
}

/// `GET /query/{cursorId}-{position}`: the next batch of a cursor.
pub async fn next_page(
    State(shared): State<Arc<Shared>>,
    Path((version, cursor)): Path<(String, String)>,
) -> Result<Json<Value>, SfError> {
    let version = api_version(&version)?;
    let invalid = || {
        SfError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_QUERY_LOCATOR",
            "invalid query locator",
        )
    };
    let (cursor_id, position) = cursor.rsplit_once('-').ok_or_else(invalid)?;
    let position: usize = position.parse().map_err(|_| invalid())?;
    let crm = shared.salesforce.read();
    let state = crm.cursors.get(cursor_id).ok_or_else(invalid)?;
    if position > state.slots.len() {
        return Err(invalid());
    }
    let table = crm.store.table(&state.object).ok_or_else(invalid)?;
    let end = (position + state.batch_size).min(state.slots.len());
    let records: Vec<Value> = state.slots[position..end]
        .iter()
        .map(|s| record_json(&crm, &version, table, table.record(*s), &state.fields))
        .collect();
    let mut body = json!({"totalSize": state.slots.len(), "done": end >= state.slots.len(), "records": records});
    if end < state.slots.len() {
        body["nextRecordsUrl"] =
            Value::String(format!("/services/data/v{version}/query/{cursor_id}-{end}"));
    }
    Ok(Json(body))
}
