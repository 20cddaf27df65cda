//! Client-side pacing: stay under a CRM's rolling-window limit instead of hitting 429s.
//!
//! [`SlidingWindow`] is the pure rule (at most `max` sends in any `window`); [`Pacer`] wraps
//! it for async callers, sleeping until a slot is free. HubSpot gets one pacer for its
//! 10-second burst window and another for search's 5 requests per second.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

/// At most `max` events in any span of `window`.
#[derive(Debug)]
pub struct SlidingWindow {
    max: usize,
    window: Duration,
    sent: VecDeque<Instant>,
}

impl SlidingWindow {
    pub fn new(max: u32, window: Duration) -> Self {
        SlidingWindow {
            max: max as usize,
            window,
            sent: VecDeque::new(),
        }
    }

    /// Records a send at the earliest time at or after `now` that keeps the rule, and
    /// returns that time.
    pub fn reserve(&mut self, now: Instant) -> Instant {
        while let Some(&oldest) = self.sent.front() {
            if oldest + self.window <= now {
                self.sent.pop_front();
            } else {
                break;
            }
        }
        let at = if self.sent.len() < self.max {
            now
        } else {
            // The send `max` places back must have left the window first.
            let blocking = self.sent[self.sent.len() - self.max];
            (blocking + self.window).max(now)
        };
        self.sent.push_back(at);
        // Keep memory bounded: only the last `max` sends can ever block.
        while self.sent.len() > self.max {
            self.sent.pop_front();
        }
        at
    }

    /// Pushes every future slot back until `until` (the CRM said the window is spent).
    pub fn block_until(&mut self, until: Instant) {
        for _ in 0..self.max {
            self.sent.push_back(until - self.window);
        }
        while self.sent.len() > self.max {
            self.sent.pop_front();
        }
    }
}

/// An async pacer; `None` limits mean "no pacing".
#[derive(Debug)]
pub struct Pacer {
    window: Option<Mutex<SlidingWindow>>,
}

impl Pacer {
    pub fn new(max: u32, window: Duration) -> Self {
        Pacer {
            window: (max > 0).then(|| Mutex::new(SlidingWindow::new(max, window))),
        }
    }

    pub fn unlimited() -> Self {
        Pacer { window: None }
    }

    /// Waits for a free slot.
    pub async fn acquire(&self) {
        let Some(window) = &self.window else {
            return;
        };
        let at = window.lock().await.reserve(Instant::now());
        tokio::time::sleep_until(at).await;
    }

    /// The CRM reported the window spent: hold every caller until `wait` has passed.
    pub async fn hold_for(&self, wait: Duration) {
        if let Some(window) = &self.window {
            window.lock().await.block_until(Instant::now() + wait);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_admits_max_then_waits_for_the_oldest_to_expire() {
        let start = Instant::now();
        let mut window = SlidingWindow::new(3, Duration::from_secs(10));
        let slots: Vec<Duration> = (0..7).map(|_| window.reserve(start) - start).collect();
        assert_eq!(
            slots,
            vec![0, 0, 0, 10, 10, 10, 20]
                .into_iter()
                .map(Duration::from_secs)
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn window_frees_slots_as_time_passes() {
        let start = Instant::now();
        let mut window = SlidingWindow::new(2, Duration::from_secs(1));
        assert_eq!(window.reserve(start), start);
        assert_eq!(
            window.reserve(start + Duration::from_millis(500)),
            start + Duration::from_millis(500)
        );
        // Third send at 0.6 s must wait for the first to leave the window at 1.0 s.
        assert_eq!(
            window.reserve(start + Duration::from_millis(600)),
            start + Duration::from_secs(1)
        );
        // At 5 s everything has expired.
        let later = start + Duration::from_secs(5);
        assert_eq!(window.reserve(later), later);
    }

    #[test]
    fn a_spent_window_reported_by_the_crm_blocks_new_sends() {
        let start = Instant::now();
        let mut window = SlidingWindow::new(5, Duration::from_secs(10));
        window.block_until(start + Duration::from_secs(4));
        assert_eq!(window.reserve(start), start + Duration::from_secs(4));
    }

    #[tokio::test]
    async fn pacer_makes_callers_wait_for_the_window_to_roll() {
        // Five per 100 ms: the 11th acquire cannot happen before 200 ms.
        let pacer = Pacer::new(5, Duration::from_millis(100));
        let start = Instant::now();
        for _ in 0..11 {
            pacer.acquire().await;
        }
        let elapsed = Instant::now() - start;
        assert!(elapsed >= Duration::from_millis(200), "{elapsed:?}");
        assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    }
}
