//! HubSpot associations (v4): typed links between records, stored in both directions with
//! the HubSpot-defined type ids of each direction.

use std::collections::HashMap;

use serde::Serialize;

use tandem_ground::schema::SchemaSnapshot;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct AssociationType {
    pub category: Category,
    pub type_id: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Category {
    #[serde(rename = "HUBSPOT_DEFINED")]
    HubspotDefined,
    #[serde(rename = "USER_DEFINED")]
    UserDefined,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::HubspotDefined => "HUBSPOT_DEFINED",
            Category::UserDefined => "USER_DEFINED",
        }
    }

    pub fn parse(text: &str) -> Option<Category> {
        match text {
            "HUBSPOT_DEFINED" => Some(Category::HubspotDefined),
            "USER_DEFINED" => Some(Category::UserDefined),
            _ => None,
        }
    }
}

/// One association type from one object type to another, with the type id the other
/// direction uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeDef {
    pub type_id: u32,
    pub inverse_id: u32,
    pub label: Option<String>,
    /// The unlabeled default type (`associate/default` uses it).
    pub default: bool,
}

/// Every association type between two object types, from the schema model
/// (`ObjectSchema::associations`: the default id and the "Primary" id where one exists);
/// the inverse ids come from the other object's entry. Company parent / child links (13 and
/// 14) are always available between companies.
pub fn types_between(schema: &SchemaSnapshot, from: &str, to: &str) -> Vec<TypeDef> {
    let mut types = Vec::new();
    let forward = schema.object(from).and_then(|o| o.association_to(to));
    let backward = schema.object(to).and_then(|o| o.association_to(from));
    if let Some(forward) = forward {
        let inverse_default = backward.map(|b| b.type_id).unwrap_or(forward.type_id);
        types.push(TypeDef {
            type_id: forward.type_id,
            inverse_id: inverse_default,
            label: None,
            default: true,
        });
        if let Some(primary) = forward.primary_type_id {
            let inverse_primary = backward
                .and_then(|b| b.primary_type_id)
                .unwrap_or(inverse_default);
            types.push(TypeDef {
                type_id: primary,
                inverse_id: inverse_primary,
                label: Some("Primary".into()),
                default: false,
            });
        }
    }
    if from == "companies" && to == "companies" {
        types.push(TypeDef {
            type_id: 13,
            inverse_id: 14,
            label: Some("Parent Company".into()),
            default: false,
        });
        types.push(TypeDef {
            type_id: 14,
            inverse_id: 13,
            label: Some("Child Company".into()),
            default: false,
        });
    }
    types
}

pub fn defined(schema: &SchemaSnapshot, from: &str, to: &str, type_id: u32) -> Option<TypeDef> {
    types_between(schema, from, to)
        .into_iter()
        .find(|t| t.type_id == type_id)
}

pub fn default_type(schema: &SchemaSnapshot, from: &str, to: &str) -> Option<TypeDef> {
    types_between(schema, from, to)
        .into_iter()
        .find(|t| t.default)
}

type Links = HashMap<u64, Vec<(u64, Vec<AssociationType>)>>;

#[derive(Debug, Default)]
pub struct Associations {
    by_pair: HashMap<(String, String), Links>,
}

impl Associations {
    /// Links `from` to `to` with `type_id`, and `to` back to `from` with `inverse_id`.
    pub fn add(
        &mut self,
        from_object: &str,
        from_id: u64,
        to_object: &str,
        to_id: u64,
        type_id: u32,
        inverse_id: u32,
    ) {
        self.add_one(from_object, from_id, to_object, to_id, type_id);
        self.add_one(to_object, to_id, from_object, from_id, inverse_id);
    }

    fn add_one(
        &mut self,
        from_object: &str,
        from_id: u64,
        to_object: &str,
        to_id: u64,
        type_id: u32,
    ) {
        let kind = AssociationType {
            category: Category::HubspotDefined,
            type_id,
        };
        let links = self
            .by_pair
            .entry((from_object.to_string(), to_object.to_string()))
            .or_default()
            .entry(from_id)
            .or_default();
        match links.iter_mut().find(|(id, _)| *id == to_id) {
            Some((_, kinds)) => {
                if !kinds.contains(&kind) {
                    kinds.push(kind);
                }
            }
            None => links.push((to_id, vec![kind])),
        }
    }

