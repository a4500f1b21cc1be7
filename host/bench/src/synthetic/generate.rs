//! Generation of the synthetic data: the SplitMix64 streams, each participant's revisions, page
//! facts, the per-wiki table of each page's latest revision, and the request floor.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use super::{Floor, MAX_CONTRIBUTIONS_PER_PAGE, MAX_VALUES_PER_PARAMETER, REV_IDS_PER_PARTICIPANT};
use super::{SyntheticPage, SyntheticRevision, Workload};

/// Stream domains, so that revisions, accounts and pages of the same number draw different values.
const REVISION_STREAM: u64 = 1;
const ACCOUNT_STREAM: u64 = 2;
const PAGE_STREAM: u64 = 3;

/// Share of revisions that create their page, in percent.
const CREATION_PERCENT: u64 = 3;
/// Share of other revisions marked minor, in percent.
const MINOR_PERCENT: u64 = 15;
/// Share of pages that are redirects, in percent.
const REDIRECT_PERCENT: u64 = 2;
/// Size changes of edits that are not creations: -200 to +800 bytes.
const MIN_SIZE_DIFF: i64 = -200;
const MAX_SIZE_DIFF: i64 = 800;
/// Page sizes before an edit: 200 to 40,199 bytes.
const MIN_PAGE_SIZE: u64 = 200;
const PAGE_SIZE_SPAN: u64 = 40_000;
const SECONDS_PER_DAY: u64 = 86_400;
/// Accounts register between 2010-01-01 and the day before the window.
const FIRST_REGISTRATION: i64 = 1_262_304_000;
/// Edits each participant made before the window, at most.
const MAX_EARLIER_EDITS: u64 = 5_000;

/// SplitMix64: a 64-bit counter passed through a mixing function. It is fast, and its output
/// depends only on the seed, on every platform.
pub(crate) struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Draws a value in `0..n` (`n > 0`) by a 128-bit multiply and shift. Its bias is below
    /// `n / 2^64`, far too small to show in these workloads.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }
}

/// Returns the stream of `key` (a participant index or page id) in `domain` on `wiki`.
fn stream(domain: u64, wiki: u32, key: u64) -> SplitMix64 {
    // Distinct (domain, wiki, key) triples give distinct seeds for keys below 2^40, and one
    // SplitMix64 step spreads neighbouring seeds over the whole state space.
    let mut seeder = SplitMix64::new((domain << 56) ^ (u64::from(wiki) << 40) ^ key);
    SplitMix64::new(seeder.next_u64())
}

/// Draws a participant's revision count: uniform within the mean plus or minus half of it.
fn draw_revision_count(workload: &Workload, rng: &mut SplitMix64) -> u64 {
    let mean = u64::from(workload.mean_revisions);
    let half = mean / 2;
    mean - half + rng.below(2 * half + 1)
}

/// Returns the number of revisions of `participant` on `wiki`, without generating them.
pub(crate) fn revision_count(workload: &Workload, wiki: u32, participant: u32) -> u64 {
    let mut rng = stream(REVISION_STREAM, wiki, u64::from(participant));
    draw_revision_count(workload, &mut rng)
}

/// Returns the namespace of a page: every 20th page is a talk page (1), the page after it a
/// user page (2), and the rest are articles (0).
pub(crate) fn page_namespace(page_id: u64) -> i32 {
    match page_id % 20 {
        0 => 1,
        1 => 2,
        _ => 0,
    }
}

/// Returns the title prefix of a namespace that [`page_namespace`] assigns.
pub(crate) fn namespace_prefix(namespace: i32) -> &'static str {
    match namespace {
        1 => "Talk:",
        2 => "User:",
        _ => "",
    }
}

