//! One wiki's part of a campaign sync: site facts, accounts, revisions (with reference
//! counts), page status, quality ratings and page views.

mod accounts;
mod pages;
mod ratings;
mod revisions;
mod views;

use std::collections::HashMap;
use std::time::Duration;

use tracing::{Instrument, info, info_span, warn};
use wikidash_core::WikiUrl;
use wikidash_core::namespace::FETCHED;
use wikidash_core::records::{NamespaceInfo, PageRecord, SiteRecord};
use wikidash_runtime::wit::{Item, SiteInfo};
use wikidash_store::StoredCampaign;

use self::accounts::Accounts;
use crate::jobs::{Jobs, job};
use crate::scope::{ScopeIndex, match_key};
use crate::{Progress, Syncer, WikiSummary};

pub(crate) struct WikiSync<'a> {
    pub syncer: &'a Syncer,
    pub stored: &'a StoredCampaign,
    /// Position of the wiki in the campaign.
    pub index: usize,
    pub url: &'a WikiUrl,
    /// Jobs against the wiki itself; a transient failure stops the wiki's later stages.
    pub jobs: Jobs<'a>,
    /// Jobs against Wikimedia services (reference counter, page views), whose outages must
    /// not stop the wiki's own stages.
    pub service_jobs: Jobs<'a>,
    pub scope: &'a ScopeIndex,
    pub now: i64,
    pub progress: &'a dyn Progress,
}

impl WikiSync<'_> {
    pub async fn run(self) -> WikiSummary {
        let span = info_span!("wiki", wiki = %self.url);
        async {
            let mut summary = WikiSummary { wiki: self.url.to_string(), ..WikiSummary::default() };
            let before = self.requests_so_far();
            if let Err(error) = self.steps(&mut summary).await {
                summary.errors.push(error);
            }
            summary.requests = self.requests_so_far() - before;
            info!(
                revisions = summary.revisions,
                requests = summary.requests,
                errors = summary.errors.len(),
                "wiki synced"
            );
            summary
        }
        .instrument(span)
        .await
    }

    fn wiki_id(&self) -> u32 {
        self.stored.wiki_ids[self.index]
    }

    fn requests_so_far(&self) -> u64 {
        self.syncer.runtime.http().stats().get(&self.url.origin()).map_or(0, |stats| stats.requests)
    }

    async fn steps(&self, summary: &mut WikiSummary) -> Result<(), String> {
        let mut accounts = self.stored_accounts().await?;
        let site = self.site_info(&mut accounts, summary).await?;
        let namespaces = self.namespaces_to_fetch(&site);
        self.look_up_accounts(&mut accounts, summary).await;
        let accounts = accounts.finish(&self.stored.campaign.participants, summary);
        if self.gave_up(summary) {
            return Ok(());
        }
        self.revisions(&namespaces, &accounts, summary).await;
        if self.gave_up(summary) {
            return Ok(());
        }
        self.pages(summary).await;
        if self.gave_up(summary) {
            return Ok(());
        }
        if !self.rates_articles(&site) && !self.fetches_views() {
            return Ok(());
        }
        let articles = counted_articles(self.syncer, self.stored, self.index, Some(&site), self.scope).await?;
        self.ratings(&site, &articles, summary).await;
        if self.gave_up(summary) {
            return Ok(());
        }
        self.views(&articles, summary).await;
        Ok(())
    }

    /// Whether an earlier stage found the wiki unavailable; the later stages would only wait
    /// for the same outage, so the sync of this wiki stops and says so.
    fn gave_up(&self, summary: &mut WikiSummary) -> bool {
        let unavailable = self.jobs.unavailable();
        if unavailable {
            summary
                .errors
                .push("the wiki is unavailable, so the remaining steps were skipped until the next sync".into());
        }
        unavailable
    }

    /// Return the wiki's site facts: from the store while fresh, else from the wiki. When
    /// accounts are due too, the first account lookup asks for the site facts in the same
    /// request.
    async fn site_info(&self, accounts: &mut Accounts, summary: &mut WikiSummary) -> Result<SiteRecord, String> {
        let wiki_id = self.wiki_id();
        let stored = self
            .syncer
            .store_call(move |store| store.wiki(wiki_id))
            .await
            .map_err(|error| error.to_string())?
            .and_then(|entry| entry.site);
        if let Some(site) = &stored
            && !is_stale(site.checked_at, self.now, self.syncer.settings.site_info_max_age)
        {
            return Ok(site.clone());
        }
        self.progress.stage(self.url.as_str(), "reading the wiki's namespaces");
        let fetched = if accounts.due.is_empty() {
            self.fetch_site_info().await
        } else {
            self.look_up_first_accounts_with_site_info(accounts, summary).await
        };
        let site = match fetched {
            Ok(site) => site,
            Err(error) => {
                return match stored {
                    Some(site) => {
                        warn!(%error, "cannot refresh the wiki's namespaces; using the stored list");
                        Ok(site)
                    }
                    None => Err(format!("cannot read the wiki's namespaces, so nothing was synced from it: {error}")),
                };
            }
        };
        let record = site.clone();
        self.syncer
            .store_call(move |store| store.put_site(wiki_id, &record))
            .await
            .map_err(|error| error.to_string())?;
        Ok(site)
    }

    /// Run the `site-info` job.
    async fn fetch_site_info(&self) -> Result<SiteRecord, String> {
        let mut found = None;
        self.jobs
            .run(job("site-info", self.url.as_str()), |items| {
                for item in items {
                    if let Item::Site(site) = item {
                        found = Some(site);
                    }
                }
                Ok(())
            })
            .await
            .map_err(|error| error.to_string())?;
        let site = found.ok_or_else(|| format!("{}: the site-info job returned no site facts", self.url))?;
        Ok(site_record(site, self.now))
    }

    /// Return the namespaces whose revisions are fetched: the standard set plus the tracked
    /// ones, limited to those the wiki has.
    fn namespaces_to_fetch(&self, site: &SiteRecord) -> Vec<i32> {
        let mut wanted: Vec<i32> = FETCHED.iter().chain(self.stored.campaign.namespaces.iter()).copied().collect();
        wanted.sort_unstable();
        wanted.dedup();
        for namespace in &self.stored.campaign.namespaces {
            if !site.has_namespace(*namespace) {
                warn!(
                    wiki = %self.url,
                    campaign = %self.stored.campaign.name,
                    namespace,
                    "the campaign tracks a namespace this wiki does not have"
                );
            }
        }
        wanted.into_iter().filter(|namespace| site.has_namespace(*namespace)).collect()
    }
}

