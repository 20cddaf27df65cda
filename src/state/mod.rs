//! state: the state store (links, merge bases, watermarks, journal, queues, audit).
