//! Every diagnostic the checker can report. Variants hold raw data (names, candidates, the
//! values involved); messages are rendered from it. Each code is permanent and registered in
//! `src/diagnostics/registry.rs`.

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

/// One checker diagnostic. Errors unless the variant says `severity(Warning)`.
#[derive(Debug, Error, Diagnostic)]
pub enum CheckError {
    // ---------------------------------------------------------------- 1. names
    #[error("there is no {system} schema snapshot for connection `{connection}`")]
    #[diagnostic(code(tandem::check::missing_schema), help("{}", origin.help(file)))]
    MissingSchema {
        connection: String,
        system: &'static str,
        file: &'static str,
        origin: SchemaOrigin,
        #[label("{}", origin.where_looked(file))]
        span: SourceSpan,
    },

    #[error("the schema snapshots in {dir} cannot be used: {message}")]
    #[diagnostic(
        code(tandem::check::unreadable_schema),
        help(
            "re-create the snapshots with `tandem schema pull --schemas {dir}` (or fix the file by hand), or point `--schemas DIR` at the folder that holds them"
        )
    )]
    UnreadableSchema {
        dir: String,
        message: String,
        #[label("this connection needs a readable snapshot")]
        span: SourceSpan,
    },

    #[error("{system} has no object `{object}`")]
    #[diagnostic(code(tandem::check::unknown_object))]
    UnknownObject {
        system: &'static str,
        object: String,
        suggestion: Option<String>,
        #[label("unknown object")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("{system} object `{object}` has no field `{field}`")]
    #[diagnostic(code(tandem::check::unknown_field))]
    UnknownField {
        system: &'static str,
        object: String,
        field: String,
        suggestion: Option<String>,
        #[label("not a field of `{object}`")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("connection `{connection}` is not a side of sync `{sync}`")]
    #[diagnostic(
        code(tandem::check::connection_not_in_sync),
        help("inside sync `{sync}`, fields are written `{left}.<field>` or `{right}.<field>`")
    )]
    ConnectionNotInSync {
        connection: String,
        sync: String,
        left: String,
        right: String,
        #[label("not `{left}` or `{right}`")]
        span: SourceSpan,
    },

    #[error("`{path}` reads a field of a related {object} record, which a sync cannot do yet")]
    #[diagnostic(code(tandem::check::related_path))]
    RelatedPath {
        /// The path as written (`sf.Account.Name`).
        path: String,
        /// The object the last relationship leads to.
        object: String,
        #[label("a field of {object}, not of the synced record")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("unknown selector `({selector})`")]
    #[diagnostic(code(tandem::check::unknown_selector))]
    UnknownSelector {
        selector: String,
        #[label("expected `associated`")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error(
        "`{path}` names the {object} associated with each record, but this mapping has no `through`"
    )]
    #[diagnostic(code(tandem::check::association_without_through))]
    AssociationWithoutThrough {
        /// The association as written (`hs.companies(associated)`).
        path: String,
        /// The associated object (`companies`).
        object: String,
        #[label("an association, not a field")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    // ---------------------------------------------------------------- 2. types
    #[error("{context} expects {expected}, but this is {found}")]
    #[diagnostic(code(tandem::check::operand_type_mismatch))]
    OperandTypeMismatch {
        context: String,
        expected: String,
        found: String,
        #[label("{found}")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("cannot write {found} into {target} ({target_type})")]
    #[diagnostic(code(tandem::check::type_mismatch))]
    TypeMismatch {
        found: String,
        target: String,
        target_type: String,
        #[label("this is {found}")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("a datetime cannot be written into date field {target} without a conversion")]
    #[diagnostic(
        code(tandem::check::datetime_into_date),
        help(
            "convert it explicitly: `transform date(...)` keeps the UTC calendar day; the reverse direction (date into datetime) needs no conversion"
        )
    )]
    DatetimeIntoDate {
        target: String,
        #[label("this is a datetime")]
        span: SourceSpan,
    },

    #[error("a multi-select value cannot be written into single-select field {target}")]
    #[diagnostic(
        code(tandem::check::multipicklist_into_picklist),
        help(
            "say how to pick one value (`transform split(..., \";\", <index>)` picks one of the selected values), or map it to a multi-select or text field"
        )
    )]
    MultipicklistIntoPicklist {
        target: String,
        #[label("this can hold several values")]
        span: SourceSpan,
    },

    #[error("an `in [...]` list holds fixed values, but this is {found}")]
    #[diagnostic(code(tandem::check::in_list_not_literal))]
    InListNotLiteral {
        /// What the item is, as written (`the field `sf.Site``, `a call to `lower``).
        found: String,
        /// Whether it reads a field of the record (rather than only computing).
        reads_record: bool,
        #[label("{}", not_fixed_label(*reads_record))]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error(
        "`default` is the fixed value written into {targets} when the mapped value is blank, but this is {found}"
    )]
    #[diagnostic(code(tandem::check::default_not_literal))]
    DefaultNotLiteral {
        /// The fields the mapping writes (both, for a two-way mapping).
        targets: String,
        /// What the default is, as written (`the field `sf.Site``, `a call to `upper``).
        found: String,
        /// Whether it reads a field of the record (rather than only computing).
        reads_record: bool,
        #[label("{}", not_fixed_label(*reads_record))]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    // ---------------------------------------------------------------- 3. writability
    #[error("{target} is {reason}: {system} rejects writes to it")]
    #[diagnostic(code(tandem::check::read_only_target))]
    ReadOnlyTarget {
        target: String,
        system: &'static str,
        reason: &'static str,
        #[label("written here")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("{target} can only be set when a record is created, and {writer}")]
    #[diagnostic(code(tandem::check::create_only_without_create))]
    CreateOnlyWithoutCreate {
        target: String,
        /// Why every write is an update: "sync `leads` never creates Lead records", "a
        /// `set` action only updates records".
        writer: String,
        system: &'static str,
        #[label("every write here is an update, which {system} rejects")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("{target} can be set when a record is created but never updated")]
    #[diagnostic(
        code(tandem::check::create_only_target),
        severity(Warning),
        help(
            "later changes will not reach {target}; make the mapping one-way from {system}, or accept that it is set once"
        )
    )]
    CreateOnlyTarget {
        target: String,
        system: &'static str,
        #[label("updates to this field will fail")]
        span: SourceSpan,
    },

    #[error("{system} does not allow creating {object} records")]
    #[diagnostic(
        code(tandem::check::object_not_createable),
        help("remove `{connection}` from `create in`; records can still be matched and updated")
    )]
    ObjectNotCreateable {
        system: &'static str,
        object: String,
        connection: String,
        #[label("`{object}` is not createable")]
        span: SourceSpan,
    },

    // ---------------------------------------------------------------- 4. required
    #[error("creating {object} records needs {field}, but {}", written_elsewhere.phrase())]
    #[diagnostic(code(tandem::check::required_field_unmapped))]
    RequiredFieldUnmapped {
        system: &'static str,
        object: String,
        field: String,
        connection: String,
        /// What else writes the field, when something does (so the message says why that
        /// does not count).
        written_elsewhere: WrittenElsewhere,
        #[label("creates {object} records in {system}")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    // ---------------------------------------------------------------- 5. picklists
    #[error("\"{value}\" is not a value of {field}")]
    #[diagnostic(code(tandem::check::unknown_picklist_value))]
    UnknownPicklistValue {
        value: String,
        field: String,
        suggestion: Option<String>,
        #[label("not an allowed value")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("\"{value}\" is an inactive value of {field}, a restricted picklist that rejects it")]
    #[diagnostic(
        code(tandem::check::inactive_picklist_value),
        help(
            "inactive values are kept on old records but cannot be set; map it to an active value"
        )
    )]
    InactivePicklistValue {
        value: String,
        field: String,
        #[label("inactive: every write of it fails")]
        span: SourceSpan,
    },

    #[error("\"{value}\" is not {} of {field}", if *inactive { "an active value" } else { "in the list" })]
    #[diagnostic(code(tandem::check::unlisted_open_picklist_value), severity(Warning))]
    UnlistedOpenPicklistValue {
        value: String,
        field: String,
        /// The value is listed, but inactive.
        inactive: bool,
        suggestion: Option<String>,
        #[label("{field} is not restricted, so Salesforce stores it anyway")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("\"{value}\" is a stage of {stage_pipeline}, but {writer}")]
    #[diagnostic(code(tandem::check::stage_not_in_pipeline))]
    StageNotInPipeline {
        value: String,
        /// The pipeline the stage belongs to, as `label (id)`.
        stage_pipeline: String,
        /// Who writes the pipeline, and which: "sync `deals` writes its records into
        /// pipeline Sales Pipeline (`default`)".
        writer: String,
        /// The pipelines written, as `label (id)` joined with "or".
        written: String,
        #[label("not a stage of {written}")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("{}", not_covered(*count, free, source_field, target, "restricted picklist"))]
    #[diagnostic(code(tandem::check::picklist_not_covered))]
    PicklistNotCovered {
        source_field: String,
        /// What the source holds when it is not a list: "free text", "numbers".
        free: &'static str,
        target: String,
        missing: Vec<String>,
        count: usize,
        #[label("{target} rejects values outside its list")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("{}", not_covered(*count, free, source_field, target, "picklist"))]
    #[diagnostic(code(tandem::check::open_picklist_not_covered), severity(Warning))]
    OpenPicklistNotCovered {
        source_field: String,
        free: &'static str,
        target: String,
        missing: Vec<String>,
        count: usize,
        #[label("these values will be stored outside the list")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("value map `{map}` declares {declared}, but is used for {used}")]
    #[diagnostic(
        code(tandem::check::map_header_mismatch),
        help("use a map declared for these fields, or an inline `via {{ ... }}`")
    )]
    MapHeaderMismatch {
        map: String,
        declared: String,
        used: String,
        #[label("declared for other fields")]
        span: SourceSpan,
    },

    // ---------------------------------------------------------------- 6. two-way
    #[error("value map {map} cannot be read in this direction")]
    #[diagnostic(code(tandem::check::map_not_invertible))]
    MapNotInvertible {
        map: String,
        reason: String,
        #[label("{reason}")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("two-way mapping {left} <-> {right} has no conflict rule")]
    #[diagnostic(
        code(tandem::check::missing_conflict_rule),
        help(
            "add `conflict newest` (or `prefer {left_side}` / `prefer {right_side}`) to sync `{sync}`, or a rule on this line; without one, both sides overwrite each other"
        )
    )]
    MissingConflictRule {
        left: String,
        right: String,
        left_side: String,
        right_side: String,
        sync: String,
        #[label("who wins when both sides change?")]
        span: SourceSpan,
    },

    #[error("mapping {direction} goes against sync `{sync}`, which only flows {sync_direction}")]
    #[diagnostic(
        code(tandem::check::mapping_against_sync_direction),
        help("change the sync to `<->`, or the mapping to `{sync_direction}`")
    )]
    MappingAgainstSyncDirection {
        direction: &'static str,
        sync: String,
        sync_direction: &'static str,
        #[label("data cannot flow this way in `{sync}`")]
        span: SourceSpan,
    },

    // ---------------------------------------------------------------- 7. one writer
    #[error("{target} is written by two mappings")]
    #[diagnostic(code(tandem::check::duplicate_writer))]
    DuplicateWriter {
        target: String,
        first: String,
        #[label("second writer")]
        span: SourceSpan,
        #[label("first writer")]
        first_span: Option<SourceSpan>,
        #[help]
        help: Option<String>,
    },

    // ---------------------------------------------------------------- 8. match keys
    #[error("match key compares {left_type} with {right_type}")]
    #[diagnostic(
        code(tandem::check::match_key_type_mismatch),
        help(
            "convert one side so both are the same kind of value (`text(...)`, `number(...)`, `lower(...)`)"
        )
    )]
    MatchKeyTypeMismatch {
        left_type: String,
        right_type: String,
        #[label("{left_type}")]
        left_span: SourceSpan,
        #[label("{right_type}")]
        right_span: SourceSpan,
    },

    #[error("match key {field} is not unique, an external id or an idLookup field")]
    #[diagnostic(
        code(tandem::check::match_key_not_unique),
        severity(Warning),
        help(
            "several {object} records may share a value (ambiguous links) and the lookup cannot use an index (slow, costly); prefer an external id field such as {example}"
        )
    )]
    MatchKeyNotUnique {
        field: String,
        object: String,
        example: String,
        #[label("may match several records")]
        span: SourceSpan,
    },

    #[error("{source_desc} holds {from_system} ids, but {target} holds {to_system} {to_kind} ids")]
    #[diagnostic(code(tandem::check::owner_id_across_systems))]
    OwnerIdAcrossSystems {
        source_desc: String,
        from_system: &'static str,
        target: String,
        to_system: &'static str,
        /// `owner` or `user`.
        to_kind: &'static str,
        #[label("a {from_system} id, never a valid {to_system} one")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("{target} holds a Salesforce record id, but this is {found}")]
    #[diagnostic(code(tandem::check::not_a_record_id))]
    NotARecordId {
        target: String,
        /// What the value is (`text from hs.contacts.company`, `a HubSpot record id`).
        found: String,
        #[label("not a Salesforce id of a {references} record")]
        span: SourceSpan,
        references: String,
        #[help]
        help: Option<String>,
    },

    #[error("\"{value}\" is not an email address, and {target} takes only addresses")]
    #[diagnostic(code(tandem::check::not_an_email_address))]
    NotAnEmailAddress {
        value: String,
        target: String,
        #[label("{system} rejects this value on every record")]
        span: SourceSpan,
        system: &'static str,
        #[help]
        help: Option<String>,
    },

    #[error("the key \"{key}\" can never match {source_field}, which holds {source_kind}")]
    #[diagnostic(code(tandem::check::map_key_never_matches))]
    MapKeyNeverMatches {
        key: String,
        source_field: String,
        /// `true or false`, `a number`, `a date`.
        source_kind: &'static str,
        #[label("never equal to a value of {source_field}")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    // ---------------------------------------------------------------- 9. length
    #[error("{what} is {}{length} characters, longer than {target} ({target_length}): {system} rejects it", if *at_least { "at least " } else { "" })]
    #[diagnostic(code(tandem::check::value_too_long))]
    ValueTooLong {
        /// `"Unknown …"` for a fixed value, `this value` for a computed one.
        what: String,
        length: u32,
        /// The value is computed: `length` is its shortest possible length.
        at_least: bool,
        target: String,
        target_length: u32,
        system: &'static str,
        #[label("{}", too_long_label(*at_least, *length))]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("{source_desc} can be longer than {target} ({target_length} characters)")]
    #[diagnostic(code(tandem::check::may_exceed_length), severity(Warning))]
    MayExceedLength {
        source_desc: String,
        source_length: Option<u32>,
        target: String,
        target_length: u32,
        #[label("{}", length_label(*source_length))]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    // ---------------------------------------------------------------- 10. filters, links, unused
    #[error("{context} must be a condition (true or false), but this is {found}")]
    #[diagnostic(
        code(tandem::check::filter_not_boolean),
        help("compare it: `... = \"value\"`, `... in [...]`, `... is not blank`")
    )]
    FilterNotBoolean {
        context: &'static str,
        found: String,
        #[label("{found}, not a condition")]
        span: SourceSpan,
    },

    #[error("`through {through}` cannot link {left} and {right}")]
    #[diagnostic(code(tandem::check::bad_association))]
    BadAssociation {
        through: String,
        left: String,
        right: String,
        reason: String,
        #[label("{reason}")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("value map `{map}` is never used")]
    #[diagnostic(
        code(tandem::check::unused_map),
        severity(Warning),
        help("use it with `via {map}` on a mapping, or delete it")
    )]
    UnusedMap {
        map: String,
        #[label("defined here, used nowhere")]
        span: SourceSpan,
    },

    #[error("table `{table}` is never used")]
    #[diagnostic(
        code(tandem::check::unused_table),
        severity(Warning),
        help("use it in a mapping with `transform lookup({table}, <key>)`, or delete it")
    )]
    UnusedTable {
        table: String,
        #[label("defined here, used nowhere")]
        span: SourceSpan,
    },

    // ---------------------------------------------------------------- 11. Lead vs Contact
    #[error(
        "HubSpot contacts could be created as both Salesforce Leads (sync `{lead_sync}`) and Contacts (sync `{contact_sync}`)"
    )]
    #[diagnostic(
        code(tandem::check::lead_contact_ambiguous),
        help(
            "say which: let only one of the two syncs `create in {sf}`, or give both `only` filters on the same property with disjoint values (e.g. `only hs.lifecyclestage in [...]`)"
        )
    )]
    LeadContactAmbiguous {
        lead_sync: String,
        contact_sync: String,
        sf: String,
        #[label("creates Salesforce records here")]
        span: SourceSpan,
        #[label("and here")]
        other_span: Option<SourceSpan>,
    },
}

