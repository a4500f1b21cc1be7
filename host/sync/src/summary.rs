//! The outcome of a sync, per wiki.

use wikidash_store::WikiRun;

/// The outcome of one campaign sync.
#[derive(Clone, Debug, Default)]
pub struct SyncSummary {
    pub campaign: String,
    pub started_at: i64,
    pub wikis: Vec<WikiSummary>,
}

/// The outcome on one wiki.
#[derive(Clone, Debug, Default)]
pub struct WikiSummary {
    pub wiki: String,
    /// Participant batches committed, and batches planned.
    pub batches_done: usize,
    pub batches: usize,
    /// Revisions fetched (including ones already counted by an earlier sync and replaced).
    pub revisions: u64,
    /// Accounts and pages looked up.
    pub accounts_checked: usize,
    pub pages_checked: usize,
    /// HTTP requests made to the wiki's host.
    pub requests: u64,
    /// Participants without an account on this wiki.
    pub missing_accounts: Vec<String>,
    /// Participants whose name the wiki rejects, with its reason.
    pub invalid_accounts: Vec<(String, String)>,
    /// Failed jobs; the data they would have replaced is unchanged.
    pub errors: Vec<String>,
}

impl SyncSummary {
    pub fn error_count(&self) -> usize {
        self.wikis.iter().map(|wiki| wiki.errors.len()).sum()
    }

    pub fn succeeded(&self) -> bool {
        self.error_count() == 0
    }
}

impl WikiSummary {
    pub fn to_run(&self) -> WikiRun {
        WikiRun {
            wiki: self.wiki.clone(),
            revisions: self.revisions,
            requests: self.requests,
            errors: self.errors.clone(),
        }
    }
}
