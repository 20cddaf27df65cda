//! Items, sync lines, mappings and actions as [`Entry`] values for the layout.

use super::expr::{and_operands, expr, literal, match_side, string, template};
use super::layout::{AlignKind, Body, Comments, Entry, lay_out};
use crate::ast::*;
use tandem_ground::diagnostics::Span;

/// Lines longer than this are broken where the language allows (modifiers, `and` chains).
pub(crate) const MAX_WIDTH: usize = 100;
const INDENT: &str = "  ";
/// Continuation lines of a broken mapping sit this much deeper than the mapping.
const CONTINUATION: &str = "    ";

pub(crate) fn item(comments: &mut Comments, item: &Item) -> Vec<Entry> {
    match item {
        Item::Connection(connection) => leaf(
            comments,
            connection.span,
            Body::Lines(vec![format!(
                "connection {}: {}",
                connection.name.name,
                system_word(connection.system)
            )]),
        ),
        Item::Table(table) => leaf(
            comments,
            table.span,
            Body::Lines(vec![format!(
                "table {} from {}",
                table.name.name,
                string(&table.path.value)
            )]),
        ),
        Item::Map(map) => block_item(map_def(comments, map)),
        Item::Sync(sync) => block_item(sync_def(comments, sync)),
        Item::Trigger(trigger) => block_item(trigger_def(comments, trigger)),
    }
}

fn system_word(system: System) -> &'static str {
    match system {
        System::Hubspot => "hubspot",
        System::Salesforce => "salesforce",
    }
}

fn block_item(mut entries: Vec<Entry>) -> Vec<Entry> {
    if let Some(last) = entries.last_mut() {
        last.is_block = true;
    }
    entries
}

/// A node on one line (or a few lines with no comments of their own): comments inside it
/// move above it, a comment after it on the same line stays there.
fn leaf(comments: &mut Comments, span: Span, body: Body) -> Vec<Entry> {
    let start = span.start as usize;
    let end = span.end as usize;
    let mut entries = hoist(comments.take_before(end), start);
    let mut entry = match body {
        Body::Lines(lines) => Entry::lines(lines, start, end),
        Body::Cells(kind, cells) => Entry::cells(kind, cells, start, end),
    };
    attach_trailing(comments, &mut entry, end);
    entries.push(entry);
    entries
}

/// Comments from inside a node are placed above it: for blank-line purposes they sit where
/// the node starts.
fn hoist(mut entries: Vec<Entry>, node_start: usize) -> Vec<Entry> {
    for entry in &mut entries {
        if entry.start > node_start {
            entry.start = node_start;
            entry.end = node_start;
        }
    }
    entries
}

fn attach_trailing(comments: &mut Comments, entry: &mut Entry, after: usize) {
    if let Some((comment, comment_end)) = comments.take_trailing(after) {
        entry.trailing = Some(comment);
        entry.end = comment_end;
    }
}

/// A `header {` ... `}` node whose body is laid out by `body`. `open` is the offset of the
/// `{`, `close` of the `}`.
fn block(
    comments: &mut Comments,
    span: Span,
    header: String,
    open: usize,
    close: usize,
    body: impl FnOnce(&mut Comments) -> Vec<Entry>,
) -> Vec<Entry> {
    let mut entries = comments.take_before(open);
    let mut header_line = format!("{header} {{");
    let header_comment = comments.take_trailing(open + 1);
    if let Some((comment, _)) = &header_comment {
        header_line.push_str("  ");
        header_line.push_str(comment);
    }
    let mut inner = body(comments);
    inner.extend(comments.take_before(close));
    let text = comments.text;
    let inner_lines = lay_out(text, inner, INDENT, false);
    let lines = if inner_lines.is_empty() && header_comment.is_none() {
        vec![format!("{header} {{}}")]
    } else {
        let mut lines = vec![header_line];
        lines.extend(inner_lines);
        lines.push("}".to_string());
        lines
    };
    let end = span.end as usize;
    let mut entry = Entry::lines(lines, span.start as usize, end);
    attach_trailing(comments, &mut entry, end);
    entries.push(entry);
    entries
}

