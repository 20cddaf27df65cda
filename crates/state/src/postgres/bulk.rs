//! Rows a write transaction appends in bulk: journal intents, journal outcomes, audit lines
//! and error-queue clears are collected and sent as one `unnest` statement per kind, instead
//! of one statement per row. Apply writes hundreds of these per batch, and on PostgreSQL the
//! cost of a statement (parse, plan, execute) is what a batch costs.
//!
//! Collecting changes the order of writes only where order cannot matter: audit lines touch
//! nothing else, outcomes only touch journal rows already inserted (intents are flushed first),
//! and clears are sent before any write that could queue the same record again
//! (see `PgWriter::enqueue_error`).

use super::connection::{Param, Statement, text};
use crate::PostgresLocation;

#[derive(Default)]
pub(crate) struct Bulk {
    intents: Intents,
    settles: Vec<(i64, String, String)>,
    audit: AuditLines,
    clears: Vec<(String, String, String)>,
}

#[derive(Default)]
struct Intents {
    ids: Vec<i64>,
    run_ids: Vec<String>,
    syncs: Vec<String>,
    actions: Vec<String>,
    targets: Vec<String>,
    record_keys: Vec<String>,
    payloads: Vec<serde_json::Value>,
    ats: Vec<String>,
}

#[derive(Default)]
struct AuditLines {
    ats: Vec<String>,
    run_ids: Vec<String>,
    syncs: Vec<String>,
    targets: Vec<String>,
    record_ids: Vec<String>,
    actions: Vec<String>,
    fields: Vec<String>,
    olds: Vec<serde_json::Value>,
    news: Vec<serde_json::Value>,
}

/// One journal intent, its id already handed out by the writer.
pub(crate) struct Intent<'a> {
    pub id: i64,
    pub run_id: &'a str,
    pub sync: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub record_key: &'a str,
    pub payload: &'a serde_json::Value,
    pub at: String,
}

/// One audit line.
pub(crate) struct AuditLine<'a> {
    pub at: String,
    pub run_id: &'a str,
    pub sync: &'a str,
    pub target: &'a str,
    pub record_id: &'a str,
    pub action: &'a str,
    pub field: &'a str,
    pub old: &'a serde_json::Value,
    pub new: &'a serde_json::Value,
}

impl Bulk {
    pub(crate) fn intent(&mut self, intent: Intent<'_>) {
        let rows = &mut self.intents;
        rows.ids.push(intent.id);
        rows.run_ids.push(intent.run_id.to_string());
        rows.syncs.push(intent.sync.to_string());
        rows.actions.push(intent.action.to_string());
        rows.targets.push(intent.target.to_string());
        rows.record_keys.push(intent.record_key.to_string());
        rows.payloads.push(intent.payload.clone());
        rows.ats.push(intent.at);
    }

    pub(crate) fn settle(&mut self, id: i64, status: &str, at: String) {
        // The last outcome of an entry wins, as it does when each is its own UPDATE.
        self.settles.retain(|(queued, _, _)| *queued != id);
        self.settles.push((id, status.to_string(), at));
    }

    pub(crate) fn audit(&mut self, line: AuditLine<'_>) {
        let rows = &mut self.audit;
        rows.ats.push(line.at);
        rows.run_ids.push(line.run_id.to_string());
        rows.syncs.push(line.sync.to_string());
        rows.targets.push(line.target.to_string());
        rows.record_ids.push(line.record_id.to_string());
        rows.actions.push(line.action.to_string());
        rows.fields.push(line.field.to_string());
        rows.olds.push(line.old.clone());
        rows.news.push(line.new.clone());
    }

    pub(crate) fn clear(&mut self, sync: &str, target: &str, source_id: &str) {
        self.clears
            .push((sync.to_string(), target.to_string(), source_id.to_string()));
    }

    /// The collected clears as one statement (none when there are none).
    pub(crate) fn take_clears(&mut self, location: &PostgresLocation) -> Option<Statement> {
        if self.clears.is_empty() {
            return None;
        }
        let clears = std::mem::take(&mut self.clears);
        let (mut syncs, mut targets, mut sources) = (Vec::new(), Vec::new(), Vec::new());
        for (sync, target, source_id) in clears {
            syncs.push(sync);
            targets.push(target);
            sources.push(source_id);
        }
        // The counter keeps a cleared row's id, so it is never handed out again.
        Some(statement(
            location,
            "WITH gone AS ( \
                 DELETE FROM {s}.error_queue AS e \
                 USING unnest($2::text[], $3::text[], $4::text[]) AS v(sync, target, source_id) \
                 WHERE e.store_id = $1 AND e.sync = v.sync AND e.target = v.target \
                     AND e.source_id = v.source_id \
                 RETURNING e.id) \
             UPDATE {s}.stores SET last_error_id = GREATEST(last_error_id, \
                 (SELECT MAX(id) FROM gone)) \
             WHERE store_id = $1 AND EXISTS (SELECT 1 FROM gone)",
            vec![
                Param::Texts(syncs),
                Param::Texts(targets),
                Param::Texts(sources),
            ],
        ))
    }

