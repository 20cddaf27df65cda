//! Connection configuration: where each CRM is, how to authenticate, and the per-run limits.
//!
//! In: environment variables (`TANDEM_HUBSPOT_URL`, `TANDEM_HUBSPOT_TOKEN`,
//! `TANDEM_SALESFORCE_URL`, `TANDEM_SALESFORCE_TOKEN` and the OAuth ones, as `tandem sandbox`
//! prints them) or a named environment in `tandem.toml` whose entries *reference* variables
//! (`token_env = "HS_PROD_TOKEN"`). Out: a [`ConnectionConfig`] whose credentials are
//! [`Secret`]s. Never: accepts a literal secret from `tandem.toml` (that file lives in git),
//! or prints anything.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use url::Url;

use super::secret::Secret;
use tandem_ground::schema::System;

pub const DEFAULT_HUBSPOT_URL: &str = "https://api.hubapi.com";
pub const DEFAULT_SALESFORCE_API_VERSION: &str = "v62.0";
/// Salesforce recommends Bulk API 2.0 above about 2,000 records.
pub const DEFAULT_BULK_THRESHOLD: usize = 2_000;
/// Bytes of CSV per Bulk API 2.0 upload, under Salesforce's 150 MB limit.
pub const DEFAULT_BULK_UPLOAD_MAX_BYTES: usize = 100_000_000;

/// Everything needed to talk to both CRMs for one run.
#[derive(Debug, Clone)]
pub struct ConnectionConfig {
    /// `default` when built from `TANDEM_*` variables, else the `--env` name.
    pub environment: String,
    pub hubspot: Option<HubSpotConfig>,
    pub salesforce: Option<SalesforceConfig>,
}

impl ConnectionConfig {
    pub fn hubspot(&self) -> Result<&HubSpotConfig, ConfigError> {
        self.hubspot.as_ref().ok_or_else(|| ConfigError::NotConfigured {
            system: System::Hubspot,
            environment: self.environment.clone(),
            hint: "set TANDEM_HUBSPOT_TOKEN (and TANDEM_HUBSPOT_URL for the sandbox), or add [environments.NAME.hubspot] to tandem.toml".into(),
        })
    }

    pub fn salesforce(&self) -> Result<&SalesforceConfig, ConfigError> {
        self.salesforce.as_ref().ok_or_else(|| ConfigError::NotConfigured {
            system: System::Salesforce,
            environment: self.environment.clone(),
            hint: "set TANDEM_SALESFORCE_URL and TANDEM_SALESFORCE_TOKEN, or add [environments.NAME.salesforce] to tandem.toml".into(),
        })
    }
}

#[derive(Debug, Clone)]
pub struct HubSpotConfig {
    pub base_url: Url,
    pub auth: HubSpotAuth,
    pub limits: Limits,
}

#[derive(Debug, Clone)]
pub enum HubSpotAuth {
    /// A private-app access token (`pat-…`), sent as a bearer token; never refreshed.
    PrivateApp(Secret),
    /// OAuth 2 refresh-token flow against `/oauth/v1/token`.
    OAuth(OAuthRefresh),
}

/// An OAuth refresh-token grant. When the server rotates the refresh token, the new one is
/// written atomically to `refresh_token_file` (and read from there first on the next run).
#[derive(Debug, Clone)]
pub struct OAuthRefresh {
    pub token_url: Url,
    pub client_id: String,
    pub client_secret: Option<Secret>,
    pub refresh_token: Secret,
    pub refresh_token_file: Option<PathBuf>,
    /// A still-valid access token, if one was given; otherwise the first call refreshes.
    pub access_token: Option<Secret>,
}

#[derive(Debug, Clone)]
pub struct SalesforceConfig {
    /// The org's instance URL (`https://acme.my.salesforce.com`, or the sandbox's).
    pub instance_url: Url,
    /// Pinned REST version, `vNN.N`.
    pub api_version: String,
    pub auth: SalesforceAuth,
    pub limits: Limits,
    /// Writes of more records than this go through Bulk API 2.0 instead of sObject collections.
    pub bulk_threshold: usize,
    /// CSV bytes per Bulk API 2.0 upload (Salesforce accepts 150 MB; default 100 MB).
    pub bulk_upload_max_bytes: usize,
    /// Sent as `Sforce-Call-Options: client=<this>` on writes so our own changes can be
    /// recognised when they come back.
    pub call_options_client: String,
}

