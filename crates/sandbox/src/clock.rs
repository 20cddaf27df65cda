//! The sandbox clock: wall time plus an offset tests can advance, strictly increasing so that
//! every write gets a timestamp later than the one before it.
//!
//! Salesforce stamps records in whole seconds (`SystemModstamp` reads `…:32.000+0000`), so its
//! writes take [`Clock::tick_salesforce_ms`]: the next whole second after every stamp issued so
//! far (on either system), which keeps writes totally ordered across both CRMs. A test that
//! needs the ties a real org has (a bulk load stamping thousands of records with one second)
//! freezes that clock with [`Clock::freeze_salesforce`]: every Salesforce write then gets the
//! frozen second, whatever the wall clock says, until [`Clock::unfreeze_salesforce`].

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};

/// `frozen_salesforce_ms` holds this while the Salesforce clock runs.
const NOT_FROZEN: i64 = i64::MIN;

#[derive(Debug)]
pub struct Clock {
    offset_ms: AtomicI64,
    last_issued_ms: AtomicI64,
    frozen_salesforce_ms: AtomicI64,
}

impl Default for Clock {
    fn default() -> Self {
        Clock {
            offset_ms: AtomicI64::new(0),
            last_issued_ms: AtomicI64::new(0),
            frozen_salesforce_ms: AtomicI64::new(NOT_FROZEN),
        }
    }
}

impl Clock {
    /// The current sandbox time in epoch milliseconds (may repeat between calls).
    pub fn now_ms(&self) -> i64 {
        wall_ms() + self.offset_ms.load(Ordering::Relaxed)
    }

    /// A timestamp for a write: never equal to or earlier than the previous write's.
    pub fn tick_ms(&self) -> i64 {
        let now = self.now_ms();
        let mut last = self.last_issued_ms.load(Ordering::Relaxed);
        loop {
            let next = if now > last { now } else { last + 1 };
            match self.last_issued_ms.compare_exchange_weak(
                last,
                next,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return next,
                Err(actual) => last = actual,
            }
        }
    }

    /// A Salesforce write stamp: whole seconds, later than every stamp issued before (a
    /// HubSpot write at `10:00:00.500` is followed by a Salesforce one at `10:00:01`), or the
    /// frozen second while the Salesforce clock is frozen.
    pub fn tick_salesforce_ms(&self) -> i64 {
        let frozen = self.frozen_salesforce_ms.load(Ordering::Relaxed);
        if frozen != NOT_FROZEN {
            self.last_issued_ms.fetch_max(frozen, Ordering::Relaxed);
            return frozen;
        }
        let now = whole_second_ms(self.now_ms());
        let mut last = self.last_issued_ms.load(Ordering::Relaxed);
        loop {
            let next = now.max(whole_second_ms(last) + 1000);
            match self.last_issued_ms.compare_exchange_weak(
                last,
                next,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return next,
                Err(actual) => last = actual,
            }
        }
    }

    /// Stamps every Salesforce write with the whole second holding `at_ms` (default: the
    /// next Salesforce stamp) until unfrozen; returns the frozen second.
    pub fn freeze_salesforce(&self, at_ms: Option<i64>) -> i64 {
        let second = match at_ms {
            Some(ms) => whole_second_ms(ms),
            None => self.tick_salesforce_ms(),
        };
        self.frozen_salesforce_ms.store(second, Ordering::Relaxed);
        second
    }

    /// Lets Salesforce stamps run again (strictly after the frozen second).
    pub fn unfreeze_salesforce(&self) {
        self.frozen_salesforce_ms
            .store(NOT_FROZEN, Ordering::Relaxed);
    }

    /// The frozen Salesforce second, if the Salesforce clock is frozen.
    pub fn salesforce_frozen_at(&self) -> Option<i64> {
        let frozen = self.frozen_salesforce_ms.load(Ordering::Relaxed);
        (frozen != NOT_FROZEN).then_some(frozen)
    }

    /// Moves the clock forward (a negative value moves it back, for tests of skew).
    pub fn advance_ms(&self, delta_ms: i64) {
        self.offset_ms.fetch_add(delta_ms, Ordering::Relaxed);
    }

    pub fn offset_ms(&self) -> i64 {
        self.offset_ms.load(Ordering::Relaxed)
    }

