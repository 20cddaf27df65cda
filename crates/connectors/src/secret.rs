//! A redacting wrapper for credentials.
//!
//! Tokens, client secrets, refresh tokens and private keys live in a [`Secret`] from the
//! moment they are read until the moment they are written into an `Authorization` header or a
//! token request body. `Debug` and `Display` print `[redacted]`, and `Secret` deliberately
//! implements neither `Serialize` nor `Clone`-into-`String`, so a secret cannot reach a log,
//! an error, a plan, the state store or a snapshot by accident.

use std::fmt;

/// A credential whose text is only reachable through [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(text: impl Into<String>) -> Self {
        Secret(text.into())
    }

    /// The raw text, for the one place that must send it (a header or a token request).
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Replaces any occurrence of this secret in `text` with `[redacted]`: used on response
    /// bodies and transport messages before they become error text, in case a server echoes
    /// a credential back.
    pub fn scrub(&self, text: &str) -> String {
        if self.0.len() < 4 {
            return text.to_string();
        }
        text.replace(&self.0, REDACTED)
    }
}

pub const REDACTED: &str = "[redacted]";

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_secret() {
        let secret = Secret::new("pat-na1-0123456789");
        assert_eq!(format!("{secret:?}"), "[redacted]");
        assert_eq!(format!("{secret}"), "[redacted]");
        let nested = Some(vec![secret.clone()]);
        assert!(!format!("{nested:?}").contains("0123456789"));
        assert_eq!(secret.expose(), "pat-na1-0123456789");
    }

    #[test]
    fn scrub_removes_an_echoed_secret_from_text() {
        let secret = Secret::new("refresh-abc-123");
        assert_eq!(
            secret.scrub("bad token refresh-abc-123 given"),
            "bad token [redacted] given"
        );
    }
}