#[derive(Debug, Clone)]
pub enum SalesforceAuth {
    /// A session or access token used as is; a 401 cannot be repaired.
    AccessToken(Secret),
    RefreshToken(OAuthRefresh),
    ClientCredentials {
        token_url: Url,
        client_id: String,
        client_secret: Secret,
    },
    JwtBearer {
        token_url: Url,
        client_id: String,
        username: String,
        /// `https://login.salesforce.com` or `https://test.salesforce.com`.
        audience: String,
        /// PEM text of the RSA private key (PKCS#8 or PKCS#1).
        private_key_pem: Secret,
    },
}

/// Pacing, retry and budget settings for one system.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Hard cap on API calls (token requests excluded) for one run; `None` = no cap.
    pub max_calls_per_run: Option<u64>,
    /// Requests allowed per pacing window (HubSpot: 100 per 10 s for private apps on
    /// Free/Starter, 190 on Professional/Enterprise). `0` disables pacing.
    pub burst_per_window: u32,
    pub window: Duration,
    /// HubSpot CRM search: 5 requests per second per account.
    pub search_per_second: u32,
    /// Attempts per request including the first.
    pub max_attempts: u32,
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    pub request_timeout: Duration,
    /// How far before the saved watermark incremental reads start again, to catch late
    /// commits and search's eventual consistency. Records seen in the overlap are deduped.
    pub overlap: Duration,
}

impl Limits {
    pub fn hubspot_default() -> Self {
        Limits {
            max_calls_per_run: None,
            burst_per_window: 100,
            window: Duration::from_secs(10),
            search_per_second: 5,
            max_attempts: 6,
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            request_timeout: Duration::from_secs(60),
            overlap: Duration::from_secs(300),
        }
    }

    pub fn salesforce_default() -> Self {
        Limits {
            // Salesforce meters per 24 hours, not per burst; concurrency is what it limits.
            burst_per_window: 0,
            search_per_second: 0,
            ..Limits::hubspot_default()
        }
    }

    /// Fast settings for tests against the local sandbox: short backoff and timeouts.
    pub fn for_tests() -> Self {
        Limits {
            max_calls_per_run: None,
            burst_per_window: 0,
            window: Duration::from_secs(10),
            search_per_second: 0,
            max_attempts: 5,
            base_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(200),
            request_timeout: Duration::from_secs(5),
            overlap: Duration::from_secs(300),
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error, miette::Diagnostic)]
pub enum ConfigError {
    #[error("{system_name} is not configured for environment `{environment}`", system_name = system.display_name())]
    #[diagnostic(code(tandem::connectors::not_configured), help("{hint}"))]
    NotConfigured {
        system: System,
        environment: String,
        hint: String,
    },

    #[error("environment variable `{variable}` is not set (needed for {purpose})")]
    #[diagnostic(code(tandem::connectors::missing_variable))]
    MissingVariable { variable: String, purpose: String },

    #[error("`{value}` from {source_name} is not a valid URL: {reason}")]
    #[diagnostic(code(tandem::connectors::invalid_url))]
    InvalidUrl {
        source_name: String,
        value: String,
        reason: String,
    },

    #[error("no environment `{name}` in {path}")]
    #[diagnostic(
        code(tandem::connectors::unknown_environment),
        help("environments defined there: {available}")
    )]
    UnknownEnvironment {
        name: String,
        path: String,
        available: String,
    },

    #[error("{path}: `{key}` holds a secret literally in [environments.{environment}.{system}]")]
    #[diagnostic(
        code(tandem::connectors::literal_secret),
        help(
            "tandem.toml lives in git: name an environment variable instead, e.g. `{key}_env = \"MY_VARIABLE\"`"
        )
    )]
    LiteralSecret {
        path: String,
        environment: String,
        system: String,
        key: String,
    },

    #[error("cannot read {path}: {reason}")]
    #[diagnostic(code(tandem::connectors::unreadable_config))]
    Unreadable { path: String, reason: String },

    #[error("{path} is not valid tandem configuration: {reason}")]
    #[diagnostic(code(tandem::connectors::invalid_config))]
    Invalid { path: String, reason: String },
}

/// Looks up a variable by name; the process environment in production, a map in tests.
pub trait VariableSource {
    fn get(&self, name: &str) -> Option<String>;
}

/// The real process environment.
pub struct ProcessEnv;

impl VariableSource for ProcessEnv {
    fn get(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|value| !value.is_empty())
    }
}

impl VariableSource for BTreeMap<String, String> {
    fn get(&self, name: &str) -> Option<String> {
        BTreeMap::get(self, name)
            .cloned()
            .filter(|value| !value.is_empty())
    }
}

