//! Turns a pest error into a [`SyntaxError`] in the user's terms.
//!
//! Pest reports the rules and literal tokens it tried at the furthest position it reached.
//! Those are translated into phrases ("a mapping arrow `->`, `<-` or `<->`"), the most
//! likely intent is picked (an arrow after a complete field, a value after an operator),
//! and the message says what came before and what was found instead.

use std::collections::BTreeSet;

use super::errors::{ArrowPlace, SyntaxError};
use super::help::{HelpContext, MODIFIER_KEYWORDS, closest_keyword, unexpected_token_help};
use super::lex;
use super::parser::Rule;
use tandem_ground::diagnostics::{Diag, FileId, Span};

pub(crate) fn classify_error(
    file: FileId,
    text: &str,
    slice_start: usize,
    position: usize,
    error: &pest::error::Error<Rule>,
) -> Diag {
    Diag::new(file, classify(file, text, slice_start, position, error))
}

fn classify(
    file: FileId,
    text: &str,
    slice_start: usize,
    position: usize,
    error: &pest::error::Error<Rule>,
) -> SyntaxError {
    // An error at the end of the file points just after the last code, where the miss is.
    let position = position.min(text.len());
    let position = if text[position..].trim().is_empty() {
        text.trim_end().len().max(slice_start).min(position)
    } else {
        position
    };
    let scan = lex::scan(&text[slice_start..]);
    if let Some(&quote) = scan.unterminated_strings.first()
        && slice_start + quote <= position
    {
        let start = slice_start + quote;
        let end = line_end(text, start);
        return SyntaxError::UnterminatedString {
            span: Span::new(file, start, end).into(),
        };
    }

    if let Some(error) = unknown_word_at_item_start(file, text, slice_start, position) {
        return error;
    }
    if let Some(error) = call_paren_apart(file, text, slice_start, position) {
        return error;
    }
    let (rules, tokens) = expectations(error);
    let found_span = found_span(file, text, position);
    let found = describe_found(text, position);
    let after = text_before(text, position);

    let at_end = text[position..].trim().is_empty();
    if at_end
        && tokens.contains("}")
        && let Some(&open) = scan.unclosed_braces.last()
    {
        let open = slice_start + open;
        return SyntaxError::UnclosedBlock {
            open: Span::new(file, open, open + 1).into(),
            end: Span::new(file, position, position).into(),
        };
    }

    if rules.contains(&Rule::arrow) || rules.contains(&Rule::map_arrow) {
        let line_start = after.trim_start_matches('…');
        let place = if rules.contains(&Rule::map_arrow) {
            ArrowPlace::MapHeader
        } else if line_start.starts_with("sync ") {
            ArrowPlace::SyncHeader
        } else {
            ArrowPlace::Mapping
        };
        // When the arrow was due at the end of the previous line, point there: the next
        // line's first word is not where the mistake is.
        let line_start = text[..position].rfind('\n').map(|i| i + 1).unwrap_or(0);
        let at_line_end = text[line_start..position].trim().is_empty() && line_start > 0;
        let (span, stray) = if at_line_end {
            let code_end = code_end_before(text, line_start);
            let code_line_start = text[..code_end].rfind('\n').map(|i| i + 1).unwrap_or(0);
            let last_word = text[code_line_start..code_end]
                .rsplit(char::is_whitespace)
                .next()
                .unwrap_or("");
            let stray = (place == ArrowPlace::Mapping && !last_word.is_empty())
                .then(|| Span::new(file, code_end - last_word.len(), code_end).into());
            (Span::new(file, code_end, code_end), stray)
        } else {
            (found_span, None)
        };
        // Past a complete mapping, the stray word that began a new one is what matters.
        let has_arrow = ["->", "<-"].iter().any(|arrow| after.contains(arrow));
        let after = match after.rsplit(char::is_whitespace).next() {
            Some(last) if has_arrow && place == ArrowPlace::Mapping => last.to_string(),
            _ => after,
        };
        // A stray word past a complete mapping is most often a misspelt modifier.
        let past_mapping = has_arrow && place == ArrowPlace::Mapping;
        let suggestion = if past_mapping {
            closest_keyword(&after, MODIFIER_KEYWORDS.iter().copied())
        } else {
            None
        };
        // Mid-line, the stray word sits just before the token found; mark it too.
        let stray = stray.or_else(|| {
            let before = text[..position].trim_end();
            (past_mapping && !at_line_end && before.ends_with(after.as_str()))
                .then(|| Span::new(file, before.len() - after.len(), before.len()).into())
        });
        return SyntaxError::ExpectedArrow {
            place,
            after,
            found,
            past_mapping,
            suggestion,
            span: span.into(),
            stray,
        };
    }
    let top_level = [
        Rule::k_connection,
        Rule::k_map,
        Rule::k_table,
        Rule::k_sync,
        Rule::EOI,
    ];
    if top_level.iter().any(|rule| rules.contains(rule)) || tokens.contains("connection") {
        let suggestion = closest_keyword(
            token_at(&text[position..]),
            ["connection", "map", "table", "sync", "on"].into_iter(),
        );
        let rest_of_line = &text[position..line_end(text, position)];
        let looks_like_mapping = suggestion.is_none()
            && ["<->", "->", "<-"]
                .iter()
                .any(|arrow| rest_of_line.contains(arrow));
        // A stray mapping is marked whole: the line is what has to move.
        let span = if looks_like_mapping {
            let code = strip_comment(rest_of_line).trim_end();
            Span::new(file, position, position + code.len())
        } else {
            found_span
        };
        return SyntaxError::ExpectedItem {
            found,
            suggestion,
            shaped_like: None,
            looks_like_mapping,
            span: span.into(),
        };
    }

    // `conflict prefer` at the end of a line takes the next line's first word as its side;
    // the mistake is the missing name at the end of the previous line.
    if let Some(error) = missing_name_at_line_end(file, text, position) {
        return error;
    }
    if let Some(error) = reserved_word_as_name(file, text, position, &rules, &after) {
        return error;
    }
    // Where a sync line or a mapping modifier could start, say so rather than "a value":
    // a mapping starts with a value, but that is rarely what was meant.
    let expected = match sync_body_expectation(&rules, &tokens) {
        Some(expected) => expected.to_string(),
        None if expects_value(&rules) && !tokens.contains("}") => {
            // A value missing at the end of a line is missing there, after the operator or
            // arrow that wants it, not on the next line's first token.
            let line_start = text[..position].rfind('\n').map(|i| i + 1).unwrap_or(0);
            let at_line_start = text[line_start..position].trim().is_empty() && line_start > 0;
            let code_end = code_end_before(text, line_start);
            let code_line_start = text[..code_end].rfind('\n').map(|i| i + 1).unwrap_or(0);
            let last_token = text[code_line_start..code_end]
                .rsplit(char::is_whitespace)
                .next()
                .unwrap_or("");
            let (span, label) = if at_line_start && !last_token.is_empty() {
                let start = code_end - last_token.len();
                (Span::new(file, start, code_end), "needs a value after it")
            } else {
                (found_span, "expected a value here")
            };
            return SyntaxError::ExpectedExpression {
                after,
                found,
                span: span.into(),
                label,
            };
        }
        None => describe_expected(&rules, &tokens, &after),
    };
    let help = unexpected_token_help(&HelpContext {
        text,
        position,
        found: token_at(&text[position..]),
        rules: &rules,
        tokens: &tokens,
    });
    SyntaxError::UnexpectedToken {
        expected,
        after,
        found,
        span: found_span.into(),
        label: "unexpected here",
        help,
    }
}

