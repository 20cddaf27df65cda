//! Authentication flows over HTTP against the sandbox's token endpoints.

use crate::connectors_support;

use std::collections::BTreeMap;

use connectors_support::*;
use tandem::connectors::config::{self, HubSpotAuth, SalesforceAuth};
use tandem::connectors::{ConnectorError, HubSpotClient, SalesforceClient, Secret};
use tandem::sandbox::SandboxHandle;
use tandem::schema::System;

#[tokio::test]
async fn salesforce_client_credentials_fetch_a_token_before_the_first_call() {
    let sandbox = sandbox(1, &[("Lead", 4)]).await;
    let (client_id, client_secret) = sandbox.client_credentials();
    let mut config = salesforce_config(&sandbox, test_limits());
    config.auth = SalesforceAuth::ClientCredentials {
        token_url: url::Url::parse(&sandbox.salesforce_url())
            .unwrap()
            .join("/services/oauth2/token")
            .unwrap(),
        client_id,
        client_secret: Secret::new(client_secret),
    };
    let client = SalesforceClient::new(&config).unwrap();
    let (leads, _) = read_all_pages!(
        client
            .query_changed("Lead", &["Email".to_string()], None)
            .unwrap()
    );
    assert_eq!(leads.len(), 4);
    assert_eq!(client.stats().auth, 1);
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn hubspot_oauth_without_an_access_token_refreshes_first() {
    let sandbox = sandbox(1, &[("contacts", 3)]).await;
    let mut config = hubspot_oauth_config(&sandbox, test_limits(), None);
    if let HubSpotAuth::OAuth(refresh) = &mut config.auth {
        refresh.access_token = None;
    }
    let client = HubSpotClient::new(&config).unwrap();
    let (contacts, _) = read_all_pages!(client.read_all("contacts", &["email".to_string()]));
    assert_eq!(contacts.len(), 3);
    assert_eq!(client.stats().auth, 1);
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_revoked_refresh_token_is_a_typed_stop_that_leaks_nothing() {
    let sandbox = sandbox(1, &[("contacts", 3)]).await;
    let mut config = hubspot_oauth_config(&sandbox, test_limits(), None);
    if let HubSpotAuth::OAuth(refresh) = &mut config.auth {
        refresh.refresh_token = Secret::new("revoked-refresh-token-123");
    }
    let client = HubSpotClient::new(&config).unwrap();
    sandbox.control().expire_tokens(System::Hubspot);
    let error = client
        .read_all("contacts", &["email".to_string()])
        .next_page()
        .await
        .unwrap_err();
    assert!(
        matches!(error, ConnectorError::TokenRefreshFailed { .. }),
        "{error:?}"
    );
    assert!(error.stops_run());
    let (_, client_secret) = sandbox.client_credentials();
    let text = format!("{error} {error:?}");
    assert!(
        !text.contains("revoked-refresh-token-123") && !text.contains(&client_secret),
        "{text}"
    );
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_variables_tandem_sandbox_prints_configure_working_clients() {
    let sandbox = sandbox(1, &[("contacts", 2), ("Lead", 2)]).await;
    let vars: BTreeMap<String, String> = [
        ("TANDEM_HUBSPOT_URL", sandbox.hubspot_url()),
        ("TANDEM_HUBSPOT_TOKEN", sandbox.hubspot_token()),
        ("TANDEM_SALESFORCE_URL", sandbox.salesforce_url()),
        ("TANDEM_SALESFORCE_TOKEN", sandbox.salesforce_token()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let connection = config::from_variables(&vars).unwrap();
    let hubspot = HubSpotClient::new(connection.hubspot().unwrap()).unwrap();
    let salesforce = SalesforceClient::new(connection.salesforce().unwrap()).unwrap();
    let (contacts, _) = read_all_pages!(hubspot.read_all("contacts", &["email".to_string()]));
    let (leads, _) = read_all_pages!(
        salesforce
            .query_changed("Lead", &["Email".to_string()], None)
            .unwrap()
    );
    assert_eq!((contacts.len(), leads.len()), (2, 2));
    // Budget readings come from the CRMs' own headers.
    assert!(hubspot.stats().quota.daily_max.is_some());
    assert!(salesforce.stats().quota.daily_max.is_some());
    sandbox.shutdown().await.unwrap();
}

/// A throwaway 2048-bit RSA key (PKCS#8 PEM) made with the `openssl` binary.
fn throwaway_rsa_key() -> Secret {
    let dir = tempfile::tempdir().unwrap();
    let key_path = dir.path().join("key.pem");
    let generated = std::process::Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
        ])
        .arg(&key_path)
        .output()
        .expect("openssl is needed to generate a throwaway RSA key for this test");
    assert!(generated.status.success());
    Secret::new(std::fs::read_to_string(&key_path).unwrap())
}

fn jwt_bearer_auth(sandbox: &SandboxHandle, client_id: String, audience: &str) -> SalesforceAuth {
    SalesforceAuth::JwtBearer {
        token_url: url::Url::parse(&sandbox.salesforce_url())
            .unwrap()
            .join("/services/oauth2/token")
            .unwrap(),
        client_id,
        username: "sync@acme.example".to_string(),
        audience: audience.to_string(),
        private_key_pem: throwaway_rsa_key(),
    }
}

#[tokio::test]
async fn salesforce_jwt_bearer_authenticates_and_queries_over_http() {
    let sandbox = sandbox(1, &[("Lead", 3)]).await;
    let (client_id, _) = sandbox.client_credentials();
    let mut config = salesforce_config(&sandbox, test_limits());
    config.auth = jwt_bearer_auth(&sandbox, client_id, "https://login.salesforce.com");
    let client = SalesforceClient::new(&config).unwrap();
    let (leads, _) = read_all_pages!(
        client
            .query_changed("Lead", &["Email".to_string()], None)
            .unwrap()
    );
    assert_eq!(leads.len(), 3);
    assert_eq!(client.stats().auth, 1);
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn salesforce_jwt_bearer_with_a_foreign_audience_is_an_invalid_grant() {
    let sandbox = sandbox(1, &[("Lead", 3)]).await;
    let (client_id, _) = sandbox.client_credentials();
    let mut config = salesforce_config(&sandbox, test_limits());
    config.auth = jwt_bearer_auth(&sandbox, client_id, "https://evil.example.com");
    let client = SalesforceClient::new(&config).unwrap();
    let error = client
        .query_changed("Lead", &["Email".to_string()], None)
        .unwrap()
        .next_page()
        .await
        .unwrap_err();
    match &error {
        ConnectorError::TokenRefreshFailed {
            error, description, ..
        } => {
            assert_eq!(error, "invalid_grant");
            assert_eq!(description, "audience is invalid");
        }
        other => panic!("{other:?}"),
    }
    sandbox.shutdown().await.unwrap();
}

/// Reads `{"refresh_token": "…"}` back from a refresh-token file.
fn persisted_refresh_token(path: &std::path::Path) -> String {
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    json["refresh_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn hubspot_rotated_refresh_token_is_persisted_and_the_old_one_is_refused() {
    let sandbox = sandbox(1, &[("contacts", 2)]).await;
    sandbox.set_refresh_rotation(System::Hubspot, true);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hubspot_refresh.json");
    let original = sandbox.refresh_token(System::Hubspot);
    let mut config = hubspot_oauth_config(&sandbox, test_limits(), Some(file.clone()));
    if let HubSpotAuth::OAuth(refresh) = &mut config.auth {
        refresh.access_token = None;
    }

    let first = HubSpotClient::new(&config).unwrap();
    let (contacts, _) = read_all_pages!(first.read_all("contacts", &["email".to_string()]));
    assert_eq!(contacts.len(), 2);
    let rotated = persisted_refresh_token(&file);
    assert_ne!(rotated, original);
    assert_eq!(rotated, sandbox.refresh_token(System::Hubspot));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers,
        vec![std::ffi::OsString::from("hubspot_refresh.json")]
    );

    // A new run configured with the stale token reads the persisted one first.
    let second = HubSpotClient::new(&config).unwrap();
    let (contacts, _) = read_all_pages!(second.read_all("contacts", &["email".to_string()]));
    assert_eq!(contacts.len(), 2);
    assert_eq!(second.stats().auth, 1);
    assert_ne!(persisted_refresh_token(&file), rotated);

    // Without the file, the original token has been invalidated by rotation.
    if let HubSpotAuth::OAuth(refresh) = &mut config.auth {
        refresh.refresh_token_file = None;
    }
    let stale = HubSpotClient::new(&config).unwrap();
    let error = stale
        .read_all("contacts", &["email".to_string()])
        .next_page()
        .await
        .unwrap_err();
    assert!(
        matches!(error, ConnectorError::TokenRefreshFailed { .. }),
        "{error:?}"
    );
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn salesforce_rotated_refresh_token_is_persisted_and_the_old_one_is_refused() {
    let sandbox = sandbox(1, &[("Lead", 2)]).await;
    sandbox.set_refresh_rotation(System::Salesforce, true);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("salesforce_refresh.json");
    let original = sandbox.refresh_token(System::Salesforce);
    let mut config = salesforce_oauth_config(&sandbox, test_limits());
    if let SalesforceAuth::RefreshToken(refresh) = &mut config.auth {
        refresh.access_token = None;
        refresh.refresh_token_file = Some(file.clone());
    }
    let fields = ["Email".to_string()];

    let first = SalesforceClient::new(&config).unwrap();
    let (leads, _) = read_all_pages!(first.query_changed("Lead", &fields, None).unwrap());
    assert_eq!(leads.len(), 2);
    let rotated = persisted_refresh_token(&file);
    assert_ne!(rotated, original);
    assert_eq!(rotated, sandbox.refresh_token(System::Salesforce));

    let second = SalesforceClient::new(&config).unwrap();
    let (leads, _) = read_all_pages!(second.query_changed("Lead", &fields, None).unwrap());
    assert_eq!(leads.len(), 2);
    assert_eq!(second.stats().auth, 1);

    if let SalesforceAuth::RefreshToken(refresh) = &mut config.auth {
        refresh.refresh_token_file = None;
    }
    let stale = SalesforceClient::new(&config).unwrap();
    let error = stale
        .query_changed("Lead", &fields, None)
        .unwrap()
        .next_page()
        .await
        .unwrap_err();
    match &error {
        ConnectorError::TokenRefreshFailed { error, .. } => assert_eq!(error, "invalid_grant"),
        other => panic!("{other:?}"),
    }
    sandbox.shutdown().await.unwrap();
}
