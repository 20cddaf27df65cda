use super::*;

fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn sandbox_variables_configure_both_systems_with_static_tokens() {
    let config = from_variables(&vars(&[
        ("TANDEM_HUBSPOT_URL", "http://127.0.0.1:4001"),
        ("TANDEM_HUBSPOT_TOKEN", "pat-sandbox"),
        ("TANDEM_SALESFORCE_URL", "http://127.0.0.1:4002"),
        ("TANDEM_SALESFORCE_TOKEN", "00Dsandbox!token"),
    ]))
    .unwrap();
    let hubspot = config.hubspot().unwrap();
    assert_eq!(hubspot.base_url.as_str(), "http://127.0.0.1:4001/");
    assert!(
        matches!(&hubspot.auth, HubSpotAuth::PrivateApp(token) if token.expose() == "pat-sandbox")
    );
    let salesforce = config.salesforce().unwrap();
    assert_eq!(salesforce.api_version, DEFAULT_SALESFORCE_API_VERSION);
    assert_eq!(salesforce.bulk_threshold, DEFAULT_BULK_THRESHOLD);
    assert!(matches!(&salesforce.auth, SalesforceAuth::AccessToken(_)));
    // The whole config can be debug-printed without leaking a token.
    let printed = format!("{config:?}");
    assert!(
        !printed.contains("pat-sandbox") && !printed.contains("00Dsandbox"),
        "{printed}"
    );
}

#[test]
fn hubspot_defaults_to_the_public_api_and_refresh_flow_when_a_refresh_token_is_set() {
    let config = from_variables(&vars(&[
        ("TANDEM_HUBSPOT_CLIENT_ID", "client"),
        ("TANDEM_HUBSPOT_CLIENT_SECRET", "shh"),
        ("TANDEM_HUBSPOT_REFRESH_TOKEN", "rt"),
    ]))
    .unwrap();
    let hubspot = config.hubspot().unwrap();
    assert_eq!(hubspot.base_url.as_str(), "https://api.hubapi.com/");
    match &hubspot.auth {
        HubSpotAuth::OAuth(refresh) => {
            assert_eq!(
                refresh.token_url.as_str(),
                "https://api.hubapi.com/oauth/v1/token"
            );
            assert_eq!(refresh.client_id, "client");
        }
        other => panic!("expected OAuth, got {other:?}"),
    }
    assert!(config.salesforce().is_err());
}

#[test]
fn named_environment_reads_variables_it_references() {
    let toml = r#"
[environments.production.hubspot]
token_env = "HS_PROD"
max_calls_per_run = 5000
burst_per_10s = 190

[environments.production.salesforce]
url = "https://acme.my.salesforce.com"
auth = "client_credentials"
client_id = "3MVG9"
client_secret_env = "SF_SECRET"
bulk_threshold = 5000
"#;
    let config = from_toml(
        toml,
        Path::new("tandem.toml"),
        "production",
        &vars(&[("HS_PROD", "pat-prod"), ("SF_SECRET", "s3cret")]),
    )
    .unwrap();
    let hubspot = config.hubspot().unwrap();
    assert_eq!(hubspot.limits.max_calls_per_run, Some(5000));
    assert_eq!(hubspot.limits.burst_per_window, 190);
    let salesforce = config.salesforce().unwrap();
    assert_eq!(salesforce.bulk_threshold, 5000);
    match &salesforce.auth {
        SalesforceAuth::ClientCredentials {
            token_url,
            client_id,
            ..
        } => {
            assert_eq!(
                token_url.as_str(),
                "https://acme.my.salesforce.com/services/oauth2/token"
            );
            assert_eq!(client_id, "3MVG9");
        }
        other => panic!("expected client credentials, got {other:?}"),
    }
}

#[test]
fn a_literal_secret_in_tandem_toml_is_refused() {
    let toml = "[environments.prod.hubspot]\ntoken = \"pat-na1-leaked\"\n";
    let error = from_toml(toml, Path::new("tandem.toml"), "prod", &vars(&[])).unwrap_err();
    assert!(matches!(&error, ConfigError::LiteralSecret { key, .. } if key == "token"));
    assert!(!error.to_string().contains("pat-na1-leaked"));
}

#[test]
fn unknown_environment_lists_the_defined_ones() {
    let toml = "[environments.sandbox.hubspot]\ntoken_env = \"X\"\n[environments.staging.hubspot]\ntoken_env = \"Y\"\n";
    let error = from_toml(toml, Path::new("tandem.toml"), "prod", &vars(&[])).unwrap_err();
    assert_eq!(
        error,
        ConfigError::UnknownEnvironment {
            name: "prod".into(),
            path: "tandem.toml".into(),
            available: "sandbox, staging".into()
        }
    );
}

#[test]
fn a_missing_referenced_variable_is_named() {
    let toml = "[environments.prod.hubspot]\ntoken_env = \"HS_PROD\"\n";
    let error = from_toml(toml, Path::new("tandem.toml"), "prod", &vars(&[])).unwrap_err();
    assert!(
        matches!(&error, ConfigError::MissingVariable { variable, .. } if variable == "HS_PROD")
    );
}

#[test]
fn bad_urls_and_api_versions_are_reported() {
    let error = from_variables(&vars(&[
        ("TANDEM_SALESFORCE_URL", "not a url"),
        ("TANDEM_SALESFORCE_TOKEN", "t"),
    ]))
    .unwrap_err();
    assert!(matches!(error, ConfigError::InvalidUrl { .. }));
    let error = from_variables(&vars(&[
        ("TANDEM_SALESFORCE_URL", "https://x.my.salesforce.com"),
        ("TANDEM_SALESFORCE_TOKEN", "t"),
        ("TANDEM_SALESFORCE_API_VERSION", "62"),
    ]))
    .unwrap_err();
    assert!(matches!(error, ConfigError::Invalid { .. }));
}

#[test]
fn unknown_keys_in_an_environment_are_errors() {
    let toml = "[environments.prod.hubspot]\ntokn_env = \"X\"\n";
    let error = from_toml(toml, Path::new("tandem.toml"), "prod", &vars(&[])).unwrap_err();
    assert!(
        matches!(&error, ConfigError::Invalid { reason, .. } if reason.contains("tokn_env")),
        "{error:?}"
    );
}
