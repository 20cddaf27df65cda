//! Tokens: the access tokens each server accepts, expiry (by control call), and the refresh
//! and client-credential grants the token endpoints honour. Token text never leaves the
//! sandbox except in token-endpoint responses and `SandboxHandle` accessors.

use std::collections::HashSet;

use sha2::{Digest, Sha256};

#[derive(Debug)]
pub struct Auth {
    prefix: &'static str,
    seed: u64,
    serial: u64,
    valid: HashSet<String>,
    expired: HashSet<String>,
    pub current: String,
    pub refresh_token: String,
    pub client_id: String,
    pub client_secret: String,
    /// When on, each refresh grant mints a new refresh token and the old one stops working
    /// (as with rotating refresh tokens on a connected app); off by default.
    pub rotate_refresh: bool,
    refresh_serial: u64,
}

pub enum TokenCheck {
    Valid,
    Expired,
    Unknown,
    Missing,
}

impl Auth {
    pub fn new(prefix: &'static str, seed: u64, client_id: &str, client_secret: &str) -> Self {
        let mut auth = Auth {
            prefix,
            seed,
            serial: 0,
            valid: HashSet::new(),
            expired: HashSet::new(),
            current: String::new(),
            refresh_token: String::new(),
            client_id: client_id.to_string(),
            client_secret: client_secret.to_string(),
            rotate_refresh: false,
            refresh_serial: 0,
        };
        auth.refresh_token = format!("{prefix}refresh-{}", auth.digest("refresh", 0));
        auth.issue();
        auth
    }

    fn digest(&self, purpose: &str, serial: u64) -> String {
        let mut hasher = Sha256::new();
        hasher.update(format!("{}:{purpose}:{}:{serial}", self.prefix, self.seed));
        hasher.finalize()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Mints a new access token and makes it the current one.
    pub fn issue(&mut self) -> String {
        self.serial += 1;
        let token = format!("{}{}", self.prefix, self.digest("access", self.serial));
        self.valid.insert(token.clone());
        self.current = token.clone();
        token
    }

    /// After a successful refresh grant: with rotation on, replaces the refresh token so the
    /// one just presented is refused from now on.
    pub fn after_refresh(&mut self) {
        if self.rotate_refresh {
            self.refresh_serial += 1;
            self.refresh_token = format!(
                "{}refresh-{}",
                self.prefix,
                self.digest("refresh", self.refresh_serial)
            );
        }
    }

    pub fn check(&self, header: Option<&str>) -> TokenCheck {
        let Some(header) = header else {
            return TokenCheck::Missing;
        };
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .or_else(|| header.strip_prefix("OAuth "))
            .unwrap_or(header)
            .trim();
        if self.valid.contains(token) {
            TokenCheck::Valid
        } else if self.expired.contains(token) {
            TokenCheck::Expired
        } else {
            TokenCheck::Unknown
        }
    }

    /// Expires every issued access token; clients must refresh.
    pub fn expire_all(&mut self) {
        let valid: Vec<String> = self.valid.drain().collect();
        self.expired.extend(valid);
    }

    pub fn client_matches(&self, client_id: Option<&str>, client_secret: Option<&str>) -> bool {
        client_id == Some(self.client_id.as_str())
            && client_secret.is_none_or(|secret| secret == self.client_secret)
    }
}
