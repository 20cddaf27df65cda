//! The CRM side: the sandbox in-process on loopback, answering each write a mutation implies
//! over its real HTTP API (HubSpot `POST /crm/v3/objects/{type}`, `PATCH .../{id}`;
//! Salesforce `POST /services/data/v62.0/sobjects/{Object}/`, `PATCH .../{Id}`). Each write
//! runs alone on a fresh record: an update patches a record created for it, a created record
//! is deleted after it is read back, so unique values and HubSpot's e-mail dedupe never make
//! one write fail because of another.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use tandem::sandbox::{LimitSettings, Sandbox, SandboxConfig, SandboxHandle};
use tandem::schema::{FieldType, System};

/// Create a record, or update an existing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WriteKind {
    Create,
    Update,
}

/// One write a mutation implies: the fields it sets (wire values) over a valid record of
/// the object, the base fields it leaves out, and the field whose stored value is compared
/// with what the spec meant to write.
#[derive(Debug, Clone, PartialEq)]
pub struct Write {
    pub system: System,
    pub object: String,
    pub kind: WriteKind,
    pub fields: Map<String, Value>,
    pub omit: Vec<String>,
    /// `(field, value meant, its type)`: read back after an accepted write.
    pub meant: Option<(String, Value, FieldType)>,
}

impl Write {
    /// Identical writes are sent once.
    pub fn key(&self) -> String {
        json!([
            self.system.short_name(),
            self.object,
            format!("{:?}", self.kind),
            self.fields,
            self.omit,
            self.meant.as_ref().map(|(f, v, t)| json!([f, v, t.name()])),
        ])
        .to_string()
    }

    pub fn describe(&self) -> String {
        let mut fields = Value::Object(self.fields.clone()).to_string();
        if fields.len() > 160 {
            fields = format!("{}…", fields.chars().take(160).collect::<String>());
        }
        let omit = if self.omit.is_empty() {
            String::new()
        } else {
            format!(" without {}", self.omit.join(", "))
        };
        format!(
            "{:?} {}.{} {fields}{omit}",
            self.kind,
            self.system.short_name(),
            self.object
        )
    }
}

/// What the CRM did with one write.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Refused, with the CRM's error code(s).
    Rejected(String),
    /// Accepted and stored as meant.
    Stored,
    /// Accepted, but the value read back is not the value meant (`stored` is what it holds).
    Changed { stored: String },
}

/// The sandbox and an HTTP client for it.
pub struct Crm {
    pub rt: tokio::runtime::Runtime,
    pub sandbox: Option<SandboxHandle>,
    client: reqwest::Client,
    hubspot: (String, String),
    salesforce: (String, String),
}

/// A valid record of each synced object, in wire form: what the rest of a sync's mappings
/// (valid in the shipped specs) would write around the mutated field.
pub fn base_record(system: System, object: &str) -> Map<String, Value> {
    let value = match (system, object) {
        (System::Hubspot, "contacts") => json!({"firstname": "Base"}),
        (System::Hubspot, "companies") => json!({"name": "Base Co"}),
        (System::Hubspot, "deals") => {
            json!({"dealname": "Base deal", "pipeline": "default", "dealstage": "appointmentscheduled"})
        }
        (System::Hubspot, "tasks") => {
            json!({"hs_timestamp": "1706693400000", "hs_task_subject": "Base"})
        }
        (System::Hubspot, "subscriptions") => json!({"subscription_name": "Base"}),
        (System::Salesforce, "Lead") => json!({"LastName": "Base", "Company": "Base Co"}),
        (System::Salesforce, "Contact") => json!({"LastName": "Base"}),
        (System::Salesforce, "Account") => json!({"Name": "Base Co"}),
        (System::Salesforce, "Opportunity") => {
            json!({"Name": "Base", "StageName": "Prospecting", "CloseDate": "2026-12-31"})
        }
        (System::Salesforce, "Subscription__c") => json!({"Name": "Base"}),
        (System::Salesforce, "Task") => json!({"Subject": "Base"}),
        _ => json!({}),
    };
    value.as_object().cloned().unwrap_or_default()
}

impl Crm {
    pub fn start() -> Crm {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        // Limits far above what the run sends: a throttled call would say nothing about
        // the value written.
        let generous = LimitSettings {
            burst_max: u32::MAX,
            search_per_second: u32::MAX,
            daily_max: u64::MAX,
        };
        let sandbox = rt
            .block_on(Sandbox::start(SandboxConfig {
                records_per_object: 0,
                hubspot_schema: Some(tandem::schema::standard::hubspot()),
                salesforce_schema: Some(tandem::schema::standard::salesforce()),
                hubspot_limits: generous.clone(),
                salesforce_limits: generous,
                ..SandboxConfig::default()
            }))
            .expect("sandbox starts");
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(16)
            .build()
            .expect("client");
        let hubspot = (sandbox.hubspot_url(), sandbox.hubspot_token());
        let salesforce = (sandbox.salesforce_url(), sandbox.salesforce_token());
        Crm {
            rt,
            sandbox: Some(sandbox),
            client,
            hubspot,
            salesforce,
        }
    }

    fn control(&self) -> tandem::sandbox::SandboxControl {
        self.sandbox.as_ref().expect("sandbox").control()
    }