/// One system's section of an environment, as written in `tandem.toml`. Literal values are
/// allowed only for what is not secret (URLs, client ids, usernames, files, limits).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemSection {
    pub url: Option<String>,
    pub url_env: Option<String>,
    /// `private_app` (HubSpot) / `access_token` / `refresh_token` / `client_credentials` /
    /// `jwt_bearer`; inferred from which variables are present when absent.
    pub auth: Option<String>,
    pub token_env: Option<String>,
    pub client_id: Option<String>,
    pub client_id_env: Option<String>,
    pub client_secret_env: Option<String>,
    pub refresh_token_env: Option<String>,
    pub refresh_token_file: Option<PathBuf>,
    pub token_url: Option<String>,
    pub username: Option<String>,
    pub username_env: Option<String>,
    pub private_key_file: Option<PathBuf>,
    pub private_key_file_env: Option<String>,
    pub audience: Option<String>,
    pub api_version: Option<String>,
    pub bulk_threshold: Option<usize>,
    pub bulk_upload_max_mb: Option<usize>,
    pub max_calls_per_run: Option<u64>,
    pub burst_per_10s: Option<u32>,
    pub search_per_second: Option<u32>,
    pub overlap_seconds: Option<u64>,
    // Present only so a literal secret is reported clearly instead of as an unknown key.
    pub token: Option<toml::Value>,
    pub client_secret: Option<toml::Value>,
    pub refresh_token: Option<toml::Value>,
    pub private_key: Option<toml::Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentSection {
    pub hubspot: Option<SystemSection>,
    pub salesforce: Option<SystemSection>,
}

/// The part of `tandem.toml` connectors read. Other top-level tables belong to other modules.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TandemToml {
    #[serde(default)]
    pub environments: BTreeMap<String, EnvironmentSection>,
}

/// The section the `TANDEM_*` variables describe, used when no `--env` is given.
fn default_section(system: System) -> SystemSection {
    let prefix = match system {
        System::Hubspot => "TANDEM_HUBSPOT",
        System::Salesforce => "TANDEM_SALESFORCE",
    };
    let var = |suffix: &str| Some(format!("{prefix}_{suffix}"));
    SystemSection {
        url_env: var("URL"),
        token_env: var("TOKEN"),
        client_id_env: var("CLIENT_ID"),
        client_secret_env: var("CLIENT_SECRET"),
        refresh_token_env: var("REFRESH_TOKEN"),
        username_env: var("USERNAME"),
        private_key_file_env: var("PRIVATE_KEY_FILE"),
        ..SystemSection::default()
    }
}

/// Builds the configuration from the `TANDEM_*` variables alone.
pub fn from_variables(vars: &dyn VariableSource) -> Result<ConnectionConfig, ConfigError> {
    let mut hubspot_section = default_section(System::Hubspot);
    let mut salesforce_section = default_section(System::Salesforce);
    // Plain settings that are not secrets may also come from variables in this mode.
    for (section, prefix) in [
        (&mut hubspot_section, "TANDEM_HUBSPOT"),
        (&mut salesforce_section, "TANDEM_SALESFORCE"),
    ] {
        section.auth = vars.get(&format!("{prefix}_AUTH_FLOW"));
        section.token_url = vars.get(&format!("{prefix}_TOKEN_URL"));
        section.audience = vars.get(&format!("{prefix}_AUDIENCE"));
        section.api_version = vars.get(&format!("{prefix}_API_VERSION"));
        section.refresh_token_file = vars
            .get(&format!("{prefix}_REFRESH_TOKEN_FILE"))
            .map(PathBuf::from);
        section.max_calls_per_run = parse_number(vars, &format!("{prefix}_MAX_CALLS"))?;
        section.bulk_threshold = parse_number(vars, &format!("{prefix}_BULK_THRESHOLD"))?;
    }
    let hubspot_present = vars.get("TANDEM_HUBSPOT_TOKEN").is_some()
        || vars.get("TANDEM_HUBSPOT_REFRESH_TOKEN").is_some();
    let salesforce_present = vars.get("TANDEM_SALESFORCE_URL").is_some();
    let origin = "environment variables";
    Ok(ConnectionConfig {
        environment: "default".to_string(),
        hubspot: if hubspot_present {
            Some(resolve_hubspot(&hubspot_section, vars, origin, "default")?)
        } else {
            None
        },
        salesforce: if salesforce_present {
            Some(resolve_salesforce(
                &salesforce_section,
                vars,
                origin,
                "default",
            )?)
        } else {
            None
        },
    })
}

