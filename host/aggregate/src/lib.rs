//! Statistics: turns a campaign's day rows, page attributes and accounts into a [`Report`].
//!
//! Everything here is a pure function of its inputs, so each rule is tested case by case. The
//! rules (what counts as an edit, an article, a creation, a new editor) are documented on
//! [`Aggregator`] and in `docs/statistics.md`.

pub mod aggregator;
mod report;
mod words;

pub use aggregator::{Aggregator, ParticipantFacts};
pub use report::{ArticleReport, DailyReport, ParticipantReport, Report, SyncReport, Totals, WikiReport};
pub use words::words_from_bytes;
