//! The checker's type system: the kind of value every expression produces, and whether a
//! value of one kind may be written into a field of a given schema type.

use serde::Serialize;

use tandem_ground::schema::{FieldSchema, FieldType};

/// The kind of value an expression produces. Field types collapse onto these: every text
/// type is `Text`, every numeric type is `Number`, references and ids are `Id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum ValueKind {
    Text,
    Number,
    Bool,
    Date,
    Datetime,
    Time,
    /// One value out of a list (Salesforce picklist, HubSpot enumeration).
    Picklist,
    /// Several values out of a list, `;`-joined on the wire.
    Multipicklist,
    /// A record id (Salesforce `Id` and reference fields).
    Id,
    /// A lookup table name, only valid as `lookup`'s first argument.
    Table,
    /// The type of an expression that already produced a diagnostic; compatible with
    /// everything so one mistake is reported once.
    Unknown,
}

impl ValueKind {
    pub fn of_field_type(field_type: FieldType) -> ValueKind {
        match field_type {
            FieldType::String
            | FieldType::Textarea
            | FieldType::Email
            | FieldType::Phone
            | FieldType::Url => ValueKind::Text,
            FieldType::Int | FieldType::Double | FieldType::Currency | FieldType::Percent => {
                ValueKind::Number
            }
            FieldType::Bool => ValueKind::Bool,
            FieldType::Date => ValueKind::Date,
            FieldType::Datetime => ValueKind::Datetime,
            FieldType::Time => ValueKind::Time,
            FieldType::Picklist => ValueKind::Picklist,
            FieldType::Multipicklist => ValueKind::Multipicklist,
            FieldType::Reference | FieldType::Id => ValueKind::Id,
        }
    }

    /// Values that are text on the wire and compare as text.
    pub fn is_textual(self) -> bool {
        matches!(
            self,
            ValueKind::Text | ValueKind::Picklist | ValueKind::Id | ValueKind::Unknown
        )
    }

    pub fn is_temporal(self) -> bool {
        matches!(self, ValueKind::Date | ValueKind::Datetime)
    }

    /// The phrase used in messages (`text`, `a number`...).
    pub fn describe(self) -> &'static str {
        match self {
            ValueKind::Text => "text",
            ValueKind::Number => "a number",
            ValueKind::Bool => "a true/false value",
            ValueKind::Date => "a date",
            ValueKind::Datetime => "a datetime",
            ValueKind::Time => "a time of day",
            ValueKind::Picklist => "a picklist value",
            ValueKind::Multipicklist => "a multi-select value",
            ValueKind::Id => "a record id",
            ValueKind::Table => "a lookup table",
            ValueKind::Unknown => "an unknown value",
        }
    }
}

/// The static type of an expression: its kind, and for text the most characters it can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Ty {
    pub kind: ValueKind,
    /// For text-like values: the maximum length in characters, `None` when unbounded or
    /// unknown (HubSpot text properties publish no limit; values may be up to 65,536).
    pub max_length: Option<u32>,
}

impl Ty {
    pub const UNKNOWN: Ty = Ty {
        kind: ValueKind::Unknown,
        max_length: None,
    };

    pub fn of(kind: ValueKind) -> Ty {
        Ty {
            kind,
            max_length: None,
        }
    }

    pub fn text(max_length: Option<u32>) -> Ty {
        Ty {
            kind: ValueKind::Text,
            max_length,
        }
    }

    pub fn is_unknown(self) -> bool {
        self.kind == ValueKind::Unknown
    }

    /// The type of a field's value.
    pub fn of_field(field: &FieldSchema) -> Ty {
        let kind = ValueKind::of_field_type(field.field_type);
        let max_length = match kind {
            ValueKind::Text => field.length,
            // Record ids are short even when the schema gives no length: Salesforce ids are
            // 18 characters, HubSpot ids 64-bit numbers (at most 19 digits).
            ValueKind::Id => field.length.or(Some(19)),
            ValueKind::Picklist | ValueKind::Multipicklist => field
                .picklist
                .as_ref()
                .filter(|picklist| !picklist.values.is_empty())
                .map(|picklist| {
                    let longest = picklist
                        .values
                        .iter()
                        .map(|value| value.value.chars().count() as u32)
                        .max()
                        .unwrap_or(0);
                    if kind == ValueKind::Multipicklist {
                        // Every value, `;`-joined.
                        picklist
                            .values
                            .iter()
                            .map(|value| value.value.chars().count() as u32 + 1)
                            .sum::<u32>()
                            .max(longest)
                    } else {
                        longest
                    }
                })
                .or(field.length),
            _ => None,
        };
        Ty { kind, max_length }
    }
}

