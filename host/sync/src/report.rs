//! Building a campaign's report from the store: the join of day rows, pages, accounts, scope
//! lists, views, ratings, quality scores, uploads and run logs that the pure aggregator needs.

use rustc_hash::{FxHashMap, FxHashSet};

use wikidash_aggregate::aggregator::iso8601;
use wikidash_aggregate::{
    AggregateInput, Aggregator, ArticleList, Enrichment, PageKey, ParticipantFacts, Report, ScopeReport, SyncReport,
    UploadFacts,
};
use wikidash_core::Day;
use wikidash_core::records::PageRecord;
use wikidash_store::{RunLog, Store, StoreError, StoredCampaign};

use crate::scope::{ScopeIndex, match_key};
use crate::uploads::campaign_uploads;
use crate::wiki_ids_by_url;

/// Days after a day ends before its page views are final (see the views stage).
const VIEWS_SETTLE_DAYS: i32 = 2;

/// Build the report of `stored` from the store's current contents at `now` (Unix seconds),
/// without network, listing every article.
pub fn campaign_report(store: &Store, stored: &StoredCampaign, now: i64) -> Result<Report, StoreError> {
    campaign_report_listing(store, stored, now, ArticleList::All)
}

/// Build the report as [`campaign_report`] does, listing the articles `list` selects.
pub fn campaign_report_listing(
    store: &Store,
    stored: &StoredCampaign,
    now: i64,
    list: ArticleList,
) -> Result<Report, StoreError> {
    let campaign = &stored.campaign;
    let names: Vec<&str> = campaign.participants.iter().map(String::as_str).collect();
    let lists = store.scope_lists(stored.id)?;
    let scope = ScopeIndex::new(stored, &lists, &wiki_ids_by_url(stored));

    let mut accounts_per_wiki = Vec::with_capacity(stored.wiki_ids.len());
    let mut pages: FxHashMap<PageKey, PageRecord> = FxHashMap::default();
    let mut in_scope: FxHashSet<PageKey> = FxHashSet::default();
    let mut languages = Vec::with_capacity(stored.wiki_ids.len());
    for (index, &wiki_id) in stored.wiki_ids.iter().enumerate() {
        accounts_per_wiki.push(store.accounts(wiki_id, &names)?);
        let site = store.wiki(wiki_id)?.and_then(|entry| entry.site);
        languages.push(campaign.wikis[index].wikimedia_project().and_then(|project| project.language));
        let mut ids = store.campaign_page_ids(stored.id, wiki_id)?;
        let mut found = store.pages(wiki_id, &ids)?;
        // Pages whose id changed count under their new id; load those pages too.
        ids = found.values().filter_map(|page| page.replaced_by).collect();
        found.extend(store.pages(wiki_id, &ids)?);
        for (page_id, record) in found {
            if scope.contains(wiki_id, page_id, &match_key(&record.title, Some(record.namespace), site.as_ref())) {
                in_scope.insert((index, page_id));
            }
            pages.insert((index, page_id), record);
        }
    }
    let facts: Vec<ParticipantFacts> = campaign
        .participants
        .iter()
        .map(|name| ParticipantFacts {
            name: name.clone(),
            accounts: accounts_per_wiki.iter().map(|accounts| accounts.get(name).cloned()).collect(),
        })
        .collect();

    let wiki_index: FxHashMap<u32, usize> =
        stored.wiki_ids.iter().enumerate().map(|(index, &id)| (id, index)).collect();
    let participant_index: FxHashMap<u32, usize> =
        campaign.participants.iter().enumerate().map(|(index, name)| (stored.participant_ids[name], index)).collect();
    let today = Day::of_instant(now, campaign.time_zone);
    let input = AggregateInput {
        campaign,
        participants: &facts,
        pages: &pages,
        in_scope: campaign.is_scoped().then_some(&in_scope),
        today,
    };
    let mut aggregator = Aggregator::new(input);
    // Pages whose id changed count under their new id.
    let replaced: FxHashMap<PageKey, u64> =
        pages.iter().filter_map(|(key, page)| page.replaced_by.map(|new_id| (*key, new_id))).collect();
    store.for_each_row(stored.id, |key, row| {
        let (Some(&wiki), Some(&participant)) = (wiki_index.get(&key.wiki), participant_index.get(&key.participant))
        else {
            return;
        };
        let page_id = if replaced.is_empty() {
            key.page_id
        } else {
            replaced.get(&(wiki, key.page_id)).copied().unwrap_or(key.page_id)
        };
        aggregator.add_row(wiki, participant, key.day, page_id, &row);
    })?;

    let latest_revision: FxHashMap<PageKey, u64> = aggregator.latest_revisions().collect();
    let enrichment = enrichment(store, stored, &pages, &latest_revision, languages, now)?;
    Ok(aggregator.finish_listing(enrichment, list))
}