/// Builds the configuration of environment `name` from the text of `tandem.toml`.
pub fn from_toml(
    toml_text: &str,
    path: &Path,
    name: &str,
    vars: &dyn VariableSource,
) -> Result<ConnectionConfig, ConfigError> {
    let path_text = path.display().to_string();
    let parsed: TandemToml = toml::from_str(toml_text).map_err(|error| ConfigError::Invalid {
        path: path_text.clone(),
        reason: error.message().to_string(),
    })?;
    let Some(section) = parsed.environments.get(name) else {
        let available: Vec<&str> = parsed.environments.keys().map(String::as_str).collect();
        return Err(ConfigError::UnknownEnvironment {
            name: name.to_string(),
            path: path_text,
            available: if available.is_empty() {
                "none".to_string()
            } else {
                available.join(", ")
            },
        });
    };
    for (system, sub) in [
        ("hubspot", &section.hubspot),
        ("salesforce", &section.salesforce),
    ] {
        if let Some(sub) = sub {
            reject_literal_secrets(sub, &path_text, name, system)?;
        }
    }
    Ok(ConnectionConfig {
        environment: name.to_string(),
        hubspot: section
            .hubspot
            .as_ref()
            .map(|sub| resolve_hubspot(sub, vars, &path_text, name))
            .transpose()?,
        salesforce: section
            .salesforce
            .as_ref()
            .map(|sub| resolve_salesforce(sub, vars, &path_text, name))
            .transpose()?,
    })
}

/// `--env NAME` reads `tandem.toml` in `project_dir`; no name means the `TANDEM_*` variables.
pub fn load(
    project_dir: &Path,
    env_name: Option<&str>,
    vars: &dyn VariableSource,
) -> Result<ConnectionConfig, ConfigError> {
    let Some(name) = env_name else {
        return from_variables(vars);
    };
    let path = project_dir.join("tandem.toml");
    let text = std::fs::read_to_string(&path).map_err(|error| ConfigError::Unreadable {
        path: path.display().to_string(),
        reason: error.to_string(),
    })?;
    from_toml(&text, &path, name, vars)
}

fn reject_literal_secrets(
    section: &SystemSection,
    path: &str,
    environment: &str,
    system: &str,
) -> Result<(), ConfigError> {
    let literal = [
        ("token", section.token.is_some()),
        ("client_secret", section.client_secret.is_some()),
        ("refresh_token", section.refresh_token.is_some()),
        ("private_key", section.private_key.is_some()),
    ];
    match literal.iter().find(|(_, present)| *present) {
        Some((key, _)) => Err(ConfigError::LiteralSecret {
            path: path.to_string(),
            environment: environment.to_string(),
            system: system.to_string(),
            key: key.to_string(),
        }),
        None => Ok(()),
    }
}

fn parse_number<T: std::str::FromStr>(
    vars: &dyn VariableSource,
    name: &str,
) -> Result<Option<T>, ConfigError> {
    match vars.get(name) {
        None => Ok(None),
        Some(text) => text
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| ConfigError::Invalid {
                path: format!("variable {name}"),
                reason: format!("`{text}` is not a number"),
            }),
    }
}

/// Reads an optional variable named by `key_env`; `None` when no name or no value.
fn optional_var(vars: &dyn VariableSource, name: &Option<String>) -> Option<String> {
    name.as_ref().and_then(|name| vars.get(name))
}

fn required_var(
    vars: &dyn VariableSource,
    name: &Option<String>,
    purpose: &str,
) -> Result<String, ConfigError> {
    match name {
        None => Err(ConfigError::MissingVariable {
            variable: format!("<{purpose} variable name>"),
            purpose: format!("{purpose} (add `{purpose}_env = \"VARIABLE\"`)"),
        }),
        Some(name) => vars.get(name).ok_or_else(|| ConfigError::MissingVariable {
            variable: name.clone(),
            purpose: purpose.to_string(),
        }),
    }
}

fn parse_url(value: &str, source_name: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(value.trim()).map_err(|error| ConfigError::InvalidUrl {
        source_name: source_name.to_string(),
        value: value.to_string(),
        reason: error.to_string(),
    })?;
    if url.cannot_be_a_base() || !matches!(url.scheme(), "http" | "https") {
        return Err(ConfigError::InvalidUrl {
            source_name: source_name.to_string(),
            value: value.to_string(),
            reason: "expected an http(s) URL".to_string(),
        });
    }
    Ok(url)
}

