//! A campaign's article scope: refreshing the scope sources, and deciding which pages are in
//! scope.
//!
//! A page is in scope when its id was listed by a source, or when its title (without
//! namespace prefix, normalised) matches a listed title, so renamed articles keep counting by
//! id and a talk page counts with its article. A failed refresh keeps the previous list.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use tracing::warn;
use wikidash_core::records::{ScopeList, ScopePage, SiteRecord};
use wikidash_core::{ScopeSource, WikiUrl, normalize_title};
use wikidash_runtime::wit::{Item, PageStatus};
use wikidash_store::StoredCampaign;

use crate::jobs::{Jobs, job, options};
use crate::summary::ScopeSummary;
use crate::{Progress, Syncer};

/// Titles per `pages-by-title` request.
const TITLES_PER_REQUEST: usize = 50;

/// The key a title is matched by: without namespace prefix, normalised. `namespace` is the
/// title's namespace where known; otherwise a prefix naming one of the wiki's namespaces is
/// dropped.
pub fn match_key(title: &str, namespace: Option<i32>, site: Option<&SiteRecord>) -> String {
    let first_letter_case = site.is_none_or(|site| site.first_letter_case);
    let bare = match (namespace, title.split_once(':')) {
        (Some(0), _) | (_, None) => title,
        (Some(_), Some((_, rest))) => rest,
        (None, Some((prefix, rest))) => match site.and_then(|site| site.namespace_named(prefix)) {
            Some(_) => rest,
            None => title,
        },
    };
    normalize_title(bare, first_letter_case)
}

/// The pages of a campaign's scope, per wiki id.
#[derive(Clone, Debug, Default)]
pub struct ScopeIndex {
    scoped: bool,
    keys: HashMap<u32, HashSet<String>>,
    ids: HashMap<u32, HashSet<u64>>,
}

impl ScopeIndex {
    /// The index of `lists`; `scoped` is false for a campaign that counts every article.
    pub fn new(
        stored: &StoredCampaign,
        lists: &BTreeMap<u32, ScopeList>,
        wiki_ids: &HashMap<String, u32>,
    ) -> ScopeIndex {
        let mut index = ScopeIndex { scoped: stored.campaign.is_scoped(), ..ScopeIndex::default() };
        for list in lists.values() {
            let Some(wiki) = list.wiki.as_ref().and_then(|url| wiki_ids.get(url)) else { continue };
            for page in &list.pages {
                index.keys.entry(*wiki).or_default().insert(page.title.clone());
                if let Some(id) = page.page_id {
                    index.ids.entry(*wiki).or_default().insert(id);
                }
            }
        }
        index
    }

    /// Whether the page `page_id` with match key `key` on `wiki` counts.
    pub fn contains(&self, wiki: u32, page_id: u64, key: &str) -> bool {
        !self.scoped
            || self.ids.get(&wiki).is_some_and(|ids| ids.contains(&page_id))
            || self.keys.get(&wiki).is_some_and(|keys| keys.contains(key))
    }

    pub fn is_scoped(&self) -> bool {
        self.scoped
    }
}

