//! `tandem sandbox` as a user runs it: four eval-able lines first, serving, a clean stop on
//! SIGTERM, persistence with --data-dir, and a clear error for a bad config file.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

fn spawn(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_tandem"))
        .arg("sandbox")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tandem sandbox starts")
}

fn first_four_lines(child: &mut Child) -> Vec<(String, String)> {
    let stdout = child.stdout.take().expect("stdout");
    let mut reader = BufReader::new(stdout);
    let mut pairs = Vec::new();
    for _ in 0..4 {
        let mut line = String::new();
        reader.read_line(&mut line).expect("line");
        let (key, value) = line.trim_end().split_once('=').expect("KEY=VALUE");
        pairs.push((key.to_string(), value.to_string()));
    }
    pairs
}

fn terminate(child: &mut Child) -> std::process::ExitStatus {
    // Ends only the process this test started, by its id.
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .expect("kill runs");
    assert!(status.success());
    child.wait().expect("child exits")
}

#[tokio::test]
async fn prints_four_eval_lines_serves_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = dir.path().to_str().expect("utf-8 path").to_string();
    let mut child = spawn(&[
        "--hubspot-port",
        "0",
        "--salesforce-port",
        "0",
        "--seed",
        "3",
        "--records",
        "5",
        "--data-dir",
        &data_dir,
    ]);
    let lines = first_four_lines(&mut child);
    let keys: Vec<&str> = lines.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        vec![
            "TANDEM_HUBSPOT_URL",
            "TANDEM_HUBSPOT_TOKEN",
            "TANDEM_SALESFORCE_URL",
            "TANDEM_SALESFORCE_TOKEN"
        ]
    );
    assert!(lines[0].1.starts_with("http://127.0.0.1:"));
    assert!(lines[2].1.starts_with("http://127.0.0.1:"));
    let response = reqwest::Client::new()
        .get(format!("{}/crm/v3/objects/contacts?limit=5", lines[0].1))
        .bearer_auth(&lines[1].1)
        .send()
        .await
        .expect("HubSpot answers");
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    let response = reqwest::Client::new()
        .get(format!("{}/services/data/v62.0/limits", lines[2].1))
        .bearer_auth(&lines[3].1)
        .send()
        .await
        .expect("Salesforce answers");
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    let status = terminate(&mut child);
    assert!(status.success(), "clean exit on SIGTERM: {status:?}");
    assert!(
        dir.path().join("sandbox-state.json").exists(),
        "saved on stop"
    );
}

#[test]
fn an_invalid_config_file_fails_with_its_code_and_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bad.yaml");
    std::fs::write(&path, "salesforce: [not, a, map").expect("write");
    let output = Command::new(env!("CARGO_BIN_EXE_tandem"))
        .args(["sandbox", "--config", path.to_str().expect("utf-8")])
        .output()
        .expect("runs");
    assert!(!output.status.success());
    assert!(output.stdout.is_empty(), "nothing printed to stdout");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("tandem::sandbox::config_invalid"),
        "{stderr}"
    );
    assert!(stderr.contains("bad.yaml"), "{stderr}");
}

#[test]
fn a_taken_port_fails_with_bind_failed() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port().to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_tandem"))
        .args(["sandbox", "--hubspot-port", &port])
        .output()
        .expect("runs");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("tandem::sandbox::bind_failed"));
}
