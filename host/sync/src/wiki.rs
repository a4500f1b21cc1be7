//! One wiki's part of a campaign sync: site facts, accounts, revisions, pages.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tracing::{Instrument, info, info_span, warn};
use wikidash_core::namespace::FETCHED;
use wikidash_core::records::{AccountRecord, AccountState, DayRow, NamespaceInfo, PageRecord, SiteRecord};
use wikidash_core::{Day, WikiUrl};
use wikidash_runtime::JobContext;
use wikidash_runtime::wit::{AccountStatus, Item, Job, PageStatus, TimeWindow};
use wikidash_store::{BatchWrite, PageSeen, RowWrite, StoredCampaign};

use crate::{Progress, Syncer, WikiSummary};

/// Change tag MediaWiki puts on a page creation that is a redirect.
const NEW_REDIRECT_TAG: &str = "mw-new-redirect";

pub(crate) struct WikiSync<'a> {
    pub syncer: &'a Syncer,
    pub stored: &'a StoredCampaign,
    /// Position of the wiki in the campaign.
    pub index: usize,
    pub url: &'a WikiUrl,
    pub context: &'a JobContext,
    pub now: i64,
    pub progress: &'a dyn Progress,
    /// Set when a job failed in a way that trying again later may fix (the wiki was
    /// unreachable, timed out or kept failing), so the remaining stages are skipped.
    pub unavailable: AtomicBool,
}

