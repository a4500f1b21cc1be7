//! What the store keeps about wikis, pages, accounts and activity.
//!
//! Individual revisions are never kept. A sync folds them into [`DayRow`]s, one per
//! article × participant × wiki × day, and [`WikiDay`]s, one per wiki × day; everything a
//! report shows is computed from those rows and the page and account records.

use serde::{Deserialize, Serialize};

/// One participant's revisions on one page on one day (in the campaign's time zone).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DayRow {
    /// Revisions, including move null revisions.
    pub edits: u32,
    /// Σ max(size diff, 0) over the revisions, in bytes.
    pub bytes_added: u64,
    /// One of the revisions created the page (parent id 0), and not as a redirect.
    pub created: bool,
    /// Unix seconds of the earliest revision.
    pub first_revision: i64,
    /// Unix seconds of the latest revision.
    pub last_revision: i64,
}

impl DayRow {
    /// Fold one revision into the row.
    pub fn add_revision(&mut self, timestamp: i64, size_diff: i64, creates_article: bool) {
        if self.edits == 0 || timestamp < self.first_revision {
            self.first_revision = timestamp;
        }
        if self.edits == 0 || timestamp > self.last_revision {
            self.last_revision = timestamp;
        }
        self.edits += 1;
        self.bytes_added += size_diff.max(0) as u64;
        self.created |= creates_article;
    }
}

/// All participants' revisions on one wiki on one day: the sync watermark.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WikiDay {
    pub revisions: u32,
    /// Unix seconds of the latest revision seen on that day.
    pub latest_revision: i64,
}

/// A page, keyed in the store by wiki and page id. Title, namespace and redirect status are
/// attributes that change: a moved page keeps its id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRecord {
    /// Title with namespace prefix, as last seen.
    pub title: String,
    pub namespace: i32,
    /// Whether the page is a redirect, from the last page lookup; `None` before the first.
    pub redirect: Option<bool>,
    /// The wiki reported the page id missing at the last lookup.
    pub deleted: bool,
    /// Unix seconds of the last successful page lookup.
    pub checked_at: Option<i64>,
}

/// The state of a username on one wiki.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountState {
    Exists {
        user_id: u64,
        /// Unix seconds; `None` for accounts older than MediaWiki's registration records.
        registration: Option<i64>,
        edit_count: u64,
        central_id: Option<u64>,
    },
    /// No account has this name.
    Missing,
    /// The wiki rejects the name, with its reason.
    Invalid(String),
}

/// An account lookup and when it was made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRecord {
    pub state: AccountState,
    /// Unix seconds of the lookup.
    pub checked_at: i64,
}

impl AccountRecord {
    pub fn exists(&self) -> bool {
        matches!(self.state, AccountState::Exists { .. })
    }

    pub fn registration(&self) -> Option<i64> {
        match self.state {
            AccountState::Exists { registration, .. } => registration,
            _ => None,
        }
    }
}

/// One namespace of a wiki.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamespaceInfo {
    pub id: i32,
    pub name: String,
    pub canonical: Option<String>,
}

/// Facts about a wiki from `meta=siteinfo`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteRecord {
    pub sitename: String,
    pub generator: String,
    pub lang: String,
    pub namespaces: Vec<NamespaceInfo>,
    /// Unix seconds of the lookup.
    pub checked_at: i64,
}

impl SiteRecord {
    pub fn has_namespace(&self, id: i32) -> bool {
        self.namespaces.iter().any(|namespace| namespace.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_row_sums_positive_size_changes_only() {
        let mut row = DayRow::default();
        row.add_revision(200, 50, false);
        row.add_revision(100, -20, false);
        row.add_revision(300, 0, true);
        assert_eq!(row.edits, 3);
        assert_eq!(row.bytes_added, 50);
        assert!(row.created);
        assert_eq!(row.first_revision, 100);
        assert_eq!(row.last_revision, 300);
    }
}
