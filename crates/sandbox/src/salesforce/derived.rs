//! What a real org derives when a record is saved, applied after every Salesforce create and
//! update whoever made it (API, control API, conversion, merge):
//!
//! - `Task`: `IsClosed` from `Status` (`Completed`), `CompletedDateTime` when it closes,
//!   `IsHighPriority` from `Priority`, `AccountId` from `WhatId` (an Account, or the Account
//!   of an Opportunity or Case) or else from a Contact `WhoId` (Task object reference:
//!   "AccountId … is determined by WhatId or, if WhatId is empty, by the WhoId Contact").
//! - `Event`: `StartDateTime` and `ActivityDateTime` mirror each other, `EndDateTime` and
//!   `DurationInMinutes` complete each other, `ActivityDate` / `EndDate` are their dates,
//!   `EventSubtype` is `Event`, `AccountId` as for tasks (Event object reference).
//! - `Case`: `CaseNumber` (auto-number), `IsClosed` / `ClosedDate` from `Status` (`Closed`).
//! - `Contact`: the direct `AccountContactRelation` to its `AccountId` is created with the
//!   contact; when `AccountId` changes, the old direct relation becomes indirect and the new
//!   account's relation becomes the direct one ("Contacts to Multiple Accounts": "When you
//!   change a contact's primary account, the former direct relationship becomes indirect").
//! - `OpportunityContactRole`: "Each Opportunity has only one primary contact": marking one
//!   primary clears `IsPrimary` on the opportunity's other roles.
//! - `AccountContactRelation` created through the API: indirect (`IsDirect` false).
//!
//! Derived values are written straight to the store as part of the same save (same stamp, no
//! second write-log entry); records changed as a consequence (another role, a relation) are
//! saved through [`CrmData::update`] / [`CrmData::create`] like any write.

use tandem_ground::schema::System;

use crate::clock;
use crate::crm::{Actor, CrmData};
use crate::store::{IndexedLookup, Record, Store};
use crate::validate::Violation;

/// Lookups the derivations search by: indexed so that a save costs the related records, not
/// a scan of the table.
const INDEXED_LOOKUPS: &[(&str, &str)] = &[
    ("AccountContactRelation", "ContactId"),
    ("AccountContactRelation", "AccountId"),
    ("OpportunityContactRole", "OpportunityId"),
    ("OpportunityContactRole", "ContactId"),
];

/// Adds the indexes the derivations use (called whenever the tables are rebuilt).
pub fn add_indexes(store: &mut Store) {
    for (object, field) in INDEXED_LOOKUPS {
        if let Some(table) = store.table_mut(object) {
            if table.field(field).is_some() {
                table.add_index(field);
            }
        }
    }
}

/// Create-time requirements the field metadata cannot express: an Event needs a start
/// (`ActivityDateTime` or `StartDateTime`, or `ActivityDate` when all-day) and an end
/// (`DurationInMinutes` or `EndDateTime`): "Required fields are missing: [DurationInMinutes]".
pub fn check_create(object: &str, values: &[(String, Option<String>)]) -> Result<(), Violation> {
    if object != "Event" {
        return Ok(());
    }
    let given = |name: &str| {
        values
            .iter()
            .any(|(field, value)| field == name && value.is_some())
    };
    let all_day = values
        .iter()
        .any(|(field, value)| field == "IsAllDayEvent" && value.as_deref() == Some("true"));
    let mut missing = Vec::new();
    if all_day {
        if !given("ActivityDate") && !given("ActivityDateTime") && !given("StartDateTime") {
            missing.push("ActivityDate".to_string());
        }
    } else {
        if !given("ActivityDateTime") && !given("StartDateTime") {
            missing.push("ActivityDateTime".to_string());
        }
        if !given("DurationInMinutes") && !given("EndDateTime") {
            missing.push("DurationInMinutes".to_string());
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Violation::RequiredMissing { fields: missing })
    }
}

