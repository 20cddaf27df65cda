//! The standard objects a sync of contact roles, account relations, activities and cases
//! reads, over real HTTP: describe metadata (key prefixes, restricted picklists,
//! multipicklists, comboboxes, polymorphic lookups, child relationships), what the org
//! derives on save, and the seeded data (deterministic per seed).

use crate::salesforce_support::{query, records};
use crate::support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{Api, SF, sf_code, start, start_with};
use tandem_sandbox::SandboxConfig;

async fn create(api: &Api, object: &str, body: Value) -> String {
    let reply = api.post(&format!("{SF}/sobjects/{object}/"), body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    reply.json()["id"].as_str().expect("id").to_string()
}

fn field<'a>(describe: &'a Value, name: &str) -> &'a Value {
    describe["fields"]
        .as_array()
        .and_then(|fields| fields.iter().find(|f| f["name"] == json!(name)))
        .unwrap_or_else(|| panic!("{name} missing from describe"))
}

#[tokio::test]
async fn describes_carry_the_real_metadata() {
    let sandbox = start(1).await;
    let api = Api::salesforce(&sandbox);
    let describe = |object: &'static str| {
        let api = &api;
        async move {
            api.get(&format!("{SF}/sobjects/{object}/describe"))
                .await
                .json()
        }
    };
    let roles = describe("OpportunityContactRole").await;
    assert_eq!(roles["keyPrefix"], json!("00K"));
    let role = field(&roles, "Role");
    assert_eq!(
        (role["type"].clone(), role["restrictedPicklist"].clone()),
        (json!("picklist"), json!(true))
    );
    assert!(
        role["picklistValues"]
            .as_array()
            .expect("values")
            .iter()
            .any(|v| v["value"] == json!("Economic Buyer"))
    );
    let opportunity = field(&roles, "OpportunityId");
    assert_eq!(
        (
            opportunity["createable"].clone(),
            opportunity["updateable"].clone(),
            opportunity["nillable"].clone()
        ),
        (json!(true), json!(false), json!(false))
    );
    assert_eq!(field(&roles, "IsPrimary")["defaultedOnCreate"], json!(true));

    let relations = describe("AccountContactRelation").await;
    assert_eq!(relations["keyPrefix"], json!("07k"));
    assert_eq!(field(&relations, "Roles")["type"], json!("multipicklist"));
    assert_eq!(field(&relations, "IsDirect")["createable"], json!(false));

    let event = describe("Event").await;
    assert_eq!(event["keyPrefix"], json!("00U"));
    assert_eq!(field(&event, "Subject")["type"], json!("combobox"));
    let who = field(&event, "WhoId");
    assert_eq!(who["referenceTo"], json!(["Contact", "Lead"]));
    assert_eq!(who["polymorphicForeignKey"], json!(true));
    assert_eq!(who["relationshipName"], json!("Who"));
    for name in ["StartDateTime", "EndDateTime", "ActivityDateTime"] {
        assert_eq!(field(&event, name)["type"], json!("datetime"));
    }
    assert_eq!(field(&event, "DurationInMinutes")["type"], json!("int"));

    let case = describe("Case").await;
    assert_eq!(case["keyPrefix"], json!("500"));
    assert_eq!(field(&case, "CaseNumber")["createable"], json!(false));
    assert_eq!(
        case["mergeable"],
        json!(true),
        "Cases merge like Accounts, Contacts, Leads"
    );
    assert_eq!(describe("Event").await["mergeable"], json!(false));

    let task = describe("Task").await;
    for name in [
        "WhoId",
        "WhatId",
        "TaskSubtype",
        "Status",
        "Priority",
        "ActivityDate",
    ] {
        field(&task, name);
    }

    let account = describe("Account").await;
    let children = account["childRelationships"].as_array().expect("children");
    let named = |child: &str, via: &str| {
        children
            .iter()
            .find(|c| c["childSObject"] == json!(child) && c["field"] == json!(via))
            .map(|c| c["relationshipName"].clone())
    };
    assert_eq!(named("Contact", "AccountId"), Some(json!("Contacts")));
    assert_eq!(
        named("AccountContactRelation", "AccountId"),
        Some(json!("AccountContactRelations"))
    );
    assert_eq!(named("Case", "AccountId"), Some(json!("Cases")));
    assert_eq!(named("Event", "WhatId"), Some(json!("Events")));
    assert_eq!(named("Lead", "ConvertedAccountId"), Some(Value::Null));
}

