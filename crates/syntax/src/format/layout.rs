//! Blocks of lines: comments placed by source position, blank lines kept (at most one),
//! columns aligned within runs of similar lines, trailing comments aligned within runs.

use crate::lex::Comment;

/// Where a formatter is in the source: the comments not yet placed.
pub(crate) struct Comments<'a> {
    pub(crate) text: &'a str,
    comments: Vec<Comment>,
    next: usize,
}

impl<'a> Comments<'a> {
    pub(crate) fn new(text: &'a str, comments: Vec<Comment>) -> Self {
        Comments {
            text,
            comments,
            next: 0,
        }
    }

    /// Every unplaced comment that starts before `offset`, as own-line entries.
    pub(crate) fn take_before(&mut self, offset: usize) -> Vec<Entry> {
        let mut taken = Vec::new();
        while let Some(comment) = self.comments.get(self.next) {
            if comment.start >= offset {
                break;
            }
            taken.push(Entry::comment(
                self.text[comment.start..comment.end].trim_end().to_string(),
                comment.start,
                comment.end,
            ));
            self.next += 1;
        }
        taken
    }

    /// The comment that follows `offset` on the same source line, if any.
    pub(crate) fn take_trailing(&mut self, offset: usize) -> Option<(String, usize)> {
        let comment = self.comments.get(self.next)?;
        let between = self.text.get(offset..comment.start)?;
        if between.contains('\n') || !between.trim().is_empty() {
            return None;
        }
        self.next += 1;
        Some((
            self.text[comment.start..comment.end].trim_end().to_string(),
            comment.end,
        ))
    }
}

/// The kinds of lines whose columns align with their neighbours of the same kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AlignKind {
    Mapping,
    MapArm,
    Assignment,
}

/// One element of a block: a comment on its own line, or a node rendered as lines.
#[derive(Debug)]
pub(crate) struct Entry {
    /// Either the cells of a single aligned line, or complete lines.
    pub(crate) body: Body,
    pub(crate) trailing: Option<String>,
    /// Source range, for blank-line detection (`end` includes a trailing comment).
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) is_comment: bool,
    /// A block item at the top level (sync, map, trigger) gets blank lines around it.
    pub(crate) is_block: bool,
}

#[derive(Debug)]
pub(crate) enum Body {
    /// Columns separated by at least one space; all but the last are padded to the widest
    /// in the run.
    Cells(AlignKind, Vec<String>),
    Lines(Vec<String>),
}

impl Entry {
    pub(crate) fn comment(text: String, start: usize, end: usize) -> Self {
        Entry {
            body: Body::Lines(vec![text]),
            trailing: None,
            start,
            end,
            is_comment: true,
            is_block: false,
        }
    }

    pub(crate) fn lines(lines: Vec<String>, start: usize, end: usize) -> Self {
        Entry {
            body: Body::Lines(lines),
            trailing: None,
            start,
            end,
            is_comment: false,
            is_block: false,
        }
    }

    pub(crate) fn cells(kind: AlignKind, cells: Vec<String>, start: usize, end: usize) -> Self {
        Entry {
            body: Body::Cells(kind, cells),
            trailing: None,
            start,
            end,
            is_comment: false,
            is_block: false,
        }
    }

    fn align_kind(&self) -> Option<AlignKind> {
        match &self.body {
            Body::Cells(kind, _) => Some(*kind),
            Body::Lines(_) => None,
        }
    }

    fn is_single_line(&self) -> bool {
        match &self.body {
            Body::Cells(..) => true,
            Body::Lines(lines) => lines.len() == 1,
        }
    }
}

/// Cells wider than this are not used to align their column.
const MAX_ALIGNED_CELL: usize = 40;

/// Whether the source has a blank line between two entries.
fn blank_between(text: &str, previous_end: usize, next_start: usize) -> bool {
    previous_end < next_start
        && text
            .get(previous_end..next_start)
            .is_some_and(|between| between.matches('\n').count() >= 2)
}

