//! SOQL `/query` and `/queryAll` over real HTTP: filters, ordering, paging with
//! `Sforce-Query-Options: batchSize`, deleted rows, and query errors.

use crate::support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{Api, SF, sf_code, start};

fn q(soql: &str) -> String {
    let encoded: String = url::form_urlencoded::byte_serialize(soql.as_bytes()).collect();
    format!("{SF}/query?q={encoded}")
}

#[tokio::test]
async fn paging_through_next_records_url_with_batch_size() {
    let sandbox = start(450).await;
    let api = Api::salesforce(&sandbox);
    let first = api
        .send(
            Method::GET,
            &q("SELECT Id, LastName FROM Contact ORDER BY Id"),
            None,
            &[("Sforce-Query-Options", "batchSize=200")],
        )
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let mut body = first.json();
    assert_eq!(body["totalSize"], json!(450));
    let mut ids: Vec<String> = Vec::new();
    loop {
        let records = body["records"].as_array().expect("records");
        assert!(records.len() <= 200);
        ids.extend(
            records
                .iter()
                .map(|r| r["Id"].as_str().expect("Id").to_string()),
        );
        if body["done"] == json!(true) {
            assert!(body.get("nextRecordsUrl").is_none());
            break;
        }
        let next = body["nextRecordsUrl"]
            .as_str()
            .expect("nextRecordsUrl")
            .to_string();
        assert!(next.starts_with("/services/data/v62.0/query/01g"), "{next}");
        body = api.get(&next).await.json();
    }
    assert_eq!(ids.len(), 450);
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "ORDER BY Id holds across pages");
    let default_batch = api.get(&q("SELECT Id FROM Contact")).await.json();
    assert_eq!(
        default_batch["records"].as_array().expect("records").len(),
        450,
        "default batch is 2000"
    );
    assert_eq!(
        api.get(&format!("{SF}/query/01gbogus-200")).await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn where_clause_operators_and_typed_values() {
    let sandbox = start(40).await;
    let api = Api::salesforce(&sandbox);
    let all = api
        .get(&q(
            "SELECT Id, AnnualRevenue, Industry, CreatedDate FROM Account",
        ))
        .await
        .json();
    let records = all["records"].as_array().expect("records").clone();
    assert!(
        records[0]["AnnualRevenue"].is_number(),
        "currency is a JSON number"
    );
    let with_industry = records.iter().filter(|r| !r["Industry"].is_null()).count();
    let null_industry = api
        .get(&q("SELECT Id FROM Account WHERE Industry = null"))
        .await
        .json();
    assert_eq!(
        null_industry["totalSize"].as_u64().expect("size") as usize,
        records.len() - with_industry
    );
    let not_null = api
        .get(&q("SELECT Id FROM Account WHERE Industry != null"))
        .await
        .json();
    assert_eq!(
        not_null["totalSize"].as_u64().expect("size") as usize,
        with_industry
    );

    let big = api.get(&q("SELECT Id, AnnualRevenue FROM Account WHERE AnnualRevenue >= 250000000 ORDER BY AnnualRevenue DESC LIMIT 5")).await.json();
    let amounts: Vec<f64> = big["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| r["AnnualRevenue"].as_f64().expect("number"))
        .collect();
    assert!(amounts.iter().all(|a| *a >= 250_000_000.0));
    assert!(amounts.windows(2).all(|w| w[0] >= w[1]));

    let id = records[0]["Id"].as_str().expect("id");
    let by_in = api
        .get(&q(&format!(
            "SELECT Id FROM Account WHERE Id IN ('{id}', '001000000000000AAA')"
        )))
        .await
        .json();
    assert_eq!(by_in["totalSize"], json!(1));
    let like = api
        .get(&q(
            "SELECT Id, Name FROM Account WHERE Name LIKE '%inc%' AND (NOT Name LIKE 'Blue%')",
        ))
        .await
        .json();
    for record in like["records"].as_array().expect("records") {
        let name = record["Name"].as_str().expect("name").to_lowercase();
        assert!(name.contains("inc") && !name.starts_with("blue"), "{name}");
    }
    let recent = api.get(&q("SELECT Id FROM Account WHERE CreatedDate = LAST_N_DAYS:400 AND CreatedDate < 2100-01-01T00:00:00Z")).await.json();
    assert_eq!(recent["totalSize"].as_u64(), Some(records.len() as u64));
    let count = api
        .get(&q("SELECT COUNT() FROM Account WHERE Industry != null"))
        .await
        .json();
    assert_eq!(
        count["totalSize"].as_u64().expect("size") as usize,
        with_industry
    );
    assert_eq!(count["records"], json!([]));
    let parent = api
        .get(&q("SELECT Id, Account.Name FROM Contact LIMIT 1"))
        .await
        .json();
    assert_eq!(
        parent["records"][0]["Account"]["attributes"]["type"],
        json!("Account")
    );
}

#[tokio::test]
async fn query_all_includes_deleted_and_merged_rows() {
    let sandbox = start(6).await;
    let api = Api::salesforce(&sandbox);
    let all = api.get(&q("SELECT Id FROM Lead")).await.json();
    let ids: Vec<String> = all["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| r["Id"].as_str().expect("id").to_string())
        .collect();
    api.delete(&format!("{SF}/sobjects/Lead/{}", ids[0])).await;
    sandbox
        .control()
        .act_merge(
            tandem_ground::schema::System::Salesforce,
            "Lead",
            &ids[1],
            &ids[2],
        )
        .expect("merge");
    let live = api.get(&q("SELECT Id FROM Lead")).await.json();
    assert_eq!(live["totalSize"], json!(ids.len() - 2));
    let soql = "SELECT Id, IsDeleted, MasterRecordId FROM Lead WHERE IsDeleted = true";
    let encoded: String = url::form_urlencoded::byte_serialize(soql.as_bytes()).collect();
    let deleted = api.get(&format!("{SF}/queryAll?q={encoded}")).await.json();
    let rows: Vec<&Value> = deleted["records"]
        .as_array()
        .expect("records")
        .iter()
        .collect();
    assert_eq!(rows.len(), 2);
    let merged = rows
        .iter()
        .find(|r| r["Id"] == json!(ids[2]))
        .expect("merged loser");
    assert_eq!(merged["MasterRecordId"], json!(ids[1]));
    assert_eq!(merged["IsDeleted"], json!(true));
}

#[tokio::test]
async fn query_errors_name_the_problem() {
    let sandbox = start(1).await;
    let api = Api::salesforce(&sandbox);
    let malformed = api.get(&q("SELECT FROM Contact")).await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(sf_code(&malformed), "MALFORMED_QUERY");
    let bad_field = api.get(&q("SELECT Id, Nope__c FROM Contact")).await;
    assert_eq!(sf_code(&bad_field), "INVALID_FIELD");
    assert!(
        bad_field.json()[0]["message"]
            .as_str()
            .expect("message")
            .contains("No such column 'Nope__c' on entity 'Contact'")
    );
    let bad_object = api.get(&q("SELECT Id FROM Widget__c")).await;
    assert_eq!(sf_code(&bad_object), "INVALID_TYPE");
    let bad_where = api.get(&q("SELECT Id FROM Contact WHERE Nope = 1")).await;
    assert_eq!(sf_code(&bad_where), "INVALID_FIELD");
    assert_eq!(
        sf_code(&api.get(&format!("{SF}/query")).await),
        "MALFORMED_QUERY"
    );
}

#[tokio::test]
async fn filter_literal_of_the_wrong_shape_for_the_field_is_refused() {
    let sandbox = start(1).await;
    let api = Api::salesforce(&sandbox);
    let quoted_date = api
        .get(&q(
            "SELECT Id FROM Opportunity WHERE CloseDate >= '2020-01-01'",
        ))
        .await;
    assert_eq!(quoted_date.status, StatusCode::BAD_REQUEST);
    assert_eq!(sf_code(&quoted_date), "INVALID_FIELD");
    assert!(
        quoted_date.json()[0]["message"]
            .as_str()
            .expect("message")
            .contains("value of filter criterion for field 'CloseDate' must be of type date and should not be enclosed in quotes")
    );
    let quoted_datetime = api
        .get(&q(
            "SELECT Id FROM Contact WHERE SystemModstamp > '2020-01-01T00:00:00Z'",
        ))
        .await;
    assert_eq!(sf_code(&quoted_datetime), "INVALID_FIELD");
    let unquoted_text = api
        .get(&q("SELECT Id FROM Contact WHERE LastName = 7"))
        .await;
    assert_eq!(sf_code(&unquoted_text), "INVALID_FIELD");
    let fine = api
        .get(&q("SELECT Id FROM Opportunity WHERE CloseDate >= 2020-01-01 AND StageName IN ('Prospecting', 'Closed Won')"))
        .await;
    assert_eq!(fine.status, StatusCode::OK, "{}", fine.text);
}