fn not_covered(count: usize, free: &str, source: &str, target: &str, kind: &str) -> String {
    if count == 0 {
        let verb = if free == "free text" { "is" } else { "are" };
        format!("{free} from {source} {verb} written into {kind} {target} without a translation")
    } else {
        format!("{count} value(s) of {source} have no match in {kind} {target}")
    }
}

fn too_long_label(at_least: bool, length: u32) -> String {
    if at_least {
        format!("never shorter than {length} characters")
    } else {
        format!("{length} characters")
    }
}

/// What writes a required field besides a mapping into it, for `required_field_unmapped`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WrittenElsewhere {
    Nothing,
    /// A mapping of the sync carries the field the other way (`hs.lastname <- sf.LastName`
    /// in a sync that creates in `sf`): the name of that mapping's other side.
    OtherWay {
        mapping: String,
    },
    /// Only a triggered action sets it (on an event, not when the sync creates).
    Trigger,
}

impl WrittenElsewhere {
    fn phrase(&self) -> String {
        match self {
            WrittenElsewhere::Nothing => "no mapping writes it".to_string(),
            WrittenElsewhere::OtherWay { mapping } => format!(
                "the only mapping of it ({mapping}) carries it the other way, out of these records"
            ),
            WrittenElsewhere::Trigger => {
                "only a triggered action sets it, and not when this sync creates records"
                    .to_string()
            }
        }
    }
}

