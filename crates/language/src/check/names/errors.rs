//! Name-level errors: duplicate and undefined names and misuse that needs no CRM schema.
//! Each variant holds the names involved (and candidates for did-you-mean), not prose.

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

fn did_you_mean(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(name) => format!("did you mean `{name}`?"),
        None => String::new(),
    }
}

/// "did you mean `x`? the value maps defined are `a`, `x`" (or without the first part), or,
/// when none are defined, how to declare the one named.
fn defined_names(name: &str, suggestion: &Option<String>, kind: &str, known: &[String]) -> String {
    let listing = if known.is_empty() {
        let declaration = match kind {
            "value map" => format!("map {name} {{ \"a\" <=> \"b\" }}"),
            "table" => format!("table {name} from \"{name}.csv\""),
            _ => format!("sync {name}: hs.<object> <-> sf.<Object> {{ ... }}"),
        };
        format!("this spec defines no {kind}s; declare it with `{declaration}`")
    } else {
        let list: Vec<String> = known.iter().map(|name| format!("`{name}`")).collect();
        format!("the {kind}s defined are {}", list.join(", "))
    };
    match suggestion {
        Some(_) => format!("{} {listing}", did_you_mean(suggestion)),
        None => listing,
    }
}

fn map_help(name: &str, suggestion: &Option<String>, known: &[String], is_table: bool) -> String {
    if is_table {
        format!("`{name}` is a lookup table; read it with `transform lookup({name}, <key>)`")
    } else {
        defined_names(name, suggestion, "value map", known)
    }
}

