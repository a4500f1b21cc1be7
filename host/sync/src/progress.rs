//! Progress reports from a running sync, for the command line.

/// Receives progress of a sync. Called from several tasks at once.
pub trait Progress: Send + Sync {
    /// Report that a wiki started a stage, e.g. "looking up 3 accounts".
    fn stage(&self, wiki: &str, message: &str);
    /// Report that a participant batch of a wiki finished: `done` of `total` batches, with
    /// `revisions` fetched in it.
    fn batch_done(&self, wiki: &str, done: usize, total: usize, revisions: usize);
}

/// Progress that goes nowhere.
pub struct NoProgress;

impl Progress for NoProgress {
    fn stage(&self, _wiki: &str, _message: &str) {}
    fn batch_done(&self, _wiki: &str, _done: usize, _total: usize, _revisions: usize) {}
}
