//! Secrets never appear in plan files, the state store, output or errors: every command a
//! user runs against the sandbox, with the tokens in the environment, and every byte tandem
//! leaves on disk, searched for the tokens.

use crate::e2e_support;

use std::path::Path;

use e2e_support::*;
use serde_json::json;
use tandem::schema::System;

/// Every file under `dir`, recursively (the state store, its WAL and lock, saved plans).
fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

fn secrets_of(world: &World) -> Vec<String> {
    let env = world.env();
    let secrets: Vec<String> = ["TANDEM_HUBSPOT_TOKEN", "TANDEM_SALESFORCE_TOKEN"]
        .iter()
        .map(|name| env[*name].clone())
        .collect();
    // A token short enough to occur by chance would make this test meaningless.
    assert!(secrets.iter().all(|s| s.len() >= 16), "{secrets:?}");
    secrets
}

#[test]
fn no_token_in_any_output_plan_file_or_state_byte() {
    let world = World::new(&accounts_spec("review", "ignore", 500));
    let secrets = secrets_of(&world);
    let hs_id = world.create(
        System::Hubspot,
        "companies",
        json!({"name": "Acme", "domain": "acme.example"}),
    );
    for i in 0..3 {
        world.create(
            System::Salesforce,
            "Account",
            json!({"Name": format!("Force {i}"), "Website": format!("https://force{i}.example")}),
        );
    }
    let spec = world.spec_dir().to_str().expect("utf-8 path").to_string();
    let saved = world.dir.path().join("saved.plan");
    let saved = saved.to_str().expect("utf-8 path").to_string();
    let mut outputs = Vec::new();
    for args in [
        vec!["validate", spec.as_str()],
        vec!["compile", spec.as_str(), "--emit", "program"],
        vec!["plan", spec.as_str()],
        vec!["plan", spec.as_str(), "--json"],
        vec!["plan", spec.as_str(), "-out", saved.as_str()],
        vec!["apply", saved.as_str()],
    ] {
        outputs.push((args.join(" "), run_tandem(&world, &args)));
    }
    // A review conflict and a queued error, so their lists have content.
    let sf_id = world.link_of_hs("accounts", &hs_id).expect("linked");
    world.update(
        System::Hubspot,
        "companies",
        &hs_id,
        json!({"name": "From HubSpot"}),
    );
    world.update(
        System::Salesforce,
        "Account",
        &sf_id,
        json!({"Name": "From Salesforce"}),
    );
    // A company without a name cannot become an Account (Name is required): will fail.
    world.create(
        System::Hubspot,
        "companies",
        json!({"domain": "nameless.example"}),
    );
    for args in [
        vec!["apply", spec.as_str(), "--auto-approve", "--json"],
        vec!["apply", spec.as_str(), "--auto-approve"],
        vec!["conflicts", "list", spec.as_str()],
        vec!["conflicts", "list", spec.as_str(), "--json"],
        vec!["errors", "list", spec.as_str()],
        vec!["errors", "list", spec.as_str(), "--json"],
        vec!["apply", saved.as_str()],
    ] {
        outputs.push((args.join(" "), run_tandem(&world, &args)));
    }
    assert_eq!(
        world.store().conflicts(false).expect("conflicts").len(),
        1,
        "the run went as far as the conflict queue"
    );
    assert_eq!(
        world.store().queued_errors().expect("errors").len(),
        1,
        "and the error queue"
    );
    for (command, output) in &outputs {
        for secret in &secrets {
            assert!(
                !contains(&output.stdout, secret) && !contains(&output.stderr, secret),
                "`tandem {command}` printed a token:\n{}",
                output_text(output)
            );
        }
    }
    let files = files_under(world.dir.path());
    assert!(
        files.iter().any(|f| f.ends_with("state.db")),
        "the state store is searched: {files:?}"
    );
    assert!(files.iter().any(|f| f.ends_with("saved.plan")));
    for file in files {
        let bytes = std::fs::read(&file).expect("readable");
        for secret in &secrets {
            assert!(
                !contains(&bytes, secret),
                "{} holds a token",
                file.display()
            );
        }
    }
}

