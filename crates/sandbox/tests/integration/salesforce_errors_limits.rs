//! Salesforce error bodies, OAuth grant shapes and API-usage reporting over real HTTP:
//! record-save errors carry `"fields": []`, polymorphic lookups are checked against their
//! targets, the password grant issues no refresh token, and every REST response carries
//! `Sforce-Limit-Info` agreeing with `/limits`.

use crate::salesforce_support::{first_id, query_path};
use crate::support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{Api, SF, sf_code, start};

#[tokio::test]
async fn entity_is_deleted_bodies_carry_an_empty_fields_list() {
    let sandbox = start(2).await;
    let api = Api::salesforce(&sandbox);
    let id = first_id(&api, "SELECT Id FROM Account").await;
    assert_eq!(
        api.delete(&format!("{SF}/sobjects/Account/{id}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let expected =
        json!([{"message": "entity is deleted", "errorCode": "ENTITY_IS_DELETED", "fields": []}]);
    for reply in [
        api.get(&format!("{SF}/sobjects/Account/{id}")).await,
        api.patch(&format!("{SF}/sobjects/Account/{id}"), json!({"Name": "x"}))
            .await,
        api.delete(&format!("{SF}/sobjects/Account/{id}")).await,
    ] {
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert_eq!(reply.json(), expected, "{}", reply.text);
    }
    // Framework errors name no fields.
    let missing = api
        .get(&format!("{SF}/sobjects/Account/001000000000000AAA"))
        .await;
    assert!(
        missing.json()[0].get("fields").is_none(),
        "{}",
        missing.text
    );
}

#[tokio::test]
async fn converted_lead_update_error_is_the_real_body() {
    let sandbox = start(2).await;
    let api = Api::salesforce(&sandbox);
    let lead = first_id(&api, "SELECT Id FROM Lead").await;
    sandbox
        .control()
        .convert_lead(&lead, &Default::default())
        .expect("converts");
    let refused = api
        .patch(&format!("{SF}/sobjects/Lead/{lead}"), json!({"Title": "x"}))
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        refused.json(),
        json!([{"message": "cannot reference converted lead", "errorCode": "CANNOT_UPDATE_CONVERTED_LEAD", "fields": []}])
    );
}

#[tokio::test]
async fn polymorphic_lookups_are_checked_against_their_targets() {
    let sandbox = start(3).await;
    let api = Api::salesforce(&sandbox);
    let account = first_id(&api, "SELECT Id FROM Account").await;
    let contact = first_id(&api, "SELECT Id FROM Contact").await;
    let lead = first_id(&api, "SELECT Id FROM Lead").await;
    // WhoId takes a Contact or a Lead; WhatId an Account, Opportunity or custom object.
    for who in [&contact, &lead] {
        let ok = api
            .post(
                &format!("{SF}/sobjects/Task/"),
                json!({"Subject": "Call", "WhoId": who, "WhatId": account}),
            )
            .await;
        assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text);
    }
    let wrong_type = api
        .post(
            &format!("{SF}/sobjects/Task/"),
            json!({"Subject": "Call", "WhoId": account}),
        )
        .await;
    assert_eq!(wrong_type.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        wrong_type.json(),
        json!([{"message": format!("Name ID: id value of incorrect type: {account}"), "errorCode": "FIELD_INTEGRITY_EXCEPTION", "fields": ["WhoId"]}])
    );
    let wrong_what = api
        .post(
            &format!("{SF}/sobjects/Event/"),
            json!({"Subject": "Meeting", "WhatId": contact, "ActivityDateTime": "2024-05-01T10:00:00Z", "DurationInMinutes": 30}),
        )
        .await;
    assert_eq!(
        sf_code(&wrong_what),
        "FIELD_INTEGRITY_EXCEPTION",
        "{}",
        wrong_what.text
    );
    // A well-formed (15-character) Contact id that names no record.
    let nobody = "0035g0zzzzzzzzz";
    let missing = api
        .post(
            &format!("{SF}/sobjects/Task/"),
            json!({"Subject": "Call", "WhoId": nobody}),
        )
        .await;
    assert_eq!(
        missing.json(),
        json!([{"message": "invalid cross reference id", "errorCode": "INVALID_CROSS_REFERENCE_KEY", "fields": []}]),
        "{}",
        missing.text
    );
    api.delete(&format!("{SF}/sobjects/Contact/{contact}"))
        .await;
    let deleted = api
        .post(
            &format!("{SF}/sobjects/Task/"),
            json!({"Subject": "Call", "WhoId": contact}),
        )
        .await;
    assert_eq!(sf_code(&deleted), "ENTITY_IS_DELETED", "{}", deleted.text);
}

async fn token(sandbox: &tandem_sandbox::SandboxHandle, form: &[(&str, &str)]) -> Value {
    reqwest::Client::new()
        .post(format!(
            "{}/services/oauth2/token",
            sandbox.salesforce_url()
        ))
        .form(form)
        .send()
        .await
        .expect("token call")
        .json()
        .await
        .expect("json")
}

#[tokio::test]
async fn only_the_refresh_grant_answers_a_refresh_token() {
    let sandbox = start(1).await;
    let (id, secret) = sandbox.client_credentials();
    let password = token(
        &sandbox,
        &[
            ("grant_type", "password"),
            ("client_id", &id),
            ("client_secret", &secret),
            ("username", "u@example.com"),
            ("password", "pw+token"),
        ],
    )
    .await;
    assert!(password["access_token"].is_string(), "{password}");
    assert_eq!(password["token_type"], json!("Bearer"));
    assert!(password.get("refresh_token").is_none(), "{password}");
    assert!(
        password.get("scope").is_none(),
        "the flow supports no scopes"
    );
    // The new session works.
    let api = Api {
        client: reqwest::Client::new(),
        base: sandbox.salesforce_url(),
        token: password["access_token"]
            .as_str()
            .expect("token")
            .to_string(),
    };
    assert_eq!(
        api.get(&format!("{SF}/limits")).await.status,
        StatusCode::OK
    );
    let credentials = token(
        &sandbox,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_secret", &secret),
        ],
    )
    .await;
    assert!(credentials.get("refresh_token").is_none());
    assert!(credentials["scope"].is_string(), "other grants unchanged");
    sandbox
        .control()
        .set_refresh_rotation(tandem_ground::schema::System::Salesforce, true);
    let refresh = sandbox.refresh_token(tandem_ground::schema::System::Salesforce);
    let refreshed = token(
        &sandbox,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &id),
            ("client_secret", &secret),
            ("refresh_token", &refresh),
        ],
    )
    .await;
    assert!(refreshed["refresh_token"].is_string(), "{refreshed}");
}

