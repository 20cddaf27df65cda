//! The help line of `tandem::syntax::unexpected_token`, derived from what pest expected at
//! the error and the line the user was writing. The most specific fix wins: a top-level
//! word inside a block, a misspelt keyword, a symbol tandem does not have, the one missing
//! punctuation (shown in place in the user's own line), and otherwise the form of the line
//! or item being written, with an example.

use std::collections::BTreeSet;

use super::lex;
use super::parser::Rule;

/// What is known at an unexpected token.
pub(crate) struct HelpContext<'a> {
    /// The whole file.
    pub text: &'a str,
    /// Where the unexpected token starts.
    pub position: usize,
    /// The word or symbol found there (empty at the end of the file).
    pub found: &'a str,
    pub rules: &'a BTreeSet<Rule>,
    pub tokens: &'a BTreeSet<String>,
}

/// The help for an unexpected token; never empty.
pub(crate) fn unexpected_token_help(context: &HelpContext<'_>) -> String {
    top_level_word_in_block(context)
        .or_else(|| misspelt_keyword(context))
        .or_else(|| foreign_symbol(context.found))
        .or_else(|| missing_punctuation(context))
        .unwrap_or_else(|| line_form(context).to_string())
}

/// `sync`, `map`, `table` or `connection` where a block's content was expected.
fn top_level_word_in_block(context: &HelpContext<'_>) -> Option<String> {
    let word = context.found;
    matches!(word, "connection" | "map" | "table" | "sync").then(|| {
        format!(
            "`{word}` starts a top-level item: if the block above should end here, add its \
             closing `}}`; otherwise move this item out of the block"
        )
    })
}

/// A word one or two edits away from a keyword expected here: `prefr` for `prefer`.
fn misspelt_keyword(context: &HelpContext<'_>) -> Option<String> {
    let found = context.found;
    let keywords = expected_keywords(context);
    closest_keyword(found, keywords.iter().map(String::as_str))
        .map(|keyword| format!("did you mean `{keyword}`?"))
}

/// The words that may follow a mapping's fields.
pub(crate) const MODIFIER_KEYWORDS: &[&str] = &[
    "prefer",
    "newest",
    "review",
    "keep",
    "default",
    "transform",
    "reverse",
    "via",
    "truncate",
    "through",
];

/// The keyword `word` is most likely a misspelling of: one edit away for words of up to four
/// letters (short words are one edit from far too many others to guess at two), else two.
pub(crate) fn closest_keyword<'a>(
    word: &str,
    keywords: impl Iterator<Item = &'a str>,
) -> Option<String> {
    if word.is_empty() || !word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    let lowered = word.to_ascii_lowercase();
    let limit = if word.chars().count() <= 4 { 1 } else { 2 };
    keywords
        .filter(|keyword| *keyword != lowered)
        .map(|keyword| (strsim::damerau_levenshtein(&lowered, keyword), keyword))
        .filter(|(distance, _)| *distance <= limit)
        .min()
        .map(|(_, keyword)| keyword.to_string())
}

/// The keywords pest tried here, from its keyword rules, its literal words and the closed
/// word sets (delete actions, limit kinds, conflict rules).
fn expected_keywords(context: &HelpContext<'_>) -> BTreeSet<String> {
    let mut words: BTreeSet<String> = context
        .tokens
        .iter()
        .filter(|token| token.len() > 1 && token.chars().all(|c| c.is_ascii_alphabetic()))
        .cloned()
        .collect();
    for rule in context.rules {
        let name = format!("{rule:?}");
        if let Some(keyword) = name.strip_prefix("k_") {
            words.insert(keyword.to_string());
        }
        let closed: &[&str] = match rule {
            Rule::delete_action => &["ignore", "archive", "propagate"],
            Rule::limit_kind | Rule::limit => &["creates", "updates", "deletes"],
            Rule::conflict_rule => &["prefer", "newest", "review"],
            Rule::newest => &["newest"],
            Rule::review => &["review"],
            _ => &[],
        };
        words.extend(closed.iter().map(|word| word.to_string()));
    }
    // `true` and `false` start a value; a misspelt field name is not a misspelt boolean.
    words.remove("true");
    words.remove("false");
    words
}

/// Symbols other languages have and tandem does not, with tandem's way to say the same.
fn foreign_symbol(found: &str) -> Option<String> {
    let fix = match found {
        "&&" | "&" => "write `and` to require both conditions",
        "||" | "|" => "write `or` to accept either condition",
        "==" => "compare with a single `=`",
        "!" => "negate a condition with `not`, or compare with `!=`",
        ";" => "end the line instead: tandem needs no `;`",
        "%" | "^" | "~" | "$" => {
            return Some(format!(
                "`{found}` is not an operator in tandem: remove it; arithmetic is `+`, `-`, `*` \
                 and `/`, and `??` picks the first non-blank value"
            ));
        }
        _ => return None,
    };
    Some(fix.to_string())
}

