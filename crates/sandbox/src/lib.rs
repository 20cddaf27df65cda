//! tandem-sandbox: local, wire-compatible HubSpot and Salesforce APIs on loopback.
//!
//! In: a [`SandboxConfig`] (seed, ports, record counts, optional custom-object YAML and data
//! directory). Out: two HTTP servers on 127.0.0.1 speaking HubSpot CRM v3 / associations v4
//! and Salesforce REST / Bulk API 2.0, seeded with deterministic realistic (and dirty) data,
//! plus a control API under `/_sandbox/` on each server. Never: talks to the network beyond
//! loopback (webhooks go only to the configured target), or prints (the CLI does that).
//!
//! # Using it from a test
//!
//! ```no_run
//! # async fn demo() -> Result<(), tandem_sandbox::SandboxError> {
//! use tandem_sandbox::{FaultKind, Sandbox, SandboxConfig};
//! let sandbox = Sandbox::start(SandboxConfig { seed: 7, records_per_object: 50, ..SandboxConfig::default() }).await?;
//! let hubspot = sandbox.hubspot_url();          // "http://127.0.0.1:PORT"
//! let token = sandbox.hubspot_token();           // "Authorization: Bearer <token>"
//! sandbox.control().queue_faults(tandem_ground::schema::System::Hubspot, &[FaultKind::ServerError]);
//! let calls = sandbox.control().call_count(tandem_ground::schema::System::Hubspot, "POST /crm/v3/objects/{objectType}/batch/update");
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Module map: `hubspot/` and `salesforce/` (routers and wire shapes), `store/` (compact
//! records), `crm` (shared write operations), `validate` (schema-driven validation),
//! `soql/` (hand-written SOQL subset), `generator` (seeded data), `faults`, `limits`, `auth`,
//! `gate` (per-request auth, faults, limits, counters), `control` (the `/_sandbox/` API and
//! its in-process twin), `webhooks` (the v3 settings and subscriptions API, deliveries),
//! `persist`, `catalog` (standard + custom objects). HubSpot portal state beside the records
//! (owners, tiers, merge behaviour, exports) is `hubspot::portal`.

pub mod associations;
pub mod auth;
pub mod catalog;
pub mod clock;
pub mod control;
pub mod crm;
pub mod faults;
pub mod gate;
pub mod generator;
pub mod hubspot;
pub mod ids;
pub mod limits;
pub mod persist;
pub mod salesforce;
pub mod soql;
pub mod store;
pub mod validate;
pub mod webhooks;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use tandem_ground::schema::{SchemaSnapshot, System};

pub use catalog::CustomCatalog;
pub use control::SandboxControl;
pub use faults::{FaultKind, FaultSettings};
pub use hubspot::merge::MergeBehavior;
pub use hubspot::tier::{HubspotAccount, HubspotTier};
pub use limits::LimitSettings;

/// Everything a sandbox needs to start. `Default` gives free ports, seed 42 and 100
/// records per object.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    pub seed: u64,
    /// 0 picks a free port.
    pub hubspot_port: u16,
    pub salesforce_port: u16,
    /// Records generated for each standard object (contacts, companies, deals, Lead,
    /// Contact, Account, Opportunity, Task, Event, Case). Salesforce's
    /// AccountContactRelation and OpportunityContactRole rows follow from the contacts and
    /// opportunities instead (a direct relation per contact with an account, a primary role
    /// on most opportunities).
    pub records_per_object: usize,
    /// Per-object overrides of `records_per_object`, by object name (`contacts`, `Lead`).
    pub record_counts: BTreeMap<String, usize>,
    /// Seeded Salesforce records of each object are stamped in runs of this many sharing
    /// one `CreatedDate` / `SystemModstamp` second, as a bulk load leaves them; 1 (the
    /// default) gives each record its own second.
    pub salesforce_seed_stamp_batch: usize,
    /// Custom objects and fields (from `--config FILE`).
    pub custom: CustomCatalog,
    /// Replace the standard catalogs entirely (tests with their own schema).
    pub hubspot_schema: Option<SchemaSnapshot>,
    pub salesforce_schema: Option<SchemaSnapshot>,
    /// Load from / save to this directory (saved on `shutdown`).
    pub data_dir: Option<PathBuf>,
    pub hubspot_limits: LimitSettings,
    pub salesforce_limits: LimitSettings,
    /// HubSpot account tier and API limit increase packs; when given, the HubSpot limits come
    /// from it instead of `hubspot_limits`.
    pub hubspot_account: Option<HubspotAccount>,
    /// What a HubSpot merge does to record ids (see `hubspot::merge`).
    pub hubspot_merge_behavior: MergeBehavior,
    /// Rows per CSV file of a HubSpot export before it is split into several files of a zip
    /// (HubSpot: 1,000,000; smaller values let tests see the split without a million records).
    pub hubspot_export_rows_per_file: usize,
    /// Deliver HubSpot webhook events to this URL, signed with `webhook_client_secret`.
    pub webhook_target_url: Option<String>,
    pub webhook_client_secret: String,
    /// The HubSpot app whose webhooks the sandbox runs (`/webhooks/v3/{appId}/...`), and its
    /// developer API key (`?hapikey=`).
    pub hubspot_app_id: u64,
    pub hubspot_developer_api_key: String,
    /// OAuth client id / secret the token endpoints accept.
    pub client_id: String,
    pub client_secret: String,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            seed: 42,
            hubspot_port: 0,
            salesforce_port: 0,
            records_per_object: 100,
            record_counts: BTreeMap::new(),
            salesforce_seed_stamp_batch: 1,
            custom: CustomCatalog::default(),
            hubspot_schema: None,
            salesforce_schema: None,
            data_dir: None,
            hubspot_limits: LimitSettings {
                burst_max: 190,
                search_per_second: 5,
                daily_max: 625_000,
            },
            salesforce_limits: LimitSettings {
                burst_max: u32::MAX,
                search_per_second: u32::MAX,
                daily_max: 100_000,
            },
            hubspot_account: None,
            hubspot_merge_behavior: MergeBehavior::default(),
            hubspot_export_rows_per_file: hubspot::exports::ROWS_PER_FILE,
            webhook_target_url: None,
            webhook_client_secret: "sandbox-webhook-secret".to_string(),
            hubspot_app_id: 3_100_042,
            hubspot_developer_api_key: "sandbox-developer-api-key".to_string(),
            client_id: "sandbox-client-id".to_string(),
            client_secret: "sandbox-client-secret".to_string(),
        }
    }
}

