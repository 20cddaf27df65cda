//! Schema changes through the `/_sandbox/schema/...` control routes over HTTP: a deleted
//! field, a deleted picklist value and a read-only field are seen by describe / properties
//! and by writes exactly as the real CRMs report them.

use crate::support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{Api, SF, hs_codes, sf_code, start};

async fn control(
    base: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new().request(method, format!("{base}{path}"));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("control call");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn describe_field<'a>(describe: &'a Value, name: &str) -> Option<&'a Value> {
    describe["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .find(|f| f["name"] == name)
}

fn property_names(properties: &Value) -> Vec<String> {
    properties["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|p| p["name"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn salesforce_field_removed_disappears_from_describe_and_writes_fail_invalid_field() {
    let sandbox = start(2).await;
    let api = Api::salesforce(&sandbox);
    let before = api
        .get(&format!("{SF}/sobjects/Contact/describe"))
        .await
        .json();
    assert!(describe_field(&before, "Title").is_some());

    let (status, body) = control(
        &sandbox.salesforce_url(),
        Method::DELETE,
        "/_sandbox/schema/Contact/fields/Title",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let after = api
        .get(&format!("{SF}/sobjects/Contact/describe"))
        .await
        .json();
    assert!(describe_field(&after, "Title").is_none());
    assert!(
        describe_field(&after, "LastName").is_some(),
        "only that field went"
    );

    let create = api
        .post(
            &format!("{SF}/sobjects/Contact"),
            json!({"LastName": "Removed", "Title": "CEO"}),
        )
        .await;
    assert_eq!(create.status, StatusCode::BAD_REQUEST, "{}", create.text);
    assert_eq!(sf_code(&create), "INVALID_FIELD");
    assert_eq!(
        create.json()[0]["message"],
        json!("No such column 'Title' on sobject of type Contact")
    );

    let collection = api
        .post(&format!("{SF}/composite/sobjects"), json!({"allOrNone": false, "records": [{"attributes": {"type": "Contact"}, "LastName": "x", "Title": "y"}]}))
        .await;
    assert_eq!(
        collection.status,
        StatusCode::BAD_REQUEST,
        "{}",
        collection.text
    );
    assert_eq!(sf_code(&collection), "INVALID_FIELD");

    let query = api
        .get(&format!("{SF}/query?q=SELECT+Id,+Title+FROM+Contact"))
        .await;
    assert_eq!(sf_code(&query), "INVALID_FIELD");
}

#[tokio::test]
async fn hubspot_property_removed_disappears_from_properties_and_writes_fail_property_doesnt_exist()
{
    let sandbox = start(2).await;
    let api = Api::hubspot(&sandbox);
    assert!(
        property_names(&api.get("/crm/v3/properties/contacts").await.json())
            .contains(&"jobtitle".to_string())
    );

    let (status, body) = control(
        &sandbox.hubspot_url(),
        Method::DELETE,
        "/_sandbox/schema/contacts/fields/jobtitle",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let single = api.get("/crm/v3/properties/contacts/jobtitle").await;
    assert_eq!(single.status, StatusCode::NOT_FOUND, "{}", single.text);
    let names = property_names(&api.get("/crm/v3/properties/contacts").await.json());
    assert!(!names.contains(&"jobtitle".to_string()));
    assert!(names.contains(&"email".to_string()));

    let create = api
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "a@b.io", "jobtitle": "CEO"}}),
        )
        .await;
    assert_eq!(create.status, StatusCode::BAD_REQUEST, "{}", create.text);
    assert_eq!(hs_codes(&create), vec!["PROPERTY_DOESNT_EXIST"]);

    let batch = api
        .post(
            "/crm/v3/objects/contacts/batch/create",
            json!({"inputs": [
                {"properties": {"email": "ok@b.io"}, "objectWriteTraceId": "t1"},
                {"properties": {"email": "no@b.io", "jobtitle": "CEO"}, "objectWriteTraceId": "t2"},
            ]}),
        )
        .await;
    assert_eq!(batch.status, StatusCode::MULTI_STATUS, "{}", batch.text);
    assert!(
        batch.text.contains("PROPERTY_DOESNT_EXIST"),
        "{}",
        batch.text
    );
    assert!(batch.text.contains("jobtitle"), "{}", batch.text);
}

