//! The deterministic synthetic wiki: three workloads, the revisions and pages they generate, the
//! fewest requests a first sync of each needs, and an HTTP server that serves the MediaWiki
//! Action API modules a wikidash sync uses.
//!
//! Everything is a pure function of the [`Workload`], the wiki number (1 to `wikis`) and a
//! participant index (1 to `participants`) or page id (1 to `pages_per_wiki`), so every run on
//! every machine produces the same data. Each participant's revisions come from their own
//! SplitMix64 stream, so the server generates them per request and never keeps a workload's
//! revisions in memory. It keeps one small table per wiki: the latest participant revision of
//! each page, which `top`, `lastrevid`, `touched` and `length` need.
//!
//! The server ([`SyntheticWiki`]) serves `action=query` with `meta=siteinfo`, `list=users`,
//! `list=usercontribs` and `prop=info` in MediaWiki 1.39's JSON format version 2, with its
//! limits (50 values per multi-value parameter, 500 results per page), error envelopes,
//! warnings and continuation. It sends plain JSON and never compresses it, even when the
//! request accepts gzip.

mod api;
mod generate;
mod info;
mod json;
mod server;
mod siteinfo;
mod usercontribs;
mod users;

use chrono::NaiveDate;

pub use server::{RequestCounts, SyntheticWiki};

/// Revision ids of participant `p` on a wiki are `p * REV_IDS_PER_PARTICIPANT + k` for the
/// participant's `k`-th revision (1-based, in timestamp order). Ids up to this value belong to
/// no participant: each page's revision from before the window has the page id as its id.
pub const REV_IDS_PER_PARTICIPANT: u64 = 100_000;

/// Most values a multi-value parameter (`ususers`, `ucuser`, `pageids`) takes without the
/// `apihighlimits` right.
pub const MAX_VALUES_PER_PARAMETER: usize = 50;

/// Most results of one `list=usercontribs` page without the `apihighlimits` right.
pub const MAX_CONTRIBUTIONS_PER_PAGE: u64 = 500;

/// The shape of one synthetic campaign: who edits, on how many wikis, over which days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Workload {
    pub name: &'static str,
    pub participants: u32,
    pub wikis: u32,
    pub days: u32,
    /// Mean revisions per participant per wiki. Each participant's count on a wiki is uniform
    /// within this mean plus or minus half of it.
    pub mean_revisions: u32,
    /// Pages on each wiki, with ids 1 to `pages_per_wiki`.
    pub pages_per_wiki: u64,
    /// First day of the window, which starts at 00:00:00 UTC.
    pub start: NaiveDate,
}

const fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(year, month, day) {
        Some(date) => date,
        None => panic!("invalid workload start date"),
    }
}

/// An edit-a-thon: 40 participants on 1 wiki for 14 days, about 3,000 revisions.
pub const W1: Workload = Workload {
    name: "w1-edit-a-thon",
    participants: 40,
    wikis: 1,
    days: 14,
    mean_revisions: 75,
    pages_per_wiki: 600,
    start: date(2025, 3, 3),
};

/// A course term: 1,000 participants on 3 wikis for 120 days, about 250,000 revisions.
pub const W2: Workload = Workload {
    name: "w2-course-term",
    participants: 1_000,
    wikis: 3,
    days: 120,
    mean_revisions: 83,
    pages_per_wiki: 16_600,
    start: date(2025, 1, 13),
};

/// A national campaign: 20,000 participants on 10 wikis for all of 2025, about 5,000,000
/// revisions.
pub const W3: Workload = Workload {
    name: "w3-national-campaign",
    participants: 20_000,
    wikis: 10,
    days: 365,
    mean_revisions: 25,
    pages_per_wiki: 100_000,
    start: date(2025, 1, 1),
};

pub const WORKLOADS: [Workload; 3] = [W1, W2, W3];

impl Workload {
    /// Returns the first second of the window (Unix time), 00:00:00 UTC on `start`.
    pub fn window_start(&self) -> i64 {
        self.start.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc().timestamp()
    }

    /// Returns the last second of the window (Unix time, inclusive), 23:59:59 UTC on the last
    /// day. Every generated revision lies between [`Self::window_start`] and this.
    pub fn window_end(&self) -> i64 {
        self.window_start() + i64::from(self.days) * 86_400 - 1
    }

    /// Panics unless the workload's numbers fit the id scheme and the generator.
    fn validate(&self) {
        assert!(self.participants >= 1, "workload {} has no participants", self.name);
        assert!(self.wikis >= 1, "workload {} has no wikis", self.name);
        assert!(self.days >= 1, "workload {} has no days", self.name);
        assert!(self.pages_per_wiki >= 1, "workload {} has no pages", self.name);
        assert!(
            self.pages_per_wiki <= REV_IDS_PER_PARTICIPANT,
            "workload {} has {} pages per wiki; page ids double as revision ids below the participants' ids, \
             so at most {REV_IDS_PER_PARTICIPANT} fit",
            self.name,
            self.pages_per_wiki
        );
        assert!(
            u64::from(self.mean_revisions) * 3 / 2 < REV_IDS_PER_PARTICIPANT,
            "workload {} has a mean of {} revisions per participant, and up to 1.5 times that must fit \
             in the {} revision ids each participant has",
            self.name,
            self.mean_revisions,
            REV_IDS_PER_PARTICIPANT - 1
        );
    }

