//! Every state error carries a permanent code, registered in the one registry.

use miette::Diagnostic;
use tandem_ground::diagnostics::lookup_code;
use tandem_state::StateError;

#[test]
fn every_state_error_code_is_registered() {
    let location = || "somewhere".to_string();
    let errors = [
        StateError::Io {
            location: location(),
            source: std::io::Error::other("x"),
        },
        StateError::Database {
            location: location(),
            message: "x".into(),
        },
        StateError::NewerSchema {
            location: location(),
            found: 2,
            known: 1,
        },
        StateError::Locked {
            path: location(),
            holder: "x".into(),
        },
        StateError::LockTimeout {
            location: location(),
            holder: "x".into(),
            waited_ms: 1,
        },
        StateError::UnknownConflict { id: 1 },
        StateError::InvalidLocation {
            text: "x".into(),
            reason: "x".into(),
        },
        StateError::Connect {
            location: location(),
            message: "x".into(),
        },
        StateError::ConnectionLost {
            location: location(),
            message: "x".into(),
        },
        StateError::Postgres {
            location: location(),
            sqlstate: "42501".into(),
            message: "x".into(),
        },
        StateError::LeaseLost {
            location: location(),
            lease_id: "x".into(),
        },
        StateError::NoSuchLease {
            location: location(),
            lease_id: "x".into(),
            current: None,
        },
        StateError::MigrateDestinationNotEmpty {
            destination: location(),
            serial: 1,
            rows: 1,
        },
        StateError::MigrateVerifyFailed {
            source_location: location(),
            destination: location(),
            what: "x".into(),
        },
    ];
    for error in errors {
        let code = error.code().expect("a code").to_string();
        let registered = lookup_code(&code).unwrap_or_else(|| panic!("{code} is not registered"));
        assert!(!registered.is_retired(), "{code} is retired");
    }
}
