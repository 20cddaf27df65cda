//! Webhook delivery as HubSpot performs it: batches of at most 100 notifications, at most
//! `maxConcurrentRequests` (default 10) requests in flight, a 5 second response timeout, and
//! up to 10 retries over 24 hours after a connection failure, a timeout or any 4xx/5xx
//! (continuous-lifecycle-scale.md §1.1.1, quoting developers.hubspot.com/docs/api/webhooks).
//! HubSpot does not publish its retry spacing ("varying delays... some randomization"); the
//! sandbox waits 1, 2, 4, ... 512 minutes of sandbox time, each ±10 % (seeded), about 17 hours
//! in all, so a test advances the clock to watch retries. The deliveries log records every
//! attempt and its outcome; faults (delay, drop, duplicate) are applied here.

use std::collections::VecDeque;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// "Each request can contain up to 100 events."
pub const MAX_EVENTS_PER_REQUEST: usize = 100;
/// "HubSpot will attempt to re-send failed notifications up to 10 times".
pub const MAX_RETRIES: u32 = 10;
/// A batch must be answered within five seconds.
pub const RESPONSE_TIMEOUT_MS: u64 = 5_000;
/// The deliveries log keeps the most recent attempts only.
const LOG_CAP: usize = 10_000;

/// Faults a test injects into deliveries.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookFaults {
    /// Hold each new batch this long (sandbox time) before its first attempt.
    pub delay_ms: u64,
    /// The share of new batches (0.0..=1.0) never sent, as if lost.
    pub drop_rate: f64,
    /// The share of delivered batches (0.0..=1.0) sent a second time.
    pub duplicate_rate: f64,
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum Outcome {
    /// The receiver answered 2xx.
    Delivered { status: u16 },
    /// The receiver answered another status, timed out or could not be reached.
    Failed {
        #[serde(skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
        error: String,
    },
    /// A drop fault: the batch was never sent.
    Dropped,
}

/// One line of the deliveries log (`GET /_sandbox/webhooks/deliveries`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryRecord {
    pub delivery_id: u64,
    pub attempt_number: u32,
    pub at_ms: i64,
    pub event_ids: Vec<u64>,
    pub subscription_types: Vec<String>,
    #[serde(flatten)]
    pub outcome: Outcome,
    /// A duplicate fault's second sending of a delivered batch.
    pub duplicate: bool,
    /// When the next retry is due (sandbox time), after a failure with retries left.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_attempt_at_ms: Option<i64>,
    /// A failure after the last retry: HubSpot gives the batch up.
    pub gave_up: bool,
}

/// A batch on its way.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: u64,
    pub events: Vec<Value>,
    pub attempt: u32,
    pub due_ms: i64,
    pub duplicate: bool,
}

impl Delivery {
    /// The body of this attempt: the events with their `attemptNumber`.
    pub fn body(&self) -> String {
        let events: Vec<Value> = self
            .events
            .iter()
            .cloned()
            .map(|mut event| {
                event["attemptNumber"] = self.attempt.into();
                event
            })
            .collect();
        Value::Array(events).to_string()
    }

    fn event_ids(&self) -> Vec<u64> {
        self.events
            .iter()
            .filter_map(|e| e.get("eventId").and_then(Value::as_u64))
            .collect()
    }

    fn subscription_types(&self) -> Vec<String> {
        let mut types: Vec<String> = self
            .events
            .iter()
            .filter_map(|e| e.get("subscriptionType").and_then(Value::as_str))
            .map(str::to_string)
            .collect();
        types.sort();
        types.dedup();
        types
    }
}

/// Notifications waiting for a batch, batches waiting for their time, and the log.
#[derive(Debug)]
pub struct Outbox {
    waiting: VecDeque<Value>,
    queue: Vec<Delivery>,
    pub in_flight: usize,
    next_delivery_id: u64,
    pub log: Vec<DeliveryRecord>,
    rng: ChaCha8Rng,
}

impl Outbox {
    pub fn new(rng: ChaCha8Rng) -> Self {
        Outbox {
            waiting: VecDeque::new(),
            queue: Vec::new(),
            in_flight: 0,
            next_delivery_id: 0,
            log: Vec::new(),
            rng,
        }
    }

    pub fn push(&mut self, notification: Value) {
        self.waiting.push_back(notification);
    }

    fn record(&mut self, record: DeliveryRecord) {
        if self.log.len() >= LOG_CAP {
            self.log.drain(..LOG_CAP / 10);
        }
        self.log.push(record);
    }

