//! One stored record: its id, its set fields as `(field index, value)` pairs sorted by index,
//! and the metadata both CRMs expose as system fields (created, modified, deleted, merged).

/// Who made a write, so tests can tell the sync's writes from a simulated user's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOrigin {
    /// Through the public API; `client` is Salesforce's `Sforce-Call-Options: client=...`.
    Api { client: Option<Box<str>> },
    /// Through the control API acting as a CRM user.
    User,
    /// Created by the data generator.
    Seed,
}

#[derive(Debug, Clone)]
pub struct Record {
    pub id: Box<str>,
    pub values: Box<[(u16, Box<str>)]>,
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
            values: Box::new([]),
            created_ms,
            modified_ms: created_ms,
            deleted_ms: None,
            merged_into: None,
            last_client: None,
        }
    }

    pub fn get(&self, field: u16) -> Option<&str> {
        self.values
            .binary_search_by_key(&field, |(index, _)| *index)
            .ok()
            .map(|position| &*self.values[position].1)
    }

    pub fn is_deleted(&self) -> bool {
        self.deleted_ms.is_some()
    }

    /// Sets (`Some`) or clears (`None`) fields; returns the fields whose value changed.
    pub fn apply(&mut self, changes: &[(u16, Option<Box<str>>)]) -> Vec<u16> {
        let mut values: Vec<(u16, Box<str>)> = std::mem::take(&mut self.values).into_vec();
        let mut changed = Vec::new();
        for (field, value) in changes {
            match (
                values.binary_search_by_key(field, |(index, _)| *index),
                value,
            ) {
                (Ok(position), Some(value)) => {
                    if values[position].1 != *value {
                        values[position].1 = value.clone();
                        changed.push(*field);
                    }
                }
                (Ok(position), None) => {
                    values.remove(position);
                    changed.push(*field);
                }
                (Err(position), Some(value)) => {
                    values.insert(position, (*field, value.clone()));
                    changed.push(*field);
                }
                (Err(_), None) => {}
            }
        }
        self.values = values.into_boxed_slice();
        changed
    }
}
