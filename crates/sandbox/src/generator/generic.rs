//! Typed values for objects without a dedicated generator (HubSpot tasks, custom objects).

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::*;

/// Objects without a hand-written generator (HubSpot tasks, custom objects from the
/// catalog or a config file) get plausible values for every writable field, by type.
pub(super) fn seed_others(
    crm: &mut CrmData,
    config: &crate::SandboxConfig,
    now_ms: i64,
    handled: &[&str],
) {
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
            let mut values: Vec<(String, String)> = Vec::new();
            for field in schema.fields.values() {
                if !field.writable_on_create()
                    || field.field_type == tandem_ground::schema::FieldType::Id
                {
                    continue;
                }
                // Optional fields are filled most of the time, like a lived-in portal.
                if !field.required_on_create && rng.gen_range(0..10) < 3 {
                    continue;
                }
                if let Some(value) = generic_value(crm, field, i, &owners, now_ms, &mut rng) {
                    values.push((field.name.clone(), value));
                }
            }
            if crm.system == System::Salesforce
                && schema.fields.contains_key("OwnerId")
                && !values.iter().any(|(n, _)| n == "OwnerId")
            {
                values.push(("OwnerId".into(), crate::crm::integration_user_id()));
            }
            let created = now_ms - rng.gen_range(1..400) * 86_400_000;
            let modified = created + rng.gen_range(0..(now_ms - created).max(1));
            insert_seeded(crm, object, &values, created, modified);
        }
    }
}

fn generic_value(
    crm: &CrmData,
    field: &tandem_ground::schema::FieldSchema,
    i: usize,
    owners: &[String],
    now_ms: i64,
    rng: &mut ChaCha8Rng,
) -> Option<String> {
    use tandem_ground::schema::FieldType;
    let fit = |text: String| -> String {
        match field.length {
            Some(max) => text.chars().take(max as usize).collect(),
            None => text,
        }
    };
    let value = match crate::validate::effective_type(crm.system, field) {
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
