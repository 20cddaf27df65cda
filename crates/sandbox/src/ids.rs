//! Record ids: Salesforce 18-character ids with the real checksum suffix and key prefixes, and
//! HubSpot's numeric ids.

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const SUFFIX_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

/// The real key prefix of a standard object the sandbox knows (Object Reference, "Standard
/// Field Records"; the prefixes of ids returned by any org).
pub fn standard_key_prefix(object: &str) -> Option<&'static str> {
    Some(match object {
        "Account" => "001",
        "Contact" => "003",
        "User" => "005",
        "Opportunity" => "006",
        "OpportunityHistory" => "008",
        "OpportunityContactRole" => "00K",
        "Lead" => "00Q",
        "Task" => "00T",
        "Event" => "00U",
        "AccountContactRelation" => "07k",
        "Case" => "500",
        "Campaign" => "701",
        _ => return None,
    })
}

/// The key prefixes of the standard objects; other objects get `a00`, `a01`, ... by their
/// position among the objects without a standard prefix.
pub fn salesforce_key_prefix(object: &str, custom_index: usize) -> String {
    match standard_key_prefix(object) {
        Some(prefix) => prefix.to_string(),
        None => {
            let index = custom_index % (62 * 62);
            let mut prefix = String::from("a");
            prefix.push(BASE62[index / 62] as char);
            prefix.push(BASE62[index % 62] as char);
            prefix
        }
    }
}

/// Builds the 18-character id for record number `serial` of an object with `prefix`.
/// Layout as in real orgs: 3-char key prefix, 2-char pod, 1 reserved, 9 base-62 digits.
pub fn salesforce_id(prefix: &str, serial: u64) -> String {
    let mut id = String::with_capacity(18);
    id.push_str(prefix);
    id.push_str("5g0");
    let mut digits = [b'0'; 9];
    let mut rest = serial;
    for slot in digits.iter_mut().rev() {
        *slot = BASE62[(rest % 62) as usize];
        rest /= 62;
    }
    id.push_str(std::str::from_utf8(&digits).unwrap_or("000000000"));
    let suffix = checksum_suffix(id.as_bytes());
    id.push_str(&suffix);
    id
}

/// The 3-character case-safety suffix: one bit per uppercase letter in each 5-char chunk.
fn checksum_suffix(first15: &[u8]) -> String {
    first15
        .chunks(5)
        .map(|chunk| {
            let bits = chunk.iter().enumerate().fold(0usize, |acc, (i, b)| {
                if b.is_ascii_uppercase() {
                    acc | (1 << i)
                } else {
                    acc
                }
            });
            SUFFIX_ALPHABET[bits] as char
        })
        .collect()
}

/// Normalises a 15- or 18-character id to its 18-character form, or `None` when malformed
/// (wrong length, non-alphanumeric, or an 18-character id whose suffix does not match).
pub fn normalize_salesforce_id(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    if !bytes.iter().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    match bytes.len() {
        15 => Some(format!("{text}{}", checksum_suffix(bytes))),
        18 => {
            let expected = checksum_suffix(&bytes[..15]);
            if expected.eq_ignore_ascii_case(&text[15..]) {
                Some(format!("{}{}", &text[..15], expected))
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Whether text looks like a HubSpot record id (a positive integer).
pub fn is_hubspot_id(text: &str) -> bool {
    !text.is_empty() && text.len() <= 19 && text.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_real_id_round_trips() {
        // A real 15-character id and the 18-character form Salesforce returns for it.
        assert_eq!(
            normalize_salesforce_id("001D000000IqhSL").as_deref(),
            Some("001D000000IqhSLIAZ")
        );
        assert!(normalize_salesforce_id("001D000000IqhSLIAZ").is_some());
        assert!(normalize_salesforce_id("001D000000IqhSLAAA").is_none());
        assert!(normalize_salesforce_id("not-an-id").is_none());
    }

    #[test]
    fn generated_ids_are_valid_and_prefixed() {
        let id = salesforce_id("003", 123_456);
        assert_eq!(id.len(), 18);
        assert!(id.starts_with("003"));
        assert_eq!(normalize_salesforce_id(&id).as_deref(), Some(id.as_str()));
        assert_eq!(
            normalize_salesforce_id(&id[..15]).as_deref(),
            Some(id.as_str())
        );
    }
}
