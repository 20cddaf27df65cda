//! HubSpot associations (v4): typed links between records, stored in both directions with
//! the type ids of each direction: HubSpot-defined ones from the schema model, and the
//! `USER_DEFINED` labels a portal creates (`POST /crm/v4/associations/{from}/{to}/labels`,
//! developers.hubspot.com/docs/api-reference/latest/crm/associations/associations-schema/guide).

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
    pub category: Category,
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
            category: Category::HubspotDefined,
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
                category: Category::HubspotDefined,
                type_id: primary,
                inverse_id: inverse_primary,
                label: Some("Primary".into()),
                default: false,
            });
        }
    }
    if from == "companies" && to == "companies" {
        types.push(TypeDef {
            category: Category::HubspotDefined,
            type_id: 13,
            inverse_id: 14,
            label: Some("Parent Company".into()),
            default: false,
        });
        types.push(TypeDef {
            category: Category::HubspotDefined,
            type_id: 14,
            inverse_id: 13,
            label: Some("Child Company".into()),
            default: false,
        });
    }
    types
}

/// A HubSpot-defined type between two object types (see [`Associations::defined`] for labels
/// too).
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

/// A `USER_DEFINED` association label between two object types: one type id per direction
/// (the same id both ways for a single label between records of one object type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserLabel {
    pub from: String,
    pub to: String,
    /// The internal name (`partner`, `manager_employee`).
    pub name: String,
    pub type_id: u32,
    pub label: String,
    pub inverse_type_id: u32,
    /// The other direction's label: the same text for a single label, the `inverseLabel` of a
    /// paired one.
    pub inverse_label: String,
}

/// Why a label cannot be created, changed or deleted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LabelError {
    #[error(
        "The association label name `{0}` is not valid: names cannot contain hyphens or begin with a number."
    )]
    BadName(String),
    #[error("An association label needs a non-empty `label`.")]
    EmptyLabel,
    #[error("An association definition named `{0}` already exists between these object types.")]
    DuplicateName(String),
    #[error("No more than {max} association labels can exist between {from} and {to}.", max = MAX_LABELS_PER_PAIR)]
    TooMany { from: String, to: String },
    #[error("No association label with typeId {0} exists between these object types.")]
    Unknown(u32),
    #[error("HubSpot-defined association type {0} cannot be changed or deleted.")]
    HubspotDefined(u32),
    #[error(
        "The association label with typeId {0} is in use; remove it from associated records before deleting it."
    )]
    InUse(u32),
}

/// "You can create up to 10 association labels between each object pairing."
pub const MAX_LABELS_PER_PAIR: usize = 10;

/// Where portal label type ids start (HubSpot's examples show ids like 28, 142 and 144).
const FIRST_LABEL_TYPE_ID: u32 = 128;

#[derive(Debug, Default)]
pub struct Associations {
    by_pair: HashMap<(String, String), Links>,
    labels: Vec<UserLabel>,
    next_label_type_id: u32,
}

/// Every association type between two object types: HubSpot-defined ones, then the portal's
/// labels in creation order.
pub fn all_types(
    schema: &SchemaSnapshot,
    labels: &Associations,
    from: &str,
    to: &str,
) -> Vec<TypeDef> {
    let mut types = types_between(schema, from, to);
    types.extend(labels.user_types(from, to));
    types
}

impl Associations {
    /// The portal's labels from `from` to `to`, as type definitions of that direction.
    pub fn user_types(&self, from: &str, to: &str) -> Vec<TypeDef> {
        let mut types = Vec::new();
        for label in &self.labels {
            if label.from == from && label.to == to {
                types.push(TypeDef {
                    category: Category::UserDefined,
                    type_id: label.type_id,
                    inverse_id: label.inverse_type_id,
                    label: Some(label.label.clone()),
                    default: false,
                });
            }
            if label.to == from && label.from == to && label.inverse_type_id != label.type_id {
                types.push(TypeDef {
                    category: Category::UserDefined,
                    type_id: label.inverse_type_id,
                    inverse_id: label.type_id,
                    label: Some(label.inverse_label.clone()),
                    default: false,
                });
            }
        }
        types
    }

    /// The type `type_id` from `from` to `to`, HubSpot-defined or a portal label.
    pub fn defined(
        &self,
        schema: &SchemaSnapshot,
        from: &str,
        to: &str,
        type_id: u32,
    ) -> Option<TypeDef> {
        all_types(schema, self, from, to)
            .into_iter()
            .find(|t| t.type_id == type_id)
    }

    fn category_of(&self, from: &str, to: &str, type_id: u32) -> Category {
        let user = self.labels.iter().any(|l| {
            (l.from == from && l.to == to && l.type_id == type_id)
                || (l.from == to && l.to == from && l.inverse_type_id == type_id)
        });
        if user {
            Category::UserDefined
        } else {
            Category::HubspotDefined
        }
    }