    /// Everything collected, as at most four statements, in an order that keeps every row's
    /// history: intents before the outcomes that settle them.
    pub(crate) fn take_all(&mut self, location: &PostgresLocation) -> Vec<Statement> {
        let mut statements = Vec::new();
        let intents = std::mem::take(&mut self.intents);
        if !intents.ids.is_empty() {
            statements.push(statement(
                location,
                "INSERT INTO {s}.journal (store_id, id, run_id, sync, action, target, \
                     record_key, payload, status, created_at, updated_at) \
                 SELECT $1, r.id, r.run_id, r.sync, r.action, r.target, r.record_key, \
                     r.payload, 'pending', r.at::timestamptz, r.at::timestamptz \
                 FROM unnest($2::int8[], $3::text[], $4::text[], $5::text[], $6::text[], \
                     $7::text[], $8::jsonb[], $9::text[]) \
                     AS r(id, run_id, sync, action, target, record_key, payload, at)",
                vec![
                    Param::Ints(intents.ids),
                    Param::Texts(intents.run_ids),
                    Param::Texts(intents.syncs),
                    Param::Texts(intents.actions),
                    Param::Texts(intents.targets),
                    Param::Texts(intents.record_keys),
                    Param::Jsons(intents.payloads),
                    Param::Texts(intents.ats),
                ],
            ));
        }
        let settles = std::mem::take(&mut self.settles);
        if !settles.is_empty() {
            let (mut ids, mut statuses, mut ats) = (Vec::new(), Vec::new(), Vec::new());
            for (id, status, at) in settles {
                ids.push(id);
                statuses.push(status);
                ats.push(at);
            }
            statements.push(statement(
                location,
                "UPDATE {s}.journal AS j SET status = v.status, updated_at = v.at::timestamptz \
                 FROM unnest($2::int8[], $3::text[], $4::text[]) AS v(id, status, at) \
                 WHERE j.store_id = $1 AND j.id = v.id",
                vec![Param::Ints(ids), Param::Texts(statuses), Param::Texts(ats)],
            ));
        }
        let audit = std::mem::take(&mut self.audit);
        if !audit.ats.is_empty() {
            // Ids continue from the store's highest, in the order the lines were written.
            statements.push(statement(
                location,
                "INSERT INTO {s}.audit (store_id, id, at, run_id, sync, target, record_id, \
                     action, field, old, new) \
                 SELECT $1, base.last + r.n, r.at::timestamptz, r.run_id, r.sync, r.target, \
                     r.record_id, r.action, r.field, r.old, r.new \
                 FROM (SELECT GREATEST(COALESCE(MAX(id), 0), \
                         (SELECT last_audit_id FROM {s}.stores WHERE store_id = $1)) AS last \
                       FROM {s}.audit WHERE store_id = $1) AS base, \
                     unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], \
                         $7::text[], $8::text[], $9::jsonb[], $10::jsonb[]) WITH ORDINALITY \
                     AS r(at, run_id, sync, target, record_id, action, field, old, new, n)",
                vec![
                    Param::Texts(audit.ats),
                    Param::Texts(audit.run_ids),
                    Param::Texts(audit.syncs),
                    Param::Texts(audit.targets),
                    Param::Texts(audit.record_ids),
                    Param::Texts(audit.actions),
                    Param::Texts(audit.fields),
                    Param::Jsons(audit.olds),
                    Param::Jsons(audit.news),
                ],
            ));
        }
        statements.extend(self.take_clears(location));
        statements
    }
}

/// A statement of `location`'s store: `{s}` is its schema, `$1` its id, then `params`.
fn statement(location: &PostgresLocation, template: &str, params: Vec<Param>) -> Statement {
    let mut all = vec![text(location.store())];
    all.extend(params);
    Statement::count(template.replace("{s}", location.schema()), all)
}
