//! The Plan: every record and field apply will write, the rule that decided each, and the
//! inputs it was made from.
//!
//! A Plan is a contract. It records the digest of the Program, the digest of the schema
//! snapshots, and the lineage and serial of the state it was planned against; apply refuses
//! it when any of them moved on. Actions are a closed set with one symbol each.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use tandem_ground::failure::WillFailReason;
use tandem_ground::schema::System;
use tandem_ground::sync_state::FieldBase;
use tandem_ground::{FieldMap, FieldName};

use crate::planned_value::PlannedValue;
use crate::schedule::ApplyStep;
use tandem_language::compile::DeletePolicy;

/// Merge bases by mapping key. One per record written or linked, so it is a compact
/// [`FieldMap`] with shared key names; it serializes like `BTreeMap<String, FieldBase>`.
pub type FieldBases = FieldMap<FieldName, FieldBase>;

/// Bumped whenever the Plan's serialized layout changes incompatibly.
/// Version 2: planned values are typed ([`PlannedValue`]), will-fail reasons are data
/// ([`WillFailReason`]), and each sync carries its apply schedule.
pub const PLAN_FORMAT_VERSION: u32 = 2;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub format_version: u32,
    pub program_digest: String,
    pub schema_digest: String,
    pub state_lineage: String,
    pub state_serial: i64,
    /// Syncs in dependency order (the order apply writes them).
    pub syncs: Vec<SyncPlan>,
    pub api: ApiEstimate,
    /// Blast-radius limits this plan exceeds; a plan with any cannot be applied.
    pub limit_violations: Vec<LimitViolation>,
    /// Where each sync's reads ended: apply checks preconditions against what changed after
    /// them and, once complete, saves them as the next run's starting point.
    #[serde(default)]
    pub read_cursors: BTreeMap<String, ReadCursors>,
    /// The HMAC of everything above, keyed with the state store's secret
    /// ([`crate::seal`]): apply refuses a plan whose content no longer matches it.
    #[serde(default, skip_serializing_if = "crate::seal::skip_seal")]
    pub seal: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReadCursors {
    pub hs: Option<serde_json::Value>,
    pub sf: Option<serde_json::Value>,
    /// Whether this plan read incrementally (only what changed since the last apply).
    pub incremental: bool,
}

impl Plan {
    /// Whether applying would write anything to a CRM or queue a new conflict.
    pub fn has_changes(&self) -> bool {
        self.syncs.iter().any(SyncPlan::has_changes)
    }

    /// Records waiting in the error queue and unresolved conflicts, over every sync.
    pub fn waiting_for_a_human(&self) -> (u64, u64) {
        self.syncs.iter().fold((0, 0), |(errors, conflicts), s| {
            (errors + s.queued_errors, conflicts + s.open_conflicts)
        })
    }

    /// Whether applying would change the state store even with no CRM write (new links,
    /// refreshed merge bases, unlinks).
    pub fn has_state_changes(&self) -> bool {
        self.syncs
            .iter()
            .any(|s| !s.links.is_empty() || !s.base_refresh.is_empty() || !s.unlinks.is_empty())
    }

    pub fn totals(&self) -> Totals {
        let mut totals = Totals::default();
        for sync in &self.syncs {
            totals.add(&sync.totals());
        }
        totals
    }
}

/// The closed set of record actions, one symbol each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Update,
    Delete,
}

impl Action {
    pub fn symbol(self) -> char {
        match self {
            Action::Create => '+',
            Action::Update => '~',
            Action::Delete => '-',
        }
    }

    pub fn verb(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
        }
    }
}

/// Symbols for the outcomes that are not writes.
pub const CONFLICT_SYMBOL: char = '!';
pub const WILL_FAIL_SYMBOL: char = '×';