fn not_fixed_label(reads_record: bool) -> &'static str {
    if reads_record {
        "read from each record, not a fixed value"
    } else {
        "computed, not a fixed value"
    }
}

fn length_label(source_length: Option<u32>) -> String {
    match source_length {
        Some(length) => format!("up to {length} characters"),
        None => "no length limit".to_string(),
    }
}

/// `did you mean `x`?` when there is a close candidate.
pub(crate) fn did_you_mean(suggestion: &Option<String>) -> Option<String> {
    suggestion
        .as_ref()
        .map(|candidate| format!("did you mean `{candidate}`?"))
}

/// Where the schema snapshots were looked for, so `missing_schema` can say where the file
/// should be. Paths are as the user would type them (relative to the working directory).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SchemaOrigin {
    /// The snapshots folder that was read (found beside or above the spec, or `--schemas`).
    Folder(String),
    /// No `schemas/` folder in the spec's folder (this one) or any folder above it.
    NoFolderAbove(String),
    /// The caller passed schemas as values; there is no folder to name.
    #[default]
    Unknown,
}

impl SchemaOrigin {
    fn where_looked(&self, file: &str) -> String {
        match self {
            SchemaOrigin::Folder(dir) => format!("no {file} in {dir}/"),
            SchemaOrigin::NoFolderAbove(root) if root == "." => {
                "no `schemas/` folder here or in any folder above".to_string()
            }
            SchemaOrigin::NoFolderAbove(root) => {
                format!("no `schemas/` folder in {root} or any folder above it")
            }
            SchemaOrigin::Unknown => format!("no {file} for this system"),
        }
    }

    fn help(&self, file: &str) -> String {
        match self {
            SchemaOrigin::Folder(dir) => format!(
                "run `tandem schema pull --schemas {dir}` to write {file} there, or pass \
                 `--schemas DIR` to read the snapshots from another folder"
            ),
            SchemaOrigin::NoFolderAbove(root) => {
                let dir = if root == "." {
                    "schemas".to_string()
                } else {
                    format!("{root}/schemas")
                };
                format!(
                    "run `tandem schema pull --schemas {dir}` to write the snapshots beside the \
                     spec, or pass `--schemas DIR` if they are kept elsewhere"
                )
            }
            SchemaOrigin::Unknown => format!(
                "add {file} to the schemas folder (`tandem schema pull` writes it), or pass \
                 `--schemas DIR`"
            ),
        }
    }
}