    /// Cuts waiting notifications into batches of at most 100, applying delay and drop faults.
    pub fn batch(&mut self, faults: &WebhookFaults, now_ms: i64) {
        while !self.waiting.is_empty() {
            let take = self.waiting.len().min(MAX_EVENTS_PER_REQUEST);
            let events: Vec<Value> = self.waiting.drain(..take).collect();
            self.next_delivery_id += 1;
            let delivery = Delivery {
                id: self.next_delivery_id,
                events,
                attempt: 0,
                due_ms: now_ms + faults.delay_ms as i64,
                duplicate: false,
            };
            if faults.drop_rate > 0.0 && self.rng.r#gen::<f64>() < faults.drop_rate {
                let record = DeliveryRecord {
                    delivery_id: delivery.id,
                    attempt_number: 0,
                    at_ms: now_ms,
                    event_ids: delivery.event_ids(),
                    subscription_types: delivery.subscription_types(),
                    outcome: Outcome::Dropped,
                    duplicate: false,
                    next_attempt_at_ms: None,
                    gave_up: false,
                };
                self.record(record);
                continue;
            }
            self.queue.push(delivery);
        }
    }

    /// The batches due now, as many as the concurrency limit leaves room for.
    pub fn take_due(&mut self, now_ms: i64, max_concurrent: usize) -> Vec<Delivery> {
        let room = max_concurrent.saturating_sub(self.in_flight);
        if room == 0 {
            return Vec::new();
        }
        self.queue.sort_by_key(|d| (d.due_ms, d.id, d.attempt));
        let mut due = Vec::new();
        let mut index = 0;
        while index < self.queue.len() && due.len() < room {
            if self.queue[index].due_ms <= now_ms {
                due.push(self.queue.remove(index));
            } else {
                index += 1;
            }
        }
        self.in_flight += due.len();
        due
    }

    /// Records one attempt's outcome and schedules what follows; returns whether the batch
    /// ended delivered (`Some(true)`), given up (`Some(false)`), or is still on its way.
    pub fn settle(
        &mut self,
        delivery: Delivery,
        outcome: Outcome,
        faults: &WebhookFaults,
        now_ms: i64,
    ) -> Option<bool> {
        self.in_flight = self.in_flight.saturating_sub(1);
        let mut record = DeliveryRecord {
            delivery_id: delivery.id,
            attempt_number: delivery.attempt,
            at_ms: now_ms,
            event_ids: delivery.event_ids(),
            subscription_types: delivery.subscription_types(),
            outcome: outcome.clone(),
            duplicate: delivery.duplicate,
            next_attempt_at_ms: None,
            gave_up: false,
        };
        let ended = match outcome {
            Outcome::Delivered { .. } => {
                let duplicate = !delivery.duplicate
                    && faults.duplicate_rate > 0.0
                    && self.rng.r#gen::<f64>() < faults.duplicate_rate;
                if duplicate {
                    self.queue.push(Delivery {
                        duplicate: true,
                        due_ms: now_ms,
                        ..delivery
                    });
                }
                Some(true)
            }
            Outcome::Failed { .. } if delivery.attempt < MAX_RETRIES => {
                let due = now_ms + self.backoff_ms(delivery.attempt);
                record.next_attempt_at_ms = Some(due);
                self.queue.push(Delivery {
                    attempt: delivery.attempt + 1,
                    due_ms: due,
                    ..delivery
                });
                None
            }
            Outcome::Failed { .. } => {
                record.gave_up = true;
                Some(false)
            }
            Outcome::Dropped => Some(false),
        };
        self.record(record);
        ended
    }

    /// The wait before retry `attempt + 1`: 2^attempt minutes, ±10 %.
    fn backoff_ms(&mut self, attempt: u32) -> i64 {
        let base = 60_000i64 << attempt.min(20);
        let jitter = self.rng.gen_range(-0.1..=0.1);
        base + (base as f64 * jitter) as i64
    }

    pub fn clear(&mut self) {
        self.waiting.clear();
        self.queue.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use serde_json::json;

    fn outbox() -> Outbox {
        Outbox::new(ChaCha8Rng::seed_from_u64(3))
    }

    #[test]
    fn notifications_are_cut_into_batches_of_one_hundred() {
        let mut outbox = outbox();
        for id in 0..250u64 {
            outbox.push(json!({"eventId": id}));
        }
        outbox.batch(&WebhookFaults::default(), 0);
        let due = outbox.take_due(0, 10);
        let sizes: Vec<usize> = due.iter().map(|d| d.events.len()).collect();
        assert_eq!(sizes, vec![100, 100, 50]);
        assert_eq!(outbox.in_flight, 3);
    }

    #[test]
    fn a_failing_batch_is_retried_ten_times_with_growing_waits_then_given_up() {
        let mut outbox = outbox();
        outbox.push(json!({"eventId": 1}));
        outbox.batch(&WebhookFaults::default(), 0);
        let mut now = 0;
        let mut waits = Vec::new();
        for attempt in 0..=MAX_RETRIES {
            let mut due = outbox.take_due(now, 10);
            assert_eq!(due.len(), 1, "attempt {attempt}");
            let delivery = due.remove(0);
            assert_eq!(delivery.attempt, attempt);
            let failed = Outcome::Failed {
                status: Some(500),
                error: "HTTP 500".into(),
            };
            let ended = outbox.settle(delivery, failed, &WebhookFaults::default(), now);
            let record = outbox.log.last().cloned().expect("logged");
            if attempt < MAX_RETRIES {
                assert_eq!(ended, None);
                let next = record.next_attempt_at_ms.expect("retry scheduled");
                assert!(
                    outbox.take_due(next - 1, 10).is_empty(),
                    "not before it is due"
                );
                waits.push(next - now);
                now = next;
            } else {
                assert_eq!(ended, Some(false));
                assert!(record.gave_up);
            }
        }
        assert!(waits.windows(2).all(|w| w[1] > w[0]), "{waits:?}");
        let total: i64 = waits.iter().sum();
        assert!(total < 24 * 3_600_000, "within 24 hours: {total}");
    }
}