    /// A record created directly in the sandbox (setup, not a write under test).
    pub fn seed(&self, system: System, object: &str, fields: &Map<String, Value>) -> String {
        self.control()
            .act_create(system, object, fields)
            .unwrap_or_else(|error| panic!("seeding {object}: {error}"))
    }

    /// Sends every write (deduplicated by the caller) and returns each one's outcome. Writes
    /// for which `alone` holds (values of unique fields, which two writes in flight could
    /// make collide) are sent one at a time, after the others.
    pub fn answer(&self, writes: &[Write], alone: &dyn Fn(&Write) -> bool) -> Vec<Outcome> {
        use futures::StreamExt;
        let (sequential, concurrent): (Vec<usize>, Vec<usize>) =
            (0..writes.len()).partition(|&index| alone(&writes[index]));
        let mut outcomes: Vec<Option<Outcome>> = vec![None; writes.len()];
        self.rt.block_on(async {
            let answered: Vec<Outcome> =
                futures::stream::iter(concurrent.iter().map(|&index| self.send(&writes[index])))
                    .buffered(6)
                    .collect()
                    .await;
            for (&index, outcome) in concurrent.iter().zip(answered) {
                outcomes[index] = Some(outcome);
            }
            for &index in &sequential {
                outcomes[index] = Some(self.send(&writes[index]).await);
            }
        });
        outcomes
            .into_iter()
            .map(|outcome| outcome.expect("every write answered"))
            .collect()
    }

    async fn send(&self, write: &Write) -> Outcome {
        let mut fields = write.fields.clone();
        let mut id = None;
        if write.kind == WriteKind::Update {
            id = Some(self.seed(
                write.system,
                &write.object,
                &base_record(write.system, &write.object),
            ));
        } else {
            let mut full = base_record(write.system, &write.object);
            for omitted in &write.omit {
                full.remove(omitted);
            }
            full.extend(fields);
            fields = full;
        }
        let (base, token) = match write.system {
            System::Hubspot => &self.hubspot,
            System::Salesforce => &self.salesforce,
        };
        let (url, body) = match (write.system, &id) {
            (System::Hubspot, None) => (
                format!("{base}/crm/v3/objects/{}", write.object),
                json!({"properties": fields}),
            ),
            (System::Hubspot, Some(id)) => (
                format!("{base}/crm/v3/objects/{}/{id}", write.object),
                json!({"properties": fields}),
            ),
            (System::Salesforce, None) => (
                format!("{base}/services/data/v62.0/sobjects/{}/", write.object),
                Value::Object(fields),
            ),
            (System::Salesforce, Some(id)) => (
                format!("{base}/services/data/v62.0/sobjects/{}/{id}", write.object),
                Value::Object(fields),
            ),
        };
        let request = match id {
            None => self.client.post(&url),
            Some(_) => self.client.patch(&url),
        };
        let response = request
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|error| panic!("{url}: {error}"));
        let status = response.status();
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        assert!(
            status.as_u16() != 401 && status.as_u16() != 429 && !status.is_server_error(),
            "the sandbox answered {status} to {}: {answer}",
            write.describe()
        );
        if !status.is_success() {
            if let Some(id) = &id {
                let _ = self.control().act_delete(write.system, &write.object, id);
            }
            return Outcome::Rejected(error_codes(&answer));
        }
        let id = id
            .or_else(|| answer.get("id").and_then(Value::as_str).map(str::to_string))
            .unwrap_or_else(|| panic!("no id in {answer}"));
        let stored = self.control().record(write.system, &write.object, &id);
        let _ = self.control().act_delete(write.system, &write.object, &id);
        let Some((field, meant, meant_type)) = &write.meant else {
            return Outcome::Stored;
        };
        let stored_value = stored
            .as_ref()
            .and_then(|record: &BTreeMap<String, String>| record.get(field))
            .cloned()
            .unwrap_or_default();
        let canonical = |value: &Value| tandem_ground::value::canonical(value, *meant_type);
        if canonical(&Value::String(stored_value.clone())) == canonical(meant) {
            Outcome::Stored
        } else {
            Outcome::Changed {
                stored: stored_value,
            }
        }
    }
}

impl Drop for Crm {
    fn drop(&mut self) {
        if let Some(sandbox) = self.sandbox.take() {
            let _ = self.rt.block_on(sandbox.shutdown());
        }
    }
}

/// The error codes in a HubSpot or Salesforce error body.
fn error_codes(answer: &Value) -> String {
    let mut codes = Vec::new();
    // Salesforce: `[{"errorCode": ..., "message": ...}]`.
    if let Some(errors) = answer.as_array() {
        for error in errors {
            codes.push(format!(
                "{}: {}",
                error
                    .get("errorCode")
                    .and_then(Value::as_str)
                    .unwrap_or("?"),
                error.get("message").and_then(Value::as_str).unwrap_or("")
            ));
        }
    }
    // HubSpot: `{"category": ..., "errors": [{"code": ..., "message": ...}], "message": ...}`.
    if let Some(errors) = answer.get("errors").and_then(Value::as_array) {
        for error in errors {
            codes.push(format!(
                "{}: {}",
                error.get("code").and_then(Value::as_str).unwrap_or("?"),
                error.get("message").and_then(Value::as_str).unwrap_or("")
            ));
        }
    }
    if codes.is_empty() {
        codes.push(answer.to_string());
    }
    codes.join("; ")
}