#[tokio::test]
async fn contacts_get_a_direct_account_relation_that_follows_the_account() {
    let sandbox = start(0).await;
    let api = Api::salesforce(&sandbox);
    let first = create(&api, "Account", json!({"Name": "First"})).await;
    let second = create(&api, "Account", json!({"Name": "Second"})).await;
    let contact = create(
        &api,
        "Contact",
        json!({"LastName": "Mover", "AccountId": first}),
    )
    .await;
    let soql = format!(
        "SELECT AccountId, IsDirect, IsActive FROM AccountContactRelation WHERE ContactId = '{contact}' ORDER BY IsDirect DESC"
    );
    let before = records(&api, &soql).await;
    assert_eq!(before.len(), 1);
    assert_eq!(
        (
            before[0]["AccountId"].clone(),
            before[0]["IsDirect"].clone(),
            before[0]["IsActive"].clone()
        ),
        (json!(first), json!(true), json!(true))
    );
    api.patch(
        &format!("{SF}/sobjects/Contact/{contact}"),
        json!({"AccountId": second}),
    )
    .await;
    let after = records(&api, &soql).await;
    let pairs: Vec<(Value, Value)> = after
        .iter()
        .map(|r| (r["AccountId"].clone(), r["IsDirect"].clone()))
        .collect();
    assert_eq!(
        pairs,
        [(json!(second), json!(true)), (json!(first), json!(false))]
    );
    // IsDirect is the org's to set.
    let refused = api
        .post(
            &format!("{SF}/sobjects/AccountContactRelation/"),
            json!({"AccountId": first, "ContactId": contact, "IsDirect": true}),
        )
        .await;
    assert_eq!(sf_code(&refused), "INVALID_FIELD_FOR_INSERT_UPDATE");
    let indirect = create(
        &api,
        "AccountContactRelation",
        json!({"AccountId": create(&api, "Account", json!({"Name": "Third"})).await, "ContactId": contact, "Roles": "Influencer;Evaluator"}),
    )
    .await;
    let row = api
        .get(&format!(
            "{SF}/sobjects/AccountContactRelation/{indirect}?fields=IsDirect,IsActive,Roles"
        ))
        .await
        .json();
    assert_eq!(
        (row["IsDirect"].clone(), row["IsActive"].clone()),
        (json!(false), json!(true))
    );
    assert_eq!(row["Roles"], json!("Influencer;Evaluator"));
}

#[tokio::test]
async fn one_primary_contact_role_per_opportunity() {
    let sandbox = start(0).await;
    let api = Api::salesforce(&sandbox);
    let account = create(&api, "Account", json!({"Name": "Roles Co"})).await;
    let opportunity = create(
        &api,
        "Opportunity",
        json!({"Name": "Deal", "StageName": "Prospecting", "CloseDate": "2030-01-01", "AccountId": account}),
    )
    .await;
    let a = create(&api, "Contact", json!({"LastName": "A"})).await;
    let b = create(&api, "Contact", json!({"LastName": "B"})).await;
    let first = create(&api, "OpportunityContactRole", json!({"OpportunityId": opportunity, "ContactId": a, "IsPrimary": true, "Role": "Decision Maker"})).await;
    let second = create(
        &api,
        "OpportunityContactRole",
        json!({"OpportunityId": opportunity, "ContactId": b, "IsPrimary": true}),
    )
    .await;
    let primary = |id: String| {
        let api = &api;
        async move {
            api.get(&format!(
                "{SF}/sobjects/OpportunityContactRole/{id}?fields=IsPrimary"
            ))
            .await
            .json()["IsPrimary"]
                .clone()
        }
    };
    assert_eq!(
        primary(first.clone()).await,
        json!(false),
        "the new primary demotes the old"
    );
    assert_eq!(primary(second.clone()).await, json!(true));
    let bad_role = api
        .post(
            &format!("{SF}/sobjects/OpportunityContactRole/"),
            json!({"OpportunityId": opportunity, "ContactId": a, "Role": "Cheerleader"}),
        )
        .await;
    assert_eq!(
        sf_code(&bad_role),
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    );
    let moved = api
        .patch(
            &format!("{SF}/sobjects/OpportunityContactRole/{first}"),
            json!({"OpportunityId": opportunity}),
        )
        .await;
    assert_eq!(
        sf_code(&moved),
        "INVALID_FIELD_FOR_INSERT_UPDATE",
        "OpportunityId cannot be updated"
    );
    let missing = api
        .post(
            &format!("{SF}/sobjects/OpportunityContactRole/"),
            json!({"OpportunityId": opportunity}),
        )
        .await;
    assert_eq!(sf_code(&missing), "REQUIRED_FIELD_MISSING");
}

