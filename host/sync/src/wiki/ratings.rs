//! Quality ratings (PageAssessments classes) of the counted articles, recorded once a day so
//! a report can show how they changed.

use std::collections::HashMap;

use wikidash_core::Day;
use wikidash_core::records::{PageRecord, SiteRecord};
use wikidash_runtime::wit::Item;

use super::WikiSync;
use crate::WikiSummary;
use crate::jobs::job;

/// Titles per `prop=pageassessments` request.
const TITLES_PER_REQUEST: usize = 50;

/// The extension that rates articles' quality; wikis without it are not asked.
const PAGE_ASSESSMENTS: &str = "PageAssessments";

impl WikiSync<'_> {
    /// Whether the wiki rates articles, so the ratings stage has work.
    pub(super) fn rates_articles(&self, site: &SiteRecord) -> bool {
        site.extensions.iter().any(|extension| extension == PAGE_ASSESSMENTS)
    }

    pub(super) async fn ratings(&self, site: &SiteRecord, articles: &[(u64, PageRecord)], summary: &mut WikiSummary) {
        let wiki_id = self.wiki_id();
        if !self.rates_articles(site) {
            return;
        }
        let today = Day::of_instant(self.now, self.stored.campaign.time_zone);
        let ids: Vec<u64> = articles.iter().map(|(id, _)| *id).collect();
        let rated_today = self
            .syncer
            .store_call(move |store| {
                let ratings = store.ratings(wiki_id, &ids)?;
                Ok(ratings
                    .into_iter()
                    .filter(|(_, days)| days.contains_key(&today))
                    .map(|(id, _)| id)
                    .collect::<Vec<_>>())
            })
            .await
            .unwrap_or_default();
        let due: Vec<&(u64, PageRecord)> = articles.iter().filter(|(id, _)| !rated_today.contains(id)).collect();
        if due.is_empty() {
            return;
        }
        self.progress.stage(self.url.as_str(), &format!("reading quality ratings of {} article(s)", due.len()));
        for chunk in due.chunks(TITLES_PER_REQUEST) {
            let ids_by_title: HashMap<&str, u64> = chunk.iter().map(|(id, page)| (page.title.as_str(), *id)).collect();
            let mut request = job("assessments", self.url.as_str());
            request.titles = chunk.iter().map(|(_, page)| page.title.clone()).collect();
            let mut classes: HashMap<u64, Option<String>> = HashMap::new();
            let result = self
                .jobs
                .run(request, |items| {
                    for item in items {
                        let Item::Assessment(assessment) = item else { continue };
                        let Some(&id) = ids_by_title.get(assessment.requested_title.as_str()) else { continue };
                        // The first class reported wins: later pages of results only repeat the page.
                        let class = classes.entry(id).or_insert(None);
                        if class.is_none() {
                            *class = assessment.class;
                        }
                    }
                    Ok(())
                })
                .await;
            match result {
                Ok(()) => {
                    summary.ratings_checked += chunk.len();
                    let ratings: Vec<(u64, String)> = chunk
                        .iter()
                        .map(|(id, _)| (*id, classes.get(id).cloned().flatten().unwrap_or_default()))
                        .collect();
                    if let Err(error) =
                        self.syncer.store_call(move |store| store.put_ratings(wiki_id, today, &ratings)).await
                    {
                        summary.errors.push(format!("cannot store quality ratings: {error}"));
                        return;
                    }
                }
                Err(failure) => {
                    summary
                        .errors
                        .push(format!("quality ratings could not be read; stored ratings are unchanged: {failure}"));
                    return;
                }
            }
        }
    }
}