/// A word at the start of a top-level line that only begins like an item keyword
/// (`mapping leads: ...`: pest matched `map` and stopped at `ping`). The whole word is what is
/// wrong, and the rest of the line usually shows which item was meant.
fn unknown_word_at_item_start(
    file: FileId,
    text: &str,
    slice_start: usize,
    position: usize,
) -> Option<SyntaxError> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let before = &text[..position];
    if !before.ends_with(is_word) || !text[position..].starts_with(is_word) {
        return None;
    }
    let start = before.trim_end_matches(is_word).len();
    let line_start = text[..start].rfind('\n').map(|i| i + 1).unwrap_or(0);
    if start != line_start || start < slice_start {
        return None;
    }
    // At the top level: every block above is closed.
    if !lex::scan(&text[slice_start..start])
        .unclosed_braces
        .is_empty()
    {
        return None;
    }
    let word = token_at(&text[start..]);
    let line = strip_comment(&text[start..line_end(text, start)]).trim_end();
    let rest = line[word.len()..].trim_start();
    let shaped = item_shape(rest);
    let suggestion = shaped.map(str::to_string).or_else(|| {
        closest_keyword(
            word,
            ["connection", "map", "table", "sync", "on"].into_iter(),
        )
    });
    let looks_like_mapping =
        suggestion.is_none() && ["<->", "->", "<-"].iter().any(|arrow| rest.contains(arrow));
    Some(SyntaxError::ExpectedItem {
        found: format!("`{word}`"),
        shaped_like: shaped.map(|keyword| format!("{keyword} {rest}")),
        suggestion,
        looks_like_mapping,
        span: Span::new(file, start, start + word.len()).into(),
    })
}