    pub fn set_offset_ms(&self, offset_ms: i64) {
        self.offset_ms.store(offset_ms, Ordering::Relaxed);
    }

    /// Ensures later writes are stamped after `ms` (used after loading persisted records).
    pub fn observe_ms(&self, ms: i64) {
        self.last_issued_ms.fetch_max(ms, Ordering::Relaxed);
    }
}

fn wall_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn to_utc(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// The whole second holding `ms` (floor, also before 1970).
pub fn whole_second_ms(ms: i64) -> i64 {
    ms - ms.rem_euclid(1000)
}

/// Salesforce's response format: `2013-05-20T20:49:32.000+0000`. Salesforce keeps datetimes
/// to the second, so the milliseconds always read `000`.
pub fn salesforce_datetime(ms: i64) -> String {
    to_utc(whole_second_ms(ms))
        .format("%Y-%m-%dT%H:%M:%S.000+0000")
        .to_string()
}

/// HubSpot's response format: `2019-10-30T03:30:17.883Z`.
pub fn hubspot_datetime(ms: i64) -> String {
    to_utc(ms).format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

pub fn date_string(ms: i64) -> String {
    to_utc(ms).format("%Y-%m-%d").to_string()
}

/// Parses the datetime spellings both APIs accept: RFC 3339 (`Z`, `+05:00`), Salesforce's
/// `+0000` offsets, and bare epoch milliseconds.
pub fn parse_datetime_ms(text: &str) -> Option<i64> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok();
    }
    if let Ok(parsed) = DateTime::parse_from_rfc3339(text) {
        return Some(parsed.timestamp_millis());
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M:%S%z"] {
        if let Ok(parsed) = DateTime::parse_from_str(text, format) {
            return Some(parsed.timestamp_millis());
        }
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(parsed) = NaiveDateTime::parse_from_str(text, format) {
            return Some(parsed.and_utc().timestamp_millis());
        }
    }
    None
}

/// Parses `YYYY-MM-DD` to midnight UTC in epoch milliseconds.
pub fn parse_date_ms(text: &str) -> Option<i64> {
    let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis())
}

/// Midnight UTC of the day holding `ms`: the daily API limits reset there.
pub fn day_start_ms(ms: i64) -> i64 {
    ms - ms.rem_euclid(86_400_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_match_each_crm() {
        assert_eq!(salesforce_datetime(0), "1970-01-01T00:00:00.000+0000");
        assert_eq!(hubspot_datetime(1_500), "1970-01-01T00:00:01.500Z");
    }

    #[test]
    fn parses_salesforce_and_hubspot_spellings() {
        assert_eq!(
            parse_datetime_ms("1970-01-01T00:00:01.000+0000"),
            Some(1000)
        );
        assert_eq!(parse_datetime_ms("1970-01-01T00:00:01Z"), Some(1000));
        assert_eq!(parse_datetime_ms("1000"), Some(1000));
        assert_eq!(parse_date_ms("1970-01-02"), Some(86_400_000));
        assert_eq!(parse_datetime_ms("garbage"), None);
    }

    #[test]
    fn salesforce_times_are_whole_seconds() {
        assert_eq!(salesforce_datetime(1_999), "1970-01-01T00:00:01.000+0000");
        assert_eq!(whole_second_ms(-1), -1000);
    }

    #[test]
    fn salesforce_ticks_are_whole_later_seconds_unless_frozen() {
        let clock = Clock::default();
        let hubspot = clock.tick_ms();
        let first = clock.tick_salesforce_ms();
        assert_eq!(first % 1000, 0);
        assert!(first > hubspot);
        let second = clock.tick_salesforce_ms();
        assert_eq!(second, first + 1000);
        assert!(clock.tick_ms() > second);
        let frozen = clock.freeze_salesforce(None);
        assert_eq!(clock.tick_salesforce_ms(), frozen);
        assert_eq!(clock.tick_salesforce_ms(), frozen);
        clock.unfreeze_salesforce();
        assert!(clock.tick_salesforce_ms() > frozen);
    }

    #[test]
    fn ticks_strictly_increase() {
        let clock = Clock::default();
        let a = clock.tick_ms();
        let b = clock.tick_ms();
        assert!(b > a);
    }
}
