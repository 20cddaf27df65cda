//! Where a session's spec, schemas and state are, and how it reaches the two CRMs.

use std::path::PathBuf;

use crate::connectors::ConnectionConfig;
use crate::state::default_state_path;

/// Where the spec, its schema snapshots and its state store are.
#[derive(Debug, Clone)]
pub struct SpecLocation {
    /// A `.tandem` file or a folder of them.
    pub spec: PathBuf,
    /// The state store; `None` is `.tandem/state.db` beside the spec.
    pub state: Option<PathBuf>,
    /// The schema snapshots folder; `None` is the nearest `schemas/` folder at or above the
    /// spec (without one the spec is refused with `tandem::check::missing_schema`).
    pub schemas: Option<PathBuf>,
}

impl SpecLocation {
    /// A spec with its default state store and schema snapshots.
    pub fn new(spec: impl Into<PathBuf>) -> SpecLocation {
        SpecLocation {
            spec: spec.into(),
            state: None,
            schemas: None,
        }
    }

    /// The state store this location names, or the default one beside the spec.
    pub fn state_path(&self) -> PathBuf {
        self.state
            .clone()
            .unwrap_or_else(|| default_state_path(&self.spec))
    }
}

/// How a session finds its CRMs.
#[derive(Debug, Clone)]
pub enum Connection {
    /// The `TANDEM_*` variables (`name: None`), or a named environment of the `tandem.toml`
    /// beside the spec whose entries name variables.
    Environment { name: Option<String> },
    /// A configuration built by the caller (the demo and the tests, from a sandbox's URLs).
    Explicit(Box<ConnectionConfig>),
}

/// Everything [`super::Session::open`] needs.
#[derive(Debug, Clone)]
pub struct SessionOptions {
    pub location: SpecLocation,
    pub connection: Connection,
    /// Take the state store's apply lock when the session opens and hold it until the
    /// session is dropped, so no other apply interleaves with a plan this session is about
    /// to apply (`tandem apply`). Without it, [`super::Session::apply`] takes the lock for
    /// the apply alone.
    pub hold_apply_lock: bool,
}
