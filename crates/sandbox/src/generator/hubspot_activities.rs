//! HubSpot engagements (calls, emails, meetings, notes) and tickets, associated with seeded
//! contacts, their companies and some deals, with their real property values (`hs_timestamp`,
//! call direction / status / duration in ms, meeting start and end, email direction and status,
//! ticket pipeline and stage).
//!
//! They are seeded after every other HubSpot object, so the ids and values of the objects
//! seeded before them are what they always were. Each kind gets
//! `min(records_per_object, 25)` records unless `record_counts` names it: enough to read,
//! search and sync activities, while a benchmark portal of 100,000 contacts does not spend its
//! start-up on them.

use rand::Rng;

use super::*;

/// The standard activity objects and the type ids that identify them (a replaced catalog may
/// use these names for other objects, which the typed seeder then fills).
const ACTIVITIES: &[(&str, &str)] = &[
    ("calls", "0-48"),
    ("emails", "0-49"),
    ("meetings", "0-47"),
    ("notes", "0-46"),
    ("tickets", "0-5"),
];

const DEFAULT_MAX: usize = 25;
const DAY_MS: i64 = 86_400_000;

/// The activity objects of this catalog this seeder fills.
pub(super) fn activity_objects(crm: &CrmData) -> Vec<&'static str> {
    ACTIVITIES
        .iter()
        .filter(|(name, type_id)| {
            crm.object(name)
                .is_some_and(|o| o.object_type_id.as_deref() == Some(*type_id))
        })
        .map(|(name, _)| *name)
        .collect()
}

fn count(config: &crate::SandboxConfig, object: &str) -> usize {
    config
        .record_counts
        .get(object)
        .copied()
        .unwrap_or(config.records_per_object.min(DEFAULT_MAX))
}

