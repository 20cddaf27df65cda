//! Lead conversion, as SOAP `convertLead()` and the Lead Convert page do it: the lead's data
//! moves into a new or existing Account and Contact and, unless asked not to, a new
//! Opportunity; the lead is marked converted and refuses edits from then on.
//!
//! Sources: SOAP API Developer Guide, `convertLead()` and `LeadConvert`
//! (continuous-lifecycle-scale.md §4.1; the partner WSDL's `LeadConvert` /
//! `LeadConvertResult` as transcribed by superfell/zkSforce); Salesforce Help "Lead Fields
//! Mapping during Conversion" for the field mapping; salesforce-api.md §9 for what the lead
//! looks like afterwards.
//!
//! The mapping (a target field is written only when the target object has it, and on an
//! existing Account or Contact only when it is empty, as the docs say; `overwriteLeadSource`
//! overwrites the Contact's `LeadSource`):
//!
//! | Lead | Account | Contact | Opportunity |
//! |---|---|---|---|
//! | Company | Name | (AccountId) | Name (unless `opportunityName`), AccountId |
//! | Street, City, State, PostalCode, Country | Billing… | Mailing… | |
//! | Phone | Phone | Phone | |
//! | Fax | Fax | Fax | |
//! | Website, Industry, AnnualRevenue, NumberOfEmployees, Rating | same names | | |
//! | Salutation, FirstName, LastName, Title, Email, MobilePhone, Description | | same names | |
//! | DoNotCall, HasOptedOutOfEmail, HasOptedOutOfFax | | same names (new contacts only) | |
//! | LeadSource | | LeadSource | LeadSource |
//! | OwnerId (or `ownerId`) | OwnerId | OwnerId | OwnerId |
//!
//! A new Opportunity closes on the last day of the current calendar quarter ("the Close
//! Date … is automatically set to the last day of the current fiscal quarter"), starts in
//! the `StageName` picklist's default stage, and gets the converted contact as its primary
//! `OpportunityContactRole`. The lead's tasks and events move to the contact (`WhoId`).
//! Everything is stamped with one second, as one transaction.

use chrono::{Datelike, NaiveDate};
use serde_json::Value;

use super::errors::SfFault;
use crate::clock;
use crate::crm::{Actor, CrmData};
use crate::ids;
use crate::validate;
use tandem_ground::schema::System;

/// One `LeadConvert` (the SOAP element's fields, and the control call's body).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LeadConvert {
    pub lead_id: String,
    /// A `LeadStatus` that counts as converted; `None` takes the org's default converted
    /// status (the control call; SOAP requires it).
    pub converted_status: Option<String>,
    pub account_id: Option<String>,
    pub contact_id: Option<String>,
    pub opportunity_id: Option<String>,
    pub do_not_create_opportunity: bool,
    pub opportunity_name: Option<String>,
    pub owner_id: Option<String>,
    pub overwrite_lead_source: bool,
}

/// A successful `LeadConvertResult`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LeadConverted {
    pub lead_id: String,
    pub account_id: String,
    pub contact_id: String,
    pub opportunity_id: Option<String>,
}

const ACCOUNT_MAP: &[(&str, &str)] = &[
    ("Company", "Name"),
    ("Street", "BillingStreet"),
    ("City", "BillingCity"),
    ("State", "BillingState"),
    ("PostalCode", "BillingPostalCode"),
    ("Country", "BillingCountry"),
    ("Phone", "Phone"),
    ("Fax", "Fax"),
    ("Website", "Website"),
    ("Industry", "Industry"),
    ("AnnualRevenue", "AnnualRevenue"),
    ("NumberOfEmployees", "NumberOfEmployees"),
    ("Rating", "Rating"),
];

const CONTACT_MAP: &[(&str, &str)] = &[
    ("Salutation", "Salutation"),
    ("FirstName", "FirstName"),
    ("LastName", "LastName"),
    ("Title", "Title"),
    ("Email", "Email"),
    ("Phone", "Phone"),
    ("MobilePhone", "MobilePhone"),
    ("Fax", "Fax"),
    ("Street", "MailingStreet"),
    ("City", "MailingCity"),
    ("State", "MailingState"),
    ("PostalCode", "MailingPostalCode"),
    ("Country", "MailingCountry"),
    ("LeadSource", "LeadSource"),
    ("Description", "Description"),
];

