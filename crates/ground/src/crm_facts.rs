//! Facts about the two CRMs that more than one stage relies on, each in one place: how many
//! records one batched call takes, and when two Salesforce ids name the same record.
//!
//! The planner counts calls with these numbers and the connectors chunk with them, so the
//! plan's API estimate and what apply spends cannot drift apart.

use crate::schema::System;

/// HubSpot's batch endpoints (`/crm/v3/objects/{type}/batch/*`, v4 association batch
/// create/archive) take at most 100 inputs per call.
pub const HUBSPOT_BATCH_INPUTS: usize = 100;

/// HubSpot's v4 association batch read takes at most 1,000 ids per call.
pub const HUBSPOT_ASSOCIATION_READ_INPUTS: usize = 1_000;

/// Salesforce's sObject Collections take at most 200 records per call.
pub const SALESFORCE_COLLECTION_RECORDS: usize = 200;

/// Records per batched write call on `system`: what apply sends in one call and what the
/// plan's schedule counts as one call.
pub fn write_batch_size(system: System) -> usize {
    match system {
        System::Hubspot => HUBSPOT_BATCH_INPUTS,
        System::Salesforce => SALESFORCE_COLLECTION_RECORDS,
    }
}

/// The type a field's values are compared as. HubSpot stores a contact's `email` property
/// lower-cased (it is declared a text property), so it compares as an e-mail address, and
/// canonical e-mail addresses are lower-case ([`crate::value::canonical`]): a Salesforce
/// `OLGA.ITO@…` written to HubSpot and read back as `olga.ito@…` is the same value, not a
/// change to send back.
pub fn compared_as(
    system: System,
    object: &str,
    field: &str,
    declared: crate::schema::FieldType,
) -> crate::schema::FieldType {
    match (system, object, field) {
        (System::Hubspot, "contacts", "email") => crate::schema::FieldType::Email,
        _ => declared,
    }
}

/// The record ids Salesforce hands out: 15 case-sensitive base-62 characters, and the
/// 18-character form that adds a 3-character case-safety checksum.
pub mod salesforce_id {
    const SUFFIX_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

    /// The 3-character case-safety suffix of a 15-character id: one bit per uppercase letter
    /// in each 5-character chunk.
    pub fn checksum_suffix(first15: &[u8]) -> String {
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

    /// A 15- or 18-character id in its 18-character form, or `None` when `text` is not a
    /// Salesforce id (wrong length, a character outside A-Z a-z 0-9, or an 18-character id
    /// whose suffix does not match its first 15 characters).
    pub fn normalize(text: &str) -> Option<String> {
        let bytes = text.as_bytes();
        if !bytes.iter().all(u8::is_ascii_alphanumeric) {
            return None;
        }
        // Every byte is ASCII from here on, so byte offsets are character offsets.
        match bytes.len() {
            15 => Some(format!("{text}{}", checksum_suffix(bytes))),
            18 => {
                let expected = checksum_suffix(&bytes[..15]);
                expected
                    .eq_ignore_ascii_case(&text[15..])
                    .then(|| format!("{}{expected}", &text[..15]))
            }
            _ => None,
        }
    }

    /// The case-sensitive 15-character key of an id, which its 15- and 18-character forms
    /// share; `None` when `text` is not a Salesforce id.
    pub fn key(text: &str) -> Option<&str> {
        normalize(text).map(|_| &text[..15])
    }

    /// Whether `a` and `b` name the same Salesforce record: equal text, or the 15- and
    /// 18-character forms of one id. Text that is not a Salesforce id (what a user typed
    /// into a field, in any script) compares as text and never panics.
    pub fn same_record(a: &str, b: &str) -> bool {
        a == b || matches!((key(a), key(b)), (Some(x), Some(y)) if x == y)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn fifteen_and_eighteen_character_forms_are_one_record() {
            assert_eq!(
                normalize("001D000000IqhSL").as_deref(),
                Some("001D000000IqhSLIAZ")
            );
            assert!(same_record("001D000000IqhSL", "001D000000IqhSLIAZ"));
            assert!(!same_record("001D000000IqhSL", "001D000000IqhSlIAZ"));
            assert!(normalize("001D000000IqhSLAAA").is_none());
        }

        #[test]
        fn text_that_is_not_an_id_never_panics() {
            // Multi-byte characters at byte 15 used to make a byte slice panic.
            let odd = "ŽŽŽŽŽŽŽŽŽŽŽŽŽŽŽŽ";
            assert!(!same_record(odd, "001D000000IqhSLIAZ"));
            assert!(same_record(odd, odd));
            assert!(key("émile-zola-0000000").is_none());
        }
    }
}