fn ids(crm: &CrmData, object: &str) -> Vec<u64> {
    crm.store
        .table(object)
        .map(|t| {
            t.records
                .iter()
                .filter(|r| !r.is_deleted())
                .filter_map(|r| r.id.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

fn associate_default(crm: &mut CrmData, from: &str, from_id: u64, to: &str, to_id: u64) {
    if let Some(kind) = crate::associations::default_type(&crm.schema, from, to) {
        crm.associations
            .add(from, from_id, to, to_id, kind.type_id, kind.inverse_id);
    }
}

fn option(crm: &CrmData, object: &str, field: &str, rng: &mut ChaCha8Rng) -> String {
    let options: Vec<String> = crm
        .object(object)
        .and_then(|o| o.field(field))
        .and_then(|f| f.picklist.as_ref())
        .map(|p| p.active_values().map(|v| v.value.clone()).collect())
        .unwrap_or_default();
    choose(rng, &options)
}

fn contact_name(crm: &CrmData, contact: u64) -> String {
    let Some(table) = crm.store.table("contacts") else {
        return String::new();
    };
    let Some(record) = table.get(&contact.to_string()) else {
        return String::new();
    };
    let part = |name: &str| {
        table
            .field(name)
            .and_then(|f| record.get(f))
            .unwrap_or_default()
            .to_string()
    };
    format!("{} {}", part("firstname"), part("lastname"))
        .trim()
        .to_string()
}

/// The values of activity `i` of `object`, and the time it happened.
fn values(
    crm: &CrmData,
    object: &str,
    i: usize,
    who: &str,
    owners: &[String],
    now_ms: i64,
    rng: &mut ChaCha8Rng,
) -> (Vec<(String, String)>, i64) {
    let at = now_ms - rng.gen_range(0..90) * DAY_MS - rng.gen_range(0..DAY_MS);
    let stamp = clock::hubspot_datetime(at);
    let owner = choose(rng, owners);
    let who = if who.is_empty() { "a contact" } else { who };
    let mut values: Vec<(&str, String)> = match object {
        "calls" => vec![
            ("hs_call_title", format!("Call with {who}")),
            (
                "hs_call_body",
                format!("Discussed renewal timing and next steps with {who}."),
            ),
            (
                "hs_call_direction",
                option(crm, object, "hs_call_direction", rng),
            ),
            (
                "hs_call_duration",
                (rng.gen_range(30..1_800) * 1_000).to_string(),
            ),
            (
                "hs_call_status",
                if i % 7 == 3 {
                    "NO_ANSWER".to_string()
                } else {
                    "COMPLETED".to_string()
                },
            ),
            (
                "hs_call_to_number",
                format!("+1 512 555 {:04}", rng.gen_range(0..9999)),
            ),
            ("hs_timestamp", stamp),
        ],
        "emails" => vec![
            ("hs_email_subject", format!("Following up, {who}")),
            (
                "hs_email_text",
                format!("Hi {who},\n\nThanks for your time today."),
            ),
            (
                "hs_email_direction",
                if i % 3 == 1 {
                    "INCOMING_EMAIL"
                } else {
                    "EMAIL"
                }
                .to_string(),
            ),
            ("hs_email_status", "SENT".to_string()),
            ("hs_timestamp", stamp),
        ],
        "meetings" => {
            let minutes = if i % 2 == 0 { 30 } else { 60 };
            vec![
                ("hs_meeting_title", format!("Intro meeting with {who}")),
                (
                    "hs_meeting_body",
                    "Agenda: goals, current tools, timeline.".to_string(),
                ),
                ("hs_meeting_start_time", stamp.clone()),
                (
                    "hs_meeting_end_time",
                    clock::hubspot_datetime(at + minutes * 60_000),
                ),
                (
                    "hs_meeting_outcome",
                    option(crm, object, "hs_meeting_outcome", rng),
                ),
                ("hs_meeting_location", "Zoom".to_string()),
                ("hs_timestamp", stamp),
            ]
        }
        "notes" => vec![
            (
                "hs_note_body",
                format!("{who} asked for a pricing sheet; sent it."),
            ),
            ("hs_timestamp", stamp),
        ],
        "tickets" => {
            let stages: Vec<String> = crm
                .object(object)
                .and_then(|o| o.pipelines.first())
                .map(|p| p.stages.iter().map(|s| s.id.clone()).collect())
                .unwrap_or_default();
            let pipeline = crm
                .object(object)
                .and_then(|o| o.pipelines.first())
                .map(|p| p.id.clone())
                .unwrap_or_default();
            let stage = choose(rng, &stages);
            let closed = crm
                .object(object)
                .and_then(|o| o.pipelines.first())
                .and_then(|p| p.stages.iter().find(|s| s.id == stage))
                .is_some_and(|s| s.closed);
            let mut ticket = vec![
                ("subject", format!("{who} cannot export reports")),
                (
                    "content",
                    "The export button times out on large reports.".to_string(),
                ),
                ("hs_pipeline", pipeline),
                ("hs_pipeline_stage", stage),
                (
                    "hs_ticket_priority",
                    option(crm, object, "hs_ticket_priority", rng),
                ),
                (
                    "hs_ticket_category",
                    option(crm, object, "hs_ticket_category", rng),
                ),
                ("source_type", option(crm, object, "source_type", rng)),
            ];
            if closed {
                ticket.push((
                    "closed_date",
                    clock::hubspot_datetime(at + rng.gen_range(1..5) * DAY_MS),
                ));
            }
            ticket
        }
        _ => Vec::new(),
    };
    values.push(("hubspot_owner_id", owner));
    let fields = crm.object(object).map(|o| &o.fields);
    let values = values
        .into_iter()
        .filter(|(name, value)| !value.is_empty() && fields.is_some_and(|f| f.contains_key(*name)))
        .map(|(name, value)| (name.to_string(), value))
        .collect();
    (values, at)
}

pub(super) fn seed_activities(crm: &mut CrmData, config: &crate::SandboxConfig, now_ms: i64) {
    let contacts = ids(crm, "contacts");
    let deals = ids(crm, "deals");
    let owners: Vec<String> = crm.schema.owners.iter().map(|o| o.id.clone()).collect();
    for (kind, object) in activity_objects(crm).into_iter().enumerate() {
        for i in 0..count(config, object) {
            let mut rng = stream(config.seed, 20 + kind as u64, i as u64);
            let contact = (!contacts.is_empty()).then(|| contacts[(i * 7 + kind) % contacts.len()]);
            let who = contact.map(|c| contact_name(crm, c)).unwrap_or_default();
            let (values, at) = values(crm, object, i, &who, &owners, now_ms, &mut rng);
            let modified = at + rng.gen_range(0..(now_ms - at).max(1));
            let Some(id) = insert_seeded(crm, object, &values, at, modified) else {
                continue;
            };
            let Ok(id) = id.parse::<u64>() else { continue };
            if let Some(contact) = contact {
                associate_default(crm, object, id, "contacts", contact);
                let companies: Vec<u64> = crm
                    .associations
                    .list("contacts", contact, "companies")
                    .into_iter()
                    .map(|(company, _)| company)
                    .collect();
                if let Some(company) = companies.first() {
                    associate_default(crm, object, id, "companies", *company);
                }
            }
            if !deals.is_empty() && i % 3 == 0 {
                associate_default(crm, object, id, "deals", deals[i % deals.len()]);
            }
        }
    }
}
