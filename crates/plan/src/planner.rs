//! The planner's entry: one sync at a time, in dependency order.

use std::collections::{BTreeMap, HashMap, HashSet};

use tandem_ground::failure::WillFailReason;
use tandem_ground::schema::System;
use tandem_ground::sync_state::{
    FieldBase, Link, OpenConflict, PendingCreate, QueuedError, StateSnapshot,
};
use tandem_ground::{FieldMap, FieldNames, RemoteRecord};
use tandem_language::compile::{DeletePolicy, Program, SyncProgram, hex_digest};

use super::eval::{EvalContext, eval, truthy};
use super::matching::match_unlinked;
use super::merge::{PairInput, PairOutcome, ThroughIndex, create_payload, merge_pair};
use super::model::*;
use super::planned_value::PlannedValue;
use super::schedule::{ApiBudget, estimate, schedule_all};
use super::will_fail::rejection_reasons;

/// What one side of a sync read.
#[derive(Debug, Clone, Default)]
pub struct SideRead {
    pub records: Vec<RemoteRecord>,
    /// `true` for a full read: a linked record missing from it is out of scope. `false` for
    /// an incremental read: a missing record is unchanged since its merge base.
    pub complete: bool,
    /// Where the next incremental read continues (opaque; from the connector).
    pub cursor: Option<serde_json::Value>,
}

/// What both sides of a sync read.
#[derive(Debug, Clone, Default)]
pub struct SyncRead {
    pub hs: SideRead,
    pub sf: SideRead,
}

pub struct PlanInputs<'a> {
    pub program: &'a Program,
    /// Digest of the schema snapshots the spec was checked against.
    pub schema_digest: &'a str,
    pub state: &'a StateSnapshot,
    /// Reads per sync name; a sync with no entry read nothing. Consumed: each sync's records
    /// are freed as soon as that sync is planned, so a large first sync never holds all the
    /// reads and the whole Plan at once (later syncs' `through` lookups need only the links).
    pub reads: BTreeMap<String, SyncRead>,
    pub budget: ApiBudget,
}

/// Plans every sync. Pure: same inputs, same Plan.
pub fn plan(inputs: PlanInputs<'_>) -> Plan {
    let PlanInputs {
        program,
        schema_digest,
        state,
        mut reads,
        budget,
    } = inputs;
    let program_digest = program.digest();
    let read_cursors: BTreeMap<String, ReadCursors> = reads
        .iter()
        .map(|(name, read)| {
            (
                name.clone(),
                ReadCursors {
                    hs: read.hs.cursor.clone(),
                    sf: read.sf.cursor.clone(),
                    incremental: !read.hs.complete || !read.sf.complete,
                },
            )
        })
        .collect();
    let mut through: BTreeMap<String, ThroughIndex> = BTreeMap::new();
    let mut syncs = Vec::new();
    let mut names = FieldNames::default();
    for sync in &program.syncs {
        let known = SyncState::of(state, &sync.name);
        let read = reads.remove(&sync.name).unwrap_or_default();
        let sync_plan = plan_sync(sync, &program_digest, &known, read, &through, &mut names);
        through.insert(sync.name.clone(), through_index(known.links, &sync_plan));
        syncs.push(sync_plan);
    }
    let limit_violations = limit_violations(program, &syncs);
    schedule_all(program, &mut syncs, &read_cursors);
    let api = estimate(&syncs, budget);
    let mut plan = Plan {
        format_version: PLAN_FORMAT_VERSION,
        program_digest,
        schema_digest: schema_digest.to_string(),
        state_lineage: state.lineage.clone(),
        state_serial: state.serial,
        syncs,
        api,
        limit_violations,
        read_cursors,
        seal: String::new(),
    };
    plan.seal = super::seal::seal(&plan, &state.seal_key);
    plan
}

/// What the state store knows about one sync.
struct SyncState<'a> {
    links: &'a [Link],
    conflicts: &'a [OpenConflict],
    errors: &'a [QueuedError],
    /// Creates an interrupted run may have made (see [`super::recovery`]).
    pending_creates: &'a [PendingCreate],
}

