//! Stores to test against: a SQLite file in a temporary folder, or a PostgreSQL store in a
//! schema of its own (dropped afterwards), so cases run in parallel without seeing each other.

#![allow(dead_code)]

use std::collections::BTreeMap;

use serde_json::Value;
use tandem_state::{FieldBase, PostgresLocation, StateLocation, StateStore};

/// The variable naming the test server, e.g. `postgres://tandem:tandem-ci@127.0.0.1:5432/tandem_test`.
pub const POSTGRES_URL_VARIABLE: &str = "TANDEM_TEST_POSTGRES_URL";

/// The variable naming a PgBouncer in transaction mode in front of the same database.
pub const PGBOUNCER_URL_VARIABLE: &str = "TANDEM_TEST_PGBOUNCER_URL";

/// The test server's URL. Unset, the case fails with how to set it: the PostgreSQL cases never
/// pass without running.
pub fn postgres_url() -> String {
    required_url(POSTGRES_URL_VARIABLE)
}

/// The test PgBouncer's URL (transaction pooling, same database as [`postgres_url`]).
pub fn pgbouncer_url() -> String {
    required_url(PGBOUNCER_URL_VARIABLE)
}

fn required_url(variable: &str) -> String {
    match std::env::var(variable) {
        Ok(url) if !url.trim().is_empty() => url,
        _ => panic!(
            "{variable} is not set, so the PostgreSQL state tests cannot run. Start the \
             servers and set it: `eval \"$(.ci/start-postgres)\"` installs and starts Debian's \
             postgresql and pgbouncer, creates the role and database, and prints the exports \
             of {POSTGRES_URL_VARIABLE} and {PGBOUNCER_URL_VARIABLE} \
             (postgres://USER:PASSWORD@HOST:PORT/DATABASE)"
        ),
    }
}

/// A fresh PostgreSQL location: a schema of its own, store `store`.
pub fn postgres_location(schema: &str, store: &str) -> PostgresLocation {
    location_on(&postgres_url(), schema, store)
}

/// The same through PgBouncer.
pub fn pgbouncer_location(schema: &str, store: &str) -> PostgresLocation {
    location_on(&pgbouncer_url(), schema, store)
}

fn location_on(url: &str, schema: &str, store: &str) -> PostgresLocation {
    let separator = if url.contains('?') { '&' } else { '?' };
    PostgresLocation::parse(&format!("{url}{separator}store={store}&schema={schema}"))
        .expect("the test URL parses")
}

pub fn unique_schema() -> String {
    format!("t_{}", uuid::Uuid::new_v4().simple())
}

/// Drops its schema when the case ends, pass or fail.
pub struct SchemaGuard(pub String);

impl Drop for SchemaGuard {
    fn drop(&mut self) {
        let _ = try_admin(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.0));
    }
}

/// Which backend a case of the suite runs on, with what it needs to stay isolated.
pub enum Fixture {
    Sqlite {
        dir: tempfile::TempDir,
    },
    Postgres {
        schema: SchemaGuard,
        /// Through PgBouncer in transaction mode instead of straight to the server.
        pooled: bool,
    },
}

impl Fixture {
    pub fn sqlite() -> Fixture {
        Fixture::Sqlite {
            dir: tempfile::tempdir().expect("temporary folder"),
        }
    }

    pub fn postgres() -> Fixture {
        // Fail now, loudly, if the server is not configured.
        postgres_url();
        Fixture::Postgres {
            schema: SchemaGuard(unique_schema()),
            pooled: false,
        }
    }

    pub fn pgbouncer() -> Fixture {
        postgres_url();
        pgbouncer_url();
        Fixture::Postgres {
            schema: SchemaGuard(unique_schema()),
            pooled: true,
        }
    }

    /// The schema of a PostgreSQL fixture.
    pub fn schema(&self) -> &str {
        match self {
            Fixture::Postgres { schema, .. } => &schema.0,
            Fixture::Sqlite { .. } => unreachable!("a PostgreSQL case"),
        }
    }

    /// The store of this case (the same one every time it is asked for).
    pub fn location(&self) -> StateLocation {
        self.location_of("spec")
    }

    /// Another store beside it: another file in the folder, another store id in the schema.
    pub fn location_of(&self, store: &str) -> StateLocation {
        match self {
            Fixture::Sqlite { dir } => {
                StateLocation::Sqlite(dir.path().join(store).join("state.db"))
            }
            Fixture::Postgres {
                schema,
                pooled: false,
            } => StateLocation::Postgres(postgres_location(&schema.0, store)),
            Fixture::Postgres {
                schema,
                pooled: true,
            } => StateLocation::Postgres(pgbouncer_location(&schema.0, store)),
        }
    }

    pub fn open(&self) -> StateStore {
        StateStore::open(&self.location()).expect("the store opens")
    }

    /// Pretends a newer tandem migrated the store to `version`.
    pub fn set_schema_version(&self, version: i64) {
        match self {
            Fixture::Sqlite { .. } => {
                let path = self.location();
                let path = path.sqlite_path().expect("a file");
                let conn = rusqlite::Connection::open(path).expect("opens");
                conn.pragma_update(None, "user_version", version)
                    .expect("user_version set");
            }
            Fixture::Postgres { schema, .. } => {
                admin(&format!(
                    "INSERT INTO {}.schema_migrations (version) VALUES ({version})",
                    schema.0
                ));
            }
        }
    }
}

/// Runs SQL as the test role on its own connection (outside any runtime of the caller) and
/// returns the rows as text.
pub fn admin(sql: &str) -> Vec<Vec<Option<String>>> {
    try_admin(sql).unwrap_or_else(|error| panic!("{sql}: {error}"))
}

pub fn try_admin(sql: &str) -> Result<Vec<Vec<Option<String>>>, String> {
    let url = postgres_url();
    let sql = sql.to_string();
    // A thread of its own, so this works even when called from inside a tokio runtime.
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        runtime.block_on(async move {
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .map_err(|e| e.to_string())?;
            let driver = tokio::spawn(connection);
            let messages = client.simple_query(&sql).await.map_err(|e| e.to_string())?;
            drop(client);
            let _ = driver.await;
            Ok(messages
                .into_iter()
                .filter_map(|message| match message {
                    tokio_postgres::SimpleQueryMessage::Row(row) => Some(
                        (0..row.len())
                            .map(|i| row.get(i).map(str::to_string))
                            .collect(),
                    ),
                    _ => None,
                })
                .collect())
        })
    })
    .join()
    .map_err(|_| "the admin thread panicked".to_string())?
}

/// A queued error's reason, as apply stores one it has only as text.
pub fn failure(text: &str) -> tandem_ground::failure::RecordFailure {
    tandem_ground::failure::RecordFailure::Text {
        text: text.to_string(),
    }
}

pub fn base(pairs: &[(&str, Value, Value)]) -> BTreeMap<String, FieldBase> {
    pairs
        .iter()
        .map(|(key, hs, sf)| {
            (
                key.to_string(),
                FieldBase {
                    hs: hs.clone(),
                    sf: sf.clone(),
                },
            )
        })
        .collect()
}
