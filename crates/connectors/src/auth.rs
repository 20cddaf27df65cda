//! Access tokens: static ones, OAuth refresh, Salesforce client credentials and JWT bearer.
//!
//! In: the configured grant. Out: a current access token (a [`Secret`]) and, for Salesforce,
//! the instance URL the token endpoint named. A 401 triggers exactly one refresh per token
//! generation (concurrent callers share it). A rotated refresh token is written atomically
//! (temp file, fsync, rename, mode 0600) to the configured file, which wins over the variable
//! on the next run because the variable's token has been invalidated by the rotation.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use tokio::sync::Mutex;
use tokio::time::Instant;
use url::Url;

use super::config::{HubSpotAuth, OAuthRefresh, SalesforceAuth};
use super::error::ConnectorError;
use super::secret::Secret;
use tandem_ground::schema::System;

/// How a client gets its bearer token.
#[derive(Debug, Clone)]
pub enum Grant {
    Static(Secret),
    Refresh(OAuthRefresh),
    ClientCredentials {
        token_url: Url,
        client_id: String,
        client_secret: Secret,
    },
    JwtBearer {
        token_url: Url,
        client_id: String,
        username: String,
        audience: String,
        private_key_pem: Secret,
    },
}

impl From<&HubSpotAuth> for Grant {
    fn from(auth: &HubSpotAuth) -> Self {
        match auth {
            HubSpotAuth::PrivateApp(token) => Grant::Static(token.clone()),
            HubSpotAuth::OAuth(refresh) => Grant::Refresh(refresh.clone()),
        }
    }
}

impl From<&SalesforceAuth> for Grant {
    fn from(auth: &SalesforceAuth) -> Self {
        match auth {
            SalesforceAuth::AccessToken(token) => Grant::Static(token.clone()),
            SalesforceAuth::RefreshToken(refresh) => Grant::Refresh(refresh.clone()),
            SalesforceAuth::ClientCredentials {
                token_url,
                client_id,
                client_secret,
            } => Grant::ClientCredentials {
                token_url: token_url.clone(),
                client_id: client_id.clone(),
                client_secret: client_secret.clone(),
            },
            SalesforceAuth::JwtBearer {
                token_url,
                client_id,
                username,
                audience,
                private_key_pem,
            } => Grant::JwtBearer {
                token_url: token_url.clone(),
                client_id: client_id.clone(),
                username: username.clone(),
                audience: audience.clone(),
                private_key_pem: private_key_pem.clone(),
            },
        }
    }
}

/// A token as handed to a request, with the generation it belongs to.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub access: Secret,
    pub generation: u64,
}

#[derive(Debug, Default)]
struct TokenState {
    access: Option<Secret>,
    expires_at: Option<Instant>,
    refresh_token: Option<Secret>,
    instance_url: Option<Url>,
    generation: u64,
}

#[derive(Debug, Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    instance_url: Option<String>,
}

#[derive(Debug)]
pub struct TokenSource {
    system: System,
    grant: Grant,
    state: Mutex<TokenState>,
}

/// Refresh this long before HubSpot's `expires_in` runs out (HubSpot asks clients to refresh
/// from the stored expiry rather than waiting for a 401).
const EXPIRY_MARGIN: Duration = Duration::from_secs(60);

impl TokenSource {
    pub fn new(system: System, grant: Grant) -> Self {
        let mut state = TokenState::default();
        match &grant {
            Grant::Static(token) => state.access = Some(token.clone()),
            Grant::Refresh(refresh) => {
                state.access = refresh.access_token.clone();
                let persisted = refresh
                    .refresh_token_file
                    .as_deref()
                    .and_then(read_persisted_refresh_token);
                state.refresh_token =
                    Some(persisted.unwrap_or_else(|| refresh.refresh_token.clone()));
            }
            Grant::ClientCredentials { .. } | Grant::JwtBearer { .. } => {}
        }
        TokenSource {
            system,
            grant,
            state: Mutex::new(state),
        }
    }

    pub fn can_refresh(&self) -> bool {
        !matches!(self.grant, Grant::Static(_))
    }

    /// Every secret this source knows, for scrubbing text before it becomes an error message.
    pub async fn known_secrets(&self) -> Vec<Secret> {
        let state = self.state.lock().await;
        let mut secrets: Vec<Secret> = state
            .access
            .iter()
            .chain(state.refresh_token.iter())
            .cloned()
            .collect();
        match &self.grant {
            Grant::Static(token) => secrets.push(token.clone()),
            Grant::Refresh(refresh) => {
                secrets.push(refresh.refresh_token.clone());
                secrets.extend(refresh.client_secret.clone());
            }
            Grant::ClientCredentials { client_secret, .. } => secrets.push(client_secret.clone()),
            Grant::JwtBearer { .. } => {}
        }
        secrets
    }

    /// The instance URL the last token response named (Salesforce), if any.
    pub async fn instance_url(&self) -> Option<Url> {
        self.state.lock().await.instance_url.clone()
    }

