//! When to try a request again, and how long to wait first.
//!
//! Pure functions: an exponential backoff with "equal jitter" (half fixed, half random, so
//! retries from many clients spread out but never fire immediately), and parsing of the
//! `Retry-After` header in both of its forms (delta-seconds and HTTP-date).

use std::time::{Duration, SystemTime};

use rand::Rng;

/// Exponential backoff with jitter, capped.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    pub base: Duration,
    pub max: Duration,
}

impl Backoff {
    /// The ceiling for retry number `retry` (0 for the first retry): `base * 2^retry`, capped.
    pub fn ceiling(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.min(20)).unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.max)
    }

    /// A delay in `[ceiling/2, ceiling]`.
    pub fn delay(&self, retry: u32, rng: &mut impl Rng) -> Duration {
        let ceiling = self.ceiling(retry);
        let half = ceiling / 2;
        let jitter_nanos = (ceiling - half).as_nanos() as u64;
        let jitter = if jitter_nanos == 0 {
            0
        } else {
            rng.gen_range(0..=jitter_nanos)
        };
        half + Duration::from_nanos(jitter)
    }

    /// The wait before retry `retry`: never shorter than the server's `Retry-After`.
    pub fn wait(&self, retry: u32, retry_after: Option<Duration>, rng: &mut impl Rng) -> Duration {
        let own = self.delay(retry, rng);
        match retry_after {
            Some(server) => server.max(own.min(self.base)),
            None => own,
        }
    }
}

/// Parses `Retry-After: 120` or `Retry-After: Wed, 21 Oct 2026 07:28:00 GMT`. A date in the
/// past means "now" (zero). Garbage is ignored (`None`) rather than trusted.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    if let Ok(seconds) = value.parse::<f64>()
        && seconds.is_finite()
        && seconds >= 0.0
    {
        return Some(Duration::from_secs_f64(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn backoff() -> Backoff {
        Backoff {
            base: Duration::from_millis(500),
            max: Duration::from_secs(30),
        }
    }

    #[test]
    fn backoff_ceiling_doubles_then_caps() {
        let ceilings: Vec<u128> = (0..9).map(|n| backoff().ceiling(n).as_millis()).collect();
        assert_eq!(
            ceilings,
            vec![500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]
        );
        assert_eq!(backoff().ceiling(400), Duration::from_secs(30));
    }

    #[test]
    fn jittered_delay_stays_between_half_and_full_ceiling_and_varies() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut seen = std::collections::BTreeSet::new();
        for retry in 0..6 {
            for _ in 0..50 {
                let delay = backoff().delay(retry, &mut rng);
                let ceiling = backoff().ceiling(retry);
                assert!(
                    delay >= ceiling / 2 && delay <= ceiling,
                    "{delay:?} vs {ceiling:?}"
                );
                seen.insert(delay);
            }
        }
        assert!(
            seen.len() > 200,
            "jitter should spread delays, got {}",
            seen.len()
        );
    }

    #[test]
    fn retry_after_is_honoured_even_when_longer_than_backoff() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let wait = backoff().wait(0, Some(Duration::from_secs(10)), &mut rng);
        assert_eq!(wait, Duration::from_secs(10));
    }

    #[test]
    fn retry_after_parses_seconds_and_http_dates() {
        let now = httpdate::parse_http_date("Wed, 21 Oct 2026 07:28:00 GMT").unwrap();
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after(" 2 ", now), Some(Duration::from_secs(2)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2026 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2026 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }
}
