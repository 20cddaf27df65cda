//! Salesforce users, accounts, contacts, leads, opportunities, tasks, events and cases,
//! overlapping the HubSpot side by email and domain, with the junction rows a real org has:
//! a direct AccountContactRelation for every contact with an account (plus a few indirect
//! ones) and a primary OpportunityContactRole on most opportunities.

use rand::Rng;

use super::*;

/// The objects this module seeds (the generic generator skips them).
pub(super) const SEEDED: &[&str] = &[
    "User",
    "Account",
    "Contact",
    "Lead",
    "Opportunity",
    "Task",
    "Event",
    "Case",
    "AccountContactRelation",
    "OpportunityContactRole",
];

/// Stamps the seeded records of each object in runs of `salesforce_seed_stamp_batch`
/// sharing the first record's `CreatedDate` and `SystemModstamp`, as a bulk load does.
pub(super) fn stamp_in_batches(crm: &mut CrmData, config: &crate::SandboxConfig) {
    let batch = config.salesforce_seed_stamp_batch;
    if batch <= 1 {
        return;
    }
    for table in crm.store.tables.values_mut() {
        let mut stamp = (0, 0);
        for (index, record) in table.records.iter_mut().enumerate() {
            if index % batch == 0 {
                stamp = (record.created_ms, record.modified_ms.max(record.created_ms));
            }
            record.created_ms = stamp.0;
            record.modified_ms = stamp.1;
        }
    }
}

fn created_of(crm: &CrmData, object: &str, id: &str) -> (i64, i64) {
    crm.store
        .table(object)
        .and_then(|t| t.get(id))
        .map(|r| (r.created_ms, r.modified_ms))
        .unwrap_or((0, 0))
}

/// Mixed-case variants of an email, as people type them into Salesforce.
fn messy_case(email: &str, i: usize) -> String {
    match i % 3 {
        0 => email.to_uppercase(),
        1 => {
            let mut chars = email.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
                .unwrap_or_default()
        }
        _ => match email.split_once('@') {
            Some((local, domain)) => format!("{local}@{}", domain.to_uppercase()),
            None => email.to_string(),
        },
    }
}