impl SandboxConfig {
    pub fn record_count(&self, object: &str) -> usize {
        self.record_counts
            .get(object)
            .copied()
            .unwrap_or(self.records_per_object)
    }
}

/// Why a sandbox could not start or save. Each variant has a permanent code.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum SandboxError {
    #[error("cannot listen on 127.0.0.1:{port}: {reason}")]
    #[diagnostic(
        code(tandem::sandbox::bind_failed),
        help("pick another port, or 0 for any free port")
    )]
    BindFailed { port: u16, reason: String },
    #[error("cannot read sandbox config {path}: {reason}")]
    #[diagnostic(code(tandem::sandbox::config_unreadable))]
    ConfigUnreadable { path: String, reason: String },
    #[error("sandbox config {path} is not valid: {reason}")]
    #[diagnostic(
        code(tandem::sandbox::config_invalid),
        help(
            "the config holds `hubspot:` and `salesforce:` sections with `objects:` in the schema snapshot shape"
        )
    )]
    ConfigInvalid { path: String, reason: String },
    #[error("sandbox data directory {path}: {reason}")]
    #[diagnostic(code(tandem::sandbox::data_dir_failed))]
    DataDir { path: String, reason: String },
}

/// Mutable per-request machinery of one server: tokens, faults, limits, call counters.
pub struct Gate {
    pub auth: auth::Auth,
    pub faults: faults::Faults,
    pub limits: limits::Limits,
    pub counters: BTreeMap<String, u64>,
}

pub struct SystemState {
    pub system: System,
    crm: RwLock<crm::CrmData>,
    gate: Mutex<Gate>,
}

