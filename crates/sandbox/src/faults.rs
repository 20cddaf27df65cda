//! Fault injection: random 5xx / 429 / timeouts / latency at configured probabilities, plus a
//! queue of faults for the next N calls so tests can script exact failure sequences.

use std::collections::VecDeque;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// A fault to inject into one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// HTTP 503 with the CRM's server-error body.
    ServerError,
    /// HTTP 429 with the CRM's rate-limit body (HubSpot) or 403 REQUEST_LIMIT_EXCEEDED
    /// (Salesforce has no 429).
    RateLimited,
    /// Hold the request for `timeout_ms`, then answer 504.
    Timeout,
    /// HTTP 401 as if the token had expired (the token itself stays valid).
    Unauthorized,
    /// Salesforce collection updates and upserts (`PATCH /composite/sobjects...`): the first
    /// record that updates an existing record fails with `UNABLE_TO_LOCK_ROW`, as when
    /// another transaction holds it. Queued, it waits for such a call.
    UnableToLockRow,
}

impl FaultKind {
    /// Whether this fault can happen on a call to `endpoint` (`METHOD /route/{template}`).
    pub fn applies_to(self, endpoint: &str) -> bool {
        match self {
            FaultKind::UnableToLockRow => {
                endpoint.starts_with("PATCH ") && endpoint.contains("/composite/sobjects")
            }
            _ => true,
        }
    }
}

/// Marks a request the gate let through with a row-lock fault for the handler to apply.
#[derive(Debug, Clone, Copy)]
pub struct RowLockFault;

/// Probabilities (0.0..=1.0) and fixed latency applied to every API call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct FaultSettings {
    pub server_error_rate: f64,
    pub rate_limit_rate: f64,
    pub timeout_rate: f64,
    /// Added to every call, in milliseconds.
    pub latency_ms: u64,
    /// How long a timed-out call hangs before answering 504 (default 30 s).
    pub timeout_ms: Option<u64>,
    /// Only calls whose endpoint key contains this text are affected (all when absent).
    pub endpoint_filter: Option<String>,
}

#[derive(Debug)]
pub struct Faults {
    pub settings: FaultSettings,
    /// Faults for the next calls, consumed in order before any random fault.
    pub queued: VecDeque<FaultKind>,
    rng: ChaCha8Rng,
}

impl Faults {
    pub fn new(rng: ChaCha8Rng) -> Self {
        Faults {
            settings: FaultSettings::default(),
            queued: VecDeque::new(),
            rng,
        }
    }

    /// Decides the fault (if any) for one call to `endpoint`.
    pub fn draw(&mut self, endpoint: &str) -> Option<FaultKind> {
        if let Some(filter) = &self.settings.endpoint_filter {
            if !endpoint.contains(filter.as_str()) {
                return None;
            }
        }
        if let Some(kind) = self.queued.front().copied() {
            if !kind.applies_to(endpoint) {
                return None;
            }
            self.queued.pop_front();
            return Some(kind);
        }
        let settings = &self.settings;
        if settings.server_error_rate <= 0.0
            && settings.rate_limit_rate <= 0.0
            && settings.timeout_rate <= 0.0
        {
            return None;
        }
        let roll: f64 = self.rng.r#gen();
        let mut threshold = settings.server_error_rate;
        if roll < threshold {
            return Some(FaultKind::ServerError);
        }
        threshold += settings.rate_limit_rate;
        if roll < threshold {
            return Some(FaultKind::RateLimited);
        }
        threshold += settings.timeout_rate;
        if roll < threshold {
            return Some(FaultKind::Timeout);
        }
        None
    }

    pub fn clear(&mut self) {
        self.settings = FaultSettings::default();
        self.queued.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn queued_faults_come_first_and_in_order() {
        let mut faults = Faults::new(ChaCha8Rng::seed_from_u64(1));
        faults
            .queued
            .extend([FaultKind::ServerError, FaultKind::RateLimited]);
        assert_eq!(faults.draw("GET /x"), Some(FaultKind::ServerError));
        assert_eq!(faults.draw("GET /x"), Some(FaultKind::RateLimited));
        assert_eq!(faults.draw("GET /x"), None);
    }

    #[test]
    fn a_queued_row_lock_waits_for_a_collection_update() {
        let mut faults = Faults::new(ChaCha8Rng::seed_from_u64(1));
        faults.queued.extend([FaultKind::UnableToLockRow]);
        let update = "PATCH /services/data/{version}/composite/sobjects";
        assert_eq!(faults.draw("GET /services/data/{version}/query"), None);
        assert_eq!(
            faults.draw("POST /services/data/{version}/composite/sobjects"),
            None
        );
        assert_eq!(faults.draw(update), Some(FaultKind::UnableToLockRow));
        assert_eq!(faults.draw(update), None);
    }

    #[test]
    fn certain_rates_always_fire() {
        let mut faults = Faults::new(ChaCha8Rng::seed_from_u64(1));
        faults.settings.server_error_rate = 1.0;
        assert!((0..20).all(|_| faults.draw("GET /x") == Some(FaultKind::ServerError)));
    }
}