pub(super) fn seed_salesforce(crm: &mut CrmData, config: &crate::SandboxConfig, now_ms: i64) {
    let seed = config.seed;
    let mut user_ids = Vec::new();
    if crm.object("User").is_some() {
        let mut seeder = Seeder::new(crm, "User", now_ms);
        let people = [
            ("Integration", "User", "integration@sandbox.example"),
            ("Ana", "Rivera", "ana.rivera@example.com"),
            ("Ben", "Okafor", "ben.okafor@example.com"),
            ("Chen", "Wu", "chen.wu@example.com"),
        ];
        for (i, (first, last, email)) in people.iter().enumerate() {
            let mut rng = stream(seed, 20, i as u64);
            user_ids.push(seeder.insert(
                vec![
                    ("FirstName", first.to_string()),
                    ("LastName", last.to_string()),
                    ("Email", email.to_string()),
                    ("Username", format!("{email}.sandbox")),
                    ("IsActive", "true".into()),
                ],
                &mut rng,
            ));
        }
    }
    let owners: Vec<String> = user_ids.iter().skip(1).flatten().cloned().collect();
    let hubspot_companies = config.record_count("companies");
    let accounts = config.record_count("Account");
    let mut account_ids = Vec::with_capacity(accounts);
    {
        let mut seeder = Seeder::new(crm, "Account", now_ms);
        let industries = seeder.options("Industry");
        let types = seeder.options("Type");
        for i in 0..accounts {
            let mut rng = stream(seed, 22, i as u64);
            // Even accounts share their domain with the HubSpot company of the same index.
            let index = if i % 2 == 0 && i < hubspot_companies {
                i as u64
            } else {
                i as u64 + ONLY_SALESFORCE
            };
            let c = company(seed, index);
            let website = if i % 4 == 0 {
                format!("http://{}", c.domain.to_uppercase())
            } else {
                format!("https://www.{}", c.domain)
            };
            let id = seeder.insert(
                vec![
                    ("Name", c.name),
                    ("Website", website),
                    (
                        "Industry",
                        if i % 9 == 0 {
                            String::new()
                        } else {
                            choose(&mut rng, &industries)
                        },
                    ),
                    ("NumberOfEmployees", c.employees.to_string()),
                    ("AnnualRevenue", c.revenue.to_string()),
                    ("BillingCity", c.city.to_string()),
                    ("BillingCountry", c.country.to_string()),
                    ("Type", choose(&mut rng, &types)),
                    ("OwnerId", choose(&mut rng, &owners)),
                ],
                &mut rng,
            );
            account_ids.push(id);
        }
    }
    let hubspot_contacts = config.record_count("contacts");
    let contacts = config.record_count("Contact");
    let mut contact_rows: Vec<(Option<String>, Option<String>)> = Vec::with_capacity(contacts);
    {
        let mut seeder = Seeder::new(crm, "Contact", now_ms);
        let sources = seeder.options("LeadSource");
        let mut previous_email = String::new();
        for i in 0..contacts {
            let mut rng = stream(seed, 23, i as u64);
            // Every third contact is the same person as HubSpot contact i (same email).
            let shared_person = i % 3 == 0 && i < hubspot_contacts;
            let index = if shared_person {
                i as u64
            } else {
                i as u64 + ONLY_SALESFORCE
            };
            let p = person(seed, index, hubspot_companies.max(1));
            let mut email = if shared_person && i % 9 == 0 {
                messy_case(&p.email, i / 9)
            } else {
                p.email.clone()
            };
            if i % 41 == 40 && !previous_email.is_empty() {
                email = previous_email.clone();
            }
            if i % 31 == 7 {
                email.clear();
            }
            previous_email = email.clone();
            let account = if account_ids.is_empty() {
                None
            } else {
                account_ids[i % account_ids.len()].clone()
            };
            let id = seeder.insert(
                vec![
                    ("FirstName", p.first.to_string()),
                    ("LastName", p.last.to_string()),
                    ("Email", email),
                    ("Phone", p.phone.clone()),
                    ("Title", p.title.to_string()),
                    ("LeadSource", choose(&mut rng, &sources)),
                    ("MailingCity", p.city.to_string()),
                    ("MailingCountry", p.country.to_string()),
                    ("AccountId", account.clone().unwrap_or_default()),
                    ("OwnerId", choose(&mut rng, &owners)),
                ],
                &mut rng,
            );
            contact_rows.push((id, account));
        }
    }
    seed_account_contact_relations(crm, seed, &contact_rows, &account_ids);
    let leads = config.record_count("Lead");
    {
        let mut seeder = Seeder::new(crm, "Lead", now_ms);
        let sources = seeder.options("LeadSource");
        let statuses: Vec<String> = seeder
            .options("Status")
            .into_iter()
            .filter(|s| !s.contains("Converted") || s.contains("Not"))
            .collect();
        let industries = seeder.options("Industry");
        for i in 0..leads {
            let mut rng = stream(seed, 24, i as u64);
            // Every fifth lead is a HubSpot contact (shared email) not yet on the Contact side.
            let shared_person = i % 5 == 1 && i < hubspot_contacts && i % 3 != 0;
            let index = if shared_person {
                i as u64
            } else {
                i as u64 + LEADS
            };
            let p = person(seed, index, hubspot_companies.max(1));
            let company_name = company(seed, p.company as u64).name;
            seeder.insert(
                vec![
                    ("FirstName", p.first.to_string()),
                    ("LastName", p.last.to_string()),
                    (
                        "Email",
                        if i % 23 == 4 {
                            String::new()
                        } else {
                            p.email.clone()
                        },
                    ),
                    (
                        "Company",
                        if i % 19 == 2 {
                            "[not provided]".to_string()
                        } else {
                            company_name
                        },
                    ),
                    ("Phone", p.phone.clone()),
                    ("Title", p.title.to_string()),
                    ("Status", choose(&mut rng, &statuses)),
                    ("LeadSource", choose(&mut rng, &sources)),
                    ("Industry", choose(&mut rng, &industries)),
                    ("City", p.city.to_string()),
                    ("Country", p.country.to_string()),
                    ("IsConverted", "false".into()),
                    ("OwnerId", choose(&mut rng, &owners)),
                ],
                &mut rng,
            );
        }
    }
    let opportunities = config.record_count("Opportunity");
    let mut opportunity_ids: Vec<Option<String>> = Vec::with_capacity(opportunities);
    {
        let mut seeder = Seeder::new(crm, "Opportunity", now_ms);
        let stages = seeder.options("StageName");
        let types = seeder.options("Type");
        for i in 0..opportunities {
            let mut rng = stream(seed, 25, i as u64);
            let account = if account_ids.is_empty() {
                None
            } else {
                account_ids[i % account_ids.len()].clone()
            };
            let c = company(seed, (i % accounts.max(1)) as u64);
            let close = now_ms + rng.gen_range(-120..120) * 86_400_000;
            let id = seeder.insert(
                vec![
                    ("Name", format!("{} - {}", c.name, pick(&mut rng, PRODUCTS))),
                    ("StageName", choose(&mut rng, &stages)),
                    ("CloseDate", clock::date_string(close)),
                    ("Amount", (rng.gen_range(10..2000) * 100).to_string()),
                    ("Probability", rng.gen_range(0..=100).to_string()),
                    ("Type", choose(&mut rng, &types)),
                    ("AccountId", account.unwrap_or_default()),
                    ("OwnerId", choose(&mut rng, &owners)),
                ],
                &mut rng,
            );
            opportunity_ids.push(id);
        }
    }
    seed_contact_roles(
        crm,
        seed,
        &opportunity_ids,
        &contact_rows,
        account_ids.len(),
    );
    let tasks = config.record_count("Task");
    {
        let contact_ids: Vec<String> = crm
            .store
            .table("Contact")
            .map(|t| {
                t.records
                    .iter()
                    .take(1000)
                    .map(|r| r.id.to_string())
                    .collect()
            })
            .unwrap_or_default();
        let mut seeder = Seeder::new(crm, "Task", now_ms);
        let statuses = seeder.options("Status");
        let priorities = seeder.options("Priority");
        for i in 0..tasks {
            let mut rng = stream(seed, 26, i as u64);
            let who = if contact_ids.is_empty() {
                String::new()
            } else {
                contact_ids[i % contact_ids.len()].clone()
            };
            let status = choose(&mut rng, &statuses);
            let priority = choose(&mut rng, &priorities);
            let account = contact_rows
                .get(i % contact_ids.len().max(1))
                .and_then(|(_, account)| account.clone())
                .unwrap_or_default();
            seeder.insert(
                vec![
                    (
                        "Subject",
                        pick(
                            &mut rng,
                            &["Call", "Email", "Send quote", "Follow up", "Demo"],
                        )
                        .to_string(),
                    ),
                    ("IsClosed", (status == "Completed").to_string()),
                    ("IsHighPriority", (priority == "High").to_string()),
                    ("Status", status),
                    ("Priority", priority),
                    (
                        "ActivityDate",
                        clock::date_string(now_ms + rng.gen_range(-30..30) * 86_400_000),
                    ),
                    ("WhoId", who),
                    ("AccountId", account),
                    ("OwnerId", choose(&mut rng, &owners)),
                ],
                &mut rng,
            );
        }
    }
    seed_events(crm, config, now_ms, &contact_rows, &owners);
    seed_cases(crm, config, now_ms, &contact_rows, &owners);
}

