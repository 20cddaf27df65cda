//! What a Plan may ask of the CRMs, re-checked against the Program before apply writes:
//! every sync is one of the spec's, every create goes to a side the sync creates in, every
//! delete comes from a delete policy that deletes, every field written is one the sync
//! writes in that direction, the blast-radius limits hold, and the schedule covers exactly
//! the planned writes. A Plan made by this tandem always passes; one that was edited by
//! hand, or made for another spec, does not, whatever its seal says.

use std::collections::BTreeSet;

use serde::Serialize;

use tandem_ground::schema::System;
use tandem_language::compile::{DeletePolicy, Program, SyncProgram};

use super::model::{Action, LimitKind, LimitViolation, Plan, RecordChange, SyncPlan};
use super::schedule::ApplyStep;

/// One way a Plan asks for something its Program does not allow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum Contradiction {
    /// The spec has no such sync (or the Plan names it twice).
    UnknownSync,
    /// The sync's objects differ from the spec's.
    OtherObjects {
        hs_object: String,
        sf_object: String,
    },
    /// A create on a side the sync does not create in.
    CreateNotAllowed { target: System },
    /// A delete under a delete policy that never deletes.
    DeleteNotAllowed {
        target: System,
        policy: DeletePolicy,
    },
    /// A write of a field the sync does not write on that side.
    FieldNotWritten { target: System, field: String },
    /// The writes exceed a blast-radius limit.
    LimitExceeded(LimitViolation),
    /// The schedule does not cover exactly the planned writes.
    Schedule,
}

impl std::fmt::Display for Contradiction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Contradiction::UnknownSync => write!(f, "the spec has no such sync"),
            Contradiction::OtherObjects {
                hs_object,
                sf_object,
            } => write!(
                f,
                "it syncs hs.{hs_object} with sf.{sf_object}, which the spec's sync does not"
            ),
            Contradiction::CreateNotAllowed { target } => {
                write!(
                    f,
                    "it creates a record in {}, which the sync never does",
                    target.short_name()
                )
            }
            Contradiction::DeleteNotAllowed { target, policy } => write!(
                f,
                "it deletes a record in {} though the sync says `on delete {}`",
                target.short_name(),
                policy.word()
            ),
            Contradiction::FieldNotWritten { target, field } => write!(
                f,
                "it writes {}.{field}, which the sync does not write",
                target.short_name()
            ),
            Contradiction::LimitExceeded(violation) => write!(f, "{violation}"),
            Contradiction::Schedule => {
                write!(f, "its apply schedule does not cover exactly its writes")
            }
        }
    }
}

/// The first contradiction between `plan` and `program`, with the sync and record it is in.
pub fn check_against(
    plan: &Plan,
    program: &Program,
) -> Result<(), (String, Option<String>, Contradiction)> {
    let mut seen = BTreeSet::new();
    for sync_plan in &plan.syncs {
        let fail = |record: Option<&RecordChange>, problem| {
            let record = record.map(|c| {
                c.target_id()
                    .or(c.source_id())
                    .unwrap_or_default()
                    .to_string()
            });
            Err((sync_plan.name.clone(), record, problem))
        };
        let Some(sync) = program.sync(&sync_plan.name) else {
            return fail(None, Contradiction::UnknownSync);
        };
        if !seen.insert(sync_plan.name.as_str()) {
            return fail(None, Contradiction::UnknownSync);
        }
        if sync.hs.object != sync_plan.hs_object || sync.sf.object != sync_plan.sf_object {
            return fail(
                None,
                Contradiction::OtherObjects {
                    hs_object: sync_plan.hs_object.clone(),
                    sf_object: sync_plan.sf_object.clone(),
                },
            );
        }
        let written = [
            writable(sync, System::Hubspot),
            writable(sync, System::Salesforce),
        ];
        for change in &sync_plan.changes {
            let allowed = match change.target {
                System::Hubspot => &written[0],
                System::Salesforce => &written[1],
            };
            match change.action {
                Action::Create if !sync.may_create_in(change.target) => {
                    return fail(
                        Some(change),
                        Contradiction::CreateNotAllowed {
                            target: change.target,
                        },
                    );
                }
                Action::Delete
                    if !matches!(
                        sync.on_delete,
                        DeletePolicy::Propagate | DeletePolicy::Archive
                    ) || !change.fields.is_empty() =>
                {
                    return fail(
                        Some(change),
                        Contradiction::DeleteNotAllowed {
                            target: change.target,
                            policy: sync.on_delete,
                        },
                    );
                }
                _ => {}
            }
            if let Some(field) = change
                .fields
                .iter()
                .find(|f| !allowed.contains(f.field.as_str()))
            {
                return fail(
                    Some(change),
                    Contradiction::FieldNotWritten {
                        target: change.target,
                        field: field.field.to_string(),
                    },
                );
            }
        }
        if let Some(violation) = limit_violation(sync, sync_plan) {
            return fail(None, Contradiction::LimitExceeded(violation));
        }
        if !schedule_covers(sync_plan) {
            return fail(None, Contradiction::Schedule);
        }
    }
    Ok(())
}

/// Every field a planned write of `sync` may carry on `target`: mapped fields that flow
/// there, the plain fields of match rules (a create carries its keys), and the fields that
/// hold the partner's id (id-link keys and id copies).
fn writable(sync: &SyncProgram, target: System) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = sync
        .fields
        .iter()
        .filter(|field| field.direction.flows_to(target))
        .map(|field| field.field_on(target).to_string())
        .filter(|name| !name.is_empty())
        .collect();
    for rule in &sync.matches {
        let expr = match target {
            System::Hubspot => &rule.hs,
            System::Salesforce => &rule.sf,
        };
        if let Some(field) = expr.as_plain_field(target) {
            out.insert(field.to_string());
        }
    }
    out.extend(super::merge::write_back_fields(sync, target));
    out
}

fn limit_violation(sync: &SyncProgram, sync_plan: &SyncPlan) -> Option<LimitViolation> {
    let totals = sync_plan.totals();
    [
        (LimitKind::Creates, sync.limits.creates, totals.creates()),
        (LimitKind::Updates, sync.limits.updates, totals.updates()),
        (LimitKind::Deletes, sync.limits.deletes, totals.deletes()),
    ]
    .into_iter()
    .find_map(|(kind, limit, planned)| {
        let limit = limit?;
        (planned > limit).then(|| LimitViolation {
            sync: sync.name.clone(),
            kind,
            limit,
            planned,
        })
    })
}

/// Whether the write steps cover every planned change exactly once, each with its own action
/// and side, and the write-backs only creates.
fn schedule_covers(sync_plan: &SyncPlan) -> bool {
    let mut covered = vec![false; sync_plan.changes.len()];
    for step in &sync_plan.schedule {
        let range = step.changes();
        let Some(changes) = sync_plan.changes.get(range.clone()) else {
            return false;
        };
        match *step {
            ApplyStep::Write { side, action, .. } => {
                if changes
                    .iter()
                    .any(|c| c.target != side || c.action != action)
                {
                    return false;
                }
                for index in range {
                    if std::mem::replace(&mut covered[index], true) {
                        return false;
                    }
                }
            }
            ApplyStep::WriteBackIds { side, .. } => {
                if changes
                    .iter()
                    .any(|c| c.action != Action::Create || c.target != side.other())
                {
                    return false;
                }
            }
            ApplyStep::ReadSincePlan { .. } => {}
        }
    }
    covered.into_iter().all(|c| c)
}
