//! Where a state store lives: a SQLite file, memory, or one store in a PostgreSQL database.
//!
//! A PostgreSQL location is a URL, `postgres://USER:PASSWORD@HOST:PORT/DATABASE?store=NAME`,
//! with two parameters of tandem's own: `store` (required: the spec's key, so many specs share
//! one database without seeing each other's links) and `schema` (optional, default `tandem`:
//! the PostgreSQL schema holding the tables). Every other parameter is the driver's
//! (`connect_timeout`, `application_name`, `sslmode=disable`, …). The password is kept apart
//! from everything that displays: `Display` and `Debug` print `***` in its place.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::StateError;

/// Where to open a store.
#[derive(Clone, PartialEq)]
pub enum StateLocation {
    /// A SQLite file (created with mode 0600 when missing).
    Sqlite(PathBuf),
    /// A SQLite store in memory, for tests and benchmarks; it locks nothing.
    Memory,
    /// One store (a spec's) in a PostgreSQL database.
    Postgres(PostgresLocation),
}

impl StateLocation {
    /// Reads a `--state` value: a `postgres://` or `postgresql://` URL, `:memory:`, or a path.
    pub fn parse(text: &str) -> Result<StateLocation, StateError> {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return PostgresLocation::parse(text).map(StateLocation::Postgres);
        }
        if text == ":memory:" {
            return Ok(StateLocation::Memory);
        }
        if text.is_empty() {
            return Err(StateError::InvalidLocation {
                text: String::new(),
                reason: "it is empty".to_string(),
            });
        }
        Ok(StateLocation::Sqlite(PathBuf::from(text)))
    }

    /// The file, for a SQLite store.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            StateLocation::Sqlite(path) => Some(path),
            _ => None,
        }
    }
}

/// What [`crate::StateStore::open`] takes: a path (a SQLite file) or a location.
pub trait AsStateLocation {
    fn as_state_location(&self) -> StateLocation;
}

impl AsStateLocation for Path {
    fn as_state_location(&self) -> StateLocation {
        StateLocation::Sqlite(self.to_path_buf())
    }
}

impl AsStateLocation for PathBuf {
    fn as_state_location(&self) -> StateLocation {
        StateLocation::Sqlite(self.clone())
    }
}

impl AsStateLocation for StateLocation {
    fn as_state_location(&self) -> StateLocation {
        self.clone()
    }
}

impl AsStateLocation for PostgresLocation {
    fn as_state_location(&self) -> StateLocation {
        StateLocation::Postgres(self.clone())
    }
}

impl fmt::Display for StateLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StateLocation::Sqlite(path) => write!(f, "{}", path.display()),
            StateLocation::Memory => f.write_str(":memory:"),
            StateLocation::Postgres(location) => location.fmt(f),
        }
    }
}

impl fmt::Debug for StateLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StateLocation({self})")
    }
}

/// One store in a PostgreSQL database. Holds the password, and never shows it.
#[derive(Clone, PartialEq)]
pub struct PostgresLocation {
    /// The URL without its password and without tandem's own parameters: what the driver reads.
    url_without_password: url::Url,
    password: Option<String>,
    store: String,
    schema: String,
}

/// The schema tandem's tables live in when the URL names none.
pub const DEFAULT_POSTGRES_SCHEMA: &str = "tandem";