impl<'a> SyncState<'a> {
    fn of(state: &'a StateSnapshot, sync: &str) -> Self {
        SyncState {
            links: state.links.get(sync).map(Vec::as_slice).unwrap_or(&[]),
            conflicts: state.conflicts.get(sync).map(Vec::as_slice).unwrap_or(&[]),
            errors: state.errors.get(sync).map(Vec::as_slice).unwrap_or(&[]),
            pending_creates: state
                .pending_creates
                .get(sync)
                .map(Vec::as_slice)
                .unwrap_or(&[]),
        }
    }
}

fn through_index(links: &[Link], plan: &SyncPlan) -> ThroughIndex {
    let mut index = ThroughIndex::default();
    for link in links {
        index
            .hs_to_sf
            .insert(link.hs_id.clone(), link.sf_id.clone());
        index
            .sf_to_hs
            .insert(link.sf_id.clone(), link.hs_id.clone());
    }
    for link in &plan.links {
        index
            .hs_to_sf
            .insert(link.hs_id.clone(), link.sf_id.clone());
        index
            .sf_to_hs
            .insert(link.sf_id.clone(), link.hs_id.clone());
    }
    for change in plan.changes.iter().filter(|c| c.action == Action::Create) {
        match (change.target, change.source_id()) {
            (System::Salesforce, Some(id)) => {
                index.hs_pending_create.insert(id.to_string());
            }
            (System::Hubspot, Some(id)) => {
                index.sf_pending_create.insert(id.to_string());
            }
            _ => {}
        }
    }
    index
}

fn limit_violations(program: &Program, syncs: &[SyncPlan]) -> Vec<LimitViolation> {
    let mut out = Vec::new();
    for (sync, plan) in program.syncs.iter().zip(syncs) {
        let totals = plan.totals();
        for (kind, limit, planned) in [
            (LimitKind::Creates, sync.limits.creates, totals.creates()),
            (LimitKind::Updates, sync.limits.updates, totals.updates()),
            (LimitKind::Deletes, sync.limits.deletes, totals.deletes()),
        ] {
            if let Some(limit) = limit
                && planned > limit
            {
                out.push(LimitViolation {
                    sync: sync.name.clone(),
                    kind,
                    limit,
                    planned,
                });
            }
        }
    }
    out
}

fn in_scope(sync: &SyncProgram, side: System, record: &RemoteRecord) -> bool {
    let Some(scope) = &sync.side(side).scope else {
        return true;
    };
    let ctx = single(sync, side, record);
    eval(scope, &ctx).map(|v| truthy(&v)).unwrap_or(false)
}

fn single<'a>(sync: &'a SyncProgram, side: System, record: &'a RemoteRecord) -> EvalContext<'a> {
    EvalContext {
        hs: (side == System::Hubspot).then_some(record),
        sf: (side == System::Salesforce).then_some(record),
        hs_side: &sync.hs,
        sf_side: &sync.sf,
    }
}

/// A stand-in for a record the incremental read did not return: its values are the merge
/// base, because it has not changed since the last sync.
pub fn from_base(
    id: &str,
    partner: &str,
    side: System,
    sync: &SyncProgram,
    base: &BTreeMap<String, FieldBase>,
) -> RemoteRecord {
    let mut fields = FieldMap::new();
    // Id-link keys were written when the pair was linked, and the record has not changed.
    for (key_side, field) in super::merge::id_link_keys(sync) {
        if key_side == side {
            fields.insert(field.into(), serde_json::Value::String(partner.to_string()));
        }
    }
    for field in &sync.fields {
        if let Some(b) = base.get(&field.key) {
            let value = match side {
                System::Hubspot => b.hs.clone(),
                System::Salesforce => b.sf.clone(),
            };
            fields.insert(field.field_on(side).into(), value);
        }
    }
    RemoteRecord {
        id: id.to_string(),
        fields,
        modified_at: None,
        deleted: false,
        merged_into: None,
    }
}

