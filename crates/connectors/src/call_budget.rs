//! Counting API calls and reading the CRMs' own quota headers.
//!
//! [`CallBudget`] counts every call a client makes (by kind), enforces the configured cap per
//! run before a call is sent, and remembers the latest quota the CRM reported
//! (`X-HubSpot-RateLimit-*`, `Sforce-Limit-Info`, `/limits`). The parsing functions are pure.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

use super::error::ConnectorError;
use tandem_ground::schema::System;

/// What a call was for; the benchmark and tests count by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallKind {
    Read,
    Search,
    Write,
    Metadata,
    /// Token requests. They do not count toward the per-run cap (CRMs don't meter them).
    Auth,
}

/// The latest quota a CRM reported.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct QuotaReading {
    /// HubSpot `X-HubSpot-RateLimit-Max` / `-Remaining` / `-Interval-Milliseconds`.
    pub burst_max: Option<u64>,
    pub burst_remaining: Option<u64>,
    pub burst_interval_ms: Option<u64>,
    /// HubSpot `X-HubSpot-RateLimit-Daily` / `-Daily-Remaining`; Salesforce `api-usage`
    /// (`daily_used` / `daily_max`) from `Sforce-Limit-Info` or `/limits`.
    pub daily_max: Option<u64>,
    pub daily_remaining: Option<u64>,
}

/// A readout of one client's calls so far.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CallStats {
    pub read: u64,
    pub search: u64,
    pub write: u64,
    pub metadata: u64,
    pub auth: u64,
    /// Calls that were repeats of an earlier attempt (already included in the kinds above).
    pub retries: u64,
    pub quota: QuotaReading,
}

impl CallStats {
    /// Calls that count toward the CRM's quota and the per-run cap.
    pub fn metered(&self) -> u64 {
        self.read + self.search + self.write + self.metadata
    }
}

#[derive(Debug)]
pub struct CallBudget {
    system: System,
    cap: Option<u64>,
    counts: [AtomicU64; 5],
    retries: AtomicU64,
    quota: Mutex<QuotaReading>,
}

impl CallBudget {
    pub fn new(system: System, cap: Option<u64>) -> Self {
        CallBudget {
            system,
            cap,
            counts: Default::default(),
            retries: AtomicU64::new(0),
            quota: Mutex::new(QuotaReading::default()),
        }
    }

    fn metered(&self) -> u64 {
        self.counts[..4]
            .iter()
            .map(|count| count.load(Ordering::SeqCst))
            .sum()
    }

    /// Reserves one call of `kind`, or refuses when the cap or the known daily quota is spent.
    pub fn reserve(&self, kind: CallKind, is_retry: bool) -> Result<(), ConnectorError> {
        if kind != CallKind::Auth {
            if let Some(cap) = self.cap
                && self.metered() >= cap
            {
                return Err(ConnectorError::CallCapReached {
                    system: self.system,
                    cap,
                });
            }
            let quota = self.quota_reading();
            if quota.daily_remaining == Some(0) {
                return Err(ConnectorError::DailyLimitExhausted {
                    system: self.system,
                    detail: format!(
                        "0 of {} daily calls remaining",
                        quota
                            .daily_max
                            .map_or("?".to_string(), |max| max.to_string())
                    ),
                });
            }
        }
        self.counts[kind as usize].fetch_add(1, Ordering::SeqCst);
        if is_retry {
            self.retries.fetch_add(1, Ordering::SeqCst);
        }
        Ok(())
    }

    /// Merges a fresh reading; absent values keep the previous ones.
    pub fn observe(&self, reading: QuotaReading) {
        let Ok(mut quota) = self.quota.lock() else {
            return;
        };
        macro_rules! merge {
            ($($field:ident),*) => { $( if reading.$field.is_some() { quota.$field = reading.$field; } )* };
        }
        merge!(
            burst_max,
            burst_remaining,
            burst_interval_ms,
            daily_max,
            daily_remaining
        );
    }

    pub fn quota_reading(&self) -> QuotaReading {
        self.quota
            .lock()
            .map(|quota| quota.clone())
            .unwrap_or_default()
    }

    pub fn stats(&self) -> CallStats {
        let count = |kind: CallKind| self.counts[kind as usize].load(Ordering::SeqCst);
        CallStats {
            read: count(CallKind::Read),
            search: count(CallKind::Search),
            write: count(CallKind::Write),
            metadata: count(CallKind::Metadata),
            auth: count(CallKind::Auth),
            retries: self.retries.load(Ordering::SeqCst),
            quota: self.quota_reading(),
        }
    }
}