/// A direct relation for every contact with an account (stamped with the contact), and an
/// indirect one to the next account for every seventh contact.
fn seed_account_contact_relations(
    crm: &mut CrmData,
    seed: u64,
    contacts: &[(Option<String>, Option<String>)],
    accounts: &[Option<String>],
) {
    if crm.object("AccountContactRelation").is_none() {
        return;
    }
    let roles = Seeder::new(crm, "AccountContactRelation", 0).options("Roles");
    for (i, (contact, account)) in contacts.iter().enumerate() {
        let (Some(contact), Some(account)) = (contact, account) else {
            continue;
        };
        let (created, modified) = created_of(crm, "Contact", contact);
        let mut rng = stream(seed, 27, i as u64);
        let direct = vec![
            ("AccountId", account.clone()),
            ("ContactId", contact.clone()),
            ("IsDirect", "true".to_string()),
            ("IsActive", "true".to_string()),
        ];
        insert_seeded(crm, "AccountContactRelation", &direct, created, modified);
        if i % 7 == 3 && accounts.len() > 1 {
            let other = accounts[(i + 1) % accounts.len()]
                .clone()
                .unwrap_or_default();
            if other.is_empty() || &other == account {
                continue;
            }
            let indirect = vec![
                ("AccountId", other),
                ("ContactId", contact.clone()),
                ("IsDirect", "false".to_string()),
                ("IsActive", (i % 2 == 1).to_string()),
                ("Roles", choose(&mut rng, &roles)),
            ];
            let indirect: Vec<(&str, String)> = indirect
                .into_iter()
                .filter(|(_, v)| !v.is_empty())
                .collect();
            insert_seeded(crm, "AccountContactRelation", &indirect, modified, modified);
        }
    }
}

/// A primary role for the contact of the same account on three opportunities in four, and
/// a second, non-primary role on every fifth.
fn seed_contact_roles(
    crm: &mut CrmData,
    seed: u64,
    opportunities: &[Option<String>],
    contacts: &[(Option<String>, Option<String>)],
    accounts: usize,
) {
    if crm.object("OpportunityContactRole").is_none() || accounts == 0 {
        return;
    }
    let roles = Seeder::new(crm, "OpportunityContactRole", 0).options("Role");
    for (i, opportunity) in opportunities.iter().enumerate() {
        let Some(opportunity) = opportunity else {
            continue;
        };
        if i % 4 == 3 {
            continue;
        }
        let mut rng = stream(seed, 28, i as u64);
        let (created, modified) = created_of(crm, "Opportunity", opportunity);
        // Contact `j` has account `j % accounts`, the opportunity's account.
        let picks = [(i % accounts, true), (i % accounts + accounts, false)];
        for (position, (contact_index, primary)) in picks.into_iter().enumerate() {
            if position == 1 && i % 5 != 0 {
                break;
            }
            let Some((Some(contact), _)) = contacts.get(contact_index) else {
                continue;
            };
            let values = vec![
                ("OpportunityId", opportunity.clone()),
                ("ContactId", contact.clone()),
                ("Role", choose(&mut rng, &roles)),
                ("IsPrimary", primary.to_string()),
            ];
            insert_seeded(crm, "OpportunityContactRole", &values, created, modified);
        }
    }
}

