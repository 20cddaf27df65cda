//! One object's records: a `Vec` of records, an id index and lowercase value indexes.

use std::collections::HashMap;

use super::record::Record;

/// The result of looking a value up in a unique / external-id / email index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexedLookup {
    None,
    One(u32),
    Many(Vec<u32>),
}

#[derive(Debug, Default)]
pub struct Table {
    pub object: String,
    /// Interned field names: a record stores `u16` indexes into this list.
    pub field_names: Vec<Box<str>>,
    field_index: HashMap<Box<str>, u16>,
    pub records: Vec<Record>,
    by_id: HashMap<Box<str>, u32>,
    /// Lowercased value -> record slots, for each indexed field.
    indexes: HashMap<u16, HashMap<Box<str>, Vec<u32>>>,
    /// Salesforce key prefix (empty for HubSpot).
    pub key_prefix: String,
    pub next_serial: u64,
}

impl Table {
    pub fn new(object: &str, fields: impl IntoIterator<Item = String>, key_prefix: String) -> Self {
        let mut table = Table {
            object: object.to_string(),
            key_prefix,
            ..Table::default()
        };
        for field in fields {
            table.intern(&field);
        }
        table
    }

    /// The index of a field name, adding it when new.
    pub fn intern(&mut self, field: &str) -> u16 {
        if let Some(index) = self.field_index.get(field) {
            return *index;
        }
        let index = self.field_names.len() as u16;
        self.field_names.push(field.into());
        self.field_index.insert(field.into(), index);
        index
    }

    pub fn field(&self, name: &str) -> Option<u16> {
        self.field_index.get(name).copied()
    }

    /// Maintains a lowercase index over this field from now on (existing records included).
    pub fn add_index(&mut self, field: &str) {
        let index = self.intern(field);
        let mut map: HashMap<Box<str>, Vec<u32>> = HashMap::new();
        for (slot, record) in self.records.iter().enumerate() {
            if let Some(value) = record.get(index) {
                map.entry(value.to_lowercase().into())
                    .or_default()
                    .push(slot as u32);
            }
        }
        self.indexes.insert(index, map);
    }

    pub fn is_indexed(&self, field: &str) -> bool {
        self.field(field)
            .is_some_and(|index| self.indexes.contains_key(&index))
    }

    pub fn slot_of(&self, id: &str) -> Option<u32> {
        self.by_id.get(id).copied()
    }

    pub fn get(&self, id: &str) -> Option<&Record> {
        self.slot_of(id).map(|slot| &self.records[slot as usize])
    }

    pub fn record(&self, slot: u32) -> &Record {
        &self.records[slot as usize]
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Finds live (or, with `include_deleted`, all) records whose indexed field equals
    /// `value`, case-insensitively. `None` when the field is not indexed.
    pub fn lookup(&self, field: &str, value: &str, include_deleted: bool) -> Option<IndexedLookup> {
        let index = self.field(field)?;
        let map = self.indexes.get(&index)?;
        let slots: Vec<u32> = map
            .get(value.to_lowercase().as_str())
            .map(|slots| {
                slots
                    .iter()
                    .copied()
                    .filter(|slot| include_deleted || !self.records[*slot as usize].is_deleted())
                    .collect()
            })
            .unwrap_or_default();
        Some(match slots.len() {
            0 => IndexedLookup::None,
            1 => IndexedLookup::One(slots[0]),
            _ => IndexedLookup::Many(slots),
        })
    }

    pub fn insert(&mut self, record: Record) -> u32 {
        let slot = self.records.len() as u32;
        for (field, value) in record.fields() {
            if let Some(map) = self.indexes.get_mut(&field) {
                map.entry(value.to_lowercase().into())
                    .or_default()
                    .push(slot);
            }
        }
        self.by_id.insert(record.id.clone(), slot);
        self.records.push(record);
        slot
    }

    /// Applies field changes to a record, keeping indexes current; returns changed fields.
    pub fn update(&mut self, slot: u32, changes: &[(u16, Option<Box<str>>)]) -> Vec<u16> {
        let before: Vec<(u16, Option<Box<str>>)> = changes
            .iter()
            .filter(|(field, _)| self.indexes.contains_key(field))
            .map(|(field, _)| {
                (
                    *field,
                    self.records[slot as usize].get(*field).map(Box::from),
                )
            })
            .collect();
        let changed = self.records[slot as usize].apply(changes);
        for (field, old) in before {
            let new = self.records[slot as usize]
                .get(field)
                .map(str::to_lowercase);
            let Some(map) = self.indexes.get_mut(&field) else {
                continue;
            };
            if let Some(old) = old {
                let key = old.to_lowercase();
                if let Some(slots) = map.get_mut(key.as_str()) {
                    slots.retain(|s| *s != slot);
                    if slots.is_empty() {
                        map.remove(key.as_str());
                    }
                }
            }
            if let Some(new) = new {
                map.entry(new.into()).or_default().push(slot);
            }
        }
        changed
    }

    /// Slots of every record, in creation order.
    pub fn slots(&self) -> impl Iterator<Item = u32> + '_ {
        (0..self.records.len() as u32).filter(|_| true)
    }

    pub fn record_mut(&mut self, slot: u32) -> &mut Record {
        &mut self.records[slot as usize]
    }

    /// Removes every record (used by reset) but keeps the interned fields and indexed set.
    pub fn clear(&mut self) {
        self.records.clear();
        self.by_id.clear();
        for map in self.indexes.values_mut() {
            map.clear();
        }
        self.next_serial = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_follows_updates() {
        let mut table = Table::new("contacts", ["email".to_string()], String::new());
        table.add_index("email");
        let email = table.field("email").unwrap_or_default();
        let mut record = Record::new("1".into(), 0);
        record.apply(&[(email, Some("A@x.com".into()))]);
        let slot = table.insert(record);
        assert_eq!(
            table.lookup("email", "a@X.com", false),
            Some(IndexedLookup::One(slot))
        );
        table.update(slot, &[(email, Some("b@x.com".into()))]);
        assert_eq!(
            table.lookup("email", "a@x.com", false),
            Some(IndexedLookup::None)
        );
        assert_eq!(
            table.lookup("email", "B@x.com", false),
            Some(IndexedLookup::One(slot))
        );
    }
}
