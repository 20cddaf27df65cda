//! One CRM's data and the operations every write path shares (API handlers, the control API,
//! the generator): create / update / delete / undelete with moving timestamps, a write log
//! naming who wrote, and webhook events when a target is configured.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use tandem_ground::schema::{ObjectSchema, SchemaSnapshot, System};

use super::associations::Associations;
use super::clock;
use super::ids;
use super::salesforce::bulk::BulkJob;
use super::salesforce::bulk_query::{QueryJob, QueryJobBehaviour};
use super::salesforce::query_cursor::QueryCursor;
use super::store::{Record, Store, Table, WriteOrigin};

/// One entry of the write log the control API exposes (`GET /_sandbox/writes`).
#[derive(Debug, Clone, Serialize)]
pub struct WriteLogEntry {
    pub seq: u64,
    pub at: String,
    pub object: String,
    pub id: String,
    pub operation: &'static str,
    /// `api`, `user`, `system` or `seed`.
    pub origin: &'static str,
    /// Salesforce `Sforce-Call-Options: client=...` of the call, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    pub fields: Vec<String>,
}

/// The write log keeps the most recent entries only, so long benchmarks stay bounded.
const WRITE_LOG_CAP: usize = 100_000;

/// One CRM's data: the records of every object, HubSpot associations, the write log, query
/// cursors, Bulk API jobs and pending webhook events, with the write operations every path
/// shares. (Named apart from the runtime's `Crm` trait, which is a CRM *client*.)
pub struct CrmData {
    pub system: System,
    pub schema: SchemaSnapshot,
    pub store: Store,
    pub associations: Associations,
    /// Salesforce objects whose duplicate rule (matching on Email) blocks saves.
    pub duplicate_rules: BTreeSet<String>,
    pub writes: Vec<WriteLogEntry>,
    write_seq: u64,
    pub cursors: BTreeMap<String, QueryCursor>,
    pub next_cursor: u64,
    pub bulk_jobs: BTreeMap<String, BulkJob>,
    pub next_bulk_job: u64,
    /// Bulk API 2.0 query jobs, how the next ones behave, and how many were created.
    pub query_jobs: BTreeMap<String, QueryJob>,
    pub query_job_behaviour: QueryJobBehaviour,
    pub query_jobs_created: u64,
    /// HubSpot webhook events waiting to be delivered (only filled when webhooks are on).
    pub webhook_events: Vec<serde_json::Value>,
    pub webhooks_enabled: bool,
    pub next_event_id: u64,
}

/// Where a change came from, for the write log and webhook `changeSource`.
#[derive(Debug, Clone)]
pub struct Actor {
    pub origin: WriteOrigin,
}

impl Actor {
    pub fn api(client: Option<String>) -> Self {
        Actor {
            origin: WriteOrigin::Api {
                client: client.map(String::into_boxed_str),
            },
        }
    }
    pub fn user() -> Self {
        Actor {
            origin: WriteOrigin::User,
        }
    }
    pub fn seed() -> Self {
        Actor {
            origin: WriteOrigin::Seed,
        }
    }
    pub fn system() -> Self {
        Actor {
            origin: WriteOrigin::System,
        }
    }
    fn origin_name(&self) -> &'static str {
        match self.origin {
            WriteOrigin::Api { .. } => "api",
            WriteOrigin::User => "user",
            WriteOrigin::Seed => "seed",
            WriteOrigin::System => "system",
        }
    }
    fn client(&self) -> Option<&str> {
        match &self.origin {
            WriteOrigin::Api { client } => client.as_deref(),
            _ => None,
        }
    }
}

impl CrmData {
    pub fn new(system: System, schema: SchemaSnapshot) -> Self {
        let mut crm = CrmData {
            system,
            schema,
            store: Store::default(),
            associations: Associations::default(),
            duplicate_rules: BTreeSet::new(),
            writes: Vec::new(),
            write_seq: 0,
            cursors: BTreeMap::new(),
            next_cursor: 0,
            bulk_jobs: BTreeMap::new(),
            next_bulk_job: 0,
            query_jobs: BTreeMap::new(),
            query_job_behaviour: QueryJobBehaviour::default(),
            query_jobs_created: 0,
            webhook_events: Vec::new(),
            webhooks_enabled: false,
            next_event_id: 0,
        };
        crm.build_tables();
        crm
    }

