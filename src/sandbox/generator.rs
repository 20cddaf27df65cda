//! The seeded data generator: realistic people, companies and deals on both sides, the
//! dirty data real portals have (mixed-case and duplicate emails, blanks, values missing
//! from the other system's picklists), and overlap (the same email or domain on both sides)
//! so a first sync has matches to find. Deterministic for a seed: record `i` of an object
//! draws from its own ChaCha stream, so counts can change without reshuffling the rest.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::Shared;
use super::clock;
use super::crm::Crm;
use super::ids;
use super::store::Record;
use crate::schema::System;

const FIRST: &[&str] = &[
    "Ana", "Ben", "Chen", "Dana", "Eli", "Fatima", "Gabriel", "Hana", "Ivan", "Jia", "Kofi",
    "Lena", "Mateo", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Samir", "Tara", "Uma", "Victor",
    "Wen", "Ximena", "Yusuf", "Zoe", "Aiko", "Bruno", "Carmen", "Diego", "Elena", "Farah",
    "Gustav", "Helga", "Ines", "Jonas", "Kira", "Luca", "Maya", "Nico", "Olga", "Pablo", "Rania",
    "Sofia", "Theo", "Ulla", "Vera", "Will", "Yara", "Zane",
];
const LAST: &[&str] = &[
    "Rivera",
    "Okafor",
    "Wu",
    "Schmidt",
    "Nakamura",
    "Haddad",
    "Silva",
    "Kowalski",
    "Nguyen",
    "Johansson",
    "Mensah",
    "Rossi",
    "Patel",
    "Dubois",
    "Garcia",
    "Kim",
    "Novak",
    "Oyelaran",
    "Fischer",
    "Moreau",
    "Tanaka",
    "Costa",
    "Larsen",
    "Ahmed",
    "Murphy",
    "Jensen",
    "Santos",
    "Weber",
    "Ivanova",
    "Lopez",
    "Brown",
    "Cohen",
    "Eriksen",
    "Fontaine",
    "Gomez",
    "Hughes",
    "Ito",
    "Khan",
    "Lindqvist",
    "Martin",
];
const COMPANY_A: &[&str] = &[
    "Blue", "North", "Bright", "Green", "Iron", "Silver", "Rapid", "Quiet", "Bold", "Clear",
    "Summit", "River", "Cedar", "Atlas", "Nova", "Polar", "Golden", "Urban", "Coastal", "Prime",
];
const COMPANY_B: &[&str] = &[
    "Harbor",
    "Labs",
    "Works",
    "Systems",
    "Analytics",
    "Foods",
    "Logistics",
    "Health",
    "Energy",
    "Media",
    "Robotics",
    "Finance",
    "Design",
    "Cloud",
    "Textiles",
    "Bio",
    "Freight",
    "Games",
];
const SUFFIX: &[&str] = &["Inc", "LLC", "GmbH", "Ltd", "Co", "Group", "SA", "AB"];
const TLD: &[&str] = &["com", "io", "co", "de", "net", "org", "co.uk"];
const TITLES: &[&str] = &[
    "VP Sales",
    "Head of Marketing",
    "CTO",
    "Account Executive",
    "Operations Manager",
    "founder",
    "Data Analyst",
    "procurement lead",
    "CFO",
    "Customer Success Manager",
];
const CITIES: &[(&str, &str)] = &[
    ("Berlin", "Germany"),
    ("Austin", "United States"),
    ("Lagos", "Nigeria"),
    ("Lisbon", "Portugal"),
    ("Toronto", "Canada"),
    ("Osaka", "Japan"),
    ("Stockholm", "Sweden"),
    ("London", "United Kingdom"),
    ("São Paulo", "Brazil"),
    ("Pune", "India"),
];
const PRODUCTS: &[&str] = &[
    "Platform",
    "Renewal",
    "Expansion",
    "Pilot",
    "Enterprise plan",
    "Add-on",
];

