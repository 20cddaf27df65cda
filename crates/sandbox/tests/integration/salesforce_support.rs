//! Helpers for the Salesforce wire tests: SOQL paths, control calls, SOAP envelopes.

#![allow(dead_code)]

use reqwest::StatusCode;
use serde_json::Value;
use tandem_sandbox::SandboxHandle;
use tandem_sandbox::salesforce::soap::xml::{self, Element};

use crate::support::{Api, SF};

/// `/services/data/v62.0/query?q=…` (or `queryAll`).
pub fn query_path(resource: &str, soql: &str) -> String {
    let encoded: String = url::form_urlencoded::byte_serialize(soql.as_bytes()).collect();
    format!("{SF}/{resource}?q={encoded}")
}

pub async fn query(api: &Api, soql: &str) -> Value {
    let reply = api.get(&query_path("query", soql)).await;
    assert_eq!(reply.status, StatusCode::OK, "{soql}: {}", reply.text);
    reply.json()
}

pub async fn records(api: &Api, soql: &str) -> Vec<Value> {
    query(api, soql).await["records"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

pub async fn first_id(api: &Api, soql: &str) -> String {
    records(api, soql).await[0]["Id"]
        .as_str()
        .expect("an Id")
        .to_string()
}

/// A `/_sandbox/` call on the Salesforce server (no auth).
pub async fn control(
    sandbox: &SandboxHandle,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request =
        reqwest::Client::new().request(method, format!("{}{path}", sandbox.salesforce_url()));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("control call");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A partner-WSDL envelope as salesforcer and the Java WSC write it (`soapenv:`/`urn:`).
pub fn envelope(session: &str, body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:partner.soap.sforce.com" xmlns:urn1="urn:sobject.partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <soapenv:Header><urn:SessionHeader><urn:sessionId>{session}</urn:sessionId></urn:SessionHeader></soapenv:Header>
  <soapenv:Body>{body}</soapenv:Body>
</soapenv:Envelope>"#
    )
}

pub struct SoapReply {
    pub status: StatusCode,
    pub content_type: String,
    pub text: String,
}

impl SoapReply {
    pub fn root(&self) -> Element {
        xml::parse(&self.text).unwrap_or_else(|e| panic!("not XML ({e}): {}", self.text))
    }

    /// The `<result>` elements of the `…Response`.
    pub fn results(&self) -> Vec<Element> {
        let root = self.root();
        let response = root
            .child("Body")
            .and_then(|b| b.children.first())
            .cloned()
            .unwrap_or_default();
        response.children_named("result").cloned().collect()
    }
}

/// POSTs raw XML to `/services/Soap/{kind}/62.0` (`u` partner, `c` enterprise).
pub async fn soap(sandbox: &SandboxHandle, kind: &str, xml_body: String) -> SoapReply {
    let response = reqwest::Client::new()
        .post(format!(
            "{}/services/Soap/{kind}/62.0",
            sandbox.salesforce_url()
        ))
        .header("Content-Type", "text/xml; charset=UTF-8")
        .header("SOAPAction", "\"\"")
        .body(xml_body)
        .send()
        .await
        .expect("soap call");
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    SoapReply {
        status,
        content_type,
        text: response.text().await.unwrap_or_default(),
    }
}

/// A partner `convertLead` call with one `LeadConvert` made of `fields` (`<urn:name>`).
pub fn convert_lead_body(fields: &[(&str, &str)]) -> String {
    let inner: String = fields
        .iter()
        .map(|(name, value)| format!("<urn:{name}>{value}</urn:{name}>"))
        .collect();
    format!("<urn:convertLead><urn:leadConverts>{inner}</urn:leadConverts></urn:convertLead>")
}

pub fn text(element: &Element, name: &str) -> Option<String> {
    element.child_text(name)
}
