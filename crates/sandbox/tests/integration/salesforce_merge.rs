//! Merges over real HTTP: the SOAP `merge` call (master plus one or two records; Account,
//! Contact, Lead), what a sync then sees (losers deleted with `MasterRecordId`, in
//! `queryAll` and `/deleted/`, children re-parented), result errors, and the control-API
//! merge a user makes.

use crate::salesforce_support::{control, envelope, query_path, records, soap, text};
use crate::support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{Api, SF, start};

async fn create(api: &Api, object: &str, body: Value) -> String {
    let reply = api.post(&format!("{SF}/sobjects/{object}/"), body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    reply.json()["id"].as_str().expect("id").to_string()
}

fn merge_body(object: &str, master: &str, fields: &str, others: &[&str]) -> String {
    let ids: String = others
        .iter()
        .map(|id| format!("<urn:recordToMergeIds>{id}</urn:recordToMergeIds>"))
        .collect();
    format!(
        "<urn:merge><urn:request><urn:masterRecord><urn1:type>{object}</urn1:type><urn1:Id>{master}</urn1:Id>{fields}</urn:masterRecord>{ids}</urn:request></urn:merge>"
    )
}

#[tokio::test]
async fn merging_accounts_reparents_children_and_leaves_traceable_losers() {
    let sandbox = start(0).await;
    let api = Api::salesforce(&sandbox);
    let master = create(
        &api,
        "Account",
        json!({"Name": "Acme", "Phone": "+1 555 0001"}),
    )
    .await;
    let dup1 = create(
        &api,
        "Account",
        json!({"Name": "ACME Inc", "Website": "https://acme.example"}),
    )
    .await;
    let dup2 = create(&api, "Account", json!({"Name": "Acme Corp"})).await;
    let contact = create(
        &api,
        "Contact",
        json!({"LastName": "Lin", "AccountId": dup1}),
    )
    .await;
    let opportunity = create(
        &api,
        "Opportunity",
        json!({"Name": "Deal", "StageName": "Prospecting", "CloseDate": "2030-01-01", "AccountId": dup2}),
    )
    .await;
    let task = create(&api, "Task", json!({"Subject": "Call", "WhatId": dup1})).await;
    let start_window = sandbox.control().now_ms() - 60_000;
    let reply = soap(
        &sandbox,
        "u",
        envelope(
            &sandbox.salesforce_token(),
            &merge_body(
                "Account",
                &master,
                "<Description>Merged</Description>",
                &[&dup1, &dup2],
            ),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(
        reply.text.contains("<mergeResponse><result>"),
        "{}",
        reply.text
    );
    let result = &reply.results()[0];
    assert_eq!(
        text(result, "success").as_deref(),
        Some("true"),
        "{}",
        reply.text
    );
    assert_eq!(text(result, "id").as_deref(), Some(master.as_str()));
    let merged: Vec<String> = result
        .children_named("mergedRecordIds")
        .map(|e| e.text.clone())
        .collect();
    assert_eq!(merged, [dup1.clone(), dup2.clone()]);
    let related: Vec<String> = result
        .children_named("updatedRelatedIds")
        .map(|e| e.text.clone())
        .collect();
    for child in [&contact, &opportunity, &task] {
        assert!(related.contains(child), "{child} in {related:?}");
    }

    let master_row = api
        .get(&format!(
            "{SF}/sobjects/Account/{master}?fields=Name,Website,Description"
        ))
        .await
        .json();
    assert_eq!(master_row["Name"], json!("Acme"));
    assert_eq!(
        master_row["Website"],
        Value::Null,
        "the master's values prevail"
    );
    assert_eq!(
        master_row["Description"],
        json!("Merged"),
        "masterRecord fields are set"
    );
    for child in [("Contact", &contact), ("Opportunity", &opportunity)] {
        let row = api
            .get(&format!(
                "{SF}/sobjects/{}/{}?fields=AccountId",
                child.0, child.1
            ))
            .await
            .json();
        assert_eq!(row["AccountId"], json!(master), "{}", child.0);
    }
    let task_row = api
        .get(&format!(
            "{SF}/sobjects/Task/{task}?fields=WhatId,AccountId"
        ))
        .await
        .json();
    assert_eq!(
        (task_row["WhatId"].clone(), task_row["AccountId"].clone()),
        (json!(master), json!(master))
    );
    let relations = records(
        &api,
        &format!(
            "SELECT AccountId, IsDirect FROM AccountContactRelation WHERE ContactId = '{contact}'"
        ),
    )
    .await;
    assert_eq!(relations.len(), 1);
    assert_eq!(
        (
            relations[0]["AccountId"].clone(),
            relations[0]["IsDirect"].clone()
        ),
        (json!(master), json!(true))
    );

    assert_eq!(
        api.get(&format!("{SF}/sobjects/Account/{dup1}"))
            .await
            .json()[0]["errorCode"],
        json!("ENTITY_IS_DELETED")
    );
    let losers = api
        .get(&query_path(
            "queryAll",
            "SELECT Id, IsDeleted, MasterRecordId FROM Account WHERE IsDeleted = true AND MasterRecordId != null ORDER BY Id",
        ))
        .await
        .json();
    assert_eq!(losers["totalSize"], json!(2));
    for row in losers["records"].as_array().expect("records") {
        assert_eq!(row["MasterRecordId"], json!(master));
        assert_eq!(row["IsDeleted"], json!(true));
    }
    let end = sandbox.control().now_ms() + 120_000;
    let fmt = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .expect("time")
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    };
    let deleted = api
        .get(&format!(
            "{SF}/sobjects/Account/deleted/?start={}&end={}",
            fmt(start_window),
            fmt(end)
        ))
        .await
        .json();
    let ids: Vec<&str> = deleted["deletedRecords"]
        .as_array()
        .expect("deleted")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert!(
        ids.contains(&dup1.as_str()) && ids.contains(&dup2.as_str()),
        "{deleted}"
    );
}

#[tokio::test]
async fn merging_contacts_moves_roles_relations_and_activities() {
    let sandbox = start(0).await;
    let api = Api::salesforce(&sandbox);
    let home = create(&api, "Account", json!({"Name": "Home"})).await;
    let away = create(&api, "Account", json!({"Name": "Away"})).await;
    let master = create(
        &api,
        "Contact",
        json!({"LastName": "Doe", "AccountId": home}),
    )
    .await;
    let dup = create(
        &api,
        "Contact",
        json!({"LastName": "Doe", "Email": "doe@away.example", "AccountId": away}),
    )
    .await;
    let opportunity = create(
        &api,
        "Opportunity",
        json!({"Name": "Deal", "StageName": "Prospecting", "CloseDate": "2030-01-01", "AccountId": away}),
    )
    .await;
    let role = create(
        &api,
        "OpportunityContactRole",
        json!({"OpportunityId": opportunity, "ContactId": dup, "Role": "Decision Maker", "IsPrimary": true}),
    )
    .await;
    let event = create(
        &api,
        "Event",
        json!({"Subject": "Meeting", "WhoId": dup, "StartDateTime": "2030-01-01T10:00:00Z", "DurationInMinutes": 30}),
    )
    .await;
    // An envelope written the enterprise way: the object in xsi:type, no `type` element.
    let body = format!(
        "<urn:merge><urn:request><urn:masterRecord xsi:type=\"ens:Contact\"><Id>{master}</Id><Email>doe@home.example</Email></urn:masterRecord><urn:recordToMergeIds>{dup}</urn:recordToMergeIds></urn:request></urn:merge>"
    );
    let reply = soap(&sandbox, "c", envelope(&sandbox.salesforce_token(), &body)).await;
    let result = &reply.results()[0];
    assert_eq!(
        text(result, "success").as_deref(),
        Some("true"),
        "{}",
        reply.text
    );
    let role_row = api
        .get(&format!(
            "{SF}/sobjects/OpportunityContactRole/{role}?fields=ContactId,IsPrimary"
        ))
        .await
        .json();
    assert_eq!(role_row["ContactId"], json!(master));
    assert_eq!(role_row["IsPrimary"], json!(true));
    let event_row = api
        .get(&format!("{SF}/sobjects/Event/{event}?fields=WhoId"))
        .await
        .json();
    assert_eq!(event_row["WhoId"], json!(master));
    let master_row = api
        .get(&format!(
            "{SF}/sobjects/Contact/{master}?fields=Email,AccountId"
        ))
        .await
        .json();
    assert_eq!(master_row["Email"], json!("doe@home.example"));
    assert_eq!(master_row["AccountId"], json!(home));
    let relations = records(
        &api,
        &format!("SELECT AccountId, IsDirect FROM AccountContactRelation WHERE ContactId = '{master}' ORDER BY IsDirect DESC"),
    )
    .await;
    let pairs: Vec<(Value, Value)> = relations
        .iter()
        .map(|r| (r["AccountId"].clone(), r["IsDirect"].clone()))
        .collect();
    assert_eq!(
        pairs,
        [(json!(home), json!(true)), (json!(away), json!(false))],
        "the merged contact's direct relation becomes indirect"
    );
}

#[tokio::test]
async fn merge_errors_and_the_user_merge() {
    let sandbox = start(4).await;
    let api = Api::salesforce(&sandbox);
    let leads: Vec<String> = records(&api, "SELECT Id FROM Lead ORDER BY Id")
        .await
        .iter()
        .map(|r| r["Id"].as_str().expect("id").to_string())
        .collect();
    let too_many = soap(
        &sandbox,
        "u",
        envelope(
            &sandbox.salesforce_token(),
            &merge_body("Lead", &leads[0], "", &[&leads[1], &leads[2], &leads[3]]),
        ),
    )
    .await;
    let result = &too_many.results()[0];
    assert_eq!(text(result, "success").as_deref(), Some("false"));
    assert!(
        result
            .child("errors")
            .and_then(|e| text(e, "statusCode"))
            .is_some()
    );
    let opportunities: Vec<String> = records(&api, "SELECT Id FROM Opportunity ORDER BY Id")
        .await
        .iter()
        .map(|r| r["Id"].as_str().expect("id").to_string())
        .collect();
    let wrong_type = soap(
        &sandbox,
        "u",
        envelope(
            &sandbox.salesforce_token(),
            &merge_body("Opportunity", &opportunities[0], "", &[&opportunities[1]]),
        ),
    )
    .await;
    let errors = wrong_type.results()[0]
        .child("errors")
        .cloned()
        .expect("errors");
    assert_eq!(
        text(&errors, "statusCode").as_deref(),
        Some("INVALID_TYPE_FOR_OPERATION")
    );
    let with_self = soap(
        &sandbox,
        "u",
        envelope(
            &sandbox.salesforce_token(),
            &merge_body("Lead", &leads[0], "", &[&leads[0]]),
        ),
    )
    .await;
    assert_eq!(
        text(&with_self.results()[0], "success").as_deref(),
        Some("false")
    );
    // Nothing was merged by the refused calls.
    let live = api
        .get(&query_path("query", "SELECT COUNT() FROM Lead"))
        .await
        .json();
    assert_eq!(live["totalSize"], json!(4));

    let (status, merged) = control(
        &sandbox,
        Method::POST,
        "/_sandbox/merge/Lead",
        Some(json!({"winner": leads[0], "losers": [leads[1], leads[2]], "masterFields": {"Title": "Chief"}})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{merged}");
    assert_eq!(merged["mergedRecordIds"], json!([leads[1], leads[2]]));
    let title = api
        .get(&format!("{SF}/sobjects/Lead/{}?fields=Title", leads[0]))
        .await
        .json();
    assert_eq!(title["Title"], json!("Chief"));
    let record = sandbox
        .control()
        .record(tandem_ground::schema::System::Salesforce, "Lead", &leads[2])
        .expect("loser");
    assert_eq!(record.get("MasterRecordId"), Some(&leads[0]));
}
