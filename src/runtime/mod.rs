//! runtime: apply a Plan through the connectors: ordering, batching, retries, journal, events.
