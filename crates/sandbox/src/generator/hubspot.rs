//! HubSpot companies, contacts and deals, with their associations, and the properties a
//! portal computes for them: `hubspotscore` (tracking the lifecycle stage), the
//! `hs_lifecyclestage_{stage}_date` of each stage a record went through, and a lead status
//! only where a lead is being worked. Every tenth contact (`i % 10 == 4`) is a marketing
//! qualified lead in the United States (`country` = `United States`, `city` = `Austin`) with a
//! score of 51 to 95: realistic MQL candidates for hand-off specs. The computed values draw from
//! their own streams, so the values seeded before them are unchanged.

use rand::Rng;

use super::*;
use crate::hubspot::calculated::{LIFECYCLE_STAGES, lifecycle_date_property};

/// A score that fits the stage: low for subscribers, high for qualified leads.
fn score_for(stage: &str, rng: &mut ChaCha8Rng) -> u32 {
    let (low, high) = match stage {
        "subscriber" => (0, 25),
        "lead" => (5, 45),
        "marketingqualifiedlead" => (35, 90),
        "salesqualifiedlead" => (55, 100),
        "opportunity" => (40, 95),
        "customer" => (20, 85),
        "evangelist" => (30, 90),
        "other" => (0, 40),
        _ => (0, 30),
    };
    rng.gen_range(low..=high)
}

