//! The SOAP API calls Salesforce offers no REST resource for, on the partner and enterprise
//! endpoints `POST /services/Soap/u/{version}` and `/services/Soap/c/{version}`:
//! `convertLead` and `merge`.
//!
//! Sources: SOAP API Developer Guide (`convertLead()`, `merge()`, "SOAP Headers":
//! `SessionHeader` carries the OAuth access token as `sessionId`, `LimitInfoHeader` reports
//! API usage; "API Fault Element": `soapenv:Fault` with `faultcode` `sf:INVALID_SESSION_ID`
//! and an `UnexpectedErrorFault` detail); the partner WSDL's `LeadConvert`,
//! `LeadConvertResult`, `MergeRequest`, `MergeResult` and `Error` types (element order of
//! results follows the WSDL sequences) as transcribed by superfell/zkSforce; the client
//! continuous-lifecycle-scale.md §4.1 cites, which posts the envelope to `/services/Soap/u/`
//! with the access token as `sessionId`.
//!
//! Element names are matched without their namespace prefix, since clients choose their
//! own. A call is metered like a REST call (`POST /services/Soap/u/{version}` in the
//! counters) and answers its usage in `LimitInfoHeader`.

pub mod xml;

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{MatchedPath, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::errors::SfFault;
use super::lead_convert::{self, LeadConvert, LeadConverted};
use super::merge::{self, MergeRequest, Merged};
use crate::Shared;
use crate::auth::TokenCheck;
use crate::crm::Actor;
use crate::faults::FaultKind;
use crate::gate;
use xml::{Element, escape};

/// Which WSDL a call came through: it decides the response namespaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    Partner,
    Enterprise,
}

impl Flavor {
    fn namespace(self) -> &'static str {
        match self {
            Flavor::Partner => "urn:partner.soap.sforce.com",
            Flavor::Enterprise => "urn:enterprise.soap.sforce.com",
        }
    }

    fn fault_namespace(self) -> &'static str {
        match self {
            Flavor::Partner => "urn:fault.partner.soap.sforce.com",
            Flavor::Enterprise => "urn:fault.enterprise.soap.sforce.com",
        }
    }
}

/// Most `LeadConvert` or `MergeRequest` entries one call may carry.
pub const MAX_PER_CALL: usize = 200;

const SOAP_ENV: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// A whole-call SOAP fault.
struct Fault {
    status: StatusCode,
    /// `sf:INVALID_SESSION_ID`, or `soapenv:Client` for a malformed request.
    code: String,
    exception: Option<String>,
    message: String,
}

impl Fault {
    fn api(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Fault {
            status,
            code: format!("sf:{code}"),
            exception: Some(code.to_string()),
            message: message.into(),
        }
    }

    fn client(message: impl Into<String>) -> Self {
        Fault {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "soapenv:Client".to_string(),
            exception: None,
            message: message.into(),
        }
    }

    fn render(&self, flavor: Flavor) -> Response {
        let (faultstring, detail) = match &self.exception {
            Some(code) => (
                format!("{code}: {}", self.message),
                format!(
                    "<detail><sf:UnexpectedErrorFault xsi:type=\"sf:UnexpectedErrorFault\"><sf:exceptionCode>{}</sf:exceptionCode><sf:exceptionMessage>{}</sf:exceptionMessage></sf:UnexpectedErrorFault></detail>",
                    escape(code),
                    escape(&self.message)
                ),
            ),
            None => (self.message.clone(), String::new()),
        };
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope xmlns:soapenv=\"{SOAP_ENV}\" xmlns:sf=\"{}\" xmlns:xsi=\"{XSI}\"><soapenv:Body><soapenv:Fault><faultcode>{}</faultcode><faultstring>{}</faultstring>{detail}</soapenv:Fault></soapenv:Body></soapenv:Envelope>",
            flavor.fault_namespace(),
            escape(&self.code),
            escape(&faultstring),
        );
        xml_response(self.status, body)
    }
}

fn xml_response(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/xml;charset=UTF-8"),
    );
    response
}

fn supported_version(text: &str) -> bool {
    text.strip_suffix(".0")
        .and_then(|n| n.parse::<u32>().ok())
        .is_some_and(|n| (super::OLDEST_VERSION..=super::NEWEST_VERSION).contains(&n))
}

