//! The two queues a human works through, in the state store: records that failed to write
//! (`tandem errors`) and conflicts waiting for review (`tandem conflicts`). Neither needs the
//! spec or a CRM; the next apply acts on what is decided here.

use super::SessionError;
use super::options::SpecLocation;
use crate::schema::System;
use crate::state::{OpenConflict, QueuedError, StateStore};

/// The state store opened for its queues alone.
#[derive(Debug)]
pub struct ReviewQueues {
    store: StateStore,
}

impl ReviewQueues {
    /// Opens the state store at `location` (creating an empty one, as every command does).
    pub fn open(location: &SpecLocation) -> Result<ReviewQueues, SessionError> {
        Ok(ReviewQueues {
            store: StateStore::open(&location.state_path())?,
        })
    }

    /// The records waiting in the error queue.
    pub fn queued_errors(&self) -> Result<Vec<QueuedError>, SessionError> {
        queued_errors(&self.store)
    }

    /// Asks the next apply to retry queued records even if nothing changed: all of them when
    /// `ids` is empty. A number that is not queued (a typo, an already settled record) is an
    /// error and changes nothing. Returns how many records will be retried.
    pub fn request_retry(&mut self, ids: &[i64]) -> Result<usize, SessionError> {
        let queued = self.store.queued_errors()?;
        let unknown: Vec<i64> = ids
            .iter()
            .copied()
            .filter(|id| !queued.iter().any(|error| error.id == *id))
            .collect();
        if !unknown.is_empty() {
            return Err(SessionError::UnknownQueuedErrors { ids: unknown });
        }
        Ok(self.store.write(|w| w.request_retry(ids))?)
    }

    /// The conflicts waiting for review.
    pub fn open_conflicts(&self) -> Result<Vec<OpenConflict>, SessionError> {
        Ok(self.store.conflicts(false)?)
    }

    /// Resolves conflict `id` for `take`: the next apply writes that side's value to the other.
    pub fn resolve_conflict(&mut self, id: i64, take: System) -> Result<(), SessionError> {
        Ok(self
            .store
            .write(|w| w.resolve_conflict(id, take.short_name()))?)
    }
}

/// The records waiting in `store`'s error queue.
pub fn queued_errors(store: &StateStore) -> Result<Vec<QueuedError>, SessionError> {
    Ok(store.queued_errors()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejection() -> tandem_ground::failure::RecordFailure {
        tandem_ground::failure::RecordFailure::Rejected {
            code: "REQUIRED_FIELD_MISSING".to_string(),
            message: "Required fields are missing: [LastName]".to_string(),
            fields: vec!["LastName".to_string()],
            retryable: false,
        }
    }

    #[test]
    fn retrying_a_number_not_in_the_queue_changes_nothing() {
        let mut queues = ReviewQueues {
            store: StateStore::open_in_memory().expect("in-memory store"),
        };
        queues
            .store
            .write(|w| w.enqueue_error("leads", "sf", "501", &rejection(), "f1"))
            .expect("queue");
        let queued = queues.queued_errors().expect("queue");
        let known = queued[0].id;
        match queues.request_retry(&[known, known + 41]) {
            Err(SessionError::UnknownQueuedErrors { ids }) => assert_eq!(ids, [known + 41]),
            other => panic!("expected the unknown number refused, got {other:?}"),
        }
        assert!(!queues.queued_errors().expect("queue")[0].retry_requested);
        assert_eq!(queues.request_retry(&[known]).expect("retry"), 1);
        assert!(queues.queued_errors().expect("queue")[0].retry_requested);
    }
}
