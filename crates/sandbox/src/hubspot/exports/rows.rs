//! The CSV an export writes: a header row, then one row per record with the requested
//! properties (the record id first, as HubSpot's export files have it), and for each
//! associated object type the associated record ids.
//!
//! With `exportInternalValuesOptions: ["NAMES"]` the header holds internal property names,
//! otherwise labels; with `["VALUES"]` cells hold internal values, otherwise enumeration
//! options, pipelines, stages and owners are written as their labels (the guide: "By default,
//! property names and values are shown as the human-readable labels"). Dates are written as
//! the API returns them in both cases (the sandbox does not localise them).

use std::collections::HashMap;

use super::request::ExportRequest;
use crate::crm::CrmData;
use crate::hubspot::objects::singular;
use crate::store::{Record, Table};
use tandem_ground::schema::{FieldType, ObjectSchema};

/// One column of the file.
#[derive(Debug, Clone)]
pub enum Column {
    Property(String),
    /// The ids of associated records of an object type, `;`-separated.
    AssociatedIds(String),
    /// With a single associated type, its records' display values too.
    AssociatedDisplay(String),
}

pub fn columns(request: &ExportRequest) -> Vec<Column> {
    let mut columns = vec![Column::Property("hs_object_id".into())];
    columns.extend(
        request
            .properties
            .iter()
            .filter(|p| p.as_str() != "hs_object_id")
            .map(|p| Column::Property(p.clone())),
    );
    for object in &request.associated {
        columns.push(Column::AssociatedIds(object.clone()));
    }
    if let [only] = request.associated.as_slice() {
        columns.push(Column::AssociatedDisplay(only.clone()));
    }
    columns
}

fn capitalised(object: &str) -> String {
    let word = singular(object);
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

pub fn header(schema: &ObjectSchema, request: &ExportRequest, columns: &[Column]) -> Vec<String> {
    columns
        .iter()
        .map(|column| match column {
            Column::Property(name) if request.internal_names => name.clone(),
            Column::Property(name) if name == "hs_object_id" => "Record ID".into(),
            Column::Property(name) => schema
                .field(name)
                .map(|f| f.label.clone())
                .unwrap_or_else(|| name.clone()),
            Column::AssociatedIds(object) => format!("Associated {} IDs", capitalised(object)),
            Column::AssociatedDisplay(object) => format!("Associated {}", capitalised(object)),
        })
        .collect()
}

/// Labels for the values of one object's fields, looked up once per export.
pub struct Labels {
    options: HashMap<String, HashMap<String, String>>,
}

impl Labels {
    pub fn new(crm: &CrmData, schema: &ObjectSchema) -> Self {
        let mut options: HashMap<String, HashMap<String, String>> = HashMap::new();
        for field in schema.fields.values() {
            let mut map = HashMap::new();
            if let Some(list) = &field.picklist {
                for value in &list.values {
                    map.insert(value.value.clone(), value.label.clone());
                }
            }
            match field.name.as_str() {
                "hubspot_owner_id" => {
                    for owner in &crm.schema.owners {
                        let name = format!("{} {}", owner.first_name, owner.last_name);
                        map.insert(owner.id.clone(), name.trim().to_string());
                    }
                }
                "pipeline" | "hs_pipeline" => {
                    for pipeline in &schema.pipelines {
                        map.insert(pipeline.id.clone(), pipeline.label.clone());
                    }
                }
                "dealstage" | "hs_pipeline_stage" => {
                    for stage in schema.pipelines.iter().flat_map(|p| p.stages.iter()) {
                        map.insert(stage.id.clone(), stage.label.clone());
                    }
                }
                _ => {}
            }
            if !map.is_empty() {
                options.insert(field.name.clone(), map);
            }
        }
        Labels { options }
    }

    fn label(&self, schema: &ObjectSchema, field: &str, value: &str) -> String {
        let Some(map) = self.options.get(field) else {
            return value.to_string();
        };
        let multi = schema
            .field(field)
            .is_some_and(|f| f.field_type == FieldType::Multipicklist);
        if multi {
            value
                .split(';')
                .map(|part| map.get(part).map(String::as_str).unwrap_or(part))
                .collect::<Vec<_>>()
                .join(";")
        } else {
            map.get(value).cloned().unwrap_or_else(|| value.to_string())
        }
    }
}

/// The property shown for an associated record.
fn display_property(object: &str) -> &'static str {
    match object {
        "contacts" => "email",
        "companies" => "name",
        "deals" => "dealname",
        "tickets" => "subject",
        _ => "hs_object_id",
    }
}

pub struct RowContext<'a> {
    pub crm: &'a CrmData,
    pub table: &'a Table,
    pub schema: &'a ObjectSchema,
    pub request: &'a ExportRequest,
    pub columns: &'a [Column],
    pub labels: &'a Labels,
}

impl RowContext<'_> {
    pub fn row(&self, record: &Record) -> Vec<String> {
        let crm = self.crm;
        self.columns
            .iter()
            .map(|column| match column {
                Column::Property(name) => {
                    let value = crm.value(self.table, record, name).unwrap_or_default();
                    if self.request.internal_values {
                        value.into_owned()
                    } else {
                        self.labels.label(self.schema, name, &value)
                    }
                }
                Column::AssociatedIds(object) => self
                    .associated(record, object)
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(";"),
                Column::AssociatedDisplay(object) => {
                    let Some(table) = crm.store.table(object) else {
                        return String::new();
                    };
                    self.associated(record, object)
                        .iter()
                        .filter_map(|id| {
                            let other = table.get(&id.to_string())?;
                            crm.value(table, other, display_property(object))
                                .map(|v| v.into_owned())
                        })
                        .collect::<Vec<_>>()
                        .join(";")
                }
            })
            .collect()
    }

    fn associated(&self, record: &Record, object: &str) -> Vec<u64> {
        let Ok(id) = record.id.parse::<u64>() else {
            return Vec::new();
        };
        let live = self.crm.store.table(object);
        self.crm
            .associations
            .list(&self.table.object, id, object)
            .into_iter()
            .map(|(to, _)| to)
            .filter(|to| {
                live.and_then(|t| t.get(&to.to_string()))
                    .is_some_and(|r| !r.is_deleted())
            })
            .collect()
    }
}

/// Appends one CSV line (RFC 4180 quoting: fields with a comma, quote or line break are
/// quoted, quotes doubled).
pub fn push_csv_line(out: &mut Vec<u8>, cells: &[String]) {
    for (index, cell) in cells.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        if cell.contains([',', '"', '\n', '\r']) {
            out.push(b'"');
            out.extend_from_slice(cell.replace('"', "\"\"").as_bytes());
            out.push(b'"');
        } else {
            out.extend_from_slice(cell.as_bytes());
        }
    }
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_only_when_needed() {
        let mut out = Vec::new();
        push_csv_line(
            &mut out,
            &[
                "plain".into(),
                "a,b".into(),
                "say \"hi\"".into(),
                String::new(),
            ],
        );
        assert_eq!(
            String::from_utf8_lossy(&out),
            "plain,\"a,b\",\"say \"\"hi\"\"\",\n"
        );
    }
}