/// When one piece of punctuation was all that was missing (`:` after a connection name, `=`
/// in a `set`), the user's line with it put in.
fn missing_punctuation(context: &HelpContext<'_>) -> Option<String> {
    // Only when nothing else would do: `=` among the operators that may continue a value
    // (`+`, `??`) still counts, but not beside a keyword or other punctuation.
    let continues_value = |token: &str| matches!(token, "+" | "-" | "*" | "/" | "??" | "." | "(");
    let punctuation: Vec<&String> = context
        .tokens
        .iter()
        .filter(|token| !token.chars().any(char::is_alphanumeric))
        .filter(|token| !matches!(token.as_str(), "#" | "\u{feff}" | "\"" | "@" | "_"))
        .filter(|token| !continues_value(token))
        .collect();
    let keywords = expected_keywords(context);
    let missing = match (punctuation.as_slice(), keywords.len()) {
        ([only], 0) if matches!(only.as_str(), ":" | "=" | "{") => only.to_string(),
        // A keyword is missing in the same way: `table t "x.csv"` lacks its `from`.
        ([], 1) => keywords.into_iter().next()?,
        _ => return None,
    };
    let missing = missing.as_str();
    let text = context.text;
    let line_start = text[..context.position]
        .rfind('\n')
        .map(|i| i + 1)
        .unwrap_or(0);
    let before = text[line_start..context.position].trim();
    let line_end = text[context.position..]
        .find(['\n', '\r'])
        .map(|i| context.position + i)
        .unwrap_or(text.len());
    let after = strip_comment(&text[context.position..line_end]).trim();
    let (before, after) = if before.is_empty() {
        // The token was due at the end of the line above: show that line completed.
        (previous_code_line(text, line_start)?, "")
    } else {
        (before, after)
    };
    let after = if after.is_empty() {
        match missing {
            "=" if before.starts_with("match ") => "<the other system's key>",
            "=" => "<value>",
            ":" if before.starts_with("connection ") => "hubspot",
            "{" => "... }",
            _ => "...",
        }
    } else {
        after
    };
    let completed = match missing {
        ":" => format!("{before}: {after}"),
        "{" if !after.contains('}') => format!("{before} {{ {after} }}"),
        _ => format!("{before} {missing} {after}"),
    };
    let what = match missing {
        ":" => "a `:`".to_string(),
        "=" => "an `=`".to_string(),
        other => format!("`{other}`"),
    };
    Some(format!("{what} is missing: write `{completed}`"))
}

/// The form of the line or item being written, as an example.
fn line_form(context: &HelpContext<'_>) -> &'static str {
    let text = context.text;
    let item_start = lex::item_starts(text)
        .into_iter()
        .filter(|&start| start <= context.position)
        .max()
        .unwrap_or(0);
    let item_word = first_word(&text[item_start..]);
    let line_start = text[..context.position]
        .rfind('\n')
        .map(|i| i + 1)
        .unwrap_or(0);
    let line = match text[line_start..context.position].trim() {
        "" => previous_code_line(text, line_start).unwrap_or(""),
        line => line,
    };
    let line_word = if line_start <= item_start {
        ""
    } else {
        first_word(line)
    };
    match (item_word, line_word) {
        ("connection", _) => {
            "a connection reads `connection hs: hubspot` or `connection sf: salesforce`"
        }
        ("map", _) => {
            "a value map reads `map stages: hs.deals.dealstage <-> sf.Opportunity.StageName { \
             \"closedwon\" <=> \"Closed Won\" }`; the header after the name is optional"
        }
        ("table", _) => "a lookup table reads `table industries from \"tables/industries.csv\"`",
        ("sync", "") => {
            "a sync reads `sync accounts: hs.companies <-> sf.Account { ... }`, one line per \
             setting or mapping inside the braces"
        }
        ("sync", "match") => "a match rule reads `match lower(hs.email) = lower(sf.Email)`",
        ("sync", "only") => {
            "a scope filter is a condition: `only hs.lifecyclestage = \"customer\"`"
        }
        ("sync", "create") => {
            "write `create in sf` or `create in hs, sf`: the sides that may get new records"
        }
        ("sync", "conflict") => {
            "write `conflict prefer sf`, `conflict newest` or `conflict review`"
        }
        ("sync", "on") => {
            "write `on delete ignore` (leave the other side alone), `on delete archive` or \
             `on delete propagate` (delete the linked record too)"
        }
        ("sync", "limit") => "write `limit creates 500, updates 5000, deletes 0`, any of the three",
        ("sync", _) => {
            "a mapping is `hs.field <-> sf.Field` (or `->`, `<-`), optionally followed by \
             modifiers such as `truncate 128` or `default \"x\"`; each setting or mapping goes \
             on its own line"
        }
        ("on", "set") => "write `set hs.field = value`, optionally `via` a value map",
        ("on", "create") => {
            "write `create sf.Task { Subject = \"...\" }`, one `Field = value` per line"
        }
        ("on", "notify") => {
            "write `notify slack \"#channel\" \"message\"` or `notify email \"address\" \"message\"`"
        }
        ("on", _) => {
            "a trigger reads `on sf.Opportunity.StageName becomes \"Closed Won\" { ... }` (or \
             `changes`), with `set`, `create` or `notify` actions inside the braces"
        }
        _ => "every top-level item starts with `connection`, `map`, `table`, `sync` or `on`",
    }
}

fn first_word(text: &str) -> &str {
    let text = text.trim_start();
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// The last line with code before `line_start`, trimmed and without its comment.
fn previous_code_line(text: &str, line_start: usize) -> Option<&str> {
    text[..line_start]
        .lines()
        .rev()
        .map(|line| strip_comment(line).trim())
        .find(|line| !line.is_empty())
}

fn strip_comment(line: &str) -> &str {
    match lex::scan(line).comments.first() {
        Some(comment) => &line[..comment.start],
        None => line,
    }
}