pub async fn partner(
    state: State<Arc<Shared>>,
    matched: MatchedPath,
    version: Path<String>,
    body: Bytes,
) -> Response {
    handle(state, matched, version, body, Flavor::Partner).await
}

pub async fn enterprise(
    state: State<Arc<Shared>>,
    matched: MatchedPath,
    version: Path<String>,
    body: Bytes,
) -> Response {
    handle(state, matched, version, body, Flavor::Enterprise).await
}

/// Admits a call the way the REST gate does, but with the session from the envelope.
enum Admission {
    Pass { used: u64, max: u64 },
    Refuse(Fault),
    Hang(u64),
}

fn admit(shared: &Shared, key: &str, session: Option<&str>) -> Admission {
    let mut gate = shared.salesforce.gate();
    *gate.counters.entry(key.to_string()).or_insert(0) += 1;
    let bearer = session.map(|s| format!("Bearer {s}"));
    let invalid = || {
        Fault::api(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INVALID_SESSION_ID",
            "Invalid Session ID found in SessionHeader: Illegal Session",
        )
    };
    match gate.auth.check(bearer.as_deref()) {
        TokenCheck::Valid => {}
        _ => return Admission::Refuse(invalid()),
    }
    match gate.faults.draw(key) {
        Some(FaultKind::Timeout) => {
            return Admission::Hang(gate.faults.settings.timeout_ms.unwrap_or(30_000));
        }
        Some(FaultKind::Unauthorized) => return Admission::Refuse(invalid()),
        Some(FaultKind::ServerError) => {
            return Admission::Refuse(Fault::api(
                StatusCode::SERVICE_UNAVAILABLE,
                "SERVER_UNAVAILABLE",
                "Server temporarily unavailable",
            ));
        }
        Some(FaultKind::RateLimited) => {
            return Admission::Refuse(Fault::api(
                StatusCode::INTERNAL_SERVER_ERROR,
                "REQUEST_LIMIT_EXCEEDED",
                "TotalRequests Limit exceeded.",
            ));
        }
        // A row lock is a per-record REST fault; SOAP calls are not affected.
        Some(FaultKind::UnableToLockRow) | None => {}
    }
    match gate.limits.admit(shared.clock.now_ms(), false, false) {
        Ok(usage) => Admission::Pass {
            used: usage.daily_used,
            max: usage.daily_max,
        },
        Err(_) => Admission::Refuse(Fault::api(
            StatusCode::INTERNAL_SERVER_ERROR,
            "REQUEST_LIMIT_EXCEEDED",
            "TotalRequests Limit exceeded.",
        )),
    }
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    matched: MatchedPath,
    Path(version): Path<String>,
    body: Bytes,
    flavor: Flavor,
) -> Response {
    let key = format!("POST {}", matched.as_str());
    if !supported_version(&version) {
        gate::count(&shared, tandem_ground::schema::System::Salesforce, &key);
        return (StatusCode::NOT_FOUND, "").into_response();
    }
    let envelope = std::str::from_utf8(&body)
        .map_err(|_| "the request is not UTF-8".to_string())
        .and_then(|text| xml::parse(text).map_err(|e| e.to_string()));
    let envelope = match envelope {
        Ok(root) if root.name == "Envelope" => root,
        Ok(root) => {
            gate::count(&shared, tandem_ground::schema::System::Salesforce, &key);
            return Fault::client(format!("Expected a SOAP Envelope, found <{}>", root.name))
                .render(flavor);
        }
        Err(error) => {
            gate::count(&shared, tandem_ground::schema::System::Salesforce, &key);
            return Fault::client(format!("Unable to parse the request envelope: {error}"))
                .render(flavor);
        }
    };
    let session = envelope
        .child("Header")
        .and_then(|h| h.child("SessionHeader"))
        .and_then(|s| s.child_text("sessionId"));
    let latency = shared.salesforce.gate().faults.settings.latency_ms;
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let (used, max) = match admit(&shared, &key, session.as_deref()) {
        Admission::Pass { used, max } => (used, max),
        Admission::Refuse(fault) => return fault.render(flavor),
        Admission::Hang(ms) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            return Fault::api(
                StatusCode::GATEWAY_TIMEOUT,
                "SERVER_UNAVAILABLE",
                "Server temporarily unavailable",
            )
            .render(flavor);
        }
    };
    let Some(operation) = envelope.child("Body").and_then(|b| b.children.first()) else {
        return Fault::client("The SOAP Body names no operation").render(flavor);
    };
    // `CallOptions/client` is the SOAP spelling of `Sforce-Call-Options: client=…`.
    let client = envelope
        .child("Header")
        .and_then(|h| h.child("CallOptions"))
        .and_then(|c| c.child_text("client"));
    let actor = Actor::api(client);
    let results = match operation.name.as_str() {
        "convertLead" => convert_leads(&shared, operation, &actor),
        "merge" => merges(&shared, operation, &actor),
        other => {
            return Fault::client(format!(
                "No operation available for request {{{}}}{other}",
                flavor.namespace()
            ))
            .render(flavor);
        }
    };
    let results = match results {
        Ok(results) => results,
        Err(fault) => return fault.render(flavor),
    };
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope xmlns:soapenv=\"{SOAP_ENV}\" xmlns=\"{}\" xmlns:xsi=\"{XSI}\"><soapenv:Header><LimitInfoHeader><limitInfo><current>{used}</current><limit>{max}</limit><type>API REQUESTS</type></limitInfo></LimitInfoHeader></soapenv:Header><soapenv:Body><{}Response>{results}</{}Response></soapenv:Body></soapenv:Envelope>",
        flavor.namespace(),
        operation.name,
        operation.name,
    );
    xml_response(StatusCode::OK, body)
}