fn value(crm: &CrmData, object: &str, slot: u32, field: &str) -> Option<String> {
    let table = crm.store.table(object)?;
    let index = table.field(field)?;
    table.record(slot).get(index).map(str::to_string)
}

fn old_value(crm: &CrmData, object: &str, before: &Record, field: &str) -> Option<String> {
    let table = crm.store.table(object)?;
    let index = table.field(field)?;
    before.get(index).map(str::to_string)
}

/// Writes derived values into the record being saved (no log entry, same stamp).
fn set_derived(crm: &mut CrmData, object: &str, slot: u32, values: &[(&str, Option<String>)]) {
    let Some(schema) = crm.object(object) else {
        return;
    };
    let known: Vec<(&str, Option<String>)> = values
        .iter()
        .filter(|(name, _)| schema.fields.contains_key(*name))
        .cloned()
        .collect();
    let Some(table) = crm.store.table_mut(object) else {
        return;
    };
    let changes: Vec<(u16, Option<Box<str>>)> = known
        .into_iter()
        .map(|(name, value)| (table.intern(name), value.map(String::into_boxed_str)))
        .collect();
    table.update(slot, &changes);
}

/// Runs the derivations for a record just created.
pub fn after_create(crm: &mut CrmData, object: &str, slot: u32, actor: &Actor, now_ms: i64) {
    if crm.system != System::Salesforce {
        return;
    }
    match object {
        "Task" | "Event" => activity(crm, object, slot, None, now_ms),
        "Case" => case(crm, slot, None, now_ms),
        "Contact" => direct_relation(crm, slot, None, actor, now_ms),
        "OpportunityContactRole" => single_primary(crm, slot, actor, now_ms),
        // A relation made through the API is indirect; the contact's own is made direct
        // by the contact's save.
        "AccountContactRelation" if value(crm, object, slot, "IsDirect").is_none() => {
            set_derived(
                crm,
                object,
                slot,
                &[("IsDirect", Some("false".to_string()))],
            );
        }
        _ => {}
    }
}

/// Runs the derivations for a record just updated; `before` is its state before the save.
pub fn after_update(
    crm: &mut CrmData,
    object: &str,
    slot: u32,
    before: &Record,
    actor: &Actor,
    now_ms: i64,
) {
    if crm.system != System::Salesforce {
        return;
    }
    match object {
        "Task" | "Event" => activity(crm, object, slot, Some(before), now_ms),
        "Case" => case(crm, slot, Some(before), now_ms),
        "Contact" => {
            let old = old_value(crm, object, before, "AccountId");
            if old != value(crm, object, slot, "AccountId") {
                direct_relation(crm, slot, Some(old), actor, now_ms);
            }
        }
        "OpportunityContactRole" => single_primary(crm, slot, actor, now_ms),
        _ => {}
    }
}

/// The Account a task or event belongs to: its `WhatId`'s account, else its Contact's.
fn activity_account(crm: &CrmData, object: &str, slot: u32) -> Option<String> {
    if let Some(what) = value(crm, object, slot, "WhatId") {
        if crm
            .store
            .table("Account")
            .and_then(|t| t.get(&what))
            .is_some()
        {
            return Some(what);
        }
        for parent in ["Opportunity", "Case"] {
            if let Some(table) = crm.store.table(parent) {
                if let Some(record) = table.get(&what) {
                    return table
                        .field("AccountId")
                        .and_then(|f| record.get(f))
                        .map(str::to_string);
                }
            }
        }
        return None;
    }
    let who = value(crm, object, slot, "WhoId")?;
    let contacts = crm.store.table("Contact")?;
    let contact = contacts.get(&who)?;
    contacts
        .field("AccountId")
        .and_then(|f| contact.get(f))
        .map(str::to_string)
}

