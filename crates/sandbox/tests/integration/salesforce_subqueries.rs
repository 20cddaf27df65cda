//! SOQL parent-to-child relationship subqueries over real HTTP: the nested
//! `{"totalSize","done","records"}` shape (or `null`), `attributes` on child records,
//! filters, order and limits inside the subquery, paging, and unknown relationships.

use crate::salesforce_support::{query, query_path, records};
use crate::support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{Api, SF, sf_code, start};

async fn create(api: &Api, object: &str, body: Value) -> String {
    let reply = api.post(&format!("{SF}/sobjects/{object}/"), body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    reply.json()["id"].as_str().expect("id").to_string()
}

#[tokio::test]
async fn account_contacts_nest_under_the_relationship_name() {
    let sandbox = start(0).await;
    let api = Api::salesforce(&sandbox);
    let with = create(&api, "Account", json!({"Name": "With Contacts"})).await;
    let without = create(&api, "Account", json!({"Name": "Alone"})).await;
    let ann = create(
        &api,
        "Contact",
        json!({"LastName": "Ann", "Email": "ann@with.io", "AccountId": with}),
    )
    .await;
    let bob = create(
        &api,
        "Contact",
        json!({"LastName": "Bob", "AccountId": with}),
    )
    .await;
    let body = query(
        &api,
        "SELECT Id, Name, (SELECT Id, Email FROM Contacts ORDER BY LastName) FROM Account ORDER BY Name DESC",
    )
    .await;
    assert_eq!(body["totalSize"], json!(2));
    let rows = body["records"].as_array().expect("records");
    assert_eq!(rows[0]["Id"], json!(with));
    let keys: Vec<&String> = rows[0].as_object().expect("object").keys().collect();
    assert_eq!(
        keys,
        ["attributes", "Id", "Name", "Contacts"],
        "select order"
    );
    assert_eq!(
        rows[0]["Contacts"],
        json!({
            "totalSize": 2,
            "done": true,
            "records": [
                {"attributes": {"type": "Contact", "url": format!("/services/data/v62.0/sobjects/Contact/{ann}")},
                 "Id": ann, "Email": "ann@with.io"},
                {"attributes": {"type": "Contact", "url": format!("/services/data/v62.0/sobjects/Contact/{bob}")},
                 "Id": bob, "Email": null},
            ],
        })
    );
    assert_eq!(rows[1]["Id"], json!(without));
    assert_eq!(rows[1]["Contacts"], Value::Null, "no children: null");
}

#[tokio::test]
async fn contact_roles_filters_limits_and_parent_fields_in_subqueries() {
    let sandbox = start(0).await;
    let api = Api::salesforce(&sandbox);
    let account = create(&api, "Account", json!({"Name": "Deal Co"})).await;
    let opportunity = create(
        &api,
        "Opportunity",
        json!({"Name": "Big", "StageName": "Prospecting", "CloseDate": "2030-01-01", "AccountId": account}),
    )
    .await;
    let mut contacts = Vec::new();
    for name in ["A", "B", "C"] {
        contacts.push(
            create(
                &api,
                "Contact",
                json!({"LastName": name, "AccountId": account}),
            )
            .await,
        );
    }
    for (contact, role, primary) in [
        (&contacts[0], "Decision Maker", true),
        (&contacts[1], "Influencer", false),
        (&contacts[2], "Evaluator", false),
    ] {
        create(
            &api,
            "OpportunityContactRole",
            json!({"OpportunityId": opportunity, "ContactId": contact, "Role": role, "IsPrimary": primary}),
        )
        .await;
    }
    let rows = records(
        &api,
        "SELECT Id, (SELECT ContactId, Role, IsPrimary, Contact.LastName FROM OpportunityContactRoles WHERE IsPrimary = false ORDER BY Role DESC LIMIT 1) FROM Opportunity",
    )
    .await;
    let roles = &rows[0]["OpportunityContactRoles"];
    assert_eq!(roles["totalSize"], json!(1));
    let role = &roles["records"][0];
    assert_eq!(role["attributes"]["type"], json!("OpportunityContactRole"));
    assert_eq!(role["ContactId"], json!(contacts[1]));
    assert_eq!(role["Role"], json!("Influencer"));
    assert_eq!(role["IsPrimary"], json!(false));
    assert_eq!(role["Contact"]["LastName"], json!("B"));
    // Several subqueries on one parent, and the Contacts' activity relationship.
    let task = create(
        &api,
        "Task",
        json!({"Subject": "Call", "WhoId": contacts[0]}),
    )
    .await;
    let rows = records(
        &api,
        &format!("SELECT Id, (SELECT Id FROM Tasks), (SELECT Role FROM OpportunityContactRoles) FROM Contact WHERE Id = '{}'", contacts[0]),
    )
    .await;
    assert_eq!(rows[0]["Tasks"]["records"][0]["Id"], json!(task));
    assert_eq!(
        rows[0]["OpportunityContactRoles"]["records"][0]["Role"],
        json!("Decision Maker")
    );
}

#[tokio::test]
async fn subqueries_survive_paging_and_query_all_sees_deleted_children() {
    let sandbox = start(0).await;
    let api = Api::salesforce(&sandbox);
    let mut accounts = Vec::new();
    for i in 0..205 {
        accounts.push(create(&api, "Account", json!({"Name": format!("Acc {i:03}")})).await);
    }
    let last = accounts.last().cloned().expect("account");
    let kept = create(
        &api,
        "Contact",
        json!({"LastName": "Kept", "AccountId": last}),
    )
    .await;
    let gone = create(
        &api,
        "Contact",
        json!({"LastName": "Gone", "AccountId": last}),
    )
    .await;
    api.delete(&format!("{SF}/sobjects/Contact/{gone}")).await;
    let soql = "SELECT Id, (SELECT Id, IsDeleted FROM Contacts) FROM Account ORDER BY Name";
    let first = api
        .send(
            Method::GET,
            &query_path("query", soql),
            None,
            &[("Sforce-Query-Options", "batchSize=200")],
        )
        .await
        .json();
    assert_eq!(first["done"], json!(false));
    let next = first["nextRecordsUrl"].as_str().expect("next").to_string();
    let page = api.get(&next).await.json();
    let tail = page["records"].as_array().expect("records");
    let owner = tail
        .iter()
        .find(|r| r["Id"] == json!(last))
        .expect("last account");
    assert_eq!(owner["Contacts"]["totalSize"], json!(1));
    assert_eq!(owner["Contacts"]["records"][0]["Id"], json!(kept));
    let all = api
        .get(&query_path(
            "queryAll",
            &format!("SELECT Id, (SELECT Id, IsDeleted FROM Contacts ORDER BY LastName) FROM Account WHERE Id = '{last}'"),
        ))
        .await
        .json();
    let children = &all["records"][0]["Contacts"];
    assert_eq!(children["totalSize"], json!(2));
    assert_eq!(children["records"][0]["Id"], json!(gone));
    assert_eq!(children["records"][0]["IsDeleted"], json!(true));
}

#[tokio::test]
async fn unknown_relationships_and_fields_are_refused() {
    let sandbox = start(1).await;
    let api = Api::salesforce(&sandbox);
    let unknown = api
        .get(&query_path(
            "query",
            "SELECT Id, (SELECT Id FROM Contactz) FROM Account",
        ))
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(sf_code(&unknown), "INVALID_TYPE");
    assert!(
        unknown.json()[0]["message"]
            .as_str()
            .expect("message")
            .contains("Didn't understand relationship 'Contactz'")
    );
    let field = api
        .get(&query_path(
            "query",
            "SELECT Id, (SELECT Nope FROM Contacts) FROM Account",
        ))
        .await;
    assert_eq!(sf_code(&field), "INVALID_FIELD");
    let nested = api
        .get(&query_path(
            "query",
            "SELECT Id, (SELECT Id, (SELECT Id FROM Cases) FROM Contacts) FROM Account",
        ))
        .await;
    assert_eq!(sf_code(&nested), "MALFORMED_QUERY");
}
