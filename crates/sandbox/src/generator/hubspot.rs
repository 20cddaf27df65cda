//! HubSpot companies, contacts and deals, with their associations.

use rand::Rng;

use super::*;

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
            let id = seeder.insert(
                vec![
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
                ],
                &mut rng,
            );
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
