//! A parsed SOQL query checked against the catalog and run over the store, shared by the
//! REST `query` / `queryAll` resources and Bulk API 2.0 query jobs: field, type and literal
//! checks (INVALID_FIELD / INVALID_TYPE), matching, ordering, LIMIT / OFFSET, and the JSON of
//! a page of records with their child relationship subqueries.
//!
//! A subquery's result is nested under its relationship name exactly as the REST API returns
//! it: `"Contacts": {"totalSize": 2, "done": true, "records": [{"attributes": {...}, ...}]}`,
//! or `"Contacts": null` when the parent has no matching child (REST API Developer Guide,
//! "Execute a SOQL Query" relationship example; SOQL and SOSL Reference, "Relationship
//! Queries").

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value, json};

use super::errors::SfError;
use super::relationships::find_child_relationship;
use super::render::{record_json, relationship_name};
use crate::crm::CrmData;
use crate::soql::{self, Expr, OrderItem, Query, Row};
use crate::store::{Record, Table};
use tandem_ground::schema::{FieldType, ObjectSchema};

/// A query whose names are resolved against the catalog.
#[derive(Debug, Clone)]
pub struct ResolvedQuery {
    pub object: String,
    pub columns: Vec<Column>,
    pub filter: Option<Expr>,
    pub order: Vec<OrderItem>,
    pub limit: Option<usize>,
    pub offset: Option<usize>,
    pub count: bool,
}

/// One item of the select list, in select order.
#[derive(Debug, Clone)]
pub enum Column {
    /// A field of the object (canonical spelling) or a parent path `Account.Name`.
    Field(String),
    Children(ChildQuery),
}

/// A parent-to-child subquery: `(SELECT Id, Email FROM Contacts WHERE …)`.
#[derive(Debug, Clone)]
pub struct ChildQuery {
    /// The relationship name as Salesforce spells it (`Contacts`).
    pub relationship: String,
    pub object: String,
    /// The child's lookup to the parent (`AccountId`).
    pub lookup: String,
    pub fields: Vec<String>,
    pub filter: Option<Expr>,
    pub order: Vec<OrderItem>,
    pub limit: Option<usize>,
}

impl ResolvedQuery {
    /// The plain field columns (no subqueries), as Bulk API CSV columns.
    pub fn field_columns(&self) -> Vec<String> {
        self.columns
            .iter()
            .filter_map(|c| match c {
                Column::Field(name) => Some(name.clone()),
                Column::Children(_) => None,
            })
            .collect()
    }

    pub fn has_children(&self) -> bool {
        self.columns
            .iter()
            .any(|c| matches!(c, Column::Children(_)))
    }
}

/// A stored record seen through the SOQL evaluator.
pub struct RecordRow<'a> {
    pub crm: &'a CrmData,
    pub table: &'a Table,
    pub record: &'a Record,
    pub schema: &'a ObjectSchema,
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

pub fn canonical(schema: &ObjectSchema, field: &str) -> Option<String> {
    schema
        .fields
        .keys()
        .find(|k| k.eq_ignore_ascii_case(field))
        .cloned()
}

fn no_such_column(schema: &ObjectSchema, field: &str, query_text: &str) -> SfError {
    SfError::bad_request(
        "INVALID_FIELD",
        format!(
            "{query_text}\nERROR at Row:1:Column:1\nNo such column '{field}' on entity '{}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
            schema.name
        ),
    )
}

fn check_field(
    crm: &CrmData,
    schema: &ObjectSchema,
    field: &str,
    query_text: &str,
) -> Result<String, SfError> {
    if let Some((relationship, child)) = field.split_once('.') {
        let lookup = schema
            .fields
            .values()
            .find(|f| relationship_name(f).is_some_and(|r| r.eq_ignore_ascii_case(relationship)))
            .ok_or_else(|| no_such_column(schema, field, query_text))?;
        let ok = lookup.reference_to.iter().any(|target| {
            crm.object(target)
                .is_some_and(|o| o.fields.keys().any(|k| k.eq_ignore_ascii_case(child)))
        });
        return if ok {
            Ok(field.to_string())
        } else {
            Err(no_such_column(schema, field, query_text))
        };
    }
    canonical(schema, field).ok_or_else(|| no_such_column(schema, field, query_text))
}

