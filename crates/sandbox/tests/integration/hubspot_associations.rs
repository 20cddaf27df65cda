//! HubSpot associations v4 over real HTTP: read, default and labelled create, delete, batch.

use crate::support;

use reqwest::{Method, StatusCode};
use serde_json::json;
use support::{Api, start};

async fn first_ids(api: &Api, object: &str, n: usize) -> Vec<String> {
    let body = api
        .get(&format!("/crm/v3/objects/{object}?limit={n}"))
        .await
        .json();
    body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_string())
        .collect()
}

#[tokio::test]
async fn seeded_contacts_are_associated_with_their_company() {
    let sandbox = start(5).await;
    let api = Api::hubspot(&sandbox);
    let contact = &first_ids(&api, "contacts", 1).await[0];
    let body = api
        .get(&format!(
            "/crm/v4/objects/contacts/{contact}/associations/companies"
        ))
        .await
        .json();
    let first = &body["results"][0];
    assert!(first["toObjectId"].is_u64(), "{body}");
    assert_eq!(first["associationTypes"][0]["typeId"], json!(279));
    assert_eq!(
        first["associationTypes"][0]["category"],
        json!("HUBSPOT_DEFINED")
    );
    // And the inverse exists with the company -> contact type.
    let company = first["toObjectId"].as_u64().expect("company id");
    let back = api
        .get(&format!(
            "/crm/v4/objects/companies/{company}/associations/contacts"
        ))
        .await
        .json();
    assert!(
        back["results"]
            .as_array()
            .expect("results")
            .iter()
            .any(
                |r| r["toObjectId"].as_u64().map(|n| n.to_string()).as_deref()
                    == Some(contact.as_str())
                    && r["associationTypes"][0]["typeId"] == json!(280)
            )
    );
}

#[tokio::test]
async fn default_and_labelled_create_then_delete() {
    let sandbox = start(5).await;
    let api = Api::hubspot(&sandbox);
    let deal = &first_ids(&api, "deals", 1).await[0];
    let company = &first_ids(&api, "companies", 5).await[4];
    let default = api
        .put(
            &format!("/crm/v4/objects/deals/{deal}/associations/default/companies/{company}"),
            json!(null),
        )
        .await;
    assert_eq!(default.status, StatusCode::OK, "{}", default.text);
    let labelled = api
        .put(
            &format!("/crm/v4/objects/deals/{deal}/associations/companies/{company}"),
            json!([{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 5}]),
        )
        .await;
    assert_eq!(labelled.status, StatusCode::CREATED, "{}", labelled.text);
    assert_eq!(labelled.json()["labels"], json!(["Primary"]));
    let list = api
        .get(&format!(
            "/crm/v4/objects/deals/{deal}/associations/companies"
        ))
        .await
        .json();
    let entry = list["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| {
            r["toObjectId"].as_u64().map(|n| n.to_string()).as_deref() == Some(company.as_str())
        })
        .expect("linked");
    let types: Vec<u64> = entry["associationTypes"]
        .as_array()
        .expect("types")
        .iter()
        .filter_map(|t| t["typeId"].as_u64())
        .collect();
    assert!(types.contains(&341) && types.contains(&5), "{types:?}");

    let bad_type = api
        .put(
            &format!("/crm/v4/objects/deals/{deal}/associations/companies/{company}"),
            json!([{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}]),
        )
        .await;
    assert_eq!(bad_type.status, StatusCode::BAD_REQUEST);

    let deleted = api
        .send(
            Method::DELETE,
            &format!("/crm/v4/objects/deals/{deal}/associations/companies/{company}"),
            None,
            &[],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let after = api
        .get(&format!(
            "/crm/v4/objects/deals/{deal}/associations/companies"
        ))
        .await
        .json();
    assert!(
        !after["results"]
            .as_array()
            .expect("results")
            .iter()
            .any(
                |r| r["toObjectId"].as_u64().map(|n| n.to_string()).as_deref()
                    == Some(company.as_str())
            )
    );
}

