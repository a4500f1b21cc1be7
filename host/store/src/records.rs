//! Records only the store needs: campaigns with their ids, wiki entries, sync batches and
//! run logs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use wikidash_core::records::{DayRow, SiteRecord};
use wikidash_core::{Campaign, Day};

/// A campaign as stored, with the ids its rows are keyed by.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredCampaign {
    pub id: u32,
    pub campaign: Campaign,
    /// Wiki ids, in the order of `campaign.wikis`.
    pub wiki_ids: Vec<u32>,
    /// Wiki id of `campaign.uploads_wiki`.
    #[serde(default)]
    pub uploads_wiki_id: Option<u32>,
    /// Participant name → participant id.
    pub participant_ids: BTreeMap<String, u32>,
    pub next_participant_id: u32,
    /// Unix seconds of creation.
    pub created_at: i64,
}

impl StoredCampaign {
    /// Participants with their ids, in campaign order.
    pub fn participants(&self) -> Vec<(u32, &str)> {
        self.campaign.participants.iter().map(|name| (self.participant_ids[name], name.as_str())).collect()
    }
}

/// A wiki known to the store.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WikiEntry {
    pub url: String,
    pub site: Option<SiteRecord>,
}

/// A page as a contribution listing reported it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageSeen {
    pub page_id: u64,
    pub title: String,
    pub namespace: i32,
}

/// One participant's aggregated activity on one page on one day, ready to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowWrite {
    pub participant: u32,
    pub day: Day,
    pub page_id: u64,
    pub row: DayRow,
}

/// Everything one participant batch of a sync commits at once.
#[derive(Clone, Debug)]
pub struct BatchWrite {
    pub campaign: u32,
    pub wiki: u32,
    /// The participants whose rows the batch replaces.
    pub participants: Vec<u32>,
    /// First and last day (inclusive) whose rows the batch replaces.
    pub from_day: Day,
    pub to_day: Day,
    /// The new rows; every row's participant is in `participants` and its day in range.
    pub rows: Vec<RowWrite>,
    /// Pages the fetched revisions were on, with their current titles.
    pub pages: Vec<PageSeen>,
    /// The fetch covered every revision up to this instant (Unix seconds).
    pub fetched_until: i64,
    /// Participants whose fetch mark stays earlier than `fetched_until`, at the given instant,
    /// so the next sync fetches from there again (their references could not all be counted).
    pub retry_from: Vec<(u32, i64)>,
}

/// The log of one sync of one campaign, kept so users can see when each wiki last synced.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunLog {
    pub started_at: i64,
    pub finished_at: i64,
    pub wikis: Vec<WikiRun>,
    /// Failed scope refreshes.
    #[serde(default)]
    pub scope_errors: Vec<String>,
}

/// One wiki's part of a sync.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WikiRun {
    pub wiki: String,
    pub revisions: u64,
    pub requests: u64,
    /// Failed jobs, one message each; empty when the wiki synced completely.
    pub errors: Vec<String>,
}

impl RunLog {
    pub fn succeeded(&self) -> bool {
        self.scope_errors.is_empty() && self.wikis.iter().all(|wiki| wiki.errors.is_empty())
    }
}
