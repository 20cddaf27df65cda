//! A Plan's seal: an HMAC-SHA256 of its content, keyed with the state store's own secret
//! ([`tandem_ground::sync_state::SealKey`]). Apply recomputes it and refuses a plan whose
//! content changed after `tandem plan` made it (an update turned into a delete, another
//! record id, another value), which a plain digest anyone can recompute would not catch.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use tandem_ground::sync_state::SealKey;

use super::model::Plan;

type HmacSha256 = Hmac<Sha256>;

/// The seal of `plan` under `key`: its content serialized without the seal, streamed into
/// the MAC (a large Plan is never rendered into one string, or copied, to be sealed).
pub fn seal(plan: &Plan, key: &SealKey) -> String {
    let Ok(mut mac) = HmacSha256::new_from_slice(key.0.as_bytes()) else {
        return String::new();
    };
    UNSEALED.with(|unsealed| unsealed.set(true));
    let written = serde_json::to_writer(MacWriter(&mut mac), plan);
    UNSEALED.with(|unsealed| unsealed.set(false));
    if written.is_err() {
        return String::new();
    }
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `plan` carries the seal its content has under `key`.
pub fn is_sealed_by(plan: &Plan, key: &SealKey) -> bool {
    let expected = seal(plan, key);
    !plan.seal.is_empty()
        && plan.seal.len() == expected.len()
        && plan
            .seal
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

thread_local! {
    /// Set while this thread serializes a Plan to seal it: the seal field is left out of
    /// what is sealed (see [`skip_seal`]), without copying the Plan to blank it.
    static UNSEALED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// `skip_serializing_if` of [`Plan::seal`]: skipped while sealing, and when empty.
pub(crate) fn skip_seal(seal: &str) -> bool {
    seal.is_empty() || UNSEALED.with(|unsealed| unsealed.get())
}

struct MacWriter<'m>(&'m mut HmacSha256);

impl std::io::Write for MacWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
