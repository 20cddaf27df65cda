//! Lowering one checked sync: its two sides normalised to (HubSpot, Salesforce), its
//! settings, match keys, mappings and scope.

use crate::check::{self, CheckedSync, Side};
use tandem_ground::schema::System;
use tandem_syntax::ast::{DeleteAction, LimitKind};

use super::from_checked::Lowering;
use super::program::{ConflictRule, DeletePolicy, Limits, MatchRule, SyncProgram};
use super::scope::sides_of;

impl Lowering<'_> {
    pub(super) fn sync(&mut self, sync: &CheckedSync) -> SyncProgram {
        // Normalise to (hs, sf); a sync written `sf.X <-> hs.Y` is the same sync flipped.
        let (hs, sf) = if is_flipped(sync) {
            (&sync.right, &sync.left)
        } else {
            (&sync.left, &sync.right)
        };
        if hs.system != System::Hubspot || sf.system != System::Salesforce {
            self.internal(
                sync.span,
                "sync",
                format!(
                    "it pairs a {} object with a {} object",
                    sync.left.system.display_name(),
                    sync.right.system.display_name()
                ),
            );
        }
        let default_conflict = match &sync.default_conflict {
            Some(policy) => conflict_rule(sync, policy.rule),
            None => ConflictRule::Newest,
        };
        let mut program = SyncProgram {
            name: sync.name.clone(),
            hs: Self::side(hs),
            sf: Self::side(sf),
            matches: Vec::new(),
            create_in_hs: creates_in(sync, System::Hubspot),
            create_in_sf: creates_in(sync, System::Salesforce),
            on_delete: match sync.on_delete {
                DeleteAction::Ignore => DeletePolicy::Ignore,
                // HubSpot deletes are archives; both spellings delete the partner.
                DeleteAction::Archive => DeletePolicy::Archive,
                DeleteAction::Propagate => DeletePolicy::Propagate,
            },
            limits: Limits {
                creates: sync.limits.get(&LimitKind::Creates).copied(),
                updates: sync.limits.get(&LimitKind::Updates).copied(),
                deletes: sync.limits.get(&LimitKind::Deletes).copied(),
            },
            default_conflict,
            fields: Vec::new(),
            depends_on: Vec::new(),
            not_synced: Vec::new(),
        };
        for key in &sync.match_keys {
            let (Some(left), Some(right)) = (self.expr(&key.left), self.expr(&key.right)) else {
                continue;
            };
            // The checker types each key on its own side; the Program names them by system.
            let (hs, sf) = if sides_of(&left).contains(&System::Salesforce) {
                (right, left)
            } else {
                (left, right)
            };
            program.matches.push(MatchRule { hs, sf });
        }
        for mapping in &sync.mappings {
            self.mapping(&mut program, sync, mapping);
        }
        let scope: Vec<_> = sync
            .scope
            .iter()
            .filter_map(|condition| self.expr(condition))
            .collect();
        Self::scope(&mut program, scope);
        Self::finish_reads(&mut program, &hs.schema, &sf.schema);
        Self::pushdown(&mut program);
        super::association::association_facts(&hs.schema, &mut program);
        program
    }
}

/// Whether the sync is written Salesforce first (`sf.X <-> hs.Y`).
pub(super) fn is_flipped(sync: &CheckedSync) -> bool {
    sync.left.system == System::Salesforce
}

fn creates_in(sync: &CheckedSync, system: System) -> bool {
    sync.create_on
        .iter()
        .any(|side| sync.side(*side).system == system)
}

/// The Program's rule for a checked one: sides become systems.
pub(super) fn conflict_rule(sync: &CheckedSync, rule: check::ConflictRule) -> ConflictRule {
    let system_of = |side: Side| sync.side(side).system;
    match rule {
        check::ConflictRule::Prefer {
            side,
            unless_blank: true,
        } => ConflictRule::PreferUnlessBlank {
            side: system_of(side),
        },
        check::ConflictRule::Prefer {
            side,
            unless_blank: false,
        } => ConflictRule::Prefer {
            side: system_of(side),
        },
        check::ConflictRule::Newest => ConflictRule::Newest,
        check::ConflictRule::Review => ConflictRule::Review,
    }
}
