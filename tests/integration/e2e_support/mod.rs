//! A sandbox world for end-to-end tests: the sandbox in-process on loopback (its catalog is
//! the committed schema snapshots) and a [`Session`] on a spec on disk, the driver the binary
//! runs: the real pipeline, the HTTP connectors, the runtime and a state store on disk.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{Map, Value};
use tandem::plan::Plan;
use tandem::runtime::ApplySummary;
use tandem::sandbox::{Sandbox, SandboxConfig, SandboxControl, SandboxHandle};
use tandem::schema::System;
use tandem::session::{
    Connection, PlanOptions, Session, SessionEvent, SessionOptions, SpecLocation,
};
use tandem::state::StateStore;

pub struct World {
    pub rt: tokio::runtime::Runtime,
    pub sandbox: Option<SandboxHandle>,
    pub dir: tempfile::TempDir,
    /// The driver `tandem plan` / `tandem apply` run, opened on the world's spec as the
    /// binary opens it (state beside the spec, snapshots above it), connected to the sandbox.
    pub session: Session,
}

/// Compiles the spec in `dir` against the committed snapshots, as `tandem compile` does:
/// the Program and the digest of the snapshots.
pub fn compile_dir(dir: &std::path::Path) -> (tandem::compile::Program, String) {
    let location = SpecLocation {
        spec: dir.to_path_buf(),
        state: None,
        schemas: Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schemas")),
    };
    let compiled = tandem::session::compile_spec(&location).expect("the spec compiles cleanly");
    (compiled.program, compiled.schema_digest)
}

/// Opens the world's session as a fresh `tandem` process would: the spec compiled from
/// disk, the state store beside it, new connector clients (no remembered quota).
fn open_session(dir: &std::path::Path, sandbox: &SandboxHandle) -> Session {
    let config = tandem::connectors::config::from_variables(&env_vars(sandbox)).expect("config");
    let options = SessionOptions {
        location: SpecLocation::new(dir.join("spec")),
        connection: Connection::Explicit(Box::new(config)),
        hold_apply_lock: false,
    };
    Session::open(options, &mut |_| {}).expect("the spec compiles and both CRMs connect")
}

impl World {
    /// A world with an empty sandbox and the spec `text`.
    pub fn new(text: &str) -> World {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let sandbox = rt
            .block_on(Sandbox::start(SandboxConfig {
                records_per_object: 0,
                hubspot_schema: Some(tandem::schema::standard::hubspot()),
                salesforce_schema: Some(tandem::schema::standard::salesforce()),
                ..SandboxConfig::default()
            }))
            .expect("sandbox starts");
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("spec")).expect("spec dir");
        // The snapshots the sandbox serves, where `tandem` looks for them (above the spec).
        std::fs::create_dir_all(dir.path().join("schemas")).expect("schemas dir");
        std::fs::write(
            dir.path().join("schemas").join("hubspot.yaml"),
            tandem::schema::standard::HUBSPOT_YAML,
        )
        .expect("hubspot.yaml");
        std::fs::write(
            dir.path().join("schemas").join("salesforce.yaml"),
            tandem::schema::standard::SALESFORCE_YAML,
        )
        .expect("salesforce.yaml");
        std::fs::write(dir.path().join("spec").join("spec.tandem"), text).expect("spec");
        let session = open_session(dir.path(), &sandbox);
        World {
            rt,
            sandbox: Some(sandbox),
            dir,
            session,
        }
    }

    /// A fresh session, as a new `tandem` process would open it (no remembered quota).
    pub fn reconnect(&mut self) {
        self.session = open_session(self.dir.path(), self.sandbox.as_ref().expect("sandbox"));
    }

    pub fn spec_dir(&self) -> PathBuf {
        self.dir.path().join("spec")
    }

    pub fn control(&self) -> SandboxControl {
        self.sandbox.as_ref().expect("sandbox").control()
    }

    pub fn env(&self) -> BTreeMap<String, String> {
        env_vars(self.sandbox.as_ref().expect("sandbox"))
    }

    /// The session's state store.
    pub fn store(&self) -> &StateStore {
        self.session.store()
    }

    /// Plans as `tandem plan` does (incrementally when the state allows).
    pub fn plan(&mut self) -> Plan {
        self.plan_with(PlanOptions::default())
    }

    /// Plans as `tandem plan --full` does.
    pub fn plan_full(&mut self) -> Plan {
        self.plan_with(PlanOptions { full: true })
    }

    fn plan_with(&mut self, options: PlanOptions) -> Plan {
        self.rt
            .block_on(self.session.plan(options))
            .expect("plan")
            .plan
    }

    /// Applies as `tandem apply` does; panics when apply refuses the plan.
    pub fn apply(&mut self, plan: &Plan) -> ApplySummary {
        self.try_apply(plan).expect("apply")
    }

    /// Applies as `tandem apply` does, returning apply's refusal as it is.
    pub fn try_apply(
        &mut self,
        plan: &Plan,
    ) -> Result<ApplySummary, tandem::session::SessionError> {
        let mut ignore = |_: SessionEvent<'_>| {};
        self.rt
            .block_on(self.session.apply(plan, &mut ignore))
            .map(|outcome| outcome.summary)
    }

    pub fn cycle(&mut self) -> (Plan, ApplySummary) {
        let plan = self.plan();
        let summary = self.apply(&plan);
        (plan, summary)
    }

    pub fn create(&self, system: System, object: &str, fields: Value) -> String {
        let map: Map<String, Value> = fields.as_object().cloned().unwrap_or_default();
        self.control()
            .act_create(system, object, &map)
            .expect("user create")
    }

    pub fn update(&self, system: System, object: &str, id: &str, fields: Value) {
        let map: Map<String, Value> = fields.as_object().cloned().unwrap_or_default();
        self.control()
            .act_update(system, object, id, &map)
            .expect("user update");
    }

    pub fn count(&self, system: System, object: &str) -> usize {
        self.control().record_count(system, object)
    }

    pub fn field(&self, system: System, object: &str, id: &str, field: &str) -> Option<String> {
        self.control()
            .record(system, object, id)
            .and_then(|r| r.get(field).cloned())
    }

    pub fn link_of_hs(&self, sync: &str, hs_id: &str) -> Option<String> {
        self.store().partner(sync, "hs", hs_id).expect("partner")
    }
}

