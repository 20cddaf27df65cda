//! Comparing the checker's verdict on a mutation with the CRM's answers to its writes.
//!
//! The checker says one of three things: it refuses the spec (an error), warns that a
//! write may fail (`may_exceed_length`, `create_only_target`) beyond what it warns about the
//! spec as shipped, or accepts it. The CRM answers each write: rejected, stored as meant, or stored changed
//! (accepted, but the value read back is not the value the spec meant: a datetime cut to a
//! date, a number read as a date). They agree when:
//!
//! 1. a refusal is backed by a write rejected or changed (nothing valid is refused);
//! 2. when every write is rejected, the checker refuses (a write that always fails is an
//!    error, not a warning);
//! 3. when some write is rejected, the checker refuses or warns that it may fail;
//! 4. when a write is changed, the checker refuses (no silent change of data).
//!
//! One refusal is deliberate and counted apart: a number, boolean or date written into an
//! unrestricted picklist (or one whose list the snapshot does not hold) is a `type_mismatch`
//! asking for `text(...)`, though the CRM would store its text (the language asks for the conversion to be written; see
//! `check::types::assignable`). [`deliberate`] recognises exactly that case.

use tandem::diagnostics::Diag;

use super::crm::Outcome;

/// Warnings that say a write may fail.
pub const MAY_FAIL: &[&str] = &[
    "tandem::check::may_exceed_length",
    "tandem::check::create_only_target",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckerVerdict {
    Refuse(Vec<String>),
    MayFail(Vec<String>),
    Accept,
}

impl CheckerVerdict {
    /// The verdict on a mutated spec; `shipped` holds the (code, message) of the warnings
    /// the spec as shipped already has, which say nothing about the mutation.
    pub fn of(diags: &[Diag], shipped: &[(String, String)]) -> CheckerVerdict {
        let errors: Vec<String> = diags
            .iter()
            .filter(|diag| diag.is_error())
            .map(|diag| format!("{} ({})", diag.code(), diag.message()))
            .collect();
        if !errors.is_empty() {
            return CheckerVerdict::Refuse(errors);
        }
        let may_fail: Vec<String> = diags
            .iter()
            .filter(|diag| MAY_FAIL.contains(&diag.code().as_str()))
            .filter(|diag| !shipped.contains(&(diag.code(), diag.message())))
            .map(|diag| format!("{} ({})", diag.code(), diag.message()))
            .collect();
        if may_fail.is_empty() {
            CheckerVerdict::Accept
        } else {
            CheckerVerdict::MayFail(may_fail)
        }
    }
}

/// Why a mutation's verdicts disagree, if they do.
pub fn disagreement(checker: &CheckerVerdict, answers: &[&Outcome]) -> Option<&'static str> {
    let rejected = answers
        .iter()
        .filter(|answer| matches!(answer, Outcome::Rejected(_)))
        .count();
    let changed = answers
        .iter()
        .filter(|answer| matches!(answer, Outcome::Changed { .. }))
        .count();
    let all_rejected = !answers.is_empty() && rejected == answers.len();
    match checker {
        CheckerVerdict::Refuse(_) if rejected == 0 && changed == 0 => {
            Some("the checker refuses writes the CRM stores as meant")
        }
        CheckerVerdict::Refuse(_) => None,
        _ if all_rejected => Some("every write is rejected, but the checker does not refuse"),
        _ if changed > 0 => {
            Some("the CRM changes a value written, but the checker does not refuse")
        }
        CheckerVerdict::Accept if rejected > 0 => {
            Some("some writes are rejected, but the checker says nothing")
        }
        _ => None,
    }
}

/// The checker's deliberate refusal: only `type_mismatch`, every write a non-text value into
/// an unrestricted picklist, and the CRM storing each as meant.
pub fn deliberate(
    checker: &CheckerVerdict,
    non_text_into_open_picklist: bool,
    answers: &[&Outcome],
) -> bool {
    let CheckerVerdict::Refuse(errors) = checker else {
        return false;
    };
    non_text_into_open_picklist
        && errors
            .iter()
            .all(|error| error.starts_with("tandem::check::type_mismatch "))
        && answers.iter().all(|answer| **answer == Outcome::Stored)
}
