//! The one place every diagnostic code is registered. Codes are permanent: never renamed,
//! never reused. A code tandem no longer emits stays listed as retired (with the code that
//! reports the same mistake now), so its name is never given to another meaning and
//! `tandem explain` still answers for it. `tests/integration/diagnostic_fixtures.rs` fails
//! when a live code here has no fixture (and so no snapshot of its rendered report), or a
//! fixture expects a code missing here or retired.

/// The stage a code belongs to (its second path segment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Syntax,
    Names,
    Check,
    Compile,
    Plan,
    Apply,
    State,
    Connectors,
    Sandbox,
    /// Reading a spec's files from disk (`project`).
    Project,
    /// The library driver: compile -> read -> plan -> apply, saved plans, the review queues.
    Session,
    /// The command line itself: arguments, output, and the commands outside the driver.
    Cli,
}

#[derive(Debug, Clone, Copy)]
pub struct RegisteredCode {
    pub code: &'static str,
    pub stage: Stage,
    /// One line on what the code means, for `tandem explain` and the docs.
    pub summary: &'static str,
    /// For a retired code: the code that reports the same mistake now. Never emitted.
    pub retired_for: Option<&'static str>,
}

impl RegisteredCode {
    pub fn is_retired(&self) -> bool {
        self.retired_for.is_some()
    }
}

const fn code(code: &'static str, stage: Stage, summary: &'static str) -> RegisteredCode {
    RegisteredCode {
        code,
        stage,
        summary,
        retired_for: None,
    }
}

/// A code no longer emitted; `summary` says where the mistake is reported now.
const fn retired(
    code: &'static str,
    stage: Stage,
    summary: &'static str,
    replaced_by: &'static str,
) -> RegisteredCode {
    RegisteredCode {
        code,
        stage,
        summary,
        retired_for: Some(replaced_by),
    }
}

