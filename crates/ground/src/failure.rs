//! Why a record write fails, as data: the planner's will-fail reasons, the evaluator's
//! errors, and the CRM's rejections. They travel from the planner into saved Plans, from the
//! runtime into the error queue of the state store, and from there to `tandem errors list`,
//! so they live here, beside the other values every stage shares. Each variant has a
//! permanent code and is rendered by the diagnostics renderer; none is English text stored
//! in place of the facts.

use miette::Diagnostic;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use thiserror::Error;

use crate::schema::System;

/// A value for a human: strings quoted, null as `(blank)`, a list of candidates (an
/// ambiguous association) as `(ambiguous: 101, 102)`.
pub fn display_value(value: &Value) -> String {
    match value {
        Value::Null => "(blank)".to_string(),
        Value::String(text) => format!("{text:?}"),
        Value::Array(items) => format!(
            "(ambiguous: {})",
            items
                .iter()
                .map(|item| item
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or(item.to_string()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

fn shown(value: &Value) -> String {
    display_value(value)
}

/// Why the transform language could not compute a value from a record. The evaluator is
/// total: every input yields a value or one of these.
#[derive(Debug, Clone, PartialEq, Eq, Error, Diagnostic, Serialize, Deserialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum EvalError {
    #[error(
        "the value {value:?} has no entry in the value map, and the map's `else error` rejects it"
    )]
    #[diagnostic(
        code(tandem::plan::no_map_entry),
        help("add an entry for this value to the value map, or give the map an `else` arm")
    )]
    NoMapEntry { value: String },

    #[error("{what}: {} is not a number", shown(value))]
    #[diagnostic(code(tandem::plan::not_a_number))]
    NotANumber { what: String, value: Value },

    #[error("{what} is not a finite number")]
    #[diagnostic(code(tandem::plan::not_finite))]
    NotFinite { what: String },

    #[error("division by zero")]
    #[diagnostic(code(tandem::plan::division_by_zero))]
    DivisionByZero,

    #[error("unknown operator `{operator}`")]
    #[diagnostic(code(tandem::plan::unknown_operator))]
    UnknownOperator { operator: String },

    #[error("{function}() needs an argument")]
    #[diagnostic(code(tandem::plan::missing_argument))]
    MissingArgument { function: String },

    #[error("truncate() needs a length")]
    #[diagnostic(code(tandem::plan::missing_length))]
    MissingLength,

    #[error("{function}(): {} is not a {kind}", shown(value))]
    #[diagnostic(code(tandem::plan::not_a_date))]
    NotADate {
        function: String,
        /// `date` or `datetime`.
        kind: String,
        value: Value,
    },

    #[error("unknown function `{function}`")]
    #[diagnostic(code(tandem::plan::unknown_function))]
    UnknownFunction { function: String },
}

/// Why the planner knows a write would be rejected, so it lists it instead of sending it.
#[derive(Debug, Clone, PartialEq, Eq, Error, Diagnostic, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum WillFailReason {
    #[error("cannot compute {}.{field}: {error}", target.short_name())]
    #[diagnostic(code(tandem::plan::uncomputable))]
    Uncomputable {
        target: System,
        field: String,
        /// Boxed: the rare failure path pays for the allocation, not every `Result`.
        error: Box<EvalError>,
    },

    #[error(
        "cannot compute {}.{field}: the record has {} associated {object} ({}) and none is primary; mark one as primary in HubSpot",
        target.short_name(),
        candidates.len(),
        candidates.join(", ")
    )]
    #[diagnostic(code(tandem::plan::ambiguous_association))]
    AmbiguousAssociation {
        target: System,
        field: String,
        /// The associated object (`companies`), or `records` when unknown.
        object: String,
        candidates: Vec<String>,
    },

    /// A `through` id whose record the other sync has not linked (not synced yet, or out of
    /// that sync's scope). `source_field` is set for association pseudo-fields, whose
    /// message names both ends of the mapping.
    #[error("{}", not_linked_text(target, field, source_field.as_deref(), *from, id, sync))]
    #[diagnostic(
        code(tandem::plan::not_linked_through),
        help("it is written once the `{sync}` sync links that record")
    )]
    NotLinkedThrough {
        target: System,
        field: String,
        /// The side of the record the id comes from.
        from: System,
        source_field: Option<String>,
        id: String,
        sync: String,
    },

    #[error("the sync `{sync}` used by `through` was not planned")]
    #[diagnostic(code(tandem::plan::through_not_planned))]
    ThroughNotPlanned { sync: String },

    #[error("required field {}.{object}.{field} would be blank", target.short_name())]
    #[diagnostic(
        code(tandem::plan::required_blank),
        help("map a value into it, or give its mapping a `default`")
    )]
    RequiredBlank {
        target: System,
        object: String,
        field: String,
    },

    #[error("{value:?} is not an allowed value of the restricted picklist {}.{object}.{field}", target.short_name())]
    #[diagnostic(
        code(tandem::plan::not_in_picklist),
        help("map the value to one the picklist lists (a value map), or add it to the picklist")
    )]
    NotInPicklist {
        target: System,
        object: String,
        field: String,
        value: String,
    },

    #[error("{}.{object}.{field} is {length} characters; the field holds at most {limit}", target.short_name())]
    #[diagnostic(
        code(tandem::plan::too_long),
        help("shorten the value with `truncate(…, {limit})` in the mapping")
    )]
    TooLong {
        target: System,
        object: String,
        field: String,
        length: u64,
        limit: u64,
    },
}