/// Copied to new contacts only ("This field is not updated for leads converted to existing
/// contacts").
const NEW_CONTACT_MAP: &[(&str, &str)] = &[
    ("DoNotCall", "DoNotCall"),
    ("HasOptedOutOfEmail", "HasOptedOutOfEmail"),
    ("HasOptedOutOfFax", "HasOptedOutOfFax"),
];

/// The lead statuses that count as converted (`LeadStatus.IsConverted`): with the standard
/// picklist, `Closed - Converted`.
pub fn converted_statuses(crm: &CrmData) -> Vec<String> {
    crm.object("Lead")
        .and_then(|o| o.field("Status"))
        .and_then(|f| f.picklist.as_ref())
        .map(|p| {
            p.active_values()
                .filter(|v| v.value.contains("Converted") && !v.value.contains("Not"))
                .map(|v| v.value.clone())
                .collect()
        })
        .unwrap_or_default()
}

fn stored(crm: &CrmData, object: &str, slot: u32, field: &str) -> Option<String> {
    let table = crm.store.table(object)?;
    table
        .field(field)
        .and_then(|f| table.record(slot).get(f))
        .map(str::to_string)
}

/// The slot of a live record of `object` named by `id`, or the fault a real org answers.
pub fn live_record(crm: &CrmData, object: &str, id: &str, field: &str) -> Result<u32, SfFault> {
    let malformed = || {
        SfFault::new(
            "MALFORMED_ID",
            format!("{field}: id value of incorrect type: {id}"),
            vec![field.to_string()],
        )
    };
    let normalized = ids::normalize_salesforce_id(id).ok_or_else(malformed)?;
    let table = crm.store.table(object).ok_or_else(malformed)?;
    if !normalized.starts_with(&table.key_prefix) {
        return Err(malformed());
    }
    let slot = table.slot_of(&normalized).ok_or_else(|| {
        SfFault::new(
            "INVALID_CROSS_REFERENCE_KEY",
            "invalid cross reference id",
            Vec::new(),
        )
    })?;
    if table.record(slot).is_deleted() {
        return Err(SfFault::new(
            "ENTITY_IS_DELETED",
            "entity is deleted",
            Vec::new(),
        ));
    }
    Ok(slot)
}

fn id_of(crm: &CrmData, object: &str, slot: u32) -> String {
    crm.store
        .table(object)
        .map(|t| t.record(slot).id.to_string())
        .unwrap_or_default()
}

/// The mapped values the target object has a field for and accepts (a value a restricted
/// target picklist lacks is left out rather than failing the conversion).
fn mapped(
    crm: &CrmData,
    lead_slot: u32,
    target: &str,
    map: &[(&str, &str)],
) -> Vec<(String, Option<String>)> {
    let Some(schema) = crm.object(target) else {
        return Vec::new();
    };
    map.iter()
        .filter_map(|(from, to)| {
            let value = stored(crm, "Lead", lead_slot, from)?;
            let field = schema.field(to)?;
            validate::normalize_value(
                System::Salesforce,
                field,
                &Value::String(value),
                &validate::NoOracle,
                None,
            )
            .ok()
            .flatten()
            .map(|v| (to.to_string(), Some(v)))
        })
        .collect()
}

/// Of `values`, those whose field is empty on the existing record (merging into it).
fn only_empty(
    crm: &CrmData,
    object: &str,
    slot: u32,
    values: Vec<(String, Option<String>)>,
) -> Vec<(String, Option<String>)> {
    values
        .into_iter()
        .filter(|(name, _)| stored(crm, object, slot, name).is_none())
        .collect()
}

/// The last day of the calendar quarter holding `ms`.
fn quarter_end(ms: i64) -> String {
    let date = clock::date_string(ms);
    let Ok(day) = NaiveDate::parse_from_str(&date, "%Y-%m-%d") else {
        return date;
    };
    let last_month = ((day.month() - 1) / 3 + 1) * 3;
    let (year, next_month) = if last_month == 12 {
        (day.year() + 1, 1)
    } else {
        (day.year(), last_month + 1)
    };
    NaiveDate::from_ymd_opt(year, next_month, 1)
        .and_then(|first| first.pred_opt())
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or(date)
}

