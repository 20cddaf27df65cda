//! HubSpot batch writes: create, update, upsert, archive, and v4 association batches.
//!
//! Inputs are chunked to 100 per call. Every input carries a fresh `objectWriteTraceId`
//! (so batch create answers 207 per record instead of failing the call) and results and
//! errors are mapped back to the caller's key by trace id, then by id. When HubSpot rejects a
//! whole batch with a 4xx (nothing was written), the batch is split in halves and resent so
//! one bad record cannot sink 99 good ones. Creates are never resent after a timeout or 5xx.

use std::collections::BTreeMap;

use reqwest::Method;
use serde::Deserialize;

use super::{HUBSPOT_BATCH_LIMIT, HubSpotClient};
use crate::call_budget::CallKind;
use crate::error::{ConnectorError, RecordError};
use crate::http::{Call, RetrySafety};
use crate::write::{WriteOutcome, WriteReport, Written};
use tandem_ground::schema::System;

/// One record to write. `key` is the caller's handle for the outcome (a plan action id).
#[derive(Debug, Clone, PartialEq)]
pub struct HubSpotInput {
    pub key: String,
    /// Record id for update and archive; the `id_property` value for upsert; unused on create.
    pub id: Option<String>,
    /// Property values as HubSpot expects them: strings, `""` clears a value.
    pub properties: BTreeMap<String, String>,
    /// Associations created together with the record (create only).
    pub associations: Vec<AssociationInput>,
}

impl HubSpotInput {
    pub fn new(
        key: impl Into<String>,
        id: Option<String>,
        properties: BTreeMap<String, String>,
    ) -> Self {
        HubSpotInput {
            key: key.into(),
            id,
            properties,
            associations: Vec::new(),
        }
    }
}

/// An association from one record to another (`to_id`) with its types.
#[derive(Debug, Clone, PartialEq)]
pub struct AssociationInput {
    pub key: String,
    pub from_id: String,
    pub to_id: String,
    pub types: Vec<AssociationType>,
}

/// `{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":279}`.
#[derive(Debug, Clone, PartialEq)]
pub struct AssociationType {
    pub category: String,
    pub type_id: u32,
}