fn enrichment(
    store: &Store,
    stored: &StoredCampaign,
    pages: &FxHashMap<PageKey, PageRecord>,
    latest_revision: &FxHashMap<PageKey, u64>,
    wiki_languages: Vec<Option<String>>,
    now: i64,
) -> Result<Enrichment, StoreError> {
    let mut enrichment = Enrichment {
        views_through: Some(Day(Day::of_instant(now, chrono_tz::UTC).0 - VIEWS_SETTLE_DAYS)),
        wiki_languages,
        ..Enrichment::default()
    };
    let tracked = &stored.campaign.namespaces;
    for (index, &wiki_id) in stored.wiki_ids.iter().enumerate() {
        let mut articles: Vec<u64> = pages
            .iter()
            .filter(|((wiki, _), page)| *wiki == index && tracked.contains(&page.namespace))
            .map(|((_, page_id), _)| *page_id)
            .collect();
        articles.sort_unstable();
        for (page_id, views) in store.views(wiki_id, &articles)? {
            enrichment.views.insert((index, page_id), views);
        }
        for (page_id, ratings) in store.ratings(wiki_id, &articles)? {
            enrichment.ratings.insert((index, page_id), ratings);
        }
        let latest: Vec<(u64, u64)> = articles
            .iter()
            .filter_map(|page_id| latest_revision.get(&(index, *page_id)).map(|rev_id| (*page_id, *rev_id)))
            .collect();
        let rev_ids: Vec<u64> = latest.iter().map(|(_, rev_id)| *rev_id).collect();
        let scores = store.quality(wiki_id, &rev_ids)?;
        for (page_id, rev_id) in latest {
            if let Some(record) = scores.get(&rev_id) {
                enrichment.quality.insert((index, page_id), record.clone());
            }
        }
    }

    if let (Some(url), Some(wiki_id)) = (&stored.campaign.uploads_wiki, stored.uploads_wiki_id) {
        let uploads = store.uploads(wiki_id)?;
        let base = url.as_str().trim_end_matches("api.php");
        enrichment.uploads = campaign_uploads(stored, &uploads)
            .into_iter()
            .map(|(page_id, upload)| UploadFacts {
                title: upload.title.clone(),
                page_url: format!("{base}index.php?curid={page_id}"),
                user: upload.user.clone(),
                timestamp: upload.timestamp,
                usage: upload.usage,
                deleted: upload.deleted,
                thumb_url: upload.thumb_url.clone(),
            })
            .collect();
    }

    let lists = store.scope_lists(stored.id)?;
    enrichment.scope = stored
        .campaign
        .scope
        .iter()
        .enumerate()
        .map(|(position, source)| {
            let list = lists.get(&(position as u32));
            ScopeReport {
                source: source.label(),
                pages: list.map_or(0, |list| list.pages.len() as u64),
                fetched_at: list.and_then(|list| list.fetched_at).map(iso8601),
                error: list.and_then(|list| list.error.clone()),
            }
        })
        .collect();
    enrichment.sync = sync_reports(stored, &store.runs(stored.id)?);
    Ok(enrichment)
}

fn sync_reports(stored: &StoredCampaign, runs: &[RunLog]) -> Vec<SyncReport> {
    let mut names: Vec<String> = stored.campaign.wikis.iter().map(ToString::to_string).collect();
    if let Some(uploads) = &stored.campaign.uploads_wiki {
        names.push(format!("{uploads} (uploads)"));
    }
    names
        .into_iter()
        .map(|wiki| {
            let attempts: Vec<_> = runs
                .iter()
                .filter_map(|run| run.wikis.iter().find(|entry| entry.wiki == wiki).map(|entry| (run, entry)))
                .collect();
            let last_attempt = attempts.last();
            let last_success = attempts.iter().rev().find(|(_, entry)| entry.errors.is_empty());
            SyncReport {
                last_success: last_success.map(|(run, _)| iso8601(run.finished_at)),
                last_attempt: last_attempt.map(|(run, _)| iso8601(run.finished_at)),
                errors: last_attempt.map(|(_, entry)| entry.errors.clone()).unwrap_or_default(),
                wiki,
            }
        })
        .collect()
}