fn section_url(
    section: &SystemSection,
    vars: &dyn VariableSource,
    origin: &str,
) -> Result<Option<Url>, ConfigError> {
    if let Some(name) = &section.url_env
        && let Some(value) = vars.get(name)
    {
        return parse_url(&value, &format!("variable {name}")).map(Some);
    }
    match &section.url {
        Some(value) => parse_url(value, origin).map(Some),
        None => Ok(None),
    }
}

fn apply_limit_overrides(limits: &mut Limits, section: &SystemSection) {
    if let Some(cap) = section.max_calls_per_run {
        limits.max_calls_per_run = Some(cap);
    }
    if let Some(burst) = section.burst_per_10s {
        limits.burst_per_window = burst;
    }
    if let Some(per_second) = section.search_per_second {
        limits.search_per_second = per_second;
    }
    if let Some(seconds) = section.overlap_seconds {
        limits.overlap = Duration::from_secs(seconds);
    }
}

fn client_id(section: &SystemSection, vars: &dyn VariableSource) -> Option<String> {
    section
        .client_id
        .clone()
        .or_else(|| optional_var(vars, &section.client_id_env))
}

fn resolve_hubspot(
    section: &SystemSection,
    vars: &dyn VariableSource,
    origin: &str,
    environment: &str,
) -> Result<HubSpotConfig, ConfigError> {
    let base_url = match section_url(section, vars, origin)? {
        Some(url) => url,
        None => parse_url(DEFAULT_HUBSPOT_URL, "the default")?,
    };
    let flow = section.auth.clone().unwrap_or_else(|| {
        if optional_var(vars, &section.refresh_token_env).is_some() {
            "refresh_token".to_string()
        } else {
            "private_app".to_string()
        }
    });
    let auth = match flow.as_str() {
        "private_app" | "access_token" => HubSpotAuth::PrivateApp(Secret::new(required_var(
            vars,
            &section.token_env,
            "token",
        )?)),
        "refresh_token" | "oauth" => {
            let token_url = match &section.token_url {
                Some(url) => parse_url(url, origin)?,
                None => join(&base_url, "oauth/v1/token", origin)?,
            };
            HubSpotAuth::OAuth(oauth_refresh(section, vars, token_url)?)
        }
        other => {
            return Err(ConfigError::Invalid {
                path: origin.to_string(),
                reason: format!(
                    "[environments.{environment}.hubspot] auth `{other}` is not one of private_app, refresh_token"
                ),
            });
        }
    };
    let mut limits = Limits::hubspot_default();
    apply_limit_overrides(&mut limits, section);
    Ok(HubSpotConfig {
        base_url,
        auth,
        limits,
    })
}

fn oauth_refresh(
    section: &SystemSection,
    vars: &dyn VariableSource,
    token_url: Url,
) -> Result<OAuthRefresh, ConfigError> {
    Ok(OAuthRefresh {
        token_url,
        client_id: client_id(section, vars).ok_or_else(|| ConfigError::MissingVariable {
            variable: section
                .client_id_env
                .clone()
                .unwrap_or_else(|| "client_id".to_string()),
            purpose: "the OAuth client id".to_string(),
        })?,
        client_secret: optional_var(vars, &section.client_secret_env).map(Secret::new),
        refresh_token: Secret::new(required_var(
            vars,
            &section.refresh_token_env,
            "refresh_token",
        )?),
        refresh_token_file: section.refresh_token_file.clone(),
        access_token: optional_var(vars, &section.token_env).map(Secret::new),
    })
}

fn join(base: &Url, path: &str, origin: &str) -> Result<Url, ConfigError> {
    let mut text = base.as_str().trim_end_matches('/').to_string();
    text.push('/');
    text.push_str(path);
    parse_url(&text, origin)
}