/// The top-level item the rest of a line after its first word is shaped like: `NAME:
/// conn.Object <arrow> conn.Object {` is a sync, `NAME: conn.Object.field <arrow> ...` a
/// value map, `NAME from "..."` a table, `NAME: system` a connection.
fn item_shape(rest: &str) -> Option<&'static str> {
    let name_end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    if name_end == 0 {
        return None;
    }
    let after_name = rest[name_end..].trim_start();
    if after_name.starts_with("from") {
        return Some("table");
    }
    let header = after_name.strip_prefix(':')?.trim();
    let arrow = ["<->", "->", "<-"]
        .into_iter()
        .find_map(|arrow| header.split_once(arrow));
    match arrow {
        Some((left, _)) => {
            let dots = left.trim().matches('.').count();
            match dots {
                1 => Some("sync"),
                2.. => Some("map"),
                _ => None,
            }
        }
        None if header.chars().all(|c| c.is_ascii_alphabetic()) && !header.is_empty() => {
            Some("connection")
        }
        None => None,
    }
}

/// `lower (hs.email)`: a name, spaces, then `(`. Only a name right before its `(` calls a
/// function, so wherever pest gave up afterwards (often further on, having read `(...)` as
/// the start of the next mapping), the space is the mistake. Searched from the start of the
/// broken item to the end of the error's line, outside strings and comments.
fn call_paren_apart(
    file: FileId,
    text: &str,
    slice_start: usize,
    position: usize,
) -> Option<SyntaxError> {
    let item_start = lex::item_starts(text)
        .into_iter()
        .filter(|&start| start >= slice_start && start <= position)
        .max()
        .unwrap_or(slice_start);
    let end = line_end(text, position);
    let bytes = text.as_bytes();
    let mut index = item_start;
    while index < end {
        match bytes[index] {
            b'"' => {
                index += 1;
                while index < end && bytes[index] != b'"' {
                    index += if bytes[index] == b'\\' { 2 } else { 1 };
                }
                index += 1;
            }
            b'#' => index = line_end(text, index),
            b'(' => {
                if let Some(error) = paren_after_spaced_name(file, text, index) {
                    return Some(error);
                }
                index += 1;
            }
            _ => index += 1,
        }
    }
    None
}

/// The `(` at `paren` when a function-like name precedes it with spaces between.
fn paren_after_spaced_name(file: FileId, text: &str, paren: usize) -> Option<SyntaxError> {
    let before = &text[..paren];
    let spaces = before.trim_end_matches([' ', '\t']);
    if spaces.len() == before.len() {
        return None;
    }
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let name_start = spaces.trim_end_matches(is_word).len();
    let name = &spaces[name_start..];
    let starts_like_name = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    // A field path's last segment (`hs.email (`) or a keyword (`if (`, `not (`) is not a
    // function name.
    if !starts_like_name
        || spaces[..name_start].ends_with('.')
        || crate::errors::RESERVED_WORDS.contains(&name)
    {
        return None;
    }
    Some(SyntaxError::CallParenApart {
        function: name.to_string(),
        span: Span::new(file, paren, paren + 1).into(),
        name: Span::new(file, name_start, spaces.len()).into(),
    })
}

/// A keyword where a name was expected (`sync match: ...`).
fn reserved_word_as_name(
    file: FileId,
    text: &str,
    position: usize,
    rules: &BTreeSet<Rule>,
    after: &str,
) -> Option<SyntaxError> {
    if !rules.contains(&Rule::name) || expects_value(rules) {
        return None;
    }
    let word = token_at(&text[position..]);
    if !crate::errors::RESERVED_WORDS.contains(&word) {
        return None;
    }
    let before = after.rsplit(char::is_whitespace).next().unwrap_or("");
    let role = match before {
        "sync" => "the name of a sync",
        "map" => "the name of a value map",
        "table" => "the name of a table",
        "connection" => "the name of a connection",
        _ => "a name",
    };
    let example = match before {
        "sync" | "map" | "table" => format!("{word}_{before}"),
        _ => format!("my_{word}"),
    };
    Some(SyntaxError::ReservedWord {
        word: word.to_string(),
        role: role.to_string(),
        example,
        span: Span::new(file, position, position + word.len()).into(),
    })
}

