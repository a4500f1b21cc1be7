//! Every table of the store, in one place, with its key layout.
//!
//! Ids: a campaign, a wiki and a participant each get a small integer id when they are first
//! stored; ids are never reused. Keys put the campaign first so one campaign's rows are one
//! contiguous range.

use redb::TableDefinition;
use wikidash_core::records::{AccountRecord, PageRecord, QualityRecord, ScopeList, UploadRecord, ViewsMark};

use crate::codec::{DayRowValue, Json, WikiDayValue};
use crate::records::{RunLog, StoredCampaign, WikiEntry};

/// Layout version of the file. Opening a file with another version is refused.
pub const SCHEMA_VERSION: u64 = 2;

/// Counters and the schema version, by name.
pub const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

/// campaign id → campaign.
pub const CAMPAIGNS: TableDefinition<u32, Json<StoredCampaign>> = TableDefinition::new("campaigns");

/// campaign name → campaign id.
pub const CAMPAIGN_NAMES: TableDefinition<&str, u32> = TableDefinition::new("campaign_names");

/// wiki id → API URL and site facts.
pub const WIKIS: TableDefinition<u32, Json<WikiEntry>> = TableDefinition::new("wikis");

/// wiki API URL → wiki id.
pub const WIKI_IDS: TableDefinition<&str, u32> = TableDefinition::new("wiki_ids");

/// (wiki, username) → what the wiki reported about that name.
pub const ACCOUNTS: TableDefinition<(u32, &str), Json<AccountRecord>> = TableDefinition::new("accounts");

/// (wiki, page id) → the page's current attributes.
pub const PAGES: TableDefinition<(u32, u64), Json<PageRecord>> = TableDefinition::new("pages");

/// (campaign, wiki, page id) → (): pages a campaign's rows refer to.
pub const CAMPAIGN_PAGES: TableDefinition<(u32, u32, u64), ()> = TableDefinition::new("campaign_pages");

/// (campaign, wiki, participant, day, page id) → one participant's activity on a page that day.
pub const DAY_ROWS: TableDefinition<(u32, u32, u32, i32, u64), DayRowValue> = TableDefinition::new("day_rows");

/// (campaign, wiki, day) → revision count and latest revision: the sync watermark.
pub const WIKI_DAYS: TableDefinition<(u32, u32, i32), WikiDayValue> = TableDefinition::new("wiki_days");

/// (campaign, wiki, participant) → Unix seconds up to which the participant's revisions on
/// that wiki have been fetched completely.
pub const FETCH_MARKS: TableDefinition<(u32, u32, u32), i64> = TableDefinition::new("fetch_marks");

/// (campaign, run number counting from 1) → what the sync did.
pub const SYNC_RUNS: TableDefinition<(u32, u64), Json<RunLog>> = TableDefinition::new("sync_runs");

/// (uploads wiki, file page id) → a participant's upload.
pub const UPLOADS: TableDefinition<(u32, u64), Json<UploadRecord>> = TableDefinition::new("uploads");

/// (campaign, uploads wiki, participant) → Unix seconds up to which the participant's uploads
/// have been fetched.
pub const UPLOAD_MARKS: TableDefinition<(u32, u32, u32), i64> = TableDefinition::new("upload_marks");

/// (campaign, scope source position counting from 0) → the source's last list of pages.
pub const SCOPE_LISTS: TableDefinition<(u32, u32), Json<ScopeList>> = TableDefinition::new("scope_lists");

/// (wiki, page id, day) → user views of the article that day (UTC, as the pageviews API counts).
pub const VIEWS: TableDefinition<(u32, u64, i32), u64> = TableDefinition::new("views");

/// (wiki, page id) → how far the article's views have been fetched.
pub const VIEW_MARKS: TableDefinition<(u32, u64), Json<ViewsMark>> = TableDefinition::new("view_marks");

/// (wiki, page id, day) → the article's quality class that day; empty for unassessed.
pub const RATINGS: TableDefinition<(u32, u64, i32), &str> = TableDefinition::new("ratings");

/// (wiki, revision id) → the quality model's answer for that revision.
pub const QUALITY: TableDefinition<(u32, u64), Json<QualityRecord>> = TableDefinition::new("quality");

/// (campaign, output label) → (stamp, bytes): a rendered report and the stamp of the store
/// state and day it was rendered for. See [`crate::Store::rendered_output`].
pub const RENDERED_OUTPUTS: TableDefinition<(u32, &str), (&str, &[u8])> = TableDefinition::new("rendered_outputs");

pub const META_SCHEMA_VERSION: &str = "schema_version";
/// Number of write transactions begun through `Store::begin_write`. A rendered output is
/// reused only while this number is unchanged.
pub const META_GENERATION: &str = "generation";
pub const META_NEXT_CAMPAIGN: &str = "next_campaign_id";
pub const META_NEXT_WIKI: &str = "next_wiki_id";