#[derive(Debug, Error, Diagnostic)]
pub enum NamesError {
    #[error("the {kind} `{name}` is defined more than once")]
    #[diagnostic(
        code(tandem::names::duplicate_name),
        help("{}", if *same_file { "rename or remove one of them" } else { "the first definition is in another file of this spec; rename or remove one of them" })
    )]
    DuplicateName {
        kind: &'static str,
        name: String,
        same_file: bool,
        #[label("defined again here")]
        span: SourceSpan,
        #[label("first defined here")]
        first: Option<SourceSpan>,
    },

    #[error("unknown connection `{name}`")]
    #[diagnostic(
        code(tandem::names::undefined_connection),
        help("{}{}declare it with `connection {name}: hubspot` or `connection {name}: salesforce`", did_you_mean(suggestion), if suggestion.is_some() { " Otherwise " } else { "" })
    )]
    UndefinedConnection {
        name: String,
        suggestion: Option<String>,
        #[label("no `connection {name}` in this spec")]
        span: SourceSpan,
    },

    #[error("unknown value map `{name}`")]
    #[diagnostic(
        code(tandem::names::undefined_map),
        help("{}", map_help(name, suggestion, known, *is_table))
    )]
    UndefinedMap {
        name: String,
        suggestion: Option<String>,
        known: Vec<String>,
        /// The name is a lookup table's, used where a value map belongs.
        is_table: bool,
        #[label("no `map {name}` in this spec")]
        span: SourceSpan,
    },

    #[error("unknown lookup table `{name}`")]
    #[diagnostic(
        code(tandem::names::undefined_table),
        help("{}", defined_names(name, suggestion, "table", known))
    )]
    UndefinedTable {
        name: String,
        suggestion: Option<String>,
        known: Vec<String>,
        #[label("no `table {name}` in this spec")]
        span: SourceSpan,
    },

    #[error("unknown sync `{name}`")]
    #[diagnostic(
        code(tandem::names::undefined_sync),
        help("{}", defined_names(name, suggestion, "sync", known))
    )]
    UndefinedSync {
        name: String,
        suggestion: Option<String>,
        known: Vec<String>,
        #[label("no `sync {name}` in this spec")]
        span: SourceSpan,
    },

    #[error("the value map `{map}` is one-way, but this mapping goes both ways")]
    #[diagnostic(
        code(tandem::names::one_way_map_on_two_way_mapping),
        help(
            "write every pair of the map with `<=>` so it can be read backwards, or make the mapping one-way with `->` or `<-`"
        )
    )]
    OneWayMapOnTwoWayMapping {
        map: String,
        #[label("used on a `<->` mapping")]
        span: SourceSpan,
        #[label("this pair only goes one way")]
        one_way_pair: Option<SourceSpan>,
    },

    #[error("the value map `{map}` is declared `<->`, but this pair only goes one way")]
    #[diagnostic(
        code(tandem::names::map_direction_mismatch),
        help("write the pair with `<=>`, or declare the map with `->`")
    )]
    MapDirectionMismatch {
        map: String,
        #[label("`=>` in a two-way map")]
        span: SourceSpan,
    },

    #[error("the value `{key}` is mapped more than once")]
    #[diagnostic(
        code(tandem::names::duplicate_map_key),
        help("a value map gives one answer per value; remove one of the arms")
    )]
    DuplicateMapKey {
        key: String,
        #[label("mapped again here")]
        span: SourceSpan,
        #[label("first mapped here")]
        first: SourceSpan,
    },

    #[error("two values map back to `{value}`, so this two-way map cannot be read backwards")]
    #[diagnostic(
        code(tandem::names::map_not_one_to_one),
        help(
            "`<=>` pairs must be one-to-one; write the extra pair with `=>` (and make the map one-way), or map it to a different value"
        )
    )]
    MapNotOneToOne {
        value: String,
        #[label("`{value}` again")]
        span: SourceSpan,
        #[label("first here")]
        first: SourceSpan,
    },

    #[error("this two-way mapping has a `transform` but no `reverse`")]
    #[diagnostic(
        code(tandem::names::transform_without_reverse),
        help(
            "add `reverse <expression>` computing the left field from the right side, or make the mapping one-way"
        )
    )]
    TransformWithoutReverse {
        #[label("transform here")]
        span: SourceSpan,
    },

    #[error("`{modifier}` never runs on a `{arrow}` mapping")]
    #[diagnostic(
        code(tandem::names::modifier_against_direction),
        help(
            "`transform` computes the value written left to right (`->`), `reverse` the value written right to left (`<-`); for a one-way mapping, write the computation as its source side"
        )
    )]
    ModifierAgainstDirection {
        modifier: &'static str,
        arrow: &'static str,
        #[label("no data flows this way")]
        span: SourceSpan,
    },

    #[error("`{modifier}` is given more than once on this mapping")]
    #[diagnostic(code(tandem::names::duplicate_modifier), help("keep one"))]
    DuplicateModifier {
        modifier: &'static str,
        #[label("again here")]
        span: SourceSpan,
        #[label("first here")]
        first: SourceSpan,
    },

    #[error("`{setting}` is set more than once in the sync `{sync}`")]
    #[diagnostic(code(tandem::names::duplicate_setting), help("keep one"))]
    DuplicateSetting {
        setting: &'static str,
        sync: String,
        #[label("again here")]
        span: SourceSpan,
        #[label("first here")]
        first: SourceSpan,
    },

    #[error("`{side}` is not one of the sync's sides (`{left}` and `{right}`)")]
    #[diagnostic(
        code(tandem::names::side_not_in_sync),
        help("{}name a side by its connection: `{left}` or `{right}`", suggestion.as_ref().map(|name| format!("did you mean `{name}`? ")).unwrap_or_default())
    )]
    SideNotInSync {
        side: String,
        left: String,
        right: String,
        /// The side's connection when the system was written instead (`salesforce` for `sf`).
        suggestion: Option<String>,
        #[label("not a side of this sync")]
        span: SourceSpan,
    },

    #[error("the sync `{sync}` pairs two {system} objects")]
    #[diagnostic(
        code(tandem::names::sync_needs_both_systems),
        help(
            "a sync pairs a HubSpot object with a Salesforce object, for example `hs.contacts <-> sf.Lead`"
        )
    )]
    SyncNeedsBothSystems {
        sync: String,
        system: &'static str,
        #[label("both sides are {system}")]
        span: SourceSpan,
    },

    #[error(
        "this side of the mapping must be a `{expected}` field, because `{expected}` is on the {side} of the sync"
    )]
    #[diagnostic(
        code(tandem::names::mapping_side_mismatch),
        help(
            "write mappings in the sync's order: the `{left}` field on the left, the `{right}` field on the right"
        )
    )]
    MappingSideMismatch {
        expected: String,
        side: &'static str,
        left: String,
        right: String,
        #[label("a `{expected}` field belongs here")]
        span: SourceSpan,
    },

    #[error("unknown function `{name}`")]
    #[diagnostic(code(tandem::names::unknown_function), help("{}the functions are {}", suggestion.as_ref().map(|name| format!("did you mean `{name}`? ")).unwrap_or_default(), known.join(", ")))]
    UnknownFunction {
        name: String,
        suggestion: Option<String>,
        known: Vec<&'static str>,
        #[label("not a tandem function")]
        span: SourceSpan,
    },

    #[error("`{name}` takes {expected}, but is given {given}")]
    #[diagnostic(
        code(tandem::names::wrong_argument_count),
        help("it is called as `{usage}`")
    )]
    WrongArgumentCount {
        name: String,
        expected: String,
        given: usize,
        usage: &'static str,
        #[label("{given} argument(s) here")]
        span: SourceSpan,
    },

    #[error("the first argument of `lookup` must be the name of a table")]
    #[diagnostic(
        code(tandem::names::lookup_needs_table),
        help("declare `table NAME from \"file.csv\"` and call `lookup(NAME, key)`")
    )]
    LookupNeedsTable {
        #[label("not a table name")]
        span: SourceSpan,
    },

    #[error("`{name}` is not a value here")]
    #[diagnostic(
        code(tandem::names::bare_name_as_value),
        help(
            "fields start with their connection, like `hs.{name}` or `sf.{name}`; a string needs quotes, like `\"{name}\"`"
        )
    )]
    BareNameAsValue {
        name: String,
        #[label("a bare name")]
        span: SourceSpan,
    },

    #[error("unknown notification channel `{name}`")]
    #[diagnostic(
        code(tandem::names::unknown_notify_channel),
        help("the channels are `slack` and `email`")
    )]
    UnknownNotifyChannel {
        name: String,
        #[label("not a channel")]
        span: SourceSpan,
    },
}
