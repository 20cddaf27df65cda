//! Incremental-read bookkeeping shared by both CRMs: where the last read stopped, and which
//! records near that point were already delivered.
//!
//! A read starts at `high - overlap` (to catch late commits and search's eventual
//! consistency) and drops any record whose `(id, modified, content)` it already delivered, so
//! the overlap costs a few extra rows on the wire but never a duplicate to the planner. The
//! content matters because Salesforce stamps whole seconds: an edit in the same second as the
//! last read keeps the stamp the read saw, and only its values tell it is a change. Memory is
//! bounded by the number of changes inside one overlap window. Pure: no clock, no IO.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

pub use tandem_ground::timestamp::{ms_to_rfc3339, parse_timestamp_ms};

/// Saved per (system, object) by the engine between runs. Opaque to everyone else.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watermark {
    /// The highest modification time delivered, in epoch milliseconds.
    pub high_ms: Option<i64>,
    /// Records delivered within the overlap window below `high_ms`: id -> modified (ms).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub recent: BTreeMap<String, i64>,
    /// A digest of each record of `recent` as delivered ([`content_digest`]). A watermark saved
    /// before digests were kept has none: those records compare by stamp alone.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub recent_content: BTreeMap<String, u64>,
    /// Which fields the digests cover ([`fields_signature`]): a read of other fields cannot
    /// compare them, and compares by stamp alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_fields: Option<u64>,
}

/// A digest of the field names a read returns, in name order.
pub fn fields_signature<S: AsRef<str>>(fields: &[S]) -> u64 {
    let mut names: Vec<&str> = fields.iter().map(AsRef::as_ref).collect();
    names.sort_unstable();
    names.dedup();
    let empty = serde_json::Value::Null;
    content_digest(names.into_iter().map(|name| (name, &empty)))
}