/// Offsets that keep the "other side only" records of an object distinct from shared ones.
const ONLY_SALESFORCE: u64 = 1_000_003;
const LEADS: u64 = 2_000_029;

struct Person {
    first: &'static str,
    last: &'static str,
    email: String,
    phone: String,
    title: &'static str,
    city: &'static str,
    country: &'static str,
    company: usize,
}

fn stream(seed: u64, kind: u64, index: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(
        seed ^ kind.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ index.wrapping_mul(0xBF58_476D_1CE4_E5B9),
    )
}

fn pick<'a>(rng: &mut ChaCha8Rng, list: &[&'a str]) -> &'a str {
    list[rng.gen_range(0..list.len())]
}

struct Company {
    name: String,
    domain: String,
    employees: u32,
    revenue: u64,
    city: &'static str,
    country: &'static str,
}

fn company(seed: u64, index: u64) -> Company {
    let mut rng = stream(seed, 2, index);
    let a = pick(&mut rng, COMPANY_A);
    let b = pick(&mut rng, COMPANY_B);
    let suffix = pick(&mut rng, SUFFIX);
    let tld = pick(&mut rng, TLD);
    let (city, country) = CITIES[rng.gen_range(0..CITIES.len())];
    Company {
        name: format!("{a} {b} {suffix}"),
        domain: format!("{}{}{index}.{tld}", a.to_lowercase(), b.to_lowercase()),
        employees: rng.gen_range(2..20_000),
        revenue: rng.gen_range(50..500_000) * 1000,
        city,
        country,
    }
}

fn person(seed: u64, index: u64, companies: usize) -> Person {
    let mut rng = stream(seed, 1, index);
    let first = pick(&mut rng, FIRST);
    let last = pick(&mut rng, LAST);
    let company_index = if companies == 0 {
        0
    } else {
        rng.gen_range(0..companies)
    };
    let domain = company(seed, company_index as u64).domain;
    let (city, country) = CITIES[rng.gen_range(0..CITIES.len())];
    Person {
        first,
        last,
        email: format!(
            "{}.{}{index}@{domain}",
            first.to_lowercase(),
            last.to_lowercase()
        ),
        phone: format!(
            "+1 {:03} {:03} {:04}",
            rng.gen_range(200..999),
            rng.gen_range(100..999),
            rng.gen_range(0..9999)
        ),
        title: pick(&mut rng, TITLES),
        city,
        country,
        company: company_index,
    }
}

/// A writer that only sets fields the object's schema has, and picks picklist values from
/// the schema, so any catalog (standard or custom) gets valid seeded data.
struct Seeder<'a> {
    crm: &'a mut Crm,
    object: String,
    now_ms: i64,
}

impl Seeder<'_> {
    fn has(&self, field: &str) -> bool {
        self.crm
            .object(&self.object)
            .is_some_and(|o| o.fields.contains_key(field))
    }

    fn options(&self, field: &str) -> Vec<String> {
        let Some(schema) = self.crm.object(&self.object) else {
            return Vec::new();
        };
        if field == "dealstage" {
            return schema
                .pipelines
                .first()
                .map(|p| p.stages.iter().map(|s| s.id.clone()).collect())
                .unwrap_or_default();
        }
        if field == "hubspot_owner_id" {
            return self
                .crm
                .schema
                .owners
                .iter()
                .map(|o| o.id.clone())
                .collect();
        }
        schema
            .field(field)
            .and_then(|f| f.picklist.as_ref())
            .map(|p| p.active_values().map(|v| v.value.clone()).collect())
            .unwrap_or_default()
    }

    fn insert(&mut self, values: Vec<(&str, String)>, rng: &mut ChaCha8Rng) -> Option<String> {
        let values: Vec<(String, Option<String>)> = values
            .into_iter()
            .filter(|(name, value)| self.has(name) && !value.is_empty())
            .map(|(name, value)| (name.to_string(), Some(value)))
            .collect();
        let created =
            self.now_ms - rng.gen_range(1..400) * 86_400_000 - rng.gen_range(0..86_400_000);
        let modified = created + rng.gen_range(0..(self.now_ms - created).max(1));
        insert_seeded(self.crm, &self.object, &values, created, modified)
    }
}

