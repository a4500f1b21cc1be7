//! Participants' revisions on one wiki, folded into day rows with their reference counts and
//! stored while the next batch is fetched. Each batch lands whole or not at all; batches that
//! finish while a write is running share the next transaction.

use std::collections::{BTreeMap, HashMap, HashSet};

use tracing::warn;
use wikidash_core::Day;
use wikidash_core::records::{AccountRecord, DayRow, RevisionFacts};
use wikidash_runtime::wit::{Item, ReferenceStatus, TimeWindow};
use wikidash_store::{BatchWrite, PageSeen, RowWrite};

use super::WikiSync;
use crate::WikiSummary;
use crate::jobs::{job, options};

/// Change tag MediaWiki puts on a page creation that is a redirect.
const NEW_REDIRECT_TAG: &str = "mw-new-redirect";

/// Revision ids per reference-counter request.
const REVISIONS_PER_COUNT: usize = 50;

/// Rows of fetched batches after which the sync waits for the running write before going on,
/// so memory stays bounded when the disk is slower than the wiki.
const ROWS_PER_COMMIT: usize = 20_000;

/// Fetched batches not stored yet.
#[derive(Default)]
struct PendingWrites {
    writes: Vec<BatchWrite>,
    rows: usize,
    revisions: u64,
}

/// A write of batches running in the background.
struct Storing {
    handle: tokio::task::JoinHandle<Result<(), wikidash_store::StoreError>>,
    batches: usize,
    revisions: u64,
}

/// One revision of a batch, before it is folded into a row.
struct Fetched {
    participant: u32,
    day: Day,
    page_id: u64,
    namespace: i32,
    rev_id: u64,
    parent_id: u64,
    timestamp: i64,
    size_diff: i64,
    creates_article: bool,
}

/// One participant batch's revisions, folded into rows.
#[derive(Default)]
struct BatchRows {
    rows: HashMap<(u32, Day, u64), DayRow>,
    pages: HashMap<u64, PageSeen>,
    revisions: usize,
    references_counted: u64,
    references_pending: u64,
    /// Why counting references failed, when it did.
    references_error: Option<String>,
}

