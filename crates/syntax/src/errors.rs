//! Syntax errors, in the user's terms: they name what was expected and what was found, never
//! a grammar rule. Each variant has a permanent `tandem::syntax::...` code.

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

#[derive(Debug, Error, Diagnostic)]
pub enum SyntaxError {
    #[error("expected {} after `{after}`, found {found}", place.expected())]
    #[diagnostic(
        code(tandem::syntax::expected_arrow),
        help("{}", arrow_help(*place, after, *past_mapping, suggestion))
    )]
    ExpectedArrow {
        place: ArrowPlace,
        after: String,
        found: String,
        /// Whether `after` is a word past a complete mapping on the same line.
        past_mapping: bool,
        /// A modifier keyword that word is a likely misspelling of (`truncat`).
        suggestion: Option<String>,
        #[label("expected an arrow here")]
        span: SourceSpan,
        /// When the arrow was due at the end of a line: the word that was read as the start
        /// of a new mapping.
        #[label("read as the start of a new mapping")]
        stray: Option<SourceSpan>,
    },

    #[error(
        "expected `connection`, `map`, `table`, `sync` or `on` to start a top-level item, found {found}"
    )]
    #[diagnostic(
        code(tandem::syntax::expected_item),
        help("{}", item_help(suggestion, *looks_like_mapping, shaped_like))
    )]
    ExpectedItem {
        found: String,
        /// The item keyword the word found is a likely misspelling of (`sycn`), or the item
        /// the rest of the line is shaped like (`mapping leads: hs.contacts -> sf.Lead {`).
        suggestion: Option<String>,
        /// When the suggestion comes from the line's shape: the line with the keyword put in.
        shaped_like: Option<String>,
        /// The line holds an arrow: a mapping written outside any sync.
        looks_like_mapping: bool,
        #[label("not the start of an item")]
        span: SourceSpan,
    },

    #[error("expected a value{}, found {found}", after_phrase(after))]
    #[diagnostic(
        code(tandem::syntax::expected_expression),
        help("{}", expression_help(after))
    )]
    ExpectedExpression {
        after: String,
        found: String,
        /// "expected a value here", or on the operator at the end of a line, that it needs one.
        #[label("{label}")]
        span: SourceSpan,
        label: &'static str,
    },

    #[error("expected {expected}{}, found {found}", after_phrase(after))]
    #[diagnostic(code(tandem::syntax::unexpected_token))]
    UnexpectedToken {
        expected: String,
        after: String,
        found: String,
        /// What the label says: "unexpected here", or for a name missing at the end of a
        /// line, on the word before it, that it needs one.
        #[label("{label}")]
        span: SourceSpan,
        label: &'static str,
        /// Derived from what was expected and the line being written; never empty.
        #[help]
        help: String,
    },

    #[error("a function name must touch its `(`: `{function} (` is not a call")]
    #[diagnostic(
        code(tandem::syntax::call_paren_apart),
        help("write `{function}(...)` with no space before the `(`")
    )]
    CallParenApart {
        function: String,
        #[label("remove the space before this `(`")]
        span: SourceSpan,
        #[label("the function name")]
        name: SourceSpan,
    },

    #[error("`{word}` is a reserved word and cannot be {role}")]
    #[diagnostic(
        code(tandem::syntax::reserved_word),
        help("choose another name, such as `{example}`; the reserved words are tandem's keywords ({})", RESERVED_WORDS.join(", "))
    )]
    ReservedWord {
        word: String,
        /// `the name of a sync`, `a name`.
        role: String,
        example: String,
        #[label("reserved")]
        span: SourceSpan,
    },

    #[error("this string is never closed")]
    #[diagnostic(
        code(tandem::syntax::unterminated_string),
        help("close the string with `\"` on the same line; write a quote inside it as `\\\"`")
    )]
    UnterminatedString {
        #[label("the string starts here and runs to the end of the line")]
        span: SourceSpan,
    },

    #[error("this `{{` is never closed")]
    #[diagnostic(
        code(tandem::syntax::unclosed_block),
        help("add the missing `}}` at the end of the block")
    )]
    UnclosedBlock {
        #[label("the block opens here")]
        open: SourceSpan,
        #[label("the file ends before its `}}`")]
        end: SourceSpan,
    },

    #[error("unknown escape `{escape}` in a string")]
    #[diagnostic(
        code(tandem::syntax::invalid_escape),
        help(
            "the escapes are `\\\"`, `\\\\`, `\\n`, `\\t`, `\\r`, `\\{{` and `\\}}`; write a \
             backslash as `\\\\`"
        )
    )]
    InvalidEscape {
        escape: String,
        #[label("not an escape")]
        span: SourceSpan,
    },

    #[error("`{text}` is not a valid date or date-time")]
    #[diagnostic(
        code(tandem::syntax::invalid_date),
        help(
            "write a date as `@2024-01-31` and a date-time with its offset as \
             `@2024-01-31T09:30:00Z` or `@2024-01-31T09:30:00+02:00`"
        )
    )]
    InvalidDate {
        text: String,
        #[label("not a real calendar date or time")]
        span: SourceSpan,
    },

    #[error("`{text}` is too large for a count")]
    #[diagnostic(
        code(tandem::syntax::number_too_large),
        help("counts (limits, truncate lengths) must be below 2^64")
    )]
    NumberTooLarge {
        text: String,
        #[label("too large")]
        span: SourceSpan,
    },

    #[error("unknown system `{found}`; a connection is `hubspot` or `salesforce`")]
    #[diagnostic(
        code(tandem::syntax::unknown_system),
        help("{}", system_help(suggestion))
    )]
    UnknownSystem {
        found: String,
        suggestion: Option<&'static str>,
        #[label("not a system tandem syncs")]
        span: SourceSpan,
    },

    #[error("the target of a `{arrow}` mapping must be a field, like `{example}`")]
    #[diagnostic(
        code(tandem::syntax::mapping_target_not_a_field),
        help(
            "only the source side of a one-way mapping may be computed; for a two-way mapping \
             map the two fields and compute values with `transform` and `reverse`"
        )
    )]
    MappingTargetNotAField {
        arrow: &'static str,
        example: &'static str,
        #[label("this is written to, so it must be a field")]
        span: SourceSpan,
    },

    #[error("this expression is nested more than {limit} levels deep")]
    #[diagnostic(
        code(tandem::syntax::nesting_too_deep),
        help("split it into simpler mappings, or use a value map or lookup table")
    )]
    NestingTooDeep {
        limit: usize,
        #[label("too deeply nested")]
        span: SourceSpan,
    },
}

