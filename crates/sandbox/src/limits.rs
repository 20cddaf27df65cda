//! API limits: HubSpot's rolling ten-second burst window, its search bucket (5 per second)
//! and daily allowance; Salesforce's daily API request allocation. Burst windows run on real
//! time; the daily counters reset at midnight UTC of the sandbox clock.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::clock::day_start_ms;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct LimitSettings {
    /// HubSpot: calls per rolling ten seconds (Professional private app: 190).
    pub burst_max: u32,
    /// HubSpot search: calls per second.
    pub search_per_second: u32,
    /// Calls per day (HubSpot Professional: 625,000; Salesforce Enterprise-like: 100,000).
    pub daily_max: u64,
}

impl Default for LimitSettings {
    /// HubSpot Professional private app: 190 per 10 s, 5 searches per second, 625,000 a day.
    fn default() -> Self {
        LimitSettings {
            burst_max: 190,
            search_per_second: 5,
            daily_max: 625_000,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitHit {
    Burst,
    SearchSecondly,
    Daily,
}

#[derive(Debug)]
pub struct Limits {
    pub settings: LimitSettings,
    burst_window: VecDeque<Instant>,
    search_window: VecDeque<Instant>,
    pub daily_used: u64,
    daily_day_ms: i64,
}

/// What the response headers report after a call was admitted.
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    pub burst_max: u32,
    pub burst_remaining: u32,
    /// HubSpot's deprecated per-second pair (`X-HubSpot-RateLimit-Secondly`): a tenth of the
    /// ten-second allowance, and what is left of it over the last second. Reported, not
    /// enforced: HubSpot enforces the rolling ten-second window.
    pub secondly_max: u32,
    pub secondly_remaining: u32,
    pub daily_max: u64,
    pub daily_used: u64,
}

impl Limits {
    pub fn new(settings: LimitSettings) -> Self {
        Limits {
            settings,
            burst_window: VecDeque::new(),
            search_window: VecDeque::new(),
            daily_used: 0,
            daily_day_ms: 0,
        }
    }

    fn roll_day(&mut self, now_ms: i64) {
        let day = day_start_ms(now_ms);
        if day != self.daily_day_ms {
            self.daily_day_ms = day;
            self.daily_used = 0;
        }
    }

    /// Admits one call or says which limit it hit. `burst` is false for calls outside the
    /// ten-second window (HubSpot search, Salesforce).
    pub fn admit(&mut self, now_ms: i64, burst: bool, search: bool) -> Result<Usage, LimitHit> {
        self.roll_day(now_ms);
        let now = Instant::now();
        if self.daily_used >= self.settings.daily_max {
            return Err(LimitHit::Daily);
        }
        if search {
            prune(&mut self.search_window, now, Duration::from_secs(1));
            if self.search_window.len() as u32 >= self.settings.search_per_second {
                return Err(LimitHit::SearchSecondly);
            }
            self.search_window.push_back(now);
        }
        if burst {
            prune(&mut self.burst_window, now, Duration::from_secs(10));
            if self.burst_window.len() as u32 >= self.settings.burst_max {
                return Err(LimitHit::Burst);
            }
            self.burst_window.push_back(now);
        }
        self.daily_used += 1;
        Ok(self.usage())
    }

    pub fn usage(&self) -> Usage {
        let now = Instant::now();
        let last_second = self
            .burst_window
            .iter()
            .rev()
            .take_while(|at| now.duration_since(**at) < Duration::from_secs(1))
            .count() as u32;
        let secondly_max = self.settings.burst_max / 10;
        Usage {
            burst_max: self.settings.burst_max,
            burst_remaining: self
                .settings
                .burst_max
                .saturating_sub(self.burst_window.len() as u32),
            secondly_max,
            secondly_remaining: secondly_max.saturating_sub(last_second),
            daily_max: self.settings.daily_max,
            daily_used: self.daily_used,
        }
    }

    pub fn exhaust_daily(&mut self, now_ms: i64) {
        self.roll_day(now_ms);
        self.daily_used = self.settings.daily_max;
    }

    pub fn set_daily_used(&mut self, now_ms: i64, used: u64) {
        self.roll_day(now_ms);
        self.daily_used = used;
    }

    pub fn reset(&mut self) {
        self.burst_window.clear();
        self.search_window.clear();
        self.daily_used = 0;
    }

    /// Milliseconds until midnight UTC (sandbox time): when the daily allowance resets.
    pub fn resets_at_ms(&self, now_ms: i64) -> i64 {
        day_start_ms(now_ms) + 86_400_000
    }
}

fn prune(window: &mut VecDeque<Instant>, now: Instant, span: Duration) {
    while let Some(front) = window.front() {
        if now.duration_since(*front) >= span {
            window.pop_front();
        } else {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_window_refuses_the_call_after_max() {
        let mut limits = Limits::new(LimitSettings {
            burst_max: 2,
            search_per_second: 5,
            daily_max: 100,
        });
        assert!(limits.admit(0, true, false).is_ok());
        assert!(limits.admit(0, true, false).is_ok());
        assert_eq!(limits.admit(0, true, false).err(), Some(LimitHit::Burst));
    }

    #[test]
    fn daily_allowance_resets_at_midnight() {
        let mut limits = Limits::new(LimitSettings {
            burst_max: 100,
            search_per_second: 5,
            daily_max: 1,
        });
        assert!(limits.admit(1_000, false, false).is_ok());
        assert_eq!(
            limits.admit(2_000, false, false).err(),
            Some(LimitHit::Daily)
        );
        assert!(limits.admit(86_400_000 + 5, false, false).is_ok());
    }
}