    /// A usable access token, fetching one first when there is none or it is about to expire.
    /// Returns the number of token requests made (0 or 1) for call accounting.
    pub async fn current(
        &self,
        http: &reqwest::Client,
    ) -> Result<(IssuedToken, u32), ConnectorError> {
        let mut state = self.state.lock().await;
        let expired = state
            .expires_at
            .is_some_and(|at| Instant::now() + EXPIRY_MARGIN >= at);
        let mut requests = 0;
        if (state.access.is_none() || expired) && self.can_refresh() {
            self.fetch(http, &mut state).await?;
            requests = 1;
        }
        match &state.access {
            Some(access) => Ok((
                IssuedToken {
                    access: access.clone(),
                    generation: state.generation,
                },
                requests,
            )),
            None => Err(ConnectorError::Unauthorized {
                system: self.system,
                message: "no access token configured".to_string(),
            }),
        }
    }

    /// Called after a 401 on a request sent with generation `seen`. Refreshes unless another
    /// caller already did; returns the number of token requests made.
    pub async fn refresh_after_unauthorized(
        &self,
        http: &reqwest::Client,
        seen: u64,
    ) -> Result<u32, ConnectorError> {
        let mut state = self.state.lock().await;
        if state.generation != seen {
            return Ok(0);
        }
        self.fetch(http, &mut state).await?;
        Ok(1)
    }

    async fn fetch(
        &self,
        http: &reqwest::Client,
        state: &mut TokenState,
    ) -> Result<(), ConnectorError> {
        let (token_url, form) = self.token_request(state)?;
        let failed = |status: Option<u16>, error: String, description: String| {
            ConnectorError::TokenRefreshFailed {
                system: self.system,
                status,
                error,
                description,
            }
        };
        let response = http
            .post(token_url.clone())
            .form(&form)
            .send()
            .await
            .map_err(|error| failed(None, "transport".into(), error.without_url().to_string()))?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(|error| {
            failed(
                Some(status),
                "transport".into(),
                error.without_url().to_string(),
            )
        })?;
        if !(200..300).contains(&status) {
            let (error, description) = describe_token_error(&body);
            // The body may echo what we sent; scrub every credential we hold.
            let mut description = description;
            for (_, value) in &form {
                if value.len() >= 8 {
                    description = description.replace(value.as_str(), super::secret::REDACTED);
                }
            }
            return Err(failed(Some(status), error, description));
        }
        let parsed: TokenResponse = serde_json::from_slice(&body).map_err(|error| {
            failed(
                Some(status),
                "unreadable_response".into(),
                error.to_string(),
            )
        })?;
        state.access = Some(Secret::new(parsed.access_token));
        state.expires_at = parsed
            .expires_in
            .map(|seconds| Instant::now() + Duration::from_secs(seconds));
        if let Some(url) = parsed
            .instance_url
            .as_deref()
            .and_then(|url| Url::parse(url).ok())
        {
            state.instance_url = Some(url);
        }
        if let Some(rotated) = parsed.refresh_token.filter(|token| !token.is_empty()) {
            let rotated = Secret::new(rotated);
            let changed = state.refresh_token.as_ref() != Some(&rotated);
            if changed
                && let Grant::Refresh(refresh) = &self.grant
                && let Some(path) = &refresh.refresh_token_file
            {
                persist_refresh_token(path, &rotated).map_err(|error| {
                    failed(
                        Some(status),
                        "refresh_token_not_persisted".into(),
                        format!("{}: {error}", path.display()),
                    )
                })?;
            }
            state.refresh_token = Some(rotated);
        }
        state.generation += 1;
        Ok(())
    }

    fn token_request(
        &self,
        state: &TokenState,
    ) -> Result<(Url, Vec<(String, String)>), ConnectorError> {
        let pair = |key: &str, value: &str| (key.to_string(), value.to_string());
        match &self.grant {
            Grant::Static(_) => Err(ConnectorError::Unauthorized {
                system: self.system,
                message: "the static access token was rejected and cannot be refreshed".into(),
            }),
            Grant::Refresh(refresh) => {
                let token = state
                    .refresh_token
                    .as_ref()
                    .unwrap_or(&refresh.refresh_token);
                let mut form = vec![
                    pair("grant_type", "refresh_token"),
                    pair("client_id", &refresh.client_id),
                    pair("refresh_token", token.expose()),
                ];
                if let Some(secret) = &refresh.client_secret {
                    form.push(pair("client_secret", secret.expose()));
                }
                Ok((refresh.token_url.clone(), form))
            }
            Grant::ClientCredentials {
                token_url,
                client_id,
                client_secret,
            } => Ok((
                token_url.clone(),
                vec![
                    pair("grant_type", "client_credentials"),
                    pair("client_id", client_id),
                    pair("client_secret", client_secret.expose()),
                ],
            )),
            Grant::JwtBearer {
                token_url,
                client_id,
                username,
                audience,
                private_key_pem,
            } => {
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|elapsed| elapsed.as_secs())
                    .unwrap_or(0);
                let assertion =
                    jwt_bearer_assertion(client_id, username, audience, now + 180, private_key_pem)
                        .map_err(|reason| ConnectorError::TokenRefreshFailed {
                            system: self.system,
                            status: None,
                            error: "invalid_private_key".into(),
                            description: reason,
                        })?;
                Ok((
                    token_url.clone(),
                    vec![
                        pair("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                        pair("assertion", &assertion),
                    ],
                ))
            }
        }
    }
}

