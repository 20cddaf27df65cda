//! Shared setup for connector tests: a sandbox on loopback and clients configured for it.
//! Every connector test goes over real HTTP to `tandem::sandbox`; there are no mocks.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::time::Duration;

use tandem::connectors::config::{
    HubSpotAuth, HubSpotConfig, Limits, OAuthRefresh, SalesforceAuth, SalesforceConfig,
};
use tandem::connectors::{HubSpotClient, SalesforceClient, Secret};
use tandem::sandbox::{LimitSettings, Sandbox, SandboxConfig, SandboxHandle};
use tandem::schema::System;
use url::Url;

/// A sandbox with `counts` records of the named objects (others get `default_count`), and
/// limits loose enough that pacing never interferes unless a test asks for it.
pub async fn sandbox(default_count: usize, counts: &[(&str, usize)]) -> SandboxHandle {
    let config = SandboxConfig {
        seed: 11,
        records_per_object: default_count,
        record_counts: counts
            .iter()
            .map(|(o, n)| (o.to_string(), *n))
            .collect::<BTreeMap<_, _>>(),
        hubspot_limits: LimitSettings {
            burst_max: 100_000,
            search_per_second: 10_000,
            daily_max: 10_000_000,
        },
        salesforce_limits: LimitSettings {
            burst_max: u32::MAX,
            search_per_second: u32::MAX,
            daily_max: 10_000_000,
        },
        ..SandboxConfig::default()
    };
    Sandbox::start(config).await.expect("sandbox starts")
}

pub fn test_limits() -> Limits {
    Limits::for_tests()
}

pub fn hubspot_config(sandbox: &SandboxHandle, limits: Limits) -> HubSpotConfig {
    HubSpotConfig {
        base_url: Url::parse(&sandbox.hubspot_url()).unwrap(),
        auth: HubSpotAuth::PrivateApp(Secret::new(sandbox.hubspot_token())),
        limits,
    }
}

pub fn hubspot_oauth_config(
    sandbox: &SandboxHandle,
    limits: Limits,
    refresh_file: Option<std::path::PathBuf>,
) -> HubSpotConfig {
    let base = Url::parse(&sandbox.hubspot_url()).unwrap();
    let (client_id, client_secret) = sandbox.client_credentials();
    HubSpotConfig {
        auth: HubSpotAuth::OAuth(OAuthRefresh {
            token_url: base.join("/oauth/v1/token").unwrap(),
            client_id,
            client_secret: Some(Secret::new(client_secret)),
            refresh_token: Secret::new(sandbox.refresh_token(System::Hubspot)),
            refresh_token_file: refresh_file,
            access_token: Some(Secret::new(sandbox.hubspot_token())),
        }),
        base_url: base,
        limits,
    }
}

pub fn hubspot(sandbox: &SandboxHandle) -> HubSpotClient {
    HubSpotClient::new(&hubspot_config(sandbox, test_limits())).unwrap()
}

pub fn salesforce_config(sandbox: &SandboxHandle, limits: Limits) -> SalesforceConfig {
    SalesforceConfig {
        instance_url: Url::parse(&sandbox.salesforce_url()).unwrap(),
        api_version: tandem::connectors::config::DEFAULT_SALESFORCE_API_VERSION.to_string(),
        auth: SalesforceAuth::AccessToken(Secret::new(sandbox.salesforce_token())),
        limits,
        bulk_threshold: tandem::connectors::config::DEFAULT_BULK_THRESHOLD,
        bulk_upload_max_bytes: tandem::connectors::config::DEFAULT_BULK_UPLOAD_MAX_BYTES,
        call_options_client: "tandem".to_string(),
    }
}

pub fn salesforce_oauth_config(sandbox: &SandboxHandle, limits: Limits) -> SalesforceConfig {
    let base = Url::parse(&sandbox.salesforce_url()).unwrap();
    let (client_id, client_secret) = sandbox.client_credentials();
    SalesforceConfig {
        auth: SalesforceAuth::RefreshToken(OAuthRefresh {
            token_url: base.join("/services/oauth2/token").unwrap(),
            client_id,
            client_secret: Some(Secret::new(client_secret)),
            refresh_token: Secret::new(sandbox.refresh_token(System::Salesforce)),
            refresh_token_file: None,
            access_token: Some(Secret::new(sandbox.salesforce_token())),
        }),
        ..salesforce_config(sandbox, limits)
    }
}

pub fn salesforce(sandbox: &SandboxHandle) -> SalesforceClient {
    SalesforceClient::new(&salesforce_config(sandbox, test_limits())).unwrap()
}

/// Drains a reader into one vector (tests only; the engine consumes page by page).
#[macro_export]
macro_rules! read_all_pages {
    ($reader:expr) => {{
        let mut reader = $reader;
        let mut all = Vec::new();
        while let Some(page) = reader.next_page().await.expect("page") {
            all.extend(page);
        }
        (all, reader.watermark())
    }};
}

pub fn props(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub fn fields(pairs: &[(&str, serde_json::Value)]) -> BTreeMap<String, serde_json::Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

pub const SHORT: Duration = Duration::from_millis(50);