    /// Removes every association between the pair, both directions.
    pub fn remove_pair(
        &mut self,
        from_object: &str,
        from_id: u64,
        to_object: &str,
        to_id: u64,
    ) -> bool {
        let a = self.remove_one(from_object, from_id, to_object, to_id);
        let b = self.remove_one(to_object, to_id, from_object, from_id);
        a || b
    }

    fn remove_one(&mut self, from_object: &str, from_id: u64, to_object: &str, to_id: u64) -> bool {
        let Some(map) = self
            .by_pair
            .get_mut(&(from_object.to_string(), to_object.to_string()))
        else {
            return false;
        };
        let Some(links) = map.get_mut(&from_id) else {
            return false;
        };
        let before = links.len();
        links.retain(|(id, _)| *id != to_id);
        let removed = links.len() != before;
        if links.is_empty() {
            map.remove(&from_id);
        }
        removed
    }

    /// Every association from one record to objects of `to_object`, ordered by target id.
    pub fn list(
        &self,
        from_object: &str,
        from_id: u64,
        to_object: &str,
    ) -> Vec<(u64, Vec<AssociationType>)> {
        let mut links = self
            .by_pair
            .get(&(from_object.to_string(), to_object.to_string()))
            .and_then(|map| map.get(&from_id))
            .cloned()
            .unwrap_or_default();
        links.sort_by_key(|(id, _)| *id);
        links
    }

    /// Takes `type_id` off every association from `from_id` to `to_object` records other
    /// than `keep`, and `inverse_id` off their way back: HubSpot lets a record have one
    /// primary association per object type, and making a new one primary demotes the old
    /// one to its remaining (unlabeled) types.
    pub fn demote_others(
        &mut self,
        from_object: &str,
        from_id: u64,
        to_object: &str,
        keep: u64,
        type_id: u32,
        inverse_id: u32,
    ) {
        let others: Vec<u64> = self
            .list(from_object, from_id, to_object)
            .into_iter()
            .filter(|(id, kinds)| *id != keep && kinds.iter().any(|k| k.type_id == type_id))
            .map(|(id, _)| id)
            .collect();
        for other in others {
            self.drop_type(from_object, from_id, to_object, other, type_id);
            self.drop_type(to_object, other, from_object, from_id, inverse_id);
        }
    }

    fn drop_type(
        &mut self,
        from_object: &str,
        from_id: u64,
        to_object: &str,
        to_id: u64,
        type_id: u32,
    ) {
        let Some(links) = self
            .by_pair
            .get_mut(&(from_object.to_string(), to_object.to_string()))
            .and_then(|map| map.get_mut(&from_id))
        else {
            return;
        };
        for (id, kinds) in links.iter_mut() {
            if *id == to_id {
                kinds.retain(|k| k.type_id != type_id);
            }
        }
        links.retain(|(_, kinds)| !kinds.is_empty());
    }

    /// Every object type `from_id` has associations with.
    pub fn targets_of(&self, from_object: &str, from_id: u64) -> Vec<String> {
        let mut targets: Vec<String> = self
            .by_pair
            .iter()
            .filter(|((from, _), map)| from == from_object && map.contains_key(&from_id))
            .map(|((_, to), _)| to.clone())
            .collect();
        targets.sort();
        targets
    }

    pub fn clear(&mut self) {
        self.by_pair.clear();
    }

    /// Every link, for persistence: (from object, from id, to object, to id, type id).
    pub fn all(&self) -> Vec<(String, u64, String, u64, u32)> {
        let mut out = Vec::new();
        for ((from, to), map) in &self.by_pair {
            for (from_id, links) in map {
                for (to_id, kinds) in links {
                    for kind in kinds {
                        out.push((from.clone(), *from_id, to.clone(), *to_id, kind.type_id));
                    }
                }
            }
        }
        out.sort();
        out
    }

    pub fn add_raw(
        &mut self,
        from_object: &str,
        from_id: u64,
        to_object: &str,
        to_id: u64,
        type_id: u32,
    ) {
        self.add_one(from_object, from_id, to_object, to_id, type_id);
    }
}