/// When the error is on the first word of a line and the line above ends with a word that
/// needs a name after it (`prefer`, `in`, `through`, `via`), that name is what is missing.
fn missing_name_at_line_end(file: FileId, text: &str, position: usize) -> Option<SyntaxError> {
    let line_start = text[..position].rfind('\n').map(|i| i + 1)?;
    let first_word_end =
        line_start + text[line_start..].len() - text[line_start..].trim_start().len();
    let word = token_at(&text[first_word_end..]);
    if first_word_end + word.len() != position {
        return None;
    }
    let code_end = code_end_before(text, line_start);
    let previous = text[..code_end].rsplit('\n').next().unwrap_or("").trim();
    let last_word = previous.rsplit(char::is_whitespace).next()?;
    let expected = match last_word {
        "prefer" | "in" => "a connection name such as `hs` or `sf`",
        "through" => "the name of a sync",
        "via" => "the name of a value map, or an inline map `{ ... }`",
        _ => return None,
    };
    Some(SyntaxError::UnexpectedToken {
        expected: expected.to_string(),
        after: previous.to_string(),
        found: "the end of the line".to_string(),
        span: Span::new(file, code_end - last_word.len(), code_end).into(),
        label: "needs a name after it, on this line",
        help: format!("`{word}` on the next line was read as that name; complete this line"),
    })
}

/// Inside a sync body, what may come next, in the sync's own terms.
fn sync_body_expectation(
    rules: &BTreeSet<Rule>,
    tokens: &BTreeSet<String>,
) -> Option<&'static str> {
    if rules.contains(&Rule::k_truncate) || tokens.contains("truncate") {
        Some(
            "a mapping modifier (`prefer`, `newest`, `review`, `keep when blank`, `default`, \
             `transform`, `reverse`, `via`, `truncate`, `through`), the next line of the sync, \
             or `}`",
        )
    } else if rules.contains(&Rule::k_match) || tokens.contains("match") {
        Some(
            "a sync line (`match`, `only`, `create in`, `conflict`, `on delete`, `limit` or a \
             mapping) or `}`",
        )
    } else {
        None
    }
}

/// Whether pest was looking for an expression (any level of the expression grammar).
fn expects_value(rules: &BTreeSet<Rule>) -> bool {
    const VALUE_RULES: &[Rule] = &[
        Rule::expr,
        Rule::if_expr,
        Rule::or_expr,
        Rule::and_expr,
        Rule::not_expr,
        Rule::not_op,
        Rule::cmp_expr,
        Rule::coalesce_expr,
        Rule::sum_expr,
        Rule::product_expr,
        Rule::unary_expr,
        Rule::neg_op,
        Rule::literal,
        Rule::call,
        Rule::field_path,
        Rule::bare_name,
    ];
    VALUE_RULES.iter().any(|rule| rules.contains(rule))
}

/// Where in the parsed slice the error is: the furthest position pest reached. Pest's own
/// location only counts rules; a missing literal (`:` after a sync name) lies further on,
/// and the detailed attempts know it.
pub(crate) fn error_offset(error: &pest::error::Error<Rule>) -> usize {
    let location = match error.location {
        pest::error::InputLocation::Pos(position) => position,
        pest::error::InputLocation::Span((start, _)) => start,
    };
    let furthest = error
        .parse_attempts()
        .map(|attempts| attempts.max_position)
        .unwrap_or(0);
    location.max(furthest)
}

/// The non-silent rules and literal tokens pest tried at the error position.
fn expectations(error: &pest::error::Error<Rule>) -> (BTreeSet<Rule>, BTreeSet<String>) {
    let mut rules = BTreeSet::new();
    let attempts = error.parse_attempts();
    let location = match error.location {
        pest::error::InputLocation::Pos(position) => position,
        pest::error::InputLocation::Span((start, _)) => start,
    };
    let positives_are_current = attempts
        .as_ref()
        .is_none_or(|attempts| attempts.max_position <= location);
    if positives_are_current
        && let pest::error::ErrorVariant::ParsingError { positives, .. } = &error.variant
    {
        rules.extend(positives.iter().copied());
    }
    // The deepest rule of each attempt is what was expected here; its parents are only the
    // context it sat in (a `set` action half written is not "expected an action").
    if let Some(attempts) = &attempts {
        for stack in attempts.call_stacks() {
            rules.extend(stack.deepest.get_rule().copied());
        }
    }
    let mut tokens = BTreeSet::new();
    if let Some(attempts) = attempts {
        // The token type is not exported; its Display is the literal itself, a character
        // range (`a..z`) or a built-in rule, and only literals are wanted here.
        for token in attempts.expected_tokens() {
            let token = token.to_string();
            if !token.contains("..") && token != "BUILTIN_RULE" && !token.trim().is_empty() {
                tokens.insert(token);
            }
        }
    }
    (rules, tokens)
}