#[tokio::test]
async fn batch_create_read_archive_and_labels() {
    let sandbox = start(6).await;
    let api = Api::hubspot(&sandbox);
    let contacts = first_ids(&api, "contacts", 2).await;
    let deals = first_ids(&api, "deals", 3).await;
    let created = api
        .post(
            "/crm/v4/associations/contacts/deals/batch/create",
            json!({"inputs": [
                {"from": {"id": contacts[0]}, "to": {"id": deals[2]}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 4}]},
                {"from": {"id": "999999"}, "to": {"id": deals[2]}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 4}]},
            ]}),
        )
        .await;
    assert_eq!(created.status, StatusCode::MULTI_STATUS, "{}", created.text);
    assert_eq!(created.json()["numErrors"], json!(1));

    let read = api
        .post(
            "/crm/v4/associations/contacts/deals/batch/read",
            json!({"inputs": [{"id": contacts[0]}]}),
        )
        .await
        .json();
    let targets: Vec<String> = read["results"][0]["to"]
        .as_array()
        .expect("to")
        .iter()
        .map(|t| t["toObjectId"].to_string())
        .collect();
    assert!(targets.contains(&deals[2]), "{read}");

    let default = api
        .post(
            "/crm/v4/associations/contacts/deals/batch/associate/default",
            json!({"inputs": [{"from": {"id": contacts[1]}, "to": {"id": deals[1]}}]}),
        )
        .await;
    assert_eq!(default.status, StatusCode::OK, "{}", default.text);

    let archived = api
        .post(
            "/crm/v4/associations/contacts/deals/batch/archive",
            json!({"inputs": [{"from": {"id": contacts[0]}, "to": [{"id": deals[2]}]}]}),
        )
        .await;
    assert_eq!(archived.status, StatusCode::NO_CONTENT);
    let after = api
        .post(
            "/crm/v4/associations/contacts/deals/batch/read",
            json!({"inputs": [{"id": contacts[0]}]}),
        )
        .await
        .json();
    // A contact left with no deal reads as HubSpot's `NO_ASSOCIATIONS_FOUND` error.
    let still: Vec<String> = after["results"][0]["to"]
        .as_array()
        .map(|to| to.iter().map(|t| t["toObjectId"].to_string()).collect())
        .unwrap_or_default();
    assert!(!still.contains(&deals[2]), "{after}");
    if still.is_empty() {
        assert_eq!(
            after["errors"][0]["subCategory"],
            json!("crm.associations.NO_ASSOCIATIONS_FOUND"),
            "{after}"
        );
    }

    let labels = api
        .get("/crm/v4/associations/contacts/companies/labels")
        .await
        .json();
    let type_ids: Vec<u64> = labels["results"]
        .as_array()
        .expect("labels")
        .iter()
        .filter_map(|l| l["typeId"].as_u64())
        .collect();
    assert_eq!(type_ids, vec![279, 1]);
}

#[tokio::test]
async fn create_with_inline_associations() {
    let sandbox = start(3).await;
    let api = Api::hubspot(&sandbox);
    let company = &first_ids(&api, "companies", 1).await[0];
    let created = api
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "inline@assoc.io"}, "associations": [{"to": {"id": company}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}]}]}),
        )
        .await
        .json();
    let id = created["id"].as_str().expect("id");
    let read = api
        .get(&format!(
            "/crm/v3/objects/contacts/{id}?associations=companies"
        ))
        .await
        .json();
    assert_eq!(
        read["associations"]["companies"]["results"][0]["id"],
        json!(company)
    );
}

