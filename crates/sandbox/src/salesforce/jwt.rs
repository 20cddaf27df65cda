//! The JWT bearer grant's assertion checks: what Salesforce validates that the sandbox can.
//! The signature is not verified, because the sandbox has no uploaded certificate to check it
//! against; everything else (shape, `alg`, `iss`, `sub`, `aud`, `exp`) is.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

/// Salesforce's accepted audiences besides the sandbox's own URL.
const LOGIN_AUDIENCES: [&str; 2] = [
    "https://login.salesforce.com",
    "https://test.salesforce.com",
];

/// Checks `assertion`; `Err` carries the `error_description` Salesforce answers with
/// (`error` is always `invalid_grant`).
pub fn check_assertion(
    assertion: &str,
    client_id: &str,
    own_url: &str,
    now_secs: i64,
) -> Result<(), &'static str> {
    let parts: Vec<&str> = assertion.split('.').collect();
    if parts.len() != 3 || parts.iter().any(|part| part.is_empty()) {
        return Err("invalid assertion");
    }
    let decode = |part: &str| -> Option<Value> {
        let bytes = URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()?;
        serde_json::from_slice(&bytes).ok()
    };
    let (Some(header), Some(claims)) = (decode(parts[0]), decode(parts[1])) else {
        return Err("invalid assertion");
    };
    if URL_SAFE_NO_PAD.decode(parts[2]).is_err() {
        return Err("invalid assertion");
    }
    if header.get("alg").and_then(Value::as_str) != Some("RS256") {
        return Err("invalid assertion");
    }
    let text = |key: &str| claims.get(key).and_then(Value::as_str).unwrap_or_default();
    if text("iss") != client_id {
        return Err("invalid client identifier");
    }
    if text("sub").is_empty() {
        return Err("invalid assertion");
    }
    let audience = text("aud").trim_end_matches('/');
    if !LOGIN_AUDIENCES.contains(&audience) && audience != own_url.trim_end_matches('/') {
        return Err("audience is invalid");
    }
    match claims.get("exp").and_then(Value::as_i64) {
        Some(exp) if exp > now_secs => Ok(()),
        Some(_) => Err("expired authorization code"),
        None => Err("invalid assertion"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(header: &str, claims: &str) -> String {
        format!(
            "{}.{}.c2ln",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(claims)
        )
    }

    const GOOD: &str =
        r#"{"iss":"cid","sub":"u@x.com","aud":"https://login.salesforce.com","exp":2000}"#;

    #[test]
    fn a_well_formed_assertion_for_this_client_is_accepted() {
        assert_eq!(
            check_assertion(
                &jwt(r#"{"alg":"RS256"}"#, GOOD),
                "cid",
                "http://127.0.0.1:9",
                1000
            ),
            Ok(())
        );
        let own = r#"{"iss":"cid","sub":"u","aud":"http://127.0.0.1:9/","exp":2000}"#;
        assert_eq!(
            check_assertion(
                &jwt(r#"{"alg":"RS256"}"#, own),
                "cid",
                "http://127.0.0.1:9",
                1000
            ),
            Ok(())
        );
    }

    #[test]
    fn each_broken_claim_is_refused_with_salesforces_description() {
        let rs = r#"{"alg":"RS256"}"#;
        let check = |a: &str| check_assertion(a, "cid", "http://127.0.0.1:9", 1000);
        assert_eq!(check("a.b"), Err("invalid assertion"));
        assert_eq!(
            check(&jwt(r#"{"alg":"HS256"}"#, GOOD)),
            Err("invalid assertion")
        );
        assert_eq!(
            check(&jwt(rs, &GOOD.replace("cid", "other"))),
            Err("invalid client identifier")
        );
        assert_eq!(
            check(&jwt(rs, &GOOD.replace("u@x.com", ""))),
            Err("invalid assertion")
        );
        assert_eq!(
            check(&jwt(rs, &GOOD.replace("login.salesforce", "evil.example"))),
            Err("audience is invalid")
        );
        assert_eq!(
            check(&jwt(rs, &GOOD.replace("2000", "999"))),
            Err("expired authorization code")
        );
    }
}
