//! One connection to PostgreSQL, usable from any thread, inside a tokio runtime or not.
//!
//! The store's API is synchronous and is called from tokio worker threads (apply is async), so
//! the driver cannot run on the caller's runtime: `block_on` there would panic, and a
//! current-thread runtime would deadlock on itself. tokio-postgres splits a connection into a
//! `Client` (requests go over a channel) and a `Connection` future (the socket); the future
//! runs on a thread of its own with a one-thread runtime, and the caller waits on the client's
//! channel with a plain executor, which needs no runtime on the calling thread. That wait
//! blocks the calling worker exactly as a SQLite call does.
//!
//! Statements are sent unnamed (Parse/Bind/Execute/Sync in one message, `query_typed`), never
//! as named prepared statements, so they work behind PgBouncer in transaction mode, where
//! consecutive transactions may land on different server connections.
//!
//! A batch of statements is pipelined: every request goes out before the first answer is
//! awaited (tokio-postgres sends a request the first time its future is polled, and
//! [`run_in_order`] polls them first in order), so a transaction of 700 writes costs one round
//! trip, not 700.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Poll;

use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Client, NoTls, Row};

use crate::{PostgresLocation, StateError};

/// One parameter of a statement, owned, so a deferred statement outlives its caller's strings.
#[derive(Debug, Clone)]
pub(crate) enum Param {
    Text(String),
    OptText(Option<String>),
    Int(i64),
    Bool(bool),
    Json(serde_json::Value),
    OptJson(Option<serde_json::Value>),
    /// Arrays, for one statement that writes many rows (`unnest`).
    Texts(Vec<String>),
    Ints(Vec<i64>),
    Jsons(Vec<serde_json::Value>),
}

impl Param {
    fn typed(&self) -> (&(dyn ToSql + Sync), Type) {
        match self {
            Param::Text(value) => (value, Type::TEXT),
            Param::OptText(value) => (value, Type::TEXT),
            Param::Int(value) => (value, Type::INT8),
            Param::Bool(value) => (value, Type::BOOL),
            Param::Json(value) => (value, Type::JSONB),
            Param::OptJson(value) => (value, Type::JSONB),
            Param::Texts(values) => (values, Type::TEXT_ARRAY),
            Param::Ints(values) => (values, Type::INT8_ARRAY),
            Param::Jsons(values) => (values, Type::JSONB_ARRAY),
        }
    }
}

pub(crate) fn text(value: &str) -> Param {
    Param::Text(value.to_string())
}

/// What a statement answers: its rows, or how many rows it changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answer {
    Rows,
    Count,
}

#[derive(Debug)]
pub(crate) struct Statement {
    pub sql: String,
    pub params: Vec<Param>,
    pub answer: Answer,
}

impl Statement {
    pub(crate) fn rows(sql: String, params: Vec<Param>) -> Statement {
        Statement {
            sql,
            params,
            answer: Answer::Rows,
        }
    }

    pub(crate) fn count(sql: String, params: Vec<Param>) -> Statement {
        Statement {
            sql,
            params,
            answer: Answer::Count,
        }
    }

    /// A statement without parameters or rows (`BEGIN`, `COMMIT`, `ROLLBACK`).
    pub(crate) fn command(sql: &str) -> Statement {
        Statement::count(sql.to_string(), Vec::new())
    }
}

#[derive(Debug)]
pub(crate) enum Reply {
    Rows(Vec<Row>),
    Count(u64),
}

impl Reply {
    pub(crate) fn into_rows(self) -> Vec<Row> {
        match self {
            Reply::Rows(rows) => rows,
            Reply::Count(_) => Vec::new(),
        }
    }

    pub(crate) fn count(&self) -> u64 {
        match self {
            Reply::Rows(rows) => rows.len() as u64,
            Reply::Count(count) => *count,
        }
    }
}

pub(crate) struct PgConnection {
    /// Always `Some` until drop, which closes the client before joining the driver thread.
    client: Option<Client>,
    driver: Option<std::thread::JoinHandle<()>>,
    /// Why the socket closed, when it did: the message of a lost connection.
    closed_because: Arc<Mutex<Option<String>>>,
    /// Set when a call found the connection lost: the driver thread may not have noticed yet,
    /// and the store must reconnect rather than try this one again.
    broken: AtomicBool,
    /// The location as it displays (no password), for error messages.
    shown: String,
}

impl std::fmt::Debug for PgConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PgConnection({})", self.shown)
    }
}

