//! The Program: what the spec means operationally, as a serializable value.
//!
//! It says, per sync and in dependency order, which fields to read on each side (and which
//! scope filters the CRMs can apply for us), how records are matched, how every mapped field
//! is computed in each direction and which rule settles a conflict, which records may be
//! created or deleted, and the blast-radius limits. The planner needs nothing else from the
//! spec. Compile produces it; `tandem compile --emit program` prints it for review.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use tandem_ground::schema::FieldType;

pub use tandem_ground::schema::System;

/// Bumped whenever the Program's serialized layout changes incompatibly.
pub const PROGRAM_FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Program {
    pub format_version: u32,
    /// Syncs in dependency order: a sync comes after every sync its `through` fields use.
    pub syncs: Vec<SyncProgram>,
}

impl Program {
    pub fn new(syncs: Vec<SyncProgram>) -> Self {
        Program {
            format_version: PROGRAM_FORMAT_VERSION,
            syncs,
        }
    }

    /// A stable digest of the Program (hex SHA-256 of its canonical JSON). A saved Plan
    /// records it, and apply refuses a plan whose Program has changed since.
    pub fn digest(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        hex_digest(&json)
    }

    pub fn sync(&self, name: &str) -> Option<&SyncProgram> {
        self.syncs.iter().find(|sync| sync.name == name)
    }
}

pub fn hex_digest(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// One `sync NAME: hs.OBJECT <-> sf.OBJECT { ... }` block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncProgram {
    pub name: String,
    pub hs: SideProgram,
    pub sf: SideProgram,
    /// Tried in order for records that have no link yet.
    pub matches: Vec<MatchRule>,
    /// Which sides may receive new records.
    pub create_in_hs: bool,
    pub create_in_sf: bool,
    pub on_delete: DeletePolicy,
    pub limits: Limits,
    /// The rule for two-way fields that name none.
    pub default_conflict: ConflictRule,
    pub fields: Vec<FieldProgram>,
    /// Other syncs whose links this one uses (`through`); they are planned and applied first.
    pub depends_on: Vec<String>,
    /// Parts of the spec this version of tandem compiles but does not sync yet, said plainly
    /// so `tandem compile` and `tandem plan` can show them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_synced: Vec<String>,
}

impl SideProgram {
    /// The association pseudo-fields this side reads (`companies(associated)`).
    pub fn association_fields(&self) -> impl Iterator<Item = &String> {
        self.read_fields
            .iter()
            .filter(|name| super::association::associated_object(name).is_some())
    }
}

impl SyncProgram {
    pub fn side(&self, system: System) -> &SideProgram {
        match system {
            System::Hubspot => &self.hs,
            System::Salesforce => &self.sf,
        }
    }

    pub fn may_create_in(&self, system: System) -> bool {
        match system {
            System::Hubspot => self.create_in_hs,
            System::Salesforce => self.create_in_sf,
        }
    }
}

/// What to read from, and what must hold for writes to, one side of a sync.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SideProgram {
    /// `contacts`, `Lead`, `2-1234567`.
    pub object: String,
    /// Every field the planner reads on this side (mapped fields, match keys, scope fields),
    /// sorted and without duplicates.
    pub read_fields: Vec<String>,
    /// The part of the scope the CRM can evaluate for us: a SOQL `WHERE` clause or HubSpot
    /// search filter groups. The planner still evaluates the whole scope on what comes back.
    pub pushdown: Option<Pushdown>,
    /// The whole scope over this side's records; records outside it are neither created from
    /// nor written to.
    pub scope: Option<Expr>,
    /// Field types and write constraints by field name, for coercion and will-fail detection.
    pub fields: BTreeMap<String, FieldFacts>,
    /// Fields a create must set (not nillable, no default): a create that would leave one
    /// blank is reported as "will fail" instead of being sent.
    pub required_on_create: Vec<String>,
}

/// What the planner must know about one field to compare and validate values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldFacts {
    pub field_type: FieldType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    /// The values a restricted picklist accepts; `None` when any value goes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_values: Option<Vec<String>>,
    #[serde(default = "yes")]
    pub createable: bool,
    #[serde(default = "yes")]
    pub updateable: bool,
    /// Set on a HubSpot association pseudo-field (`companies(associated)`): the field's value
    /// is the record's associated record of that object, not a property.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub association: Option<AssociationFacts>,
    /// The value the CRM fills in when a create leaves the field blank (the schema's
    /// `default_value`, or the picklist's active default value), as the CRM spells it. The
    /// planner writes it explicitly and carries it back to the source in the same plan, so a
    /// first apply converges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_on_create: Option<serde_json::Value>,
}