fn flag(element: &Element, name: &str) -> bool {
    element
        .child_text(name)
        .is_some_and(|t| t.eq_ignore_ascii_case("true"))
}

fn optional(element: &Element, name: &str) -> Option<String> {
    element.child(name).filter(|c| !c.is_nil())?;
    element.child_text(name)
}

fn too_many(what: &str) -> Fault {
    Fault::api(
        StatusCode::INTERNAL_SERVER_ERROR,
        "EXCEEDED_ID_LIMIT",
        format!("Cannot process more than {MAX_PER_CALL} {what} in one call"),
    )
}

/// `<convertLead><leadConverts>…</leadConverts>…</convertLead>` → one `<result>` each.
fn convert_leads(shared: &Shared, operation: &Element, actor: &Actor) -> Result<String, Fault> {
    let entries: Vec<&Element> = operation.children_named("leadConverts").collect();
    if entries.len() > MAX_PER_CALL {
        return Err(too_many("LeadConvert"));
    }
    let now = shared.clock.tick_salesforce_ms();
    let mut crm = shared.salesforce.write();
    let mut out = String::new();
    for entry in entries {
        let request = LeadConvert {
            lead_id: entry.child_text("leadId").unwrap_or_default(),
            // convertedStatus is required in the WSDL: a missing one is an invalid status.
            converted_status: Some(entry.child_text("convertedStatus").unwrap_or_default()),
            account_id: optional(entry, "accountId"),
            contact_id: optional(entry, "contactId"),
            opportunity_id: optional(entry, "opportunityId"),
            do_not_create_opportunity: flag(entry, "doNotCreateOpportunity"),
            opportunity_name: optional(entry, "opportunityName"),
            owner_id: optional(entry, "ownerId"),
            overwrite_lead_source: flag(entry, "overwriteLeadSource"),
        };
        let result = lead_convert::convert(&mut crm, &request, actor, now);
        out.push_str(&convert_result(&request.lead_id, result));
    }
    Ok(out)
}

fn id_element(name: &str, value: Option<&str>) -> String {
    match value {
        Some(value) => format!("<{name}>{}</{name}>", escape(value)),
        None => format!("<{name} xsi:nil=\"true\"/>"),
    }
}

fn error_element(fault: &SfFault) -> String {
    let fields: String = fault
        .fields
        .iter()
        .map(|f| format!("<fields>{}</fields>", escape(f)))
        .collect();
    format!(
        "<errors>{fields}<message>{}</message><statusCode>{}</statusCode></errors>",
        escape(&fault.message),
        escape(&fault.code)
    )
}

