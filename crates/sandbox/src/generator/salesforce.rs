//! Salesforce users, accounts, contacts, leads, opportunities and tasks, overlapping the
//! HubSpot side by email and domain.

use rand::Rng;

use super::*;

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

pub(super) fn seed_salesforce(crm: &mut Crm, config: &crate::SandboxConfig, now_ms: i64) {
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
            seeder.insert(
                vec![
                    ("FirstName", p.first.to_string()),
                    ("LastName", p.last.to_string()),
                    ("Email", email),
                    ("Phone", p.phone.clone()),
                    ("Title", p.title.to_string()),
                    ("LeadSource", choose(&mut rng, &sources)),
                    ("MailingCity", p.city.to_string()),
                    ("MailingCountry", p.country.to_string()),
                    ("AccountId", account.unwrap_or_default()),
                    ("OwnerId", choose(&mut rng, &owners)),
                ],
                &mut rng,
            );
        }
    }
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
            seeder.insert(
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
        }
    }
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
                    ("Status", choose(&mut rng, &statuses)),
                    ("Priority", choose(&mut rng, &priorities)),
                    (
                        "ActivityDate",
                        clock::date_string(now_ms + rng.gen_range(-30..30) * 86_400_000),
                    ),
                    ("WhoId", who),
                    ("OwnerId", choose(&mut rng, &owners)),
                ],
                &mut rng,
            );
        }
    }
}
