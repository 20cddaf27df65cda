//! Properties HubSpot computes rather than stores as written: association counts
//! (`num_associated_contacts`, `num_associated_deals`, ...), the date a record entered each
//! lifecycle stage (`hs_lifecyclestage_{stage}_date`), and the writes HubSpot itself makes to
//! read-only and calculated properties (the control API's `as-crm` writes), which the public
//! API refuses with `READ_ONLY_VALUE`.
//!
//! Facts: the default lifecycle stages and their order (subscriber, lead,
//! marketingqualifiedlead, salesqualifiedlead, opportunity, customer, evangelist, other) and
//! the read-only `hubspotscore` (hubspot-api.md §7); HubSpot stamps
//! `hs_lifecyclestage_{stage}_date` when a record enters a stage, keeping the first date
//! (knowledge.hubspot.com "Date entered" lifecycle properties); `num_associated_*` count the
//! live associated records.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::write::HubspotOracle;
use crate::clock;
use crate::crm::CrmData;
use crate::store::{Record, Table};
use crate::validate;
use tandem_ground::schema::System;

/// The default lifecycle stages, in the order a record moves through them.
pub const LIFECYCLE_STAGES: &[&str] = &[
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
    "other",
];

/// The property a stage's entry date is kept in.
pub fn lifecycle_date_property(stage: &str) -> String {
    format!("hs_lifecyclestage_{stage}_date")
}

/// The object an association-count property counts (`num_associated_deals` -> `deals`).
fn counted_object(property: &str) -> Option<&'static str> {
    Some(match property {
        "num_associated_contacts" => "contacts",
        "num_associated_companies" => "companies",
        "num_associated_deals" => "deals",
        "num_associated_tickets" => "tickets",
        _ => return None,
    })
}

/// Whether HubSpot derives this property from other data at read time (so no write, not even
/// HubSpot's own, sets it).
pub fn is_derived(object_has_field: bool, property: &str) -> bool {
    object_has_field && counted_object(property).is_some()
}

/// A derived property's value for one record, or `None` when the property is not derived
/// (the stored value applies).
pub fn derived_value<'a>(
    crm: &CrmData,
    table: &Table,
    record: &Record,
    property: &str,
) -> Option<Option<Cow<'a, str>>> {
    let target = counted_object(property)?;
    if !crm
        .object(&table.object)
        .is_some_and(|o| o.fields.contains_key(property))
    {
        return None;
    }
    let Ok(id) = record.id.parse::<u64>() else {
        return Some(None);
    };
    let targets = crm.store.table(target);
    let count = crm
        .associations
        .list(&table.object, id, target)
        .iter()
        .filter(|(to, _)| {
            targets
                .and_then(|t| t.get(&to.to_string()))
                .is_some_and(|r| !r.is_deleted())
        })
        .count();
    Some(Some(Cow::Owned(count.to_string())))
}

/// The lifecycle entry dates a write implies: when it sets `lifecyclestage` to a stage whose
/// date property the object has and the record (`slot`, `None` on create) has no date for
/// yet, the date is now.
pub fn with_lifecycle_dates<'v>(
    crm: &CrmData,
    object: &str,
    slot: Option<u32>,
    values: &'v [(String, Option<String>)],
    now_ms: i64,
) -> Cow<'v, [(String, Option<String>)]> {
    if crm.system != System::Hubspot {
        return Cow::Borrowed(values);
    }
    let Some(stage) = values
        .iter()
        .find(|(name, _)| name == "lifecyclestage")
        .and_then(|(_, value)| value.as_deref())
    else {
        return Cow::Borrowed(values);
    };
    let property = lifecycle_date_property(stage);
    let has_field = crm
        .object(object)
        .is_some_and(|o| o.fields.contains_key(&property));
    let given = values.iter().any(|(name, _)| *name == property);
    let already = slot.is_some_and(|slot| {
        crm.store.table(object).is_some_and(|table| {
            table
                .field(&property)
                .and_then(|field| table.record(slot).get(field))
                .is_some()
        })
    });
    if !has_field || given || already {
        return Cow::Borrowed(values);
    }
    let mut stamped = values.to_vec();
    stamped.push((property, Some(clock::hubspot_datetime(now_ms))));
    Cow::Owned(stamped)
}