#[tokio::test]
async fn activities_and_cases_derive_what_the_org_derives() {
    let sandbox = start(0).await;
    let api = Api::salesforce(&sandbox);
    let account = create(&api, "Account", json!({"Name": "Act Co"})).await;
    let contact = create(
        &api,
        "Contact",
        json!({"LastName": "Act", "AccountId": account}),
    )
    .await;
    let event = create(
        &api,
        "Event",
        json!({"Subject": "Meeting", "WhoId": contact, "StartDateTime": "2030-03-01T09:00:00Z", "DurationInMinutes": 90}),
    )
    .await;
    let row = api
        .get(&format!("{SF}/sobjects/Event/{event}?fields=ActivityDateTime,EndDateTime,ActivityDate,EndDate,AccountId,EventSubtype"))
        .await
        .json();
    assert_eq!(
        row["ActivityDateTime"],
        json!("2030-03-01T09:00:00.000+0000")
    );
    assert_eq!(row["EndDateTime"], json!("2030-03-01T10:30:00.000+0000"));
    assert_eq!(row["ActivityDate"], json!("2030-03-01"));
    assert_eq!(row["AccountId"], json!(account), "from the Contact WhoId");
    assert_eq!(row["EventSubtype"], json!("Event"));
    let by_end = create(
        &api,
        "Event",
        json!({"Subject": "Call", "ActivityDateTime": "2030-03-02T09:00:00Z", "EndDateTime": "2030-03-02T09:45:00Z"}),
    )
    .await;
    let row = api
        .get(&format!(
            "{SF}/sobjects/Event/{by_end}?fields=DurationInMinutes,StartDateTime"
        ))
        .await
        .json();
    assert_eq!(row["DurationInMinutes"], json!(45));
    assert_eq!(row["StartDateTime"], json!("2030-03-02T09:00:00.000+0000"));
    let no_end = api
        .post(
            &format!("{SF}/sobjects/Event/"),
            json!({"Subject": "Call", "ActivityDateTime": "2030-03-02T09:00:00Z"}),
        )
        .await;
    assert_eq!(
        no_end.json(),
        json!([{"message": "Required fields are missing: [DurationInMinutes]", "errorCode": "REQUIRED_FIELD_MISSING", "fields": ["DurationInMinutes"]}])
    );

    let task = create(
        &api,
        "Task",
        json!({"Subject": "Call", "WhoId": contact, "Priority": "High"}),
    )
    .await;
    api.patch(
        &format!("{SF}/sobjects/Task/{task}"),
        json!({"Status": "Completed"}),
    )
    .await;
    let row = api
        .get(&format!("{SF}/sobjects/Task/{task}?fields=IsClosed,CompletedDateTime,AccountId,IsHighPriority,Status"))
        .await
        .json();
    assert_eq!(row["IsClosed"], json!(true));
    assert!(row["CompletedDateTime"].is_string());
    assert_eq!(row["AccountId"], json!(account));
    assert_eq!(row["IsHighPriority"], json!(true));

    let case = create(
        &api,
        "Case",
        json!({"Subject": "Broken", "AccountId": account, "ContactId": contact, "Origin": "Email"}),
    )
    .await;
    let row = api
        .get(&format!(
            "{SF}/sobjects/Case/{case}?fields=CaseNumber,Status,Priority,IsClosed"
        ))
        .await
        .json();
    assert_eq!(row["Status"], json!("New"), "defaulted");
    assert_eq!(row["Priority"], json!("Medium"));
    assert_eq!(row["IsClosed"], json!(false));
    assert_eq!(row["CaseNumber"].as_str().map(str::len), Some(8));
    api.patch(
        &format!("{SF}/sobjects/Case/{case}"),
        json!({"Status": "Closed"}),
    )
    .await;
    let closed = api
        .get(&format!(
            "{SF}/sobjects/Case/{case}?fields=IsClosed,ClosedDate"
        ))
        .await
        .json();
    assert_eq!(closed["IsClosed"], json!(true));
    assert!(closed["ClosedDate"].is_string());
    let rows = records(
        &api,
        &format!("SELECT Id, (SELECT Id FROM Cases), (SELECT Id FROM Events), (SELECT Id FROM Tasks) FROM Contact WHERE Id = '{contact}'"),
    )
    .await;
    assert_eq!(rows[0]["Cases"]["totalSize"], json!(1));
    assert_eq!(rows[0]["Events"]["totalSize"], json!(1));
    assert_eq!(rows[0]["Tasks"]["totalSize"], json!(1));
}