/// Why a field got the value it gets: shown beside every changed field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Rule {
    /// A one-way mapping: the source side owns the field.
    OneWay { from: System },
    /// Only one side changed since the last sync.
    ChangedOn { side: System },
    /// Both changed (or the pair was just matched): `prefer X` decided.
    Prefer { side: System },
    /// `prefer X unless blank` decided; `fell_back` when X was blank and the other side won.
    PreferUnlessBlank { side: System, fell_back: bool },
    /// `newest`: the side whose record was modified last won.
    Newest { side: System },
    /// `keep when blank`: the side holding a value won over the `blank` one.
    KeepWhenBlank { blank: System },
    /// A human resolved a `review` conflict for this side.
    Resolved { side: System },
    /// A new record: every mapped field is written.
    Create,
    /// The computed value was blank and the mapping's `default` was used.
    Default,
    /// A create left the field blank and the CRM `on` fills in its default: the create writes
    /// that default explicitly, and the source record gets the value it maps back to.
    DefaultOnCreate { on: System },
    /// A one-way mapping back into the source of a create, computed from the record as the
    /// create in `on` makes it: written with the create, so the next plan has nothing to do.
    ComputedOnCreate { on: System },
    /// `on delete propagate` (or `archive`): the linked record was deleted on the other side.
    DeletePropagated { from: System, policy: DeletePolicy },
    /// A `match X.field = Y.Id` key: the linked record's id is written into the field, so
    /// the link survives in the CRM itself.
    LinkId,
}

impl Rule {
    pub fn describe(&self) -> String {
        match self {
            Rule::OneWay { from } => format!(
                "one-way {} → {}",
                from.short_name(),
                other(*from).short_name()
            ),
            Rule::ChangedOn { side } => format!("changed in {}", side.short_name()),
            Rule::Prefer { side } => format!("conflict: prefer {}", side.short_name()),
            Rule::PreferUnlessBlank { side, fell_back } => {
                if *fell_back {
                    format!(
                        "conflict: prefer {} unless blank ({} blank)",
                        side.short_name(),
                        side.short_name()
                    )
                } else {
                    format!("conflict: prefer {} unless blank", side.short_name())
                }
            }
            Rule::Newest { side } => {
                format!("conflict: newest ({} modified last)", side.short_name())
            }
            Rule::KeepWhenBlank { blank } => {
                format!("keep when blank ({} blank)", blank.short_name())
            }
            Rule::Resolved { side } => format!("resolved by review: {}", side.short_name()),
            Rule::Create => "create".to_string(),
            Rule::Default => "default".to_string(),
            Rule::DefaultOnCreate { on } => format!("default on create in {}", on.short_name()),
            Rule::ComputedOnCreate { on } => {
                format!("computed from the record created in {}", on.short_name())
            }
            Rule::DeletePropagated { from, policy } => {
                format!(
                    "deleted in {}, on delete {}",
                    from.short_name(),
                    policy.word()
                )
            }
            Rule::LinkId => "link: the partner's record id".to_string(),
        }
    }
}

