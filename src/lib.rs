//! tandem keeps HubSpot and Salesforce in sync from a declarative spec that lives in git.
//!
//! This crate is the top of the workspace: the library driver and the CLI. Each stage of the
//! pipeline is a crate of its own, re-exported here under its stage name, so a wrong-way
//! import between stages does not compile (see ARCHITECTURE.md):
//!
//! | stage        | crate               | takes in                          | gives out                      |
//! |--------------|---------------------|-----------------------------------|--------------------------------|
//! | [`syntax`]   | `tandem-syntax`     | `*.tandem` source text            | AST (every node has its span)  |
//! | [`check`]    | `tandem-language`   | AST + schema snapshots            | checked spec + diagnostics     |
//! | [`compile`]  | `tandem-language`   | checked spec (error-free)         | Program (serializable)         |
//! | [`plan`]     | `tandem-plan`       | Program + state + remote records  | Plan (pure diff and merge)     |
//! | [`runtime`]  | `tandem-runtime`    | Plan + connectors + state store   | writes, journal, events        |
//!
//! At the edges: [`diagnostics`] and [`schema`] (`tandem-ground`), [`project`] (reads a spec's
//! files), [`connectors`] (all outbound HTTP), [`state`] (the state store), [`sandbox`]
//! (local HubSpot and Salesforce APIs).
//!
//! On top: [`session`], the library driver that strings the stages together (compile, read,
//! plan, apply) for the binary, the tests and any other caller, and [`cli`] (clap commands and
//! the views that render the driver's values and events; the only module that prints).

pub use tandem_connectors as connectors;
pub use tandem_ground::{diagnostics, schema};
pub use tandem_language::{check, compile, project};
pub use tandem_plan as plan;
pub use tandem_runtime as runtime;
pub use tandem_sandbox as sandbox;
pub use tandem_state as state;
pub use tandem_syntax as syntax;

pub mod cli;
pub mod session;
