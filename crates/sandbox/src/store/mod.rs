//! The in-memory record store: one [`Table`] per object, compact records (field names
//! interned to indexes, values as `Box<str>`), an id index and lowercase indexes on unique,
//! external-id and email fields. Knows nothing of HTTP or of either CRM's wire format.

mod record;
mod table;

pub use record::{Record, WriteOrigin};
pub use table::{IndexedLookup, Table};

use std::collections::BTreeMap;

/// Every table of one CRM, plus its id counters.
#[derive(Debug, Default)]
pub struct Store {
    pub tables: BTreeMap<String, Table>,
    /// Next serial for new ids (HubSpot: one sequence per portal; Salesforce: per prefix,
    /// kept in the tables).
    pub next_serial: u64,
}

impl Store {
    pub fn table(&self, object: &str) -> Option<&Table> {
        self.tables.get(object)
    }

    pub fn table_mut(&mut self, object: &str) -> Option<&mut Table> {
        self.tables.get_mut(object)
    }

    pub fn take_serial(&mut self) -> u64 {
        self.next_serial += 1;
        self.next_serial
    }
}