/// A stable digest of a record's values (FNV-1a over `name=value` pairs in name order): what
/// tells an edit apart from a re-read when the stamp did not move.
pub fn content_digest<'v>(
    values: impl IntoIterator<Item = (&'v str, &'v serde_json::Value)>,
) -> u64 {
    let mut sorted: Vec<(&str, &serde_json::Value)> = values.into_iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for byte in bytes {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    for (name, value) in sorted {
        feed(name.as_bytes());
        feed(b"=");
        feed(value.to_string().as_bytes());
        feed(b"\n");
    }
    hash
}

impl Watermark {
    /// The watermark as RFC 3339 (for messages and the engine's state view).
    pub fn high_rfc3339(&self) -> Option<String> {
        self.high_ms.and_then(ms_to_rfc3339)
    }
}

/// Tracks one read against the previous watermark.
#[derive(Debug, Clone)]
pub struct ChangeTracker {
    overlap_ms: i64,
    high_ms: Option<i64>,
    recent: BTreeMap<String, i64>,
    recent_content: BTreeMap<String, u64>,
    content_fields: Option<u64>,
    /// `recent` ordered by time, so forgetting what fell out of the overlap costs only the
    /// entries forgotten (a scan of records all modified within the overlap stays linear).
    recent_by_time: BTreeSet<(i64, String)>,
    /// The largest modification time seen so far in this read.
    seen_high_ms: Option<i64>,
    /// Cap for `high_ms` (a full read's start time), so records changed during a long scan
    /// are read again next time.
    ceiling_ms: Option<i64>,
}

impl ChangeTracker {
    pub fn new(previous: Option<&Watermark>, overlap_ms: i64) -> Self {
        let previous = previous.cloned().unwrap_or_default();
        ChangeTracker {
            overlap_ms,
            high_ms: previous.high_ms,
            recent_by_time: previous
                .recent
                .iter()
                .map(|(id, at)| (*at, id.clone()))
                .collect(),
            recent: previous.recent,
            recent_content: previous.recent_content,
            content_fields: previous.content_fields,
            seen_high_ms: None,
            ceiling_ms: None,
        }
    }

    /// The fields this read returns, whose digests [`Self::admit`] compares: when the
    /// previous read returned other fields, its digests cannot be compared and are dropped
    /// (records then compare by stamp alone, as before digests were kept).
    pub fn compare_content_of<S: AsRef<str>>(&mut self, fields: &[S]) {
        let signature = fields_signature(fields);
        if self.content_fields != Some(signature) {
            self.recent_content.clear();
            self.content_fields = Some(signature);
        }
    }

    /// Where the read must start (inclusive), or `None` for a full read.
    pub fn start_ms(&self) -> Option<i64> {
        self.high_ms.map(|high| high - self.overlap_ms)
    }

    /// Limits the final watermark to `ceiling_ms` (the server time when a full scan began).
    pub fn cap_at(&mut self, ceiling_ms: i64) {
        self.ceiling_ms = Some(ceiling_ms);
    }

    /// Whether a record is new to the planner; records it as delivered when it is.
    /// `content` is its [`content_digest`] (`None` when the caller has none to give).
    pub fn admit(&mut self, id: &str, modified_ms: i64, content: Option<u64>) -> bool {
        let same_stamp = self.recent.get(id) == Some(&modified_ms);
        let same_content = match (content, self.recent_content.get(id)) {
            (Some(now), Some(before)) => now == *before,
            // Remembered without a digest (an older watermark), or none given: the stamp decides.
            _ => true,
        };
        if same_stamp && same_content {
            return false;
        }
        match content {
            Some(content) => {
                self.recent_content.insert(id.to_string(), content);
            }
            None => {
                self.recent_content.remove(id);
            }
        }
        if let Some(before) = self.recent.insert(id.to_string(), modified_ms) {
            self.recent_by_time.remove(&(before, id.to_string()));
        }
        self.recent_by_time.insert((modified_ms, id.to_string()));
        if self.seen_high_ms.is_none_or(|high| modified_ms > high) {
            self.seen_high_ms = Some(modified_ms);
            // Forget what can no longer be inside the next read's overlap.
            let floor = modified_ms - self.overlap_ms;
            let floor = self
                .ceiling_ms
                .map_or(floor, |ceiling| floor.min(ceiling - self.overlap_ms));
            while let Some((at, _)) = self.recent_by_time.first()
                && *at < floor
            {
                if let Some((_, gone)) = self.recent_by_time.pop_first() {
                    self.recent.remove(&gone);
                    self.recent_content.remove(&gone);
                }
            }
        }
        true
    }

    /// The watermark to save once every page has been delivered.
    pub fn finish(&self) -> Watermark {
        let mut high = match (self.high_ms, self.seen_high_ms) {
            (Some(old), Some(seen)) => Some(old.max(seen)),
            (old, seen) => old.or(seen),
        };
        if let (Some(value), Some(ceiling)) = (high, self.ceiling_ms) {
            high = Some(value.min(ceiling));
        }
        if high.is_none() {
            high = self.ceiling_ms;
        }
        let recent = match high {
            Some(high) => self
                .recent
                .iter()
                .filter(|(_, at)| **at >= high - self.overlap_ms)
                .map(|(id, at)| (id.clone(), *at))
                .collect(),
            None => BTreeMap::new(),
        };
        let recent_content = self
            .recent_content
            .iter()
            .filter(|(id, _)| recent.contains_key(*id))
            .map(|(id, digest)| (id.clone(), *digest))
            .collect();
        Watermark {
            high_ms: high,
            recent,
            recent_content,
            content_fields: self.content_fields,
        }
    }
}

/// A SOQL datetime literal (`2025-01-31T23:59:59Z`), floored to the second: the overlap
/// window and dedupe make the lost milliseconds harmless.
pub fn soql_datetime(ms: i64) -> Option<String> {
    DateTime::<Utc>::from_timestamp_millis(ms.div_euclid(1000) * 1000)
        .map(|at| at.to_rfc3339_opts(SecondsFormat::Secs, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_of_both_crms_parse_to_the_same_instant() {
        let iso = parse_timestamp_ms("2013-05-20T20:49:32.000Z").unwrap();
        assert_eq!(
            parse_timestamp_ms("2013-05-20T20:49:32.000+0000"),
            Some(iso)
        );
        assert_eq!(parse_timestamp_ms(&iso.to_string()), Some(iso));
        assert_eq!(parse_timestamp_ms("yesterday"), None);
        assert_eq!(
            soql_datetime(iso + 999).as_deref(),
            Some("2013-05-20T20:49:32Z")
        );
    }

    #[test]
    fn first_read_delivers_everything_and_sets_the_high_mark() {
        let mut tracker = ChangeTracker::new(None, 1_000);
        assert_eq!(tracker.start_ms(), None);
        assert!(tracker.admit("a", 5_000, None));
        assert!(tracker.admit("b", 9_000, None));
        assert!(tracker.admit("c", 9_500, None));
        let mark = tracker.finish();
        assert_eq!(mark.high_ms, Some(9_500));
        // Only records inside the overlap below the mark are remembered.
        assert_eq!(mark.recent.keys().collect::<Vec<_>>(), vec!["b", "c"]);
    }

    #[test]
    fn overlap_rereads_are_deduped_but_real_changes_and_late_commits_pass() {
        let mut first = ChangeTracker::new(None, 1_000);
        first.admit("b", 9_000, None);
        first.admit("c", 9_500, None);
        let mark = first.finish();
        let mut next = ChangeTracker::new(Some(&mark), 1_000);
        assert_eq!(next.start_ms(), Some(8_500));
        assert!(
            !next.admit("b", 9_000, None),
            "unchanged record inside the overlap is dropped"
        );
        assert!(!next.admit("c", 9_500, None));
        assert!(
            next.admit("d", 9_200, None),
            "a late commit with an older stamp is delivered"
        );
        assert!(next.admit("b", 12_000, None), "a real change is delivered");
        assert_eq!(next.finish().high_ms, Some(12_000));
    }

    #[test]
    fn an_empty_incremental_read_keeps_the_previous_mark() {
        let mark = Watermark {
            high_ms: Some(42),
            ..Watermark::default()
        };
        let tracker = ChangeTracker::new(Some(&mark), 10);
        assert_eq!(tracker.finish(), mark);
    }

    #[test]
    fn a_full_scan_caps_the_mark_at_its_start_time() {
        let mut tracker = ChangeTracker::new(None, 100);
        tracker.cap_at(5_000);
        tracker.admit("old", 1_000, None);
        tracker.admit("changed-during-scan", 7_000, None);
        let mark = tracker.finish();
        assert_eq!(mark.high_ms, Some(5_000));
        // The record changed during the scan is remembered, so the next read (from 4,900)
        // does not deliver it twice unless it changes again.
        assert_eq!(mark.recent.get("changed-during-scan"), Some(&7_000));
    }

    #[test]
    fn a_scan_of_records_all_inside_the_overlap_is_linear() {
        // Every record of a freshly loaded CRM sits inside the overlap window: each admit
        // raises the high mark, and forgetting must not rescan what it keeps.
        let mut tracker = ChangeTracker::new(None, 300_000);
        tracker.cap_at(10_000_000);
        for i in 0..50_000i64 {
            assert!(tracker.admit(&i.to_string(), 1_000_000 + i, None));
        }
        assert_eq!(tracker.recent.len(), 50_000);
        assert_eq!(tracker.recent.len(), tracker.recent_by_time.len());
        assert!(!tracker.admit("7", 1_000_007, None), "delivered once");
        assert!(
            tracker.admit("7", 1_060_000, None),
            "a real change is delivered"
        );
        assert_eq!(tracker.recent.len(), tracker.recent_by_time.len());
    }

    #[test]
    fn an_edit_in_the_same_second_as_the_last_read_is_delivered() {
        // Salesforce stamps whole seconds: an edit within the second the last read saw keeps
        // the stamp, and only its content tells it apart from a re-read.
        let name = |text: &str| serde_json::json!(text);
        let before = content_digest([("Name", &name("Acme"))]);
        let after = content_digest([("Name", &name("Acme Corp"))]);
        let mut first = ChangeTracker::new(None, 1_000);
        assert!(first.admit("a", 9_000, Some(before)));
        let mark = first.finish();
        let mut next = ChangeTracker::new(Some(&mark), 1_000);
        assert!(
            !next.admit("a", 9_000, Some(before)),
            "a re-read is dropped"
        );
        assert!(next.admit("a", 9_000, Some(after)), "the edit is delivered");
        let mark = next.finish();
        assert_eq!(mark.recent_content.get("a"), Some(&after));
    }

    #[test]
    fn memory_stays_within_the_overlap_window() {
        let mut tracker = ChangeTracker::new(None, 10);
        for ms in 0..10_000 {
            tracker.admit(&format!("r{ms}"), ms, None);
        }
        assert!(tracker.recent.len() <= 11, "{}", tracker.recent.len());
        assert_eq!(tracker.recent.len(), tracker.recent_by_time.len());
    }
}