    /// Creates a label (single when `inverse_label` is `None`, paired otherwise) and returns
    /// the type definitions it made, the other direction's first, as HubSpot answers.
    pub fn create_label(
        &mut self,
        schema: &SchemaSnapshot,
        from: &str,
        to: &str,
        name: &str,
        label: &str,
        inverse_label: Option<&str>,
    ) -> Result<Vec<TypeDef>, LabelError> {
        let valid_name = !name.is_empty()
            && !name.contains('-')
            && !name.starts_with(|c: char| c.is_ascii_digit());
        if !valid_name {
            return Err(LabelError::BadName(name.to_string()));
        }
        if label.trim().is_empty() {
            return Err(LabelError::EmptyLabel);
        }
        let pair: Vec<&UserLabel> = self
            .labels
            .iter()
            .filter(|l| (l.from == from && l.to == to) || (l.from == to && l.to == from))
            .collect();
        if pair.iter().any(|l| l.name == name) {
            return Err(LabelError::DuplicateName(name.to_string()));
        }
        if pair.len() >= MAX_LABELS_PER_PAIR {
            return Err(LabelError::TooMany {
                from: from.to_string(),
                to: to.to_string(),
            });
        }
        let taken: Vec<u32> = types_between(schema, from, to)
            .iter()
            .chain(types_between(schema, to, from).iter())
            .map(|t| t.type_id)
            .chain(
                self.labels
                    .iter()
                    .flat_map(|l| [l.type_id, l.inverse_type_id]),
            )
            .collect();
        let mut next = self.next_label_type_id.max(FIRST_LABEL_TYPE_ID);
        let mut allocate = || {
            while taken.contains(&next) {
                next += 1;
            }
            next += 1;
            next - 1
        };
        let type_id = allocate();
        let same_object_single = from == to && inverse_label.is_none();
        let inverse_type_id = if same_object_single {
            type_id
        } else {
            allocate()
        };
        self.next_label_type_id = next;
        self.labels.push(UserLabel {
            from: from.to_string(),
            to: to.to_string(),
            name: name.to_string(),
            type_id,
            label: label.to_string(),
            inverse_type_id,
            inverse_label: inverse_label.unwrap_or(label).to_string(),
        });
        let mut made = self.user_types(to, from);
        made.retain(|t| t.type_id == inverse_type_id);
        if !same_object_single {
            made.extend(
                self.user_types(from, to)
                    .into_iter()
                    .filter(|t| t.type_id == type_id),
            );
        }
        Ok(made)
    }

    fn label_index(&self, from: &str, to: &str, type_id: u32) -> Result<usize, LabelError> {
        self.labels
            .iter()
            .position(|l| {
                (l.from == from && l.to == to && l.type_id == type_id)
                    || (l.from == to && l.to == from && l.inverse_type_id == type_id)
            })
            .ok_or(LabelError::Unknown(type_id))
    }

    /// Renames a label (and, for a paired label, its other side).
    pub fn update_label(
        &mut self,
        schema: &SchemaSnapshot,
        from: &str,
        to: &str,
        type_id: u32,
        label: &str,
        inverse_label: Option<&str>,
    ) -> Result<(), LabelError> {
        if types_between(schema, from, to)
            .iter()
            .any(|t| t.type_id == type_id)
        {
            return Err(LabelError::HubspotDefined(type_id));
        }
        if label.trim().is_empty() {
            return Err(LabelError::EmptyLabel);
        }
        let index = self.label_index(from, to, type_id)?;
        let entry = &mut self.labels[index];
        let forward = entry.from == from && entry.type_id == type_id;
        let single = entry.label == entry.inverse_label;
        let (mine, theirs) = if forward {
            (&mut entry.label, &mut entry.inverse_label)
        } else {
            (&mut entry.inverse_label, &mut entry.label)
        };
        *mine = label.to_string();
        match inverse_label {
            Some(other) => *theirs = other.to_string(),
            None if single => *theirs = label.to_string(),
            None => {}
        }
        Ok(())
    }

    /// Deletes a label no association uses.
    pub fn delete_label(
        &mut self,
        schema: &SchemaSnapshot,
        from: &str,
        to: &str,
        type_id: u32,
    ) -> Result<(), LabelError> {
        if types_between(schema, from, to)
            .iter()
            .any(|t| t.type_id == type_id)
        {
            return Err(LabelError::HubspotDefined(type_id));
        }
        let index = self.label_index(from, to, type_id)?;
        let entry = self.labels[index].clone();
        let in_use = self
            .by_pair
            .get(&(entry.from.clone(), entry.to.clone()))
            .is_some_and(|links| {
                links
                    .values()
                    .flatten()
                    .any(|(_, kinds)| kinds.iter().any(|k| k.type_id == entry.type_id))
            });
        if in_use {
            return Err(LabelError::InUse(type_id));
        }
        self.labels.remove(index);
        Ok(())
    }

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
            category: self.category_of(from_object, to_object, type_id),
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

    /// Takes one type off an association, both directions; the pair stays associated while
    /// another type remains.
    pub fn remove_type(
        &mut self,
        from_object: &str,
        from_id: u64,
        to_object: &str,
        to_id: u64,
        type_id: u32,
        inverse_id: u32,
    ) {
        self.drop_type(from_object, from_id, to_object, to_id, type_id);
        self.drop_type(to_object, to_id, from_object, from_id, inverse_id);
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
