//! `tandem schema pull` and `tandem schema diff` as a user runs them: the real binary, a
//! running sandbox, the revops example spec, then `tandem validate` on the pulled snapshots.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tandem::sandbox::{Sandbox, SandboxConfig, SandboxHandle};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn revops_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("revops");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/revops"),
        &spec,
    );
    (dir, spec)
}

/// Runs `tandem ARGS` with the sandbox's variables, as `eval "$(tandem sandbox)"` sets them.
async fn tandem(sandbox: &SandboxHandle, cwd: &Path, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tandem"));
    for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("TANDEM_")) {
        command.env_remove(name);
    }
    command
        .current_dir(cwd)
        .args(args)
        .env("TANDEM_HUBSPOT_URL", sandbox.hubspot_url())
        .env("TANDEM_HUBSPOT_TOKEN", sandbox.hubspot_token())
        .env("TANDEM_SALESFORCE_URL", sandbox.salesforce_url())
        .env("TANDEM_SALESFORCE_TOKEN", sandbox.salesforce_token());
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pulled_snapshots_validate_the_spec_and_match_the_live_schemas() {
    let sandbox = Sandbox::start(SandboxConfig {
        records_per_object: 5,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let (dir, spec) = revops_copy();
    let pull = tandem(
        &sandbox,
        dir.path(),
        &[
            "schema",
            "pull",
            "--spec",
            "revops",
            "--schemas",
            "revops/schemas",
        ],
    )
    .await;
    assert!(
        pull.status.success(),
        "{}{}",
        stdout(&pull),
        String::from_utf8_lossy(&pull.stderr)
    );
    for file in ["hubspot.yaml", "salesforce.yaml"] {
        let text = std::fs::read_to_string(spec.join("schemas").join(file)).unwrap();
        assert!(
            !text.contains(&sandbox.hubspot_token()) && !text.contains(&sandbox.salesforce_token())
        );
    }
    let hubspot = tandem::schema::snapshot::load_file(
        &spec.join("schemas/hubspot.yaml"),
        tandem::schema::System::Hubspot,
    )
    .unwrap();
    assert!(
        hubspot
            .object("contacts")
            .is_some_and(|o| o.field("lifecyclestage").is_some())
    );
    assert!(!hubspot.owners.is_empty());

    let validate = tandem(&sandbox, dir.path(), &["validate", "revops"]).await;
    assert!(
        validate.status.success(),
        "{}",
        String::from_utf8_lossy(&validate.stderr)
    );
    // The revops spec validates with the pulled snapshots: no errors (the checker's one
    // warning, a non-unique match key, is about the spec itself).
    assert!(
        !stdout(&validate).contains("error(s)"),
        "{}",
        stdout(&validate)
    );
    // And validate really reads them: drop an object the spec creates and it fails.
    let salesforce_yaml = spec.join("schemas/salesforce.yaml");
    let mut pulled =
        tandem::schema::snapshot::load_file(&salesforce_yaml, tandem::schema::System::Salesforce)
            .unwrap();
    assert!(
        pulled.objects.remove("Task").is_some(),
        "the trigger's Task object was pulled"
    );
    std::fs::write(
        &salesforce_yaml,
        tandem::schema::snapshot::to_yaml(&pulled).unwrap(),
    )
    .unwrap();
    let broken = tandem(&sandbox, dir.path(), &["validate", "revops"]).await;
    assert!(!broken.status.success());
    assert!(String::from_utf8_lossy(&broken.stderr).contains("tandem::check::unknown_object"));
    // Pull again to restore it before comparing with the live schemas.
    let pull = tandem(
        &sandbox,
        dir.path(),
        &[
            "schema",
            "pull",
            "--spec",
            "revops",
            "--schemas",
            "revops/schemas",
        ],
    )
    .await;
    assert!(pull.status.success());

    let diff = tandem(
        &sandbox,
        dir.path(),
        &[
            "schema",
            "diff",
            "--spec",
            "revops",
            "--schemas",
            "revops/schemas",
        ],
    )
    .await;
    assert_eq!(diff.status.code(), Some(0), "{}", stdout(&diff));
    assert!(stdout(&diff).contains("no drift"));
    sandbox.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diff_fails_on_a_removed_field_and_a_removed_mapped_picklist_value() {
    let sandbox = Sandbox::start(SandboxConfig {
        records_per_object: 2,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let (dir, _spec) = revops_copy();
    let pull = tandem(
        &sandbox,
        dir.path(),
        &[
            "schema",
            "pull",
            "--spec",
            "revops",
            "--schemas",
            "revops/schemas",
        ],
    )
    .await;
    assert!(pull.status.success());

    // The admin deletes contacts.jobtitle (mapped to sf.Title), contacts.website (unused by
    // the spec) and the Lead Status value "Working - Contacted" (named by a value map),
    // through the running sandbox's control API.
    let client = reqwest::Client::new();
    for (base, path) in [
        (
            sandbox.hubspot_url(),
            "/_sandbox/schema/contacts/fields/jobtitle",
        ),
        (
            sandbox.hubspot_url(),
            "/_sandbox/schema/contacts/fields/website",
        ),
        (
            sandbox.salesforce_url(),
            "/_sandbox/schema/Lead/fields/Status/values/Working%20-%20Contacted",
        ),
    ] {
        let response = client.delete(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::OK, "{path}");
    }

    let diff = tandem(
        &sandbox,
        dir.path(),
        &[
            "schema",
            "diff",
            "--spec",
            "revops",
            "--schemas",
            "revops/schemas",
        ],
    )
    .await;
    let text = stdout(&diff);
    assert_eq!(diff.status.code(), Some(2), "{text}");
    assert!(
        text.contains("breaking  hs.contacts.jobtitle: field removed"),
        "{text}"
    );
    assert!(
        text.contains("breaking  sf.Lead.Status: picklist value \"Working - Contacted\" removed"),
        "{text}"
    );
    assert!(
        text.contains("info      hs.contacts.website: field removed"),
        "{text}"
    );

    let json = tandem(
        &sandbox,
        dir.path(),
        &[
            "schema",
            "diff",
            "--spec",
            "revops",
            "--schemas",
            "revops/schemas",
            "--json",
        ],
    )
    .await;
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["breaking"], 2);
    sandbox.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pull_with_bad_credentials_fails_and_writes_nothing() {
    let sandbox = Sandbox::start(SandboxConfig {
        records_per_object: 1,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_tandem"));
    command
        .current_dir(dir.path())
        .args([
            "schema",
            "pull",
            "--object",
            "hs.contacts",
            "--object",
            "sf.Lead",
        ])
        .env("TANDEM_HUBSPOT_URL", sandbox.hubspot_url())
        .env("TANDEM_HUBSPOT_TOKEN", "pat-na1-not-valid")
        .env("TANDEM_SALESFORCE_URL", sandbox.salesforce_url())
        .env("TANDEM_SALESFORCE_TOKEN", sandbox.salesforce_token());
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("HubSpot rejected the credentials"),
        "{stderr}"
    );
    assert!(!stderr.contains("pat-na1-not-valid"));
    assert!(!dir.path().join("schemas").exists(), "nothing half-written");
    sandbox.shutdown().await.unwrap();
}
