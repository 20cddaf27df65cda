//! Finding records by the values of one property: CRM search with an `IN` filter, 100 values
//! per search. The runtime looks up, before planning a create, whether the target already
//! holds a record with the create's match key that the read did not return (outside the
//! sync's scope, or unchanged since an incremental read), so the plan links it or reports it
//! instead of making a duplicate.

use tandem_ground::record::RemoteRecord;

use super::HubSpotClient;
use crate::error::ConnectorError;

/// Values one `IN` filter takes.
const VALUES_PER_FILTER: usize = 100;

impl HubSpotClient {
    /// The live records of `object` whose `property` is one of `values`. String values go
    /// lower-cased: HubSpot compares `IN` on text in lower case.
    pub async fn read_by_values(
        &self,
        object: &str,
        properties: &[String],
        property: &str,
        values: &[String],
    ) -> Result<Vec<RemoteRecord>, ConnectorError> {
        let mut out = Vec::new();
        for chunk in values.chunks(VALUES_PER_FILTER) {
            let lowered: Vec<String> = chunk.iter().map(|v| v.to_lowercase()).collect();
            let groups = serde_json::json!([{
                "filters": [{"propertyName": property, "operator": "IN", "values": lowered}]
            }]);
            let mut reader = self.read_matching(object, properties, &groups);
            while let Some(page) = reader.next_page().await? {
                out.extend(page.into_iter().filter(|r| !r.deleted));
            }
        }
        Ok(out)
    }
}
