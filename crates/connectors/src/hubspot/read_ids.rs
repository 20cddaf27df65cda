//! Reading known records by id: `POST /crm/v3/objects/{object}/batch/read`, 100 ids per call.
//! The runtime reads records that wait for another record (an ambiguous match, a value that
//! waits for a link) this way on every incremental run, so a change elsewhere resolves them
//! even though they did not change themselves. An archived or unknown id is left out.

use std::collections::BTreeMap;

use reqwest::Method;
use serde::Deserialize;

use super::{HUBSPOT_BATCH_LIMIT, HubSpotClient, modified_property};
use crate::call_budget::CallKind;
use crate::error::ConnectorError;
use crate::http::Call;
use crate::watermark::{ms_to_rfc3339, parse_timestamp_ms};
use tandem_ground::field_map::FieldMap;
use tandem_ground::record::RemoteRecord;

#[derive(Debug, Deserialize)]
struct BatchObject {
    id: String,
    #[serde(default)]
    properties: BTreeMap<String, Option<String>>,
    #[serde(default, rename = "updatedAt")]
    updated_at: Option<String>,
}

#[derive(Debug, Deserialize)]
struct BatchRead {
    // No default: a 200 without `results` is not HubSpot's answer and is refused.
    results: Vec<BatchObject>,
}

impl HubSpotClient {
    /// The live records of `ids` with `properties` (and the modified date).
    pub async fn read_ids(
        &self,
        object: &str,
        properties: &[String],
        ids: &[String],
    ) -> Result<Vec<RemoteRecord>, ConnectorError> {
        let modified = modified_property(object);
        let mut wanted: Vec<String> = properties.to_vec();
        if !wanted.iter().any(|p| p == modified) {
            wanted.push(modified.to_string());
        }
        let mut out = Vec::new();
        for chunk in ids.chunks(HUBSPOT_BATCH_LIMIT) {
            let body = serde_json::json!({
                "inputs": chunk.iter().map(|id| serde_json::json!({"id": id})).collect::<Vec<_>>(),
                "properties": wanted,
            });
            let url = self.url(&["crm", "v3", "objects", object, "batch", "read"]);
            let reply = self
                .core
                .send(Call::new(Method::POST, url, CallKind::Read).json(body))
                .await?;
            let response: BatchRead = reply.json()?;
            for object_read in response.results {
                let modified_text = object_read
                    .properties
                    .get(modified)
                    .cloned()
                    .flatten()
                    .or(object_read.updated_at);
                let modified_at = modified_text
                    .as_deref()
                    .and_then(parse_timestamp_ms)
                    .and_then(ms_to_rfc3339)
                    .or(modified_text);
                let mut fields = FieldMap::new();
                for name in &wanted {
                    let value = object_read.properties.get(name).cloned().flatten();
                    fields.insert(
                        name.as_str().into(),
                        value.map_or(serde_json::Value::Null, serde_json::Value::String),
                    );
                }
                out.push(RemoteRecord {
                    id: object_read.id,
                    fields,
                    modified_at,
                    deleted: false,
                    merged_into: None,
                });
            }
        }
        Ok(out)
    }
}