struct Collector<'a> {
    sync: &'a SyncProgram,
    program_digest: &'a str,
    plan: SyncPlan,
    errors: HashMap<(String, String), &'a QueuedError>,
    /// One shared allocation per field name across every record of the Plan.
    names: &'a mut FieldNames,
    /// Links of the syncs this one's `through` fields use, for [`Collector::fingerprint`].
    through: &'a BTreeMap<String, ThroughIndex>,
}

impl Collector<'_> {
    /// Identifies a write by what decides whether it fails: the Program, the record, the
    /// values it would write and the reasons it cannot be computed. A queued record is retried
    /// when this changes, that is when the spec or the record's data changed.
    ///
    /// A `through` value is hashed as the source side's id, not as the target id it writes:
    /// the target id is a pending id while the referenced record is created by the
    /// same plan and a real id once it exists, and that alone is no reason to retry.
    fn fingerprint(
        &self,
        target: System,
        source: &str,
        fields: &[FieldChange],
        eval_errors: &[WillFailReason],
    ) -> String {
        let values: Vec<(&str, std::borrow::Cow<'_, serde_json::Value>)> = fields
            .iter()
            .map(|f| (f.field.as_str(), self.stable_value(target, f)))
            .collect();
        let mut text =
            serde_json::json!([self.program_digest, target.short_name(), source, values]);
        if !eval_errors.is_empty()
            && let Some(parts) = text.as_array_mut()
        {
            // Hashed as their text, which is what identified them before reasons were typed.
            let texts: Vec<String> = eval_errors.iter().map(ToString::to_string).collect();
            parts.push(serde_json::json!(texts));
        }
        hex_digest(text.to_string().as_bytes())[..16].to_string()
    }

    /// The value a fingerprint hashes for `field` written to `target`: its `new` value, except
    /// that a `through` id is brought back to the source side's id.
    fn stable_value<'f>(
        &self,
        target: System,
        field: &'f FieldChange,
    ) -> std::borrow::Cow<'f, serde_json::Value> {
        use std::borrow::Cow;
        let through_sync = self
            .sync
            .fields
            .iter()
            .find(|p| p.through.is_some() && p.key == field.key.as_str())
            .and_then(|p| p.through.as_deref());
        let new = match &field.new {
            PlannedValue::Value(value) => value,
            PlannedValue::PendingId { id, .. } => {
                return Cow::Owned(serde_json::json!({ "through": id }));
            }
        };
        let Some(sync_name) = through_sync else {
            return Cow::Borrowed(new);
        };
        let back = new.as_str().and_then(|id| {
            let index = self.through.get(sync_name)?;
            match target {
                System::Hubspot => index.hs_to_sf.get(id),
                System::Salesforce => index.sf_to_hs.get(id),
            }
        });
        match back {
            Some(source_id) => Cow::Owned(serde_json::json!({ "through": source_id })),
            None => Cow::Borrowed(new),
        }
    }

    /// Adds a write unless it would fail (then it is listed as will-fail) or it waits
    /// unchanged in the error queue.
    fn push(&mut self, change: RecordChange, eval_errors: Vec<WillFailReason>) {
        let verdict = self.assess(change, eval_errors);
        self.commit(verdict);
    }

    /// What becomes of a write: sent, listed as will-fail, or left waiting unchanged in the
    /// error queue.
    fn assess(&mut self, mut change: RecordChange, eval_errors: Vec<WillFailReason>) -> Verdict {
        for field in &mut change.fields {
            self.names.share(&mut field.key);
            self.names.share(&mut field.field);
        }
        change.fields.shrink_to_fit();
        let error_key = error_key(&change);
        change.fingerprint =
            self.fingerprint(change.target, &error_key, &change.fields, &eval_errors);
        if let Some(queued) = self
            .errors
            .get(&(change.target.short_name().to_string(), error_key.clone()))
            && queued.fingerprint == change.fingerprint
            && !queued.retry_requested
        {
            return Verdict::Waiting(change.target);
        }
        let mut reasons = eval_errors;
        reasons.extend(rejection_reasons(
            self.sync.side(change.target),
            change.target,
            change.action,
            &change.fields,
        ));
        if !reasons.is_empty() {
            return Verdict::WillFail(WillFail {
                action: change.action,
                target: change.target,
                hs_id: change.hs_id.clone(),
                sf_id: change.sf_id.clone(),
                reasons,
                fingerprint: change.fingerprint.clone(),
            });
        }
        Verdict::Send(change)
    }

    fn commit(&mut self, verdict: Verdict) {
        match verdict {
            Verdict::Send(change) => self.plan.changes.push(change),
            Verdict::WillFail(failure) => self.plan.will_fail.push(failure),
            Verdict::Waiting(_) => self.plan.waiting_in_error_queue += 1,
        }
    }

    /// A stand-in for a record whose last write failed (it waits in the error queue) does
    /// not assume its id-link keys were written: they were not, and the write that finally
    /// goes through must carry them.
    fn unless_write_failed(
        &self,
        side: System,
        id: &str,
        mut stand_in: RemoteRecord,
    ) -> RemoteRecord {
        if self
            .errors
            .contains_key(&(side.short_name().to_string(), id.to_string()))
        {
            for (key_side, field) in super::merge::id_link_keys(self.sync) {
                if key_side == side {
                    stand_in.fields.remove(field.as_str());
                }
            }
        }
        stand_in
    }

    /// Merge bases as the Plan keeps them: compact, with shared key names.
    fn bases(&mut self, bases: BTreeMap<String, FieldBase>) -> FieldBases {
        bases
            .into_iter()
            .map(|(key, base)| (self.names.get(&key), base))
            .collect()
    }

    fn push_pair(&mut self, hs_id: &str, sf_id: &str, outcome: PairOutcome) {
        let PairOutcome {
            hs_fields,
            sf_fields,
            hs_precondition,
            sf_precondition,
            hs_base,
            sf_base,
            refresh,
            conflicts,
            hs_settles,
            sf_settles,
            refresh_settles,
            hs_errors,
            sf_errors,
        } = outcome;
        let mut verdicts: Vec<Verdict> = Vec::with_capacity(2);
        for (target, fields, precondition, base, settles, errors) in [
            (
                System::Hubspot,
                hs_fields,
                hs_precondition,
                hs_base,
                hs_settles,
                hs_errors,
            ),
            (
                System::Salesforce,
                sf_fields,
                sf_precondition,
                sf_base,
                sf_settles,
                sf_errors,
            ),
        ] {
            if fields.is_empty() && errors.is_empty() {
                continue;
            }
            let base = self.bases(base);
            let verdict = self.assess(
                RecordChange {
                    action: Action::Update,
                    target,
                    hs_id: Some(hs_id.to_string()),
                    sf_id: Some(sf_id.to_string()),
                    fields,
                    precondition: FieldMap::from(precondition),
                    base,
                    fingerprint: String::new(),
                    settles_conflicts: settles,
                },
                errors,
            );
            verdicts.push(verdict);
        }
        // Both halves of a link or neither: a side whose own write is blocked (will fail, or
        // waits in the error queue) must not leave its id in the other side's record.
        let blocked: Vec<System> = verdicts
            .iter()
            .filter_map(|v| match v {
                Verdict::WillFail(failure) => Some(failure.target),
                Verdict::Waiting(target) => Some(*target),
                Verdict::Send(_) => None,
            })
            .collect();
        for verdict in verdicts {
            let verdict = match verdict {
                Verdict::Send(mut change) if blocked.contains(&change.target.other()) => {
                    // The fields that hold the blocked partner's id: id-link keys and
                    // mappings that copy its id (`hs.hs_object_id -> sf.HubSpot_Deal_Id__c`).
                    let id_fields = super::merge::write_back_fields(self.sync, change.target);
                    change.fields.retain(|f| {
                        f.rule != Rule::LinkId && !id_fields.iter().any(|n| *n == *f.field)
                    });
                    let kept: FieldMap<String, serde_json::Value> = change
                        .precondition
                        .iter()
                        .filter(|(name, _)| change.fields.iter().any(|f| &f.field == *name))
                        .map(|(name, value)| (name.clone(), value.clone()))
                        .collect();
                    change.precondition = kept;
                    if change.fields.is_empty() {
                        continue;
                    }
                    Verdict::Send(change)
                }
                other => other,
            };
            self.commit(verdict);
        }
        if !refresh.is_empty() || !refresh_settles.is_empty() {
            let refresh = self.bases(refresh);
            self.plan.base_refresh.push(BaseRefresh {
                hs_id: hs_id.to_string(),
                sf_id: sf_id.to_string(),
                base: refresh,
                settles_conflicts: refresh_settles,
            });
        }
        self.plan.conflicts.extend(conflicts);
    }
}

