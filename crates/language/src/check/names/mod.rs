//! names: schema-independent name checks over the whole spec.
//!
//! In: the AST of every file of a spec. Out: a `tandem::names::*` diagnostic for every
//! duplicate name (sync, map, table, connection), every undefined connection, map, table,
//! sync or function, a one-way map on a two-way mapping, and other misuse that needs no CRM
//! schema. Never: reads files or schemas; never stops at the first error.

mod errors;
mod functions;
mod syncs;
mod values;

use std::collections::BTreeMap;

pub use errors::NamesError;
pub use functions::{FUNCTIONS, Function, lookup_function};

use tandem_ground::diagnostics::{Diag, Span};
use tandem_syntax::ast::{self, Item};

/// Runs every name check and returns all diagnostics found.
pub fn check_names(spec: &ast::Spec) -> Vec<Diag> {
    let mut checker = NameChecker::new(spec);
    for item in &spec.items {
        match item {
            Item::Connection(_) | Item::Table(_) => {}
            Item::Map(map) => checker.map_def(map),
            Item::Sync(sync) => checker.sync_def(sync),
            Item::Trigger(trigger) => checker.trigger(trigger),
        }
    }
    checker.diags
}

/// The names a spec defines; the first definition of a name wins.
pub(crate) struct NameChecker<'spec> {
    pub(crate) connections: BTreeMap<&'spec str, &'spec ast::Connection>,
    pub(crate) maps: BTreeMap<&'spec str, &'spec ast::MapDef>,
    pub(crate) tables: BTreeMap<&'spec str, &'spec ast::TableDef>,
    pub(crate) syncs: BTreeMap<&'spec str, &'spec ast::SyncDef>,
    pub(crate) diags: Vec<Diag>,
}

impl<'spec> NameChecker<'spec> {
    fn new(spec: &'spec ast::Spec) -> Self {
        let mut checker = NameChecker {
            connections: BTreeMap::new(),
            maps: BTreeMap::new(),
            tables: BTreeMap::new(),
            syncs: BTreeMap::new(),
            diags: Vec::new(),
        };
        for item in &spec.items {
            let duplicate = match item {
                Item::Connection(c) => define(&mut checker.connections, &c.name, c),
                Item::Map(m) => define(&mut checker.maps, &m.name, m),
                Item::Table(t) => define(&mut checker.tables, &t.name, t),
                Item::Sync(s) => define(&mut checker.syncs, &s.name, s),
                Item::Trigger(_) => None,
            };
            if let Some(first) = duplicate {
                let (kind, name) = match item {
                    Item::Connection(c) => ("connection", &c.name),
                    Item::Map(m) => ("value map", &m.name),
                    Item::Table(t) => ("table", &t.name),
                    Item::Sync(s) => ("sync", &s.name),
                    Item::Trigger(_) => continue,
                };
                let same_file = first.file == name.span.file;
                checker.report(
                    name.span,
                    NamesError::DuplicateName {
                        kind,
                        name: name.name.clone(),
                        same_file,
                        span: name.span.into(),
                        first: same_file.then(|| first.into()),
                    },
                );
            }
        }
        checker
    }

    pub(crate) fn report(&mut self, at: Span, error: NamesError) {
        self.diags.push(Diag::new(at.file, error));
    }

    pub(crate) fn check_connection(&mut self, name: &ast::Ident) -> Option<&'spec ast::Connection> {
        if let Some(connection) = self.connections.get(name.as_str()) {
            return Some(connection);
        }
        let suggestion = closest(&name.name, self.connections.keys().copied());
        self.report(
            name.span,
            NamesError::UndefinedConnection {
                name: name.name.clone(),
                suggestion,
                span: name.span.into(),
            },
        );
        None
    }

    fn map_def(&mut self, map: &ast::MapDef) {
        if let Some(header) = &map.header {
            self.check_connection(&header.left.connection);
            self.check_connection(&header.right.connection);
            if header.direction == ast::Direction::Both {
                for arm in &map.body.arms {
                    if let ast::MapArmKind::Pair {
                        arrow: ast::PairArrow::Forward,
                        ..
                    } = arm.kind
                    {
                        self.report(
                            arm.span,
                            NamesError::MapDirectionMismatch {
                                map: map.name.name.clone(),
                                span: arm.span.into(),
                            },
                        );
                    }
                }
            }
        }
        self.map_body(&map.body);
    }
}

/// Records a definition; returns the span of the earlier one when the name is taken.
fn define<'spec, T>(
    scope: &mut BTreeMap<&'spec str, &'spec T>,
    name: &'spec ast::Ident,
    item: &'spec T,
) -> Option<Span>
where
    T: HasName,
{
    match scope.get(name.as_str()) {
        Some(first) => Some(first.name_span()),
        None => {
            scope.insert(name.as_str(), item);
            None
        }
    }
}

trait HasName {
    fn name_span(&self) -> Span;
}

macro_rules! has_name {
    ($($ty:ty),*) => {
        $(impl HasName for $ty {
            fn name_span(&self) -> Span {
                self.name.span
            }
        })*
    };
}

has_name!(ast::Connection, ast::MapDef, ast::TableDef, ast::SyncDef);

/// The closest known name, when it is close enough to be a likely typo.
pub(crate) fn closest<'a>(name: &str, known: impl Iterator<Item = &'a str>) -> Option<String> {
    known
        .map(|candidate| (strsim::damerau_levenshtein(name, candidate), candidate))
        .filter(|(distance, candidate)| {
            *distance <= 2.max(candidate.len() / 4) && *distance < candidate.len()
        })
        .min()
        .map(|(_, candidate)| candidate.to_string())
}