/// The campaign's articles on wiki `index` that count: existing pages in a tracked namespace,
/// not redirects, in scope.
pub(crate) async fn counted_articles(
    syncer: &Syncer,
    stored: &StoredCampaign,
    index: usize,
    site: Option<&SiteRecord>,
    scope: &ScopeIndex,
) -> Result<Vec<(u64, PageRecord)>, String> {
    let (campaign_id, wiki_id) = (stored.id, stored.wiki_ids[index]);
    let pages: HashMap<u64, PageRecord> = syncer
        .store_call(move |store| {
            let ids = store.campaign_page_ids(campaign_id, wiki_id)?;
            store.pages(wiki_id, &ids)
        })
        .await
        .map_err(|error| format!("cannot read stored pages: {error}"))?;
    let tracked = &stored.campaign.namespaces;
    let mut articles: Vec<(u64, PageRecord)> = pages
        .into_iter()
        .filter(|(_, page)| !page.deleted && page.redirect != Some(true) && page.replaced_by.is_none())
        .filter(|(_, page)| tracked.contains(&page.namespace))
        .filter(|(id, page)| scope.contains(wiki_id, *id, &match_key(&page.title, Some(page.namespace), site)))
        .collect();
    articles.sort_by_key(|(id, _)| *id);
    Ok(articles)
}

/// The stored form of a wiki's site facts, checked at `now`.
fn site_record(site: SiteInfo, now: i64) -> SiteRecord {
    SiteRecord {
        sitename: site.sitename,
        generator: site.generator,
        lang: site.lang,
        first_letter_case: site.first_letter_case,
        namespaces: site
            .namespaces
            .into_iter()
            .map(|ns| NamespaceInfo { id: ns.id, name: ns.name, canonical: ns.canonical })
            .collect(),
        extensions: site.extensions,
        checked_at: now,
    }
}

pub(crate) fn is_stale(checked_at: i64, now: i64, max_age: Duration) -> bool {
    now.saturating_sub(checked_at) >= max_age.as_secs() as i64
}

/// Return the check time before which a record is stale: `is_stale(t, now, max_age)` is true
/// exactly when `t < stale_before(now, max_age)`.
pub(crate) fn stale_before(now: i64, max_age: Duration) -> i64 {
    now.saturating_sub(max_age.as_secs() as i64).saturating_add(1)
}