fn usage(reply: &support::Reply) -> (u64, u64) {
    let header = reply
        .header("sforce-limit-info")
        .unwrap_or_else(|| panic!("no Sforce-Limit-Info on {} {}", reply.status, reply.text));
    let pair = header.strip_prefix("api-usage=").expect("api-usage=");
    let (used, max) = pair.split_once('/').expect("N/M");
    (used.parse().expect("N"), max.parse().expect("M"))
}

#[tokio::test]
async fn every_rest_response_reports_usage_that_agrees_with_limits() {
    let sandbox = start(2).await;
    let api = Api::salesforce(&sandbox);
    let replies = [
        api.get(&format!("{SF}/")).await,
        api.get(&format!("{SF}/sobjects/")).await,
        api.get(&format!("{SF}/sobjects/Contact/describe")).await,
        api.get(&query_path("query", "SELECT Id FROM Contact"))
            .await,
        api.get(&query_path("query", "SELECT Nope FROM Contact"))
            .await,
        api.get(&format!("{SF}/sobjects/Nope__c/describe")).await,
        api.get(&format!("{SF}/no/such/resource")).await,
        api.post(&format!("{SF}/sobjects/Contact/"), json!({}))
            .await,
        api.post(
            &format!("{SF}/jobs/query"),
            json!({"operation": "query", "query": "SELECT Id FROM Contact"}),
        )
        .await,
    ];
    let mut last = 0;
    for reply in &replies {
        let (used, max) = usage(reply);
        assert_eq!(max, 100_000);
        assert!(used > last, "usage counts every call");
        last = used;
    }
    let unknown = &replies[6];
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(sf_code(unknown), "NOT_FOUND");
    let limits = api.get(&format!("{SF}/limits")).await;
    let (used, max) = usage(&limits);
    let body = limits.json();
    assert_eq!(body["DailyApiRequests"]["Max"], json!(max));
    assert_eq!(body["DailyApiRequests"]["Remaining"], json!(max - used));
    assert_eq!(
        body["DailyBulkV2QueryJobs"],
        json!({"Max": 10_000, "Remaining": 9_999}),
        "one query job was created"
    );
    // An expired session is still reported.
    sandbox
        .control()
        .expire_tokens(tandem_ground::schema::System::Salesforce);
    let expired = api
        .send(Method::GET, &format!("{SF}/limits"), None, &[])
        .await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    usage(&expired);
}
