//! Salesforce REST over real HTTP: versions, describeGlobal, describe, single-record CRUD,
//! upsert by external id, validation error codes, getUpdated / getDeleted, /limits.

use crate::support;

use reqwest::{Method, StatusCode};
use serde_json::json;
use support::{Api, SF, sf_code, start};
use tandem_ground::schema::System;

#[tokio::test]
async fn versions_resources_describe_global_and_describe() {
    let sandbox = start(2).await;
    let api = Api::salesforce(&sandbox);
    let versions = api.get("/services/data/").await.json();
    let list = versions.as_array().expect("versions");
    assert!(list.iter().any(|v| v["version"] == json!("62.0")
        && v["url"] == json!("/services/data/v62.0")
        && v["label"] == json!("Winter '25")));
    assert_eq!(
        api.get("/services/data/v62.0/").await.json()["sobjects"],
        json!("/services/data/v62.0/sobjects")
    );
    assert_eq!(
        api.get("/services/data/v10.0/sobjects").await.status,
        StatusCode::NOT_FOUND
    );

    let global = api.get(&format!("{SF}/sobjects")).await.json();
    assert_eq!(global["maxBatchSize"], json!(200));
    let lead = global["sobjects"]
        .as_array()
        .expect("sobjects")
        .iter()
        .find(|o| o["name"] == "Lead")
        .expect("Lead");
    assert_eq!(lead["keyPrefix"], json!("00Q"));

    let describe = api
        .get(&format!("{SF}/sobjects/Lead/describe"))
        .await
        .json();
    let fields = describe["fields"].as_array().expect("fields");
    let last_name = fields
        .iter()
        .find(|f| f["name"] == "LastName")
        .expect("LastName");
    assert_eq!(last_name["type"], json!("string"));
    assert_eq!(last_name["nillable"], json!(false));
    assert_eq!(last_name["length"], json!(80));
    let status = fields
        .iter()
        .find(|f| f["name"] == "Status")
        .expect("Status");
    assert_eq!(status["type"], json!("picklist"));
    assert!(
        status["picklistValues"]
            .as_array()
            .expect("values")
            .iter()
            .any(|v| v["defaultValue"] == json!(true))
    );
    assert_eq!(
        api.get(&format!("{SF}/sobjects/Nope__c/describe"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let info = api.get(&format!("{SF}/sobjects/Contact")).await.json();
    assert_eq!(info["objectDescribe"]["name"], json!("Contact"));
}

#[tokio::test]
async fn single_record_create_read_update_delete() {
    let sandbox = start(2).await;
    let api = Api::salesforce(&sandbox);
    let created = api
        .send(
            Method::POST,
            &format!("{SF}/sobjects/Lead/"),
            Some(json!({"LastName": "Ng", "Company": "Acme", "Email": "ng@acme.io"})),
            &[("Sforce-Call-Options", "client=tandem-sync")],
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let body = created.json();
    assert_eq!(body["success"], json!(true));
    let id = body["id"].as_str().expect("id").to_string();
    assert_eq!(id.len(), 18);
    assert!(id.starts_with("00Q"));
    assert!(
        created
            .header("sforce-limit-info")
            .expect("limit header")
            .starts_with("api-usage=")
    );

    let read = api
        .get(&format!(
            "{SF}/sobjects/Lead/{id}?fields=LastName,Status,IsConverted,SystemModstamp"
        ))
        .await
        .json();
    assert_eq!(read["attributes"]["type"], json!("Lead"));
    assert_eq!(
        read["Status"],
        json!("Open - Not Contacted"),
        "defaulted picklist"
    );
    assert_eq!(
        read["IsConverted"],
        json!(false),
        "booleans are JSON booleans"
    );
    let stamp = read["SystemModstamp"].as_str().expect("stamp").to_string();
    assert!(stamp.ends_with("+0000"));
    let fifteen = &id[..15];
    assert_eq!(
        api.get(&format!("{SF}/sobjects/Lead/{fifteen}?fields=Id"))
            .await
            .json()["Id"],
        json!(id),
        "15-char ids resolve"
    );

    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let updated = api
        .patch(&format!("{SF}/sobjects/Lead/{id}"), json!({"Title": "CTO"}))
        .await;
    assert_eq!(updated.status, StatusCode::NO_CONTENT, "{}", updated.text);
    let after = api
        .get(&format!(
            "{SF}/sobjects/Lead/{id}?fields=Title,SystemModstamp"
        ))
        .await
        .json();
    assert_eq!(after["Title"], json!("CTO"));
    assert!(after["SystemModstamp"].as_str().expect("stamp") > stamp.as_str());

    let writes = sandbox.control().writes(System::Salesforce);
    assert_eq!(
        writes[0].client.as_deref(),
        Some("tandem-sync"),
        "Sforce-Call-Options client is recorded"
    );
    assert_eq!(writes[1].client, None);

    assert_eq!(
        api.delete(&format!("{SF}/sobjects/Lead/{id}")).await.status,
        StatusCode::NO_CONTENT
    );
    let gone = api.get(&format!("{SF}/sobjects/Lead/{id}")).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(sf_code(&gone), "ENTITY_IS_DELETED");
    assert_eq!(
        sf_code(
            &api.patch(&format!("{SF}/sobjects/Lead/{id}"), json!({"Title": "x"}))
                .await
        ),
        "ENTITY_IS_DELETED"
    );
    assert_eq!(
        sf_code(
            &api.get(&format!("{SF}/sobjects/Lead/00Q000000000000"))
                .await
        ),
        "NOT_FOUND"
    );
}

#[tokio::test]
async fn validation_errors_use_the_real_codes() {
    let sandbox = start(2).await;
    let api = Api::salesforce(&sandbox);
    let path = format!("{SF}/sobjects/Lead/");
    let cases = [
        (json!({"Company": "A"}), "REQUIRED_FIELD_MISSING"),
        (
            json!({"LastName": "A", "Company": "A", "Status": "Bogus"}),
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        ),
        (
            json!({"LastName": "x".repeat(81), "Company": "A"}),
            "STRING_TOO_LONG",
        ),
        (
            json!({"LastName": "A", "Company": "A", "Email": "nope"}),
            "INVALID_EMAIL_ADDRESS",
        ),
        (
            json!({"LastName": "A", "Company": "A", "ConvertedDate": "2024-01-01"}),
            "INVALID_FIELD_FOR_INSERT_UPDATE",
        ),
        (
            json!({"LastName": "A", "Company": "A", "Bogus__c": 1}),
            "INVALID_FIELD",
        ),
        (
            json!({"LastName": "A", "Company": "A", "OwnerId": "not-an-id"}),
            "MALFORMED_ID",
        ),
    ];
    for (body, code) in cases {
        let reply = api.post(&path, body.clone()).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            reply.text
        );
        assert_eq!(sf_code(&reply), code, "{body}: {}", reply.text);
    }
    let missing = api.post(&path, json!({"Company": "A"})).await.json();
    assert_eq!(missing[0]["fields"], json!(["LastName"]));
    assert_eq!(
        missing[0]["message"],
        json!("Required fields are missing: [LastName]")
    );
    assert_eq!(
        sf_code(
            &api.patch(&format!("{SF}/sobjects/Lead/bad-id"), json!({}))
                .await
        ),
        "MALFORMED_ID"
    );
}

#[tokio::test]
async fn duplicate_external_id_and_duplicate_rule() {
    let sandbox = start(2).await;
    let api = Api::salesforce(&sandbox);
    let path = format!("{SF}/sobjects/Contact/");
    assert_eq!(
        api.post(
            &path,
            json!({"LastName": "A", "HubSpot_Contact_Id__c": "hs-1"})
        )
        .await
        .status,
        StatusCode::CREATED
    );
    let dup = api
        .post(
            &path,
            json!({"LastName": "B", "HubSpot_Contact_Id__c": "hs-1"}),
        )
        .await;
    assert_eq!(sf_code(&dup), "DUPLICATE_VALUE");
    assert!(
        dup.json()[0]["message"]
            .as_str()
            .expect("message")
            .contains("duplicates value on record with id: 003")
    );

    assert_eq!(
        api.post(&path, json!({"LastName": "C", "Email": "same@dup.io"}))
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(
        api.post(&path, json!({"LastName": "D", "Email": "same@dup.io"}))
            .await
            .status,
        StatusCode::CREATED,
        "no rule, no block"
    );
    sandbox.control().set_duplicate_rule("Contact", true);
    let blocked = api
        .post(&path, json!({"LastName": "E", "Email": "SAME@dup.io"}))
        .await;
    assert_eq!(sf_code(&blocked), "DUPLICATES_DETECTED");
    assert!(
        blocked.json()[0]["duplicateResut"]["matchResults"][0]["matchRecords"]
            .as_array()
            .expect("matches")
            .len()
            >= 2
    );
    let allowed = api
        .send(
            Method::POST,
            &path,
            Some(json!({"LastName": "E", "Email": "same@dup.io"})),
            &[("Sforce-Duplicate-Rule-Header", "allowSave=true")],
        )
        .await;
    assert_eq!(allowed.status, StatusCode::CREATED);
}

#[tokio::test]
async fn converted_leads_refuse_updates() {
    let sandbox = start(3).await;
    let api = Api::salesforce(&sandbox);
    let lead = api
        .post(
            &format!("{SF}/sobjects/Lead/"),
            json!({"LastName": "Conv", "Company": "Conv Co"}),
        )
        .await
        .json()["id"]
        .as_str()
        .expect("id")
        .to_string();
    let conversion = sandbox
        .control()
        .convert_lead(&lead, &Default::default())
        .expect("converts");
    let converted = api
        .get(&format!(
            "{SF}/sobjects/Lead/{lead}?fields=IsConverted,ConvertedContactId,ConvertedAccountId"
        ))
        .await
        .json();
    assert_eq!(converted["IsConverted"], json!(true));
    assert_eq!(
        converted["ConvertedContactId"],
        json!(conversion.contact_id)
    );
    let refused = api
        .patch(&format!("{SF}/sobjects/Lead/{lead}"), json!({"Title": "x"}))
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(sf_code(&refused), "CANNOT_UPDATE_CONVERTED_LEAD");
    let contact = api
        .get(&format!(
            "{SF}/sobjects/Contact/{}?fields=LastName,AccountId",
            conversion.contact_id
        ))
        .await
        .json();
    assert_eq!(contact["LastName"], json!("Conv"));
    assert_eq!(contact["AccountId"], json!(conversion.account_id));
}

#[tokio::test]
async fn upsert_by_external_id_answers_201_200_and_300() {
    let sandbox = start(2).await;
    let api = Api::salesforce(&sandbox);
    let path = format!("{SF}/sobjects/Contact/HubSpot_Contact_Id__c/hs-42");
    let created = api.patch(&path, json!({"LastName": "Upsert"})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.json()["created"], json!(true));
    let updated = api.patch(&path, json!({"Title": "Boss"})).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    assert_eq!(updated.json()["created"], json!(false));
    let old_version = api
        .patch(
            "/services/data/v45.0/sobjects/Contact/HubSpot_Contact_Id__c/hs-42",
            json!({"Title": "Old"}),
        )
        .await;
    assert_eq!(
        old_version.status,
        StatusCode::NO_CONTENT,
        "v45 and earlier answer 204"
    );
    let read = api
        .get(&format!(
            "{SF}/sobjects/Contact/HubSpot_Contact_Id__c/hs-42?fields=Title"
        ))
        .await
        .json();
    assert_eq!(read["Title"], json!("Old"));

    // Email is an idLookup field: two contacts with one email make the upsert ambiguous.
    api.post(
        &format!("{SF}/sobjects/Contact/"),
        json!({"LastName": "A", "Email": "two@x.io"}),
    )
    .await;
    api.post(
        &format!("{SF}/sobjects/Contact/"),
        json!({"LastName": "B", "Email": "two@x.io"}),
    )
    .await;
    let ambiguous = api
        .patch(
            &format!("{SF}/sobjects/Contact/Email/two@x.io"),
            json!({"Title": "x"}),
        )
        .await;
    assert_eq!(ambiguous.status, StatusCode::MULTIPLE_CHOICES);
    assert_eq!(ambiguous.json().as_array().expect("urls").len(), 2);

    let unknown_field = api
        .patch(&format!("{SF}/sobjects/Contact/LastName/x"), json!({}))
        .await;
    assert_eq!(unknown_field.status, StatusCode::NOT_FOUND);
    let update_only = api
        .patch(
            &format!("{SF}/sobjects/Contact/HubSpot_Contact_Id__c/missing?updateOnly=true"),
            json!({"LastName": "x"}),
        )
        .await;
    assert_eq!(update_only.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn get_updated_and_get_deleted_follow_the_clock() {
    let sandbox = start(3).await;
    let api = Api::salesforce(&sandbox);
    let control = sandbox.control();
    let start_ms = control.now_ms() - 1000;
    let id = api
        .post(
            &format!("{SF}/sobjects/Account/"),
            json!({"Name": "Window Co"}),
        )
        .await
        .json()["id"]
        .as_str()
        .expect("id")
        .to_string();
    control.advance_clock_ms(120_000);
    api.delete(&format!("{SF}/sobjects/Account/{id}")).await;
    control.advance_clock_ms(120_000);
    let fmt = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .expect("time")
            .format("%Y-%m-%dT%H:%M:%S%:z")
            .to_string()
    };
    let end = fmt(control.now_ms());
    let begin = fmt(start_ms);
    let enc = |s: &str| s.replace('+', "%2B");
    let updated = api
        .get(&format!(
            "{SF}/sobjects/Account/updated/?start={}&end={}",
            enc(&begin),
            enc(&end)
        ))
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    assert!(updated.json()["latestDateCovered"].is_string());
    let deleted = api
        .get(&format!(
            "{SF}/sobjects/Account/deleted/?start={}&end={}",
            enc(&begin),
            enc(&end)
        ))
        .await
        .json();
    let records = deleted["deletedRecords"].as_array().expect("deleted");
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["id"], json!(id));
    let too_old = fmt(control.now_ms() - 31 * 86_400_000);
    let refused = api
        .get(&format!(
            "{SF}/sobjects/Account/updated/?start={}&end={}",
            enc(&too_old),
            enc(&end)
        ))
        .await;
    assert_eq!(sf_code(&refused), "INVALID_REPLICATION_DATE");
}

#[tokio::test]
async fn limits_report_the_daily_allocation() {
    let sandbox = start(1).await;
    let api = Api::salesforce(&sandbox);
    let first = api.get(&format!("{SF}/limits")).await;
    let limits = first.json();
    let max = limits["DailyApiRequests"]["Max"].as_u64().expect("max");
    let remaining = limits["DailyApiRequests"]["Remaining"]
        .as_u64()
        .expect("remaining");
    assert_eq!(max, 100_000);
    assert_eq!(remaining, max - 1);
    assert_eq!(
        first.header("sforce-limit-info").as_deref(),
        Some("api-usage=1/100000")
    );
    let second = api.get(&format!("{SF}/limits")).await;
    assert_eq!(
        second.header("sforce-limit-info").as_deref(),
        Some("api-usage=2/100000")
    );
    assert!(
        api.get("/services/data/")
            .await
            .header("sforce-limit-info")
            .is_none(),
        "the versions resource is not metered"
    );
}

#[tokio::test]
async fn malformed_json_gets_json_parser_error() {
    let sandbox = start(1).await;
    let response = reqwest::Client::new()
        .post(format!(
            "{}{SF}/sobjects/Account/",
            sandbox.salesforce_url()
        ))
        .bearer_auth(sandbox.salesforce_token())
        .header("content-type", "application/json")
        .body("{\"Name\": ")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = response.json().await.expect("JSON error body");
    assert_eq!(body[0]["errorCode"], json!("JSON_PARSER_ERROR"));
}
