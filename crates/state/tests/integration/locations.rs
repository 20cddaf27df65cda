//! Reading `--state`: a path, `:memory:`, or a PostgreSQL URL with tandem's own parameters.
//! No server needed.

use std::path::PathBuf;

use tandem_state::{StateError, StateLocation};

#[test]
fn paths_and_memory_are_sqlite() {
    assert_eq!(
        StateLocation::parse(".tandem/state.db").unwrap(),
        StateLocation::Sqlite(PathBuf::from(".tandem/state.db"))
    );
    assert_eq!(
        StateLocation::parse(":memory:").unwrap(),
        StateLocation::Memory
    );
    assert!(matches!(
        StateLocation::parse(""),
        Err(StateError::InvalidLocation { .. })
    ));
}

#[test]
fn a_postgres_url_keeps_its_store_schema_and_driver_parameters() {
    let location = StateLocation::parse(
        "postgresql://tandem:s3cret@db.internal:6432/crm?store=revops&schema=team_a&connect_timeout=3",
    )
    .unwrap();
    let StateLocation::Postgres(postgres) = &location else {
        panic!("expected PostgreSQL, got {location:?}");
    };
    assert_eq!(postgres.store(), "revops");
    assert_eq!(postgres.schema(), "team_a");
    assert_eq!(
        location.to_string(),
        "postgresql://tandem:***@db.internal:6432/crm?connect_timeout=3&store=revops&schema=team_a"
    );
    let socket =
        StateLocation::parse("postgres:///crm?host=/var/run/postgresql&store=revops").unwrap();
    assert!(matches!(socket, StateLocation::Postgres(_)));
}

#[test]
fn a_password_parameter_is_kept_apart_too() {
    let location =
        StateLocation::parse("postgres://db.internal/crm?store=revops&password=s3cret").unwrap();
    let shown = format!("{location} {location:?}");
    assert!(!shown.contains("s3cret"), "{shown}");
}

#[test]
fn a_parameter_the_driver_refuses_is_refused_when_read() {
    match StateLocation::parse("postgres://u:s3cret@db.internal/crm?store=x&connect_timeout=soon") {
        Err(error @ StateError::InvalidLocation { .. }) => {
            let shown = format!("{error} {error:?}");
            assert!(!shown.contains("s3cret"), "{shown}");
            assert!(shown.contains("connect_timeout"), "{shown}");
        }
        other => panic!("expected InvalidLocation, got {other:?}"),
    }
    assert!(matches!(
        StateLocation::parse("postgres:///crm?store=x"),
        Err(StateError::InvalidLocation { .. })
    ));
}
