//! Building a campaign's report from the store: the join of day rows, pages, accounts and
//! run logs that the pure aggregator needs.

use std::collections::HashMap;

use wikidash_aggregate::aggregator::iso8601;
use wikidash_aggregate::{Aggregator, ParticipantFacts, Report, SyncReport};
use wikidash_core::records::PageRecord;
use wikidash_store::{Store, StoreError, StoredCampaign};

/// Build the report of `stored` from the store's current contents, without network.
pub fn campaign_report(store: &Store, stored: &StoredCampaign) -> Result<Report, StoreError> {
    let campaign = &stored.campaign;
    let names: Vec<&str> = campaign.participants.iter().map(String::as_str).collect();

    let mut accounts_per_wiki = Vec::with_capacity(stored.wiki_ids.len());
    let mut pages: HashMap<(usize, u64), PageRecord> = HashMap::new();
    for (index, &wiki_id) in stored.wiki_ids.iter().enumerate() {
        accounts_per_wiki.push(store.accounts(wiki_id, &names)?);
        let ids = store.campaign_page_ids(stored.id, wiki_id)?;
        for (page_id, record) in store.pages(wiki_id, &ids)? {
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

    let wiki_index: HashMap<u32, usize> = stored.wiki_ids.iter().enumerate().map(|(index, &id)| (id, index)).collect();
    let participant_index: HashMap<u32, usize> =
        campaign.participants.iter().enumerate().map(|(index, name)| (stored.participant_ids[name], index)).collect();
    let mut aggregator = Aggregator::new(campaign, &facts, &pages);
    store.for_each_row(stored.id, |key, row| {
        if let (Some(&wiki), Some(&participant)) = (wiki_index.get(&key.wiki), participant_index.get(&key.participant))
        {
            aggregator.add_row(wiki, participant, key.day, key.page_id, &row);
        }
    })?;
    Ok(aggregator.finish(sync_reports(store, stored)?))
}

fn sync_reports(store: &Store, stored: &StoredCampaign) -> Result<Vec<SyncReport>, StoreError> {
    let runs = store.runs(stored.id)?;
    let reports = stored
        .campaign
        .wikis
        .iter()
        .map(|url| {
            let wiki = url.to_string();
            let attempts: Vec<_> = runs
                .iter()
                .filter_map(|run| run.wikis.iter().find(|entry| entry.wiki == wiki).map(|entry| (run, entry)))
                .collect();
            let last_attempt = attempts.last();
            let last_success = attempts.iter().rev().find(|(_, entry)| entry.errors.is_empty());
            SyncReport {
                wiki,
                last_success: last_success.map(|(run, _)| iso8601(run.finished_at)),
                last_attempt: last_attempt.map(|(run, _)| iso8601(run.finished_at)),
                errors: last_attempt.map(|(_, entry)| entry.errors.clone()).unwrap_or_default(),
            }
        })
        .collect();
    Ok(reports)
}