impl WikiSync<'_> {
    /// Fetch revisions per batch of participants and store each batch while the next one is
    /// fetched.
    pub(super) async fn revisions(
        &self,
        namespaces: &[i32],
        accounts: &HashMap<String, AccountRecord>,
        summary: &mut WikiSummary,
    ) {
        let campaign = &self.stored.campaign;
        let tz = campaign.time_zone;
        let window = campaign.window();
        let until = self.now.min(window.end);
        if until < window.start {
            self.progress.stage(self.url.as_str(), "the campaign has not started; no revisions to fetch");
            return;
        }
        let (campaign_id, wiki_id) = (self.stored.id, self.wiki_id());
        let marks_and_watermark = self
            .syncer
            .store_call(move |store| {
                Ok((store.fetch_marks(campaign_id, wiki_id)?, store.watermark(campaign_id, wiki_id)?))
            })
            .await;
        let (marks, watermark) = match marks_and_watermark {
            Ok(found) => found,
            Err(error) => {
                summary.errors.push(format!("cannot read sync marks: {error}"));
                return;
            }
        };

        // Participants known to have no account cannot have revisions.
        let mut groups: BTreeMap<i64, Vec<(u32, String)>> = BTreeMap::new();
        for (id, name) in self.stored.participants() {
            if accounts.get(name).is_some_and(|record| !record.exists()) {
                continue;
            }
            let from = match marks.get(&id) {
                None => window.start,
                Some(&mark) => {
                    let anchor = watermark.map_or(mark, |latest| latest.min(mark));
                    Day::of_instant(anchor, tz).start(tz).max(window.start)
                }
            };
            groups.entry(from).or_default().push((id, name.to_string()));
        }
        let per_request = self.syncer.settings.users_per_request.clamp(1, 50);
        let batches: Vec<(i64, &[(u32, String)])> = groups
            .iter()
            .flat_map(|(from, members)| members.chunks(per_request).map(move |chunk| (*from, chunk)))
            .collect();
        summary.batches = batches.len();

        let mut pending = PendingWrites::default();
        let mut storing: Option<Storing> = None;
        for (number, (from, members)) in batches.iter().enumerate() {
            let fetched = match self.fetch_batch(*from, until, members, namespaces).await {
                Ok(fetched) => fetched,
                Err(error) => {
                    // The batches fetched before the failure are complete; keep them.
                    if self.finish_storing(storing.take(), summary).await {
                        let last = self.start_storing(&mut pending);
                        self.finish_storing(last, summary).await;
                    }
                    let names: Vec<&str> = members.iter().map(|(_, name)| name.as_str()).collect();
                    summary.errors.push(format!(
                        "revisions of {} could not be fetched; their stored rows are unchanged: {error}",
                        names.join(", ")
                    ));
                    // The next batches would meet the same outage; their rows stay too.
                    return;
                }
            };
            let count = fetched.revisions;
            summary.references_counted += fetched.references_counted;
            summary.references_pending += fetched.references_pending;
            if let Some(error) = &fetched.references_error {
                summary.errors.push(format!(
                    "references could not be counted; the revisions are counted again on the next sync: {error}"
                ));
            }
            pending.rows += fetched.rows.len();
            pending.revisions += count as u64;
            pending.writes.push(batch_write(campaign_id, wiki_id, members, *from, until, tz, fetched));
            self.progress.batch_done(self.url.as_str(), number + 1, batches.len(), count);
            // Store the batch while the next one is fetched. If the previous write is still
            // running, the batch waits and joins the next write, unless too much is waiting.
            let previous_done = storing.as_ref().is_none_or(|write| write.handle.is_finished());
            if previous_done || pending.rows >= ROWS_PER_COMMIT {
                if !self.finish_storing(storing.take(), summary).await {
                    return;
                }
                storing = self.start_storing(&mut pending);
            }
        }
        if self.finish_storing(storing.take(), summary).await {
            let last = self.start_storing(&mut pending);
            self.finish_storing(last, summary).await;
        }
    }

    /// Start storing the pending batches in one transaction, in the background.
    fn start_storing(&self, pending: &mut PendingWrites) -> Option<Storing> {
        if pending.writes.is_empty() {
            return None;
        }
        let PendingWrites { writes, revisions, .. } = std::mem::take(pending);
        let batches = writes.len();
        let handle = self.syncer.store_spawn(move |store| store.write_batches(&writes));
        Some(Storing { handle, batches, revisions })
    }

    /// Wait for a background write and count what it stored. Return whether it worked; a
    /// failure is noted in `summary` and the batches' stored rows stay as they were.
    async fn finish_storing(&self, storing: Option<Storing>, summary: &mut WikiSummary) -> bool {
        let Some(Storing { handle, batches, revisions }) = storing else {
            return true;
        };
        match handle.await {
            Ok(Ok(())) => {
                summary.batches_done += batches;
                summary.revisions += revisions;
                true
            }
            Ok(Err(error)) => {
                summary.errors.push(format!("cannot store revisions: {error}"));
                false
            }
            Err(error) => {
                summary.errors.push(format!("cannot store revisions: {error}"));
                false
            }
        }
    }

    async fn fetch_batch(
        &self,
        from: i64,
        until: i64,
        members: &[(u32, String)],
        namespaces: &[i32],
    ) -> Result<BatchRows, String> {
        let tz = self.stored.campaign.time_zone;
        let ids: HashMap<&str, u32> = members.iter().map(|(id, name)| (name.as_str(), *id)).collect();
        let mut request = job("revisions", self.url.as_str());
        request.usernames = members.iter().map(|(_, name)| name.clone()).collect();
        request.window = Some(TimeWindow { start: from, end: until });
        request.namespaces = namespaces.to_vec();
        request.limit = self.syncer.settings.results_per_request;

        let mut seen = HashSet::new();
        let mut fetched: Vec<Fetched> = Vec::new();
        let mut pages: HashMap<u64, PageSeen> = HashMap::new();
        self.jobs
            .run(request, |items| {
                for item in items {
                    let Item::Revision(revision) = item else { continue };
                    if revision.timestamp < from || revision.timestamp > until || !seen.insert(revision.rev_id) {
                        continue;
                    }
                    let Some(&participant) = ids.get(revision.user.as_str()) else {
                        warn!(user = %revision.user, rev_id = revision.rev_id, "revision by a name outside the batch; skipped");
                        continue;
                    };
                    let creates_article =
                        revision.parent_id == 0 && !revision.tags.iter().any(|tag| tag == NEW_REDIRECT_TAG);
                    fetched.push(Fetched {
                        participant,
                        day: Day::of_instant(revision.timestamp, tz),
                        page_id: revision.page_id,
                        namespace: revision.namespace,
                        rev_id: revision.rev_id,
                        parent_id: revision.parent_id,
                        timestamp: revision.timestamp,
                        size_diff: revision.size_diff,
                        creates_article,
                    });
                    pages.insert(
                        revision.page_id,
                        PageSeen { page_id: revision.page_id, title: revision.title, namespace: revision.namespace },
                    );
                }
                Ok(())
            })
            .await?;

        let (counts, references_error) = self.reference_counts(&fetched).await;
        let mut batch = BatchRows { pages, revisions: fetched.len(), references_error, ..BatchRows::default() };
        for revision in &fetched {
            let expected = counts.is_some() && self.stored.campaign.namespaces.contains(&revision.namespace);
            let references_added = if expected { references_added(revision, counts.as_ref()) } else { None };
            match (expected, references_added) {
                (true, Some(_)) => batch.references_counted += 1,
                (true, None) => batch.references_pending += 1,
                (false, _) => {}
            }
            let facts = RevisionFacts {
                rev_id: revision.rev_id,
                timestamp: revision.timestamp,
                size_diff: revision.size_diff,
                creates_article: revision.creates_article,
                references_added,
                references_expected: expected,
            };
            batch.rows.entry((revision.participant, revision.day, revision.page_id)).or_default().add_revision(&facts);
        }
        Ok(batch)
    }

    /// Reference counts of the revisions in tracked namespaces and of their parents, or `None`
    /// when references are not counted on this wiki, with the failure when the service
    /// failed. Ids whose lookup failed are absent, and once the service fails no further
    /// lookups are made in this sync.
    async fn reference_counts(&self, fetched: &[Fetched]) -> (Option<HashMap<u64, ReferenceStatus>>, Option<String>) {
        let path = self.url.wikimedia_project().and_then(|project| project.reference_counter_path());
        let Some((project, language)) = path.filter(|_| self.syncer.settings.count_references) else {
            return (None, None);
        };
        let tracked = &self.stored.campaign.namespaces;
        let mut ids: Vec<u64> = fetched
            .iter()
            .filter(|revision| tracked.contains(&revision.namespace))
            .flat_map(|revision| [revision.rev_id, revision.parent_id])
            .filter(|&id| id != 0)
            .collect();
        ids.sort_unstable();
        ids.dedup();

        let mut counts = HashMap::with_capacity(ids.len());
        let mut failure = None;
        for chunk in ids.chunks(REVISIONS_PER_COUNT) {
            if self.service_jobs.unavailable() {
                break;
            }
            let mut request = job("reference-counts", self.url.as_str());
            request.revision_ids = chunk.to_vec();
            request.options = options(&[("project", project.clone()), ("language", language.clone())]);
            let result = self
                .service_jobs
                .run(request, |items| {
                    for item in items {
                        if let Item::ReferenceCount(count) = item {
                            counts.insert(count.rev_id, count.status);
                        }
                    }
                    Ok(())
                })
                .await;
            if let Err(error) = result {
                warn!(%error, "reference counts failed; these revisions are counted on a later sync");
                failure.get_or_insert(error.message);
            }
        }
        (Some(counts), failure)
    }
}