/// The offset of the first `{` at or after `from`, skipping whitespace and comments.
fn open_brace_after(text: &str, from: usize) -> usize {
    let bytes = text.as_bytes();
    let mut index = from;
    while index < bytes.len() {
        match bytes[index] {
            b'{' => return index,
            b'#' => {
                while index < bytes.len() && bytes[index] != b'\n' {
                    index += 1;
                }
            }
            _ => index += 1,
        }
    }
    from
}

fn close_brace(span: Span) -> usize {
    (span.end as usize).saturating_sub(1)
}

fn object(object: &ObjectRef) -> String {
    format!(
        "{}.{}",
        object.connection.name,
        display_name(&object.object.name)
    )
}

// ------------------------------------------------------------------------ maps

fn map_def(comments: &mut Comments, map: &MapDef) -> Vec<Entry> {
    let header = match &map.header {
        Some(header) => format!(
            "map {}: {} {} {}",
            map.name.name,
            header.left.display(),
            header.direction.symbol(),
            header.right.display()
        ),
        None => format!("map {}", map.name.name),
    };
    let open = map.body.span.start as usize;
    block(
        comments,
        map.span,
        header,
        open,
        close_brace(map.body.span),
        |c| map_arms(c, &map.body),
    )
}

fn map_arms(comments: &mut Comments, body: &MapBody) -> Vec<Entry> {
    let mut entries = Vec::new();
    for arm in &body.arms {
        let body = match &arm.kind {
            MapArmKind::Pair { left, arrow, right } => {
                let arrow = match arrow {
                    PairArrow::Forward => "=>",
                    PairArrow::Both => "<=>",
                };
                Body::Cells(
                    AlignKind::MapArm,
                    vec![literal(left), arrow.to_string(), literal(right)],
                )
            }
            MapArmKind::Else { value } => Body::Cells(
                AlignKind::MapArm,
                vec!["else".to_string(), "=>".to_string(), literal(value)],
            ),
            MapArmKind::ElseError => Body::Lines(vec!["else error".to_string()]),
        };
        entries.extend(leaf(comments, arm.span, body));
    }
    entries
}

// ----------------------------------------------------------------------- syncs

fn sync_def(comments: &mut Comments, sync: &SyncDef) -> Vec<Entry> {
    let header = format!(
        "sync {}: {} {} {}",
        sync.name.name,
        object(&sync.left),
        sync.direction.symbol(),
        object(&sync.right)
    );
    let open = open_brace_after(comments.text, sync.right.span.end as usize);
    block(
        comments,
        sync.span,
        header,
        open,
        close_brace(sync.span),
        |c| {
            let mut entries = Vec::new();
            for item in &sync.body {
                entries.extend(c.take_before(item.span().start as usize));
                entries.extend(sync_item(c, item));
            }
            entries
        },
    )
}

fn sync_item(comments: &mut Comments, item: &SyncItem) -> Vec<Entry> {
    let line = |text: String| Body::Lines(vec![text]);
    match item {
        SyncItem::Match(rule) => leaf(
            comments,
            rule.span,
            line(format!(
                "match {} = {}",
                match_side(&rule.left),
                match_side(&rule.right)
            )),
        ),
        SyncItem::Scope(filter) => leaf(comments, filter.span, scope_filter(filter)),
        SyncItem::Create(policy) => {
            let sides: Vec<&str> = policy.sides.iter().map(Ident::as_str).collect();
            leaf(
                comments,
                policy.span,
                line(format!("create in {}", sides.join(", "))),
            )
        }
        SyncItem::Conflict(setting) => leaf(
            comments,
            setting.span,
            line(format!("conflict {}", conflict_rule(&setting.rule))),
        ),
        SyncItem::Delete(policy) => {
            let action = match policy.action {
                DeleteAction::Ignore => "ignore",
                DeleteAction::Archive => "archive",
                DeleteAction::Propagate => "propagate",
            };
            leaf(comments, policy.span, line(format!("on delete {action}")))
        }
        SyncItem::Limits(limits) => {
            let parts: Vec<String> = limits
                .limits
                .iter()
                .map(|limit| {
                    let kind = match limit.kind {
                        LimitKind::Creates => "creates",
                        LimitKind::Updates => "updates",
                        LimitKind::Deletes => "deletes",
                    };
                    format!("{kind} {}", limit.max)
                })
                .collect();
            leaf(
                comments,
                limits.span,
                line(format!("limit {}", parts.join(", "))),
            )
        }
        SyncItem::Mapping(mapping) => self::mapping(comments, mapping),
    }
}