/// Reads the `X-HubSpot-RateLimit-*` headers (names are case-insensitive).
pub fn parse_hubspot_rate_headers<'a>(
    headers: impl Iterator<Item = (&'a str, &'a str)>,
) -> QuotaReading {
    let mut reading = QuotaReading::default();
    for (name, value) in headers {
        let number = value.trim().parse::<u64>().ok();
        match name.to_ascii_lowercase().as_str() {
            "x-hubspot-ratelimit-max" => reading.burst_max = number,
            "x-hubspot-ratelimit-remaining" => reading.burst_remaining = number,
            "x-hubspot-ratelimit-interval-milliseconds" => reading.burst_interval_ms = number,
            "x-hubspot-ratelimit-daily" => reading.daily_max = number,
            "x-hubspot-ratelimit-daily-remaining" => reading.daily_remaining = number,
            _ => {}
        }
    }
    reading
}

/// Parses `Sforce-Limit-Info: api-usage=10018/100000` (other entries such as
/// `per-app-api-usage=…` may follow and are ignored). Returns `(used, max)`.
pub fn parse_sforce_limit_info(value: &str) -> Option<(u64, u64)> {
    value.split(',').find_map(|part| {
        let usage = part.trim().strip_prefix("api-usage=")?;
        let (used, max) = usage.split_once('/')?;
        Some((used.trim().parse().ok()?, max.trim().parse().ok()?))
    })
}

/// Reads `DailyApiRequests` out of a Salesforce `/limits` body.
pub fn parse_salesforce_limits(body: &serde_json::Value) -> Option<QuotaReading> {
    let daily = body.get("DailyApiRequests")?;
    let max = daily.get("Max")?.as_u64()?;
    let remaining = daily.get("Remaining")?.as_u64()?;
    Some(QuotaReading {
        daily_max: Some(max),
        daily_remaining: Some(remaining),
        ..QuotaReading::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hubspot_rate_headers_are_read_case_insensitively() {
        let headers = [
            ("X-HubSpot-RateLimit-Max", "190"),
            ("x-hubspot-ratelimit-remaining", "187"),
            ("X-HubSpot-RateLimit-Interval-Milliseconds", "10000"),
            ("X-HubSpot-RateLimit-Daily", "625000"),
            ("X-HubSpot-RateLimit-Daily-Remaining", "624900"),
            ("Content-Type", "application/json"),
        ];
        let reading = parse_hubspot_rate_headers(headers.into_iter());
        assert_eq!(
            reading,
            QuotaReading {
                burst_max: Some(190),
                burst_remaining: Some(187),
                burst_interval_ms: Some(10_000),
                daily_max: Some(625_000),
                daily_remaining: Some(624_900),
            }
        );
    }

    #[test]
    fn sforce_limit_info_yields_used_and_max_and_ignores_per_app_usage() {
        assert_eq!(
            parse_sforce_limit_info("api-usage=10018/100000"),
            Some((10018, 100000))
        );
        assert_eq!(
            parse_sforce_limit_info("per-app-api-usage=17/250(appName=x), api-usage=25/15000"),
            Some((25, 15000))
        );
        assert_eq!(parse_sforce_limit_info("api-usage=lots"), None);
    }

    #[test]
    fn salesforce_limits_body_gives_daily_quota() {
        let body = serde_json::json!({"DailyApiRequests":{"Max":15000,"Remaining":14980,"Dataloader Bulk":{"Max":0,"Remaining":0}}});
        let reading = parse_salesforce_limits(&body).unwrap();
        assert_eq!(reading.daily_max, Some(15000));
        assert_eq!(reading.daily_remaining, Some(14980));
    }

    #[test]
    fn cap_refuses_the_call_after_the_last_allowed_one() {
        let budget = CallBudget::new(System::Hubspot, Some(2));
        budget.reserve(CallKind::Read, false).unwrap();
        budget.reserve(CallKind::Auth, false).unwrap();
        budget.reserve(CallKind::Write, false).unwrap();
        let refused = budget.reserve(CallKind::Write, false).unwrap_err();
        assert!(matches!(
            refused,
            ConnectorError::CallCapReached { cap: 2, .. }
        ));
        let stats = budget.stats();
        assert_eq!((stats.read, stats.write, stats.auth), (1, 1, 1));
    }

    #[test]
    fn known_exhausted_daily_quota_stops_before_sending() {
        let budget = CallBudget::new(System::Salesforce, None);
        budget.observe(QuotaReading {
            daily_max: Some(15000),
            daily_remaining: Some(0),
            ..QuotaReading::default()
        });
        let refused = budget.reserve(CallKind::Read, false).unwrap_err();
        assert!(matches!(
            refused,
            ConnectorError::DailyLimitExhausted { .. }
        ));
        assert!(refused.stops_run());
    }
}