/// The association behind a pseudo-field `<object>(associated)`: the object it links to and
/// the HubSpot-defined association type ids apply writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssociationFacts {
    /// `companies`.
    pub to_object: String,
    /// The default (unlabeled) association type, e.g. 341 deal -> company.
    pub default_type_id: u32,
    /// The "Primary" association type where HubSpot has one, e.g. 5 deal -> company.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_type_id: Option<u32>,
}

fn yes() -> bool {
    true
}

impl FieldFacts {
    pub fn of_type(field_type: FieldType) -> Self {
        FieldFacts {
            field_type,
            max_length: None,
            allowed_values: None,
            createable: true,
            updateable: true,
            association: None,
            default_on_create: None,
        }
    }

    /// What the CRM fills into `field` on a create that leaves it blank, when the schema says.
    pub fn create_default_of(
        field: &tandem_ground::schema::FieldSchema,
    ) -> Option<serde_json::Value> {
        let picklist_default = || {
            field
                .picklist
                .as_ref()
                .and_then(|list| list.active_values().find(|value| value.default))
                .map(|value| value.value.clone())
        };
        field
            .default_value
            .clone()
            .or_else(picklist_default)
            .map(serde_json::Value::String)
    }
}

/// A scope filter the CRM can evaluate, in its own query language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Pushdown {
    /// A SOQL condition for `WHERE` (values quoted and escaped).
    Soql { condition: String },
    /// HubSpot CRM search `filterGroups` (OR of ANDs).
    HubspotSearch { filter_groups: serde_json::Value },
}

/// `match <hs expr> = <sf expr>`: records whose keys are equal (after normalisation) are the
/// same entity. A key that is blank never matches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchRule {
    pub hs: Expr,
    pub sf: Expr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeletePolicy {
    /// A deletion on one side changes nothing on the other; the link is kept.
    Ignore,
    /// The linked record on the other side is deleted (archived in HubSpot).
    Propagate,
    /// The same as `Propagate`, written `on delete archive` (HubSpot's word for a delete):
    /// kept apart so the plan says what the spec says.
    Archive,
    /// The link is dropped; the survivor stays and is never re-created.
    Unlink,
}

impl DeletePolicy {
    /// The spec's word for the policy (`on delete archive`).
    pub fn word(self) -> &'static str {
        match self {
            DeletePolicy::Ignore => "ignore",
            DeletePolicy::Propagate => "propagate",
            DeletePolicy::Archive => "archive",
            DeletePolicy::Unlink => "unlink",
        }
    }
}

/// Blast-radius limits: the plan fails when a sync would exceed any of them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Limits {
    pub creates: Option<u64>,
    pub updates: Option<u64>,
    pub deletes: Option<u64>,
}

/// How a field that changed on both sides since the merge base is settled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum ConflictRule {
    Prefer {
        side: System,
    },
    /// `prefer sf unless blank`: the preferred side wins unless its value is blank.
    PreferUnlessBlank {
        side: System,
    },
    /// The side whose record was modified last wins.
    Newest,
    /// Nothing is written; the conflict waits in `tandem conflicts`.
    Review,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// `hs.x -> sf.y`
    HsToSf,
    /// `hs.x <- sf.y`
    SfToHs,
    /// `hs.x <-> sf.y`
    Both,
}

impl Direction {
    pub fn flows_to(self, target: System) -> bool {
        matches!(
            (self, target),
            (Direction::Both, _)
                | (Direction::HsToSf, System::Salesforce)
                | (Direction::SfToHs, System::Hubspot)
        )
    }
}

/// One mapped field pair and how values cross in each direction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldProgram {
    /// Stable key of the mapping (`name`, or `hs.name<->sf.Name`): merge bases are stored
    /// under it.
    pub key: String,
    pub hs_field: String,
    pub sf_field: String,
    pub direction: Direction,
    /// The Salesforce value computed from a HubSpot record (present when the field flows to sf).
    pub to_sf: Option<Expr>,
    /// The HubSpot value computed from a Salesforce record (present when it flows to hs).
    pub to_hs: Option<Expr>,
    /// The field's own rule; the sync's `default_conflict` when absent.
    pub conflict: Option<ConflictRule>,
    /// `keep when blank`: a blank value never overwrites a value on the other side.
    pub keep_when_blank: bool,
    /// `default V`: written when the computed value is blank.
    pub default: Option<serde_json::Value>,
    /// `through SYNC`: the value is a record id translated through that sync's links.
    pub through: Option<String>,
}

