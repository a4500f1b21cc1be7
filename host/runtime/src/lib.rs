//! The plugin runtime: loads importer components with wasmtime and runs their jobs in a
//! sandbox.
//!
//! Every call gets a fresh store with no filesystem, no environment, no sockets and no
//! inherited stdio, a memory cap, a CPU budget (epoch interruption) and a wall-clock timeout.
//! A trap, a timeout or a memory overrun fails that call with a [`JobError`] and leaves the
//! host running. The only way out of the sandbox is the `http` import, which checks the
//! plugin's allowed hosts before handing the request to `wikidash-net`.

mod bindings;
mod cache;
mod config;
mod error;
mod host;
mod plugin;

pub use bindings::wit;
pub use config::RuntimeConfig;
pub use error::{JobError, LoadError};
pub use plugin::{JobContext, Plugin, Runtime};
pub use wikidash_policy::Manifest;
