//! The report a campaign's statistics are shown as. Field names are the column names of the
//! Programs & Events Dashboard's CSV exports, so existing spreadsheets keep working.

use serde::Serialize;

/// Campaign-wide statistics.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub editors: u64,
    pub new_editors: u64,
    pub total_edits: u64,
    pub mainspace_edits: u64,
    pub article_talk_edits: u64,
    pub userspace_edits: u64,
    pub bytes_added: u64,
    pub words_added: u64,
    pub articles_edited: u64,
    pub articles_created: u64,
}

/// The same statistics for one wiki.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WikiReport {
    pub wiki: String,
    #[serde(flatten)]
    pub totals: Totals,
}

/// One participant's statistics.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ParticipantReport {
    pub username: String,
    /// `exists`, `missing` (no such account on the home wiki), `invalid`, or `unknown` (not
    /// looked up yet).
    pub account: String,
    /// Global (CentralAuth) account id, where the home wiki has one.
    pub global_id: Option<u64>,
    /// Registration on the home wiki, ISO 8601 UTC.
    pub registered_at: Option<String>,
    pub registered_during_project: bool,
    pub revisions_during_project: u64,
    /// Bytes added to pages in the tracked namespaces.
    pub mainspace_bytes_added: u64,
    pub userspace_bytes_added: u64,
    pub draft_space_bytes_added: u64,
    pub words_added: u64,
    pub total_articles_edited: u64,
    pub articles_created: u64,
}

/// One page in the tracked namespaces that participants edited.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ArticleReport {
    pub wiki: String,
    pub page_id: u64,
    pub title: String,
    pub namespace: i32,
    pub edit_count: u64,
    pub characters_added: u64,
    /// A participant created the page inside the window.
    pub new: bool,
    pub deleted: bool,
    pub redirect: bool,
    pub usernames: Vec<String>,
}

/// Statistics of one calendar day in the campaign's time zone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DailyReport {
    pub date: String,
    /// Participants with at least one counted edit that day.
    pub editors: u64,
    /// Participants registered (on the home wiki) that day.
    pub new_editors: u64,
    pub total_edits: u64,
    pub mainspace_edits: u64,
    pub article_talk_edits: u64,
    pub userspace_edits: u64,
    pub bytes_added: u64,
    pub words_added: u64,
    pub articles_edited: u64,
    pub articles_created: u64,
}

/// When one wiki last synced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    pub wiki: String,
    /// Last sync that completed without errors, ISO 8601 UTC.
    pub last_success: Option<String>,
    /// Last sync attempt, ISO 8601 UTC.
    pub last_attempt: Option<String>,
    /// Errors of the last attempt; empty when it succeeded.
    pub errors: Vec<String>,
}

/// Everything `wikidash report` shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    pub campaign: String,
    pub title: Option<String>,
    pub time_zone: String,
    pub start: String,
    pub end: String,
    pub namespaces: Vec<i32>,
    pub totals: Totals,
    pub per_wiki: Vec<WikiReport>,
    pub participants: Vec<ParticipantReport>,
    pub articles: Vec<ArticleReport>,
    pub daily: Vec<DailyReport>,
    pub sync: Vec<SyncReport>,
}