/// `only a and b and c`, with one operand per line when the line would be too long.
fn scope_filter(filter: &ScopeFilter) -> Body {
    let single = format!("only {}", expr(&filter.condition));
    let operands = and_operands(&filter.condition);
    if INDENT.len() + single.chars().count() <= MAX_WIDTH || operands.len() < 2 {
        return Body::Lines(vec![single]);
    }
    let mut lines = Vec::new();
    for (index, operand) in operands.iter().enumerate() {
        if index == 0 {
            lines.push(format!("only {operand}"));
        } else {
            lines.push(format!("     and {operand}"));
        }
    }
    Body::Lines(lines)
}

fn conflict_rule(rule: &ConflictRule) -> String {
    match &rule.kind {
        ConflictRuleKind::Prefer { side, unless_blank } => {
            if *unless_blank {
                format!("prefer {} unless blank", side.name)
            } else {
                format!("prefer {}", side.name)
            }
        }
        ConflictRuleKind::Newest => "newest".to_string(),
        ConflictRuleKind::Review => "review".to_string(),
    }
}

fn mapping(comments: &mut Comments, mapping: &Mapping) -> Vec<Entry> {
    let left = expr(&mapping.left);
    let arrow = mapping.direction.symbol().to_string();
    let right = expr(&mapping.right);
    let has_inline_map = mapping
        .modifiers
        .iter()
        .any(|m| matches!(m.kind, ModifierKind::Via(ValueMapRef::Inline(_))));
    if !has_inline_map {
        let modifiers: Vec<String> = mapping.modifiers.iter().map(simple_modifier).collect();
        let single = [left.as_str(), arrow.as_str(), right.as_str()]
            .into_iter()
            .chain(modifiers.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ");
        if modifiers.is_empty() || INDENT.len() + single.chars().count() <= MAX_WIDTH {
            let mut cells = vec![left, arrow, right];
            if !modifiers.is_empty() {
                cells.push(modifiers.join(" "));
            }
            return leaf(
                comments,
                mapping.span,
                Body::Cells(AlignKind::Mapping, cells),
            );
        }
        let mut lines = vec![format!("{left} {arrow} {right}")];
        lines.extend(modifiers.iter().map(|m| format!("{CONTINUATION}{m}")));
        return leaf(comments, mapping.span, Body::Lines(lines));
    }

    // Inline value maps open a block inside the mapping.
    let start = mapping.span.start as usize;
    let end = mapping.span.end as usize;
    let mut entries = Vec::new();
    let mut lines = Vec::new();
    let mut current = format!("{left} {arrow} {right}");
    for modifier in &mapping.modifiers {
        match &modifier.kind {
            ModifierKind::Via(ValueMapRef::Inline(body)) => {
                let open = body.span.start as usize;
                entries.extend(comments.take_before(open));
                current.push_str(" via {");
                if let Some((comment, _)) = comments.take_trailing(open + 1) {
                    current.push_str("  ");
                    current.push_str(&comment);
                }
                lines.push(std::mem::take(&mut current));
                let mut arms = map_arms(comments, body);
                arms.extend(comments.take_before(close_brace(body.span)));
                lines.extend(lay_out(comments.text, arms, INDENT, false));
                current = "}".to_string();
            }
            _ => {
                current.push(' ');
                current.push_str(&simple_modifier(modifier));
            }
        }
    }
    lines.push(current);
    entries.extend(comments.take_before(end));
    let mut entry = Entry::lines(lines, start, end);
    attach_trailing(comments, &mut entry, end);
    entries.push(entry);
    entries
}

/// A modifier on one line (an inline map is rendered by the caller).
fn simple_modifier(modifier: &Modifier) -> String {
    match &modifier.kind {
        ModifierKind::Conflict(rule) => conflict_rule(rule),
        ModifierKind::KeepWhenBlank => "keep when blank".to_string(),
        ModifierKind::Default(value) => format!("default {}", expr(value)),
        ModifierKind::Transform(value) => format!("transform {}", expr(value)),
        ModifierKind::Reverse(value) => format!("reverse {}", expr(value)),
        ModifierKind::Via(ValueMapRef::Named(name)) => format!("via {}", name.name),
        ModifierKind::Via(ValueMapRef::Inline(_)) => "via { }".to_string(),
        ModifierKind::Truncate(length) => format!("truncate {length}"),
        ModifierKind::Through(sync) => format!("through {}", sync.name),
    }
}

// -------------------------------------------------------------------- triggers

fn trigger_def(comments: &mut Comments, trigger: &Trigger) -> Vec<Entry> {
    let mut header = format!("on {}", trigger.field.display());
    match &trigger.event.kind {
        TriggerEventKind::Becomes(value) => {
            header.push_str(" becomes ");
            header.push_str(&expr(value));
        }
        TriggerEventKind::Changes => header.push_str(" changes"),
    }
    let mut before_brace = trigger.event.span.end as usize;
    if let Some(condition) = &trigger.condition {
        header.push_str(" when ");
        header.push_str(&expr(condition));
        before_brace = condition.span.end as usize;
    }
    let open = open_brace_after(comments.text, before_brace);
    block(
        comments,
        trigger.span,
        header,
        open,
        close_brace(trigger.span),
        |c| {
            let mut entries = Vec::new();
            for action in &trigger.actions {
                entries.extend(c.take_before(action.span.start as usize));
                entries.extend(self::action(c, action));
            }
            entries
        },
    )
}

fn action(comments: &mut Comments, action: &Action) -> Vec<Entry> {
    match &action.kind {
        ActionKind::Set { target, value, via } => {
            let assignment = format!("set {} = {}", target.display(), expr(value));
            match via {
                None => leaf(comments, action.span, Body::Lines(vec![assignment])),
                Some(ValueMapRef::Named(name)) => leaf(
                    comments,
                    action.span,
                    Body::Lines(vec![format!("{assignment} via {}", name.name)]),
                ),
                Some(ValueMapRef::Inline(body)) => {
                    let open = body.span.start as usize;
                    block(
                        comments,
                        action.span,
                        format!("{assignment} via"),
                        open,
                        close_brace(body.span),
                        |c| map_arms(c, body),
                    )
                }
            }
        }
        ActionKind::Create {
            object: target,
            fields,
        } => {
            let header = format!("create {}", object(target));
            let open = open_brace_after(comments.text, target.span.end as usize);
            block(
                comments,
                action.span,
                header,
                open,
                close_brace(action.span),
                |c| {
                    let mut entries = Vec::new();
                    for field in fields {
                        entries.extend(c.take_before(field.span.start as usize));
                        entries.extend(leaf(
                            c,
                            field.span,
                            Body::Cells(
                                AlignKind::Assignment,
                                vec![
                                    field.field.name.clone(),
                                    "=".to_string(),
                                    expr(&field.value),
                                ],
                            ),
                        ));
                    }
                    entries
                },
            )
        }
        ActionKind::Notify {
            channel,
            target,
            message,
        } => leaf(
            comments,
            action.span,
            Body::Lines(vec![format!(
                "notify {} {} {}",
                channel.name,
                string(&target.value),
                template(message)
            )]),
        ),
    }
}
