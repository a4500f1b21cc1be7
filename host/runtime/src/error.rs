//! Errors of loading a plugin and of running one call.

use std::time::Duration;

use thiserror::Error;
use wikidash_policy::ManifestError;

use crate::wit::ImportError;

/// Failure to load a plugin.
#[derive(Debug, Error)]
pub enum LoadError {
    #[error("plugin {source_name}: not a valid WebAssembly component: {detail}")]
    Compile { source_name: String, detail: String },
    /// The manifest or interface version is not acceptable; the message names the plugin.
    #[error("{reason}")]
    Manifest { source_name: String, reason: ManifestError },
    #[error(
        "plugin {source_name} imports {import:?}, which wikidash does not provide; plugins may import only wikidash:importer and WASI 0.2"
    )]
    UnknownImport { source_name: String, import: String },
    #[error("plugin {source_name} does not fit the wikidash:importer world: {detail}")]
    Link { source_name: String, detail: String },
    #[error("plugin {source_name} failed while describing itself: {reason}")]
    Describe { source_name: String, reason: Box<JobError> },
    #[error("cannot set up the plugin runtime: {0}")]
    Engine(String),
}

/// Failure of one plugin call. Every variant leaves the host running and the store untouched.
#[derive(Debug, Error)]
pub enum JobError {
    /// The plugin returned its own typed error.
    #[error("{}", describe_import_error(.plugin, .error))]
    Plugin { plugin: String, error: ImportError },
    /// The plugin trapped: a panic, an out-of-bounds access, an `unreachable`.
    #[error("plugin {plugin} crashed: {message}{}", stderr_suffix(.stderr))]
    Trap { plugin: String, message: String, stderr: String },
    /// The call took longer than the wall-clock limit.
    #[error("plugin {plugin} did not finish within {limit:?} and was stopped")]
    Timeout { plugin: String, limit: Duration },
    /// The call used more CPU time than its budget.
    #[error("plugin {plugin} ran for more than its CPU budget of {budget:?} and was stopped")]
    CpuBudget { plugin: String, budget: Duration },
    /// The call tried to grow its memory past the limit.
    #[error("plugin {plugin} tried to use more than its memory limit of {limit_mib} MiB and was stopped")]
    MemoryLimit { plugin: String, limit_mib: usize },
    /// The plugin does not serve the job kind.
    #[error("plugin {plugin} does not serve job kind {kind:?}")]
    UnknownKind { plugin: String, kind: String },
    /// wasmtime failed for a reason that is not the plugin's fault.
    #[error("plugin {plugin}: runtime failure: {message}")]
    Runtime { plugin: String, message: String },
}

impl JobError {
    /// Whether trying again later may succeed: the plugin reported the service unavailable, or
    /// the call timed out.
    pub fn is_transient(&self) -> bool {
        matches!(self, JobError::Plugin { error: ImportError::Unavailable(_), .. } | JobError::Timeout { .. })
    }
}

fn describe_import_error(plugin: &str, error: &ImportError) -> String {
    match error {
        ImportError::NotFound(text) => format!("plugin {plugin}: not found: {text}"),
        ImportError::Unavailable(text) => format!("plugin {plugin}: unavailable, try again later: {text}"),
        ImportError::BadResponse(text) => format!("plugin {plugin}: unexpected response: {text}"),
        ImportError::InvalidJob(text) => format!("plugin {plugin}: invalid job: {text}"),
        // The host's denial message already names the plugin.
        ImportError::Denied(text) => format!("request denied: {text}"),
    }
}

fn stderr_suffix(stderr: &str) -> String {
    let trimmed = stderr.trim();
    if trimmed.is_empty() { String::new() } else { format!(" (plugin output: {trimmed})") }
}