fn insert_seeded(
    crm: &mut Crm,
    object: &str,
    values: &[(String, Option<String>)],
    created_ms: i64,
    modified_ms: i64,
) -> Option<String> {
    let id = match crm.system {
        System::Hubspot => crm.store.take_serial().to_string(),
        System::Salesforce => {
            let table = crm.store.tables.get_mut(object)?;
            table.next_serial += 1;
            ids::salesforce_id(&table.key_prefix, table.next_serial)
        }
    };
    let table = crm.store.tables.get_mut(object)?;
    let mut record = Record::new(id.clone(), created_ms);
    record.modified_ms = modified_ms;
    let changes: Vec<(u16, Option<Box<str>>)> = values
        .iter()
        .map(|(n, v)| (table.intern(n), v.clone().map(String::into_boxed_str)))
        .collect();
    record.apply(&changes);
    table.insert(record);
    Some(id)
}

fn choose(rng: &mut ChaCha8Rng, options: &[String]) -> String {
    if options.is_empty() {
        String::new()
    } else {
        options[rng.gen_range(0..options.len())].clone()
    }
}

/// Seeds both CRMs from the config's seed and record counts.
pub fn seed_all(shared: &Shared) {
    let now = shared.clock.now_ms();
    let mut hubspot = shared.hubspot.write();
    seed_hubspot(&mut hubspot, &shared.config, now);
    seed_others(
        &mut hubspot,
        &shared.config,
        now,
        &["contacts", "companies", "deals"],
    );
    drop(hubspot);
    let mut salesforce = shared.salesforce.write();
    seed_salesforce(&mut salesforce, &shared.config, now);
    seed_others(
        &mut salesforce,
        &shared.config,
        now,
        &["User", "Account", "Contact", "Lead", "Opportunity", "Task"],
    );
}

/// Objects without a hand-written generator (HubSpot tasks, custom objects from the
/// catalog or a config file) get plausible values for every writable field, by type.
fn seed_others(crm: &mut Crm, config: &super::SandboxConfig, now_ms: i64, handled: &[&str]) {
    let objects: Vec<String> = crm
        .schema
        .objects
        .keys()
        .filter(|o| !handled.contains(&o.as_str()))
        .cloned()
        .collect();
    for (kind, object) in objects.iter().enumerate() {
        let count = config.record_count(object);
        let Some(schema) = crm.object(object).cloned() else {
            continue;
        };
        let owners: Vec<String> = crm.schema.owners.iter().map(|o| o.id.clone()).collect();
        for i in 0..count {
            let mut rng = stream(config.seed, 100 + kind as u64, i as u64);
            let mut values: Vec<(String, Option<String>)> = Vec::new();
            for field in schema.fields.values() {
                if !field.writable_on_create() || field.field_type == crate::schema::FieldType::Id {
                    continue;
                }
                // Optional fields are filled most of the time, like a lived-in portal.
                if !field.required_on_create && rng.gen_range(0..10) < 3 {
                    continue;
                }
                if let Some(value) = generic_value(crm, field, i, &owners, now_ms, &mut rng) {
                    values.push((field.name.clone(), Some(value)));
                }
            }
            if crm.system == System::Salesforce
                && schema.fields.contains_key("OwnerId")
                && !values.iter().any(|(n, _)| n == "OwnerId")
            {
                values.push(("OwnerId".into(), Some(super::crm::integration_user_id())));
            }
            let created = now_ms - rng.gen_range(1..400) * 86_400_000;
            let modified = created + rng.gen_range(0..(now_ms - created).max(1));
            insert_seeded(crm, object, &values, created, modified);
        }
    }
}

