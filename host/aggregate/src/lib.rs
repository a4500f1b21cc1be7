//! Statistics: turns a campaign's day rows, pages, accounts and the other importers' facts
//! into a [`Report`].
//!
//! Everything here is a pure function of its inputs, so each rule is tested case by case. The
//! rules (what counts as an edit, an article, a creation, a new editor) are documented on
//! [`Aggregator`] and in `docs/statistics.md`.

pub mod aggregator;
mod quality;
mod report;
mod words;

pub use aggregator::{AggregateInput, Aggregator, ArticleList, Enrichment, PageKey, ParticipantFacts, UploadFacts};
pub use quality::wp10;
pub use report::{
    ArticleReport, CampaignTotals, DailyReport, ParticipantReport, RatingChange, Report, ScopeReport, SyncReport,
    Totals, UploadReport, WikiReport,
};
pub use words::words_from_bytes;