/// What becomes of one planned write.
enum Verdict {
    Send(RecordChange),
    WillFail(WillFail),
    /// Unchanged since it failed: it waits in the error queue (the write's target side).
    Waiting(System),
}

/// The key a record's failures are queued under: the source record for a create, the
/// written record otherwise.
pub fn error_key(change: &RecordChange) -> String {
    match change.action {
        Action::Create => change.source_id().unwrap_or_default().to_string(),
        _ => change.target_id().unwrap_or_default().to_string(),
    }
}

fn plan_sync(
    sync: &SyncProgram,
    program_digest: &str,
    known: &SyncState<'_>,
    mut read: SyncRead,
    through: &BTreeMap<String, ThroughIndex>,
    names: &mut FieldNames,
) -> SyncPlan {
    let SyncState {
        links,
        conflicts,
        errors,
        pending_creates,
    } = *known;
    let mut collector = Collector {
        names,
        through,
        sync,
        program_digest,
        plan: SyncPlan {
            name: sync.name.clone(),
            hs_object: sync.hs.object.clone(),
            sf_object: sync.sf.object.clone(),
            changes: Vec::new(),
            links: Vec::new(),
            base_refresh: Vec::new(),
            unlinks: Vec::new(),
            conflicts: Vec::new(),
            will_fail: Vec::new(),
            ambiguous: Vec::new(),
            waiting_in_error_queue: 0,
            queued_errors: errors.len() as u64,
            open_conflicts: conflicts.iter().filter(|c| c.resolution.is_none()).count() as u64,
            unchanged: 0,
            schedule: Vec::new(),
            on_delete: sync.on_delete,
        },
        errors: errors
            .iter()
            .map(|e| ((e.target.clone(), e.source_id.clone()), e))
            .collect(),
    };
    let conflict_index: HashMap<(String, String), &OpenConflict> = conflicts
        .iter()
        .map(|c| ((c.hs_id.clone(), c.field.clone()), c))
        .collect();
    let hs_by_id: HashMap<&str, usize> = read
        .hs
        .records
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let sf_by_id: HashMap<&str, usize> = read
        .sf
        .records
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let mut hs_linked: HashSet<usize> = HashSet::new();
    let mut sf_linked: HashSet<usize> = HashSet::new();
    // Ids linked in state, including records this read did not return, so an unlinked record
    // is never paired with a partner that is already taken.
    for link in links {
        let hs_index = hs_by_id.get(link.hs_id.as_str()).copied();
        let sf_index = sf_by_id.get(link.sf_id.as_str()).copied();
        hs_index.map(|i| hs_linked.insert(i));
        sf_index.map(|i| sf_linked.insert(i));
        let hs_record = hs_index.map(|i| &read.hs.records[i]);
        let sf_record = sf_index.map(|i| &read.sf.records[i]);
        plan_linked(
            &mut collector,
            link,
            hs_record,
            sf_record,
            &read,
            &conflict_index,
            through,
        );
    }
    // Records an interrupted run created are linked to their source before any rule runs:
    // for a sync whose only rule is an id link, nothing else can find them.
    let recovered = super::recovery::recover_pending_creates(
        sync,
        pending_creates,
        &read.hs.records,
        &read.sf.records,
        &hs_linked,
        &sf_linked,
    );
    for found in &recovered {
        hs_linked.insert(found.hs_index);
        sf_linked.insert(found.sf_index);
        let (hs_record, sf_record) = (
            &read.hs.records[found.hs_index],
            &read.sf.records[found.sf_index],
        );
        link_new_pair(
            &mut collector,
            hs_record,
            sf_record,
            NewLinkReason::Recovered(found.journal_id),
            &conflict_index,
            through,
        );
        release(&mut read.hs.records[found.hs_index]);
        release(&mut read.sf.records[found.sf_index]);
    }
    let hs_unlinked: Vec<usize> = (0..read.hs.records.len())
        .filter(|i| !hs_linked.contains(i))
        .filter(|&i| {
            let r = &read.hs.records[i];
            !r.deleted && in_scope(sync, System::Hubspot, r)
        })
        .collect();
    let sf_unlinked: Vec<usize> = (0..read.sf.records.len())
        .filter(|i| !sf_linked.contains(i))
        .filter(|&i| {
            let r = &read.sf.records[i];
            !r.deleted && in_scope(sync, System::Salesforce, r)
        })
        .collect();
    let matched = match_unlinked(
        sync,
        &read.hs.records,
        &read.sf.records,
        &hs_unlinked,
        &sf_unlinked,
    );
    let mut hs_paired: HashSet<usize> = HashSet::new();
    let mut sf_paired: HashSet<usize> = HashSet::new();
    for &(hs_index, sf_index, rule) in &matched.pairs {
        hs_paired.insert(hs_index);
        sf_paired.insert(sf_index);
        let hs_record = &read.hs.records[hs_index];
        let sf_record = &read.sf.records[sf_index];
        link_new_pair(
            &mut collector,
            hs_record,
            sf_record,
            NewLinkReason::MatchRule(rule),
            &conflict_index,
            through,
        );
        release(&mut read.hs.records[hs_index]);
        release(&mut read.sf.records[sf_index]);
    }
    collector.plan.ambiguous = matched.ambiguous;
    for (side, unlinked, paired, ambiguous) in [
        (
            System::Hubspot,
            &hs_unlinked,
            &hs_paired,
            &matched.ambiguous_hs,
        ),
        (
            System::Salesforce,
            &sf_unlinked,
            &sf_paired,
            &matched.ambiguous_sf,
        ),
    ] {
        let target = other(side);
        if !sync.may_create_in(target) {
            continue;
        }
        let records = match side {
            System::Hubspot => &mut read.hs.records,
            System::Salesforce => &mut read.sf.records,
        };
        for &index in unlinked.iter() {
            if paired.contains(&index) || ambiguous.contains(&index) {
                continue;
            }
            let record = &records[index];
            let ctx = single(sync, side, record);
            let mut payload = create_payload(sync, target, &ctx, through);
            let defaults_back = super::create_defaults::fill_create_defaults(
                sync,
                target,
                record,
                &mut payload,
                through,
            );
            let (hs_id, sf_id) = match side {
                System::Hubspot => (Some(record.id.clone()), None),
                System::Salesforce => (None, Some(record.id.clone())),
            };
            let base = collector.bases(payload.base);
            let planned_before = collector.plan.changes.len();
            collector.push(
                RecordChange {
                    action: Action::Create,
                    target,
                    hs_id,
                    sf_id,
                    fields: payload.fields,
                    precondition: FieldMap::new(),
                    base,
                    fingerprint: String::new(),
                    settles_conflicts: Vec::new(),
                },
                payload.errors,
            );
            // The source takes the target's create-time defaults back only with its create.
            if let Some(update) = defaults_back
                && collector.plan.changes.len() > planned_before
            {
                let base = collector.bases(update.base);
                collector.push(
                    RecordChange {
                        action: Action::Update,
                        target: side,
                        hs_id: (side == System::Hubspot).then(|| record.id.clone()),
                        sf_id: (side == System::Salesforce).then(|| record.id.clone()),
                        fields: update.fields,
                        precondition: FieldMap::from(update.precondition),
                        base,
                        fingerprint: String::new(),
                        settles_conflicts: Vec::new(),
                    },
                    Vec::new(),
                );
            }
            release(&mut records[index]);
        }
    }
    let mut plan = collector.plan;
    plan.changes.sort_by(|a, b| {
        (a.action, a.target, a.hs_id.as_deref(), a.sf_id.as_deref()).cmp(&(
            b.action,
            b.target,
            b.hs_id.as_deref(),
            b.sf_id.as_deref(),
        ))
    });
    plan.links.sort_by(|a, b| a.hs_id.cmp(&b.hs_id));
    plan.base_refresh.sort_by(|a, b| a.hs_id.cmp(&b.hs_id));
    plan.conflicts
        .sort_by(|a, b| (&a.hs_id, &a.key).cmp(&(&b.hs_id, &b.key)));
    plan.will_fail.sort_by(|a, b| {
        (a.target, a.hs_id.as_deref(), a.sf_id.as_deref()).cmp(&(
            b.target,
            b.hs_id.as_deref(),
            b.sf_id.as_deref(),
        ))
    });
    plan.unlinks.sort_by(|a, b| a.hs_id.cmp(&b.hs_id));
    // The lists grew by doubling; the Plan is held through apply, so return the slack.
    plan.changes.shrink_to_fit();
    plan.links.shrink_to_fit();
    plan.base_refresh.shrink_to_fit();
    plan.will_fail.shrink_to_fit();
    plan
}