fn default_stage(crm: &CrmData) -> Option<String> {
    let list = crm
        .object("Opportunity")?
        .field("StageName")?
        .picklist
        .as_ref()?;
    list.active_values()
        .find(|v| v.default)
        .or_else(|| list.active_values().next())
        .map(|v| v.value.clone())
}

/// Converts one lead; the error is the `errors` entry of a failed `LeadConvertResult`.
pub fn convert(
    crm: &mut CrmData,
    request: &LeadConvert,
    actor: &Actor,
    now_ms: i64,
) -> Result<LeadConverted, SfFault> {
    let lead_slot = live_record(crm, "Lead", &request.lead_id, "leadId")?;
    let lead_id = id_of(crm, "Lead", lead_slot);
    if stored(crm, "Lead", lead_slot, "IsConverted").as_deref() == Some("true") {
        return Err(SfFault::new(
            "CANNOT_UPDATE_CONVERTED_LEAD",
            "cannot reference converted lead",
            Vec::new(),
        ));
    }
    let statuses = converted_statuses(crm);
    let status = match &request.converted_status {
        Some(status) if statuses.iter().any(|s| s == status) => status.clone(),
        Some(status) => {
            return Err(SfFault::new(
                "INVALID_STATUS",
                format!("invalid convertedStatus: {status}"),
                Vec::new(),
            ));
        }
        None => statuses.first().cloned().ok_or_else(|| {
            SfFault::new(
                "INVALID_STATUS",
                "invalid convertedStatus: no converted lead status exists",
                Vec::new(),
            )
        })?,
    };
    let account_slot = match &request.account_id {
        Some(id) => Some(live_record(crm, "Account", id, "accountId")?),
        None => None,
    };
    let contact_slot = match &request.contact_id {
        Some(id) => {
            let slot = live_record(crm, "Contact", id, "contactId")?;
            // "this contact must be associated with the specified accountId, and an
            // accountId must be specified".
            let account = account_slot.map(|s| id_of(crm, "Account", s));
            if account.is_none() || stored(crm, "Contact", slot, "AccountId") != account {
                return Err(SfFault::new(
                    "INVALID_CROSS_REFERENCE_KEY",
                    "invalid cross reference id: the contact must belong to the account named by accountId",
                    vec!["contactId".to_string()],
                ));
            }
            Some(slot)
        }
        None => None,
    };
    let opportunity_slot = match &request.opportunity_id {
        Some(id) if !request.do_not_create_opportunity => {
            Some(live_record(crm, "Opportunity", id, "opportunityId")?)
        }
        _ => None,
    };
    let owner = match &request.owner_id {
        Some(id) => {
            live_record(crm, "User", id, "ownerId")?;
            ids::normalize_salesforce_id(id)
        }
        None => stored(crm, "Lead", lead_slot, "OwnerId"),
    };
    if let Some(name) = &request.opportunity_name {
        if name.chars().count() > 80 {
            return Err(SfFault::new(
                "STRING_TOO_LONG",
                format!("Opportunity Name: data value too large: {name} (max length=80)"),
                vec!["opportunityName".to_string()],
            ));
        }
    }
    let owned = |mut values: Vec<(String, Option<String>)>| {
        if let Some(owner) = &owner {
            values.push(("OwnerId".to_string(), Some(owner.clone())));
        }
        values
    };

    let account_id = match account_slot {
        Some(slot) => {
            let fills = only_empty(
                crm,
                "Account",
                slot,
                mapped(crm, lead_slot, "Account", ACCOUNT_MAP),
            );
            if !fills.is_empty() {
                crm.update("Account", slot, &fills, actor, now_ms);
            }
            id_of(crm, "Account", slot)
        }
        None => {
            let values = owned(mapped(crm, lead_slot, "Account", ACCOUNT_MAP));
            crm.create("Account", &values, actor, now_ms)
                .ok_or_else(no_object)?
        }
    };

    let contact_id = match contact_slot {
        Some(slot) => {
            let mut fills = only_empty(
                crm,
                "Contact",
                slot,
                mapped(crm, lead_slot, "Contact", CONTACT_MAP),
            );
            if request.overwrite_lead_source {
                if let Some(source) = stored(crm, "Lead", lead_slot, "LeadSource") {
                    fills.retain(|(name, _)| name != "LeadSource");
                    fills.push(("LeadSource".to_string(), Some(source)));
                }
            }
            if !fills.is_empty() {
                crm.update("Contact", slot, &fills, actor, now_ms);
            }
            id_of(crm, "Contact", slot)
        }
        None => {
            let mut values = mapped(crm, lead_slot, "Contact", CONTACT_MAP);
            values.extend(mapped(crm, lead_slot, "Contact", NEW_CONTACT_MAP));
            values.push(("AccountId".to_string(), Some(account_id.clone())));
            crm.create("Contact", &owned(values), actor, now_ms)
                .ok_or_else(no_object)?
        }
    };

    let opportunity_id = if let Some(slot) = opportunity_slot {
        Some(id_of(crm, "Opportunity", slot))
    } else if request.do_not_create_opportunity {
        None
    } else {
        let name = request
            .opportunity_name
            .clone()
            .or_else(|| stored(crm, "Lead", lead_slot, "Company"))
            .unwrap_or_else(|| "Opportunity".to_string());
        // A long company name is cut to the Opportunity Name length (120).
        let max = crm
            .object("Opportunity")
            .and_then(|o| o.field("Name"))
            .and_then(|f| f.length)
            .unwrap_or(120) as usize;
        let name: String = name.chars().take(max).collect();
        let mut values = vec![
            ("Name".to_string(), Some(name)),
            ("CloseDate".to_string(), Some(quarter_end(now_ms))),
            ("AccountId".to_string(), Some(account_id.clone())),
        ];
        if let Some(stage) = default_stage(crm) {
            values.push(("StageName".to_string(), Some(stage)));
        }
        if let Some(source) = stored(crm, "Lead", lead_slot, "LeadSource") {
            values.push(("LeadSource".to_string(), Some(source)));
        }
        let id = crm
            .create("Opportunity", &owned(values), actor, now_ms)
            .ok_or_else(no_object)?;
        if crm.object("OpportunityContactRole").is_some() {
            crm.create(
                "OpportunityContactRole",
                &[
                    ("OpportunityId".to_string(), Some(id.clone())),
                    ("ContactId".to_string(), Some(contact_id.clone())),
                    ("IsPrimary".to_string(), Some("true".to_string())),
                ],
                actor,
                now_ms,
            );
        }
        Some(id)
    };

    move_activities(crm, &lead_id, &contact_id, actor, now_ms);
    crm.update(
        "Lead",
        lead_slot,
        &[
            ("Status".to_string(), Some(status)),
            ("IsConverted".to_string(), Some("true".to_string())),
            (
                "ConvertedDate".to_string(),
                Some(clock::date_string(now_ms)),
            ),
            ("ConvertedAccountId".to_string(), Some(account_id.clone())),
            ("ConvertedContactId".to_string(), Some(contact_id.clone())),
            ("ConvertedOpportunityId".to_string(), opportunity_id.clone()),
        ],
        actor,
        now_ms,
    );
    Ok(LeadConverted {
        lead_id,
        account_id,
        contact_id,
        opportunity_id,
    })
}

