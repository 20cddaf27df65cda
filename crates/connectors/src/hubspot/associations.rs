//! HubSpot associations v4 in bulk: which records a batch of records is associated with
//! (`batch/read`, ≤1,000 ids per call) and removing associations (`batch/archive`).
//!
//! `batch/read` answers 207 with an `OBJECT_NOT_FOUND` error whose sub-category is
//! `crm.associations.NO_ASSOCIATIONS_FOUND` for a record that has none (rather than an empty
//! result); such a record reads as associated with nothing. A record with more associations
//! than fit one answer carries `paging.next.after`; it is asked again with that cursor.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::Method;
use serde::Deserialize;

use super::{HUBSPOT_BATCH_LIMIT, HubSpotClient};
use crate::call_budget::CallKind;
use crate::error::ConnectorError;
use crate::http::{Call, RetrySafety};
use crate::write::{WriteOutcome, WriteReport, Written};
use tandem_ground::schema::System;

/// HubSpot accepts at most 1,000 ids per associations `batch/read` (since February 2025).
pub const HUBSPOT_ASSOCIATION_READ_LIMIT: usize =
    tandem_ground::crm_facts::HUBSPOT_ASSOCIATION_READ_INPUTS;

/// One associated record: its id and the association types that link it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssociatedRecord {
    pub to_id: String,
    pub types: Vec<AssociationTypeRead>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssociationTypeRead {
    pub category: String,
    pub type_id: u32,
    pub label: Option<String>,
}

impl AssociatedRecord {
    /// Whether HubSpot marks this association as the record's primary one (the
    /// HubSpot-defined type labelled "Primary", e.g. 5 deal -> company).
    pub fn is_primary(&self) -> bool {
        self.types
            .iter()
            .any(|t| t.category == "HUBSPOT_DEFINED" && t.label.as_deref() == Some("Primary"))
    }
}

/// One removal: every association from `from_id` to each of `to_ids`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DissociationInput {
    pub key: String,
    pub from_id: String,
    pub to_ids: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct ReadResponse {
    // Required: a 2xx without `results` is not HubSpot's answer.
    results: Vec<ReadResult>,
    #[serde(default)]
    errors: Vec<ReadError>,
}

#[derive(Debug, Deserialize)]
struct ReadResult {
    from: IdRef,
    #[serde(default)]
    to: Vec<ToRecord>,
    #[serde(default)]
    paging: Option<Paging>,
}

#[derive(Debug, Deserialize)]
struct IdRef {
    id: serde_json::Value,
}

#[derive(Debug, Deserialize)]
struct ToRecord {
    #[serde(rename = "toObjectId")]
    to_object_id: serde_json::Value,
    #[serde(default, rename = "associationTypes")]
    association_types: Vec<TypeRead>,
}