/// Why two unlinked records are linked by this plan.
enum NewLinkReason {
    /// The 1-based match rule (identity keys after the spec's rules).
    MatchRule(usize),
    /// The journal entry of the create, by an interrupted run, that made the target record.
    Recovered(i64),
}

/// Links a pair found in this plan and merges it (no merge base yet).
fn link_new_pair(
    collector: &mut Collector<'_>,
    hs_record: &RemoteRecord,
    sf_record: &RemoteRecord,
    reason: NewLinkReason,
    conflicts: &HashMap<(String, String), &OpenConflict>,
    through: &BTreeMap<String, ThroughIndex>,
) {
    let sync = collector.sync;
    let mut outcome = merge_pair(&PairInput {
        sync,
        ctx: EvalContext {
            hs: Some(hs_record),
            sf: Some(sf_record),
            hs_side: &sync.hs,
            sf_side: &sync.sf,
        },
        hs_id: &hs_record.id,
        sf_id: &sf_record.id,
        base: None,
        conflicts,
        through,
    });
    let base = collector.bases(std::mem::take(&mut outcome.refresh));
    let (match_rule, recovered_create) = match reason {
        NewLinkReason::MatchRule(rule) => (rule, None),
        NewLinkReason::Recovered(journal_id) => (0, Some(journal_id)),
    };
    collector.plan.links.push(NewLink {
        hs_id: hs_record.id.clone(),
        sf_id: sf_record.id.clone(),
        match_rule,
        base,
        recovered_create,
    });
    collector.push_pair(&hs_record.id, &sf_record.id, outcome);
}

