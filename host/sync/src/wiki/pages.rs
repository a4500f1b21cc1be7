//! The status of the pages a campaign's rows refer to: title, namespace, redirect, deletion,
//! and page ids that changed.

use std::collections::HashMap;

use wikidash_core::records::PageRecord;
use wikidash_runtime::wit::{Item, Page, PageStatus};

use super::{WikiSync, stale_before};
use crate::WikiSummary;
use crate::jobs::job;

/// Pages whose lookups are stored in one transaction.
const PAGES_PER_COMMIT: usize = 1000;

impl WikiSync<'_> {
    /// Refresh the pages whose stored status is missing or stale. A page id the wiki reports
    /// missing is looked up again by its last title: when that title now has another page id
    /// (the page was deleted and recreated, or histories were merged), the rows count for the
    /// new page; otherwise the page is marked deleted. A failed lookup changes nothing.
    pub(super) async fn pages(&self, summary: &mut WikiSummary) {
        let (campaign_id, wiki_id) = (self.stored.id, self.wiki_id());
        let checked_before = stale_before(self.now, self.syncer.settings.page_max_age);
        let due = match self.syncer.store_call(move |store| store.pages_due(campaign_id, wiki_id, checked_before)).await
        {
            Ok(due) => due,
            Err(error) => {
                summary.errors.push(format!("cannot read stored pages: {error}"));
                return;
            }
        };
        if due.is_empty() {
            return;
        }
        self.progress.stage(self.url.as_str(), &format!("checking {} page(s)", due.len()));
        let per_request = self.syncer.settings.pages_per_request.clamp(1, 50);
        // Page records are read and written a group at a time, so memory stays flat however
        // many pages the campaign has and one commit covers many lookups.
        for group in due.chunks(PAGES_PER_COMMIT) {
            let ids = group.to_vec();
            let known = match self.syncer.store_call(move |store| store.pages(wiki_id, &ids)).await {
                Ok(known) => known,
                Err(error) => {
                    summary.errors.push(format!("cannot read stored pages: {error}"));
                    return;
                }
            };
            let mut updates = Vec::new();
            let mut failure = None;
            for chunk in group.chunks(per_request) {
                match self.check_pages(chunk, &known).await {
                    Ok(found) => {
                        summary.pages_checked += chunk.len();
                        updates.extend(found);
                    }
                    Err(error) => {
                        failure = Some(error);
                        break;
                    }
                }
            }
            if !updates.is_empty()
                && let Err(error) = self.syncer.store_call(move |store| store.put_pages(wiki_id, &updates)).await
            {
                summary.errors.push(format!("cannot store pages: {error}"));
                return;
            }
            if let Some(error) = failure {
                summary
                    .errors
                    .push(format!("page lookup failed; pages not looked up yet keep their stored status: {error}"));
                return;
            }
        }
    }

    async fn check_pages(
        &self,
        ids: &[u64],
        known: &HashMap<u64, PageRecord>,
    ) -> Result<Vec<(u64, PageRecord)>, String> {
        let mut request = job("pages-by-id", self.url.as_str());
        request.page_ids = ids.to_vec();
        let mut updates: Vec<(u64, PageRecord)> = Vec::new();
        let mut missing: Vec<u64> = Vec::new();
        self.jobs
            .run(request, |items| {
                for item in items {
                    let Item::Page(lookup) = item else { continue };
                    let Some(id) = lookup.requested_id else { continue };
                    let Some(previous) = known.get(&id) else { continue };
                    match lookup.status {
                        PageStatus::Exists(page) => updates.push((id, current(&page, self.now))),
                        PageStatus::Missing => missing.push(id),
                        PageStatus::Invalid(_) => {
                            updates.push((id, PageRecord { checked_at: Some(self.now), ..previous.clone() }))
                        }
                    }
                }
                Ok(())
            })
            .await?;
        if missing.is_empty() {
            return Ok(updates);
        }

        // Look the missing ids up by their last titles.
        let titles: Vec<String> = missing.iter().map(|id| known[id].title.clone()).collect();
        let mut by_title: HashMap<String, Page> = HashMap::new();
        let mut request = job("pages-by-title", self.url.as_str());
        request.titles = titles;
        self.jobs
            .run(request, |items| {
                for item in items {
                    if let Item::Page(lookup) = item
                        && let (Some(title), PageStatus::Exists(page)) = (lookup.requested_title, lookup.status)
                    {
                        by_title.insert(title, page);
                    }
                }
                Ok(())
            })
            .await?;
        for id in missing {
            let previous = &known[&id];
            match by_title.get(&previous.title) {
                Some(page) if page.page_id != id && page.namespace == previous.namespace => {
                    updates.push((
                        id,
                        PageRecord {
                            deleted: false,
                            checked_at: Some(self.now),
                            replaced_by: Some(page.page_id),
                            ..previous.clone()
                        },
                    ));
                    updates.push((page.page_id, current(page, self.now)));
                }
                _ => updates.push((id, PageRecord { deleted: true, checked_at: Some(self.now), ..previous.clone() })),
            }
        }
        Ok(updates)
    }
}

fn current(page: &Page, now: i64) -> PageRecord {
    PageRecord {
        title: page.title.clone(),
        namespace: page.namespace,
        redirect: Some(page.redirect),
        deleted: false,
        checked_at: Some(now),
        replaced_by: None,
    }
}
