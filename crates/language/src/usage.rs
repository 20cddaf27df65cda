//! What a spec uses of each CRM schema: objects, fields, fields it writes, and picklist
//! values its value maps name. `tandem schema diff` only fails on drift that touches these.
//!
//! Pure: walks the parsed AST. Field paths with one segment inside a sync are fields of that
//! sync's object; `conn.Object.field` paths (map headers, triggers) name both. Paths through
//! relationships or associations are not tracked (their target object's fields are checked
//! by `tandem validate`).

use std::collections::BTreeMap;

use tandem_ground::schema::System;
pub use tandem_ground::schema::usage::{FieldKey, SpecUsage};
use tandem_syntax::ast::{self, Direction, ExprKind, Item, MapArmKind, ModifierKind, ValueMapRef};

pub fn spec_usage(spec: &ast::Spec) -> SpecUsage {
    let connections: BTreeMap<String, System> = spec
        .connections()
        .map(|c| (c.name.name.clone(), c.system))
        .collect();
    let mut usage = SpecUsage::default();
    let qualified = |path: &ast::FieldPath| -> Option<FieldKey> {
        let system = *connections.get(&path.connection.name)?;
        match path.segments.as_slice() {
            [object, field] if object.selector.is_none() && field.selector.is_none() => {
                Some((system, object.name.name.clone(), field.name.name.clone()))
            }
            _ => None,
        }
    };
    // Named maps: remember their fields so `via name` can credit values.
    let mut named_maps: BTreeMap<String, (Option<FieldKey>, Option<FieldKey>, &ast::MapBody)> =
        BTreeMap::new();
    for item in &spec.items {
        match item {
            Item::Map(map) => {
                let (left, right) = match &map.header {
                    Some(header) => (qualified(&header.left), qualified(&header.right)),
                    None => (None, None),
                };
                for key in left.iter().chain(right.iter()) {
                    usage.objects.insert((key.0, key.1.clone()));
                    usage.fields.insert(key.clone());
                }
                add_map_values(&mut usage, left.as_ref(), right.as_ref(), &map.body);
                named_maps.insert(map.name.name.clone(), (left, right, &map.body));
            }
            Item::Trigger(trigger) => {
                let Some(watched) = qualified(&trigger.field) else {
                    continue;
                };
                usage.objects.insert((watched.0, watched.1.clone()));
                usage.fields.insert(watched.clone());
                // Inside a trigger, `sf.Amount` is a field of the watched record.
                let body = serde_json::to_value((&trigger.condition, &trigger.actions))
                    .unwrap_or_default();
                for path in field_paths(&body) {
                    if connections.get(&path.connection.name) == Some(&watched.0)
                        && let [field] = path.segments.as_slice()
                        && field.selector.is_none()
                    {
                        usage.fields.insert((
                            watched.0,
                            watched.1.clone(),
                            field.name.name.clone(),
                        ));
                    }
                }
                // `create sf.Task { Subject = … }` writes those fields of that object.
                for action in &trigger.actions {
                    if let ast::ActionKind::Create { object, fields } = &action.kind
                        && let Some(system) = connections.get(&object.connection.name)
                    {
                        usage.objects.insert((*system, object.object.name.clone()));
                        for assignment in fields {
                            let key = (
                                *system,
                                object.object.name.clone(),
                                assignment.field.name.clone(),
                            );
                            usage.fields.insert(key.clone());
                            usage.written.insert(key);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    for sync in spec.syncs() {
        let mut objects: BTreeMap<String, (System, String)> = BTreeMap::new();
        for side in [&sync.left, &sync.right] {
            if let Some(system) = connections.get(&side.connection.name) {
                objects.insert(
                    side.connection.name.clone(),
                    (*system, side.object.name.clone()),
                );
                usage.objects.insert((*system, side.object.name.clone()));
            }
        }
        let field_of = |path: &ast::FieldPath| -> Option<FieldKey> {
            let (system, object) = objects.get(&path.connection.name)?;
            match path.segments.as_slice() {
                [field] if field.selector.is_none() => {
                    Some((*system, object.clone(), field.name.name.clone()))
                }
                _ => None,
            }
        };
        // Every plain field path anywhere in the sync body is a read.
        let body = serde_json::to_value(&sync.body).unwrap_or_default();
        for path in field_paths(&body) {
            if let Some(key) = field_of(&path) {
                usage.fields.insert(key);
            }
        }
        for item in &sync.body {
            let ast::SyncItem::Mapping(mapping) = item else {
                continue;
            };
            let side = |expr: &ast::Expr| match &expr.kind {
                ExprKind::Field(path) => field_of(path),
                _ => None,
            };
            let (left, right) = (side(&mapping.left), side(&mapping.right));
            let writes_left = matches!(mapping.direction, Direction::RightToLeft | Direction::Both);
            let writes_right =
                matches!(mapping.direction, Direction::LeftToRight | Direction::Both);
            if writes_left && let Some(key) = &left {
                usage.written.insert(key.clone());
            }
            if writes_right && let Some(key) = &right {
                usage.written.insert(key.clone());
            }
            for modifier in &mapping.modifiers {
                if let ModifierKind::Via(via) = &modifier.kind {
                    match via {
                        ValueMapRef::Inline(body) => {
                            add_map_values(&mut usage, left.as_ref(), right.as_ref(), body)
                        }
                        ValueMapRef::Named(name) => {
                            if let Some((_, _, body)) = named_maps.get(&name.name) {
                                add_map_values(&mut usage, left.as_ref(), right.as_ref(), body);
                            }
                        }
                    }
                }
            }
        }
    }
    usage
}

fn add_map_values(
    usage: &mut SpecUsage,
    left: Option<&FieldKey>,
    right: Option<&FieldKey>,
    body: &ast::MapBody,
) {
    let mut add = |key: Option<&FieldKey>, literal: &ast::Literal| {
        if let (Some(key), ast::LiteralValue::String(text)) = (key, &literal.value) {
            usage
                .values
                .entry(key.clone())
                .or_default()
                .insert(text.clone());
        }
    };
    for arm in &body.arms {
        match &arm.kind {
            MapArmKind::Pair {
                left: l, right: r, ..
            } => {
                add(left, l);
                add(right, r);
            }
            MapArmKind::Else { value } => add(right, value),
            MapArmKind::ElseError => {}
        }
    }
}

/// Every `FieldPath` in a serialized subtree (objects with `connection` and `segments`).
fn field_paths(value: &serde_json::Value) -> Vec<ast::FieldPath> {
    let mut found = Vec::new();
    let mut stack = vec![value];
    while let Some(node) = stack.pop() {
        match node {
            serde_json::Value::Object(map) => {
                if map.contains_key("connection") && map.contains_key("segments") {
                    if let Some(path) = decode_path(node) {
                        found.push(path);
                    }
                }
                stack.extend(map.values());
            }
            serde_json::Value::Array(items) => stack.extend(items.iter()),
            _ => {}
        }
    }
    found
}

/// Rebuilds the parts of a FieldPath the usage walk needs (names and selectors).
fn decode_path(node: &serde_json::Value) -> Option<ast::FieldPath> {
    let span = tandem_ground::diagnostics::Span::new(tandem_ground::diagnostics::FileId(0), 0, 0);
    let ident = |value: &serde_json::Value| -> Option<ast::Ident> {
        Some(ast::Ident {
            name: value.get("name")?.as_str()?.to_string(),
            span,
        })
    };
    let connection = ident(node.get("connection")?)?;
    let segments = node
        .get("segments")?
        .as_array()?
        .iter()
        .map(|segment| {
            Some(ast::PathSegment {
                name: ident(segment.get("name")?)?,
                selector: segment.get("selector").and_then(ident),
                span,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some(ast::FieldPath {
        connection,
        segments,
        span,
    })
}