async fn snapshot(api: &Api, soql: &str) -> Vec<Value> {
    records(api, soql).await
}

#[tokio::test]
async fn the_seeded_org_has_relations_roles_events_and_cases_deterministically() {
    let config = || SandboxConfig {
        seed: 11,
        records_per_object: 30,
        ..SandboxConfig::default()
    };
    let one = start_with(config()).await;
    let two = start_with(config()).await;
    let (a, b) = (Api::salesforce(&one), Api::salesforce(&two));
    let with_account =
        query(&a, "SELECT COUNT() FROM Contact WHERE AccountId != null").await["totalSize"].clone();
    let direct = query(
        &a,
        "SELECT COUNT() FROM AccountContactRelation WHERE IsDirect = true",
    )
    .await["totalSize"]
        .clone();
    assert_eq!(
        direct, with_account,
        "one direct relation per contact with an account"
    );
    assert!(
        query(
            &a,
            "SELECT COUNT() FROM AccountContactRelation WHERE IsDirect = false"
        )
        .await["totalSize"]
            .as_u64()
            > Some(0)
    );
    assert_eq!(
        query(&a, "SELECT COUNT() FROM Event").await["totalSize"],
        json!(30)
    );
    assert_eq!(
        query(&a, "SELECT COUNT() FROM Case").await["totalSize"],
        json!(30)
    );
    let roles = query(
        &a,
        "SELECT COUNT() FROM OpportunityContactRole WHERE IsPrimary = true",
    )
    .await["totalSize"]
        .as_u64()
        .expect("count");
    assert!(
        (15..30).contains(&roles),
        "most opportunities have a primary role: {roles}"
    );
    // Every seeded primary role's contact belongs to the opportunity's account.
    for role in records(
        &a,
        "SELECT Contact.AccountId, Opportunity.AccountId FROM OpportunityContactRole",
    )
    .await
    {
        assert_eq!(
            role["Contact"]["AccountId"],
            role["Opportunity"]["AccountId"]
        );
    }
    for soql in [
        "SELECT Id, AccountId, ContactId, IsDirect, IsActive, Roles FROM AccountContactRelation ORDER BY Id",
        "SELECT Id, OpportunityId, ContactId, Role, IsPrimary FROM OpportunityContactRole ORDER BY Id",
        "SELECT Id, Subject, DurationInMinutes, Type, WhoId, WhatId FROM Event ORDER BY Id",
        "SELECT Id, CaseNumber, Subject, Status, Priority, Origin, ContactId FROM Case ORDER BY Id",
    ] {
        assert_eq!(snapshot(&a, soql).await, snapshot(&b, soql).await, "{soql}");
    }
}
