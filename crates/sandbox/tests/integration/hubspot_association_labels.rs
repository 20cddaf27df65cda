//! HubSpot association labels over real HTTP: creating single and paired `USER_DEFINED`
//! labels, associating with them one by one and in batches, reading `associationTypes` with
//! `category`, `typeId` and `label` from both sides, replacing, renaming and deleting labels.

use crate::support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{Api, start};

async fn first_ids(api: &Api, object: &str, n: usize) -> Vec<String> {
    api.get(&format!("/crm/v3/objects/{object}?limit={n}"))
        .await
        .json()["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_string())
        .collect()
}

/// The association types from one record to another, sorted by type id.
async fn types_between(api: &Api, from: &str, id: &str, to: &str, other: &str) -> Vec<Value> {
    let body = api
        .get(&format!("/crm/v4/objects/{from}/{id}/associations/{to}"))
        .await
        .json();
    let mut types: Vec<Value> = body["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| support::id_text(&r["toObjectId"]) == other)
        .flat_map(|r| {
            r["associationTypes"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .collect();
    types.sort_by_key(|t| t["typeId"].as_u64());
    types
}

#[tokio::test]
async fn a_single_label_links_contacts_and_companies_in_both_directions() {
    let sandbox = start(4).await;
    let api = Api::hubspot(&sandbox);
    let created = api
        .post(
            "/crm/v4/associations/contacts/companies/labels",
            json!({"label": "Decision maker", "name": "decision_maker"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    let results = created.json()["results"].clone();
    let made = results.as_array().expect("results");
    assert_eq!(made.len(), 2, "{results}");
    assert!(
        made.iter().all(
            |t| t["category"] == json!("USER_DEFINED") && t["label"] == json!("Decision maker")
        )
    );
    let forward = made[1]["typeId"].as_u64().expect("type id");
    let inverse = made[0]["typeId"].as_u64().expect("type id");
    assert_ne!(forward, inverse);

    let listed = api
        .get("/crm/v4/associations/contacts/companies/labels")
        .await
        .json();
    let listed: Vec<(Value, Value, Value)> = listed["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|t| {
            (
                t["category"].clone(),
                t["typeId"].clone(),
                t["label"].clone(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        vec![
            (json!("HUBSPOT_DEFINED"), json!(279), Value::Null),
            (json!("HUBSPOT_DEFINED"), json!(1), json!("Primary")),
            (
                json!("USER_DEFINED"),
                json!(forward),
                json!("Decision maker")
            ),
        ]
    );

    let contact = &first_ids(&api, "contacts", 1).await[0];
    let company = &first_ids(&api, "companies", 4).await[3];
    let put = api
        .put(
            &format!("/crm/v4/objects/contacts/{contact}/associations/companies/{company}"),
            json!([{"associationCategory": "USER_DEFINED", "associationTypeId": forward}]),
        )
        .await;
    assert_eq!(put.status, StatusCode::CREATED, "{}", put.text);
    assert_eq!(put.json()["labels"], json!(["Decision maker"]));
    let forward_types = types_between(&api, "contacts", contact, "companies", company).await;
    let mut expected = vec![
        json!({"category": "HUBSPOT_DEFINED", "typeId": 279, "label": null}),
        json!({"category": "USER_DEFINED", "typeId": forward, "label": "Decision maker"}),
    ];
    expected.sort_by_key(|t| t["typeId"].as_u64());
    assert_eq!(
        forward_types, expected,
        "the unlabeled type comes with the label"
    );
    let backward = types_between(&api, "companies", company, "contacts", contact).await;
    assert!(
        backward.contains(
            &json!({"category": "USER_DEFINED", "typeId": inverse, "label": "Decision maker"})
        ),
        "{backward:?}"
    );

    // The wrong category for a type id is refused.
    let wrong = api
        .put(
            &format!("/crm/v4/objects/contacts/{contact}/associations/companies/{company}"),
            json!([{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": forward}]),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);

    // Renamed, the label reads with its new name; in use, it cannot be deleted.
    let renamed = api
        .put(
            "/crm/v4/associations/contacts/companies/labels",
            json!({"associationTypeId": forward, "label": "Economic buyer"}),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::NO_CONTENT, "{}", renamed.text);
    let after = types_between(&api, "contacts", contact, "companies", company).await;
    assert!(
        after.iter().any(|t| t["label"] == json!("Economic buyer")),
        "{after:?}"
    );
    let delete_path = format!("/crm/v4/associations/contacts/companies/labels/{forward}");
    let in_use = api.send(Method::DELETE, &delete_path, None, &[]).await;
    assert_eq!(in_use.status, StatusCode::BAD_REQUEST, "{}", in_use.text);
    let removed = api
        .post(
            "/crm/v4/associations/contacts/companies/batch/archive",
            json!({"inputs": [{"from": {"id": contact}, "to": [{"id": company}]}]}),
        )
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    let deleted = api.send(Method::DELETE, &delete_path, None, &[]).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    let gone = api
        .get("/crm/v4/associations/contacts/companies/labels")
        .await
        .json();
    assert_eq!(gone["results"].as_array().expect("results").len(), 2);
    let builtin = api
        .send(
            Method::DELETE,
            "/crm/v4/associations/contacts/companies/labels/279",
            None,
            &[],
        )
        .await;
    assert_eq!(builtin.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn batch_create_with_a_label_replaces_the_pairs_other_labels() {
    let sandbox = start(4).await;
    let api = Api::hubspot(&sandbox);
    let mut labels = Vec::new();
    for (label, name) in [("Champion", "champion"), ("Blocker", "blocker")] {
        let made = api
            .post(
                "/crm/v4/associations/deals/contacts/labels",
                json!({"label": label, "name": name}),
            )
            .await
            .json();
        labels.push(made["results"][1]["typeId"].as_u64().expect("type id"));
    }
    let deal = &first_ids(&api, "deals", 1).await[0];
    let contact = &first_ids(&api, "contacts", 4).await[3];
    let label =
        |type_id: u64| json!({"associationCategory": "USER_DEFINED", "associationTypeId": type_id});
    let first = api
        .post(
            "/crm/v4/associations/deals/contacts/batch/create",
            json!({"inputs": [{"from": {"id": deal}, "to": {"id": contact}, "types": [label(labels[0])]}]}),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    assert_eq!(first.json()["results"][0]["labels"], json!(["Champion"]));
    let ids = |types: &[Value]| -> Vec<u64> {
        types.iter().filter_map(|t| t["typeId"].as_u64()).collect()
    };
    let mut want = vec![3, labels[0]];
    want.sort();
    assert_eq!(
        ids(&types_between(&api, "deals", deal, "contacts", contact).await),
        want
    );
    api.post(
        "/crm/v4/associations/deals/contacts/batch/create",
        json!({"inputs": [{"from": {"id": deal}, "to": {"id": contact}, "types": [label(labels[1])]}]}),
    )
    .await;
    let mut want = vec![3, labels[1]];
    want.sort();
    assert_eq!(
        ids(&types_between(&api, "deals", deal, "contacts", contact).await),
        want,
        "the new label replaces the old one"
    );
    let read = api
        .post(
            "/crm/v4/associations/deals/contacts/batch/read",
            json!({"inputs": [{"id": deal}]}),
        )
        .await
        .json();
    let types = read["results"][0]["to"]
        .as_array()
        .expect("to")
        .iter()
        .find(|t| support::id_text(&t["toObjectId"]) == *contact)
        .map(|t| t["associationTypes"].clone())
        .expect("associated");
    assert!(
        types.as_array().expect("types").contains(
            &json!({"category": "USER_DEFINED", "typeId": labels[1], "label": "Blocker"})
        ),
        "{types}"
    );
}

#[tokio::test]
async fn paired_labels_name_each_side_and_bad_names_are_refused() {
    let sandbox = start(3).await;
    let api = Api::hubspot(&sandbox);
    let paired = api
        .post(
            "/crm/v4/associations/contacts/contacts/labels",
            json!({"label": "Manager", "inverseLabel": "Employee", "name": "manager_employee"}),
        )
        .await;
    assert_eq!(paired.status, StatusCode::OK, "{}", paired.text);
    let made = paired.json()["results"].clone();
    let labels: Vec<&str> = made
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|t| t["label"].as_str())
        .collect();
    assert_eq!(labels, vec!["Employee", "Manager"]);
    let manager = made[1]["typeId"].as_u64().expect("id");
    let employee = made[0]["typeId"].as_u64().expect("id");
    let people = first_ids(&api, "contacts", 2).await;
    let put = api
        .put(
            &format!(
                "/crm/v4/objects/contacts/{}/associations/contacts/{}",
                people[0], people[1]
            ),
            json!([{"associationCategory": "USER_DEFINED", "associationTypeId": manager}]),
        )
        .await;
    assert_eq!(put.status, StatusCode::CREATED, "{}", put.text);
    let back = types_between(&api, "contacts", &people[1], "contacts", &people[0]).await;
    assert!(
        back.contains(
            &json!({"category": "USER_DEFINED", "typeId": employee, "label": "Employee"})
        ),
        "{back:?}"
    );
    for (body, why) in [
        (
            json!({"label": "Partner", "name": "1partner"}),
            "starts with a digit",
        ),
        (
            json!({"label": "Partner", "name": "part-ner"}),
            "has a hyphen",
        ),
        (json!({"label": "", "name": "partner"}), "empty label"),
        (
            json!({"label": "Boss", "name": "manager_employee"}),
            "duplicate name",
        ),
    ] {
        let refused = api
            .post("/crm/v4/associations/contacts/contacts/labels", body)
            .await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{why}: {}",
            refused.text
        );
    }
}