/// `(error, description)` from an OAuth error body: Salesforce and RFC 6749 use
/// `error`/`error_description`; HubSpot uses `status`/`message`.
fn describe_token_error(body: &[u8]) -> (String, String) {
    let json: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let text = |key: &str| json.get(key).and_then(|v| v.as_str()).map(str::to_string);
    let error = text("error")
        .or_else(|| text("status"))
        .unwrap_or_else(|| "error".into());
    let description = text("error_description")
        .or_else(|| text("message"))
        .unwrap_or_else(|| String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned());
    (error, description)
}

fn read_persisted_refresh_token(path: &Path) -> Option<Secret> {
    let text = std::fs::read_to_string(path).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json.get("refresh_token")?
        .as_str()
        .filter(|token| !token.is_empty())
        .map(Secret::new)
}

/// Writes `{"refresh_token": "…"}` to `path` atomically: a crash leaves the old file or the
/// new one, never a torn one.
pub fn persist_refresh_token(path: &Path, token: &Secret) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&dir)?;
    let file_name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "refresh_token".into());
    let temp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let body = serde_json::json!({ "refresh_token": token.expose() }).to_string();
    {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&temp)?;
        file.write_all(body.as_bytes())?;
        file.sync_all()?;
    }
    std::fs::rename(&temp, path)?;
    if let Ok(directory) = std::fs::File::open(&dir) {
        let _ = directory.sync_all();
    }
    Ok(())
}

/// An RS256-signed JWT for Salesforce's JWT bearer flow (`iss` = consumer key, `sub` =
/// username, `aud` = login URL, `exp` = seconds since the epoch).
pub fn jwt_bearer_assertion(
    client_id: &str,
    username: &str,
    audience: &str,
    expires_at: u64,
    private_key_pem: &Secret,
) -> Result<String, String> {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256"}"#);
    let claims =
        serde_json::json!({"iss": client_id, "sub": username, "aud": audience, "exp": expires_at});
    let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signing_input = format!("{header}.{claims}");
    let key = rsa_key_from_pem(private_key_pem.expose())?;
    let mut signature = vec![0; key.public().modulus_len()];
    key.sign(
        &ring::signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        signing_input.as_bytes(),
        &mut signature,
    )
    .map_err(|_| "signing the JWT failed".to_string())?;
    Ok(format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature)
    ))
}

fn rsa_key_from_pem(pem: &str) -> Result<ring::signature::RsaKeyPair, String> {
    let pkcs1 = pem.contains("BEGIN RSA PRIVATE KEY");
    let body: String = pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .map(str::trim)
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|_| {
            "the private key file is not PEM (base64 between BEGIN/END lines)".to_string()
        })?;
    let parsed = if pkcs1 {
        ring::signature::RsaKeyPair::from_der(&der)
    } else {
        ring::signature::RsaKeyPair::from_pkcs8(&der)
    };
    parsed.map_err(|error| format!("the private key is not a usable RSA key: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotated_refresh_token_is_persisted_atomically_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("creds").join("hubspot.json");
        persist_refresh_token(&path, &Secret::new("rt-1")).unwrap();
        persist_refresh_token(&path, &Secret::new("rt-2")).unwrap();
        assert_eq!(
            read_persisted_refresh_token(&path),
            Some(Secret::new("rt-2"))
        );
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "no temp files remain: {leftovers:?}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn token_error_bodies_of_both_crms_are_described() {
        assert_eq!(
            describe_token_error(
                br#"{"error":"invalid_grant","error_description":"expired access/refresh token"}"#
            ),
            (
                "invalid_grant".to_string(),
                "expired access/refresh token".to_string()
            )
        );
        assert_eq!(
            describe_token_error(
                br#"{"status":"BAD_REFRESH_TOKEN","message":"missing or unknown refresh token"}"#
            ),
            (
                "BAD_REFRESH_TOKEN".to_string(),
                "missing or unknown refresh token".to_string()
            )
        );
    }

    #[test]
    fn jwt_bearer_assertion_is_signed_with_rs256_and_verifies() {
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
        let pem = Secret::new(std::fs::read_to_string(&key_path).unwrap());
        let jwt = jwt_bearer_assertion(
            "3MVG9",
            "sync@acme.com",
            "https://login.salesforce.com",
            1_900_000_000,
            &pem,
        )
        .unwrap();
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(claims["sub"], "sync@acme.com");
        assert_eq!(claims["exp"], 1_900_000_000u64);
        let key = rsa_key_from_pem(pem.expose()).unwrap();
        use ring::signature::KeyPair;
        let public = ring::signature::UnparsedPublicKey::new(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            key.public_key().as_ref().to_vec(),
        );
        let signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        public
            .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
            .expect("signature verifies with the key's public half");
        assert!(jwt_bearer_assertion("a", "b", "c", 1, &Secret::new("not a key")).is_err());
    }
}
