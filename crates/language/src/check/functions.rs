//! The fixed function library: names, parameter kinds and result types.

use serde::Serialize;

use super::types::{Ty, ValueKind};

/// Every function a spec may call. The names and arities are the `names` stage's
/// (`check::names`), which reports unknown functions and wrong argument counts; this table
/// adds the types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Function {
    Concat,
    /// Text parsed as a date (optionally with a format), or a datetime's UTC calendar day.
    Date,
    /// Text parsed as a datetime (optionally with a format), or a date at midnight UTC.
    Datetime,
    /// The host of a URL or the domain of an email address.
    Domain,
    FormatDate,
    FormatDatetime,
    /// The first `count` characters.
    Left,
    /// `lookup(table, key)`: the table's value for the key (blank when absent).
    Lookup,
    Lower,
    /// Text parsed as a number.
    Number,
    Replace,
    Round,
    /// `split(text, separator, index)`: one part of a separated list (also one value of a
    /// multi-select).
    Split,
    /// Any value rendered as text.
    Text,
    Trim,
    /// `truncate(text, length)`.
    Truncate,
    Upper,
}

/// What a parameter accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param {
    /// Text, a picklist value or a record id.
    Textual,
    Number,
    /// A date, datetime or text.
    DateLike,
    Table,
    Any,
}

impl Param {
    pub fn accepts(self, kind: ValueKind) -> bool {
        if kind == ValueKind::Unknown {
            return true;
        }
        match self {
            Param::Textual => kind.is_textual() || kind == ValueKind::Multipicklist,
            Param::Number => kind == ValueKind::Number,
            Param::DateLike => kind.is_temporal() || kind.is_textual(),
            Param::Table => kind == ValueKind::Table,
            Param::Any => kind != ValueKind::Table,
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Param::Textual => "text",
            Param::Number => "a number",
            Param::DateLike => "a date, datetime or text",
            Param::Table => "a lookup table name",
            Param::Any => "a value",
        }
    }
}

/// A function's parameters; the last one repeats when `variadic`. Parameters past `min`
/// are optional.
pub struct Signature {
    pub params: &'static [Param],
    pub min: usize,
    pub variadic: bool,
    pub text: &'static str,
}

const ALL: &[(&str, Function)] = &[
    ("concat", Function::Concat),
    ("date", Function::Date),
    ("datetime", Function::Datetime),
    ("domain", Function::Domain),
    ("format_date", Function::FormatDate),
    ("format_datetime", Function::FormatDatetime),
    ("left", Function::Left),
    ("lookup", Function::Lookup),
    ("lower", Function::Lower),
    ("number", Function::Number),
    ("replace", Function::Replace),
    ("round", Function::Round),
    ("split", Function::Split),
    ("text", Function::Text),
    ("trim", Function::Trim),
    ("truncate", Function::Truncate),
    ("upper", Function::Upper),
];

impl Function {
    pub fn from_name(name: &str) -> Option<Function> {
        ALL.iter()
            .find(|(known, _)| *known == name)
            .map(|(_, function)| *function)
    }