/// Replaces `out` with the revisions of `participant` on `wiki`, sorted by timestamp, then
/// revision id. The caller checks that both are in range.
pub(crate) fn generate_revisions(workload: &Workload, wiki: u32, participant: u32, out: &mut Vec<SyntheticRevision>) {
    out.clear();
    let mut rng = stream(REVISION_STREAM, wiki, u64::from(participant));
    let count = draw_revision_count(workload, &mut rng);
    let window_start = workload.window_start();
    let days = u64::from(workload.days);
    for draw in 0..count {
        // Every revision takes the same seven draws, so each value depends only on its position.
        let day = rng.below(days);
        let second = rng.below(SECONDS_PER_DAY);
        let page_id = 1 + rng.below(workload.pages_per_wiki);
        let creation = rng.below(100) < CREATION_PERCENT;
        let minor = rng.below(100) < MINOR_PERCENT;
        let base_size = MIN_PAGE_SIZE + rng.below(PAGE_SIZE_SPAN);
        let diff = MIN_SIZE_DIFF + rng.below((MAX_SIZE_DIFF - MIN_SIZE_DIFF + 1) as u64) as i64;
        let (size, size_diff) =
            if creation { (base_size, base_size as i64) } else { (base_size + diff.max(0) as u64, diff) };
        out.push(SyntheticRevision {
            // The draw index orders revisions with equal timestamps until ids are assigned.
            rev_id: draw,
            // 1 marks an edit whose parent is found below; 0 stays for creations.
            parent_id: u64::from(!creation),
            page_id,
            namespace: page_namespace(page_id),
            timestamp: window_start + (day * SECONDS_PER_DAY + second) as i64,
            size,
            size_diff,
            minor: minor && !creation,
        });
    }
    out.sort_unstable_by_key(|revision| (revision.timestamp, revision.rev_id));

    let first_id = u64::from(participant) * REV_IDS_PER_PARTICIPANT + 1;
    for k in 0..out.len() {
        out[k].rev_id = first_id + k as u64;
        if out[k].parent_id == 0 {
            continue;
        }
        // An edit's parent is the participant's previous revision of the page, or else the
        // page's revision from before the window, whose id is the page id.
        let page_id = out[k].page_id;
        let previous = out[..k].iter().rev().find(|earlier| earlier.page_id == page_id);
        out[k].parent_id = previous.map_or(page_id, |earlier| earlier.rev_id);
    }
}

/// A participant's account on one wiki, as `list=users` reports it.
pub(crate) struct Account {
    /// Unix time of registration, before the window.
    pub(crate) registration: i64,
    /// Edits before the window plus the participant's revisions on the wiki.
    pub(crate) edit_count: u64,
}

pub(crate) fn account(workload: &Workload, wiki: u32, participant: u32) -> Account {
    let mut rng = stream(ACCOUNT_STREAM, wiki, u64::from(participant));
    let span = (workload.window_start() - SECONDS_PER_DAY as i64 - FIRST_REGISTRATION).max(1) as u64;
    let registration = FIRST_REGISTRATION + rng.below(span) as i64;
    let edit_count = rng.below(MAX_EARLIER_EDITS + 1) + revision_count(workload, wiki, participant);
    Account { registration, edit_count }
}

/// The latest participant revision of one page, with `rev_id` 0 when no participant edited it.
#[derive(Clone, Copy, Default)]
pub(crate) struct LatestRevision {
    pub(crate) rev_id: u64,
    pub(crate) timestamp: i64,
    pub(crate) size: u64,
}

/// Each page's latest participant revision on one wiki, indexed by page id - 1.
pub(crate) struct PageTable {
    latest: Vec<LatestRevision>,
}

impl PageTable {
    /// Returns the latest participant revision of `page_id` (1 to `pages_per_wiki`).
    pub(crate) fn latest(&self, page_id: u64) -> LatestRevision {
        self.latest[(page_id - 1) as usize]
    }

    /// Counts the pages that at least one participant revision touched.
    fn touched_pages(&self) -> u64 {
        self.latest.iter().filter(|latest| latest.rev_id != 0).count() as u64
    }
}

/// One wiki's page table and the revision count of each batch of 50 participants.
struct WikiScan {
    table: PageTable,
    batch_revisions: Vec<u64>,
}

/// Generates every revision of `wiki` once.
fn scan_wiki(workload: &Workload, wiki: u32) -> WikiScan {
    let mut latest = vec![LatestRevision::default(); workload.pages_per_wiki as usize];
    let mut batch_revisions = Vec::new();
    let mut revisions = Vec::new();
    for participant in 1..=workload.participants {
        generate_revisions(workload, wiki, participant, &mut revisions);
        let batch = (participant as usize - 1) / MAX_VALUES_PER_PARAMETER;
        if batch == batch_revisions.len() {
            batch_revisions.push(0);
        }
        batch_revisions[batch] += revisions.len() as u64;
        for revision in &revisions {
            let entry = &mut latest[(revision.page_id - 1) as usize];
            if (revision.timestamp, revision.rev_id) > (entry.timestamp, entry.rev_id) {
                *entry = LatestRevision { rev_id: revision.rev_id, timestamp: revision.timestamp, size: revision.size };
            }
        }
    }
    WikiScan { table: PageTable { latest }, batch_revisions }
}