#[test]
fn a_rejected_token_is_not_echoed_in_the_error() {
    let world = World::new(&accounts_spec("newest", "ignore", 500));
    let spec = world.spec_dir().to_str().expect("utf-8 path").to_string();
    for (variable, wrong) in [
        (
            "TANDEM_HUBSPOT_TOKEN",
            "pat-na1-wrong-token-0123456789abcdef",
        ),
        (
            "TANDEM_SALESFORCE_TOKEN",
            "00Dwrong!token0123456789abcdefghij",
        ),
    ] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_tandem"))
            .args(["plan", &spec, "--detailed-exitcode"])
            .envs(world.env())
            .env(variable, wrong)
            .current_dir(world.dir.path())
            .output()
            .expect("tandem runs");
        assert_eq!(output.status.code(), Some(1), "{}", output_text(&output));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("error"),
            "the failure is reported: {}",
            output_text(&output)
        );
        assert!(
            !contains(&output.stdout, wrong) && !contains(&output.stderr, wrong),
            "{variable}: the rejected token was printed:\n{}",
            output_text(&output)
        );
    }
}

#[test]
fn oauth_refresh_flow_leaves_no_secret_in_output_plan_or_state() {
    let world = World::new(&accounts_spec("newest", "ignore", 500));
    let sandbox = world.sandbox.as_ref().expect("sandbox");
    let env = world.env();
    let hs_refresh = sandbox.refresh_token(System::Hubspot);
    let sf_refresh = sandbox.refresh_token(System::Salesforce);
    let client_secret = "sandbox-client-secret";
    let oauth: Vec<(&str, String)> = vec![
        ("TANDEM_HUBSPOT_URL", env["TANDEM_HUBSPOT_URL"].clone()),
        ("TANDEM_HUBSPOT_CLIENT_ID", "sandbox-client-id".to_string()),
        ("TANDEM_HUBSPOT_CLIENT_SECRET", client_secret.to_string()),
        ("TANDEM_HUBSPOT_REFRESH_TOKEN", hs_refresh.clone()),
        (
            "TANDEM_SALESFORCE_URL",
            env["TANDEM_SALESFORCE_URL"].clone(),
        ),
        (
            "TANDEM_SALESFORCE_CLIENT_ID",
            "sandbox-client-id".to_string(),
        ),
        ("TANDEM_SALESFORCE_CLIENT_SECRET", client_secret.to_string()),
        ("TANDEM_SALESFORCE_REFRESH_TOKEN", sf_refresh.clone()),
    ];
    for i in 0..3 {
        world.create(
            System::Hubspot,
            "companies",
            json!({"name": format!("Co {i}"), "domain": format!("co{i}.example")}),
        );
    }
    let spec = world.spec_dir().to_str().expect("utf-8 path").to_string();
    let saved = world.dir.path().join("oauth.plan");
    let saved = saved.to_str().expect("utf-8 path").to_string();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_tandem"))
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(oauth.iter().map(|(k, v)| (k.to_string(), v.clone())))
            .current_dir(world.dir.path())
            .output()
            .expect("tandem runs")
    };
    let mut outputs = Vec::new();
    let plan = run(&["plan", &spec, "-out", &saved]);
    assert_eq!(plan.status.code(), Some(0), "{}", output_text(&plan));
    outputs.push(plan);
    // Every access token expires: the apply must refresh on both sides.
    world.control().expire_tokens(System::Hubspot);
    world.control().expire_tokens(System::Salesforce);
    let apply = run(&["apply", &saved]);
    assert_eq!(apply.status.code(), Some(0), "{}", output_text(&apply));
    outputs.push(apply);
    assert_eq!(world.count(System::Salesforce, "Account"), 3);
    // A wrong client secret: the refusal must not echo it either.
    let wrong_secret = "wrong-client-secret-0123456789";
    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_tandem"))
        .args(["plan", &spec])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(oauth.iter().map(|(k, v)| (k.to_string(), v.clone())))
        .env("TANDEM_SALESFORCE_CLIENT_SECRET", wrong_secret)
        .env("TANDEM_HUBSPOT_CLIENT_SECRET", wrong_secret)
        .current_dir(world.dir.path())
        .output()
        .expect("tandem runs");
    assert_eq!(refused.status.code(), Some(1), "{}", output_text(&refused));
    outputs.push(refused);
    let secrets = [
        client_secret.to_string(),
        wrong_secret.to_string(),
        hs_refresh,
        sf_refresh,
        world.sandbox.as_ref().expect("sandbox").hubspot_token(),
        world.sandbox.as_ref().expect("sandbox").salesforce_token(),
    ];
    for output in &outputs {
        for secret in &secrets {
            assert!(
                !contains(&output.stdout, secret) && !contains(&output.stderr, secret),
                "a secret was printed:\n{}",
                output_text(output)
            );
        }
    }
    for file in files_under(world.dir.path()) {
        let bytes = std::fs::read(&file).expect("readable");
        for secret in &secrets {
            assert!(
                !contains(&bytes, secret),
                "{} holds a secret",
                file.display()
            );
        }
    }
}