    pub fn name(self) -> &'static str {
        ALL.iter()
            .find(|(_, function)| *function == self)
            .map(|(name, _)| *name)
            .unwrap_or("?")
    }

    pub fn signature(self) -> Signature {
        use Param::*;
        let (params, min, variadic, text): (&'static [Param], usize, bool, &'static str) =
            match self {
                Function::Concat => (&[Any], 1, true, "concat(value, ...) -> text"),
                Function::Date => (
                    &[DateLike, Textual],
                    1,
                    false,
                    "date(text[, format]) -> date",
                ),
                Function::Datetime => (
                    &[DateLike, Textual],
                    1,
                    false,
                    "datetime(text[, format]) -> datetime",
                ),
                Function::Domain => (&[Textual], 1, false, "domain(url_or_email) -> text"),
                Function::FormatDate => (
                    &[DateLike, Textual],
                    2,
                    false,
                    "format_date(date, format) -> text",
                ),
                Function::FormatDatetime => (
                    &[DateLike, Textual],
                    2,
                    false,
                    "format_datetime(datetime, format) -> text",
                ),
                Function::Left => (&[Textual, Number], 2, false, "left(text, count) -> text"),
                Function::Lookup => (&[Table, Any], 2, false, "lookup(table, key) -> text"),
                Function::Lower => (&[Textual], 1, false, "lower(text) -> text"),
                Function::Number => (&[Textual], 1, false, "number(text) -> number"),
                Function::Replace => (
                    &[Textual, Textual, Textual],
                    3,
                    false,
                    "replace(text, find, replacement) -> text",
                ),
                Function::Round => (
                    &[Number, Number],
                    1,
                    false,
                    "round(number[, digits]) -> number",
                ),
                Function::Split => (
                    &[Textual, Textual, Number],
                    3,
                    false,
                    "split(text, separator, index) -> text",
                ),
                Function::Text => (&[Any], 1, false, "text(value) -> text"),
                Function::Trim => (&[Textual], 1, false, "trim(text) -> text"),
                Function::Truncate => (
                    &[Textual, Number],
                    2,
                    false,
                    "truncate(text, length) -> text",
                ),
                Function::Upper => (&[Textual], 1, false, "upper(text) -> text"),
            };
        Signature {
            params,
            min,
            variadic,
            text,
        }
    }

    /// Whether `count` arguments fit the signature.
    pub fn accepts_count(self, count: usize) -> bool {
        let signature = self.signature();
        count >= signature.min && (signature.variadic || count <= signature.params.len())
    }

    /// The result type given the argument types. `literal_count` is the value of a literal
    /// count argument (`left(x, 40)`, `truncate(x, 40)`), if any; `table_max` the longest
    /// value of the looked-up table.
    pub fn result(self, args: &[Ty], literal_count: Option<u32>, table_max: Option<u32>) -> Ty {
        let first = args.first().copied().unwrap_or(Ty::UNKNOWN);
        let same_length = |kind| Ty {
            kind,
            max_length: first.max_length,
        };
        match self {
            Function::Lower | Function::Upper | Function::Trim | Function::Domain => {
                same_length(ValueKind::Text)
            }
            Function::Number | Function::Round => Ty::of(ValueKind::Number),
            Function::Text => match first.kind {
                ValueKind::Number => Ty::text(Some(40)),
                ValueKind::Bool => Ty::text(Some(5)),
                ValueKind::Date => Ty::text(Some(10)),
                ValueKind::Datetime => Ty::text(Some(29)),
                ValueKind::Time => Ty::text(Some(18)),
                _ => Ty::text(first.max_length),
            },
            Function::Date => Ty::of(ValueKind::Date),
            Function::Datetime => Ty::of(ValueKind::Datetime),
            Function::FormatDate | Function::FormatDatetime => Ty::text(None),
            Function::Concat => Ty::text(sum_lengths(args)),
            Function::Left | Function::Truncate => {
                Ty::text(match (literal_count, first.max_length) {
                    (Some(count), Some(max)) => Some(count.min(max)),
                    (Some(count), None) => Some(count),
                    (None, max) => max,
                })
            }
            Function::Replace => Ty::text(None),
            Function::Split => Ty {
                kind: if first.kind == ValueKind::Multipicklist {
                    ValueKind::Picklist
                } else {
                    ValueKind::Text
                },
                max_length: first.max_length,
            },
            Function::Lookup => Ty::text(table_max),
        }
    }
}

/// The length of values joined together, unbounded if any part is.
pub fn sum_lengths(args: &[Ty]) -> Option<u32> {
    args.iter().try_fold(0u32, |total, ty| {
        let length = match ty.kind {
            ValueKind::Number => Some(40),
            ValueKind::Bool => Some(5),
            ValueKind::Date => Some(10),
            ValueKind::Datetime => Some(29),
            _ => ty.max_length,
        }?;
        Some(total.saturating_add(length))
    })
}