fn seed_events(
    crm: &mut CrmData,
    config: &crate::SandboxConfig,
    now_ms: i64,
    contacts: &[(Option<String>, Option<String>)],
    owners: &[String],
) {
    if crm.object("Event").is_none() {
        return;
    }
    let count = config.record_count("Event");
    let mut seeder = Seeder::new(crm, "Event", now_ms);
    let subjects = seeder.options("Subject");
    let types = seeder.options("Type");
    for i in 0..count {
        let mut rng = stream(config.seed, 29, i as u64);
        let (who, account) = contacts
            .get(i % contacts.len().max(1))
            .map(|(c, a)| (c.clone().unwrap_or_default(), a.clone().unwrap_or_default()))
            .unwrap_or_default();
        // Meetings start on the hour, within a month either side of now.
        let hour = 3_600_000;
        let start = (now_ms / hour + rng.gen_range(-720..720)) * hour;
        let minutes: i64 = [30, 45, 60, 90][rng.gen_range(0..4)];
        let end = start + minutes * 60_000;
        let stamp = clock::salesforce_datetime;
        seeder.insert(
            vec![
                ("Subject", choose(&mut rng, &subjects)),
                ("Type", choose(&mut rng, &types)),
                ("StartDateTime", stamp(start)),
                ("ActivityDateTime", stamp(start)),
                ("ActivityDate", clock::date_string(start)),
                ("EndDateTime", stamp(end)),
                ("EndDate", clock::date_string(end)),
                ("DurationInMinutes", minutes.to_string()),
                ("EventSubtype", "Event".to_string()),
                ("IsAllDayEvent", "false".to_string()),
                ("IsPrivate", "false".to_string()),
                ("ShowAs", "Busy".to_string()),
                (
                    "Location",
                    if i % 3 == 0 {
                        "Video call".to_string()
                    } else {
                        String::new()
                    },
                ),
                ("WhoId", who),
                ("WhatId", account.clone()),
                ("AccountId", account),
                ("OwnerId", choose(&mut rng, owners)),
            ],
            &mut rng,
        );
    }
}

fn seed_cases(
    crm: &mut CrmData,
    config: &crate::SandboxConfig,
    now_ms: i64,
    contacts: &[(Option<String>, Option<String>)],
    owners: &[String],
) {
    if crm.object("Case").is_none() {
        return;
    }
    let count = config.record_count("Case");
    let mut seeder = Seeder::new(crm, "Case", now_ms);
    let statuses = seeder.options("Status");
    let priorities = seeder.options("Priority");
    let origins = seeder.options("Origin");
    let types = seeder.options("Type");
    let reasons = seeder.options("Reason");
    const SUBJECTS: &[&str] = &[
        "Cannot log in",
        "Invoice question",
        "Export fails",
        "Feature request",
        "Data looks wrong",
        "Renewal terms",
    ];
    for i in 0..count {
        let mut rng = stream(config.seed, 30, i as u64);
        let (contact, account) = contacts
            .get((i * 3) % contacts.len().max(1))
            .map(|(c, a)| (c.clone().unwrap_or_default(), a.clone().unwrap_or_default()))
            .unwrap_or_default();
        let status = choose(&mut rng, &statuses);
        let closed = status == "Closed";
        seeder.insert(
            vec![
                ("CaseNumber", format!("{:08}", 1001 + i)),
                ("Subject", pick(&mut rng, SUBJECTS).to_string()),
                ("IsClosed", closed.to_string()),
                (
                    "ClosedDate",
                    if closed {
                        clock::salesforce_datetime(now_ms - rng.gen_range(1..30) * 86_400_000)
                    } else {
                        String::new()
                    },
                ),
                ("IsEscalated", (status == "Escalated").to_string()),
                ("Status", status),
                ("Priority", choose(&mut rng, &priorities)),
                ("Origin", choose(&mut rng, &origins)),
                ("Type", choose(&mut rng, &types)),
                ("Reason", choose(&mut rng, &reasons)),
                ("ContactId", contact),
                ("AccountId", account),
                ("OwnerId", choose(&mut rng, owners)),
            ],
            &mut rng,
        );
    }
}
