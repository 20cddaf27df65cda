//! The seeded data generator: realistic people, companies and deals on both sides, the
//! dirty data real portals have (mixed-case and duplicate emails, blanks, values missing
//! from the other system's picklists), and overlap (the same email or domain on both sides)
//! so a first sync has matches to find. Deterministic for a seed: record `i` of an object
//! draws from its own ChaCha stream, so counts can change without reshuffling the rest.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

mod generic;
mod hubspot;
mod hubspot_activities;
mod salesforce;

use super::Shared;
use super::clock;
use super::crm::CrmData;
use super::ids;
use super::store::Record;
use tandem_ground::schema::System;

use generic::seed_others;
use hubspot::seed_hubspot;
use salesforce::seed_salesforce;

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
    crm: &'a mut CrmData,
    object: String,
    now_ms: i64,
    /// The object's field names, looked up once: seeding a million records asks often.
    fields: std::collections::HashSet<String>,
}

impl<'a> Seeder<'a> {
    fn new(crm: &'a mut CrmData, object: &str, now_ms: i64) -> Self {
        let fields = crm
            .object(object)
            .map(|o| o.fields.keys().cloned().collect())
            .unwrap_or_default();
        Seeder {
            crm,
            object: object.to_string(),
            now_ms,
            fields,
        }
    }

    fn has(&self, field: &str) -> bool {
        self.fields.contains(field)
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
        let values: Vec<(&str, String)> = values
            .into_iter()
            .filter(|(name, value)| self.has(name) && !value.is_empty())
            .collect();
        let created =
            self.now_ms - rng.gen_range(1..400) * 86_400_000 - rng.gen_range(0..86_400_000);
        let modified = created + rng.gen_range(0..(self.now_ms - created).max(1));
        insert_seeded(self.crm, &self.object, &values, created, modified)
    }
}

fn insert_seeded<N: AsRef<str>>(
    crm: &mut CrmData,
    object: &str,
    values: &[(N, String)],
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
    // Salesforce keeps its timestamps to the second.
    let (created_ms, modified_ms) = match crm.system {
        System::Salesforce => (
            clock::whole_second_ms(created_ms),
            clock::whole_second_ms(modified_ms),
        ),
        System::Hubspot => (created_ms, modified_ms),
    };
    let table = crm.store.tables.get_mut(object)?;
    let mut record = Record::new(id.clone(), created_ms);
    record.modified_ms = modified_ms;
    let packed: Vec<(u16, &str)> = values
        .iter()
        .map(|(name, value)| (table.intern(name.as_ref()), value.as_str()))
        .collect();
    record.set_all(packed);
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
    // Activities and tickets have a typed seeder of their own, run last so that the ids and
    // values of everything seeded before them do not move.
    let mut handled = vec!["contacts", "companies", "deals"];
    handled.extend(hubspot_activities::activity_objects(&hubspot));
    seed_others(&mut hubspot, &shared.config, now, &handled);
    hubspot_activities::seed_activities(&mut hubspot, &shared.config, now);
    drop(hubspot);
    let mut salesforce = shared.salesforce.write();
    seed_salesforce(&mut salesforce, &shared.config, now);
    seed_others(&mut salesforce, &shared.config, now, salesforce::SEEDED);
    salesforce::stamp_in_batches(&mut salesforce, &shared.config);
}