fn no_object() -> SfFault {
    SfFault::new(
        "UNKNOWN_EXCEPTION",
        "the record could not be created",
        Vec::new(),
    )
}

/// The lead's tasks and events now name the contact.
fn move_activities(crm: &mut CrmData, lead_id: &str, contact_id: &str, actor: &Actor, now_ms: i64) {
    for object in ["Task", "Event"] {
        let slots: Vec<u32> = match crm.store.table(object) {
            Some(table) => match table.field("WhoId") {
                Some(who) => table
                    .slots()
                    .filter(|s| {
                        let record = table.record(*s);
                        !record.is_deleted() && record.get(who) == Some(lead_id)
                    })
                    .collect(),
                None => Vec::new(),
            },
            None => Vec::new(),
        };
        for slot in slots {
            crm.update(
                object,
                slot,
                &[("WhoId".to_string(), Some(contact_id.to_string()))],
                actor,
                now_ms,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters_end_where_the_calendar_says() {
        let day = |text: &str| clock::parse_date_ms(text).unwrap_or_default();
        assert_eq!(quarter_end(day("2024-05-01")), "2024-06-30");
        assert_eq!(quarter_end(day("2024-12-31")), "2024-12-31");
        assert_eq!(quarter_end(day("2025-01-15")), "2025-03-31");
    }
}