/// A `LeadConvertResult`: accountId, contactId, errors, leadId, opportunityId, success.
fn convert_result(lead_id: &str, result: Result<LeadConverted, SfFault>) -> String {
    match result {
        Ok(done) => format!(
            "<result>{}{}{}{}<success>true</success></result>",
            id_element("accountId", Some(&done.account_id)),
            id_element("contactId", Some(&done.contact_id)),
            id_element("leadId", Some(&done.lead_id)),
            id_element("opportunityId", done.opportunity_id.as_deref()),
        ),
        Err(fault) => format!(
            "<result>{}{}{}{}{}<success>false</success></result>",
            id_element("accountId", None),
            id_element("contactId", None),
            error_element(&fault),
            id_element("leadId", (!lead_id.is_empty()).then_some(lead_id)),
            id_element("opportunityId", None),
        ),
    }
}

/// The object and fields of a `masterRecord`: partner `<type>Account</type>` or an
/// `xsi:type="Account"` / `"ens:Account"` attribute; `Id`; other fields to set;
/// `fieldsToNull` to clear.
fn master_record(element: &Element) -> (String, Option<String>, Map<String, Value>) {
    let object = element
        .child_text("type")
        .or_else(|| {
            element
                .attribute("type")
                .map(|t| t.rsplit(':').next().unwrap_or(t).to_string())
                .filter(|t| t != "sObject")
        })
        .unwrap_or_default();
    let mut fields = Map::new();
    for child in &element.children {
        match child.name.as_str() {
            "type" | "Id" => {}
            "fieldsToNull" => {
                fields.insert(child.text.trim().to_string(), Value::Null);
            }
            name if child.is_nil() => {
                fields.insert(name.to_string(), Value::Null);
            }
            name => {
                fields.insert(name.to_string(), Value::String(child.text.clone()));
            }
        }
    }
    (object, element.child_text("Id"), fields)
}

/// `<merge><request>…</request>…</merge>` → one `<result>` each.
fn merges(shared: &Shared, operation: &Element, actor: &Actor) -> Result<String, Fault> {
    // The WSDL names the element `request`; some clients write `mergeRequest`.
    let entries: Vec<&Element> = operation
        .children
        .iter()
        .filter(|c| matches!(c.name.as_str(), "request" | "mergeRequest"))
        .collect();
    if entries.len() > MAX_PER_CALL {
        return Err(too_many("merge requests"));
    }
    let now = shared.clock.tick_salesforce_ms();
    let mut crm = shared.salesforce.write();
    let mut out = String::new();
    for entry in entries {
        let Some(master) = entry.child("masterRecord") else {
            out.push_str(&merge_result(Err(SfFault::new(
                "MISSING_ARGUMENT",
                "masterRecord not specified",
                Vec::new(),
            ))));
            continue;
        };
        let (object, master_id, master_fields) = master_record(master);
        let Some(master_id) = master_id else {
            out.push_str(&merge_result(Err(SfFault::new(
                "MISSING_ARGUMENT",
                "Id of the masterRecord not specified",
                Vec::new(),
            ))));
            continue;
        };
        let request = MergeRequest {
            object,
            master_id,
            master_fields,
            merge_ids: entry
                .children_named("recordToMergeIds")
                .map(|c| c.text.trim().to_string())
                .filter(|id| !id.is_empty())
                .collect(),
        };
        out.push_str(&merge_result(merge::merge(&mut crm, &request, actor, now)));
    }
    Ok(out)
}

/// A `MergeResult`: errors, id, mergedRecordIds, success, updatedRelatedIds.
fn merge_result(result: Result<Merged, SfFault>) -> String {
    match result {
        Ok(merged) => {
            let ids = |name: &str, list: &[String]| -> String {
                list.iter()
                    .map(|id| format!("<{name}>{}</{name}>", escape(id)))
                    .collect()
            };
            format!(
                "<result>{}{}<success>true</success>{}</result>",
                id_element("id", Some(&merged.id)),
                ids("mergedRecordIds", &merged.merged_record_ids),
                ids("updatedRelatedIds", &merged.updated_related_ids),
            )
        }
        Err(fault) => format!(
            "<result>{}{}<success>false</success></result>",
            error_element(&fault),
            id_element("id", None),
        ),
    }
}