impl Drop for World {
    fn drop(&mut self) {
        if let Some(sandbox) = self.sandbox.take() {
            let _ = self.rt.block_on(sandbox.shutdown());
        }
    }
}

pub fn env_vars(sandbox: &SandboxHandle) -> BTreeMap<String, String> {
    [
        ("TANDEM_HUBSPOT_URL", sandbox.hubspot_url()),
        ("TANDEM_HUBSPOT_TOKEN", sandbox.hubspot_token()),
        ("TANDEM_SALESFORCE_URL", sandbox.salesforce_url()),
        ("TANDEM_SALESFORCE_TOKEN", sandbox.salesforce_token()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// The accounts sync used by most end-to-end tests, with a conflict rule, a delete policy
/// and a create limit filled in.
pub fn accounts_spec(conflict: &str, on_delete: &str, creates: u64) -> String {
    format!(
        r#"connection hs: hubspot
connection sf: salesforce

sync accounts: hs.companies <-> sf.Account {{
  match hs.salesforceaccountid = sf.Id
  match domain(hs.domain) = domain(sf.Website)
  create in hs, sf
  conflict {conflict}
  on delete {on_delete}
  limit creates {creates}

  hs.name              <-> sf.Name
  hs.domain            <-> sf.Website           transform "https://" + hs.domain reverse domain(sf.Website)
  hs.numberofemployees <-> sf.NumberOfEmployees keep when blank
  hs.phone             <-> sf.Phone
}}
"#
    )
}

/// Runs the real `tandem` binary in the world's folder with the sandbox's four variables.
pub fn run_tandem(world: &World, args: &[&str]) -> std::process::Output {
    run_tandem_with_input(world, args, "")
}

/// Runs the real `tandem` binary with `input` on its standard input (not a terminal).
pub fn run_tandem_with_input(world: &World, args: &[&str], input: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tandem"))
        .args(args)
        .envs(world.env())
        .current_dir(world.dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("tandem runs");
    if let Some(mut stdin) = child.stdin.take() {
        // A command that never reads its input closes the pipe early; that is not a failure.
        let _ = stdin.write_all(input.as_bytes());
    }
    child.wait_with_output().expect("tandem finishes")
}

/// Both streams of a finished command, for assertion messages.
pub fn output_text(output: &std::process::Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The human view of a plan, for assertion messages.
pub fn render(plan: &Plan) -> String {
    tandem::plan::view::render_human(plan, Default::default())
}

/// Plans `rounds` times in a row and fails if any of them would change anything.
pub fn assert_quiet(world: &mut World, rounds: usize) {
    for round in 0..rounds {
        let (plan, _) = world.cycle();
        assert!(
            !plan.has_changes() && !plan.has_state_changes(),
            "round {round} is not quiet:\n{}",
            render(&plan)
        );
    }
}