impl FieldProgram {
    pub fn field_on(&self, system: System) -> &str {
        match system {
            System::Hubspot => &self.hs_field,
            System::Salesforce => &self.sf_field,
        }
    }

    /// The expression computing the value written to `target` from the other side's record.
    pub fn expr_to(&self, target: System) -> Option<&Expr> {
        match target {
            System::Hubspot => self.to_hs.as_ref(),
            System::Salesforce => self.to_sf.as_ref(),
        }
    }
}

/// The transform language: what a mapping, a match key or a scope can compute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Expr {
    /// A field of the record on one side (`hs.email`, `sf.Website`).
    Field {
        side: System,
        name: String,
    },
    Literal {
        value: serde_json::Value,
    },
    /// A built-in function: `lower`, `upper`, `trim`, `domain`, `round`, `truncate`,
    /// `concat`, `coalesce`, `not_blank`.
    Call {
        function: String,
        args: Vec<Expr>,
    },
    /// Arithmetic and comparison: `+ - * / = != < <= > >=`, `and`, `or`.
    Binary {
        operator: String,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    Not {
        operand: Box<Expr>,
    },
    /// `if c then a else b`
    If {
        condition: Box<Expr>,
        then_branch: Box<Expr>,
        else_branch: Box<Expr>,
    },
    /// `x in ["a", "b"]`
    In {
        operand: Box<Expr>,
        values: Vec<serde_json::Value>,
    },
    /// A value map (`via { "a" => "b" else => "c" }`, or a named `map`, or `lookup(table)`).
    ValueMap {
        operand: Box<Expr>,
        entries: BTreeMap<String, serde_json::Value>,
        /// `else => V`; without it an unmapped value passes through unchanged when
        /// `passthrough` is set, or becomes blank otherwise.
        otherwise: Option<serde_json::Value>,
        passthrough: bool,
    },
}

impl Expr {
    pub fn field(side: System, name: &str) -> Expr {
        Expr::Field {
            side,
            name: name.to_string(),
        }
    }

    pub fn literal(value: serde_json::Value) -> Expr {
        Expr::Literal { value }
    }

    pub fn call(function: &str, args: Vec<Expr>) -> Expr {
        Expr::Call {
            function: function.to_string(),
            args,
        }
    }

    pub fn binary(operator: &str, left: Expr, right: Expr) -> Expr {
        Expr::Binary {
            operator: operator.to_string(),
            left: Box::new(left),
            right: Box::new(right),
        }
    }

    /// Every field the expression reads, with its side.
    pub fn fields(&self, out: &mut Vec<(System, String)>) {
        match self {
            Expr::Field { side, name } => out.push((*side, name.clone())),
            Expr::Literal { .. } => {}
            Expr::Call { args, .. } => args.iter().for_each(|arg| arg.fields(out)),
            Expr::Binary { left, right, .. } => {
                left.fields(out);
                right.fields(out);
            }
            Expr::Not { operand } | Expr::In { operand, .. } | Expr::ValueMap { operand, .. } => {
                operand.fields(out)
            }
            Expr::If {
                condition,
                then_branch,
                else_branch,
            } => {
                condition.fields(out);
                then_branch.fields(out);
                else_branch.fields(out);
            }
        }
    }

    /// The operands of a chain of `and`s, left to right (the expression itself otherwise).
    pub fn conjuncts(&self) -> Vec<&Expr> {
        match self {
            Expr::Binary {
                operator,
                left,
                right,
            } if operator == "and" => {
                let mut parts = left.conjuncts();
                parts.extend(right.conjuncts());
                parts
            }
            other => vec![other],
        }
    }

    /// `Some(name)` when the expression is just a field of `side`: such a key can be written
    /// on create, so a re-run after a crash finds the record it created.
    pub fn as_plain_field(&self, side: System) -> Option<&str> {
        match self {
            Expr::Field { side: s, name } if *s == side => Some(name),
            _ => None,
        }
    }
}