/// Salesforce refuses a filter whose literal has the wrong shape for the field: a quoted
/// string against a date or dateTime field, an unquoted date or number against a text
/// field. The whole query fails with `INVALID_FIELD`, so a client that quotes dates learns
/// it here rather than in production.
fn check_literal_types(
    filter: &Expr,
    schema: &ObjectSchema,
    query_text: &str,
) -> Result<(), SfError> {
    use soql::Literal;
    let (field, literals): (&str, Vec<&Literal>) = match filter {
        Expr::And(a, b) | Expr::Or(a, b) => {
            check_literal_types(a, schema, query_text)?;
            return check_literal_types(b, schema, query_text);
        }
        Expr::Not(inner) => return check_literal_types(inner, schema, query_text),
        Expr::Like { .. } => return Ok(()),
        Expr::Cmp { field, value, .. } => (field, vec![value]),
        Expr::In { field, values, .. } => (field, values.iter().collect()),
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

fn unknown_object(name: &str, query_text: &str) -> SfError {
    SfError::bad_request(
        "INVALID_TYPE",
        format!(
            "\n{query_text}\n^\nERROR at Row:1:Column:1\nsObject type '{name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names."
        ),
    )
}

/// Checks the filter, order and plain fields of one query level against `schema`.
fn check_level(
    crm: &CrmData,
    schema: &ObjectSchema,
    query: &Query,
    text: &str,
) -> Result<(Option<Expr>, Vec<OrderItem>), SfError> {
    if let Some(filter) = &query.filter {
        let mut used = Vec::new();
        filter.fields(&mut used);
        for field in used {
            check_field(crm, schema, &field, text)?;
        }
        check_literal_types(filter, schema, text)?;
    }
    for order in &query.order {
        check_field(crm, schema, &order.field, text)?;
    }
    Ok((query.filter.clone(), query.order.clone()))
}

/// Resolves every name of a parsed query against the catalog.
pub fn resolve(crm: &CrmData, query: &Query, text: &str) -> Result<ResolvedQuery, SfError> {
    let object = crm
        .resolve_salesforce_object(&query.object)
        .ok_or_else(|| unknown_object(&query.object, text))?;
    let schema = crm
        .object(&object)
        .ok_or_else(|| SfError::unknown_object(&object))?;
    let mut columns = Vec::new();
    for item in &query.select {
        match &item.subquery {
            None => columns.push(Column::Field(check_field(crm, schema, &item.path, text)?)),
            Some(inner) => {
                let relation = find_child_relationship(&crm.schema, &object, &item.path)
                    .ok_or_else(|| {
                        SfError::bad_request(
                            "INVALID_TYPE",
                            format!(
                                "\n{text}\n^\nERROR at Row:1:Column:1\nDidn't understand relationship '{}' in FROM part of query call. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.",
                                item.path
                            ),
                        )
                    })?;
                let child_schema = crm
                    .object(&relation.child)
                    .ok_or_else(|| SfError::unknown_object(&relation.child))?;
                let mut fields = Vec::new();
                for child_item in &inner.select {
                    fields.push(check_field(crm, child_schema, &child_item.path, text)?);
                }
                let (filter, order) = check_level(crm, child_schema, inner, text)?;
                columns.push(Column::Children(ChildQuery {
                    relationship: relation.name.unwrap_or_else(|| item.path.clone()),
                    object: relation.child,
                    lookup: relation.field,
                    fields,
                    filter,
                    order,
                    limit: inner.limit,
                }));
            }
        }
    }
    let (filter, order) = check_level(crm, schema, query, text)?;
    Ok(ResolvedQuery {
        object,
        columns,
        filter,
        order,
        limit: query.limit,
        offset: query.offset,
        count: query.count,
    })
}

/// The slots of `object`'s records that match, ordered, after OFFSET and LIMIT.
pub fn matching_slots(crm: &CrmData, query: &ResolvedQuery, include_deleted: bool) -> Vec<u32> {
    let (Some(schema), Some(table)) = (crm.object(&query.object), crm.store.table(&query.object))
    else {
        return Vec::new();
    };
    let slots: Vec<u32> = table
        .slots()
        .filter(|slot| {
            let record = table.record(*slot);
            (include_deleted || !record.is_deleted())
                && query.filter.as_ref().is_none_or(|filter| {
                    soql::matches(
                        filter,
                        &RecordRow {
                            crm,
                            table,
                            record,
                            schema,
                        },
                    )
                })
        })
        .collect();
    let mut slots = sort_slots(crm, schema, table, slots, &query.order);
    let offset = query.offset.unwrap_or(0).min(slots.len());
    slots.drain(..offset);
    if let Some(limit) = query.limit {
        slots.truncate(limit);
    }
    slots
}

/// Sorts slots by ORDER BY (ties keep creation order).
fn sort_slots(
    crm: &CrmData,
    schema: &ObjectSchema,
    table: &Table,
    mut slots: Vec<u32>,
    order: &[OrderItem],
) -> Vec<u32> {
    if order.is_empty() {
        return slots;
    }
    let keys: Vec<Option<FieldType>> = order
        .iter()
        .map(|o| {
            canonical(schema, &o.field)
                .and_then(|n| schema.field(&n))
                .map(|f| f.field_type)
        })
        .collect();
    // Each record's sort values are read once, not once per comparison.
    let mut keyed: Vec<(Vec<Option<String>>, u32)> = slots
        .drain(..)
        .map(|slot| {
            let row = RecordRow {
                crm,
                table,
                record: table.record(slot),
                schema,
            };
            (order.iter().map(|o| row.value(&o.field)).collect(), slot)
        })
        .collect();
    keyed.sort_by(|(left, a), (right, b)| {
        for ((item, kind), (l, r)) in order.iter().zip(&keys).zip(left.iter().zip(right)) {
            let ordering = match (l, r) {
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
                    let ordering = order_values(l, r, *kind);
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
    keyed.into_iter().map(|(_, slot)| slot).collect()
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

/// The JSON records of one page of parent slots, with each subquery's children nested.
pub fn page_json(
    crm: &CrmData,
    version: &str,
    query: &ResolvedQuery,
    slots: &[u32],
    include_deleted: bool,
) -> Vec<Value> {
    let Some(table) = crm.store.table(&query.object) else {
        return Vec::new();
    };
    if !query.has_children() {
        let fields = query.field_columns();
        return slots
            .iter()
            .map(|slot| record_json(crm, version, table, table.record(*slot), &fields))
            .collect();
    }
    let children: Vec<HashMap<&str, Vec<u32>>> = query
        .columns
        .iter()
        .map(|column| match column {
            Column::Children(child) => {
                children_by_parent(crm, table, slots, child, include_deleted)
            }
            Column::Field(_) => HashMap::new(),
        })
        .collect();
    slots
        .iter()
        .map(|slot| {
            let record = table.record(*slot);
            let mut body = Map::new();
            body.insert(
                "attributes".into(),
                json!({"type": table.object, "url": super::render::record_url(version, &table.object, &record.id)}),
            );
            for (column, by_parent) in query.columns.iter().zip(&children) {
                match column {
                    Column::Field(name) => {
                        if let Value::Object(single) =
                            record_json(crm, version, table, record, std::slice::from_ref(name))
                        {
                            merge_into(&mut body, single);
                        }
                    }
                    Column::Children(child) => {
                        let value = match by_parent.get(&*record.id) {
                            Some(found) if !found.is_empty() => {
                                children_json(crm, version, child, found)
                            }
                            _ => Value::Null,
                        };
                        body.insert(child.relationship.clone(), value);
                    }
                }
            }
            Value::Object(body)
        })
        .collect()
}

/// Adds one rendered column to a record body; parent paths (`Account.Name`, `Account.Id`)
/// merge into one nested `Account` object.
fn merge_into(body: &mut Map<String, Value>, single: Map<String, Value>) {
    for (key, value) in single {
        if key == "attributes" {
            continue;
        }
        match (body.get_mut(&key), value) {
            (Some(Value::Object(existing)), Value::Object(more)) => {
                for (k, v) in more {
                    existing.insert(k, v);
                }
            }
            (_, value) => {
                body.insert(key, value);
            }
        }
    }
}

/// For each parent id of the page, the matching child slots (ordered, limited).
fn children_by_parent<'a>(
    crm: &'a CrmData,
    parent_table: &'a Table,
    parent_slots: &[u32],
    child: &ChildQuery,
    include_deleted: bool,
) -> HashMap<&'a str, Vec<u32>> {
    let (Some(child_table), Some(child_schema)) =
        (crm.store.table(&child.object), crm.object(&child.object))
    else {
        return HashMap::new();
    };
    let parents: HashSet<&str> = parent_slots
        .iter()
        .map(|slot| &*parent_table.record(*slot).id)
        .collect();
    let Some(lookup) = child_table.field(&child.lookup) else {
        return HashMap::new();
    };
    // One pass over the child table per page, not one per parent.
    let mut grouped: HashMap<&'a str, Vec<u32>> = HashMap::new();
    for slot in child_table.slots() {
        let record = child_table.record(slot);
        if record.is_deleted() && !include_deleted {
            continue;
        }
        let Some(parent) = record.get(lookup) else {
            continue;
        };
        let Some(&key) = parents.get(parent) else {
            continue;
        };
        let matches = child.filter.as_ref().is_none_or(|filter| {
            soql::matches(
                filter,
                &RecordRow {
                    crm,
                    table: child_table,
                    record,
                    schema: child_schema,
                },
            )
        });
        if matches {
            grouped.entry(key).or_default().push(slot);
        }
    }
    for slots in grouped.values_mut() {
        let sorted = sort_slots(
            crm,
            child_schema,
            child_table,
            std::mem::take(slots),
            &child.order,
        );
        *slots = sorted;
        if let Some(limit) = child.limit {
            slots.truncate(limit);
        }
    }
    grouped
}

fn children_json(crm: &CrmData, version: &str, child: &ChildQuery, slots: &[u32]) -> Value {
    let Some(table) = crm.store.table(&child.object) else {
        return Value::Null;
    };
    let records: Vec<Value> = slots
        .iter()
        .map(|slot| record_json(crm, version, table, table.record(*slot), &child.fields))
        .collect();
    json!({"totalSize": records.len(), "done": true, "records": records})
}