#[derive(Debug, Deserialize)]
struct TypeRead {
    #[serde(default)]
    category: String,
    #[serde(default, rename = "typeId")]
    type_id: u32,
    #[serde(default)]
    label: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Paging {
    next: Option<Next>,
}

#[derive(Debug, Deserialize)]
struct Next {
    after: String,
}

#[derive(Debug, Deserialize)]
struct ReadError {
    #[serde(default)]
    category: String,
    #[serde(default, rename = "subCategory")]
    sub_category: Option<serde_json::Value>,
    #[serde(default)]
    message: String,
}

fn id_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

impl HubSpotClient {
    /// `POST /crm/v4/associations/{from}/{to}/batch/read`: every record of `to_object` each
    /// of `ids` is associated with. Ids with no association map to an empty list.
    pub async fn read_associations(
        &self,
        from_object: &str,
        to_object: &str,
        ids: &[String],
    ) -> Result<BTreeMap<String, Vec<AssociatedRecord>>, ConnectorError> {
        let mut out: BTreeMap<String, Vec<AssociatedRecord>> =
            ids.iter().map(|id| (id.clone(), Vec::new())).collect();
        // (id, after) still to ask for.
        let mut pending: Vec<(String, Option<String>)> =
            ids.iter().map(|id| (id.clone(), None)).collect();
        while !pending.is_empty() {
            let mut following = Vec::new();
            for chunk in pending.chunks(HUBSPOT_ASSOCIATION_READ_LIMIT) {
                let inputs: Vec<serde_json::Value> = chunk
                    .iter()
                    .map(|(id, after)| match after {
                        Some(after) => serde_json::json!({"id": id, "after": after}),
                        None => serde_json::json!({"id": id}),
                    })
                    .collect();
                let url = self.association_batch_url(from_object, to_object, "read");
                let call = Call::new(Method::POST, url, CallKind::Read)
                    .json(serde_json::json!({ "inputs": inputs }));
                let reply = self.core.send(call).await?;
                let response: ReadResponse = reply.json()?;
                for error in &response.errors {
                    let sub = error.sub_category.as_ref().map(id_text).unwrap_or_default();
                    // A record without associations (or gone since it was read) has none.
                    if error.category != "OBJECT_NOT_FOUND" {
                        return Err(ConnectorError::UnexpectedResponse {
                            system: System::Hubspot,
                            path: format!(
                                "/crm/v4/associations/{from_object}/{to_object}/batch/read"
                            ),
                            message: format!("{} {sub}: {}", error.category, error.message),
                        });
                    }
                }
                for result in response.results {
                    let from = id_text(&result.from.id);
                    let records = out.entry(from.clone()).or_default();
                    for to in result.to {
                        records.push(AssociatedRecord {
                            to_id: id_text(&to.to_object_id),
                            types: to
                                .association_types
                                .into_iter()
                                .map(|t| AssociationTypeRead {
                                    category: t.category,
                                    type_id: t.type_id,
                                    label: t.label,
                                })
                                .collect(),
                        });
                    }
                    if let Some(next) = result.paging.and_then(|p| p.next) {
                        following.push((from, Some(next.after)));
                    }
                }
            }
            pending = following;
        }
        Ok(out)
    }

    /// `POST /crm/v3/objects/{object}/batch/read` for just `hs_object_id`, 100 ids per call:
    /// which of `ids` are live records (an archived or unknown id is left out). Tells a record
    /// without associations from a deleted one, which association reads cannot.
    pub async fn live_ids(
        &self,
        object: &str,
        ids: &[String],
    ) -> Result<BTreeSet<String>, ConnectorError> {
        #[derive(Deserialize)]
        struct Live {
            results: Vec<IdRef>,
        }
        let mut live = BTreeSet::new();
        for chunk in ids.chunks(HUBSPOT_BATCH_LIMIT) {
            let body = serde_json::json!({
                "inputs": chunk.iter().map(|id| serde_json::json!({"id": id})).collect::<Vec<_>>(),
                "properties": ["hs_object_id"],
            });
            let url = self.url(&["crm", "v3", "objects", object, "batch", "read"]);
            let reply = self
                .core
                .send(Call::new(Method::POST, url, CallKind::Read).json(body))
                .await?;
            let response: Live = reply.json()?;
            live.extend(response.results.iter().map(|r| id_text(&r.id)));
        }
        Ok(live)
    }

    /// `POST /crm/v4/associations/{from}/{to}/batch/archive` (204): removes every association
    /// between each pair, 100 inputs per call. Removing a pair that is not associated is a
    /// no-op, so these calls are retried freely.
    pub async fn batch_dissociate(
        &self,
        from_object: &str,
        to_object: &str,
        inputs: &[DissociationInput],
    ) -> WriteReport {
        let mut report = WriteReport::default();
        for chunk in inputs.chunks(HUBSPOT_BATCH_LIMIT) {
            let body = serde_json::json!({"inputs": chunk.iter().map(|input| serde_json::json!({
                "from": {"id": input.from_id},
                "to": input.to_ids.iter().map(|id| serde_json::json!({"id": id})).collect::<Vec<_>>(),
            })).collect::<Vec<_>>()});
            let url = self.association_batch_url(from_object, to_object, "archive");
            let call = Call::new(Method::POST, url, CallKind::Write)
                .json(body)
                .safety(RetrySafety::Idempotent);
            match self.core.send(call).await {
                Ok(_) => report
                    .outcomes
                    .extend(chunk.iter().map(|input| WriteOutcome {
                        key: input.key.clone(),
                        result: Ok(Written {
                            id: input.from_id.clone(),
                            created: false,
                        }),
                    })),
                Err(error) if error.stops_run() => {
                    report.stopped = Some(error);
                    return report;
                }
                Err(error) => report.fail_all(
                    chunk.iter().map(|input| input.key.clone()),
                    &error.to_record_error(System::Hubspot),
                ),
            }
        }
        report
    }
}