fn activity(crm: &mut CrmData, object: &str, slot: u32, before: Option<&Record>, now_ms: i64) {
    let mut derived: Vec<(&str, Option<String>)> =
        vec![("AccountId", activity_account(crm, object, slot))];
    if object == "Task" {
        let closed = value(crm, object, slot, "Status").as_deref() == Some("Completed");
        let was_closed = before
            .map(|b| old_value(crm, object, b, "Status").as_deref() == Some("Completed"))
            .unwrap_or(false);
        derived.push(("IsClosed", Some(closed.to_string())));
        if closed && !was_closed {
            derived.push((
                "CompletedDateTime",
                Some(clock::salesforce_datetime(now_ms)),
            ));
        } else if !closed {
            derived.push(("CompletedDateTime", None));
        }
        let high = value(crm, object, slot, "Priority").as_deref() == Some("High");
        derived.push(("IsHighPriority", Some(high.to_string())));
    } else {
        event_times(crm, slot, before, &mut derived);
    }
    set_derived(crm, object, slot, &derived);
}

/// Completes an event's start, end and duration from whichever were written.
fn event_times(
    crm: &CrmData,
    slot: u32,
    before: Option<&Record>,
    derived: &mut Vec<(&'static str, Option<String>)>,
) {
    let now = |field: &str| value(crm, "Event", slot, field);
    let changed = |field: &str| match before {
        None => now(field).is_some(),
        Some(b) => old_value(crm, "Event", b, field) != now(field),
    };
    let instant = |field: &str| now(field).and_then(|t| clock::parse_datetime_ms(&t));
    // The field the caller wrote wins over the one it mirrors.
    let start = if changed("StartDateTime") || instant("ActivityDateTime").is_none() {
        instant("StartDateTime").or_else(|| instant("ActivityDateTime"))
    } else {
        instant("ActivityDateTime")
    };
    let all_day = now("IsAllDayEvent").as_deref() == Some("true");
    let start = start.or_else(|| {
        all_day
            .then(|| now("ActivityDate").and_then(|d| clock::parse_date_ms(&d)))
            .flatten()
    });
    let Some(start) = start else { return };
    let duration_minutes = now("DurationInMinutes").and_then(|d| d.parse::<i64>().ok());
    let end_ms = instant("EndDateTime");
    let (duration, end) = match (duration_minutes, end_ms) {
        (Some(minutes), Some(_)) if changed("DurationInMinutes") && !changed("EndDateTime") => {
            (minutes, start + minutes * 60_000)
        }
        (_, Some(end)) => ((end - start) / 60_000, end),
        (Some(minutes), None) => (minutes, start + minutes * 60_000),
        (None, None) if all_day => (1440, start + 1440 * 60_000),
        (None, None) => return,
    };
    let stamp = clock::salesforce_datetime;
    derived.push(("StartDateTime", Some(stamp(start))));
    derived.push(("ActivityDateTime", Some(stamp(start))));
    derived.push(("ActivityDate", Some(clock::date_string(start))));
    derived.push(("EndDateTime", Some(stamp(end))));
    derived.push(("EndDate", Some(clock::date_string(end))));
    derived.push(("DurationInMinutes", Some(duration.to_string())));
    derived.push(("EventSubtype", Some("Event".to_string())));
}

fn case(crm: &mut CrmData, slot: u32, before: Option<&Record>, now_ms: i64) {
    let mut derived: Vec<(&str, Option<String>)> = Vec::new();
    if before.is_none() {
        let serial = crm.store.table("Case").map(|t| t.next_serial).unwrap_or(0);
        derived.push(("CaseNumber", Some(format!("{:08}", 1000 + serial))));
    }
    let closed = value(crm, "Case", slot, "Status").as_deref() == Some("Closed");
    let was_closed = before
        .map(|b| old_value(crm, "Case", b, "Status").as_deref() == Some("Closed"))
        .unwrap_or(false);
    derived.push(("IsClosed", Some(closed.to_string())));
    if closed && !was_closed {
        derived.push(("ClosedDate", Some(clock::salesforce_datetime(now_ms))));
    } else if !closed {
        derived.push(("ClosedDate", None));
    }
    derived.push((
        "IsEscalated",
        Some(
            (value(crm, "Case", slot, "IsEscalated").as_deref() == Some("true")
                || value(crm, "Case", slot, "Status").as_deref() == Some("Escalated"))
            .to_string(),
        ),
    ));
    set_derived(crm, "Case", slot, &derived);
}

/// Slots of live records whose indexed `field` equals `id`.
pub fn related(crm: &CrmData, object: &str, field: &str, id: &str) -> Vec<u32> {
    let Some(table) = crm.store.table(object) else {
        return Vec::new();
    };
    match table.lookup(field, id, false) {
        Some(IndexedLookup::One(slot)) => vec![slot],
        Some(IndexedLookup::Many(slots)) => slots,
        Some(IndexedLookup::None) => Vec::new(),
        // Not indexed (a catalog without the standard lookups): scan.
        None => table
            .slots()
            .filter(|slot| {
                let record = table.record(*slot);
                !record.is_deleted() && table.field(field).and_then(|f| record.get(f)) == Some(id)
            })
            .collect(),
    }
}

/// Keeps a contact's direct AccountContactRelation on its `AccountId`. `old_account` is
/// `None` for a new contact, `Some(previous AccountId)` after an account change.
fn direct_relation(
    crm: &mut CrmData,
    contact_slot: u32,
    old_account: Option<Option<String>>,
    actor: &Actor,
    now_ms: i64,
) {
    if crm.object("AccountContactRelation").is_none() {
        return;
    }
    let Some(contact_id) = crm
        .store
        .table("Contact")
        .map(|t| t.record(contact_slot).id.to_string())
    else {
        return;
    };
    let account = value(crm, "Contact", contact_slot, "AccountId");
    let relations = related(crm, "AccountContactRelation", "ContactId", &contact_id);
    if old_account.is_some() {
        for slot in &relations {
            if value(crm, "AccountContactRelation", *slot, "IsDirect").as_deref() == Some("true") {
                crm.update(
                    "AccountContactRelation",
                    *slot,
                    &[("IsDirect".to_string(), Some("false".to_string()))],
                    actor,
                    now_ms,
                );
            }
        }
    }
    let Some(account) = account else { return };
    let existing = relations.into_iter().find(|slot| {
        value(crm, "AccountContactRelation", *slot, "AccountId").as_deref() == Some(&account)
    });
    match existing {
        Some(slot) => {
            crm.update(
                "AccountContactRelation",
                slot,
                &[("IsDirect".to_string(), Some("true".to_string()))],
                actor,
                now_ms,
            );
        }
        None => {
            crm.create(
                "AccountContactRelation",
                &[
                    ("AccountId".to_string(), Some(account)),
                    ("ContactId".to_string(), Some(contact_id)),
                    ("IsDirect".to_string(), Some("true".to_string())),
                    ("IsActive".to_string(), Some("true".to_string())),
                ],
                actor,
                now_ms,
            );
        }
    }
}

/// One primary contact role per opportunity: the role just marked primary wins.
fn single_primary(crm: &mut CrmData, slot: u32, actor: &Actor, now_ms: i64) {
    if value(crm, "OpportunityContactRole", slot, "IsPrimary").as_deref() != Some("true") {
        return;
    }
    let Some(opportunity) = value(crm, "OpportunityContactRole", slot, "OpportunityId") else {
        return;
    };
    for other in related(crm, "OpportunityContactRole", "OpportunityId", &opportunity) {
        if other != slot
            && value(crm, "OpportunityContactRole", other, "IsPrimary").as_deref() == Some("true")
        {
            crm.update(
                "OpportunityContactRole",
                other,
                &[("IsPrimary".to_string(), Some("false".to_string()))],
                actor,
                now_ms,
            );
        }
    }
}