#[tokio::test]
async fn batch_read_of_a_record_without_associations_answers_no_associations_found() {
    let sandbox = start(3).await;
    let api = Api::hubspot(&sandbox);
    let created = api
        .post(
            "/crm/v3/objects/deals",
            json!({"properties": {"dealname": "Alone", "pipeline": "default", "dealstage": "appointmentscheduled"}}),
        )
        .await
        .json();
    let lonely = created["id"].as_str().expect("id").to_string();
    let read = api
        .post(
            "/crm/v4/associations/deals/companies/batch/read",
            json!({"inputs": [{"id": lonely}]}),
        )
        .await;
    assert_eq!(read.status, StatusCode::MULTI_STATUS, "{}", read.text);
    let body = read.json();
    assert_eq!(body["results"], json!([]), "{body}");
    let error = &body["errors"][0];
    assert_eq!(error["category"], json!("OBJECT_NOT_FOUND"));
    assert_eq!(
        error["subCategory"],
        json!("crm.associations.NO_ASSOCIATIONS_FOUND")
    );
    assert_eq!(error["context"]["fromObjectId"], json!([lonely]));
    assert_eq!(
        error["message"],
        json!(format!("No company is associated with deal {lonely}."))
    );
}

#[tokio::test]
async fn a_new_primary_company_demotes_the_old_primary_to_unlabeled() {
    let sandbox = start(3).await;
    let api = Api::hubspot(&sandbox);
    let deal = api
        .post(
            "/crm/v3/objects/deals",
            json!({"properties": {"dealname": "Moving", "pipeline": "default", "dealstage": "appointmentscheduled"}}),
        )
        .await
        .json()["id"]
        .as_str()
        .expect("id")
        .to_string();
    let companies = first_ids(&api, "companies", 2).await;
    for company in &companies {
        let created = api
            .post(
                "/crm/v4/associations/deals/companies/batch/create",
                json!({"inputs": [{"from": {"id": deal}, "to": {"id": company}, "types": [
                    {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 341},
                    {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 5}
                ]}]}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    }
    let read = api
        .post(
            "/crm/v4/associations/deals/companies/batch/read",
            json!({"inputs": [{"id": deal}]}),
        )
        .await
        .json();
    let types_of = |company: &str| -> Vec<u64> {
        let mut ids: Vec<u64> = read["results"][0]["to"]
            .as_array()
            .expect("to")
            .iter()
            .find(|t| t["toObjectId"].to_string().as_str() == company)
            .map(|t| {
                t["associationTypes"]
                    .as_array()
                    .expect("types")
                    .iter()
                    .filter_map(|k| k["typeId"].as_u64())
                    .collect()
            })
            .unwrap_or_default();
        ids.sort();
        ids
    };
    assert_eq!(types_of(&companies[0]), vec![341], "{read}");
    assert_eq!(types_of(&companies[1]), vec![5, 341], "{read}");
    let primary = read["results"][0]["to"]
        .as_array()
        .expect("to")
        .iter()
        .flat_map(|t| {
            t["associationTypes"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .find(|k| k["typeId"] == json!(5))
        .expect("one primary");
    assert_eq!(primary["label"], json!("Primary"));
}

#[tokio::test]
async fn v3_read_with_associations_lists_each_association_type_once() {
    let sandbox = start(3).await;
    let api = Api::hubspot(&sandbox);
    let deal = api
        .post(
            "/crm/v3/objects/deals",
            json!({"properties": {"dealname": "Typed", "pipeline": "default", "dealstage": "appointmentscheduled"}}),
        )
        .await
        .json()["id"]
        .as_str()
        .expect("id")
        .to_string();
    let company = first_ids(&api, "companies", 1).await.remove(0);
    let created = api
        .post(
            "/crm/v4/associations/deals/companies/batch/create",
            json!({"inputs": [{"from": {"id": deal}, "to": {"id": company}, "types": [
                {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 341},
                {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 5}
            ]}]}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let body = api
        .get(&format!(
            "/crm/v3/objects/deals/{deal}?associations=companies"
        ))
        .await
        .json();
    let mut types: Vec<(String, String)> = body["associations"]["companies"]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap_or_default().to_string(),
                r["type"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    types.sort();
    assert_eq!(
        types,
        vec![
            (company.clone(), "deal_to_company".to_string()),
            (company, "deal_to_company_unlabeled".to_string()),
        ],
        "{body}"
    );
}
