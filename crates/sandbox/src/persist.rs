//! Persistence to a data directory: both CRMs' records, associations, id counters and the
//! clock offset, written as one JSON file, atomically (temporary file, then rename).

use std::collections::BTreeMap;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::crm::CrmData;
use super::store::Record;
use super::{SandboxError, Shared};

const FILE_NAME: &str = "sandbox-state.json";
const FORMAT_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Saved {
    format_version: u32,
    clock_offset_ms: i64,
    hubspot: SavedCrm,
    salesforce: SavedCrm,
}

#[derive(Serialize, Deserialize, Default)]
struct SavedCrm {
    next_serial: u64,
    tables: BTreeMap<String, SavedTable>,
    associations: Vec<(String, u64, String, u64, u32)>,
    duplicate_rules: Vec<String>,
}

#[derive(Serialize, Deserialize, Default)]
struct SavedTable {
    next_serial: u64,
    records: Vec<SavedRecord>,
}

#[derive(Serialize, Deserialize)]
struct SavedRecord {
    id: String,
    created_ms: i64,
    modified_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    deleted_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    merged_into: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_client: Option<String>,
    values: BTreeMap<String, String>,
}

fn dir_error(path: &Path, error: impl std::fmt::Display) -> SandboxError {
    SandboxError::DataDir {
        path: path.display().to_string(),
        reason: error.to_string(),
    }
}

fn save_crm(crm: &CrmData) -> SavedCrm {
    let tables = crm
        .store
        .tables
        .iter()
        .map(|(name, table)| {
            let records = table
                .records
                .iter()
                .map(|r| SavedRecord {
                    id: r.id.to_string(),
                    created_ms: r.created_ms,
                    modified_ms: r.modified_ms,
                    deleted_ms: r.deleted_ms,
                    merged_into: r.merged_into.as_deref().map(str::to_string),
                    last_client: r.last_client.as_deref().map(str::to_string),
                    values: r
                        .fields()
                        .map(|(i, v)| (table.field_names[i as usize].to_string(), v.to_string()))
                        .collect(),
                })
                .collect();
            (
                name.clone(),
                SavedTable {
                    next_serial: table.next_serial,
                    records,
                },
            )
        })
        .collect();
    SavedCrm {
        next_serial: crm.store.next_serial,
        tables,
        associations: crm.associations.all(),
        duplicate_rules: crm.duplicate_rules.iter().cloned().collect(),
    }
}

fn load_crm(crm: &mut CrmData, saved: SavedCrm) -> i64 {
    crm.build_tables();
    crm.store.next_serial = saved.next_serial;
    let mut latest = 0;
    for (name, saved_table) in saved.tables {
        // Objects no longer in the schema (config changed) are dropped.
        let Some(table) = crm.store.tables.get_mut(&name) else {
            continue;
        };
        table.next_serial = saved_table.next_serial;
        for saved_record in saved_table.records {
            let mut record = Record::new(saved_record.id, saved_record.created_ms);
            record.modified_ms = saved_record.modified_ms;
            record.deleted_ms = saved_record.deleted_ms;
            record.merged_into = saved_record.merged_into.map(String::into_boxed_str);
            record.last_client = saved_record.last_client.map(String::into_boxed_str);
            let changes: Vec<(u16, Option<Box<str>>)> = saved_record
                .values
                .into_iter()
                .map(|(field, value)| (table.intern(&field), Some(value.into_boxed_str())))
                .collect();
            record.apply(&changes);
            latest = latest.max(record.modified_ms);
            table.insert(record);
        }
    }
    for (from, from_id, to, to_id, type_id) in saved.associations {
        crm.associations
            .add_raw(&from, from_id, &to, to_id, type_id);
    }
    crm.duplicate_rules = saved.duplicate_rules.into_iter().collect();
    latest
}

/// Loads a saved sandbox; `Ok(false)` when the directory holds none yet.
pub fn load(shared: &Shared, dir: &Path) -> Result<bool, SandboxError> {
    let path = dir.join(FILE_NAME);
    if !path.exists() {
        return Ok(false);
    }
    let file = std::fs::File::open(&path).map_err(|e| dir_error(&path, e))?;
    let saved: Saved = serde_json::from_reader(BufReader::new(file))
        .map_err(|e| dir_error(&path, format!("not a sandbox state file: {e}")))?;
    if saved.format_version != FORMAT_VERSION {
        return Err(dir_error(
            &path,
            format!(
                "format version {} is not {FORMAT_VERSION}",
                saved.format_version
            ),
        ));
    }
    shared.clock.set_offset_ms(saved.clock_offset_ms);
    let a = load_crm(&mut shared.hubspot.write(), saved.hubspot);
    let b = load_crm(&mut shared.salesforce.write(), saved.salesforce);
    shared.clock.observe_ms(a.max(b));
    Ok(true)
}

/// Saves both CRMs atomically.
pub fn save(shared: &Shared, dir: &Path) -> Result<(), SandboxError> {
    std::fs::create_dir_all(dir).map_err(|e| dir_error(dir, e))?;
    let saved = Saved {
        format_version: FORMAT_VERSION,
        clock_offset_ms: shared.clock.offset_ms(),
        hubspot: save_crm(&shared.hubspot.read()),
        salesforce: save_crm(&shared.salesforce.read()),
    };
    let path = dir.join(FILE_NAME);
    let temporary = dir.join(format!("{FILE_NAME}.tmp"));
    let file = std::fs::File::create(&temporary).map_err(|e| dir_error(&temporary, e))?;
    let mut writer = BufWriter::new(file);
    serde_json::to_writer(&mut writer, &saved).map_err(|e| dir_error(&temporary, e))?;
    writer.flush().map_err(|e| dir_error(&temporary, e))?;
    writer
        .get_ref()
        .sync_all()
        .map_err(|e| dir_error(&temporary, e))?;
    std::fs::rename(&temporary, &path).map_err(|e| dir_error(&path, e))?;
    Ok(())
}