fn not_linked_text(
    target: &System,
    field: &str,
    source_field: Option<&str>,
    from: System,
    id: &str,
    sync: &str,
) -> String {
    let reason = format!(
        "{} record {id} is not linked through `{sync}` yet",
        from.short_name()
    );
    match source_field {
        Some(source_field) => format!(
            "cannot set {}.{field} from {}.{source_field}: {reason}; it is written once that sync links the record",
            target.short_name(),
            from.short_name(),
        ),
        None => reason,
    }
}

impl WillFailReason {
    /// The target field whose value could not be computed from the record (an evaluation
    /// error or an ambiguous association), when the reason is about one.
    pub fn uncomputed_field(&self) -> Option<&str> {
        match self {
            WillFailReason::Uncomputable { field, .. }
            | WillFailReason::AmbiguousAssociation { field, .. } => Some(field),
            _ => None,
        }
    }

    /// Whether the reason goes away on its own once another sync links a record, so a queued
    /// failure with it is planned again on every run instead of waiting for a human.
    pub fn waits_for_a_link(&self) -> bool {
        matches!(self, WillFailReason::NotLinkedThrough { .. })
    }
}

/// Why a record waits in the error queue.
#[derive(Debug, Clone, PartialEq, Eq, Error, Diagnostic, Serialize, Deserialize)]
#[serde(tag = "failure", rename_all = "snake_case")]
pub enum RecordFailure {
    /// The planner found the write would fail, and did not send it.
    #[error("{}", reasons.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    #[diagnostic(
        code(tandem::apply::will_fail),
        help("the record is planned again once its data or the spec changes")
    )]
    WillFail { reasons: Vec<WillFailReason> },

    /// The CRM rejected the record (`REQUIRED_FIELD_MISSING: …`).
    #[error("{code}: {message}{}", if fields.is_empty() { String::new() } else { format!(" [{}]", fields.join(", ")) })]
    #[diagnostic(
        code(tandem::apply::rejected),
        help("fix the record or the spec; `tandem errors retry` sends it again")
    )]
    Rejected {
        code: String,
        message: String,
        fields: Vec<String>,
        /// The CRM said the record was not written and the same write may succeed later with
        /// nothing changed (a row lock, a rate limit, an unavailable server).
        retryable: bool,
    },

    /// apply could not build the write: a record an earlier sync of the same apply was to
    /// create was not created.
    #[error("{field}: {} record {id} was not created through `{sync}`", from.short_name())]
    #[diagnostic(
        code(tandem::apply::partner_not_created),
        help("the record is planned again once `{sync}` has created it")
    )]
    PartnerNotCreated {
        field: String,
        sync: String,
        from: System,
        id: String,
    },

    /// The record's match key is held by several records (on the other side, or on its own
    /// side with no partner), so it is neither linked nor created: tandem never guesses.
    #[error(
        "the match key {key:?} (match rule {match_rule}) is held by {}; none is linked or created until one record holds it",
        holders(candidates, shares_key_with)
    )]
    #[diagnostic(
        code(tandem::plan::ambiguous_match),
        help(
            "merge the duplicates, or give them different keys; the record is planned again on every run until then"
        )
    )]
    Ambiguous {
        key: String,
        match_rule: usize,
        /// Records on the other side that hold the key.
        candidates: Vec<String>,
        /// Records on the record's own side that hold it too.
        shares_key_with: Vec<String>,
    },

    /// A queue entry written by a tandem before reasons were typed: its text, as stored.
    #[error("{text}")]
    #[diagnostic(code(tandem::apply::queued_text))]
    Text { text: String },
}

fn holders(candidates: &[String], shares_key_with: &[String]) -> String {
    let mut parts = Vec::new();
    if !candidates.is_empty() {
        parts.push(format!(
            "{} records on the other side ({})",
            candidates.len(),
            candidates.join(", ")
        ));
    }
    if !shares_key_with.is_empty() {
        parts.push(format!("its own side's {} too", shares_key_with.join(", ")));
    }
    parts.join(" and ")
}

impl RecordFailure {
    /// Whether the failure can clear without a human touching this record: a passing
    /// rejection, a missing link, or an ambiguity another record's change resolves. Such a
    /// record is read again by id on every incremental run.
    pub fn passes_on_its_own(&self) -> bool {
        match self {
            RecordFailure::WillFail { reasons } => reasons.iter().all(|r| r.waits_for_a_link()),
            RecordFailure::Rejected { retryable, .. } => *retryable,
            RecordFailure::PartnerNotCreated { .. } | RecordFailure::Ambiguous { .. } => true,
            RecordFailure::Text { .. } => false,
        }
    }

    /// The records on `side` a queue entry of this failure waits on: the record itself
    /// (`source_id`, on the other side of `target`), and for an ambiguity every record that
    /// holds the same key.
    pub fn waiting_records(&self, side: System, target: &str, source_id: &str) -> Vec<String> {
        let Some(target) = System::from_short_name(target) else {
            return Vec::new();
        };
        let source_side = target.other();
        let mut out = Vec::new();
        if side == source_side {
            out.push(source_id.to_string());
        }
        if let RecordFailure::Ambiguous {
            candidates,
            shares_key_with,
            ..
        } = self
        {
            if side == source_side {
                out.extend(shares_key_with.iter().cloned());
            } else {
                out.extend(candidates.iter().cloned());
            }
        }
        out
    }

    /// The stored form (JSON) of a queue entry's reason.
    pub fn to_stored(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| self.to_string())
    }

    /// Reads a queue entry's stored reason; text from before reasons were typed is kept.
    pub fn from_stored(text: &str) -> RecordFailure {
        serde_json::from_str(text).unwrap_or_else(|_| RecordFailure::Text {
            text: text.to_string(),
        })
    }
}