    /// (Re)creates empty tables for every object in the schema, with their indexes.
    pub fn build_tables(&mut self) {
        self.store = Store {
            tables: BTreeMap::new(),
            next_serial: 100,
        };
        let mut custom_index = 0;
        for object in self.schema.objects.values() {
            let prefix = match self.system {
                System::Salesforce => {
                    let prefix = ids::salesforce_key_prefix(&object.name, custom_index);
                    if ids::standard_key_prefix(&object.name).is_none() {
                        custom_index += 1;
                    }
                    prefix
                }
                System::Hubspot => String::new(),
            };
            let mut table = Table::new(&object.name, object.fields.keys().cloned(), prefix);
            for field in object.fields.values() {
                let email = super::validate::effective_type(self.system, field)
                    == tandem_ground::schema::FieldType::Email;
                if field.unique || field.external_id || email {
                    table.add_index(&field.name);
                }
            }
            self.store.tables.insert(object.name.clone(), table);
        }
        if self.system == System::Salesforce {
            super::salesforce::derived::add_indexes(&mut self.store);
        }
        self.associations.clear();
    }

    pub fn object(&self, name: &str) -> Option<&ObjectSchema> {
        self.schema.object(name)
    }

    /// HubSpot: resolves `contacts`, `contact`, `0-1` to the object name.
    pub fn resolve_hubspot_object(&self, text: &str) -> Option<String> {
        if self.schema.objects.contains_key(text) {
            return Some(text.to_string());
        }
        let plural = format!("{text}s");
        let plural_y = text.strip_suffix('y').map(|stem| format!("{stem}ies"));
        self.schema
            .objects
            .values()
            .find(|o| {
                o.object_type_id.as_deref() == Some(text)
                    || o.name == plural
                    || plural_y.as_deref() == Some(o.name.as_str())
                    || o.name.eq_ignore_ascii_case(text)
            })
            .map(|o| o.name.clone())
    }

    /// Salesforce: object names are case-insensitive in URLs and SOQL.
    pub fn resolve_salesforce_object(&self, text: &str) -> Option<String> {
        self.schema
            .objects
            .keys()
            .find(|name| name.eq_ignore_ascii_case(text))
            .cloned()
    }

