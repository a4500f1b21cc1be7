//! Limits and locations for running plugins.

use std::path::PathBuf;
use std::time::Duration;

/// Limits and cache location for running plugins.
#[derive(Clone, Debug)]
pub struct RuntimeConfig {
    /// Most linear memory one plugin call may use, in bytes.
    pub memory_limit_bytes: usize,
    /// Most time one call may spend executing WebAssembly (time waiting for the host, such as
    /// HTTP, does not count).
    pub cpu_budget: Duration,
    /// Most wall-clock time one call may take, HTTP included.
    pub call_timeout: Duration,
    /// Folder of the compiled-component cache; `None` compiles on every start.
    pub cache_dir: Option<PathBuf>,
    /// Most log lines one call may write; further lines are dropped with one warning.
    pub max_log_lines: u32,
    /// Maximum number of plugin calls that run at once. Other calls wait for a turn before their
    /// instance is created. Each running call has its own linear memory, so this bounds the
    /// memory plugins use, including calls that only wait for the network.
    pub concurrent_calls: usize,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        RuntimeConfig {
            memory_limit_bytes: 256 * 1024 * 1024,
            cpu_budget: Duration::from_secs(30),
            call_timeout: Duration::from_secs(600),
            cache_dir: None,
            max_log_lines: 1000,
            concurrent_calls: 4,
        }
    }
}

/// Interval between epoch ticks; the CPU budget is counted in these.
pub(crate) const EPOCH_TICK: Duration = Duration::from_millis(10);