impl PgConnection {
    /// Connects (waiting up to the URL's `connect_timeout`, 10 s by default).
    pub(crate) fn connect(location: &PostgresLocation) -> Result<PgConnection, StateError> {
        let shown = location.to_string();
        let config = location.driver_config()?;
        let closed_because = Arc::new(Mutex::new(None));
        let closed_note = Arc::clone(&closed_because);
        let (sender, receiver) = std::sync::mpsc::channel();
        let driver = std::thread::Builder::new()
            .name("tandem-postgres".to_string())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(error) => {
                        let _ = sender.send(Err(error.to_string()));
                        return;
                    }
                };
                runtime.block_on(async move {
                    match config.connect(NoTls).await {
                        Ok((client, connection)) => {
                            let _ = sender.send(Ok(client));
                            if let Err(error) = connection.await {
                                if let Ok(mut note) = closed_note.lock() {
                                    *note = Some(error.to_string());
                                }
                            }
                        }
                        Err(error) => {
                            let _ = sender.send(Err(connect_message(&error)));
                        }
                    }
                });
            })
            .map_err(|source| StateError::Io {
                location: shown.clone(),
                source,
            })?;
        let connected = receiver
            .recv()
            .unwrap_or_else(|_| Err("the connection thread ended before connecting".to_string()));
        match connected {
            Ok(client) => Ok(PgConnection {
                client: Some(client),
                driver: Some(driver),
                closed_because,
                broken: AtomicBool::new(false),
                shown,
            }),
            Err(message) => {
                let _ = driver.join();
                Err(StateError::Connect {
                    location: shown,
                    message,
                })
            }
        }
    }

    fn client(&self) -> &Client {
        self.client
            .as_ref()
            .unwrap_or_else(|| unreachable!("the client is only taken by drop"))
    }

    /// Whether this connection is unusable (the store then opens a new one).
    pub(crate) fn is_closed(&self) -> bool {
        self.broken.load(Ordering::Relaxed) || self.client().is_closed()
    }

    /// Sends every statement at once and waits for all the answers, in order. The first
    /// failure is the error; the statements after it were refused by the server anyway (it
    /// aborts a transaction at its first error), or, outside a transaction, ran on their own.
    pub(crate) fn run(&self, statements: &[Statement]) -> Result<Vec<Reply>, StateError> {
        let client = self.client();
        let futures: Vec<ReplyFuture<'_>> = statements
            .iter()
            .map(|statement| -> ReplyFuture<'_> {
                let params: Vec<(&(dyn ToSql + Sync), Type)> =
                    statement.params.iter().map(Param::typed).collect();
                match statement.answer {
                    Answer::Count => Box::pin(async move {
                        client
                            .execute_typed(&statement.sql, &params)
                            .await
                            .map(Reply::Count)
                    }),
                    Answer::Rows => Box::pin(async move {
                        client
                            .query_typed(&statement.sql, &params)
                            .await
                            .map(Reply::Rows)
                    }),
                }
            })
            .collect();
        let results = futures::executor::block_on(run_in_order(futures));
        let mut replies = Vec::with_capacity(results.len());
        for result in results {
            replies.push(result.map_err(|error| self.error(&error))?);
        }
        Ok(replies)
    }

    /// Runs one statement.
    pub(crate) fn run_one(&self, statement: Statement) -> Result<Reply, StateError> {
        let mut replies = self.run(std::slice::from_ref(&statement))?;
        replies
            .pop()
            .ok_or_else(|| self.protocol_error("no answer"))
    }

    /// Runs SQL text of several statements (a migration) with the simple query protocol.
    pub(crate) fn batch(&self, sql: &str) -> Result<(), StateError> {
        futures::executor::block_on(self.client().batch_execute(sql)).map_err(|e| self.error(&e))
    }

    /// A driver error as the store reports it: a lost connection, or the server's refusal.
    pub(crate) fn error(&self, error: &tokio_postgres::Error) -> StateError {
        if let Some(db) = error.as_db_error() {
            let sqlstate = db.code().code().to_string();
            // 08: connection exceptions; 57P0x: the server is shutting down or restarting, or
            // an administrator ended this backend (pg_terminate_backend).
            if sqlstate.starts_with("08") || sqlstate.starts_with("57P") {
                return self.lost(db.message());
            }
            let mut message = db.message().to_string();
            if let Some(detail) = db.detail() {
                message.push_str(": ");
                message.push_str(detail);
            }
            return StateError::Postgres {
                location: self.shown.clone(),
                sqlstate,
                message,
            };
        }
        // Anything else the driver reports is about the wire: the socket closed or broke, or
        // the server answered out of protocol. None of it can be retried on this connection.
        self.lost(&error.to_string())
    }

    fn lost(&self, message: &str) -> StateError {
        self.broken.store(true, Ordering::Relaxed);
        let cause = self
            .closed_because
            .lock()
            .ok()
            .and_then(|note| note.clone())
            .unwrap_or_else(|| message.to_string());
        StateError::ConnectionLost {
            location: self.shown.clone(),
            message: cause,
        }
    }

    pub(crate) fn protocol_error(&self, what: &str) -> StateError {
        StateError::Database {
            location: self.shown.clone(),
            message: what.to_string(),
        }
    }
}

impl Drop for PgConnection {
    fn drop(&mut self) {
        // Dropping the client makes the connection future say goodbye to the server and end,
        // and with it the driver thread, which is joined so no socket outlives the store.
        drop(self.client.take());
        if let Some(driver) = self.driver.take() {
            let _ = driver.join();
        }
    }
}

type ReplyFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Reply, tokio_postgres::Error>> + Send + 'a>>;

/// Polls every future once in order (which sends every request, in order), then waits for
/// the answers. Answers arrive in the order the requests went out, so after the first pass
/// only the first unfinished future needs polling; the others' wakers are already registered.
async fn run_in_order<T>(mut futures: Vec<Pin<Box<dyn Future<Output = T> + Send + '_>>>) -> Vec<T> {
    let mut results: Vec<Option<T>> = futures.iter().map(|_| None).collect();
    let mut first_pass = true;
    let mut next = 0;
    std::future::poll_fn(|cx| {
        if first_pass {
            first_pass = false;
            for (index, future) in futures.iter_mut().enumerate() {
                if let Poll::Ready(value) = future.as_mut().poll(cx) {
                    results[index] = Some(value);
                }
            }
        }
        while next < futures.len() {
            if results[next].is_none() {
                match futures[next].as_mut().poll(cx) {
                    Poll::Ready(value) => results[next] = Some(value),
                    Poll::Pending => return Poll::Pending,
                }
            }
            next += 1;
        }
        Poll::Ready(())
    })
    .await;
    results.into_iter().flatten().collect()
}

/// A connect failure, as much of it as helps: the server's own words for a refusal.
fn connect_message(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => {
            let mut message = error.to_string();
            let mut source = std::error::Error::source(error);
            while let Some(cause) = source {
                message.push_str(": ");
                message.push_str(&cause.to_string());
                source = cause.source();
            }
            message
        }
    }
}