/// One participant batch's revisions, folded into rows.
#[derive(Default)]
struct BatchRows {
    rows: HashMap<(u32, Day, u64), DayRow>,
    pages: HashMap<u64, PageSeen>,
    revisions: HashSet<u64>,
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
        let site = self.site_info().await?;
        let namespaces = self.namespaces_to_fetch(&site);
        let accounts = self.accounts(summary).await;
        if self.gave_up(summary) {
            return Ok(());
        }
        self.revisions(&namespaces, &accounts, summary).await;
        if self.gave_up(summary) {
            return Ok(());
        }
        self.pages(summary).await;
        Ok(())
    }

    /// Whether an earlier stage found the wiki unavailable; the later stages would only wait
    /// for the same outage, so the sync of this wiki stops and says so.
    fn gave_up(&self, summary: &mut WikiSummary) -> bool {
        let unavailable = self.unavailable.load(Ordering::Relaxed);
        if unavailable {
            summary
                .errors
                .push("the wiki is unavailable, so the remaining steps were skipped until the next sync".into());
        }
        unavailable
    }

    /// Return the wiki's site facts: from the store while fresh, else from the wiki.
    async fn site_info(&self) -> Result<SiteRecord, String> {
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
        let mut found = None;
        let result = self
            .run_job(self.job("site-info"), |items| {
                for item in items {
                    if let Item::Site(site) = item {
                        found = Some(site);
                    }
                }
                Ok(())
            })
            .await;
        let site = match (result, found) {
            (Ok(()), Some(site)) => SiteRecord {
                sitename: site.sitename,
                generator: site.generator,
                lang: site.lang,
                namespaces: site
                    .namespaces
                    .into_iter()
                    .map(|ns| NamespaceInfo { id: ns.id, name: ns.name, canonical: ns.canonical })
                    .collect(),
                checked_at: self.now,
            },
            (Ok(()), None) => return Err(format!("{}: the site-info job returned no site facts", self.url)),
            (Err(error), _) => {
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

    /// Return the namespaces whose revisions are fetched: the standard set plus the tracked
    /// ones, limited to those the wiki has.
    fn namespaces_to_fetch(&self, site: &SiteRecord) -> Vec<i32> {
        let mut wanted: Vec<i32> = FETCHED.iter().chain(self.stored.campaign.namespaces.iter()).copied().collect();
        wanted.sort_unstable();
        wanted.dedup();
        for namespace in &self.stored.campaign.namespaces {
            if !site.has_namespace(*namespace) {
                warn!(namespace, "the campaign tracks a namespace this wiki does not have");
            }
        }
        wanted.into_iter().filter(|namespace| site.has_namespace(*namespace)).collect()
    }

    /// Look up participants' accounts that are unknown or stale; return every participant's
    /// current record.
    async fn accounts(&self, summary: &mut WikiSummary) -> HashMap<String, AccountRecord> {
        let wiki_id = self.wiki_id();
        let names: Vec<String> = self.stored.campaign.participants.clone();
        let lookup = names.clone();
        let mut records = match self
            .syncer
            .store_call(move |store| store.accounts(wiki_id, &lookup.iter().map(String::as_str).collect::<Vec<_>>()))
            .await
        {
            Ok(records) => records,
            Err(error) => {
                summary.errors.push(format!("cannot read stored accounts: {error}"));
                return HashMap::new();
            }
        };
        let settings = &self.syncer.settings;
        let due: Vec<String> = names
            .iter()
            .filter(|name| match records.get(*name) {
                None => true,
                Some(record) => {
                    let max_age =
                        if record.exists() { settings.account_max_age } else { settings.missing_account_max_age };
                    is_stale(record.checked_at, self.now, max_age)
                }
            })
            .cloned()
            .collect();
        if !due.is_empty() {
            self.progress.stage(self.url.as_str(), &format!("looking up {} account(s)", due.len()));
        }
        for chunk in due.chunks(settings.users_per_request.clamp(1, 50)) {
            let mut job = self.job("users");
            job.usernames = chunk.to_vec();
            let mut found: Vec<(String, AccountRecord)> = Vec::new();
            let result = self
                .run_job(job, |items| {
                    for item in items {
                        if let Item::User(lookup) = item
                            && chunk.contains(&lookup.name)
                        {
                            found.push((
                                lookup.name,
                                AccountRecord { state: account_state(lookup.status), checked_at: self.now },
                            ));
                        }
                    }
                    Ok(())
                })
                .await;
            if let Err(error) = result {
                summary.errors.push(format!("account lookup for {} failed: {error}", chunk.join(", ")));
                break;
            }
            summary.accounts_checked += found.len();
            let to_store = found.clone();
            if let Err(error) = self.syncer.store_call(move |store| store.put_accounts(wiki_id, &to_store)).await {
                summary.errors.push(format!("cannot store accounts: {error}"));
                break;
            }
            records.extend(found);
        }
        for name in &names {
            match records.get(name).map(|record| &record.state) {
                Some(AccountState::Missing) => summary.missing_accounts.push(name.clone()),
                Some(AccountState::Invalid(reason)) => summary.invalid_accounts.push((name.clone(), reason.clone())),
                _ => {}
            }
        }
        records
    }

    /// Fetch and commit revisions, one transaction per batch of participants.
    async fn revisions(
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

        for (number, (from, members)) in batches.iter().enumerate() {
            match self.fetch_batch(*from, until, members, namespaces).await {
                Ok(fetched) => {
                    let count = fetched.revisions.len();
                    let write = BatchWrite {
                        campaign: campaign_id,
                        wiki: wiki_id,
                        participants: members.iter().map(|(id, _)| *id).collect(),
                        from_day: Day::of_instant(*from, tz),
                        to_day: Day::of_instant(until, tz),
                        rows: fetched
                            .rows
                            .into_iter()
                            .map(|((participant, day, page_id), row)| RowWrite { participant, day, page_id, row })
                            .collect(),
                        pages: fetched.pages.into_values().collect(),
                        fetched_until: until,
                    };
                    if let Err(error) = self.syncer.store_call(move |store| store.write_batch(&write)).await {
                        summary.errors.push(format!("cannot store revisions: {error}"));
                        return;
                    }
                    summary.batches_done += 1;
                    summary.revisions += count as u64;
                    self.progress.batch_done(self.url.as_str(), number + 1, batches.len(), count);
                }
                Err(error) => {
                    let names: Vec<&str> = members.iter().map(|(_, name)| name.as_str()).collect();
                    summary.errors.push(format!(
                        "revisions of {} could not be fetched; their stored rows are unchanged: {error}",
                        names.join(", ")
                    ));
                    // The next batches would meet the same outage; their rows stay too.
                    return;
                }
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
        let mut job = self.job("revisions");
        job.usernames = members.iter().map(|(_, name)| name.clone()).collect();
        job.window = Some(TimeWindow { start: from, end: until });
        job.namespaces = namespaces.to_vec();
        job.limit = self.syncer.settings.results_per_request;
        let mut batch = BatchRows::default();
        self.run_job(job, |items| {
            for item in items {
                let Item::Revision(revision) = item else { continue };
                if revision.timestamp < from || revision.timestamp > until || !batch.revisions.insert(revision.rev_id) {
                    continue;
                }
                let Some(&participant) = ids.get(revision.user.as_str()) else {
                    warn!(user = %revision.user, rev_id = revision.rev_id, "revision by a name outside the batch; skipped");
                    continue;
                };
                let creates_article = revision.parent_id == 0 && !revision.tags.iter().any(|tag| tag == NEW_REDIRECT_TAG);
                let day = Day::of_instant(revision.timestamp, tz);
                batch.rows.entry((participant, day, revision.page_id)).or_default().add_revision(revision.timestamp, revision.size_diff, creates_article);
                batch.pages.insert(revision.page_id, PageSeen { page_id: revision.page_id, title: revision.title, namespace: revision.namespace });
            }
            Ok(())
        })
        .await?;
        Ok(batch)
    }

    /// Refresh title, namespace, redirect and deletion status of pages the campaign's rows
    /// refer to, where the stored status is missing or stale.
    async fn pages(&self, summary: &mut WikiSummary) {
        let (campaign_id, wiki_id) = (self.stored.id, self.wiki_id());
        let known = self
            .syncer
            .store_call(move |store| {
                let ids = store.campaign_page_ids(campaign_id, wiki_id)?;
                store.pages(wiki_id, &ids)
            })
            .await;
        let known = match known {
            Ok(known) => known,
            Err(error) => {
                summary.errors.push(format!("cannot read stored pages: {error}"));
                return;
            }
        };
        let max_age = self.syncer.settings.page_max_age;
        let mut due: Vec<u64> = known
            .iter()
            .filter(|(_, record)| record.checked_at.is_none_or(|checked| is_stale(checked, self.now, max_age)))
            .map(|(id, _)| *id)
            .collect();
        due.sort_unstable();
        if due.is_empty() {
            return;
        }
        self.progress.stage(self.url.as_str(), &format!("checking {} page(s)", due.len()));
        for chunk in due.chunks(self.syncer.settings.pages_per_request.clamp(1, 50)) {
            let mut job = self.job("pages-by-id");
            job.page_ids = chunk.to_vec();
            let mut updates: Vec<(u64, PageRecord)> = Vec::new();
            let result = self
                .run_job(job, |items| {
                    for item in items {
                        let Item::Page(lookup) = item else { continue };
                        let Some(id) = lookup.requested_id else { continue };
                        let Some(previous) = known.get(&id) else { continue };
                        updates.push((id, updated_page(previous, lookup.status, self.now)));
                    }
                    Ok(())
                })
                .await;
            if let Err(error) = result {
                summary.errors.push(format!("page lookup failed; stored page status is unchanged: {error}"));
                return;
            }
            summary.pages_checked += updates.len();
            if let Err(error) = self.syncer.store_call(move |store| store.put_pages(wiki_id, &updates)).await {
                summary.errors.push(format!("cannot store pages: {error}"));
                return;
            }
        }
    }

    fn job(&self, kind: &str) -> Job {
        Job {
            kind: kind.to_string(),
            wiki: self.url.to_string(),
            usernames: Vec::new(),
            page_ids: Vec::new(),
            titles: Vec::new(),
            revision_ids: Vec::new(),
            window: None,
            namespaces: Vec::new(),
            limit: None,
            options: Vec::new(),
        }
    }

    /// Run `job` page by page until the plugin has no more, handing each page's items to
    /// `consume`.
    async fn run_job(&self, job: Job, mut consume: impl FnMut(Vec<Item>) -> Result<(), String>) -> Result<(), String> {
        let plugin = self.syncer.plugins.for_kind(&job.kind).map_err(|error| error.to_string())?;
        let mut cursor: Option<String> = None;
        loop {
            let output = plugin.run(self.context, &job, cursor.as_deref()).await.map_err(|error| {
                if error.is_transient() {
                    self.unavailable.store(true, Ordering::Relaxed);
                }
                error.to_string()
            })?;
            consume(output.items)?;
            match output.next_cursor {
                None => return Ok(()),
                Some(next) if cursor.as_ref() == Some(&next) => {
                    return Err(format!(
                        "plugin {} returned the same cursor twice ({next}); stopping the job",
                        plugin.label()
                    ));
                }
                Some(next) => cursor = Some(next),
            }
        }
    }
}

fn is_stale(checked_at: i64, now: i64, max_age: Duration) -> bool {
    now.saturating_sub(checked_at) >= max_age.as_secs() as i64
}

fn account_state(status: AccountStatus) -> AccountState {
    match status {
        AccountStatus::Exists(account) => AccountState::Exists {
            user_id: account.user_id,
            registration: account.registration,
            edit_count: account.edit_count,
            central_id: account.central_id,
        },
        AccountStatus::Missing => AccountState::Missing,
        AccountStatus::Invalid(reason) => AccountState::Invalid(reason),
    }
}

fn updated_page(previous: &PageRecord, status: PageStatus, now: i64) -> PageRecord {
    match status {
        PageStatus::Exists(page) => PageRecord {
            title: page.title,
            namespace: page.namespace,
            redirect: Some(page.redirect),
            deleted: false,
            checked_at: Some(now),
        },
        PageStatus::Missing => PageRecord { deleted: true, checked_at: Some(now), ..previous.clone() },
        PageStatus::Invalid(_) => PageRecord { checked_at: Some(now), ..previous.clone() },
    }
}