fn generic_value(
    crm: &Crm,
    field: &crate::schema::FieldSchema,
    i: usize,
    owners: &[String],
    now_ms: i64,
    rng: &mut ChaCha8Rng,
) -> Option<String> {
    use crate::schema::FieldType;
    let fit = |text: String| -> String {
        match field.length {
            Some(max) => text.chars().take(max as usize).collect(),
            None => text,
        }
    };
    let value = match super::validate::effective_type(crm.system, field) {
        FieldType::String | FieldType::Textarea => fit(format!("{} {i}", field.label)),
        FieldType::Email => fit(format!(
            "{}{i}@example.com",
            pick(rng, FIRST).to_lowercase()
        )),
        FieldType::Phone => format!(
            "+1 555 {:03} {:04}",
            rng.gen_range(100..999),
            rng.gen_range(0..9999)
        ),
        FieldType::Url => fit(format!("https://example.com/{i}")),
        FieldType::Int => rng.gen_range(0..1000).to_string(),
        FieldType::Double | FieldType::Currency => {
            (rng.gen_range(100..100_000) as f64 / 10.0).to_string()
        }
        FieldType::Percent => rng.gen_range(0..=100).to_string(),
        FieldType::Bool => (rng.gen_range(0..2) == 1).to_string(),
        FieldType::Date => clock::date_string(now_ms + rng.gen_range(-90..90) * 86_400_000),
        FieldType::Datetime => {
            let ms = now_ms + rng.gen_range(-90..90) * 86_400_000;
            match crm.system {
                System::Salesforce => clock::salesforce_datetime(ms),
                System::Hubspot => clock::hubspot_datetime(ms),
            }
        }
        FieldType::Picklist | FieldType::Multipicklist => {
            if field.name == "hubspot_owner_id" {
                choose(rng, owners)
            } else {
                let options: Vec<String> = field
                    .picklist
                    .as_ref()
                    .map(|p| p.active_values().map(|v| v.value.clone()).collect())
                    .unwrap_or_default();
                choose(rng, &options)
            }
        }
        FieldType::Reference => {
            let target = field
                .reference_to
                .iter()
                .find(|t| crm.store.table(t).is_some_and(|t| !t.is_empty()))?;
            let table = crm.store.table(target)?;
            table.records[rng.gen_range(0..table.len())].id.to_string()
        }
        FieldType::Time | FieldType::Id => return None,
    };
    (!value.is_empty()).then_some(value)
}

fn seed_hubspot(crm: &mut Crm, config: &super::SandboxConfig, now_ms: i64) {
    let seed = config.seed;
    let companies = config.record_count("companies");
    let mut company_ids = Vec::with_capacity(companies);
    {
        let mut seeder = Seeder {
            crm,
            object: "companies".into(),
            now_ms,
        };
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
        let mut seeder = Seeder {
            crm,
            object: "contacts".into(),
            now_ms,
        };
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
        let mut seeder = Seeder {
            crm,
            object: "deals".into(),
            now_ms,
        };
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

fn associate_default(crm: &mut Crm, from: &str, from_id: u64, to: &str, to_id: u64) {
    if let Some(kind) = super::associations::default_type(&crm.schema, from, to) {
        crm.associations
            .add(from, from_id, to, to_id, kind.type_id, kind.inverse_id);
    }
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

fn seed_salesforce(crm: &mut Crm, config: &super::SandboxConfig, now_ms: i64) {
    let seed = config.seed;
    let mut user_ids = Vec::new();
    if crm.object("User").is_some() {
        let mut seeder = Seeder {
            crm,
            object: "User".into(),
            now_ms,
        };
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
        let mut seeder = Seeder {
            crm,
            object: "Account".into(),
            now_ms,
        };
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
        let mut seeder = Seeder {
            crm,
            object: "Contact".into(),
            now_ms,
        };
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
        let mut seeder = Seeder {
            crm,
            object: "Lead".into(),
            now_ms,
        };
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
        let mut seeder = Seeder {
            crm,
            object: "Opportunity".into(),
            now_ms,
        };
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
        let mut seeder = Seeder {
            crm,
            object: "Task".into(),
            now_ms,
        };
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