type TableCache = Mutex<HashMap<(Workload, u32), Arc<PageTable>>>;

/// Page tables built so far in this process. A W3 wiki's table takes 2.4 MB.
fn table_cache() -> &'static TableCache {
    static CACHE: OnceLock<TableCache> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

fn cache_table(workload: &Workload, wiki: u32, table: PageTable) -> Arc<PageTable> {
    let mut cache = table_cache().lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    cache.entry((*workload, wiki)).or_insert_with(|| Arc::new(table)).clone()
}

/// Returns the page table of `wiki`, building it on first use.
pub(crate) fn page_table(workload: &Workload, wiki: u32) -> Arc<PageTable> {
    let cached = table_cache().lock().unwrap_or_else(|poisoned| poisoned.into_inner()).get(&(*workload, wiki)).cloned();
    if let Some(table) = cached {
        return table;
    }
    // Built without the lock, so wikis build in parallel; a lost race wastes one build.
    let scan = scan_wiki(workload, wiki);
    cache_table(workload, wiki, scan.table)
}

/// Returns the facts of page `page_id` (1 to `pages_per_wiki`) of `wiki`.
pub(crate) fn page(workload: &Workload, wiki: u32, table: &PageTable, page_id: u64) -> SyntheticPage {
    let mut rng = stream(PAGE_STREAM, wiki, page_id);
    let redirect = rng.below(100) < REDIRECT_PERCENT;
    let earlier_length = MIN_PAGE_SIZE + rng.below(PAGE_SIZE_SPAN);
    // A page no participant edited was last edited 1 to 3,650 days before the window.
    let earlier_touched = workload.window_start() - (1 + rng.below(3_650)) as i64 * SECONDS_PER_DAY as i64
        + rng.below(SECONDS_PER_DAY) as i64;
    let namespace = page_namespace(page_id);
    let latest = table.latest(page_id);
    let (last_rev_id, touched, length) = if latest.rev_id == 0 {
        (page_id, earlier_touched, earlier_length)
    } else {
        (latest.rev_id, latest.timestamp, latest.size)
    };
    SyntheticPage {
        page_id,
        namespace,
        title: format!("{}Page {page_id}", namespace_prefix(namespace)),
        redirect,
        length,
        last_rev_id,
        touched,
    }
}

/// Computes the request floor over all wikis, scanning wikis on parallel threads.
pub(crate) fn request_floor(workload: &Workload) -> Floor {
    let threads = std::thread::available_parallelism().map_or(1, |cores| cores.get()).min(workload.wikis as usize);
    let floors: Vec<Floor> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|thread| {
                scope.spawn(move || {
                    let mut floor = Floor::default();
                    let mut wiki = 1 + thread as u32;
                    while wiki <= workload.wikis {
                        add_wiki_floor(&mut floor, workload, wiki);
                        wiki += threads as u32;
                    }
                    floor
                })
            })
            .collect();
        handles.into_iter().map(|handle| handle.join().expect("a floor thread panicked")).collect()
    });
    floors.into_iter().fold(Floor::default(), |sum, floor| Floor {
        users: sum.users + floor.users,
        contributions: sum.contributions + floor.contributions,
        info: sum.info + floor.info,
        revisions: sum.revisions + floor.revisions,
        distinct_pages: sum.distinct_pages + floor.distinct_pages,
    })
}

fn add_wiki_floor(floor: &mut Floor, workload: &Workload, wiki: u32) {
    let scan = scan_wiki(workload, wiki);
    let distinct_pages = scan.table.touched_pages();
    floor.users += u64::from(workload.participants).div_ceil(MAX_VALUES_PER_PARAMETER as u64);
    floor.contributions +=
        scan.batch_revisions.iter().map(|revisions| revisions.div_ceil(MAX_CONTRIBUTIONS_PER_PAGE).max(1)).sum::<u64>();
    floor.info += distinct_pages.div_ceil(MAX_VALUES_PER_PARAMETER as u64);
    floor.revisions += scan.batch_revisions.iter().sum::<u64>();
    floor.distinct_pages += distinct_pages;
    cache_table(workload, wiki, scan.table);
}