    /// The HubSpot name of the "last modified" property of an object.
    pub fn hubspot_modified_field(object: &str) -> &'static str {
        if object == "contacts" {
            "lastmodifieddate"
        } else {
            "hs_lastmodifieddate"
        }
    }

    /// A field's value, with the system fields derived from record metadata.
    pub fn value<'a>(
        &self,
        table: &'a Table,
        record: &'a Record,
        field: &str,
    ) -> Option<Cow<'a, str>> {
        match self.system {
            System::Salesforce => match field {
                "Id" => return Some(Cow::Borrowed(&record.id)),
                "CreatedDate" => {
                    return Some(Cow::Owned(clock::salesforce_datetime(record.created_ms)));
                }
                "LastModifiedDate" | "SystemModstamp" => {
                    return Some(Cow::Owned(clock::salesforce_datetime(record.modified_ms)));
                }
                "IsDeleted" => {
                    return Some(Cow::Borrowed(if record.is_deleted() {
                        "true"
                    } else {
                        "false"
                    }));
                }
                "MasterRecordId" => return record.merged_into.as_deref().map(Cow::Borrowed),
                "CreatedById" | "LastModifiedById" => {
                    return Some(Cow::Owned(integration_user_id()));
                }
                _ => {}
            },
            System::Hubspot => match field {
                "hs_object_id" => return Some(Cow::Borrowed(&record.id)),
                // Engagements and custom objects name their create date `hs_createdate`.
                "createdate" | "hs_createdate" => {
                    return Some(Cow::Owned(clock::hubspot_datetime(record.created_ms)));
                }
                "lastmodifieddate" | "hs_lastmodifieddate" => {
                    return Some(Cow::Owned(clock::hubspot_datetime(record.modified_ms)));
                }
                _ => {
                    if let Some(derived) =
                        super::hubspot::calculated::derived_value(self, table, record, field)
                    {
                        return derived;
                    }
                }
            },
        }
        let index = table.field(field)?;
        match record.get(index) {
            Some(value) => Some(Cow::Borrowed(value)),
            None => self.compound_name(table, record, field),
        }
    }

    /// Salesforce person objects' `Name` is a read-only compound of first and last name.
    fn compound_name<'a>(
        &self,
        table: &'a Table,
        record: &'a Record,
        field: &str,
    ) -> Option<Cow<'a, str>> {
        if self.system != System::Salesforce
            || field != "Name"
            || !matches!(table.object.as_str(), "Contact" | "Lead" | "User")
        {
            return None;
        }
        let part = |name: &str| table.field(name).and_then(|i| record.get(i));
        let name = match (part("FirstName"), part("LastName")) {
            (Some(first), Some(last)) => format!("{first} {last}"),
            (None, Some(last)) => last.to_string(),
            (Some(first), None) => first.to_string(),
            (None, None) => return None,
        };
        Some(Cow::Owned(name))
    }

    fn new_id(&mut self, object: &str) -> String {
        match self.system {
            System::Hubspot => self.store.take_serial().to_string(),
            System::Salesforce => match self.store.tables.get_mut(object) {
                Some(table) => {
                    table.next_serial += 1;
                    ids::salesforce_id(&table.key_prefix, table.next_serial)
                }
                None => String::new(),
            },
        }
    }

    pub(crate) fn log(
        &mut self,
        now_ms: i64,
        object: &str,
        id: &str,
        operation: &'static str,
        actor: &Actor,
        fields: Vec<String>,
    ) {
        if matches!(actor.origin, WriteOrigin::Seed) {
            return;
        }
        self.write_seq += 1;
        if self.writes.len() >= WRITE_LOG_CAP {
            self.writes.drain(..WRITE_LOG_CAP / 10);
        }
        self.writes.push(WriteLogEntry {
            seq: self.write_seq,
            at: clock::salesforce_datetime(now_ms),
            object: object.to_string(),
            id: id.to_string(),
            operation,
            origin: actor.origin_name(),
            client: actor.client().map(str::to_string),
            fields,
        });
    }

    /// Inserts a record with already-validated values; returns its id.
    pub fn create(
        &mut self,
        object: &str,
        values: &[(String, Option<String>)],
        actor: &Actor,
        now_ms: i64,
    ) -> Option<String> {
        let stamped =
            super::hubspot::calculated::with_lifecycle_dates(self, object, None, values, now_ms);
        let values: &[(String, Option<String>)] = &stamped;
        let id = self.new_id(object);
        let table = self.store.tables.get_mut(object)?;
        let mut record = Record::new(id.clone(), now_ms);
        let changes: Vec<(u16, Option<Box<str>>)> = values
            .iter()
            .filter(|(_, value)| value.is_some())
            .map(|(name, value)| {
                (
                    table.intern(name),
                    value.clone().map(String::into_boxed_str),
                )
            })
            .collect();
        record.apply(&changes);
        record.last_client = actor.client().map(Box::from);
        let slot = table.insert(record);
        let fields: Vec<String> = values
            .iter()
            .filter(|(_, v)| v.is_some())
            .map(|(n, _)| n.clone())
            .collect();
        self.log(now_ms, object, &id, "create", actor, fields);
        if self.system == System::Salesforce {
            super::salesforce::derived::after_create(self, object, slot, actor, now_ms);
        }
        if self.webhooks_enabled {
            self.push_event(
                object,
                &id,
                "creation",
                actor,
                now_ms,
                serde_json::Map::new(),
            );
        }
        Some(id)
    }

    /// Applies validated values to an existing record; returns the names of changed fields.
    /// Timestamps move even when no value changed, as in both CRMs.
    pub fn update(
        &mut self,
        object: &str,
        slot: u32,
        values: &[(String, Option<String>)],
        actor: &Actor,
        now_ms: i64,
    ) -> Vec<String> {
        let stamped = super::hubspot::calculated::with_lifecycle_dates(
            self,
            object,
            Some(slot),
            values,
            now_ms,
        );
        let values: &[(String, Option<String>)] = &stamped;
        let Some(table) = self.store.tables.get_mut(object) else {
            return Vec::new();
        };
        let changes: Vec<(u16, Option<Box<str>>)> = values
            .iter()
            .map(|(name, value)| {
                (
                    table.intern(name),
                    value.clone().map(String::into_boxed_str),
                )
            })
            .collect();
        // Salesforce derives fields from the values before and after the save.
        let before = (self.system == System::Salesforce).then(|| table.record(slot).clone());
        let changed = table.update(slot, &changes);
        let record = table.record_mut(slot);
        record.modified_ms = now_ms;
        if let WriteOrigin::Api { client } = &actor.origin {
            record.last_client = client.clone();
        }
        let id = record.id.to_string();
        let names: Vec<String> = changed
            .iter()
            .map(|i| table.field_names[*i as usize].to_string())
            .collect();
        let new_values: Vec<(String, Option<String>)> = changed
            .iter()
            .map(|i| {
                (
                    table.field_names[*i as usize].to_string(),
                    table.record(slot).get(*i).map(str::to_string),
                )
            })
            .collect();
        self.log(now_ms, object, &id, "update", actor, names.clone());
        if let Some(before) = before {
            super::salesforce::derived::after_update(self, object, slot, &before, actor, now_ms);
        }
        if self.webhooks_enabled {
            for (name, value) in new_values {
                let mut extra = serde_json::Map::new();
                extra.insert("propertyName".into(), name.into());
                extra.insert("propertyValue".into(), value.unwrap_or_default().into());
                self.push_event(object, &id, "propertyChange", actor, now_ms, extra);
            }
        }
        names
    }

    /// Soft delete: archived (HubSpot) or to the Recycle Bin (Salesforce).
    pub fn delete(&mut self, object: &str, slot: u32, actor: &Actor, now_ms: i64) {
        let Some(table) = self.store.tables.get_mut(object) else {
            return;
        };
        let record = table.record_mut(slot);
        record.deleted_ms = Some(now_ms);
        record.modified_ms = now_ms;
        let id = record.id.to_string();
        self.log(now_ms, object, &id, "delete", actor, Vec::new());
        if self.webhooks_enabled {
            self.push_event(
                object,
                &id,
                "deletion",
                actor,
                now_ms,
                serde_json::Map::new(),
            );
        }
    }

    pub fn undelete(&mut self, object: &str, slot: u32, actor: &Actor, now_ms: i64) {
        let Some(table) = self.store.tables.get_mut(object) else {
            return;
        };
        let record = table.record_mut(slot);
        record.deleted_ms = None;
        record.merged_into = None;
        record.modified_ms = now_ms;
        let id = record.id.to_string();
        self.log(now_ms, object, &id, "undelete", actor, Vec::new());
        if self.webhooks_enabled {
            self.push_event(
                object,
                &id,
                "restore",
                actor,
                now_ms,
                serde_json::Map::new(),
            );
        }
    }

    /// Merges `loser` into `winner`: the winner takes the loser's values for fields it has
    /// empty, the loser is soft-deleted pointing at the winner. Returns the winner's slot.
    pub fn merge(
        &mut self,
        object: &str,
        winner: u32,
        loser: u32,
        actor: &Actor,
        now_ms: i64,
    ) -> Option<u32> {
        let table = self.store.tables.get_mut(object)?;
        let winner_record = table.record(winner).clone();
        let loser_record = table.record(loser).clone();
        let mut fills: Vec<(u16, Option<Box<str>>)> = loser_record
            .fields()
            .filter(|(field, _)| winner_record.get(*field).is_none())
            .map(|(field, value)| (field, Some(Box::from(value))))
            .collect();
        if self.system == System::Hubspot {
            let merged_field = table.intern("hs_merged_object_ids");
            let mut merged: Vec<String> = winner_record
                .get(merged_field)
                .map(|v| v.split(';').map(str::to_string).collect())
                .unwrap_or_default();
            merged.push(loser_record.id.to_string());
            fills.retain(|(field, _)| *field != merged_field);
            fills.push((merged_field, Some(merged.join(";").into_boxed_str())));
        }
        table.update(winner, &fills);
        table.record_mut(winner).modified_ms = now_ms;
        let loser_mut = table.record_mut(loser);
        loser_mut.deleted_ms = Some(now_ms);
        loser_mut.modified_ms = now_ms;
        loser_mut.merged_into = Some(winner_record.id.clone());
        self.log(
            now_ms,
            object,
            &winner_record.id,
            "merge",
            actor,
            vec![loser_record.id.to_string()],
        );
        if self.webhooks_enabled {
            let mut extra = serde_json::Map::new();
            extra.insert(
                "primaryObjectId".into(),
                winner_record.id.to_string().into(),
            );
            extra.insert(
                "mergedObjectIds".into(),
                serde_json::json!([loser_record.id.to_string()]),
            );
            extra.insert("newObjectId".into(), winner_record.id.to_string().into());
            extra.insert(
                "numberOfPropertiesMoved".into(),
                (fills.len() as u64).into(),
            );
            self.push_event(object, &winner_record.id, "merge", actor, now_ms, extra);
        }
        if self.system == System::Hubspot {
            self.move_associations(object, &loser_record.id, &winner_record.id, now_ms);
        }
        Some(winner)
    }

    pub(crate) fn move_associations(&mut self, object: &str, from: &str, to: &str, now_ms: i64) {
        let (Ok(from), Ok(to)) = (from.parse::<u64>(), to.parse::<u64>()) else {
            return;
        };
        for target in self.associations.targets_of(object, from) {
            for (other, kinds) in self.associations.list(object, from, &target) {
                self.associations.remove_pair(object, from, &target, other);
                for kind in kinds {
                    self.associate(object, to, &target, other, kind.type_id, now_ms);
                }
            }
        }
    }

    pub(crate) fn push_event(
        &mut self,
        object: &str,
        id: &str,
        verb: &str,
        actor: &Actor,
        now_ms: i64,
        extra: serde_json::Map<String, serde_json::Value>,
    ) {
        let singular = match object {
            "contacts" => "contact",
            "companies" => "company",
            "deals" => "deal",
            "tickets" => "ticket",
            _ => "object",
        };
        self.next_event_id += 1;
        let mut event = serde_json::Map::new();
        event.insert("eventId".into(), self.next_event_id.into());
        event.insert("subscriptionId".into(), 1.into());
        event.insert("portalId".into(), 0.into());
        event.insert("appId".into(), 0.into());
        event.insert("occurredAt".into(), now_ms.into());
        event.insert(
            "subscriptionType".into(),
            format!("{singular}.{verb}").into(),
        );
        event.insert("attemptNumber".into(), 0.into());
        event.insert(
            "objectId".into(),
            id.parse::<u64>()
                .map(serde_json::Value::from)
                .unwrap_or_else(|_| id.into()),
        );
        // Delivery adds the `sourceId` that goes with it (the app id, or the acting user).
        event.insert(
            "changeSource".into(),
            super::webhooks::change_source(&actor.origin).into(),
        );
        if singular == "object" {
            if let Some(type_id) = self
                .schema
                .object(object)
                .and_then(|o| o.object_type_id.clone())
            {
                event.insert("objectTypeId".into(), type_id.into());
            }
        }
        event.extend(extra);
        self.webhook_events.push(serde_json::Value::Object(event));
    }

    /// Associates two HubSpot records with `type_id`, and back with the inverse type the
    /// schema gives (the same id when the schema has none).
    pub fn associate(
        &mut self,
        from: &str,
        from_id: u64,
        to: &str,
        to_id: u64,
        type_id: u32,
        now_ms: i64,
    ) {
        let defined = self.associations.defined(&self.schema, from, to, type_id);
        let inverse = defined.as_ref().map(|t| t.inverse_id).unwrap_or(type_id);
        self.associations
            .add(from, from_id, to, to_id, type_id, inverse);
        // One primary per record and object type: a new primary demotes the old one.
        if defined.is_some_and(|t| t.label.as_deref() == Some("Primary")) {
            self.associations
                .demote_others(from, from_id, to, to_id, type_id, inverse);
        }
        self.association_event(from, from_id, to, to_id, false, now_ms);
    }

    /// Removes every association between two HubSpot records (both directions).
    pub fn dissociate(&mut self, from: &str, from_id: u64, to: &str, to_id: u64, now_ms: i64) {
        if self.associations.remove_pair(from, from_id, to, to_id) {
            self.association_event(from, from_id, to, to_id, true, now_ms);
        }
    }

    fn association_event(
        &mut self,
        from: &str,
        from_id: u64,
        to: &str,
        to_id: u64,
        removed: bool,
        now_ms: i64,
    ) {
        if !self.webhooks_enabled {
            return;
        }
        let singular = |object: &str| match object {
            "contacts" => "CONTACT".to_string(),
            "companies" => "COMPANY".to_string(),
            "deals" => "DEAL".to_string(),
            other => other.to_uppercase(),
        };
        let mut extra = serde_json::Map::new();
        extra.insert(
            "associationType".into(),
            format!("{}_TO_{}", singular(from), singular(to)).into(),
        );
        extra.insert("fromObjectId".into(), from_id.into());
        extra.insert("toObjectId".into(), to_id.into());
        extra.insert("associationRemoved".into(), removed.into());
        extra.insert("isPrimaryAssociation".into(), false.into());
        self.push_event(
            from,
            &from_id.to_string(),
            "associationChange",
            &Actor::api(None),
            now_ms,
            extra,
        );
    }

    /// Forgets all records, cursors, jobs, logs (used by `reset` before reseeding).
    pub fn clear(&mut self) {
        self.build_tables();
        self.writes.clear();
        self.cursors.clear();
        self.bulk_jobs.clear();
        self.query_jobs.clear();
        self.query_jobs_created = 0;
        self.webhook_events.clear();
    }
}

/// The id of the sandbox's integration user (User record 1).
pub fn integration_user_id() -> String {
    ids::salesforce_id("005", 1)
}