/// A short phrase per expectation, in a fixed order so messages are stable.
fn describe_expected(rules: &BTreeSet<Rule>, tokens: &BTreeSet<String>, after: &str) -> String {
    if after.starts_with("match ") && tokens.contains("=") {
        return "`=` and the other side's key, as in `match lower(hs.email) = lower(sf.Email)`"
            .to_string();
    }
    let mut phrases: Vec<String> = Vec::new();
    fn push(phrases: &mut Vec<String>, phrase: String) {
        if !phrases.contains(&phrase) {
            phrases.push(phrase);
        }
    }
    // A name's role is clear from the word before it.
    let name_phrase = match after.rsplit(char::is_whitespace).next().unwrap_or("") {
        "prefer" | "in" | "," => "a connection name such as `hs` or `sf`",
        "through" => "the name of a sync",
        "via" => "the name of a value map, or an inline map `{ ... }`",
        "table" | "map" | "sync" | "connection" => "a name for it",
        _ => "a name",
    };
    // A rule that fails on one of its own literals (`=` in `set x = v`) is reported as that
    // rule; the literal is the better thing to name.
    let has_token = tokens
        .iter()
        .any(|token| is_meaningful_token(token) || is_operator(token));
    for rule in rules {
        if has_token && is_container(*rule) {
            continue;
        }
        let phrase = match rule {
            Rule::name | Rule::bare_name | Rule::ident => Some(name_phrase),
            Rule::map_body if name_phrase.contains("inline map") => None,
            _ => rule_phrase(*rule),
        };
        if let Some(phrase) = phrase {
            push(&mut phrases, phrase.to_string());
        } else if let Some(keyword) = format!("{rule:?}").strip_prefix("k_") {
            // `prefer` is already named by "a conflict rule (`prefer hs`, ...)".
            let named = phrases
                .iter()
                .any(|phrase| phrase.contains(&format!("`{keyword} ")));
            if !named {
                push(&mut phrases, format!("`{keyword}`"));
            }
        }
    }
    // Keywords and punctuation tried here. Operators are left out while there is anything
    // else to say: after a complete value almost any operator would fit, and listing them
    // all hides the likely fix.
    let mut operators = Vec::new();
    for token in tokens {
        let quoted = format!("`{token}`");
        let quoted_with_argument = format!("`{token} ");
        let already_said = phrases
            .iter()
            .any(|phrase| phrase.contains(&quoted) || phrase.contains(&quoted_with_argument))
            || (token == "{" && name_phrase.contains("inline map"));
        if !is_meaningful_token(token) && !is_operator(token) || already_said {
            continue;
        }
        if is_operator(token) {
            operators.push(quoted);
        } else {
            push(&mut phrases, quoted);
        }
    }
    if phrases.is_empty() {
        phrases = operators;
    }
    if phrases.is_empty() {
        return "something else".to_string();
    }
    join_alternatives(&phrases)
}

/// Rules made of several parts, whose failure usually means one of their literals is
/// missing.
fn is_container(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::set_action
            | Rule::create_action
            | Rule::notify_action
            | Rule::field_assignment
            | Rule::match_rule
            | Rule::scope_filter
            | Rule::create_policy
            | Rule::conflict_setting
            | Rule::delete_policy
            | Rule::limits
            | Rule::mapping
            | Rule::sync_def
            | Rule::map_def
            | Rule::table_def
            | Rule::connection
            | Rule::trigger
    )
}