impl AssociationType {
    pub fn hubspot_defined(type_id: u32) -> Self {
        AssociationType {
            category: "HUBSPOT_DEFINED".to_string(),
            type_id,
        }
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::json!({"associationCategory": self.category, "associationTypeId": self.type_id})
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    Create,
    Update,
    Upsert,
}

#[derive(Debug, Deserialize)]
struct BatchResponse {
    // Required: a 2xx without `results` is not HubSpot's answer.
    results: Vec<BatchResult>,
    #[serde(default)]
    errors: Vec<StandardError>,
}

#[derive(Debug, Deserialize)]
struct BatchResult {
    #[serde(default)]
    id: Option<String>,
    #[serde(default, rename = "objectWriteTraceId")]
    trace_id: Option<String>,
    #[serde(default)]
    new: Option<bool>,
    #[serde(default)]
    properties: BTreeMap<String, Option<String>>,
    // v4 association results
    #[serde(default, rename = "fromObjectId")]
    from_object_id: Option<serde_json::Value>,
    #[serde(default, rename = "toObjectId")]
    to_object_id: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct StandardError {
    #[serde(default)]
    category: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    context: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    errors: Vec<ErrorDetail>,
    #[serde(default)]
    status: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ErrorDetail {
    #[serde(default)]
    code: Option<String>,
    #[serde(default, rename = "in")]
    field: Option<String>,
}

impl StandardError {
    fn to_record_error(&self) -> RecordError {
        let code = self
            .errors
            .iter()
            .find_map(|detail| detail.code.clone())
            .map(|inner| format!("{}/{inner}", self.category))
            .unwrap_or_else(|| self.category.clone());
        let mut fields: Vec<String> = self
            .errors
            .iter()
            .filter_map(|detail| detail.field.clone())
            .collect();
        for key in ["propertyName", "properties"] {
            if let Some(values) = self.context.get(key).and_then(|v| v.as_array()) {
                fields.extend(values.iter().filter_map(|v| v.as_str().map(str::to_string)));
            }
        }
        fields.sort();
        fields.dedup();
        let retryable = matches!(self.category.as_str(), "RATE_LIMITS" | "RATE_LIMIT")
            || self
                .status
                .as_deref()
                .is_some_and(|status| status.starts_with('5'));
        RecordError {
            system: System::Hubspot,
            code,
            message: self.message.clone(),
            fields,
            retryable,
        }
    }

    /// Every string in the error's context (trace ids, ids) to match against inputs.
    fn context_strings(&self) -> Vec<String> {
        let mut strings = Vec::new();
        for (key, value) in &self.context {
            if key == "propertyName" || key == "properties" {
                continue;
            }
            match value {
                serde_json::Value::Array(items) => strings.extend(
                    items
                        .iter()
                        .filter_map(|item| item.as_str().map(str::to_string)),
                ),
                serde_json::Value::String(text) => strings.push(text.clone()),
                _ => {}
            }
        }
        strings
    }
}

impl HubSpotClient {
    /// `POST /crm/v3/objects/{object}/batch/create`, ≤100 per call. Not retried after a
    /// timeout or 5xx (HubSpot could have created the records); those inputs come back as
    /// `OUTCOME_UNKNOWN` errors.
    pub async fn batch_create(&self, object: &str, inputs: &[HubSpotInput]) -> WriteReport {
        self.batch_write(object, Operation::Create, None, inputs)
            .await
    }

    /// `POST …/batch/update` (every input needs `id`).
    pub async fn batch_update(&self, object: &str, inputs: &[HubSpotInput]) -> WriteReport {
        self.batch_write(object, Operation::Update, None, inputs)
            .await
    }

    /// `POST …/batch/upsert` keyed on a unique property (`email`, or a custom property with
    /// `hasUniqueValue`); each input's `id` is that property's value. `created` tells which
    /// records were new.
    pub async fn batch_upsert(
        &self,
        object: &str,
        id_property: &str,
        inputs: &[HubSpotInput],
    ) -> WriteReport {
        self.batch_write(object, Operation::Upsert, Some(id_property), inputs)
            .await
    }

    /// `POST …/batch/archive` (204, no body): every sent id is reported archived.
    pub async fn batch_archive(&self, object: &str, ids: &[String]) -> WriteReport {
        let mut report = WriteReport::default();
        for chunk in ids.chunks(HUBSPOT_BATCH_LIMIT) {
            let body = serde_json::json!({"inputs": chunk.iter().map(|id| serde_json::json!({"id": id})).collect::<Vec<_>>()});
            let url = self.url(&["crm", "v3", "objects", object, "batch", "archive"]);
            let call = Call::new(Method::POST, url, CallKind::Write).json(body);
            match self.core.send(call).await {
                Ok(_) => report.outcomes.extend(chunk.iter().map(|id| WriteOutcome {
                    key: id.clone(),
                    result: Ok(Written {
                        id: id.clone(),
                        created: false,
                    }),
                })),
                Err(error) if error.stops_run() => {
                    report.stopped = Some(error);
                    return report;
                }
                Err(error) => {
                    report.fail_all(
                        chunk.iter().cloned(),
                        &error.to_record_error(System::Hubspot),
                    );
                }
            }
        }
        report
    }

    /// `POST /crm/v4/associations/{from}/{to}/batch/create`, ≤100 per call. Creating an
    /// association that exists is a no-op, so these calls are retried freely.
    pub async fn batch_associate(
        &self,
        from_object: &str,
        to_object: &str,
        inputs: &[AssociationInput],
    ) -> WriteReport {
        let mut report = WriteReport::default();
        for chunk in inputs.chunks(HUBSPOT_BATCH_LIMIT) {
            let body = serde_json::json!({"inputs": chunk.iter().map(|input| serde_json::json!({
                "from": {"id": input.from_id},
                "to": {"id": input.to_id},
                "types": input.types.iter().map(AssociationType::to_json).collect::<Vec<_>>(),
            })).collect::<Vec<_>>()});
            let url = self.association_batch_url(from_object, to_object, "create");
            let call = Call::new(Method::POST, url, CallKind::Write).json(body);
            match self.core.send(call).await {
                Ok(reply) => {
                    let response: BatchResponse = match reply.json() {
                        Ok(response) => response,
                        Err(error) => {
                            report.fail_all(
                                chunk.iter().map(|i| i.key.clone()),
                                &error.to_record_error(System::Hubspot),
                            );
                            continue;
                        }
                    };
                    map_association_results(chunk, response, &mut report);
                }
                Err(error) if error.stops_run() => {
                    report.stopped = Some(error);
                    return report;
                }
                Err(error) => {
                    report.fail_all(
                        chunk.iter().map(|i| i.key.clone()),
                        &error.to_record_error(System::Hubspot),
                    );
                }
            }
        }
        report
    }

    async fn batch_write(
        &self,
        object: &str,
        operation: Operation,
        id_property: Option<&str>,
        inputs: &[HubSpotInput],
    ) -> WriteReport {
        let mut report = WriteReport::default();
        // A stack of slices still to send; a rejected batch is pushed back as two halves.
        let mut pending: Vec<&[HubSpotInput]> = inputs.chunks(HUBSPOT_BATCH_LIMIT).rev().collect();
        while let Some(chunk) = pending.pop() {
            let traces: Vec<String> = chunk
                .iter()
                .map(|_| uuid::Uuid::new_v4().to_string())
                .collect();
            let body = batch_body(operation, id_property, chunk, &traces);
            let verb = match operation {
                Operation::Create => "create",
                Operation::Update => "update",
                Operation::Upsert => "upsert",
            };
            let url = self.url(&["crm", "v3", "objects", object, "batch", verb]);
            let safety = if operation == Operation::Create {
                RetrySafety::OnlyIfRejected
            } else {
                RetrySafety::Idempotent
            };
            let call = Call::new(Method::POST, url, CallKind::Write)
                .json(body)
                .safety(safety);
            match self.core.send(call).await {
                Ok(reply) => match reply.json::<BatchResponse>() {
                    Ok(response) => map_batch_results(
                        operation,
                        id_property,
                        chunk,
                        &traces,
                        response,
                        &mut report,
                    ),
                    Err(error) => report.fail_all(
                        chunk.iter().map(|i| i.key.clone()),
                        &error.to_record_error(System::Hubspot),
                    ),
                },
                Err(error) if error.stops_run() => {
                    report.stopped = Some(error);
                    return report;
                }
                Err(error) => {
                    if matches!(
                        error,
                        ConnectorError::Rejected {
                            status: 400..=499,
                            ..
                        }
                    ) && chunk.len() > 1
                    {
                        let (left, right) = chunk.split_at(chunk.len() / 2);
                        pending.push(right);
                        pending.push(left);
                        continue;
                    }
                    report.fail_all(
                        chunk.iter().map(|i| i.key.clone()),
                        &error.to_record_error(System::Hubspot),
                    );
                }
            }
        }
        report
    }
}

fn batch_body(
    operation: Operation,
    id_property: Option<&str>,
    chunk: &[HubSpotInput],
    traces: &[String],
) -> serde_json::Value {
    let inputs: Vec<serde_json::Value> = chunk
        .iter()
        .zip(traces)
        .map(|(input, trace)| {
            let mut json = serde_json::json!({"properties": input.properties, "objectWriteTraceId": trace});
            match operation {
                Operation::Create => {
                    if !input.associations.is_empty() {
                        json["associations"] = input
                            .associations
                            .iter()
                            .map(|association| serde_json::json!({
                                "to": {"id": association.to_id},
                                "types": association.types.iter().map(AssociationType::to_json).collect::<Vec<_>>(),
                            }))
                            .collect();
                    }
                }
                Operation::Update | Operation::Upsert => {
                    json["id"] = serde_json::Value::String(input.id.clone().unwrap_or_default());
                    if let Some(property) = id_property {
                        json["idProperty"] = serde_json::Value::String(property.to_string());
                    }
                }
            }
            json
        })
        .collect();
    serde_json::json!({ "inputs": inputs })
}

/// Maps a 200/207 batch response back to inputs: results and errors by trace id first, then
/// by record id (update) or unique-property value (upsert).
fn map_batch_results(
    operation: Operation,
    id_property: Option<&str>,
    chunk: &[HubSpotInput],
    traces: &[String],
    response: BatchResponse,
    report: &mut WriteReport,
) {
    let by_trace: BTreeMap<&str, usize> = traces
        .iter()
        .enumerate()
        .map(|(i, t)| (t.as_str(), i))
        .collect();
    let by_id: BTreeMap<&str, usize> = chunk
        .iter()
        .enumerate()
        .filter_map(|(i, input)| input.id.as_deref().map(|id| (id, i)))
        .collect();
    let mut outcome: Vec<Option<Result<Written, RecordError>>> = vec![None; chunk.len()];
    for result in response.results {
        let index = result
            .trace_id
            .as_deref()
            .and_then(|trace| by_trace.get(trace))
            .or_else(|| match operation {
                Operation::Update => result.id.as_deref().and_then(|id| by_id.get(id)),
                Operation::Upsert => id_property
                    .and_then(|property| result.properties.get(property).cloned().flatten())
                    .and_then(|value| by_id.get(value.as_str())),
                Operation::Create => None,
            })
            .copied();
        if let (Some(index), Some(id)) = (index, result.id) {
            let created = match operation {
                Operation::Create => true,
                Operation::Update => false,
                Operation::Upsert => result.new.unwrap_or(false),
            };
            outcome[index] = Some(Ok(Written { id, created }));
        }
    }
    for error in response.errors {
        let record_error = error.to_record_error();
        let mut matched = false;
        for text in error.context_strings() {
            if let Some(&index) = by_trace
                .get(text.as_str())
                .or_else(|| by_id.get(text.as_str()))
            {
                outcome[index] = Some(Err(record_error.clone()));
                matched = true;
            }
        }
        if !matched && chunk.len() == 1 && outcome[0].is_none() {
            outcome[0] = Some(Err(record_error));
        }
    }
    for (input, result) in chunk.iter().zip(outcome) {
        report.outcomes.push(WriteOutcome {
            key: input.key.clone(),
            result: result.unwrap_or_else(|| {
                Err(RecordError {
                    system: System::Hubspot,
                    code: "MISSING_RESULT".to_string(),
                    message: "HubSpot answered the batch without a result or error for this input"
                        .to_string(),
                    fields: Vec::new(),
                    retryable: false,
                })
            }),
        });
    }
}

fn map_association_results(
    chunk: &[AssociationInput],
    response: BatchResponse,
    report: &mut WriteReport,
) {
    let as_text = |value: &Option<serde_json::Value>| -> Option<String> {
        match value {
            Some(serde_json::Value::String(text)) => Some(text.clone()),
            Some(serde_json::Value::Number(number)) => Some(number.to_string()),
            _ => None,
        }
    };
    let mut done: BTreeMap<(String, String), bool> = BTreeMap::new();
    for result in &response.results {
        if let (Some(from), Some(to)) = (
            as_text(&result.from_object_id),
            as_text(&result.to_object_id),
        ) {
            done.insert((from, to), true);
        }
    }
    let errors: Vec<(Vec<String>, RecordError)> = response
        .errors
        .iter()
        .map(|error| (error.context_strings(), error.to_record_error()))
        .collect();
    for input in chunk {
        let key = (input.from_id.clone(), input.to_id.clone());
        let failure = errors
            .iter()
            .find(|(context, _)| {
                context.contains(&input.from_id)
                    && (context.contains(&input.to_id) || context.len() == 1)
            })
            .map(|(_, error)| error.clone());
        let result = match failure {
            Some(error) => Err(error),
            // Results list the pairs created; an association that already existed is not an
            // error either, so an unlisted pair without an error counts as present.
            None => Ok(Written {
                id: input.from_id.clone(),
                created: done.contains_key(&key),
            }),
        };
        report.outcomes.push(WriteOutcome {
            key: input.key.clone(),
            result,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(key: &str, id: Option<&str>) -> HubSpotInput {
        HubSpotInput::new(
            key,
            id.map(str::to_string),
            BTreeMap::from([("email".to_string(), format!("{key}@x.com"))]),
        )
    }

    #[test]
    fn multi_status_create_maps_results_and_errors_back_by_trace_id() {
        let chunk = [input("a", None), input("b", None), input("c", None)];
        let traces = vec!["t-a".to_string(), "t-b".to_string(), "t-c".to_string()];
        let body = serde_json::json!({
            "status": "COMPLETE",
            "results": [
                {"id": "901", "objectWriteTraceId": "t-c", "properties": {}},
                {"id": "900", "objectWriteTraceId": "t-a", "properties": {}}
            ],
            "numErrors": 1,
            "errors": [{
                "status": "error", "category": "VALIDATION_ERROR",
                "message": "Property values were not valid",
                "context": {"objectWriteTraceId": ["t-b"], "propertyName": ["email"]},
                "errors": [{"message": "Email address is invalid", "code": "INVALID_EMAIL", "in": "email"}]
            }]
        });
        let mut report = WriteReport::default();
        map_batch_results(
            Operation::Create,
            None,
            &chunk,
            &traces,
            serde_json::from_value(body).unwrap(),
            &mut report,
        );
        let keys: Vec<&str> = report.outcomes.iter().map(|o| o.key.as_str()).collect();
        assert_eq!(keys, vec!["a", "b", "c"]);
        assert_eq!(
            report.outcomes[0].result,
            Ok(Written {
                id: "900".into(),
                created: true
            })
        );
        assert_eq!(
            report.outcomes[2].result,
            Ok(Written {
                id: "901".into(),
                created: true
            })
        );
        let error = report.outcomes[1].result.clone().unwrap_err();
        assert_eq!(error.code, "VALIDATION_ERROR/INVALID_EMAIL");
        assert_eq!(error.fields, vec!["email".to_string()]);
        assert!(!error.retryable);
    }

    #[test]
    fn update_errors_without_trace_ids_are_matched_by_record_id() {
        let chunk = [input("a", Some("1")), input("b", Some("2"))];
        let traces = vec!["t1".to_string(), "t2".to_string()];
        let body = serde_json::json!({
            "results": [{"id": "1", "properties": {}}],
            "errors": [{"status": "error", "category": "OBJECT_NOT_FOUND", "message": "Could not get some CONTACT objects", "context": {"ids": ["2"]}}]
        });
        let mut report = WriteReport::default();
        map_batch_results(
            Operation::Update,
            None,
            &chunk,
            &traces,
            serde_json::from_value(body).unwrap(),
            &mut report,
        );
        assert_eq!(
            report.outcomes[0].result,
            Ok(Written {
                id: "1".into(),
                created: false
            })
        );
        assert_eq!(
            report.outcomes[1].result.clone().unwrap_err().code,
            "OBJECT_NOT_FOUND"
        );
    }

    #[test]
    fn upsert_reports_which_records_were_new() {
        let chunk = [input("a", Some("a@x.com")), input("b", Some("b@x.com"))];
        let traces = vec!["t1".to_string(), "t2".to_string()];
        let body = serde_json::json!({"results": [
            {"id": "7", "new": true, "properties": {"email": "b@x.com"}},
            {"id": "5", "new": false, "objectWriteTraceId": "t1", "properties": {"email": "a@x.com"}}
        ]});
        let mut report = WriteReport::default();
        map_batch_results(
            Operation::Upsert,
            Some("email"),
            &chunk,
            &traces,
            serde_json::from_value(body).unwrap(),
            &mut report,
        );
        assert_eq!(
            report.outcomes[0].result,
            Ok(Written {
                id: "5".into(),
                created: false
            })
        );
        assert_eq!(
            report.outcomes[1].result,
            Ok(Written {
                id: "7".into(),
                created: true
            })
        );
    }

    #[test]
    fn every_input_gets_a_unique_trace_id_and_updates_carry_ids() {
        let chunk = [input("a", Some("1")), input("b", Some("2"))];
        let traces = vec!["t1".to_string(), "t2".to_string()];
        let body = batch_body(Operation::Update, None, &chunk, &traces);
        assert_eq!(body["inputs"][0]["id"], "1");
        assert_eq!(body["inputs"][1]["objectWriteTraceId"], "t2");
        assert_eq!(body["inputs"][0]["properties"]["email"], "a@x.com");
    }
}