/// The other system.
pub fn other(system: System) -> System {
    system.other()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncPlan {
    pub name: String,
    pub hs_object: String,
    pub sf_object: String,
    /// Record writes, creates first, then updates, then deletes; each sorted by id.
    pub changes: Vec<RecordChange>,
    /// Pairs matched by key for the first time (stored as links; no CRM write of their own).
    pub links: Vec<NewLink>,
    /// Merge bases to refresh where both sides already agree (state only).
    pub base_refresh: Vec<BaseRefresh>,
    /// Links to drop (`on delete unlink`).
    pub unlinks: Vec<Unlink>,
    /// `review` conflicts to queue; nothing is written for these fields.
    pub conflicts: Vec<ConflictItem>,
    /// Writes that would be rejected, with the reason, instead of being sent.
    pub will_fail: Vec<WillFail>,
    /// Records whose match key hit more than one candidate: never guessed.
    pub ambiguous: Vec<AmbiguousMatch>,
    /// Records skipped because they wait unchanged in the error queue.
    pub waiting_in_error_queue: u64,
    /// Records in this sync's error queue when the plan was made, whether or not the read
    /// returned them: an incremental plan does not see an unchanged failed record, yet it
    /// still waits for a human.
    #[serde(default)]
    pub queued_errors: u64,
    /// Unresolved `review` conflicts waiting in `tandem conflicts` when the plan was made.
    #[serde(default)]
    pub open_conflicts: u64,
    /// Records compared and found in sync.
    pub unchanged: u64,
    /// Every call apply makes for this sync, in order ([`crate::schedule`]).
    #[serde(default)]
    pub schedule: Vec<ApplyStep>,
    /// The sync's delete policy, as the spec wrote it (deletes show it).
    pub on_delete: DeletePolicy,
}

impl SyncPlan {
    /// Whether applying would write to a CRM or queue a new conflict. A conflict already
    /// waiting in `tandem conflicts` is information, not a change: a full read shows it and an
    /// incremental one may not, and both must give the same exit code.
    pub fn has_changes(&self) -> bool {
        !self.changes.is_empty() || self.conflicts.iter().any(|c| !c.already_queued)
    }

    pub fn totals(&self) -> Totals {
        let mut totals = Totals::default();
        for change in &self.changes {
            let side = match change.target {
                System::Hubspot => &mut totals.hs,
                System::Salesforce => &mut totals.sf,
            };
            match change.action {
                Action::Create => side.creates += 1,
                Action::Update => side.updates += 1,
                Action::Delete => side.deletes += 1,
            }
        }
        totals.conflicts = self.conflicts.iter().filter(|c| !c.already_queued).count() as u64;
        totals.will_fail = self.will_fail.len() as u64;
        totals.ambiguous = self.ambiguous.len() as u64;
        totals.links = self.links.len() as u64;
        totals
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SideTotals {
    pub creates: u64,
    pub updates: u64,
    pub deletes: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub hs: SideTotals,
    pub sf: SideTotals,
    /// New `review` conflicts this plan queues.
    pub conflicts: u64,
    pub will_fail: u64,
    pub ambiguous: u64,
    pub links: u64,
}

impl Totals {
    pub fn add(&mut self, other: &Totals) {
        self.hs.creates += other.hs.creates;
        self.hs.updates += other.hs.updates;
        self.hs.deletes += other.hs.deletes;
        self.sf.creates += other.sf.creates;
        self.sf.updates += other.sf.updates;
        self.sf.deletes += other.sf.deletes;
        self.conflicts += other.conflicts;
        self.will_fail += other.will_fail;
        self.ambiguous += other.ambiguous;
        self.links += other.links;
    }

    pub fn creates(&self) -> u64 {
        self.hs.creates + self.sf.creates
    }
    pub fn updates(&self) -> u64 {
        self.hs.updates + self.sf.updates
    }
    pub fn deletes(&self) -> u64 {
        self.hs.deletes + self.sf.deletes
    }
}

/// One record write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordChange {
    pub action: Action,
    /// The side written.
    pub target: System,
    /// The HubSpot record of the pair (for a create in HubSpot: none until apply).
    pub hs_id: Option<String>,
    pub sf_id: Option<String>,
    pub fields: Vec<FieldChange>,
    /// The target's values at plan time for every field written: apply re-reads the target
    /// and skips the record as stale when any differs.
    pub precondition: FieldMap<String, serde_json::Value>,
    /// Merge bases stored once this write succeeds (field key -> both sides' values).
    pub base: FieldBases,
    /// Digest of the Program and the values written; a failed write waits in the error queue
    /// until it changes.
    pub fingerprint: String,
    /// Field keys of `review` conflicts this write settles.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub settles_conflicts: Vec<String>,
}

impl RecordChange {
    /// The id of the record written (none for a create).
    pub fn target_id(&self) -> Option<&str> {
        match self.target {
            System::Hubspot => self.hs_id.as_deref(),
            System::Salesforce => self.sf_id.as_deref(),
        }
    }

    /// The id of the record on the other side (the source of a create).
    pub fn source_id(&self) -> Option<&str> {
        match self.target {
            System::Hubspot => self.sf_id.as_deref(),
            System::Salesforce => self.hs_id.as_deref(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The mapping's key (merge bases are stored under it); `match:<field>` for match keys
    /// written on create.
    pub key: FieldName,
    /// The target field's API name.
    pub field: FieldName,
    /// The target's value at plan time (for an association pseudo-field, the list of
    /// candidates when it is ambiguous: see [`crate::association_value`]).
    pub old: serde_json::Value,
    pub new: PlannedValue,
    pub rule: Rule,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewLink {
    pub hs_id: String,
    pub sf_id: String,
    /// Which `match` rule (1-based, in spec order) paired them; 0 when `recovered_create`.
    pub match_rule: usize,
    /// Bases for fields that already agree.
    pub base: FieldBases,
    /// The journal entry of an interrupted run's create that made this pair's target record
    /// (found by its sent values, see [`super::recovery`]); apply settles it with the link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovered_create: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaseRefresh {
    pub hs_id: String,
    pub sf_id: String,
    pub base: FieldBases,
    /// Conflicts that closed because both sides now agree.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub settles_conflicts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unlink {
    pub hs_id: String,
    pub sf_id: String,
    pub deleted_in: System,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConflictItem {
    pub hs_id: String,
    pub sf_id: String,
    pub key: String,
    pub hs_field: String,
    pub sf_field: String,
    pub hs_value: serde_json::Value,
    pub sf_value: serde_json::Value,
    pub base: Option<FieldBase>,
    /// Already waiting in `tandem conflicts` (shown, not re-queued).
    pub already_queued: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WillFail {
    pub action: Action,
    pub target: System,
    pub hs_id: Option<String>,
    pub sf_id: Option<String>,
    pub reasons: Vec<WillFailReason>,
    pub fingerprint: String,
}

impl WillFail {
    /// Every reason, as the plan shows them on one line.
    pub fn reason_text(&self) -> String {
        self.reasons
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn source_id(&self) -> Option<&str> {
        match self.target {
            System::Hubspot => self.sf_id.as_deref().or(self.hs_id.as_deref()),
            System::Salesforce => self.hs_id.as_deref().or(self.sf_id.as_deref()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AmbiguousMatch {
    /// The side of the record that could not be matched.
    pub side: System,
    pub id: String,
    pub key: String,
    pub match_rule: usize,
    /// The candidates on the other side, sorted.
    pub candidates: Vec<String>,
    /// Records on the same side that hold the same key and have no partner either: creating
    /// them all would make duplicates (HubSpot refuses the whole batch; Salesforce without a
    /// duplicate rule makes two), so none is created until only one holds the key. Sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shares_key_with: Vec<String>,
}

/// The API calls apply will spend, against what remains of each side's daily budget.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiEstimate {
    pub hs_calls: u64,
    pub sf_calls: u64,
    pub hs_remaining: Option<u64>,
    pub sf_remaining: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LimitViolation {
    pub sync: String,
    pub kind: LimitKind,
    pub limit: u64,
    pub planned: u64,
}

/// What a blast-radius limit (`limit creates 500, updates 5000`) counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitKind {
    Creates,
    Updates,
    Deletes,
}

impl LimitKind {
    /// The word the spec writes (`creates`).
    pub fn as_str(self) -> &'static str {
        match self {
            LimitKind::Creates => "creates",
            LimitKind::Updates => "updates",
            LimitKind::Deletes => "deletes",
        }
    }
}

impl std::fmt::Display for LimitViolation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "sync {} plans {} {} (limit {})",
            self.sync,
            self.planned,
            self.kind.as_str(),
            self.limit
        )
    }
}