fn resolve_salesforce(
    section: &SystemSection,
    vars: &dyn VariableSource,
    origin: &str,
    environment: &str,
) -> Result<SalesforceConfig, ConfigError> {
    let instance_url =
        section_url(section, vars, origin)?.ok_or_else(|| ConfigError::MissingVariable {
            variable: section
                .url_env
                .clone()
                .unwrap_or_else(|| "TANDEM_SALESFORCE_URL".to_string()),
            purpose: "the Salesforce instance URL".to_string(),
        })?;
    let token_url = match &section.token_url {
        Some(url) => parse_url(url, origin)?,
        None => join(&instance_url, "services/oauth2/token", origin)?,
    };
    let flow = section.auth.clone().unwrap_or_else(|| {
        if optional_var(vars, &section.refresh_token_env).is_some() {
            "refresh_token".to_string()
        } else if section.private_key_file.is_some()
            || optional_var(vars, &section.private_key_file_env).is_some()
        {
            "jwt_bearer".to_string()
        } else if optional_var(vars, &section.token_env).is_none()
            && optional_var(vars, &section.client_secret_env).is_some()
        {
            "client_credentials".to_string()
        } else {
            "access_token".to_string()
        }
    });
    let auth = match flow.as_str() {
        "access_token" => SalesforceAuth::AccessToken(Secret::new(required_var(
            vars,
            &section.token_env,
            "token",
        )?)),
        "refresh_token" => SalesforceAuth::RefreshToken(oauth_refresh(section, vars, token_url)?),
        "client_credentials" => SalesforceAuth::ClientCredentials {
            token_url,
            client_id: client_id(section, vars).ok_or_else(|| ConfigError::MissingVariable {
                variable: section
                    .client_id_env
                    .clone()
                    .unwrap_or_else(|| "client_id".into()),
                purpose: "the connected app's consumer key".into(),
            })?,
            client_secret: Secret::new(required_var(
                vars,
                &section.client_secret_env,
                "client_secret",
            )?),
        },
        "jwt_bearer" => {
            let key_path = section
                .private_key_file
                .clone()
                .or_else(|| optional_var(vars, &section.private_key_file_env).map(PathBuf::from))
                .ok_or_else(|| ConfigError::MissingVariable {
                    variable: section
                        .private_key_file_env
                        .clone()
                        .unwrap_or_else(|| "private_key_file".into()),
                    purpose: "the JWT bearer private key file".into(),
                })?;
            let pem =
                std::fs::read_to_string(&key_path).map_err(|error| ConfigError::Unreadable {
                    path: key_path.display().to_string(),
                    reason: error.to_string(),
                })?;
            SalesforceAuth::JwtBearer {
                token_url,
                client_id: client_id(section, vars).ok_or_else(|| {
                    ConfigError::MissingVariable {
                        variable: section
                            .client_id_env
                            .clone()
                            .unwrap_or_else(|| "client_id".into()),
                        purpose: "the connected app's consumer key".into(),
                    }
                })?,
                username: section
                    .username
                    .clone()
                    .or_else(|| optional_var(vars, &section.username_env))
                    .ok_or_else(|| ConfigError::MissingVariable {
                        variable: section
                            .username_env
                            .clone()
                            .unwrap_or_else(|| "username".into()),
                        purpose: "the Salesforce username for the JWT bearer flow".into(),
                    })?,
                audience: section
                    .audience
                    .clone()
                    .unwrap_or_else(|| "https://login.salesforce.com".to_string()),
                private_key_pem: Secret::new(pem),
            }
        }
        other => {
            return Err(ConfigError::Invalid {
                path: origin.to_string(),
                reason: format!(
                    "[environments.{environment}.salesforce] auth `{other}` is not one of access_token, refresh_token, client_credentials, jwt_bearer"
                ),
            });
        }
    };
    let mut limits = Limits::salesforce_default();
    apply_limit_overrides(&mut limits, section);
    let api_version = section
        .api_version
        .clone()
        .unwrap_or_else(|| DEFAULT_SALESFORCE_API_VERSION.to_string());
    if !is_api_version(&api_version) {
        return Err(ConfigError::Invalid {
            path: origin.to_string(),
            reason: format!("api_version `{api_version}` is not of the form v62.0"),
        });
    }
    Ok(SalesforceConfig {
        instance_url,
        api_version,
        auth,
        limits,
        bulk_threshold: section.bulk_threshold.unwrap_or(DEFAULT_BULK_THRESHOLD),
        bulk_upload_max_bytes: section
            .bulk_upload_max_mb
            .map_or(DEFAULT_BULK_UPLOAD_MAX_BYTES, |mb| {
                mb.saturating_mul(1_000_000)
            }),
        call_options_client: "tandem".to_string(),
    })
}

fn is_api_version(text: &str) -> bool {
    let Some(rest) = text.strip_prefix('v') else {
        return false;
    };
    let mut parts = rest.split('.');
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some(major), Some(minor), None)
            if !major.is_empty() && !minor.is_empty()
                && major.chars().all(|c| c.is_ascii_digit())
                && minor.chars().all(|c| c.is_ascii_digit())
    )
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
