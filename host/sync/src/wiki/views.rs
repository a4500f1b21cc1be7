//! Daily user views of the counted articles, from the pageviews API.
//!
//! Views of a day are fetched once they are final: the pageviews API loads a day's data after
//! it ends, which can take more than a day, so the range ends two days before today (UTC, the
//! API's calendar). Days within the range that the API leaves out had no views; a 404 for the
//! range means no views at all. Recent days are never requested, so they are never stored as 0.

use std::collections::HashMap;

use chrono::NaiveDate;
use tracing::warn;
use wikidash_core::Day;
use wikidash_core::records::{PageRecord, ViewsMark};
use wikidash_runtime::wit::Item;

use super::WikiSync;
use crate::WikiSummary;
use crate::jobs::{job, options};

/// The first day the pageviews API has data for.
const FIRST_PAGEVIEWS_DAY: NaiveDate = NaiveDate::from_ymd_opt(2015, 7, 1).unwrap();

/// Days after a day ends before its views count as final.
const SETTLE_DAYS: i32 = 2;

impl WikiSync<'_> {
    /// Whether views are fetched for this wiki: the setting is on and the pageviews API
    /// covers the wiki.
    pub(super) fn fetches_views(&self) -> bool {
        self.syncer.settings.fetch_views && self.url.wikimedia_project().is_some()
    }

    pub(super) async fn views(&self, articles: &[(u64, PageRecord)], summary: &mut WikiSummary) {
        if !self.fetches_views() || articles.is_empty() {
            return;
        }
        let Some(project) = self.url.wikimedia_project() else { return };
        let project = project.pageviews_project();
        let (campaign_id, wiki_id) = (self.stored.id, self.wiki_id());
        let ids: Vec<u64> = articles.iter().map(|(id, _)| *id).collect();
        let loaded = self
            .syncer
            .store_call(move |store| {
                let mut first_edit: HashMap<u64, i64> = HashMap::new();
                store.for_each_row(campaign_id, |key, row| {
                    if key.wiki == wiki_id {
                        let first = first_edit.entry(key.page_id).or_insert(row.first_revision);
                        *first = (*first).min(row.first_revision);
                    }
                })?;
                Ok((first_edit, store.view_marks(wiki_id, &ids)?))
            })
            .await;
        let (first_edit, marks) = match loaded {
            Ok(loaded) => loaded,
            Err(error) => {
                summary.errors.push(format!("cannot read stored views: {error}"));
                return;
            }
        };
        let last = Day(Day::of_instant(self.now, chrono_tz::UTC).0 - SETTLE_DAYS);
        let earliest = Day::from_date(FIRST_PAGEVIEWS_DAY);

        for (page_id, page) in articles {
            let Some(&first) = first_edit.get(page_id) else { continue };
            let mark = marks.get(page_id);
            let first_day = Day::of_instant(first, chrono_tz::UTC).max(earliest);
            let from = mark.and_then(|mark| mark.settled_through).map_or(first_day, |day| day.next().max(first_day));
            if from > last {
                continue;
            }
            let mut request = job("daily-views", self.url.as_str());
            request.titles = vec![page.title.clone()];
            request.options = options(&[
                ("project", project.clone()),
                ("start", from.date().format("%Y%m%d").to_string()),
                ("end", last.date().format("%Y%m%d").to_string()),
            ]);
            let mut days: Vec<(Day, u64)> = Vec::new();
            let result = self
                .service_jobs
                .run(request, |items| {
                    for item in items {
                        let Item::PageViews(views) = item else { continue };
                        for day in views.days {
                            let date = NaiveDate::parse_from_str(&day.date, "%Y-%m-%d")
                                .map_err(|error| format!("invalid date {:?} in page views: {error}", day.date))?;
                            let day_key = Day::from_date(date);
                            if from <= day_key && day_key <= last && day.views > 0 {
                                days.push((day_key, day.views));
                            }
                        }
                    }
                    Ok(())
                })
                .await;
            if let Err(error) = result {
                warn!(%error, page = %page.title, "page views could not be fetched");
                summary.errors.push(format!("page views could not be fetched; stored views are unchanged: {error}"));
                return;
            }
            summary.views_checked += 1;
            let mark = ViewsMark { title: page.title.clone(), settled_through: Some(last) };
            let page_id = *page_id;
            if let Err(error) =
                self.syncer.store_call(move |store| store.put_views(wiki_id, page_id, &days, &mark)).await
            {
                summary.errors.push(format!("cannot store page views: {error}"));
                return;
            }
        }
    }
}