/// Lays out the entries of one block at `indent` and returns its lines. `top_level` adds
/// blank lines around block items.
pub(crate) fn lay_out(
    text: &str,
    entries: Vec<Entry>,
    indent: &str,
    top_level: bool,
) -> Vec<String> {
    let count = entries.len();
    // Which entries start a new paragraph (one blank line before them).
    let mut blank_before = vec![false; count];
    for index in 1..count {
        let previous = &entries[index - 1];
        let current = &entries[index];
        let mut blank = blank_between(text, previous.end, current.start);
        if top_level {
            let attached_comment = previous.is_comment && !blank;
            blank |= previous.is_block;
            blank |= current.is_block && !attached_comment;
            blank |= current.is_comment
                && !previous.is_comment
                && comment_leads_to_block(text, &entries, index);
        }
        blank_before[index] = blank;
    }

    let widths = column_widths(&entries, &blank_before);
    let mut codes: Vec<Vec<String>> = entries
        .iter()
        .zip(&widths)
        .map(|(entry, widths)| render_body(entry, widths, indent))
        .collect();
    align_trailing_comments(&entries, &blank_before, &mut codes);

    let mut out = Vec::new();
    for (index, lines) in codes.into_iter().enumerate() {
        if blank_before[index] {
            out.push(String::new());
        }
        out.extend(lines);
    }
    out
}

/// A comment (and the comments directly below it) sits right above a block item.
fn comment_leads_to_block(text: &str, entries: &[Entry], from: usize) -> bool {
    let mut index = from;
    while index + 1 < entries.len() {
        let next = &entries[index + 1];
        if blank_between(text, entries[index].end, next.start) {
            return false;
        }
        if !next.is_comment {
            return next.is_block;
        }
        index += 1;
    }
    false
}

/// For every entry, the widths its cells pad to: the widest cell in each column over the
/// run of consecutive same-kind single lines it belongs to.
fn column_widths(entries: &[Entry], blank_before: &[bool]) -> Vec<Vec<usize>> {
    let mut widths = vec![Vec::new(); entries.len()];
    let mut start = 0;
    while start < entries.len() {
        let Some(kind) = entries[start].align_kind() else {
            start += 1;
            continue;
        };
        let mut end = start + 1;
        while end < entries.len() && entries[end].align_kind() == Some(kind) && !blank_before[end] {
            end += 1;
        }
        let mut run_widths: Vec<usize> = Vec::new();
        for entry in &entries[start..end] {
            if let Body::Cells(_, cells) = &entry.body {
                for (column, cell) in cells.iter().enumerate() {
                    // The last cell of a line is never padded, so it does not widen its
                    // column; nor does an outlier cell, which is followed by one space.
                    let width = cell.chars().count();
                    let is_last = column + 1 == cells.len();
                    let width = if width > MAX_ALIGNED_CELL || is_last {
                        0
                    } else {
                        width
                    };
                    match run_widths.get_mut(column) {
                        Some(existing) => *existing = (*existing).max(width),
                        None => run_widths.push(width),
                    }
                }
            }
        }
        for slot in &mut widths[start..end] {
            *slot = run_widths.clone();
        }
        start = end;
    }
    widths
}

fn render_body(entry: &Entry, widths: &[usize], indent: &str) -> Vec<String> {
    match &entry.body {
        Body::Lines(lines) => lines
            .iter()
            .enumerate()
            .map(|(index, line)| {
                // Nested lines of a node come with their own indentation relative to it.
                if line.is_empty() {
                    String::new()
                } else if index == 0 || !entry.is_comment {
                    format!("{indent}{line}")
                } else {
                    line.clone()
                }
            })
            .collect(),
        Body::Cells(_, cells) => {
            let mut line = String::from(indent);
            let last = cells.len().saturating_sub(1);
            for (column, cell) in cells.iter().enumerate() {
                line.push_str(cell);
                if column < last {
                    let width = widths.get(column).copied().unwrap_or(0);
                    let pad = width.saturating_sub(cell.chars().count()) + 1;
                    line.push_str(&" ".repeat(pad));
                }
            }
            vec![line.trim_end().to_string()]
        }
    }
}

/// Trailing comments of consecutive single lines start in one column, two spaces after the
/// longest of those lines.
fn align_trailing_comments(entries: &[Entry], blank_before: &[bool], codes: &mut [Vec<String>]) {
    let mut start = 0;
    while start < entries.len() {
        if entries[start].trailing.is_none() {
            start += 1;
            continue;
        }
        let mut end = start + 1;
        while end < entries.len()
            && entries[end].trailing.is_some()
            && entries[end].is_single_line()
            && entries[end - 1].is_single_line()
            && !blank_before[end]
        {
            end += 1;
        }
        let column = codes[start..end]
            .iter()
            .filter_map(|lines| lines.last())
            .map(|line| line.chars().count())
            .max()
            .unwrap_or(0)
            + 2;
        for index in start..end {
            if let (Some(comment), Some(line)) = (&entries[index].trailing, codes[index].last_mut())
            {
                let pad = column.saturating_sub(line.chars().count());
                line.push_str(&" ".repeat(pad));
                line.push_str(comment);
            }
        }
        start = end;
    }
}