    /// Panics unless `wiki` is between 1 and `wikis`.
    fn check_wiki(&self, wiki: u32) {
        assert!((1..=self.wikis).contains(&wiki), "workload {} has wikis 1 to {}, not {wiki}", self.name, self.wikis);
    }
}

/// One revision of a participant, as `list=usercontribs` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyntheticRevision {
    pub rev_id: u64,
    /// 0 for a page creation.
    pub parent_id: u64,
    pub page_id: u64,
    pub namespace: i32,
    /// Unix time in seconds.
    pub timestamp: i64,
    /// Page size in bytes after the revision.
    pub size: u64,
    /// Change in bytes; equals `size` for a page creation.
    pub size_diff: i64,
    pub minor: bool,
}

impl SyntheticRevision {
    /// Reports whether the revision created its page.
    pub fn is_creation(&self) -> bool {
        self.parent_id == 0
    }
}

/// One page, as `prop=info` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntheticPage {
    pub page_id: u64,
    pub namespace: i32,
    /// Full title with the namespace prefix, e.g. `Talk:Page 20`.
    pub title: String,
    pub redirect: bool,
    /// Size in bytes of the latest revision.
    pub length: u64,
    /// The latest participant revision of the page, or the page id for a page no participant
    /// edited (its revision from before the window).
    pub last_rev_id: u64,
    /// Unix time of the latest revision, which `prop=info` reports as `touched`.
    pub touched: i64,
}

/// Returns the username of participant `index`, e.g. `Participant 7`. Their user id is `index`.
pub fn participant_name(index: u32) -> String {
    format!("Participant {index}")
}

/// Generates the revisions of `participant` (1 to `participants`) on `wiki` (1 to `wikis`),
/// sorted by timestamp, then revision id. Panics when either is out of range.
pub fn revisions(workload: &Workload, wiki: u32, participant: u32) -> Vec<SyntheticRevision> {
    workload.validate();
    workload.check_wiki(wiki);
    assert!(
        (1..=workload.participants).contains(&participant),
        "workload {} has participants 1 to {}, not {participant}",
        workload.name,
        workload.participants
    );
    let mut out = Vec::new();
    generate::generate_revisions(workload, wiki, participant, &mut out);
    out
}

/// Returns page `page_id` (1 to `pages_per_wiki`) of `wiki`. Panics when either is out of range.
///
/// The first call for a wiki generates all of its revisions to find each page's latest one
/// (about 25 ms for a W3 wiki in the test profile) and keeps that table for the rest of the
/// process.
pub fn page(workload: &Workload, wiki: u32, page_id: u64) -> SyntheticPage {
    workload.validate();
    workload.check_wiki(wiki);
    assert!(
        (1..=workload.pages_per_wiki).contains(&page_id),
        "workload {} has pages 1 to {}, not {page_id}",
        workload.name,
        workload.pages_per_wiki
    );
    let table = generate::page_table(workload, wiki);
    generate::page(workload, wiki, &table, page_id)
}

/// The fewest requests that the API's limits allow for a first sync of a workload, summed over
/// its wikis, and the data that sync fetches.
///
/// A first sync needs no separate siteinfo request, because siteinfo rides along with the first
/// users lookup. Contribution pages assume that the sync requests the whole window, every
/// namespace the revisions use (0, 1 and 2) and `uclimit=max`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Floor {
    /// `list=users` requests: ⌈participants / 50⌉ per wiki.
    pub users: u64,
    /// `list=usercontribs` pages: per batch of 50 participants in index order,
    /// max(1, ⌈the batch's revisions / 500⌉).
    pub contributions: u64,
    /// `prop=info` requests: ⌈distinct pages touched / 50⌉ per wiki.
    pub info: u64,
    /// Revisions in the window.
    pub revisions: u64,
    /// Pages that at least one revision touched, summed over wikis.
    pub distinct_pages: u64,
}

impl Floor {
    /// Returns the number of requests: users lookups, contribution pages and info lookups.
    pub fn total(&self) -> u64 {
        self.users + self.contributions + self.info
    }
}

/// Computes the [`Floor`] of `workload` by generating every revision once, one thread per core
/// across its wikis. W3 (5 million revisions) took 0.13 s in the test profile on 2 cores.
pub fn request_floor(workload: &Workload) -> Floor {
    workload.validate();
    generate::request_floor(workload)
}