#[tokio::test]
async fn picklist_values_removed_on_both_systems_are_rejected_on_write() {
    let sandbox = start(2).await;
    let sf = Api::salesforce(&sandbox);
    let (status, body) = control(
        &sandbox.salesforce_url(),
        Method::DELETE,
        "/_sandbox/schema/Lead/fields/Status/values/Working%20-%20Contacted",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let describe = sf.get(&format!("{SF}/sobjects/Lead/describe")).await.json();
    let values: Vec<&str> = describe_field(&describe, "Status").expect("Status")["picklistValues"]
        .as_array()
        .expect("picklistValues")
        .iter()
        .filter_map(|v| v["value"].as_str())
        .collect();
    assert!(!values.contains(&"Working - Contacted"), "{values:?}");
    assert!(values.contains(&"Open - Not Contacted"), "{values:?}");
    let create = sf
        .post(
            &format!("{SF}/sobjects/Lead"),
            json!({"LastName": "L", "Company": "C", "Status": "Working - Contacted"}),
        )
        .await;
    assert_eq!(create.status, StatusCode::BAD_REQUEST, "{}", create.text);
    assert_eq!(sf_code(&create), "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST");

    let hs = Api::hubspot(&sandbox);
    let (status, body) = control(
        &sandbox.hubspot_url(),
        Method::DELETE,
        "/_sandbox/schema/contacts/fields/lifecyclestage/values/evangelist",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let property = hs
        .get("/crm/v3/properties/contacts/lifecyclestage")
        .await
        .json();
    let options: Vec<&str> = property["options"]
        .as_array()
        .expect("options")
        .iter()
        .filter_map(|o| o["value"].as_str())
        .collect();
    assert!(!options.contains(&"evangelist"), "{options:?}");
    assert!(options.contains(&"lead"), "{options:?}");
    let create = hs
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "e@b.io", "lifecyclestage": "evangelist"}}),
        )
        .await;
    assert_eq!(create.status, StatusCode::BAD_REQUEST, "{}", create.text);
    assert_eq!(hs_codes(&create), vec!["INVALID_OPTION"]);
}

#[tokio::test]
async fn field_made_read_only_shows_in_describe_and_rejects_writes() {
    let sandbox = start(2).await;
    let sf = Api::salesforce(&sandbox);
    let (status, body) = control(
        &sandbox.salesforce_url(),
        Method::PATCH,
        "/_sandbox/schema/Contact/fields/Department",
        Some(json!({"updateable": false, "createable": false})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (&body["createable"], &body["updateable"]),
        (&json!(false), &json!(false))
    );
    let describe = sf
        .get(&format!("{SF}/sobjects/Contact/describe"))
        .await
        .json();
    let department = describe_field(&describe, "Department").expect("Department");
    assert_eq!(department["updateable"], json!(false));
    assert_eq!(department["createable"], json!(false));
    let create = sf
        .post(
            &format!("{SF}/sobjects/Contact"),
            json!({"LastName": "R", "Department": "Sales"}),
        )
        .await;
    assert_eq!(create.status, StatusCode::BAD_REQUEST, "{}", create.text);
    assert_eq!(sf_code(&create), "INVALID_FIELD_FOR_INSERT_UPDATE");
    let ok = sf
        .post(&format!("{SF}/sobjects/Contact"), json!({"LastName": "R"}))
        .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text);
    let id = ok.json()["id"].as_str().expect("id").to_string();
    let update = sf
        .patch(
            &format!("{SF}/sobjects/Contact/{id}"),
            json!({"Department": "Sales"}),
        )
        .await;
    assert_eq!(update.status, StatusCode::BAD_REQUEST, "{}", update.text);
    assert_eq!(sf_code(&update), "INVALID_FIELD_FOR_INSERT_UPDATE");

    // Either side alone: createable comes back, updateable stays off.
    let (status, body) = control(
        &sandbox.salesforce_url(),
        Method::PATCH,
        "/_sandbox/schema/Contact/fields/Department",
        Some(json!({"createable": true})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (&body["createable"], &body["updateable"]),
        (&json!(true), &json!(false))
    );
    let created = sf
        .post(
            &format!("{SF}/sobjects/Contact"),
            json!({"LastName": "S", "Department": "Sales"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);

    let hs = Api::hubspot(&sandbox);
    let (status, body) = control(
        &sandbox.hubspot_url(),
        Method::PATCH,
        "/_sandbox/schema/contacts/fields/jobtitle",
        Some(json!({"updateable": false, "createable": false})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let property = hs.get("/crm/v3/properties/contacts/jobtitle").await.json();
    assert_eq!(
        property["modificationMetadata"]["readOnlyValue"],
        json!(true)
    );
    let create = hs
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "r@b.io", "jobtitle": "CEO"}}),
        )
        .await;
    assert_eq!(create.status, StatusCode::BAD_REQUEST, "{}", create.text);
    assert_eq!(hs_codes(&create), vec!["READ_ONLY_VALUE"]);
}

#[tokio::test]
async fn unknown_object_field_or_value_is_a_404_naming_it() {
    let sandbox = start(1).await;
    let sf = sandbox.salesforce_url();
    let cases = [
        (
            Method::DELETE,
            "/_sandbox/schema/Widget__c/fields/Name",
            "unknown object `Widget__c`",
        ),
        (
            Method::DELETE,
            "/_sandbox/schema/Contact/fields/Nope__c",
            "object `Contact` has no field `Nope__c`",
        ),
        (
            Method::DELETE,
            "/_sandbox/schema/Lead/fields/Status/values/Nope",
            "field `Lead.Status` has no picklist value `Nope`",
        ),
        (
            Method::DELETE,
            "/_sandbox/schema/Contact/fields/LastName/values/Smith",
            "field `Contact.LastName` has no picklist value `Smith`",
        ),
    ];
    for (method, path, message) in cases {
        let (status, body) = control(&sf, method, path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        assert_eq!(body["error"], json!(message), "{path}");
    }
    let (status, body) = control(
        &sandbox.hubspot_url(),
        Method::PATCH,
        "/_sandbox/schema/contacts/fields/JobTitle",
        Some(json!({"updateable": false})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "HubSpot property names are case-sensitive"
    );
    assert_eq!(
        body["error"],
        json!("object `contacts` has no field `JobTitle`")
    );
}