/// Sets a value in a seeded record's value list, replacing the one drawn before.
fn set(values: &mut Vec<(&'static str, String)>, name: &'static str, value: String) {
    match values.iter_mut().find(|(n, _)| *n == name) {
        Some(slot) => slot.1 = value,
        None => values.push((name, value)),
    }
}

/// Stages where nobody works the record as a lead, so it has no lead status.
fn has_lead_status(stage: &str) -> bool {
    matches!(
        stage,
        "lead" | "marketingqualifiedlead" | "salesqualifiedlead" | "opportunity"
    )
}

/// Stamps the dates a record entered each stage up to its current one: it entered at one of
/// the earlier stages when created and moved forward until its last modification.
fn stamp_stage_dates(crm: &mut CrmData, object: &str, id: &str, stage: &str, rng: &mut ChaCha8Rng) {
    let Some(position) = LIFECYCLE_STAGES.iter().position(|s| *s == stage) else {
        return;
    };
    // `other` sits outside the progression: only its own date.
    let entry = if stage == "other" {
        position
    } else {
        rng.gen_range(position.saturating_sub(2)..=position)
    };
    let has = |name: &str| {
        crm.object(object)
            .is_some_and(|o| o.fields.contains_key(name))
    };
    let names: Vec<String> = LIFECYCLE_STAGES[entry..=position]
        .iter()
        .map(|s| lifecycle_date_property(s))
        .collect();
    if !names.iter().any(|n| has(n)) {
        return;
    }
    let present: Vec<bool> = names.iter().map(|n| has(n)).collect();
    let Some(table) = crm.store.table_mut(object) else {
        return;
    };
    let Some(slot) = table.slot_of(id) else {
        return;
    };
    let (created, modified) = {
        let record = table.record(slot);
        (record.created_ms, record.modified_ms)
    };
    let steps = names.len() as i64;
    let changes: Vec<(u16, Option<Box<str>>)> = names
        .iter()
        .zip(present)
        .enumerate()
        .filter(|(_, (_, present))| *present)
        .map(|(step, (name, _))| {
            let at = created + (modified - created) * step as i64 / steps;
            (
                table.intern(name),
                Some(clock::hubspot_datetime(at).into_boxed_str()),
            )
        })
        .collect();
    table.update(slot, &changes);
}

pub(super) fn seed_hubspot(crm: &mut CrmData, config: &crate::SandboxConfig, now_ms: i64) {
    let seed = config.seed;
    let companies = config.record_count("companies");
    let mut company_ids = Vec::with_capacity(companies);
    {
        let mut seeder = Seeder::new(crm, "companies", now_ms);
        let industries = seeder.options("industry");
        let stages = seeder.options("lifecyclestage");
        let owners = seeder.options("hubspot_owner_id");
        for i in 0..companies {
            let mut rng = stream(seed, 12, i as u64);
            let c = company(seed, i as u64);
            let blank_industry = i % 11 == 0;
            let id = seeder.insert(
                vec![
                    ("name", c.name),
                    ("domain", c.domain.clone()),
                    ("website", format!("https://www.{}", c.domain)),
                    (
                        "industry",
                        if blank_industry {
                            String::new()
                        } else {
                            choose(&mut rng, &industries)
                        },
                    ),
                    ("numberofemployees", c.employees.to_string()),
                    ("annualrevenue", c.revenue.to_string()),
                    ("city", c.city.to_string()),
                    ("country", c.country.to_string()),
                    ("lifecyclestage", choose(&mut rng, &stages)),
                    ("hubspot_owner_id", choose(&mut rng, &owners)),
                ],
                &mut rng,
            );
            let stage = seeder
                .crm
                .store
                .table("companies")
                .zip(id.as_deref())
                .and_then(|(table, id)| {
                    let record = table.get(id)?;
                    record
                        .get(table.field("lifecyclestage")?)
                        .map(str::to_string)
                });
            if let (Some(id), Some(stage)) = (&id, stage) {
                let mut calc = stream(seed, 15, i as u64);
                stamp_stage_dates(seeder.crm, "companies", id, &stage, &mut calc);
            }
            company_ids.push(id);
        }
    }
    let contacts = config.record_count("contacts");
    let mut contact_ids = Vec::with_capacity(contacts);
    {
        let mut seeder = Seeder::new(crm, "contacts", now_ms);
        let stages = seeder.options("lifecyclestage");
        let statuses = seeder.options("hs_lead_status");
        let owners = seeder.options("hubspot_owner_id");
        for i in 0..contacts {
            let mut rng = stream(seed, 11, i as u64);
            let p = person(seed, i as u64, companies);
            // Dirty data: some contacts have no email, no first name, or odd casing.
            let email = if i % 37 == 5 {
                String::new()
            } else {
                p.email.clone()
            };
            let first = if i % 29 == 3 {
                String::new()
            } else if i % 17 == 0 {
                p.first.to_uppercase()
            } else {
                p.first.to_string()
            };
            let company_name = company(seed, p.company as u64).name;
            let mut values = vec![
                ("email", email),
                ("firstname", first),
                ("lastname", p.last.to_string()),
                (
                    "phone",
                    if i % 7 == 0 {
                        p.phone.replace(' ', "")
                    } else {
                        p.phone.clone()
                    },
                ),
                ("company", company_name),
                ("jobtitle", p.title.to_string()),
                ("city", p.city.to_string()),
                ("country", p.country.to_string()),
                (
                    "lifecyclestage",
                    if i % 13 == 0 {
                        String::new()
                    } else {
                        choose(&mut rng, &stages)
                    },
                ),
                ("hs_lead_status", choose(&mut rng, &statuses)),
                ("hubspot_owner_id", choose(&mut rng, &owners)),
            ];
            // What the portal computes, from a stream of its own.
            let mut calc = stream(seed, 14, i as u64);
            let candidate = i % 10 == 4 && stages.iter().any(|s| s == "marketingqualifiedlead");
            if candidate {
                set(&mut values, "country", "United States".into());
                set(&mut values, "city", "Austin".into());
                set(
                    &mut values,
                    "lifecyclestage",
                    "marketingqualifiedlead".into(),
                );
            }
            let stage = values
                .iter()
                .find(|(n, _)| *n == "lifecyclestage")
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            let score = if candidate {
                calc.gen_range(51..=95)
            } else {
                score_for(&stage, &mut calc)
            };
            set(&mut values, "hubspotscore", score.to_string());
            if !has_lead_status(&stage) {
                set(&mut values, "hs_lead_status", String::new());
            }
            let id = seeder.insert(values, &mut rng);
            if let Some(id) = &id {
                stamp_stage_dates(seeder.crm, "contacts", id, &stage, &mut calc);
            }
            contact_ids.push((id, p.company));
        }
    }
    let deals = config.record_count("deals");
    let mut deal_ids = Vec::with_capacity(deals);
    {
        let mut seeder = Seeder::new(crm, "deals", now_ms);
        let stages = seeder.options("dealstage");
        let types = seeder.options("dealtype");
        let owners = seeder.options("hubspot_owner_id");
        let pipeline = seeder
            .crm
            .object("deals")
            .and_then(|o| o.pipelines.first())
            .map(|p| p.id.clone())
            .unwrap_or_default();
        for i in 0..deals {
            let mut rng = stream(seed, 13, i as u64);
            let company_index = if companies == 0 { 0 } else { i % companies };
            let c = company(seed, company_index as u64);
            let close = now_ms + rng.gen_range(-120..120) * 86_400_000;
            let id = seeder.insert(
                vec![
                    (
                        "dealname",
                        format!("{} - {}", c.name, pick(&mut rng, PRODUCTS)),
                    ),
                    ("amount", (rng.gen_range(10..2000) * 100).to_string()),
                    ("dealstage", choose(&mut rng, &stages)),
                    ("pipeline", pipeline.clone()),
                    (
                        "closedate",
                        clock::hubspot_datetime(clock::day_start_ms(close)),
                    ),
                    ("dealtype", choose(&mut rng, &types)),
                    ("hubspot_owner_id", choose(&mut rng, &owners)),
                ],
                &mut rng,
            );
            deal_ids.push((id, company_index, i));
        }
    }
    // Associations: each contact to its company, each deal to its company and a contact.
    if crm.object("contacts").is_some() && crm.object("companies").is_some() {
        for (contact, company_index) in &contact_ids {
            let (Some(contact), Some(Some(company))) = (contact, company_ids.get(*company_index))
            else {
                continue;
            };
            if let (Ok(a), Ok(b)) = (contact.parse::<u64>(), company.parse::<u64>()) {
                associate_default(crm, "contacts", a, "companies", b);
            }
        }
    }
    if crm.object("deals").is_some() {
        for (deal, company_index, i) in &deal_ids {
            let Some(deal) = deal.as_ref().and_then(|d| d.parse::<u64>().ok()) else {
                continue;
            };
            if let Some(Some(company)) = company_ids.get(*company_index) {
                if let Ok(b) = company.parse::<u64>() {
                    associate_default(crm, "deals", deal, "companies", b);
                }
            }
            if !contact_ids.is_empty() {
                if let (Some(contact), _) = &contact_ids[i % contact_ids.len()] {
                    if let Ok(b) = contact.parse::<u64>() {
                        associate_default(crm, "deals", deal, "contacts", b);
                    }
                }
            }
        }
    }
}

fn associate_default(crm: &mut CrmData, from: &str, from_id: u64, to: &str, to_id: u64) {
    if let Some(kind) = crate::associations::default_type(&crm.schema, from, to) {
        crm.associations
            .add(from, from_id, to, to_id, kind.type_id, kind.inverse_id);
    }
}