/// Every code, grouped by stage. Append only.
pub const REGISTRY: &[RegisteredCode] = &[
    // syntax: text -> AST
    code(
        "tandem::syntax::expected_arrow",
        Stage::Syntax,
        "a mapping, sync or map header is missing its arrow `->`, `<-` or `<->`",
    ),
    code(
        "tandem::syntax::expected_item",
        Stage::Syntax,
        "something other than `connection`, `map`, `table`, `sync` or `on` at the top level",
    ),
    code(
        "tandem::syntax::expected_expression",
        Stage::Syntax,
        "a value (literal, field, call or combination) is missing",
    ),
    code(
        "tandem::syntax::unexpected_token",
        Stage::Syntax,
        "the text does not fit the grammar here; the message lists what would",
    ),
    code(
        "tandem::syntax::unterminated_string",
        Stage::Syntax,
        "a string literal reaches the end of its line without a closing quote",
    ),
    code(
        "tandem::syntax::unclosed_block",
        Stage::Syntax,
        "a `{` block is never closed before the end of the file",
    ),
    code(
        "tandem::syntax::invalid_escape",
        Stage::Syntax,
        "a backslash escape in a string is not one of \\\" \\\\ \\n \\t \\r \\{ \\}",
    ),
    code(
        "tandem::syntax::invalid_date",
        Stage::Syntax,
        "a date literal is not a real date (`@2024-01-31`) or date-time with offset",
    ),
    code(
        "tandem::syntax::number_too_large",
        Stage::Syntax,
        "a limit or truncate count does not fit in 64 bits",
    ),
    code(
        "tandem::syntax::unknown_system",
        Stage::Syntax,
        "a connection names a system other than `hubspot` or `salesforce`",
    ),
    code(
        "tandem::syntax::mapping_target_not_a_field",
        Stage::Syntax,
        "the side of a mapping that is written to is an expression, not a field",
    ),
    code(
        "tandem::syntax::nesting_too_deep",
        Stage::Syntax,
        "an expression is nested more deeply than tandem accepts",
    ),
    code(
        "tandem::syntax::call_paren_apart",
        Stage::Syntax,
        "a space separates a function name from its `(`, so it is not a call",
    ),
    code(
        "tandem::syntax::reserved_word",
        Stage::Syntax,
        "a keyword (`match`, `sync`, `on`...) is used where a name is expected",
    ),
    // names: duplicate and undefined names, schema-independent
    code(
        "tandem::names::duplicate_name",
        Stage::Names,
        "a connection, value map, table or sync name is defined twice",
    ),
    code(
        "tandem::names::undefined_connection",
        Stage::Names,
        "a field or object names a connection the spec does not declare",
    ),
    code(
        "tandem::names::undefined_map",
        Stage::Names,
        "`via NAME` names a value map the spec does not define",
    ),
    code(
        "tandem::names::undefined_table",
        Stage::Names,
        "`lookup(NAME, key)` names a table the spec does not define",
    ),
    code(
        "tandem::names::undefined_sync",
        Stage::Names,
        "`through NAME` names a sync the spec does not define",
    ),
    code(
        "tandem::names::one_way_map_on_two_way_mapping",
        Stage::Names,
        "a `<->` mapping goes via a map that has `=>` (one-way) pairs",
    ),
    code(
        "tandem::names::map_direction_mismatch",
        Stage::Names,
        "a map declared `<->` contains a one-way `=>` pair",
    ),
    code(
        "tandem::names::duplicate_map_key",
        Stage::Names,
        "a value map maps the same value (or `else`) twice",
    ),
    code(
        "tandem::names::map_not_one_to_one",
        Stage::Names,
        "two `<=>` pairs map back to the same value, so the map cannot be reversed",
    ),
    code(
        "tandem::names::transform_without_reverse",
        Stage::Names,
        "a two-way mapping has `transform` but no `reverse`",
    ),
    code(
        "tandem::names::modifier_against_direction",
        Stage::Names,
        "`transform` on a `<-` mapping or `reverse` on a `->` mapping never runs",
    ),
    code(
        "tandem::names::duplicate_modifier",
        Stage::Names,
        "a mapping repeats a modifier (two `via`, two `default`, ...)",
    ),
    code(
        "tandem::names::duplicate_setting",
        Stage::Names,
        "a sync repeats a setting (`conflict`, `on delete`, `create in`, a limit)",
    ),
    code(
        "tandem::names::side_not_in_sync",
        Stage::Names,
        "`create in` or `prefer` names a connection that is not a side of the sync",
    ),
    code(
        "tandem::names::sync_needs_both_systems",
        Stage::Names,
        "a sync pairs two objects of the same system",
    ),
    code(
        "tandem::names::mapping_side_mismatch",
        Stage::Names,
        "a mapping's written field is on the other system's side of the sync",
    ),
    code(
        "tandem::names::unknown_function",
        Stage::Names,
        "a call names a function outside tandem's library",
    ),
    code(
        "tandem::names::wrong_argument_count",
        Stage::Names,
        "a function is called with the wrong number of arguments",
    ),
    code(
        "tandem::names::lookup_needs_table",
        Stage::Names,
        "the first argument of `lookup` is not a table name",
    ),
    code(
        "tandem::names::bare_name_as_value",
        Stage::Names,
        "a bare name is used as a value (fields need their connection, strings quotes)",
    ),
    code(
        "tandem::names::unknown_notify_channel",
        Stage::Names,
        "`notify` names a channel other than `slack` or `email`",
    ),
    code(
        "tandem::names::table_unreadable",
        Stage::Names,
        "a lookup table's CSV file cannot be read",
    ),
    code(
        "tandem::names::table_malformed",
        Stage::Names,
        "a lookup table's CSV is not a header row plus key,value rows",
    ),
    code(
        "tandem::names::duplicate_table_key",
        Stage::Names,
        "a lookup table's CSV lists the same key twice",
    ),
    // check: names and types against the CRM schemas
    code(
        "tandem::check::missing_schema",
        Stage::Check,
        "a connection's system has no schema snapshot in the schemas folder",
    ),
    code(
        "tandem::check::unreadable_schema",
        Stage::Check,
        "a schema snapshot in the schemas folder does not parse or belongs to the wrong system",
    ),
    code(
        "tandem::check::unknown_object",
        Stage::Check,
        "an object is not in the system's schema snapshot",
    ),
    code(
        "tandem::check::unknown_field",
        Stage::Check,
        "a field (or Salesforce relationship) is not on the object",
    ),
    code(
        "tandem::check::connection_not_in_sync",
        Stage::Check,
        "a field inside a sync names a connection that is not one of the sync's sides",
    ),
    code(
        "tandem::check::unknown_selector",
        Stage::Check,
        "a path uses a selector other than `(associated)`, or one where none is allowed",
    ),
    code(
        "tandem::check::operand_type_mismatch",
        Stage::Check,
        "an operator or function gets a value of the wrong type",
    ),
    code(
        "tandem::check::type_mismatch",
        Stage::Check,
        "a mapping writes a value whose type the target field cannot hold without a conversion",
    ),
    code(
        "tandem::check::datetime_into_date",
        Stage::Check,
        "a datetime is written into a date field without `date(...)`",
    ),
    code(
        "tandem::check::multipicklist_into_picklist",
        Stage::Check,
        "a multi-select value is written into a single-select field without a rule",
    ),
    code(
        "tandem::check::read_only_target",
        Stage::Check,
        "a mapping or action writes a formula, read-only or non-writable field",
    ),
    code(
        "tandem::check::create_only_target",
        Stage::Check,
        "a field that can be set on create but never updated is kept in sync",
    ),
    code(
        "tandem::check::object_not_createable",
        Stage::Check,
        "records are created on an object the system does not allow creating",
    ),
    code(
        "tandem::check::required_field_unmapped",
        Stage::Check,
        "records are created without a field the system requires on create",
    ),
    code(
        "tandem::check::unknown_picklist_value",
        Stage::Check,
        "a value is not one of the picklist's (or pipeline's, or owners') values",
    ),
    code(
        "tandem::check::inactive_picklist_value",
        Stage::Check,
        "a value written is an inactive value of a restricted picklist, which rejects it",
    ),
    code(
        "tandem::check::picklist_not_covered",
        Stage::Check,
        "values of the source can reach a restricted picklist that rejects them",
    ),
    code(
        "tandem::check::open_picklist_not_covered",
        Stage::Check,
        "values of the source are not in an open (unrestricted) picklist's list",
    ),
    code(
        "tandem::check::map_header_mismatch",
        Stage::Check,
        "a value map declared for some fields is used for other fields",
    ),
    code(
        "tandem::check::map_not_invertible",
        Stage::Check,
        "a one-way value map is read against its declared direction",
    ),
    code(
        "tandem::check::missing_conflict_rule",
        Stage::Check,
        "a two-way mapping has no conflict rule, its own or its sync's",
    ),
    code(
        "tandem::check::mapping_against_sync_direction",
        Stage::Check,
        "a mapping moves data in a direction its sync does not allow",
    ),
    code(
        "tandem::check::duplicate_writer",
        Stage::Check,
        "two mappings (or a mapping and an action) write the same field",
    ),
    code(
        "tandem::check::match_key_type_mismatch",
        Stage::Check,
        "a match key compares values of incompatible types",
    ),
    code(
        "tandem::check::match_key_not_unique",
        Stage::Check,
        "a Salesforce match key is not unique, an external id or an idLookup field",
    ),
    code(
        "tandem::check::may_exceed_length",
        Stage::Check,
        "text that can be longer than the target field's length, without `truncate`",
    ),
    code(
        "tandem::check::filter_not_boolean",
        Stage::Check,
        "an `only` filter or a `when` condition is not a true/false condition",
    ),
    code(
        "tandem::check::bad_association",
        Stage::Check,
        "a `through` mapping does not link the objects its sync links",
    ),
    code(
        "tandem::check::unused_map",
        Stage::Check,
        "a value map is never used",
    ),
    code(
        "tandem::check::unused_table",
        Stage::Check,
        "a lookup table is never used",
    ),
    code(
        "tandem::check::lead_contact_ambiguous",
        Stage::Check,
        "HubSpot contacts could be created as both Salesforce Leads and Contacts",
    ),
    code(
        "tandem::check::in_list_not_literal",
        Stage::Check,
        "an `in [...]` list names a field or computation instead of literal values",
    ),
    code(
        "tandem::check::default_not_literal",
        Stage::Check,
        "a mapping's `default` is a field or computation instead of a literal value",
    ),
    code(
        "tandem::check::related_path",
        Stage::Check,
        "a sync mapping, match key or scope reads a field of a related record, which is not synced yet",
    ),
    code(
        "tandem::check::value_too_long",
        Stage::Check,
        "a value is always longer than the target field: a literal, `default`, map value or action value, or text whose fixed part alone is too long",
    ),
    code(
        "tandem::check::unlisted_open_picklist_value",
        Stage::Check,
        "a value written into an unrestricted picklist is not one of its active values (stored anyway)",
    ),
    code(
        "tandem::check::stage_not_in_pipeline",
        Stage::Check,
        "a deal stage id belongs to another pipeline than the one the sync or `create` writes",
    ),
    code(
        "tandem::check::owner_id_across_systems",
        Stage::Check,
        "Salesforce user ids are written into HubSpot's `hubspot_owner_id`, or HubSpot owner ids into a Salesforce user reference",
    ),
    code(
        "tandem::check::not_a_record_id",
        Stage::Check,
        "a value that is not a Salesforce record id (text, a HubSpot id) is written into a reference field",
    ),
    code(
        "tandem::check::map_key_never_matches",
        Stage::Check,
        "a value map key can never equal a value of its source (`\"yes\"` for a true/false field)",
    ),
    code(
        "tandem::check::create_only_without_create",
        Stage::Check,
        "a field that can only be set on create is written by a sync that never creates those records, or by `set`",
    ),
    code(
        "tandem::check::not_an_email_address",
        Stage::Check,
        "a fixed value written into a field that takes only e-mail addresses is not one",
    ),
    code(
        "tandem::check::association_without_through",
        Stage::Check,
        "a sync mapping names an association (`hs.companies(associated)`) without `through <sync>`",
    ),
    // compile: checked spec -> Program
    retired(
        "tandem::compile::related_path",
        Stage::Compile,
        "retired: `tandem validate` reports a sync reading a field of a related record as tandem::check::related_path",
        "tandem::check::related_path",
    ),
    code(
        "tandem::compile::internal",
        Stage::Compile,
        "the checked spec broke a promise of the checker: a bug in tandem, not in the spec",
    ),
    retired(
        "tandem::compile::in_list_not_literal",
        Stage::Compile,
        "retired: `tandem validate` reports an `in [...]` list naming a field or computation as tandem::check::in_list_not_literal",
        "tandem::check::in_list_not_literal",
    ),
    retired(
        "tandem::compile::default_not_literal",
        Stage::Compile,
        "retired: `tandem validate` reports a computed `default` as tandem::check::default_not_literal",
        "tandem::check::default_not_literal",
    ),
    // state: the state store (SQLite or PostgreSQL)
    code(
        "tandem::state::io",
        Stage::State,
        "the state store file or its folder could not be created or opened",
    ),
    code(
        "tandem::state::corrupt",
        Stage::State,
        "the state store is not a readable tandem store",
    ),
    code(
        "tandem::state::newer_schema",
        Stage::State,
        "the state store was written by a newer tandem; this build will not downgrade it",
    ),
    code(
        "tandem::state::locked",
        Stage::State,
        "another apply holds the state lock",
    ),
    code(
        "tandem::state::unknown_conflict",
        Stage::State,
        "no open conflict has that number",
    ),
    code(
        "tandem::state::lock_timeout",
        Stage::State,
        "another apply still held the state lock when `--lock-timeout` ran out",
    ),
    code(
        "tandem::state::invalid_location",
        Stage::State,
        "`--state` is neither a file path nor a valid `postgres://…?store=NAME` URL",
    ),
    code(
        "tandem::state::connect",
        Stage::State,
        "the PostgreSQL state server could not be reached or refused the login",
    ),
    code(
        "tandem::state::connection_lost",
        Stage::State,
        "the connection to the PostgreSQL state server was lost; its open transaction was rolled back",
    ),
    code(
        "tandem::state::postgres",
        Stage::State,
        "the PostgreSQL state server refused a statement (its SQLSTATE code names why)",
    ),
    code(
        "tandem::state::lease_lost",
        Stage::State,
        "this apply's PostgreSQL lease expired or was forced, so it stopped writing state",
    ),
    code(
        "tandem::state::no_such_lease",
        Stage::State,
        "force-unlock named a lease the store does not hold (a SQLite lock cannot be forced)",
    ),
    code(
        "tandem::state::migrate_destination_not_empty",
        Stage::State,
        "`tandem state migrate` will not overwrite a store that holds data without `--replace`",
    ),
    code(
        "tandem::state::migrate_verify_failed",
        Stage::State,
        "the migrated copy did not read back identical to the source store",
    ),
    // connectors: auth, configuration, quota and CRM request failures
    code(
        "tandem::connectors::daily_limit_exhausted",
        Stage::Connectors,
        "a CRM's daily API limit is spent; the run stopped before sending more calls",
    ),
    code(
        "tandem::connectors::call_cap_reached",
        Stage::Connectors,
        "the configured cap on API calls per run is reached",
    ),
    code(
        "tandem::connectors::unauthorized",
        Stage::Connectors,
        "a CRM rejected the credentials (after one refresh, when refresh is possible)",
    ),
    code(
        "tandem::connectors::token_refresh_failed",
        Stage::Connectors,
        "an OAuth token request failed (revoked refresh token, bad client credentials)",
    ),
    code(
        "tandem::connectors::request_rejected",
        Stage::Connectors,
        "a CRM rejected a request as invalid; it is not retried",
    ),
    code(
        "tandem::connectors::retries_exhausted",
        Stage::Connectors,
        "a request kept failing with rate limits or server errors",
    ),
    code(
        "tandem::connectors::outcome_unknown",
        Stage::Connectors,
        "a write failed after it may have been applied; it was not resent",
    ),
    code(
        "tandem::connectors::transport",
        Stage::Connectors,
        "a CRM could not be reached",
    ),
    code(
        "tandem::connectors::unexpected_response",
        Stage::Connectors,
        "a CRM answered with a body tandem cannot read",
    ),
    code(
        "tandem::connectors::bulk_job_failed",
        Stage::Connectors,
        "a Salesforce Bulk API 2.0 job failed or was aborted",
    ),
    code(
        "tandem::connectors::search_window_stuck",
        Stage::Connectors,
        "more than 10,000 HubSpot records share one modified time",
    ),
    code(
        "tandem::connectors::not_configured",
        Stage::Connectors,
        "a CRM is not configured for the chosen environment",
    ),
    code(
        "tandem::connectors::missing_variable",
        Stage::Connectors,
        "an environment variable the configuration names is not set",
    ),
    code(
        "tandem::connectors::invalid_url",
        Stage::Connectors,
        "a configured CRM URL is not a valid http(s) URL",
    ),
    code(
        "tandem::connectors::unknown_environment",
        Stage::Connectors,
        "`--env NAME` names an environment tandem.toml does not define",
    ),
    code(
        "tandem::connectors::literal_secret",
        Stage::Connectors,
        "tandem.toml holds a secret literally instead of naming a variable",
    ),
    code(
        "tandem::connectors::unreadable_config",
        Stage::Connectors,
        "tandem.toml or a key file could not be read",
    ),
    code(
        "tandem::connectors::invalid_config",
        Stage::Connectors,
        "tandem.toml is not valid connection configuration",
    ),
    // sandbox: local HubSpot and Salesforce APIs
    code(
        "tandem::sandbox::bind_failed",
        Stage::Sandbox,
        "the sandbox could not listen on the requested loopback port",
    ),
    code(
        "tandem::sandbox::config_unreadable",
        Stage::Sandbox,
        "the sandbox config file (custom objects and fields) could not be read",
    ),
    code(
        "tandem::sandbox::config_invalid",
        Stage::Sandbox,
        "the sandbox config file is not valid YAML in the schema snapshot shape",
    ),
    code(
        "tandem::sandbox::data_dir_failed",
        Stage::Sandbox,
        "the sandbox data directory could not be read or written",
    ),
    // apply: a Plan through the connectors (refusals before the first write)
    code(
        "tandem::apply::plan_format",
        Stage::Apply,
        "the Plan inside a saved plan has a format version this tandem does not apply",
    ),
    code(
        "tandem::apply::spec_changed",
        Stage::Apply,
        "the spec compiles to another Program than the one the saved plan was made from",
    ),
    code(
        "tandem::apply::schema_changed",
        Stage::Apply,
        "the schema snapshots changed since the saved plan was made",
    ),
    code(
        "tandem::apply::foreign_state",
        Stage::Apply,
        "the saved plan was made against another state store",
    ),
    code(
        "tandem::apply::stale_plan",
        Stage::Apply,
        "another apply changed the state since the saved plan was made",
    ),
    code(
        "tandem::apply::limit_exceeded",
        Stage::Apply,
        "the plan exceeds a sync's blast-radius limit, so apply writes nothing",
    ),
    // project: reading a spec's files
    code(
        "tandem::project::not_found",
        Stage::Project,
        "the spec path given does not exist",
    ),
    code(
        "tandem::project::not_a_spec",
        Stage::Project,
        "the spec path is neither a `.tandem` file nor a folder of them",
    ),
    code(
        "tandem::project::empty_folder",
        Stage::Project,
        "the spec folder holds no `.tandem` files",
    ),
    code(
        "tandem::project::unreadable",
        Stage::Project,
        "a spec file or folder could not be read",
    ),
    // session: the library driver (compile -> read -> plan -> apply)
    code(
        "tandem::session::invalid_spec",
        Stage::Session,
        "the spec has errors, so nothing is read from or written to a CRM",
    ),
    code(
        "tandem::session::checker_skipped",
        Stage::Session,
        "a spec without errors reached compile without being checked: a bug in tandem",
    ),
    code(
        "tandem::session::over_limits",
        Stage::Session,
        "the plan exceeds a sync's blast-radius limit; it is not saved and cannot be applied",
    ),
    code(
        "tandem::session::plan_file_unreadable",
        Stage::Session,
        "the plan file given to `tandem apply` could not be read",
    ),
    code(
        "tandem::session::plan_file_format",
        Stage::Session,
        "the plan file was saved in a format this tandem does not read",
    ),
    code(
        "tandem::session::not_a_plan_file",
        Stage::Session,
        "the file given to `tandem apply` is neither a spec nor a plan saved by `tandem plan --out`",
    ),
    code(
        "tandem::session::plan_file_unwritable",
        Stage::Session,
        "the plan could not be saved to the `--out` file",
    ),
    code(
        "tandem::session::unknown_queued_error",
        Stage::Session,
        "`tandem errors retry --id N` names a number the error queue does not hold",
    ),
    // cli: arguments, output, and the commands outside the driver
    code(
        "tandem::cli::async_runtime",
        Stage::Cli,
        "the async runtime could not start",
    ),
    code(
        "tandem::cli::output_failed",
        Stage::Cli,
        "writing a result to standard output failed",
    ),
    code(
        "tandem::cli::unserializable",
        Stage::Cli,
        "a result could not be serialized as JSON: a bug in tandem",
    ),
    code(
        "tandem::cli::unknown_code",
        Stage::Cli,
        "`tandem explain CODE` names a code tandem does not have",
    ),
    code(
        "tandem::cli::fmt_syntax_errors",
        Stage::Cli,
        "`tandem fmt` formats nothing while any spec file has syntax errors",
    ),
    code(
        "tandem::cli::fmt_write_failed",
        Stage::Cli,
        "`tandem fmt` could not write a formatted file",
    ),
    code(
        "tandem::cli::invalid_object_flag",
        Stage::Cli,
        "`--object` is not written as `hs.OBJECT` or `sf.OBJECT`",
    ),
    code(
        "tandem::cli::nothing_to_pull",
        Stage::Cli,
        "`tandem schema pull` was given neither a spec nor an object",
    ),
    code(
        "tandem::cli::spec_syntax_errors",
        Stage::Cli,
        "the spec given to `tandem schema` has syntax errors, so its objects are unknown",
    ),
    code(
        "tandem::cli::current_dir",
        Stage::Cli,
        "the current directory (where tandem.toml is looked for) could not be read",
    ),
    code(
        "tandem::cli::schema_snapshots",
        Stage::Cli,
        "the schema snapshots folder could not be read or written",
    ),
    code(
        "tandem::cli::schema_convert",
        Stage::Cli,
        "a CRM's describe or properties answer could not be converted to a schema snapshot",
    ),
    code(
        "tandem::cli::demo_files",
        Stage::Cli,
        "`tandem demo` could not write its example spec or state to a temporary folder",
    ),
    code(
        "tandem::cli::demo_edit",
        Stage::Cli,
        "`tandem demo` could not make its edit in the sandbox",
    ),
    // plan and apply: why a record's write fails (ground::failure), as the error queue shows it
    code(
        "tandem::plan::no_map_entry",
        Stage::Plan,
        "a value has no entry in its value map, and the map's `else error` rejects it",
    ),
    code(
        "tandem::plan::not_a_number",
        Stage::Plan,
        "a transform needs a number and the record's value is not one",
    ),
    code(
        "tandem::plan::not_finite",
        Stage::Plan,
        "a transform computed a number that is not finite",
    ),
    code(
        "tandem::plan::division_by_zero",
        Stage::Plan,
        "a transform divides by zero for this record",
    ),
    code(
        "tandem::plan::unknown_operator",
        Stage::Plan,
        "a transform uses an operator the evaluator does not know: a bug in tandem",
    ),
    code(
        "tandem::plan::missing_argument",
        Stage::Plan,
        "a function in a transform was called without its argument",
    ),
    code(
        "tandem::plan::missing_length",
        Stage::Plan,
        "`truncate()` was called without a length",
    ),
    code(
        "tandem::plan::not_a_date",
        Stage::Plan,
        "`date()` or `datetime()` got a value that is not a date or time",
    ),
    code(
        "tandem::plan::unknown_function",
        Stage::Plan,
        "a transform calls a function the evaluator does not know: a bug in tandem",
    ),
    code(
        "tandem::plan::uncomputable",
        Stage::Plan,
        "a mapped value cannot be computed from the record, so its write would fail",
    ),
    code(
        "tandem::plan::ambiguous_association",
        Stage::Plan,
        "a record has several associated records and none is primary, so the association cannot be written",
    ),
    code(
        "tandem::plan::not_linked_through",
        Stage::Plan,
        "a `through` id names a record the other sync has not linked yet; written once it is",
    ),
    code(
        "tandem::plan::through_not_planned",
        Stage::Plan,
        "the sync a `through` mapping uses was not planned",
    ),
    code(
        "tandem::plan::required_blank",
        Stage::Plan,
        "a write would leave a required field blank",
    ),
    code(
        "tandem::plan::not_in_picklist",
        Stage::Plan,
        "a write would put a value a restricted picklist does not allow",
    ),
    code(
        "tandem::plan::too_long",
        Stage::Plan,
        "a write would put more characters than the field holds",
    ),
    code(
        "tandem::plan::ambiguous_match",
        Stage::Plan,
        "a record's match key is held by several records, so it is neither linked nor created; it waits in the error queue",
    ),
    code(
        "tandem::apply::plan_tampered",
        Stage::Apply,
        "a saved plan's content no longer matches its seal: it was changed after `tandem plan` made it",
    ),
    code(
        "tandem::apply::plan_contradicts_spec",
        Stage::Apply,
        "a saved plan asks for a create, delete, field or count the spec does not allow",
    ),
    code(
        "tandem::apply::will_fail",
        Stage::Apply,
        "a record was not written because the plan found its write would fail; it waits in the error queue",
    ),
    code(
        "tandem::apply::rejected",
        Stage::Apply,
        "the CRM rejected a record; it waits in the error queue",
    ),
    code(
        "tandem::apply::partner_not_created",
        Stage::Apply,
        "a write needed a record an earlier sync of the same apply was to create, and it was not created",
    ),
    code(
        "tandem::apply::queued_text",
        Stage::Apply,
        "an error queue entry written by an older tandem, kept as its text",
    ),
];

pub fn lookup_code(code: &str) -> Option<&'static RegisteredCode> {
    REGISTRY.iter().find(|registered| registered.code == code)
}
