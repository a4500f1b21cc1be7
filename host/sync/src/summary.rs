//! The outcome of a sync, per wiki, per scope source and for uploads.

use wikidash_store::{RunLog, WikiRun};

/// The outcome of one campaign sync.
#[derive(Clone, Debug, Default)]
pub struct SyncSummary {
    pub campaign: String,
    pub started_at: i64,
    pub scope: Vec<ScopeSummary>,
    pub wikis: Vec<WikiSummary>,
    pub uploads: Option<UploadsSummary>,
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
    /// Revisions whose references were counted, and those whose count failed (retried later).
    pub references_counted: u64,
    pub references_pending: u64,
    /// Accounts and pages looked up.
    pub accounts_checked: usize,
    pub pages_checked: usize,
    /// Articles whose quality rating and daily views were looked up.
    pub ratings_checked: usize,
    pub views_checked: usize,
    /// HTTP requests made to the wiki's host.
    pub requests: u64,
    /// Participants without an account on this wiki.
    pub missing_accounts: Vec<String>,
    /// Participants whose name the wiki rejects, with its reason.
    pub invalid_accounts: Vec<(String, String)>,
    /// Failed jobs; the data they would have replaced is unchanged.
    pub errors: Vec<String>,
}

/// The outcome of one scope source's refresh.
#[derive(Clone, Debug, Default)]
pub struct ScopeSummary {
    pub source: String,
    /// Pages in the source's list now.
    pub pages: usize,
    /// The list was fetched again in this sync.
    pub refreshed: bool,
    pub error: Option<String>,
}

/// The outcome on the uploads wiki.
#[derive(Clone, Debug, Default)]
pub struct UploadsSummary {
    pub wiki: String,
    /// Uploads listed for participants in this sync.
    pub uploads: u64,
    /// Files whose usage and whose URLs and existence were looked up.
    pub usage_checked: usize,
    pub files_checked: usize,
    pub errors: Vec<String>,
}

impl SyncSummary {
    pub fn error_count(&self) -> usize {
        let wikis: usize = self.wikis.iter().map(|wiki| wiki.errors.len()).sum();
        let scope = self.scope.iter().filter(|source| source.error.is_some()).count();
        let uploads = self.uploads.as_ref().map_or(0, |uploads| uploads.errors.len());
        wikis + scope + uploads
    }

    pub fn succeeded(&self) -> bool {
        self.error_count() == 0
    }

    /// The run log entry the store keeps for this sync.
    pub fn to_run(&self, finished_at: i64) -> RunLog {
        let mut wikis: Vec<WikiRun> = self.wikis.iter().map(WikiSummary::to_run).collect();
        if let Some(uploads) = &self.uploads {
            wikis.push(WikiRun {
                wiki: format!("{} (uploads)", uploads.wiki),
                revisions: 0,
                requests: 0,
                errors: uploads.errors.clone(),
            });
        }
        let scope_errors = self.scope.iter().filter_map(|source| source.error.clone()).collect();
        RunLog { started_at: self.started_at, finished_at, wikis, scope_errors }
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