/// Refresh the scope sources that are due, keeping each previous list when its refresh fails.
pub(crate) async fn refresh(
    syncer: &Syncer,
    stored: &StoredCampaign,
    jobs: &Jobs<'_>,
    now: i64,
    progress: &dyn Progress,
) -> Vec<ScopeSummary> {
    let campaign_id = stored.id;
    let lists = match syncer.store_call(move |store| store.scope_lists(campaign_id)).await {
        Ok(lists) => lists,
        Err(error) => {
            return vec![ScopeSummary {
                error: Some(format!("cannot read scope lists: {error}")),
                ..ScopeSummary::default()
            }];
        }
    };
    let mut summaries = Vec::new();
    for (position, source) in stored.campaign.scope.iter().enumerate() {
        let index = position as u32;
        let previous = lists.get(&index).cloned().unwrap_or_default();
        let mut summary =
            ScopeSummary { source: source.label(), pages: previous.pages.len(), ..ScopeSummary::default() };
        if !is_due(source, &previous, now, syncer.settings.scope_max_age) {
            summaries.push(summary);
            continue;
        }
        progress.stage(&stored.campaign.name, &format!("refreshing scope: {}", source.label()));
        let site = match source_wiki(source) {
            Some(url) => site_of(syncer, stored, url).await,
            None => None,
        };
        let refreshed = match source {
            ScopeSource::Articles { titles, wiki } => {
                resolve_articles(jobs, wiki, titles, &previous, site.as_ref()).await
            }
            _ => fetch_list(jobs, stored, source, site.as_ref()).await,
        };
        let list = match refreshed {
            Ok(mut list) => {
                list.fetched_at = Some(now);
                summary.pages = list.pages.len();
                summary.refreshed = true;
                list
            }
            Err(error) => {
                warn!(source = %source.label(), %error, "scope refresh failed; keeping the previous list");
                summary.error = Some(format!("{}: {error}; the previous list is kept", source.label()));
                ScopeList { error: Some(error), error_at: Some(now), ..previous }
            }
        };
        if let Err(error) = syncer.store_call(move |store| store.put_scope_list(campaign_id, index, &list)).await {
            summary.error = Some(format!("cannot store the scope list: {error}"));
        }
        summaries.push(summary);
    }
    summaries
}

fn is_due(source: &ScopeSource, list: &ScopeList, now: i64, max_age: Duration) -> bool {
    let Some(fetched_at) = list.fetched_at else { return true };
    if list.error.is_some() {
        return true;
    }
    match source {
        // A PagePile never changes.
        ScopeSource::PagePile { .. } => false,
        _ => now.saturating_sub(fetched_at) >= max_age.as_secs() as i64,
    }
}

fn source_wiki(source: &ScopeSource) -> Option<&WikiUrl> {
    match source {
        ScopeSource::Category { wiki, .. }
        | ScopeSource::Template { wiki, .. }
        | ScopeSource::PetScan { wiki, .. }
        | ScopeSource::Articles { wiki, .. } => Some(wiki),
        ScopeSource::PagePile { .. } => None,
    }
}

/// The stored site facts of the campaign wiki at `url`.
async fn site_of(syncer: &Syncer, stored: &StoredCampaign, url: &WikiUrl) -> Option<SiteRecord> {
    let position = stored.campaign.wikis.iter().position(|wiki| wiki == url)?;
    let wiki_id = stored.wiki_ids[position];
    syncer.store_call(move |store| store.wiki(wiki_id)).await.ok().flatten().and_then(|entry| entry.site)
}

async fn fetch_list(
    jobs: &Jobs<'_>,
    stored: &StoredCampaign,
    source: &ScopeSource,
    site: Option<&SiteRecord>,
) -> Result<ScopeList, String> {
    let home = stored.campaign.home_wiki().to_string();
    let (request, mut wiki) = match source {
        ScopeSource::Category { name, depth, wiki } => {
            let mut request = job("category-members", wiki.as_str());
            request.options = options(&[("category", name.clone()), ("depth", depth.to_string())]);
            request.namespaces = vec![0, 1];
            (request, wiki.to_string())
        }
        ScopeSource::Template { name, wiki } => {
            let mut request = job("template-transclusions", wiki.as_str());
            request.options = options(&[("template", name.clone())]);
            request.namespaces = vec![0, 1];
            (request, wiki.to_string())
        }
        ScopeSource::PetScan { psid, wiki } => {
            let mut request = job("petscan", wiki.as_str());
            request.options = options(&[("psid", psid.to_string())]);
            (request, wiki.to_string())
        }
        ScopeSource::PagePile { id } => {
            let mut request = job("pagepile", &home);
            request.options = options(&[("id", id.to_string())]);
            (request, home.clone())
        }
        ScopeSource::Articles { .. } => unreachable!("listed articles are resolved, not fetched"),
    };
    let mut raw: Vec<(String, Option<i32>, Option<u64>)> = Vec::new();
    jobs.run(request, |items| {
        for item in items {
            match item {
                Item::ScopePage(page) => raw.push((page.title, page.namespace, page.page_id)),
                Item::ScopeWiki(url) => wiki = url,
                _ => {}
            }
        }
        Ok(())
    })
    .await?;

    // A PagePile names its wiki; its titles are matched with that wiki's namespaces.
    let pile_site = if wiki != home { None } else { site.cloned() };
    let site = if matches!(source, ScopeSource::PagePile { .. }) { pile_site.as_ref() } else { site };
    let mut seen = HashSet::new();
    let mut pages = Vec::with_capacity(raw.len());
    for (title, namespace, page_id) in raw {
        let key = match_key(&title, namespace, site);
        if seen.insert((key.clone(), page_id)) {
            pages.push(ScopePage { title: key, page_id });
        }
    }
    let wiki = WikiUrl::parse(&wiki).map(|url| url.to_string()).unwrap_or(wiki);
    if !stored.campaign.wikis.iter().any(|url| url.as_str() == wiki) {
        return Err(format!("the pages are on {wiki}, which is not one of the campaign's wikis; add it to `wikis`"));
    }
    Ok(ScopeList { wiki: Some(wiki), pages, ..ScopeList::default() })
}

