//! An answer that is not the CRM's (a proxy's `{}`, a wrong URL that answers 200) is refused
//! with an error that names it, instead of being read as an empty CRM: read that way, a first
//! sync would plan a create for every record of the other side. Over real HTTP, against a
//! loopback server that answers `{}` to everything.

use std::net::SocketAddr;

use axum::Router;
use serde_json::json;
use tandem::connectors::{ConnectorError, HubSpotClient, SalesforceClient};
use tandem::schema::System;
use url::Url;

use crate::connectors_support::{hubspot_config, salesforce_config, sandbox, test_limits};
use crate::e2e_support::{World, accounts_spec};

/// A server on loopback that answers every request with HTTP 200 and `{}`.
async fn empty_object_server() -> SocketAddr {
    let app = Router::new().fallback(|| async { axum::Json(json!({})) });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    address
}

fn is_unexpected(error: &ConnectorError, system: System) -> bool {
    matches!(error, ConnectorError::UnexpectedResponse { system: s, .. } if *s == system)
}

#[tokio::test]
async fn a_hubspot_page_without_results_is_refused_not_read_as_empty() {
    let address = empty_object_server().await;
    let real = sandbox(0, &[]).await;
    let mut config = hubspot_config(&real, test_limits());
    config.base_url = Url::parse(&format!("http://{address}")).expect("url");
    let client = HubSpotClient::new(&config).expect("client");
    let mut reader = client.read_all("contacts", &["email".to_string()]);
    let error = reader.next_page().await.expect_err("refused");
    assert!(is_unexpected(&error, System::Hubspot), "{error:?}");
    assert!(
        error.to_string().contains("/crm/v3/objects/contacts"),
        "{error}"
    );
    let error = client
        .read_ids("contacts", &["email".to_string()], &["1".to_string()])
        .await
        .expect_err("refused");
    assert!(is_unexpected(&error, System::Hubspot), "{error:?}");
    real.shutdown().await.expect("sandbox stops");
}

#[tokio::test]
async fn a_salesforce_query_answer_without_records_is_refused_not_read_as_empty() {
    let address = empty_object_server().await;
    let real = sandbox(0, &[]).await;
    let mut config = salesforce_config(&real, test_limits());
    config.instance_url = Url::parse(&format!("http://{address}")).expect("url");
    let client = SalesforceClient::new(&config).expect("client");
    let mut reader = client
        .query_changed("Account", &["Name".to_string()], None)
        .expect("query");
    let error = reader.next_page().await.expect_err("refused");
    assert!(is_unexpected(&error, System::Salesforce), "{error:?}");
    real.shutdown().await.expect("sandbox stops");
}

/// The whole command: `tandem plan` against a HubSpot URL that answers `{}` exits 1, names
/// the unreadable answer, and writes nothing to Salesforce.
#[test]
fn plan_against_an_answer_that_is_not_hubspots_stops_before_anything_is_written() {
    let world = World::new(&accounts_spec("newest", "ignore", 5000));
    for i in 0..5 {
        world.create(
            System::Salesforce,
            "Account",
            json!({"Name": format!("Co {i}"), "Website": format!("https://co{i}.example")}),
        );
    }
    let fake = world_runtime_server(&world);
    let mut env = world.env();
    env.insert("TANDEM_HUBSPOT_URL".into(), format!("http://{fake}"));
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_tandem"))
        .args(["apply", "spec", "--auto-approve"])
        .envs(env)
        .current_dir(world.dir.path())
        .output()
        .expect("tandem runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("a body tandem cannot read"), "{stderr}");
    assert_eq!(world.count(System::Salesforce, "Account"), 5);
    assert_eq!(world.count(System::Hubspot, "companies"), 0);
}

/// Starts the `{}` server on a thread of its own, for tests that run outside tokio.
fn world_runtime_server(_world: &World) -> SocketAddr {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let address = empty_object_server().await;
            let _ = sender.send(address);
            std::future::pending::<()>().await;
        });
    });
    receiver.recv().expect("server address")
}