/// Frees the values of a record once its pair or create is planned: the Plan's entries then
/// reuse that memory instead of growing beside the whole read.
fn release(record: &mut RemoteRecord) {
    record.fields = Default::default();
}

fn plan_linked(
    collector: &mut Collector<'_>,
    link: &Link,
    hs_record: Option<&RemoteRecord>,
    sf_record: Option<&RemoteRecord>,
    read: &SyncRead,
    conflicts: &HashMap<(String, String), &OpenConflict>,
    through: &BTreeMap<String, ThroughIndex>,
) {
    let sync = collector.sync;
    let deleted_in = if hs_record.is_some_and(|r| r.deleted) {
        Some(System::Hubspot)
    } else if sf_record.is_some_and(|r| r.deleted) {
        Some(System::Salesforce)
    } else {
        None
    };
    if let Some(side) = deleted_in {
        let survivor = other(side);
        let survivor_gone = match survivor {
            System::Hubspot => hs_record.is_some_and(|r| r.deleted),
            System::Salesforce => sf_record.is_some_and(|r| r.deleted),
        };
        match sync.on_delete {
            DeletePolicy::Ignore => {}
            DeletePolicy::Unlink => collector.plan.unlinks.push(Unlink {
                hs_id: link.hs_id.clone(),
                sf_id: link.sf_id.clone(),
                deleted_in: side,
            }),
            DeletePolicy::Propagate | DeletePolicy::Archive if survivor_gone => {
                collector.plan.unlinks.push(Unlink {
                    hs_id: link.hs_id.clone(),
                    sf_id: link.sf_id.clone(),
                    deleted_in: side,
                })
            }
            DeletePolicy::Propagate | DeletePolicy::Archive => collector.push(
                RecordChange {
                    action: Action::Delete,
                    target: survivor,
                    hs_id: Some(link.hs_id.clone()),
                    sf_id: Some(link.sf_id.clone()),
                    fields: Vec::new(),
                    precondition: FieldMap::new(),
                    base: FieldMap::new(),
                    fingerprint: String::new(),
                    settles_conflicts: Vec::new(),
                },
                Vec::new(),
            ),
        }
        return;
    }
    // A side the read did not return: out of scope after a full read (leave the pair
    // alone), unchanged since the base after an incremental one.
    let (hs_stood_in, sf_stood_in) = (hs_record.is_none(), sf_record.is_none());
    let hs_stand_in;
    let hs_record = match hs_record {
        Some(record) => record,
        None if !read.hs.complete && sf_record.is_some() => {
            let from = from_base(&link.hs_id, &link.sf_id, System::Hubspot, sync, &link.base);
            hs_stand_in = collector.unless_write_failed(System::Hubspot, &link.hs_id, from);
            &hs_stand_in
        }
        None => return,
    };
    let sf_stand_in;
    let sf_record = match sf_record {
        Some(record) => record,
        None if !read.sf.complete => {
            let from = from_base(
                &link.sf_id,
                &link.hs_id,
                System::Salesforce,
                sync,
                &link.base,
            );
            sf_stand_in = collector.unless_write_failed(System::Salesforce, &link.sf_id, from);
            &sf_stand_in
        }
        None => return,
    };
    if !in_scope(sync, System::Hubspot, hs_record) || !in_scope(sync, System::Salesforce, sf_record)
    {
        return;
    }
    let mut outcome = merge_pair(&PairInput {
        sync,
        ctx: EvalContext {
            hs: Some(hs_record),
            sf: Some(sf_record),
            hs_side: &sync.hs,
            sf_side: &sync.sf,
        },
        hs_id: &link.hs_id,
        sf_id: &link.sf_id,
        base: Some(&link.base),
        conflicts,
        through,
    });
    for (side, stand_in) in [
        (System::Hubspot, hs_stood_in),
        (System::Salesforce, sf_stood_in),
    ] {
        let record = if side == System::Hubspot {
            hs_record
        } else {
            sf_record
        };
        if stand_in {
            super::stand_in::drop_unknowable(sync, side, record, &mut outcome);
        }
    }
    let quiet = outcome.hs_fields.is_empty()
        && outcome.sf_fields.is_empty()
        && outcome.conflicts.is_empty()
        && outcome.hs_errors.is_empty()
        && outcome.sf_errors.is_empty();
    if quiet {
        collector.plan.unchanged += 1;
    }
    collector.push_pair(&link.hs_id, &link.sf_id, outcome);
}
