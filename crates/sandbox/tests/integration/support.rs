//! Shared helpers for the sandbox integration tests: start a small sandbox and talk to it
//! over real loopback HTTP with reqwest.

#![allow(dead_code)]

use reqwest::{Client, Method, StatusCode};
use serde_json::Value;
use tandem_sandbox::{Sandbox, SandboxConfig, SandboxHandle};

pub const SF: &str = "/services/data/v62.0";

pub async fn start(records: usize) -> SandboxHandle {
    start_with(SandboxConfig {
        seed: 7,
        records_per_object: records,
        ..SandboxConfig::default()
    })
    .await
}

pub async fn start_with(config: SandboxConfig) -> SandboxHandle {
    Sandbox::start(config).await.expect("sandbox starts")
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }
}

pub struct Api {
    pub client: Client,
    pub base: String,
    pub token: String,
}

impl Api {
    pub fn hubspot(sandbox: &SandboxHandle) -> Self {
        Api {
            client: Client::new(),
            base: sandbox.hubspot_url(),
            token: sandbox.hubspot_token(),
        }
    }

    pub fn salesforce(sandbox: &SandboxHandle) -> Self {
        Api {
            client: Client::new(),
            base: sandbox.salesforce_url(),
            token: sandbox.salesforce_token(),
        }
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        Reply {
            status,
            headers,
            text,
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None, &[]).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(body), &[]).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PATCH, path, Some(body), &[]).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PUT, path, Some(body), &[]).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(Method::DELETE, path, None, &[]).await
    }
}

/// The first top-level Salesforce error code of a reply.
pub fn sf_code(reply: &Reply) -> String {
    reply.json()[0]["errorCode"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The `errors[].code` values of a HubSpot validation error.
pub fn hs_codes(reply: &Reply) -> Vec<String> {
    reply.json()["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["code"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// A record id as text, whether the JSON holds it as a number (v4 `toObjectId`) or a string.
pub fn id_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}