/// Why HubSpot itself cannot set a value.
#[derive(Debug, Clone, PartialEq)]
pub enum SystemWriteError {
    UnknownProperty(String),
    Derived(String),
    Invalid(validate::Violation),
}

/// What a write by HubSpot itself sets: stored values, and a new create date when
/// `createdate` / `hs_createdate` is given.
#[derive(Debug, Default)]
pub struct SystemWrite {
    pub values: Vec<(String, Option<String>)>,
    pub created_ms: Option<i64>,
}

/// Validates a write HubSpot itself makes (a score recalculated, a stage date, a create date):
/// every property the object has may be set, read-only and calculated ones included, with the
/// same value formats the public API checks; only properties HubSpot derives on every read
/// (association counts) are refused.
pub fn system_write(
    crm: &CrmData,
    object: &str,
    fields: &Map<String, Value>,
) -> Result<SystemWrite, SystemWriteError> {
    let schema = crm
        .object(object)
        .ok_or_else(|| SystemWriteError::UnknownProperty(object.to_string()))?;
    let oracle = HubspotOracle { crm, object };
    let pipeline = fields
        .get("pipeline")
        .or_else(|| fields.get("hs_pipeline"))
        .and_then(Value::as_str);
    let mut write = SystemWrite::default();
    for (name, value) in fields {
        if matches!(name.as_str(), "createdate" | "hs_createdate") {
            let text = match value {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            let ms = clock::parse_datetime_ms(&text).ok_or_else(|| {
                SystemWriteError::Invalid(validate::Violation::BadDate {
                    field: name.clone(),
                    label: "Create date".into(),
                    value: text.clone(),
                })
            })?;
            write.created_ms = Some(ms);
            continue;
        }
        let field = schema
            .field(name)
            .ok_or_else(|| SystemWriteError::UnknownProperty(name.clone()))?;
        if is_derived(true, name) {
            return Err(SystemWriteError::Derived(name.clone()));
        }
        let stored = validate::normalize_value(System::Hubspot, field, value, &oracle, pipeline)
            .map_err(SystemWriteError::Invalid)?;
        write.values.push((name.clone(), stored));
    }
    Ok(write)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog;

    #[test]
    fn entering_a_stage_stamps_its_date_once() {
        let crm = CrmData::new(System::Hubspot, catalog::standard_hubspot());
        let values = vec![("lifecyclestage".to_string(), Some("customer".to_string()))];
        let stamped = with_lifecycle_dates(&crm, "contacts", None, &values, 86_400_000);
        assert_eq!(
            stamped[1],
            (
                "hs_lifecyclestage_customer_date".to_string(),
                Some("1970-01-02T00:00:00.000Z".to_string())
            )
        );
        let cleared = vec![("lifecyclestage".to_string(), None)];
        assert_eq!(
            with_lifecycle_dates(&crm, "contacts", None, &cleared, 0).len(),
            1
        );
    }

    #[test]
    fn hubspot_itself_may_set_read_only_scores_but_not_association_counts() {
        let crm = CrmData::new(System::Hubspot, catalog::standard_hubspot());
        let score: Map<String, Value> =
            serde_json::from_str(r#"{"hubspotscore": 72}"#).expect("json");
        let write = system_write(&crm, "contacts", &score).expect("allowed");
        assert_eq!(
            write.values,
            vec![("hubspotscore".to_string(), Some("72".to_string()))]
        );
        let count: Map<String, Value> =
            serde_json::from_str(r#"{"num_associated_deals": 3}"#).expect("json");
        assert_eq!(
            system_write(&crm, "contacts", &count).err(),
            Some(SystemWriteError::Derived("num_associated_deals".into()))
        );
        let unknown: Map<String, Value> = serde_json::from_str(r#"{"nope": 3}"#).expect("json");
        assert_eq!(
            system_write(&crm, "contacts", &unknown).err(),
            Some(SystemWriteError::UnknownProperty("nope".into()))
        );
    }
}