fn rule_phrase(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::name | Rule::bare_name => "a name",
        Rule::ident => "a name",
        Rule::system => "a system (`hubspot` or `salesforce`)",
        Rule::string | Rule::template => "a string in double quotes",
        Rule::integer => "a whole number",
        Rule::number => "a number",
        Rule::field_path => "a field such as `hs.email`",
        Rule::object_ref => "an object such as `hs.contacts` or `sf.Lead`",
        Rule::segment_name | Rule::path_segment => "a field or object name",
        Rule::pair_arrow => "a value-map arrow `=>` or `<=>`",
        Rule::literal => "a literal value",
        Rule::delete_action => "`ignore`, `archive` or `propagate`",
        Rule::limit_kind | Rule::limit => "`creates`, `updates` or `deletes`",
        Rule::conflict_rule | Rule::prefer_rule => {
            "a conflict rule (`prefer hs`, `newest`, `review`)"
        }
        Rule::mapping => "a mapping",
        Rule::map_body => "a value map body `{ ... }`",
        Rule::becomes | Rule::changes => "`becomes` or `changes`",
        Rule::match_rule
        | Rule::scope_filter
        | Rule::create_policy
        | Rule::conflict_setting
        | Rule::delete_policy
        | Rule::limits => "a sync setting",
        Rule::set_action | Rule::create_action | Rule::notify_action => {
            "an action (`set`, `create` or `notify`)"
        }
        Rule::field_assignment => "a field assignment `Field = value`",
        _ => return None,
    })
}

/// Keywords and structural punctuation; not the first characters of strings, dates, names or
/// comments, which pest also lists.
fn is_meaningful_token(token: &str) -> bool {
    let is_word = token.len() > 1 && token.chars().all(|c| c.is_ascii_alphabetic());
    let is_structural = matches!(
        token,
        "{" | "}" | "[" | "]" | ")" | "," | ":" | "=>" | "<=>" | "->" | "<-" | "<->"
    );
    is_word || is_structural
}

fn is_operator(token: &str) -> bool {
    matches!(
        token,
        "+" | "-" | "*" | "/" | "??" | "=" | "!=" | "<" | "<=" | ">" | ">=" | "." | "("
    )
}

fn join_alternatives(phrases: &[String]) -> String {
    match phrases {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

/// What the user wrote at the error position, for "found ...".
fn describe_found(text: &str, position: usize) -> String {
    let rest = &text[position..];
    let Some(first) = rest.chars().next() else {
        return "the end of the file".to_string();
    };
    if first == '\n' || first == '\r' {
        return "the end of the line".to_string();
    }
    if first == '"' {
        return "a string".to_string();
    }
    let token = token_at(rest);
    format!("`{token}`")
}

/// The word or symbol at the start of `rest`.
fn token_at(rest: &str) -> &str {
    let word_len: usize = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .map(char::len_utf8)
        .sum();
    if word_len > 0 {
        return &rest[..word_len];
    }
    let symbol_len: usize = rest
        .chars()
        .take_while(|c| "<>=-!?*/+.:,@&|%^~$;".contains(*c))
        .take(3)
        .map(char::len_utf8)
        .sum();
    if symbol_len > 0 {
        return &rest[..symbol_len];
    }
    let first_len = rest.chars().next().map(char::len_utf8).unwrap_or(0);
    &rest[..first_len]
}

fn found_span(file: FileId, text: &str, position: usize) -> Span {
    let rest = &text[position..];
    if rest.is_empty() || rest.starts_with(['\n', '\r']) {
        return Span::new(file, position, position);
    }
    if rest.starts_with('"') {
        return Span::new(file, position, line_end(text, position));
    }
    Span::new(file, position, position + token_at(rest).len())
}

/// The code before the error on its line (or the previous code line), for "after `...`".
fn text_before(text: &str, position: usize) -> String {
    let before = &text[..position];
    let mut lines = before.lines().rev().map(strip_comment).map(str::trim);
    let line = lines.find(|line| !line.is_empty()).unwrap_or("");
    const LIMIT: usize = 40;
    if line.chars().count() <= LIMIT {
        return line.to_string();
    }
    let tail: String = line
        .chars()
        .rev()
        .take(LIMIT)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("…{}", tail.trim_start())
}

/// The end of the last code (not whitespace or comment) before `offset`.
fn code_end_before(text: &str, offset: usize) -> usize {
    let mut end = offset;
    loop {
        let trimmed = text[..end].trim_end().len();
        let line_start = text[..trimmed].rfind('\n').map(|i| i + 1).unwrap_or(0);
        let code = strip_comment(&text[line_start..trimmed]).trim_end();
        if !code.is_empty() || line_start == 0 {
            return line_start + code.len();
        }
        end = line_start;
    }
}

/// The code part of a line: everything before a `#` that is not inside a string.
fn strip_comment(line: &str) -> &str {
    match lex::scan(line).comments.first() {
        Some(comment) => &line[..comment.start],
        None => line,
    }
}

fn line_end(text: &str, from: usize) -> usize {
    text[from..]
        .find(['\n', '\r'])
        .map(|offset| from + offset)
        .unwrap_or(text.len())
}
