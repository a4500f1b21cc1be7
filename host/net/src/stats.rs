//! Per-origin counters, for sync summaries and request-count tests.

/// Counters of one origin since the client was created.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostStats {
    /// Requests asked for by callers.
    pub requests: u64,
    /// Attempts sent on the wire, including retries.
    pub attempts: u64,
    /// Retries after HTTP 429.
    pub rate_limited: u64,
    /// Retries after a `maxlag` error.
    pub lagged: u64,
    /// Requests that ended in an error after their retries.
    pub failures: u64,
    /// Total time spent waiting before retries, in milliseconds.
    pub waited_ms: u64,
}
