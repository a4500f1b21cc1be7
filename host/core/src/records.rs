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
    /// Id of the latest revision.
    pub last_rev_id: u64,
    /// Σ references added (references in the revision minus in its parent; can be negative)
    /// over the revisions whose counts are known.
    pub references_added: i64,
    /// Revisions whose references could not be counted yet; a later sync tries again.
    pub references_unknown: u32,
}

/// One revision as a day row needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RevisionFacts {
    pub rev_id: u64,
    pub timestamp: i64,
    pub size_diff: i64,
    /// The revision created the page, and not as a redirect.
    pub creates_article: bool,
    /// References added, `None` when unknown (not counted, or the count failed).
    pub references_added: Option<i64>,
    /// Whether references were to be counted for this revision at all.
    pub references_expected: bool,
}

impl DayRow {
    /// Fold one revision into the row.
    pub fn add_revision(&mut self, revision: &RevisionFacts) {
        let timestamp = revision.timestamp;
        if self.edits == 0 || timestamp < self.first_revision {
            self.first_revision = timestamp;
        }
        if self.edits == 0
            || timestamp > self.last_revision
            || (timestamp == self.last_revision && revision.rev_id > self.last_rev_id)
        {
            self.last_revision = timestamp;
            self.last_rev_id = revision.rev_id;
        }
        self.edits += 1;
        self.bytes_added += revision.size_diff.max(0) as u64;
        self.created |= revision.creates_article;
        match revision.references_added {
            Some(added) => self.references_added += added,
            None if revision.references_expected => self.references_unknown += 1,
            None => {}
        }
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
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
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
    /// The page id under which this page's title now exists, when the wiki gave the page a new
    /// id (deleted and recreated, or histories merged); its rows count for that page.
    #[serde(default)]
    pub replaced_by: Option<u64>,
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
    /// Titles get an upper-case first letter, as on most wikis (not on Wiktionaries).
    #[serde(default = "first_letter_case_default")]
    pub first_letter_case: bool,
    pub namespaces: Vec<NamespaceInfo>,
    /// Installed extensions, e.g. `PageAssessments`.
    #[serde(default)]
    pub extensions: Vec<String>,
    /// Unix seconds of the lookup.
    pub checked_at: i64,
}

fn first_letter_case_default() -> bool {
    true
}

impl SiteRecord {
    pub fn has_namespace(&self, id: i32) -> bool {
        self.namespaces.iter().any(|namespace| namespace.id == id)
    }

    /// The id of the namespace whose local or canonical name is `prefix`, ignoring the case of
    /// the first letter and treating underscores as spaces.
    pub fn namespace_named(&self, prefix: &str) -> Option<i32> {
        let wanted = crate::title::normalize_title(prefix, true);
        self.namespaces
            .iter()
            .filter(|namespace| namespace.id != 0)
            .find(|namespace| {
                crate::title::normalize_title(&namespace.name, true) == wanted
                    || namespace
                        .canonical
                        .as_deref()
                        .is_some_and(|name| crate::title::normalize_title(name, true) == wanted)
            })
            .map(|namespace| namespace.id)
    }
}

/// A file a participant uploaded, keyed in the store by uploads wiki and file page id.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadRecord {
    /// Title with namespace prefix, e.g. `File:Example.jpg`.
    pub title: String,
    pub user: String,
    /// Unix seconds of the upload.
    pub timestamp: i64,
    /// Main-namespace pages on any wiki that use the file; `None` before the first lookup.
    pub usage: Option<u64>,
    pub usage_checked_at: Option<i64>,
    pub url: Option<String>,
    pub thumb_url: Option<String>,
    pub thumb_width: Option<u32>,
    pub thumb_height: Option<u32>,
    /// The file page was reported missing: the file was deleted.
    pub deleted: bool,
    pub info_checked_at: Option<i64>,
}

/// One page of a scope list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopePage {
    /// Title without namespace prefix, normalised for matching.
    pub title: String,
    pub page_id: Option<u64>,
}

/// The pages one scope source listed at its last successful refresh, and its last failure.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeList {
    /// Action API URL of the wiki the pages are on.
    pub wiki: Option<String>,
    pub pages: Vec<ScopePage>,
    /// Unix seconds of the last successful refresh; `None` before the first.
    pub fetched_at: Option<i64>,
    /// The last refresh's error, when it failed; the pages are those of the refresh before.
    pub error: Option<String>,
    pub error_at: Option<i64>,
}

/// How far an article's daily views have been fetched.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewsMark {
    /// The title the views were fetched under.
    pub title: String,
    /// Last day whose views are final (stored, or known to be zero).
    pub settled_through: Option<crate::day::Day>,
}

/// The quality model's answer for one revision, kept for good: a revision never changes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum QualityRecord {
    Scored { prediction: String, probabilities: Vec<(String, f64)> },
    Deleted,
    Unscorable(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn revision(rev_id: u64, timestamp: i64, size_diff: i64, references: Option<i64>) -> RevisionFacts {
        RevisionFacts {
            rev_id,
            timestamp,
            size_diff,
            creates_article: false,
            references_added: references,
            references_expected: true,
        }
    }

    #[test]
    fn day_row_sums_positive_size_changes_only() {
        let mut row = DayRow::default();
        row.add_revision(&revision(2, 200, 50, Some(3)));
        row.add_revision(&revision(1, 100, -20, Some(-1)));
        row.add_revision(&RevisionFacts { creates_article: true, ..revision(3, 300, 0, None) });
        assert_eq!(row.edits, 3);
        assert_eq!(row.bytes_added, 50);
        assert!(row.created);
        assert_eq!(row.first_revision, 100);
        assert_eq!(row.last_revision, 300);
        assert_eq!(row.last_rev_id, 3);
        assert_eq!(row.references_added, 2);
        assert_eq!(row.references_unknown, 1);
    }

    #[test]
    fn day_row_ignores_references_not_expected() {
        let mut row = DayRow::default();
        row.add_revision(&RevisionFacts { references_expected: false, ..revision(1, 100, 5, None) });
        assert_eq!(row.references_unknown, 0);
        assert_eq!(row.references_added, 0);
    }
}
