//! What a spec uses of each CRM schema, as a value: objects, fields, fields it writes, and
//! picklist values its value maps name. `tandem-language` computes it from a spec; schema
//! drift only fails on changes that touch it.

use std::collections::{BTreeMap, BTreeSet};

use super::System;

/// A field as (system, object, field).
pub type FieldKey = (System, String, String);

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpecUsage {
    pub objects: BTreeSet<(System, String)>,
    pub fields: BTreeSet<FieldKey>,
    pub written: BTreeSet<FieldKey>,
    /// Picklist values a value map reads or writes, by field.
    pub values: BTreeMap<FieldKey, BTreeSet<String>>,
}

impl SpecUsage {
    pub fn objects_of(&self, system: System) -> Vec<String> {
        self.objects
            .iter()
            .filter(|(s, _)| *s == system)
            .map(|(_, o)| o.clone())
            .collect()
    }
}
