//! Lead conversion over real HTTP: the SOAP `convertLead` call on the partner and enterprise
//! endpoints (new or existing Account and Contact, with or without an Opportunity, the
//! field mapping, the converted lead's fields and its refusal of later writes, result
//! errors, session faults) and the control-API conversion a user makes.

use crate::salesforce_support::{
    control, convert_lead_body, envelope, first_id, records, soap, text,
};
use crate::support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{Api, SF, sf_code, start};

async fn create(api: &Api, object: &str, body: Value) -> String {
    let reply = api.post(&format!("{SF}/sobjects/{object}/"), body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    reply.json()["id"].as_str().expect("id").to_string()
}

async fn read(api: &Api, object: &str, id: &str, fields: &str) -> Value {
    let reply = api
        .get(&format!("{SF}/sobjects/{object}/{id}?fields={fields}"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.json()
}

async fn new_lead(api: &Api) -> String {
    create(
        api,
        "Lead",
        json!({
            "FirstName": "Grace", "LastName": "Hopper", "Company": "Navy Labs",
            "Email": "grace@navy.example", "Phone": "+1 555 0100", "Title": "Rear Admiral",
            "City": "Arlington", "Country": "United States", "Website": "https://navy.example",
            "Industry": "Government", "LeadSource": "Web", "NumberOfEmployees": 500,
        }),
    )
    .await
}

#[tokio::test]
async fn soap_convert_lead_creates_account_contact_and_opportunity() {
    let sandbox = start(1).await;
    let api = Api::salesforce(&sandbox);
    let lead = new_lead(&api).await;
    let task = create(&api, "Task", json!({"Subject": "Call", "WhoId": lead})).await;
    let reply = soap(
        &sandbox,
        "u",
        envelope(
            &sandbox.salesforce_token(),
            &convert_lead_body(&[
                ("leadId", &lead),
                ("convertedStatus", "Closed - Converted"),
                ("doNotCreateOpportunity", "false"),
            ]),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(reply.content_type.starts_with("text/xml"));
    assert!(
        reply
            .text
            .contains("<convertLeadResponse><result><accountId>"),
        "{}",
        reply.text
    );
    let root = reply.root();
    let header = root
        .child("Header")
        .and_then(|h| h.child("LimitInfoHeader"))
        .expect("limit info");
    assert_eq!(
        header
            .child("limitInfo")
            .and_then(|l| l.child_text("type"))
            .as_deref(),
        Some("API REQUESTS")
    );
    let results = reply.results();
    assert_eq!(results.len(), 1);
    let result = &results[0];
    let names: Vec<&str> = result.children.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "accountId",
            "contactId",
            "leadId",
            "opportunityId",
            "success"
        ],
        "WSDL order"
    );
    assert_eq!(text(result, "success").as_deref(), Some("true"));
    assert_eq!(text(result, "leadId").as_deref(), Some(lead.as_str()));
    let account = text(result, "accountId").expect("account");
    let contact = text(result, "contactId").expect("contact");
    let opportunity = text(result, "opportunityId").expect("opportunity");
    assert!(
        account.starts_with("001") && contact.starts_with("003") && opportunity.starts_with("006")
    );

    let converted = read(
        &api,
        "Lead",
        &lead,
        "IsConverted,ConvertedDate,ConvertedAccountId,ConvertedContactId,ConvertedOpportunityId,Status",
    )
    .await;
    assert_eq!(converted["IsConverted"], json!(true));
    assert_eq!(converted["Status"], json!("Closed - Converted"));
    assert_eq!(converted["ConvertedAccountId"], json!(account));
    assert_eq!(converted["ConvertedContactId"], json!(contact));
    assert_eq!(converted["ConvertedOpportunityId"], json!(opportunity));
    assert_eq!(
        converted["ConvertedDate"].as_str().map(str::len),
        Some(10),
        "a date"
    );

    let account_row = read(
        &api,
        "Account",
        &account,
        "Name,BillingCity,BillingCountry,Phone,Website,Industry,NumberOfEmployees",
    )
    .await;
    assert_eq!(account_row["Name"], json!("Navy Labs"));
    assert_eq!(account_row["BillingCity"], json!("Arlington"));
    assert_eq!(account_row["Website"], json!("https://navy.example"));
    assert_eq!(account_row["NumberOfEmployees"], json!(500));
    let contact_row = read(
        &api,
        "Contact",
        &contact,
        "FirstName,LastName,Email,Title,MailingCity,LeadSource,AccountId",
    )
    .await;
    assert_eq!(contact_row["LastName"], json!("Hopper"));
    assert_eq!(contact_row["Email"], json!("grace@navy.example"));
    assert_eq!(contact_row["MailingCity"], json!("Arlington"));
    assert_eq!(contact_row["AccountId"], json!(account));
    let opportunity_row = read(
        &api,
        "Opportunity",
        &opportunity,
        "Name,StageName,CloseDate,LeadSource,AccountId",
    )
    .await;
    assert_eq!(
        opportunity_row["Name"],
        json!("Navy Labs"),
        "the company names the opportunity"
    );
    assert_eq!(opportunity_row["StageName"], json!("Prospecting"));
    assert_eq!(opportunity_row["LeadSource"], json!("Web"));
    let close = opportunity_row["CloseDate"].as_str().expect("date");
    assert!(
        ["-03-31", "-06-30", "-09-30", "-12-31"]
            .iter()
            .any(|end| close.ends_with(end)),
        "{close}"
    );
    let roles = records(
        &api,
        &format!("SELECT ContactId, IsPrimary FROM OpportunityContactRole WHERE OpportunityId = '{opportunity}'"),
    )
    .await;
    assert_eq!(roles.len(), 1);
    assert_eq!(
        (roles[0]["ContactId"].clone(), roles[0]["IsPrimary"].clone()),
        (json!(contact), json!(true))
    );
    let relation = records(
        &api,
        &format!(
            "SELECT AccountId, IsDirect FROM AccountContactRelation WHERE ContactId = '{contact}'"
        ),
    )
    .await;
    assert_eq!(relation[0]["AccountId"], json!(account));
    assert_eq!(
        read(&api, "Task", &task, "WhoId").await["WhoId"],
        json!(contact),
        "activities move to the contact"
    );

    // The converted lead refuses writes; the sync follows ConvertedContactId instead.
    let refused = api
        .patch(&format!("{SF}/sobjects/Lead/{lead}"), json!({"Title": "x"}))
        .await;
    assert_eq!(
        refused.json(),
        json!([{"message": "cannot reference converted lead", "errorCode": "CANNOT_UPDATE_CONVERTED_LEAD", "fields": []}])
    );
    let again = soap(
        &sandbox,
        "u",
        envelope(
            &sandbox.salesforce_token(),
            &convert_lead_body(&[("leadId", &lead), ("convertedStatus", "Closed - Converted")]),
        ),
    )
    .await;
    let result = &again.results()[0];
    assert_eq!(text(result, "success").as_deref(), Some("false"));
    let errors = result.child("errors").expect("errors");
    assert_eq!(
        text(errors, "statusCode").as_deref(),
        Some("CANNOT_UPDATE_CONVERTED_LEAD")
    );
    assert!(result.child("accountId").is_some_and(|a| a.is_nil()));
}

#[tokio::test]
async fn converting_into_an_existing_account_and_contact_fills_only_empty_fields() {
    let sandbox = start(1).await;
    let api = Api::salesforce(&sandbox);
    let lead = new_lead(&api).await;
    let account = create(
        &api,
        "Account",
        json!({"Name": "Existing Co", "Website": "https://existing.example"}),
    )
    .await;
    let contact = create(
        &api,
        "Contact",
        json!({"LastName": "Keep", "AccountId": account, "LeadSource": "Phone Inquiry"}),
    )
    .await;
    let reply = soap(
        &sandbox,
        "c",
        envelope(
            &sandbox.salesforce_token(),
            &convert_lead_body(&[
                ("accountId", &account),
                ("contactId", &contact),
                ("convertedStatus", "Closed - Converted"),
                ("doNotCreateOpportunity", "true"),
                ("leadId", &lead),
                ("overwriteLeadSource", "true"),
            ]),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(
        reply
            .text
            .contains("xmlns=\"urn:enterprise.soap.sforce.com\"")
    );
    let result = &reply.results()[0];
    assert_eq!(
        text(result, "success").as_deref(),
        Some("true"),
        "{}",
        reply.text
    );
    assert_eq!(text(result, "accountId").as_deref(), Some(account.as_str()));
    assert_eq!(text(result, "contactId").as_deref(), Some(contact.as_str()));
    assert!(result.child("opportunityId").is_some_and(|o| o.is_nil()));
    let account_row = read(&api, "Account", &account, "Name,Website,BillingCity").await;
    assert_eq!(account_row["Name"], json!("Existing Co"), "not overwritten");
    assert_eq!(account_row["Website"], json!("https://existing.example"));
    assert_eq!(
        account_row["BillingCity"],
        json!("Arlington"),
        "empty field filled"
    );
    let contact_row = read(&api, "Contact", &contact, "LastName,Email,LeadSource").await;
    assert_eq!(contact_row["LastName"], json!("Keep"));
    assert_eq!(contact_row["Email"], json!("grace@navy.example"));
    assert_eq!(
        contact_row["LeadSource"],
        json!("Web"),
        "overwriteLeadSource"
    );
    let lead_row = read(
        &api,
        "Lead",
        &lead,
        "ConvertedOpportunityId,ConvertedAccountId",
    )
    .await;
    assert_eq!(lead_row["ConvertedOpportunityId"], Value::Null);
    assert_eq!(lead_row["ConvertedAccountId"], json!(account));
}

#[tokio::test]
async fn conversion_errors_are_per_result_and_session_errors_are_faults() {
    let sandbox = start(2).await;
    let api = Api::salesforce(&sandbox);
    let lead = first_id(&api, "SELECT Id FROM Lead").await;
    let other = records(&api, "SELECT Id FROM Lead").await[1]["Id"]
        .as_str()
        .expect("id")
        .to_string();
    let body = format!(
        "<urn:convertLead><urn:leadConverts><urn:leadId>{lead}</urn:leadId><urn:convertedStatus>Working - Contacted</urn:convertedStatus></urn:leadConverts>\
         <urn:leadConverts><urn:leadId>00Q5g0zzzzzzzzz</urn:leadId><urn:convertedStatus>Closed - Converted</urn:convertedStatus></urn:leadConverts>\
         <urn:leadConverts><urn:leadId>{other}</urn:leadId><urn:convertedStatus>Closed - Converted</urn:convertedStatus><urn:ownerId xsi:nil=\"true\"/></urn:leadConverts></urn:convertLead>"
    );
    let reply = soap(&sandbox, "u", envelope(&sandbox.salesforce_token(), &body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let results = reply.results();
    let codes: Vec<Option<String>> = results
        .iter()
        .map(|r| r.child("errors").and_then(|e| text(e, "statusCode")))
        .collect();
    assert_eq!(
        codes,
        [
            Some("INVALID_STATUS".to_string()),
            Some("INVALID_CROSS_REFERENCE_KEY".to_string()),
            None
        ]
    );
    assert_eq!(text(&results[2], "success").as_deref(), Some("true"));
    let unconverted = records(
        &api,
        &format!("SELECT IsConverted FROM Lead WHERE Id = '{lead}'"),
    )
    .await;
    assert_eq!(
        unconverted[0]["IsConverted"],
        json!(false),
        "a failed conversion writes nothing"
    );

    let fault = soap(
        &sandbox,
        "u",
        envelope("not-a-session", &convert_lead_body(&[("leadId", &lead)])),
    )
    .await;
    assert_eq!(fault.status, StatusCode::INTERNAL_SERVER_ERROR);
    let body = fault.root();
    let fault = body
        .child("Body")
        .and_then(|b| b.child("Fault"))
        .expect("fault");
    assert_eq!(
        text(fault, "faultcode").as_deref(),
        Some("sf:INVALID_SESSION_ID")
    );
    assert!(
        text(fault, "faultstring")
            .expect("faultstring")
            .starts_with("INVALID_SESSION_ID: ")
    );
    let unknown = soap(
        &sandbox,
        "u",
        envelope(&sandbox.salesforce_token(), "<urn:frobnicate/>"),
    )
    .await;
    assert!(
        unknown
            .text
            .contains("<faultcode>soapenv:Client</faultcode>"),
        "{}",
        unknown.text
    );
    let broken = soap(&sandbox, "u", "<soapenv:Envelope><oops>".to_string()).await;
    assert_eq!(broken.status, StatusCode::INTERNAL_SERVER_ERROR);
    let calls = sandbox.control().call_count(
        tandem_ground::schema::System::Salesforce,
        "POST /services/Soap/u/{version}",
    );
    assert_eq!(calls, 4, "SOAP calls are metered");
}

#[tokio::test]
async fn a_user_converts_from_the_control_api() {
    let sandbox = start(2).await;
    let api = Api::salesforce(&sandbox);
    let lead = new_lead(&api).await;
    let owner = first_id(&api, "SELECT Id FROM User WHERE LastName = 'Okafor'").await;
    let (status, conversion) = control(
        &sandbox,
        Method::POST,
        &format!("/_sandbox/leads/{lead}/convert"),
        Some(json!({"convertedStatus": "Closed - Converted", "opportunityName": "Navy pilot", "ownerId": owner})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{conversion}");
    assert_eq!(conversion["leadId"], json!(lead));
    let opportunity = conversion["opportunityId"]
        .as_str()
        .expect("created by default")
        .to_string();
    let row = read(&api, "Opportunity", &opportunity, "Name,OwnerId").await;
    assert_eq!(row["Name"], json!("Navy pilot"));
    assert_eq!(row["OwnerId"], json!(owner));
    let writes = sandbox
        .control()
        .writes(tandem_ground::schema::System::Salesforce);
    assert!(
        writes
            .iter()
            .any(|w| w.object == "Lead" && w.id == lead && w.origin == "user")
    );

    let second = new_lead(&api).await;
    let (status, body) = control(
        &sandbox,
        Method::POST,
        &format!("/_sandbox/leads/{second}/convert"),
        Some(json!({"doNotCreateOpportunity": true})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["opportunityId"], Value::Null);
    let (status, body) = control(
        &sandbox,
        Method::POST,
        &format!("/_sandbox/leads/{}/convert", new_lead(&api).await),
        Some(json!({"convertedStatus": "Open - Not Contacted"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errorCode"], json!("INVALID_STATUS"));
    let gone = api.get(&format!("{SF}/sobjects/Lead/{second}")).await;
    assert_eq!(gone.status, StatusCode::OK, "converted leads stay readable");
    assert_ne!(sf_code(&gone), "ENTITY_IS_DELETED");
}
