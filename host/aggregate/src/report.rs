//! The report a campaign's statistics are shown as. Field names are the column names of the
//! Programs & Events Dashboard's CSV exports where one exists, so existing spreadsheets keep
//! working.

use std::sync::Arc;

use serde::Serialize;

/// Statistics of a campaign, a wiki or a day.
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
    /// References added to articles (can be negative).
    pub references_added: i64,
    /// Revisions whose references could not be counted yet; a later sync retries them.
    pub references_pending: u64,
    pub articles_edited: u64,
    pub articles_created: u64,
    /// User views of the counted articles from their first edit in the campaign, as far as
    /// the views are final.
    pub article_views: u64,
    /// The same for the articles created in the campaign.
    pub created_article_views: u64,
    /// Counted edits in the last 7 days (today and the 6 days before).
    pub recent_edits: u64,
}

/// Campaign-wide statistics: the totals plus the uploads, which belong to no single wiki.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CampaignTotals {
    #[serde(flatten)]
    pub totals: Totals,
    pub upload_count: u64,
    pub uploads_used_in_articles: u64,
    pub upload_usage_count_across_all_wikis: u64,
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
    pub references_added: i64,
    pub total_articles_edited: u64,
    pub articles_created: u64,
    pub total_uploads: u64,
    /// Counted edits in the last 7 days.
    pub recent_revisions: u64,
}

/// A quality class on one day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RatingChange {
    pub date: String,
    /// Lower-cased class; empty for unassessed.
    pub class: String,
}

/// One page in the tracked namespaces that participants edited.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ArticleReport {
    /// The wiki's API URL, shared by every article of that wiki.
    pub wiki: Arc<str>,
    pub page_id: u64,
    pub title: String,
    pub namespace: i32,
    pub edit_count: u64,
    pub characters_added: u64,
    pub references_added: i64,
    /// A participant created the page inside the window.
    pub new: bool,
    pub deleted: bool,
    pub redirect: bool,
    /// Participants who edited it, sorted; each name is shared with the other articles.
    pub usernames: Vec<Arc<str>>,
    /// First participant edit in the window, `YYYY-MM-DD` in the campaign's time zone.
    pub first_edit: String,
    /// User views since the first edit, and their daily average, as far as views are final.
    pub views: u64,
    pub average_daily_views: f64,
    /// Latest quality class (PageAssessments), lower-cased; `None` when never rated.
    pub rating: Option<String>,
    /// The class on the first day it was recorded and on each day it changed.
    pub rating_history: Vec<RatingChange>,
    /// Quality model prediction and wp10 score of the latest revision in the window, when scored.
    pub quality_prediction: Option<String>,
    pub wp10: Option<f64>,
}

/// One file a participant uploaded inside the window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UploadReport {
    pub filename: String,
    /// The file page on the uploads wiki.
    pub commons_page: String,
    pub timestamp: String,
    pub username: String,
    /// Pages in the main namespace of any wiki that use the file; `None` before the first lookup.
    pub usage_count: Option<u64>,
    pub deleted: bool,
    pub thumb_url: Option<String>,
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
    pub references_added: i64,
    pub articles_edited: u64,
    pub articles_created: u64,
    /// User views of the counted articles on that date (UTC, as the pageviews API counts).
    pub article_views: u64,
}

/// One scope source and its list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScopeReport {
    pub source: String,
    pub pages: u64,
    /// Last successful refresh, ISO 8601 UTC.
    pub fetched_at: Option<String>,
    /// The last refresh's error, when it failed; the list is the one from before.
    pub error: Option<String>,
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
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub campaign: String,
    pub title: Option<String>,
    pub time_zone: String,
    pub start: String,
    pub end: String,
    pub namespaces: Vec<i32>,
    /// Only in-scope articles count.
    pub scoped: bool,
    pub totals: CampaignTotals,
    pub per_wiki: Vec<WikiReport>,
    pub participants: Vec<ParticipantReport>,
    /// Every article, or the most edited ones when the report was built with
    /// [`ArticleList::MostEdited`](crate::ArticleList::MostEdited).
    pub articles: Vec<ArticleReport>,
    /// The number of articles, including those left out of `articles`.
    #[serde(skip)]
    pub article_count: usize,
    pub uploads: Vec<UploadReport>,
    pub daily: Vec<DailyReport>,
    pub scope: Vec<ScopeReport>,
    pub sync: Vec<SyncReport>,
}