impl PostgresLocation {
    pub fn parse(text: &str) -> Result<PostgresLocation, StateError> {
        // The error never quotes `text` itself: it may hold a password.
        let invalid = |reason: &str| StateError::InvalidLocation {
            text: redact_unparsed(text),
            reason: reason.to_string(),
        };
        let mut url = url::Url::parse(text).map_err(|e| invalid(&e.to_string()))?;
        let names_host = url.host_str().is_some_and(|host| !host.is_empty())
            || url.query_pairs().any(|(key, _)| key == "host");
        if !names_host {
            return Err(invalid("it names no host"));
        }
        let password = match url.password() {
            Some(encoded) => {
                Some(percent_decode(encoded).ok_or_else(|| invalid("its password is not UTF-8"))?)
            }
            None => None,
        };
        let _ = url.set_password(None);
        let mut store = None;
        let mut schema = None;
        let mut password_parameter = None;
        let mut driver_parameters = Vec::new();
        for (key, value) in url.query_pairs() {
            match key.as_ref() {
                "store" => store = Some(value.into_owned()),
                "schema" => schema = Some(value.into_owned()),
                "password" => password_parameter = Some(value.into_owned()),
                _ => driver_parameters.push((key.into_owned(), value.into_owned())),
            }
        }
        let store = store.ok_or_else(|| {
            invalid("it names no store: add `?store=NAME`, one name per spec sharing this database")
        })?;
        check_store_name(&store).map_err(|reason| invalid(&reason))?;
        let schema = schema.unwrap_or_else(|| DEFAULT_POSTGRES_SCHEMA.to_string());
        check_schema_name(&schema).map_err(|reason| invalid(&reason))?;
        if driver_parameters.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut()
                .clear()
                .extend_pairs(driver_parameters.iter());
        }
        let location = PostgresLocation {
            url_without_password: url,
            password: password.or(password_parameter),
            store,
            schema,
        };
        // Let the driver read it now, so a bad parameter is refused here and not at connect.
        location.driver_config()?;
        Ok(location)
    }

    /// The same database and schema, another store (the CLI's store name from `tandem.toml`).
    pub fn with_store(mut self, store: &str) -> Result<PostgresLocation, StateError> {
        check_store_name(store).map_err(|reason| StateError::InvalidLocation {
            text: self.to_string(),
            reason,
        })?;
        self.store = store.to_string();
        Ok(self)
    }

    /// The same store with a password from elsewhere (an environment variable the CLI reads).
    pub fn with_password(mut self, password: &str) -> PostgresLocation {
        self.password = Some(password.to_string());
        self
    }

    /// The same database, another schema (tests keep each case in a schema of its own).
    pub fn with_schema(mut self, schema: &str) -> Result<PostgresLocation, StateError> {
        check_schema_name(schema).map_err(|reason| StateError::InvalidLocation {
            text: self.to_string(),
            reason,
        })?;
        self.schema = schema.to_string();
        Ok(self)
    }

    /// The spec's key: every row of this store carries it.
    pub fn store(&self) -> &str {
        &self.store
    }

    /// The PostgreSQL schema holding the tables (validated: lower-case letters, digits, `_`).
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// What the driver connects with. The password goes in here and nowhere else.
    pub(crate) fn driver_config(&self) -> Result<tokio_postgres::Config, StateError> {
        let mut config: tokio_postgres::Config = self
            .url_without_password
            .as_str()
            .parse()
            .map_err(|e: tokio_postgres::Error| StateError::InvalidLocation {
                text: self.to_string(),
                reason: e.to_string(),
            })?;
        if let Some(password) = &self.password {
            config.password(password.as_bytes());
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        if config.get_application_name().is_none() {
            // Names the store, so an operator sees in pg_stat_activity whose connection it is.
            config.application_name(application_name(&self.schema, &self.store));
        }
        // A dead peer is noticed in about a minute instead of the kernel's two hours.
        config.keepalives_idle(Duration::from_secs(30));
        Ok(config)
    }
}

impl fmt::Display for PostgresLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = self.url_without_password.clone();
        if self.password.is_some() && !shown.username().is_empty() {
            let _ = shown.set_password(Some("***"));
        }
        shown
            .query_pairs_mut()
            .append_pair("store", &self.store)
            .append_pair("schema", &self.schema);
        f.write_str(shown.as_str())
    }
}

impl fmt::Debug for PostgresLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PostgresLocation({self})")
    }
}

/// `tandem SCHEMA.STORE`, cut to the 63 bytes PostgreSQL keeps (all of it is ASCII).
pub(crate) fn application_name(schema: &str, store: &str) -> String {
    let mut name = format!("tandem {schema}.{store}");
    name.truncate(63);
    name
}

fn check_store_name(store: &str) -> Result<(), String> {
    let ok = !store.is_empty()
        && store.len() <= 100
        && store
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "the store name `{store}` must be 1 to 100 letters, digits, `-`, `_` or `.`"
        ))
    }
}

/// Schema names are spliced into SQL text (identifiers cannot be bound as parameters), so only
/// names that need no quoting are accepted.
fn check_schema_name(schema: &str) -> Result<(), String> {
    let mut chars = schema.chars();
    let ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && schema.len() <= 63
        && !schema.starts_with("pg_");
    if ok {
        Ok(())
    } else {
        Err(format!(
            "the schema name `{schema}` must be 1 to 63 lower-case letters, digits or `_`, not starting with a digit or `pg_`"
        ))
    }
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// A location that did not parse, for an error message: everything between `://` and the
/// last `@` may hold a password, so it is cut out whole.
fn redact_unparsed(text: &str) -> String {
    let Some((scheme, rest)) = text.split_once("://") else {
        return "***".to_string();
    };
    let rest = match rest.rfind('@') {
        Some(at) => format!("***@{}", &rest[at + 1..]),
        None => rest.to_string(),
    };
    // A `password=` parameter is cut out with everything after it.
    let rest = match rest.find("password=") {
        Some(start) => format!("{}password=***", &rest[..start]),
        None => rest,
    };
    format!("{scheme}://{rest}")
}
