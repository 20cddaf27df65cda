//! Runs the pest grammar over one file and recovers from errors: after a syntax error the
//! parser reports it, keeps the items before the broken one, and resumes at the next line
//! that starts a top-level item.

use pest::Parser;
use pest::iterators::Pair;
use pest_derive::Parser;

use super::ast::Item;
use super::build::Builder;
use super::classify::{classify_error, error_offset};
use super::errors::SyntaxError;
use super::lex;
use tandem_ground::diagnostics::{Diag, FileId, Span};

#[derive(Parser)]
#[grammar = "../../../grammar/tandem.pest"]
pub(crate) struct TandemParser;

/// Parses one file. Returns every item that parsed and every syntax diagnostic.
pub fn parse_file(file: FileId, text: &str) -> (Vec<Item>, Vec<Diag>) {
    let mut items = Vec::new();
    let mut diags = Vec::new();
    if let Some(position) = lex::scan(text).too_deep {
        let span = Span::new(file, position, position + 1);
        diags.push(Diag::new(
            file,
            SyntaxError::NestingTooDeep {
                limit: lex::MAX_NESTING,
                span: span.into(),
            },
        ));
        return (items, diags);
    }
    let starts = lex::item_starts(text);
    let mut start = 0;
    while start <= text.len() {
        let rest = &text[start..];
        match TandemParser::parse(Rule::spec, rest) {
            Ok(pairs) => {
                let mut builder = Builder::new(file, start);
                items.extend(builder.spec(pairs));
                diags.extend(builder.into_diags());
                break;
            }
            Err(error) => {
                let error = detailed_error(rest).unwrap_or(error);
                let error_position = start + error_offset(&error);
                diags.push(classify_error(file, text, start, error_position, &error));
                // Keep the items before the broken one, when they parse on their own.
                let broken_item_start = starts
                    .iter()
                    .copied()
                    .filter(|&offset| offset > start && offset <= error_position)
                    .max();
                if let Some(end) = broken_item_start
                    && let Ok(pairs) = TandemParser::parse(Rule::spec, &text[start..end])
                {
                    let mut builder = Builder::new(file, start);
                    items.extend(builder.spec(pairs));
                    diags.extend(builder.into_diags());
                }
                // An error right at an item start (a block left open above it) resumes at
                // that item, so it is still checked.
                match starts
                    .iter()
                    .copied()
                    .find(|&offset| offset >= error_position && offset > start)
                {
                    Some(next) => start = next,
                    None => break,
                }
            }
        }
    }
    (items, diags)
}

/// Parses `text` again with pest's detailed attempt tracking, which names the literal
/// tokens expected at an error ("->", "}") so messages can speak about them. Tracking costs
/// time on every token, so the first parse runs without it.
///
/// The switch is process-wide and is only ever turned on: turning it off again could race
/// with another thread's failing parse and change its message.
fn detailed_error(text: &str) -> Option<pest::error::Error<Rule>> {
    pest::set_error_detail(true);
    TandemParser::parse(Rule::spec, text).err()
}

/// The children of a pair without keyword tokens (`k_*` rules), which carry no meaning
/// beyond the rule they sit in.
pub(crate) fn children(pair: Pair<'_, Rule>) -> impl Iterator<Item = Pair<'_, Rule>> {
    pair.into_inner()
        .filter(|child| !is_keyword_token(child.as_rule()))
}

fn is_keyword_token(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::k_connection
            | Rule::k_map
            | Rule::k_table
            | Rule::k_from
            | Rule::k_sync
            | Rule::k_match
            | Rule::k_only
            | Rule::k_create
            | Rule::k_in
            | Rule::k_conflict
            | Rule::k_prefer
            | Rule::k_unless
            | Rule::k_blank
            | Rule::k_on
            | Rule::k_delete
            | Rule::k_limit
            | Rule::k_keep
            | Rule::k_when
            | Rule::k_default
            | Rule::k_transform
            | Rule::k_reverse
            | Rule::k_via
            | Rule::k_truncate
            | Rule::k_through
            | Rule::k_else
            | Rule::k_error
            | Rule::k_if
            | Rule::k_then
            | Rule::k_and
            | Rule::k_or
            | Rule::k_not
            | Rule::k_is
            | Rule::k_becomes
            | Rule::k_changes
            | Rule::k_set
            | Rule::k_notify
    )
}
