//! One stored record: its id, its set fields packed into one string with an index of
//! `(field, end offset)` pairs sorted by field, and the metadata both CRMs expose as system
//! fields (created, modified, deleted, merged). Two allocations per record keep a million
//! contacts small and quick to seed.

/// Who made a write, so tests can tell the sync's writes from a simulated user's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOrigin {
    /// Through the public API; `client` is Salesforce's `Sforce-Call-Options: client=...`.
    Api { client: Option<Box<str>> },
    /// Through the control API acting as a CRM user.
    User,
    /// The CRM itself: a calculated or read-only property it maintains (HubSpot's score,
    /// lifecycle stage dates), set through the control API.
    System,
    /// Created by the data generator.
    Seed,
}

#[derive(Debug, Clone)]
pub struct Record {
    pub id: Box<str>,
    /// `(field index, end of its value in data)`, sorted by field index.
    slots: Box<[(u16, u32)]>,
    data: Box<str>,
    pub created_ms: i64,
    pub modified_ms: i64,
    /// Archived (HubSpot) or in the Recycle Bin (Salesforce).
    pub deleted_ms: Option<i64>,
    /// The surviving record's id after a merge.
    pub merged_into: Option<Box<str>>,
    /// The `Sforce-Call-Options` client of the last API write, if it named one.
    pub last_client: Option<Box<str>>,
}

impl Record {
    pub fn new(id: String, created_ms: i64) -> Self {
        Record {
            id: id.into_boxed_str(),
            slots: Box::new([]),
            data: Box::from(""),
            created_ms,
            modified_ms: created_ms,
            deleted_ms: None,
            merged_into: None,
            last_client: None,
        }
    }

    fn value_at(&self, position: usize) -> &str {
        let start = if position == 0 {
            0
        } else {
            self.slots[position - 1].1 as usize
        };
        let end = self.slots[position].1 as usize;
        self.data.get(start..end).unwrap_or_default()
    }

    pub fn get(&self, field: u16) -> Option<&str> {
        self.slots
            .binary_search_by_key(&field, |(index, _)| *index)
            .ok()
            .map(|position| self.value_at(position))
    }

    /// Every set field and its value, in field-index order.
    pub fn fields(&self) -> impl Iterator<Item = (u16, &str)> + '_ {
        (0..self.slots.len()).map(|position| (self.slots[position].0, self.value_at(position)))
    }

    pub fn is_deleted(&self) -> bool {
        self.deleted_ms.is_some()
    }

    fn pack(&mut self, mut values: Vec<(u16, &str)>) {
        values.sort_by_key(|(field, _)| *field);
        values.dedup_by_key(|(field, _)| *field);
        let mut data = String::with_capacity(values.iter().map(|(_, v)| v.len()).sum());
        let mut slots = Vec::with_capacity(values.len());
        for (field, value) in values {
            data.push_str(value);
            slots.push((field, data.len() as u32));
        }
        self.data = data.into_boxed_str();
        self.slots = slots.into_boxed_slice();
    }

    /// Sets (`Some`) or clears (`None`) fields; returns the fields whose value changed.
    pub fn apply(&mut self, changes: &[(u16, Option<Box<str>>)]) -> Vec<u16> {
        let mut changed = Vec::new();
        let mut merged: Vec<(u16, String)> =
            self.fields().map(|(f, v)| (f, v.to_string())).collect();
        for (field, value) in changes {
            match (
                merged.binary_search_by_key(field, |(index, _)| *index),
                value,
            ) {
                (Ok(position), Some(value)) => {
                    if merged[position].1 != **value {
                        merged[position].1 = value.to_string();
                        changed.push(*field);
                    }
                }
                (Ok(position), None) => {
                    merged.remove(position);
                    changed.push(*field);
                }
                (Err(position), Some(value)) => {
                    merged.insert(position, (*field, value.to_string()));
                    changed.push(*field);
                }
                (Err(_), None) => {}
            }
        }
        self.pack(merged.iter().map(|(f, v)| (*f, v.as_str())).collect());
        changed
    }

    /// Sets the fields of a new record in one go (the seeding fast path).
    pub fn set_all(&mut self, values: Vec<(u16, &str)>) {
        self.pack(values);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_values_read_back_and_update() {
        let mut record = Record::new("1".into(), 0);
        record.set_all(vec![(3, "c"), (1, "alpha"), (2, "")]);
        assert_eq!(record.get(1), Some("alpha"));
        assert_eq!(record.get(2), Some(""));
        assert_eq!(record.get(3), Some("c"));
        assert_eq!(record.get(4), None);
        let changed = record.apply(&[
            (1, Some("beta".into())),
            (3, None),
            (5, Some("e".into())),
            (2, Some("".into())),
        ]);
        assert_eq!(changed, vec![1, 3, 5]);
        let fields: Vec<(u16, &str)> = record.fields().collect();
        assert_eq!(fields, vec![(1, "beta"), (2, ""), (5, "e")]);
    }
}
