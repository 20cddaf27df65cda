//! The checker's working state: the inputs, what has been resolved so far, and the
//! diagnostics collected. One `Checker` checks one spec.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use tandem_ground::diagnostics::{Diag, Span};
use tandem_ground::schema::{FieldSchema, ObjectSchema, Schemas, System};
use tandem_syntax::ast;

use super::checked::{BoundObject, CheckedMap, CheckedSpec, CheckedTable};
use super::errors::{CheckError, did_you_mean};
use super::suggest::closest;
use crate::check::lookup_tables::Tables;

/// The key of a written field across the whole spec: system, object, field.
pub(crate) type WriteKey = (System, String, String);

pub(crate) struct Checker<'a> {
    pub spec: &'a ast::Spec,
    pub schemas: &'a Schemas,
    pub tables: &'a Tables,
    pub diags: Vec<Diag>,
    /// Connections whose system has a snapshot: alias -> system.
    pub connections: BTreeMap<String, System>,
    /// Named maps after checking their definitions.
    pub maps: BTreeMap<String, CheckedMap>,
    /// Tables that loaded.
    pub checked_tables: BTreeMap<String, CheckedTable>,
    /// Where the snapshots came from, for `missing_schema`.
    pub schema_origin: super::errors::SchemaOrigin,
    pub used_maps: BTreeSet<String>,
    pub used_tables: BTreeSet<String>,
    /// Every target written so far: each writer's span and sync (`None` for a triggered
    /// action), for rule 7.
    pub writers: BTreeMap<WriteKey, Vec<(Span, Option<String>)>>,
    /// Syncs by name (for `through`), as written.
    pub sync_defs: BTreeMap<String, &'a ast::SyncDef>,
    pub out: CheckedSpec,
    /// Shared copies of the objects and fields referenced so far, so a spec that names one
    /// field a thousand times copies its schema once.
    pub object_cache: HashMap<(System, String), Arc<ObjectSchema>>,
    pub field_cache: HashMap<(System, String, String), Arc<FieldSchema>>,
    /// Picklist domains by field, built once (rule 5 reads them for every value).
    pub domain_cache: HashMap<(System, String, String), Option<Arc<super::picklists::Domain>>>,
    /// The pipelines the records being checked are written into, while a sync or a
    /// `create` action that fixes them is checked (deal stages are checked against them).
    pub pipeline_scope: Option<super::pipelines::PipelineScope>,
    /// While a sync's mappings are checked: the sync and the sides it creates records on.
    pub sync_creates: Option<SyncCreates>,
}

/// The sides a sync creates records on, for the create-only rule.
#[derive(Debug, Clone)]
pub(crate) struct SyncCreates {
    pub sync: String,
    pub sides: Vec<super::checked::Side>,
}

impl<'a> Checker<'a> {
    pub fn new(spec: &'a ast::Spec, schemas: &'a Schemas, tables: &'a Tables) -> Self {
        let mut sync_defs = BTreeMap::new();
        for sync in spec.syncs() {
            sync_defs.entry(sync.name.name.clone()).or_insert(sync);
        }
        Checker {
            spec,
            schemas,
            tables,
            diags: Vec::new(),
            connections: BTreeMap::new(),
            maps: BTreeMap::new(),
            checked_tables: BTreeMap::new(),
            schema_origin: super::errors::SchemaOrigin::Unknown,
            used_maps: BTreeSet::new(),
            used_tables: BTreeSet::new(),
            writers: BTreeMap::new(),
            sync_defs,
            out: CheckedSpec::default(),
            object_cache: HashMap::new(),
            field_cache: HashMap::new(),
            domain_cache: HashMap::new(),
            pipeline_scope: None,
            sync_creates: None,
        }
    }

    pub fn report(&mut self, span: Span, error: CheckError) {
        self.diags.push(Diag::new(span.file, error));
    }

    /// The system of a connection alias, when it is defined and has a snapshot. Undefined
    /// connections are reported by `names`, missing snapshots once per connection, so this
    /// stays silent.
    pub fn system_of(&self, connection: &str) -> Option<System> {
        self.connections.get(connection).copied()
    }

    /// Resolves `connection.Object` to a bound object, reporting an unknown object.
    pub fn bind_object(
        &mut self,
        connection: &ast::Ident,
        object: &ast::Ident,
    ) -> Option<BoundObject> {
        let system = self.system_of(&connection.name)?;
        let schema = self.lookup_object(system, object)?;
        let schema = self
            .object_cache
            .entry((system, schema.name.clone()))
            .or_insert_with(|| Arc::new(schema.clone()))
            .clone();
        Some(BoundObject {
            connection: connection.name.clone(),
            system,
            schema,
            span: connection.span.to(object.span),
        })
    }

    /// The object's schema, or an `unknown_object` diagnostic with the closest name.
    pub fn lookup_object(
        &mut self,
        system: System,
        object: &ast::Ident,
    ) -> Option<&'a ObjectSchema> {
        let schemas: &'a Schemas = self.schemas;
        let snapshot = schemas.get(system)?;
        if let Some(schema) = snapshot.object(&object.name) {
            return Some(schema);
        }
        // HubSpot names every object type by its id too (`0-1` contacts, `2-3465404` a custom
        // object); its own documentation writes custom objects that way.
        if system == System::Hubspot
            && let Some(schema) = snapshot
                .objects
                .values()
                .find(|schema| schema.object_type_id.as_deref() == Some(object.name.as_str()))
        {
            return Some(schema);
        }
        let suggestion = closest(&object.name, snapshot.objects.keys().map(String::as_str));
        self.report(
            object.span,
            CheckError::UnknownObject {
                system: system.display_name(),
                object: object.name.clone(),
                help: did_you_mean(&suggestion).or_else(|| Some(pull_help(system, "object"))),
                suggestion,
                span: object.span.into(),
            },
        );
        None
    }
}

/// The fix for a name the snapshot does not have and nothing close to it: the snapshot may
/// predate it.
pub(crate) fn pull_help(system: System, what: &str) -> String {
    format!(
        "if the {what} was added in {} after the snapshot was taken, refresh it with `tandem schema pull`",
        system.display_name()
    )
}

impl Checker<'_> {
    /// The shared copy of a field's schema.
    pub(crate) fn shared_field(
        &mut self,
        system: System,
        object: &str,
        field: &FieldSchema,
    ) -> Arc<FieldSchema> {
        self.field_cache
            .entry((system, object.to_string(), field.name.clone()))
            .or_insert_with(|| Arc::new(field.clone()))
            .clone()
    }
}