fn system_help(suggestion: &Option<&'static str>) -> String {
    match suggestion {
        Some(system) => format!("did you mean `{system}`?"),
        None => "write `connection hs: hubspot` or `connection sf: salesforce`".to_string(),
    }
}

/// What goes after the word that wanted a value: the last word of `after`.
fn expression_help(after: &str) -> String {
    let last = after.rsplit(char::is_whitespace).next().unwrap_or("");
    match last {
        "and" | "or" => format!(
            "write a condition after `{last}` (such as `hs.email is not blank`), or remove the \
             `{last}`"
        ),
        "not" => {
            "write the condition to negate after `not`, such as `not hs.unsubscribed`".to_string()
        }
        "->" | "<-" | "<->" => {
            format!("write the field on the other side of `{last}`, as in `hs.name {last} sf.Name`")
        }
        "=" | "!=" | "<" | "<=" | ">" | ">=" => format!(
            "write what to compare with after `{last}`, as in `hs.lifecyclestage {last} \
             \"customer\"`"
        ),
        "+" | "-" | "*" | "/" | "??" => {
            format!("write the value after `{last}`, or remove the `{last}`")
        }
        "default" => "`default` takes a fixed value, such as `default \"Unknown\"`".to_string(),
        "transform" | "reverse" => format!(
            "`{last}` takes the value to write, computed from the source side, such as \
             `{last} lower(hs.email)`"
        ),
        "only" | "when" => {
            format!("`{last}` takes a condition, such as `{last} hs.email is not blank`")
        }
        _ => "a value is a literal (`\"text\"`, `42`, `true`, `@2024-01-31`), a field such as \
              `hs.email`, a function call such as `lower(hs.email)`, or a combination of them"
            .to_string(),
    }
}

/// The words the grammar reserves where a name is expected (`keyword_word` in
/// `grammar/tandem.pest`), in its order.
pub const RESERVED_WORDS: &[&str] = &[
    "connection",
    "map",
    "table",
    "from",
    "sync",
    "match",
    "only",
    "create",
    "in",
    "conflict",
    "prefer",
    "unless",
    "blank",
    "newest",
    "review",
    "on",
    "delete",
    "limit",
    "keep",
    "when",
    "default",
    "transform",
    "reverse",
    "via",
    "truncate",
    "through",
    "else",
    "error",
    "if",
    "then",
    "and",
    "or",
    "not",
    "is",
    "true",
    "false",
    "becomes",
    "changes",
    "set",
    "notify",
];

fn item_help(
    suggestion: &Option<String>,
    looks_like_mapping: bool,
    shaped_like: &Option<String>,
) -> String {
    if let (Some(keyword), Some(example)) = (suggestion, shaped_like) {
        return format!(
            "did you mean `{keyword}`? this line is shaped like a {keyword} header: `{example}`"
        );
    }
    match suggestion {
        Some(keyword) => format!("did you mean `{keyword}`?"),
        None if looks_like_mapping => "this mapping is outside any sync: move it above the `}` \
             that closes its sync"
            .to_string(),
        None => {
            "every top-level item starts with one of those words at the start of a line".to_string()
        }
    }
}

fn arrow_help(
    place: ArrowPlace,
    after: &str,
    past_mapping: bool,
    suggestion: &Option<String>,
) -> String {
    match suggestion {
        Some(keyword) => format!("did you mean the modifier `{keyword}`?"),
        None if past_mapping => format!(
            "only modifiers (`truncate 128`, `default \"x\"`, `prefer sf`, `via stages`, ...) \
             may follow a mapping's fields on its line: remove `{after}`, or start the next \
             mapping on a new line"
        ),
        None => place.help().to_string(),
    }
}

fn after_phrase(after: &str) -> String {
    if after.is_empty() {
        String::new()
    } else {
        format!(" after `{after}`")
    }
}

/// Where an arrow was expected; the three places take different arrows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArrowPlace {
    Mapping,
    SyncHeader,
    MapHeader,
}

impl ArrowPlace {
    fn expected(self) -> &'static str {
        match self {
            ArrowPlace::Mapping => "a mapping arrow `->`, `<-` or `<->`",
            ArrowPlace::SyncHeader => "an arrow `->`, `<-` or `<->` between the two objects",
            ArrowPlace::MapHeader => "an arrow `->` or `<->` between the two fields",
        }
    }

    fn help(self) -> &'static str {
        match self {
            ArrowPlace::Mapping => {
                "a mapping reads `hs.field -> sf.Field` (HubSpot to Salesforce), `<-` \
                 (Salesforce to HubSpot) or `<->` (both ways)"
            }
            ArrowPlace::SyncHeader => {
                "a sync pairs two objects, for example `sync accounts: hs.companies <-> sf.Account`"
            }
            ArrowPlace::MapHeader => {
                "a value map names the fields it translates, for example \
                 `map stages: hs.deals.dealstage <-> sf.Opportunity.StageName`"
            }
        }
    }
}