/// Why a value cannot be written into a field as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Incompatibility {
    /// A datetime into a date field: needs `date(...)`.
    DatetimeIntoDate,
    /// Several values into a single-select field: needs a rule such as `split(...)`.
    MultipicklistIntoPicklist,
    /// Any other mismatch; the help names the conversion when one exists.
    Mismatch { conversion: Option<&'static str> },
}

/// Whether a value of type `source` may be written into `target` without a conversion.
/// Widening is allowed (date into datetime, number into text, a picklist value into text);
/// narrowing and parsing need an explicit function.
pub fn assignable(source: Ty, target: &FieldSchema) -> Result<(), Incompatibility> {
    use ValueKind as K;
    let target_kind = ValueKind::of_field_type(target.field_type);
    let ok = match (source.kind, target_kind) {
        (K::Unknown, _) => true,
        (K::Table, _) => false,
        (from, to) if from == to => true,
        // Anything renders as text.
        (K::Number | K::Bool | K::Date | K::Datetime | K::Time | K::Picklist | K::Id, K::Text) => {
            true
        }
        (K::Multipicklist, K::Text) => true,
        // Text into a list is checked value by value (picklist rules), not by type. Other
        // kinds need an explicit `text(...)`, even where an unrestricted picklist would store
        // their text: a number in a picklist is more often a mistake than a choice.
        (K::Text | K::Id, K::Picklist | K::Multipicklist) => true,
        (K::Picklist, K::Multipicklist) => true,
        // Record ids travel as text; `through` translates them between systems.
        (K::Text | K::Picklist, K::Id) => true,
        (K::Date, K::Datetime) => true,
        (K::Datetime, K::Date) => return Err(Incompatibility::DatetimeIntoDate),
        (K::Multipicklist, K::Picklist) => {
            return Err(Incompatibility::MultipicklistIntoPicklist);
        }
        _ => false,
    };
    if ok {
        return Ok(());
    }
    let conversion = match (source.kind, target_kind) {
        (K::Text | K::Picklist, K::Number) => Some("number(...)"),
        (K::Text | K::Picklist, K::Date) => Some("date(...)"),
        (K::Text | K::Picklist, K::Datetime) => Some("datetime(...)"),
        (K::Text | K::Picklist | K::Number, K::Bool) => {
            Some("a comparison such as `... = \"yes\"`")
        }
        (K::Multipicklist, _) => Some("text(...)"),
        (K::Bool, K::Number | K::Date | K::Datetime | K::Time | K::Picklist | K::Id) => {
            Some("`if ... then ... else ...` to choose a value")
        }
        (K::Number | K::Date | K::Datetime | K::Time | K::Id, K::Picklist | K::Multipicklist) => {
            Some("text(...) (the text must be one of the picklist's values)")
        }
        _ => None,
    };
    Err(Incompatibility::Mismatch { conversion })
}

/// A picklist that stores values outside its list (Salesforce unrestricted picklists).
pub fn is_open_picklist(field: &FieldSchema) -> bool {
    field
        .picklist
        .as_ref()
        .is_some_and(|picklist| !picklist.restricted)
}

/// Whether two values can be compared with `=` (match keys, filters).
pub fn comparable(left: Ty, right: Ty) -> bool {
    use ValueKind as K;
    match (left.kind, right.kind) {
        (K::Unknown, _) | (_, K::Unknown) => true,
        (a, b) if a.is_textual() && b.is_textual() => true,
        (K::Multipicklist, b) | (b, K::Multipicklist) => b.is_textual() || b == K::Multipicklist,
        (a, b) if a.is_temporal() && b.is_temporal() => true,
        (a, b) => a == b,
    }
}

/// A field's type as messages show it: `string(80)`, `currency(18,2)`, `picklist`.
pub fn describe_field_type(field: &FieldSchema) -> String {
    let name = field
        .native_type
        .as_deref()
        .filter(|native| *native == "combobox")
        .unwrap_or(field.field_type.name());
    match (field.length, field.precision, field.scale) {
        (Some(length), _, _) if field.is_text() => format!("{name}({length})"),
        (_, Some(precision), Some(scale)) => format!("{name}({precision},{scale})"),
        _ => name.to_string(),
    }
}