/// Look up listed article titles to learn their page ids. Ids learnt before are kept, so an
/// article renamed since (whose old title now names a redirect) still counts by its id.
async fn resolve_articles(
    jobs: &Jobs<'_>,
    wiki: &WikiUrl,
    titles: &[String],
    previous: &ScopeList,
    site: Option<&SiteRecord>,
) -> Result<ScopeList, String> {
    let mut found: HashMap<String, u64> = HashMap::new();
    for chunk in titles.chunks(TITLES_PER_REQUEST) {
        let mut request = job("pages-by-title", wiki.as_str());
        request.titles = chunk.to_vec();
        jobs.run(request, |items| {
            for item in items {
                let Item::Page(lookup) = item else { continue };
                let (Some(requested), PageStatus::Exists(page)) = (lookup.requested_title, lookup.status) else {
                    continue;
                };
                found.insert(match_key(&requested, None, site), page.page_id);
            }
            Ok(())
        })
        .await?;
    }
    let mut pages: Vec<ScopePage> = Vec::new();
    for title in titles {
        let key = match_key(title, None, site);
        let mut ids: Vec<u64> =
            previous.pages.iter().filter(|page| page.title == key).filter_map(|page| page.page_id).collect();
        if let Some(id) = found.get(&key)
            && !ids.contains(id)
        {
            ids.push(*id);
        }
        if ids.is_empty() {
            pages.push(ScopePage { title: key, page_id: None });
        } else {
            pages.extend(ids.into_iter().map(|id| ScopePage { title: key.clone(), page_id: Some(id) }));
        }
    }
    Ok(ScopeList { wiki: Some(wiki.to_string()), pages, ..ScopeList::default() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use wikidash_core::records::NamespaceInfo;

    fn site() -> SiteRecord {
        SiteRecord {
            sitename: "Test".into(),
            generator: "MediaWiki".into(),
            lang: "en".into(),
            first_letter_case: true,
            namespaces: vec![
                NamespaceInfo { id: 0, name: String::new(), canonical: None },
                NamespaceInfo { id: 1, name: "Talk".into(), canonical: Some("Talk".into()) },
                NamespaceInfo { id: 4, name: "TestWiki".into(), canonical: Some("Project".into()) },
            ],
            extensions: Vec::new(),
            checked_at: 0,
        }
    }

    #[test]
    fn match_key_drops_known_prefixes_only() {
        let site = site();
        assert_eq!(match_key("Talk:Alpha", Some(1), Some(&site)), "Alpha");
        assert_eq!(match_key("talk:alpha_beta", None, Some(&site)), "Alpha beta");
        assert_eq!(match_key("Project:Rules", None, Some(&site)), "Rules");
        assert_eq!(match_key("Star Wars: A New Hope", None, Some(&site)), "Star Wars: A New Hope");
        assert_eq!(match_key("Star Wars: A New Hope", Some(0), Some(&site)), "Star Wars: A New Hope");
        assert_eq!(match_key("alpha", None, None), "Alpha");
    }
}