/// References `revision` added: its count minus its parent's, its own count for a page
/// creation, 0 where the text is gone, `None` where a count is not known yet.
fn references_added(revision: &Fetched, counts: Option<&HashMap<u64, ReferenceStatus>>) -> Option<i64> {
    let counts = counts?;
    let own = match counts.get(&revision.rev_id)? {
        ReferenceStatus::Counted(count) => i64::from(*count),
        ReferenceStatus::NoContent => return Some(0),
        ReferenceStatus::Unknown(_) => return None,
    };
    if revision.parent_id == 0 {
        return Some(own);
    }
    match counts.get(&revision.parent_id)? {
        ReferenceStatus::Counted(parent) => Some(own - i64::from(*parent)),
        ReferenceStatus::NoContent => Some(0),
        ReferenceStatus::Unknown(_) => None,
    }
}

/// The write that replaces the batch's rows. A participant with revisions whose references
/// could not be counted keeps a fetch mark at the start of the first such day, so the next
/// sync fetches that day again.
fn batch_write(
    campaign: u32,
    wiki: u32,
    members: &[(u32, String)],
    from: i64,
    until: i64,
    tz: chrono_tz::Tz,
    fetched: BatchRows,
) -> BatchWrite {
    let mut retry_from: HashMap<u32, i64> = HashMap::new();
    for ((participant, day, _), row) in &fetched.rows {
        if row.references_unknown > 0 {
            let start = day.start(tz).max(from);
            retry_from.entry(*participant).and_modify(|earliest| *earliest = (*earliest).min(start)).or_insert(start);
        }
    }
    BatchWrite {
        campaign,
        wiki,
        participants: members.iter().map(|(id, _)| *id).collect(),
        from_day: Day::of_instant(from, tz),
        to_day: Day::of_instant(until, tz),
        rows: fetched
            .rows
            .into_iter()
            .map(|((participant, day, page_id), row)| RowWrite { participant, day, page_id, row })
            .collect(),
        pages: fetched.pages.into_values().collect(),
        fetched_until: until,
        retry_from: retry_from.into_iter().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn revision(rev_id: u64, parent_id: u64) -> Fetched {
        Fetched {
            participant: 1,
            day: Day(0),
            page_id: 1,
            namespace: 0,
            rev_id,
            parent_id,
            timestamp: 0,
            size_diff: 0,
            creates_article: parent_id == 0,
        }
    }

    #[test]
    fn references_added_follow_the_counting_rules() {
        let counts: HashMap<u64, ReferenceStatus> = [
            (10, ReferenceStatus::Counted(3)),
            (11, ReferenceStatus::Counted(5)),
            (12, ReferenceStatus::Counted(2)),
            (13, ReferenceStatus::NoContent),
            (14, ReferenceStatus::Unknown("not in the response".into())),
        ]
        .into();
        // A creation adds all its references; an edit adds the difference, which can be negative.
        assert_eq!(references_added(&revision(10, 0), Some(&counts)), Some(3));
        assert_eq!(references_added(&revision(11, 10), Some(&counts)), Some(2));
        assert_eq!(references_added(&revision(12, 11), Some(&counts)), Some(-3));
        // Deleted text on either side counts as no change; an unknown side is retried.
        assert_eq!(references_added(&revision(13, 12), Some(&counts)), Some(0));
        assert_eq!(references_added(&revision(12, 13), Some(&counts)), Some(0));
        assert_eq!(references_added(&revision(14, 10), Some(&counts)), None);
        assert_eq!(references_added(&revision(11, 14), Some(&counts)), None);
        assert_eq!(references_added(&revision(15, 10), Some(&counts)), None);
        assert_eq!(references_added(&revision(10, 0), None), None);
    }
}
