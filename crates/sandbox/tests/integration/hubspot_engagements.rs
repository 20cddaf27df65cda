//! HubSpot engagements (calls, meetings, emails, notes, tasks) and tickets as CRM objects over
//! real HTTP: their properties, batch calls, search, associations v4 with the real type ids
//! in both directions, the ticket pipeline and its stages.

use crate::support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{Api, hs_codes, start};
use tandem_ground::schema::System;

async fn first_id(api: &Api, object: &str) -> String {
    api.get(&format!("/crm/v3/objects/{object}?limit=1"))
        .await
        .json()["results"][0]["id"]
        .as_str()
        .expect("id")
        .to_string()
}

fn type_ids(body: &Value) -> Vec<u64> {
    body["results"]
        .as_array()
        .expect("results")
        .iter()
        .flat_map(|r| {
            r["associationTypes"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|t| t["typeId"].as_u64())
        .collect()
}

#[tokio::test]
async fn a_logged_call_is_associated_with_its_contact_both_ways() {
    let sandbox = start(5).await;
    let api = Api::hubspot(&sandbox);
    let contact = first_id(&api, "contacts").await;
    let created = api
        .post(
            "/crm/v3/objects/calls",
            json!({
                "properties": {
                    "hs_timestamp": "2025-03-17T01:32:44.872Z",
                    "hs_call_title": "Support call",
                    "hs_call_body": "Resolved issue",
                    "hs_call_direction": "INBOUND",
                    "hs_call_duration": "3800",
                    "hs_call_status": "COMPLETED",
                    "hubspot_owner_id": "70331455"
                },
                "associations": [{"to": {"id": contact}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 194}]}]
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let call = created.json();
    let id = call["id"].as_str().expect("id").to_string();
    assert_eq!(call["properties"]["hs_call_direction"], json!("INBOUND"));
    assert!(call["properties"]["hs_createdate"].is_string(), "{call}");
    assert!(call["properties"].get("createdate").is_none(), "{call}");
    let from_call = api
        .get(&format!("/crm/v4/objects/calls/{id}/associations/contacts"))
        .await
        .json();
    assert_eq!(type_ids(&from_call), vec![194]);
    let from_contact = api
        .get(&format!(
            "/crm/v4/objects/contacts/{contact}/associations/calls"
        ))
        .await
        .json();
    assert!(
        from_contact["results"]
            .as_array()
            .expect("results")
            .iter()
            .any(|r| support::id_text(&r["toObjectId"]) == id
                && r["associationTypes"][0]["typeId"] == json!(193)),
        "{from_contact}"
    );
    let v3 = api
        .get(&format!(
            "/crm/v3/objects/contacts/{contact}?associations=calls"
        ))
        .await
        .json();
    assert!(
        v3["associations"]["calls"]["results"]
            .as_array()
            .expect("results")
            .iter()
            .any(|r| r["id"] == json!(id) && r["type"] == json!("contact_to_call")),
        "{v3}"
    );

    let bad = api
        .post(
            "/crm/v3/objects/calls",
            json!({"properties": {"hs_timestamp": "2025-03-17T01:32:44.872Z", "hs_call_direction": "SIDEWAYS"}}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(hs_codes(&bad), vec!["INVALID_OPTION".to_string()]);
    let untimed = api
        .post(
            "/crm/v3/objects/notes",
            json!({"properties": {"hs_note_body": "no time"}}),
        )
        .await;
    assert_eq!(untimed.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        hs_codes(&untimed),
        vec!["REQUIRED_PROPERTY_MISSING".to_string()]
    );
}

#[tokio::test]
async fn meetings_emails_notes_and_tasks_take_batch_calls_and_search() {
    let sandbox = start(5).await;
    let api = Api::hubspot(&sandbox);
    let deal = first_id(&api, "deals").await;
    let created = api
        .post(
            "/crm/v3/objects/meetings/batch/create",
            json!({"inputs": [
                {"properties": {"hs_timestamp": "2025-05-04T10:00:00Z", "hs_meeting_title": "Kickoff", "hs_meeting_start_time": "2025-05-04T10:00:00Z", "hs_meeting_end_time": "2025-05-04T11:00:00Z", "hs_meeting_outcome": "SCHEDULED"},
                 "associations": [{"to": {"id": deal}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 212}]}]},
                {"properties": {"hs_timestamp": "2025-05-05T10:00:00Z", "hs_meeting_title": "Review", "hs_meeting_outcome": "COMPLETED"}}
            ]}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let ids: Vec<String> = created.json()["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_string())
        .collect();
    let updated = api
        .post(
            "/crm/v3/objects/meetings/batch/update",
            json!({"inputs": [{"id": ids[1], "properties": {"hs_meeting_outcome": "NO_SHOW"}}]}),
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    let read = api
        .post(
            "/crm/v3/objects/meetings/batch/read",
            json!({"inputs": [{"id": ids[0]}, {"id": ids[1]}], "properties": ["hs_meeting_outcome", "hs_meeting_end_time"]}),
        )
        .await
        .json();
    let outcomes: Vec<&str> = read["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["properties"]["hs_meeting_outcome"].as_str())
        .collect();
    assert!(
        outcomes.contains(&"SCHEDULED") && outcomes.contains(&"NO_SHOW"),
        "{read}"
    );
    let from_deal = api
        .get(&format!(
            "/crm/v4/objects/deals/{deal}/associations/meetings"
        ))
        .await
        .json();
    assert!(
        type_ids(&from_deal).contains(&211),
        "deal -> meeting is 211: {from_deal}"
    );

    let email = api
        .post(
            "/crm/v3/objects/emails",
            json!({"properties": {"hs_timestamp": "1715000000000", "hs_email_subject": "Hello", "hs_email_text": "Body", "hs_email_direction": "INCOMING_EMAIL", "hs_email_status": "SENT"}}),
        )
        .await;
    assert_eq!(email.status, StatusCode::CREATED, "{}", email.text);
    let found = api
        .post(
            "/crm/v3/objects/emails/search",
            json!({"filterGroups": [{"filters": [{"propertyName": "hs_email_subject", "operator": "EQ", "value": "Hello"}]}], "properties": ["hs_email_direction", "hs_timestamp"]}),
        )
        .await
        .json();
    assert_eq!(found["total"], json!(1), "{found}");
    assert_eq!(
        found["results"][0]["properties"]["hs_email_direction"],
        json!("INCOMING_EMAIL")
    );
    assert_eq!(
        found["results"][0]["properties"]["hs_timestamp"],
        json!("2024-05-06T12:53:20.000Z")
    );
    for (object, properties) in [
        (
            "notes",
            json!({"hs_timestamp": "2025-01-01T00:00:00Z", "hs_note_body": "Left a voicemail"}),
        ),
        (
            "tasks",
            json!({"hs_timestamp": "2025-01-01T00:00:00Z", "hs_task_subject": "Follow up", "hs_task_status": "NOT_STARTED", "hs_task_priority": "HIGH", "hs_task_type": "CALL"}),
        ),
    ] {
        let reply = api
            .post(
                &format!("/crm/v3/objects/{object}"),
                json!({"properties": properties}),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::CREATED,
            "{object}: {}",
            reply.text
        );
        let id = reply.json()["id"].as_str().expect("id").to_string();
        let archived = api
            .post(
                &format!("/crm/v3/objects/{object}/batch/archive"),
                json!({"inputs": [{"id": id}]}),
            )
            .await;
        assert_eq!(archived.status, StatusCode::NO_CONTENT);
        assert_eq!(
            api.get(&format!("/crm/v3/objects/{object}/{id}"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
    let properties = api.get("/crm/v3/properties/calls").await.json();
    let status = properties["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|p| p["name"] == json!("hs_call_status"))
        .expect("hs_call_status");
    assert_eq!(status["type"], json!("enumeration"));
    assert_eq!(status["options"].as_array().expect("options").len(), 10);
}

#[tokio::test]
async fn tickets_default_to_the_support_pipeline_and_check_their_stage() {
    let sandbox = start(3).await;
    let api = Api::hubspot(&sandbox);
    let created = api
        .post(
            "/crm/v3/objects/tickets",
            json!({"properties": {"subject": "troubleshoot report", "hs_pipeline_stage": "1", "hs_ticket_priority": "HIGH"}}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let ticket = created.json();
    assert_eq!(ticket["properties"]["hs_pipeline"], json!("0"));
    assert!(ticket["properties"]["createdate"].is_string());
    let wrong = api
        .post(
            "/crm/v3/objects/tickets",
            json!({"properties": {"subject": "x", "hs_pipeline": "0", "hs_pipeline_stage": "appointmentscheduled"}}),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST, "{}", wrong.text);
    assert_eq!(hs_codes(&wrong), vec!["INVALID_OPTION".to_string()]);
    let missing = api
        .post(
            "/crm/v3/objects/tickets",
            json!({"properties": {"hs_pipeline_stage": "1"}}),
        )
        .await;
    assert_eq!(
        hs_codes(&missing),
        vec!["REQUIRED_PROPERTY_MISSING".to_string()]
    );
    let pipelines = api.get("/crm/v3/pipelines/tickets").await.json();
    let stages = pipelines["results"][0]["stages"]
        .as_array()
        .expect("stages");
    let states: Vec<&str> = stages
        .iter()
        .filter_map(|s| s["metadata"]["ticketState"].as_str())
        .collect();
    assert_eq!(states, vec!["OPEN", "OPEN", "OPEN", "CLOSED"]);
    let contact = first_id(&api, "contacts").await;
    let id = ticket["id"].as_str().expect("id");
    let linked = api
        .put(
            &format!("/crm/v4/objects/tickets/{id}/associations/default/contacts/{contact}"),
            json!(null),
        )
        .await;
    assert_eq!(linked.status, StatusCode::OK, "{}", linked.text);
    let back = api
        .get(&format!(
            "/crm/v4/objects/contacts/{contact}/associations/tickets"
        ))
        .await
        .json();
    assert!(
        type_ids(&back).contains(&15),
        "contact -> ticket is 15: {back}"
    );
}

#[tokio::test]
async fn the_seeded_portal_has_activities_on_its_contacts() {
    let sandbox = start(100).await;
    let control = sandbox.control();
    for object in ["calls", "emails", "meetings", "notes", "tickets"] {
        assert_eq!(
            control.record_count(System::Hubspot, object),
            25,
            "{object}"
        );
    }
    // Objects seeded before them are as they always were.
    assert_eq!(control.record_count(System::Hubspot, "tasks"), 100);
    let api = Api::hubspot(&sandbox);
    let calls = api
        .get("/crm/v3/objects/calls?limit=25&properties=hs_call_title,hs_call_duration,hs_timestamp&associations=contacts")
        .await
        .json();
    for call in calls["results"].as_array().expect("results") {
        assert!(call["properties"]["hs_timestamp"].is_string(), "{call}");
        assert!(call["properties"]["hs_call_duration"].is_string(), "{call}");
        assert!(
            call["associations"]["contacts"]["results"][0]["id"].is_string(),
            "{call}"
        );
    }
    let tickets = api.get("/crm/v3/objects/tickets?limit=25").await.json();
    for ticket in tickets["results"].as_array().expect("results") {
        assert_eq!(ticket["properties"]["hs_pipeline"], json!("0"), "{ticket}");
        assert!(ticket["properties"]["hs_pipeline_stage"].is_string());
    }
}
