//! Comparing a live schema with the committed snapshot. Pure.
//!
//! Breaking drift is what would make a checked spec fail at run time: an object or field the
//! spec uses disappears, a picklist value a value map names is removed or deactivated, a
//! field the spec writes becomes read-only, or a used field changes type. Everything else
//! (new fields, new values, changes to unused fields) is reported as informational.

use serde::Serialize;

use super::usage::SpecUsage;
use crate::schema::{FieldSchema, ObjectSchema, SchemaSnapshot, System};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DriftKind {
    ObjectRemoved,
    FieldRemoved,
    PicklistValueRemoved { value: String },
    BecameReadOnly,
    TypeChanged { from: String, to: String },
    FieldAdded,
    PicklistValueAdded { value: String },
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Drift {
    pub breaking: bool,
    pub system: System,
    pub object: String,
    pub field: Option<String>,
    #[serde(flatten)]
    pub kind: DriftKind,
}

impl Drift {
    pub fn describe(&self) -> String {
        let place = match &self.field {
            Some(field) => format!("{}.{}.{}", self.system.short_name(), self.object, field),
            None => format!("{}.{}", self.system.short_name(), self.object),
        };
        match &self.kind {
            DriftKind::ObjectRemoved => format!("{place}: object removed"),
            DriftKind::FieldRemoved => format!("{place}: field removed"),
            DriftKind::PicklistValueRemoved { value } => {
                format!("{place}: picklist value \"{value}\" removed or deactivated")
            }
            DriftKind::BecameReadOnly => format!("{place}: field became read-only"),
            DriftKind::TypeChanged { from, to } => {
                format!("{place}: type changed from {from} to {to}")
            }
            DriftKind::FieldAdded => format!("{place}: field added"),
            DriftKind::PicklistValueAdded { value } => {
                format!("{place}: picklist value \"{value}\" added")
            }
        }
    }
}

/// Every difference between `committed` and `live` for the objects of `committed`. Without
/// `usage` (no spec), every removal, type change and loss of writability is breaking.
pub fn diff_snapshots(
    committed: &SchemaSnapshot,
    live: &SchemaSnapshot,
    usage: Option<&SpecUsage>,
) -> Vec<Drift> {
    let system = committed.system;
    let mut drifts = Vec::new();
    let uses_object =
        |object: &str| usage.is_none_or(|u| u.objects.contains(&(system, object.to_string())));
    let uses_field = |object: &str, field: &str| {
        usage.is_none_or(|u| {
            u.fields
                .contains(&(system, object.to_string(), field.to_string()))
        })
    };
    let writes_field = |object: &str, field: &str| {
        usage.is_none_or(|u| {
            u.written
                .contains(&(system, object.to_string(), field.to_string()))
        })
    };
    for (name, old) in &committed.objects {
        let Some(new) = live.objects.get(name) else {
            drifts.push(Drift {
                breaking: uses_object(name),
                system,
                object: name.clone(),
                field: None,
                kind: DriftKind::ObjectRemoved,
            });
            continue;
        };
        diff_object(
            system,
            old,
            new,
            &mut drifts,
            &|field| uses_field(name, field),
            &|field| writes_field(name, field),
            &|field, value| match usage {
                None => true,
                Some(u) => u
                    .values
                    .get(&(system, name.clone(), field.to_string()))
                    .is_some_and(|values| values.contains(value)),
            },
        );
    }
    drifts.sort();
    drifts
}

fn diff_object(
    system: System,
    old: &ObjectSchema,
    new: &ObjectSchema,
    drifts: &mut Vec<Drift>,
    uses: &dyn Fn(&str) -> bool,
    writes: &dyn Fn(&str) -> bool,
    uses_value: &dyn Fn(&str, &str) -> bool,
) {
    let drift = |field: &str, kind: DriftKind, breaking: bool| Drift {
        breaking,
        system,
        object: old.name.clone(),
        field: Some(field.to_string()),
        kind,
    };
    for (name, old_field) in &old.fields {
        let Some(new_field) = new.fields.get(name) else {
            drifts.push(drift(name, DriftKind::FieldRemoved, uses(name)));
            continue;
        };
        if old_field.field_type != new_field.field_type {
            let from = format!("{:?}", old_field.field_type).to_lowercase();
            let to = format!("{:?}", new_field.field_type).to_lowercase();
            drifts.push(drift(name, DriftKind::TypeChanged { from, to }, uses(name)));
        }
        let was_writable = old_field.writable_on_update() || old_field.writable_on_create();
        let is_writable = new_field.writable_on_update() || new_field.writable_on_create();
        if was_writable && !is_writable {
            drifts.push(drift(name, DriftKind::BecameReadOnly, writes(name)));
        }
        for value in removed_values(old_field, new_field) {
            let breaking = uses_value(name, &value);
            drifts.push(drift(
                name,
                DriftKind::PicklistValueRemoved { value },
                breaking,
            ));
        }
        for value in removed_values(new_field, old_field) {
            drifts.push(drift(name, DriftKind::PicklistValueAdded { value }, false));
        }
    }
    for name in new
        .fields
        .keys()
        .filter(|name| !old.fields.contains_key(*name))
    {
        drifts.push(drift(name, DriftKind::FieldAdded, false));
    }
}

/// Active values of `from` that are missing or inactive in `to`.
fn removed_values(from: &FieldSchema, to: &FieldSchema) -> Vec<String> {
    let Some(from_list) = &from.picklist else {
        return Vec::new();
    };
    from_list
        .active_values()
        .filter(|value| {
            to.picklist
                .as_ref()
                .and_then(|list| list.value(&value.value))
                .is_none_or(|found| !found.active)
        })
        .map(|value| value.value.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{FieldType, Picklist, PicklistValue};

    fn lead(status_values: &[&str], with_title: bool, company_writable: bool) -> SchemaSnapshot {
        let mut object = ObjectSchema::new("Lead", "Lead");
        let mut status = FieldSchema::new("Status", "Status", FieldType::Picklist);
        status.picklist = Some(Picklist {
            restricted: true,
            values: status_values
                .iter()
                .map(|v| PicklistValue {
                    value: v.to_string(),
                    label: v.to_string(),
                    active: true,
                    default: false,
                })
                .collect(),
        });
        object.fields.insert("Status".into(), status);
        if with_title {
            object.fields.insert(
                "Title".into(),
                FieldSchema::new("Title", "Title", FieldType::String),
            );
        }
        let mut company = FieldSchema::new("Company", "Company", FieldType::String);
        company.updateable = company_writable;
        company.createable = company_writable;
        object.fields.insert("Company".into(), company);
        let mut snapshot = SchemaSnapshot::new(System::Salesforce);
        snapshot.objects.insert("Lead".into(), object);
        snapshot
    }

    fn usage() -> SpecUsage {
        let mut usage = SpecUsage::default();
        let key = |f: &str| (System::Salesforce, "Lead".to_string(), f.to_string());
        usage.objects.insert((System::Salesforce, "Lead".into()));
        usage
            .fields
            .extend([key("Status"), key("Title"), key("Company")]);
        usage.written.extend([key("Company")]);
        usage
            .values
            .insert(key("Status"), ["Open".to_string()].into_iter().collect());
        usage
    }

    #[test]
    fn removed_used_field_and_used_value_and_read_only_target_are_breaking() {
        let committed = lead(&["Open", "Working"], true, true);
        let live = lead(&["Working", "Nurture"], false, false);
        let drifts = diff_snapshots(&committed, &live, Some(&usage()));
        let described: Vec<(bool, String)> =
            drifts.iter().map(|d| (d.breaking, d.describe())).collect();
        assert_eq!(
            described,
            vec![
                (
                    false,
                    "sf.Lead.Status: picklist value \"Nurture\" added".to_string()
                ),
                (true, "sf.Lead.Company: field became read-only".to_string()),
                (
                    true,
                    "sf.Lead.Status: picklist value \"Open\" removed or deactivated".to_string()
                ),
                (true, "sf.Lead.Title: field removed".to_string()),
            ]
        );
    }

    #[test]
    fn drift_outside_what_the_spec_uses_is_not_breaking() {
        let committed = lead(&["Open", "Working"], true, true);
        let live = lead(&["Open"], true, true);
        let drifts = diff_snapshots(&committed, &live, Some(&usage()));
        assert_eq!(drifts.len(), 1);
        assert!(
            !drifts[0].breaking,
            "Working is not named by any map: {drifts:?}"
        );
        // Without a spec every removal counts.
        assert!(diff_snapshots(&committed, &live, None)[0].breaking);
    }

    #[test]
    fn identical_snapshots_have_no_drift() {
        let snapshot = lead(&["Open"], true, true);
        assert!(diff_snapshots(&snapshot, &snapshot, Some(&usage())).is_empty());
    }
}