impl SystemState {
    pub fn read(&self) -> RwLockReadGuard<'_, crm::CrmData> {
        self.crm
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
    pub fn write(&self) -> RwLockWriteGuard<'_, crm::CrmData> {
        self.crm
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
    pub fn gate(&self) -> MutexGuard<'_, Gate> {
        self.gate
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// State shared by both servers and the in-process control handle.
pub struct Shared {
    pub config: SandboxConfig,
    pub clock: clock::Clock,
    pub hubspot: SystemState,
    pub salesforce: SystemState,
    pub portal_id: u64,
    /// Base URLs, filled in once the listeners are bound.
    pub hubspot_url: Mutex<String>,
    pub salesforce_url: Mutex<String>,
    pub webhook: Mutex<webhooks::WebhookSettings>,
    /// HubSpot portal state beside the records: owners, merge behaviour, tier, exports.
    pub hubspot_portal: Mutex<hubspot::portal::Portal>,
}

impl Shared {
    pub fn system(&self, system: System) -> &SystemState {
        match system {
            System::Hubspot => &self.hubspot,
            System::Salesforce => &self.salesforce,
        }
    }

    pub fn hubspot_portal(&self) -> MutexGuard<'_, hubspot::portal::Portal> {
        self.hubspot_portal
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn base_url(&self, system: System) -> String {
        let cell = match system {
            System::Hubspot => &self.hubspot_url,
            System::Salesforce => &self.salesforce_url,
        };
        cell.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// The entry point: `Sandbox::start(config).await`.
pub struct Sandbox;

impl Sandbox {
    pub async fn start(config: SandboxConfig) -> Result<SandboxHandle, SandboxError> {
        let shared = Arc::new(build_shared(config)?);
        let hubspot_listener = bind(shared.config.hubspot_port).await?;
        let salesforce_listener = bind(shared.config.salesforce_port).await?;
        let hubspot_addr = local_addr(&hubspot_listener, shared.config.hubspot_port)?;
        let salesforce_addr = local_addr(&salesforce_listener, shared.config.salesforce_port)?;
        *shared.hubspot_url.lock().unwrap_or_else(|p| p.into_inner()) =
            format!("http://{hubspot_addr}");
        *shared
            .salesforce_url
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = format!("http://{salesforce_addr}");

        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let mut tasks = Vec::new();
        for (listener, router) in [
            (hubspot_listener, hubspot::router(shared.clone())),
            (salesforce_listener, salesforce::router(shared.clone())),
        ] {
            let mut stop = stop_rx.clone();
            tasks.push(tokio::spawn(async move {
                let serve = axum::serve(listener, router).with_graceful_shutdown(async move {
                    let _ = stop.changed().await;
                });
                let _ = serve.await;
            }));
        }
        tasks.push(tokio::spawn(webhooks::deliver_loop(
            shared.clone(),
            stop_rx.clone(),
        )));
        Ok(SandboxHandle {
            shared,
            hubspot_addr,
            salesforce_addr,
            stop: stop_tx,
            tasks,
        })
    }
}

fn build_shared(config: SandboxConfig) -> Result<Shared, SandboxError> {
    let mut hubspot_schema = config
        .hubspot_schema
        .clone()
        .unwrap_or_else(catalog::standard_hubspot);
    let mut salesforce_schema = config
        .salesforce_schema
        .clone()
        .unwrap_or_else(catalog::standard_salesforce);
    catalog::apply_custom(&mut hubspot_schema, config.custom.hubspot.as_ref());
    catalog::apply_custom(&mut salesforce_schema, config.custom.salesforce.as_ref());
    let hubspot_limits = match &config.hubspot_account {
        Some(account) => account
            .limits()
            .map_err(|error| SandboxError::ConfigInvalid {
                path: "SandboxConfig::hubspot_account".into(),
                reason: error.to_string(),
            })?,
        None => config.hubspot_limits.clone(),
    };
    let portal = hubspot::portal::Portal {
        owners: hubspot::owners::Owners::from_catalog(&hubspot_schema.owners),
        merge: config.hubspot_merge_behavior,
        account: config.hubspot_account,
        exports: Default::default(),
    };
    let seed = config.seed;
    let gate = |prefix: &'static str, salt: u64, limits: &LimitSettings| Gate {
        auth: auth::Auth::new(prefix, seed, &config.client_id, &config.client_secret),
        faults: faults::Faults::new(ChaCha8Rng::seed_from_u64(seed ^ salt)),
        limits: limits::Limits::new(limits.clone()),
        counters: BTreeMap::new(),
    };
    let shared = Shared {
        clock: clock::Clock::default(),
        hubspot: SystemState {
            system: System::Hubspot,
            crm: RwLock::new(crm::CrmData::new(System::Hubspot, hubspot_schema)),
            gate: Mutex::new(gate("pat-na1-", 0x4853, &hubspot_limits)),
        },
        salesforce: SystemState {
            system: System::Salesforce,
            crm: RwLock::new(crm::CrmData::new(System::Salesforce, salesforce_schema)),
            gate: Mutex::new(gate("00D5g000004SBX1!", 0x5346, &config.salesforce_limits)),
        },
        portal_id: 20_000_000 + seed % 1_000_000,
        hubspot_url: Mutex::new(String::new()),
        salesforce_url: Mutex::new(String::new()),
        webhook: Mutex::new(webhooks::WebhookSettings::new(
            config.webhook_target_url.clone(),
            config.webhook_client_secret.clone(),
            config.hubspot_app_id,
            config.hubspot_developer_api_key.clone(),
            seed,
        )),
        hubspot_portal: Mutex::new(portal),
        config,
    };
    let loaded = match &shared.config.data_dir {
        Some(dir) => persist::load(&shared, dir)?,
        None => false,
    };
    if !loaded {
        generator::seed_all(&shared);
    }
    let webhooks_on = shared
        .webhook
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .target_url
        .is_some();
    shared.hubspot.write().webhooks_enabled = webhooks_on;
    Ok(shared)
}

async fn bind(port: u16) -> Result<tokio::net::TcpListener, SandboxError> {
    tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|error| SandboxError::BindFailed {
            port,
            reason: error.to_string(),
        })
}

fn local_addr(listener: &tokio::net::TcpListener, port: u16) -> Result<SocketAddr, SandboxError> {
    listener
        .local_addr()
        .map_err(|error| SandboxError::BindFailed {
            port,
            reason: error.to_string(),
        })
}

/// A running sandbox. Dropping it without `shutdown` stops the servers when the runtime
/// ends; call `shutdown().await` to stop them now (and save, with a data directory).
pub struct SandboxHandle {
    shared: Arc<Shared>,
    hubspot_addr: SocketAddr,
    salesforce_addr: SocketAddr,
    stop: tokio::sync::watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl SandboxHandle {
    /// `http://127.0.0.1:PORT`, the HubSpot base URL (stands in for `https://api.hubapi.com`).
    pub fn hubspot_url(&self) -> String {
        format!("http://{}", self.hubspot_addr)
    }

    /// `http://127.0.0.1:PORT`, the Salesforce instance URL (and login URL for tokens).
    pub fn salesforce_url(&self) -> String {
        format!("http://{}", self.salesforce_addr)
    }

    /// The current valid HubSpot private-app token (changes after a refresh).
    pub fn hubspot_token(&self) -> String {
        self.shared.hubspot.gate().auth.current.clone()
    }

    pub fn salesforce_token(&self) -> String {
        self.shared.salesforce.gate().auth.current.clone()
    }

    /// The HubSpot app id of the webhooks API (`/webhooks/v3/{appId}/...`).
    pub fn hubspot_app_id(&self) -> u64 {
        self.shared.config.hubspot_app_id
    }

    /// The developer API key the webhooks API accepts as `?hapikey=`.
    pub fn hubspot_developer_api_key(&self) -> String {
        self.shared.config.hubspot_developer_api_key.clone()
    }

    /// The refresh token each token endpoint accepts.
    pub fn refresh_token(&self, system: System) -> String {
        self.shared.system(system).gate().auth.refresh_token.clone()
    }

    /// Turns refresh-token rotation on or off for one system's token endpoint: when on, each
    /// refresh grant answers a new refresh token and the presented one is refused afterwards.
    pub fn set_refresh_rotation(&self, system: System, rotate: bool) {
        self.shared.system(system).gate().auth.rotate_refresh = rotate;
    }

    /// The OAuth client id / secret the token endpoints accept.
    pub fn client_credentials(&self) -> (String, String) {
        (
            self.shared.config.client_id.clone(),
            self.shared.config.client_secret.clone(),
        )
    }

    /// In-process control: counters, faults, clock, acting as a CRM user.
    pub fn control(&self) -> SandboxControl {
        SandboxControl::new(self.shared.clone())
    }

    /// Stops both servers (in-flight requests finish) and saves to the data directory.
    pub async fn shutdown(self) -> Result<(), SandboxError> {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
        if let Some(dir) = &self.shared.config.data_dir {
            persist::save(&self.shared, dir)?;
        }
        Ok(())
    }
}
