//! Creating, reading and changing campaigns.

use std::collections::BTreeMap;

use redb::{ReadableDatabase, ReadableTable, WriteTransaction};
use wikidash_core::{Campaign, WikiUrl};

use crate::records::{StoredCampaign, WikiEntry};
use crate::tables::{
    CAMPAIGN_NAMES, CAMPAIGN_PAGES, CAMPAIGNS, DAY_ROWS, FETCH_MARKS, META, META_NEXT_CAMPAIGN, META_NEXT_WIKI,
    SCOPE_LISTS, SYNC_RUNS, UPLOAD_MARKS, WIKI_DAYS, WIKI_IDS, WIKIS,
};
use crate::{Store, StoreError, next_id};

impl Store {
    /// Store a new campaign. Fails if the name is taken.
    pub fn create_campaign(&self, campaign: &Campaign, now: i64) -> Result<StoredCampaign, StoreError> {
        let write = self.begin_write()?;
        let stored = {
            let mut names = write.open_table(CAMPAIGN_NAMES)?;
            if names.get(campaign.name.as_str())?.is_some() {
                return Err(StoreError::CampaignExists { name: campaign.name.clone() });
            }
            let wiki_ids = campaign.wikis.iter().map(|url| wiki_id_in(&write, url)).collect::<Result<Vec<_>, _>>()?;
            let uploads_wiki_id = campaign.uploads_wiki.as_ref().map(|url| wiki_id_in(&write, url)).transpose()?;
            let id = next_id(&mut write.open_table(META)?, META_NEXT_CAMPAIGN)?;
            let participant_ids: BTreeMap<String, u32> = campaign
                .participants
                .iter()
                .enumerate()
                .map(|(index, name)| (name.clone(), index as u32 + 1))
                .collect();
            let stored = StoredCampaign {
                id,
                campaign: campaign.clone(),
                wiki_ids,
                uploads_wiki_id,
                next_participant_id: campaign.participants.len() as u32 + 1,
                participant_ids,
                created_at: now,
            };
            names.insert(campaign.name.as_str(), id)?;
            write.open_table(CAMPAIGNS)?.insert(id, &stored)?;
            stored
        };
        write.commit()?;
        Ok(stored)
    }

    /// Return the campaign called `name`.
    pub fn campaign(&self, name: &str) -> Result<StoredCampaign, StoreError> {
        let read = self.db.begin_read()?;
        let id = read.open_table(CAMPAIGN_NAMES)?.get(name)?.map(|value| value.value());
        let Some(id) = id else {
            drop(read);
            return Err(StoreError::CampaignNotFound { name: name.to_string(), known: self.campaign_names()? });
        };
        let stored = read.open_table(CAMPAIGNS)?.get(id)?.map(|value| value.value());
        stored.ok_or_else(|| StoreError::Database(format!("campaign {name:?} has a name entry but no record")))
    }

    /// Return every campaign, sorted by name.
    pub fn campaigns(&self) -> Result<Vec<StoredCampaign>, StoreError> {
        let read = self.db.begin_read()?;
        let table = read.open_table(CAMPAIGNS)?;
        let mut all = Vec::new();
        for entry in table.iter()? {
            let (_, value) = entry?;
            all.push(value.value());
        }
        all.sort_by(|a, b| a.campaign.name.cmp(&b.campaign.name));
        Ok(all)
    }

    pub fn campaign_names(&self) -> Result<Vec<String>, StoreError> {
        let read = self.db.begin_read()?;
        let table = read.open_table(CAMPAIGN_NAMES)?;
        let mut names = Vec::new();
        for entry in table.iter()? {
            names.push(entry?.0.value().to_string());
        }
        Ok(names)
    }

    /// Add participants (already normalised) to a campaign; names already present are skipped.
    /// Returns the names added. Their rows are fetched from the campaign start on the next sync.
    pub fn add_participants(&self, name: &str, names: &[String]) -> Result<Vec<String>, StoreError> {
        let mut stored = self.campaign(name)?;
        let mut added = Vec::new();
        for participant in names {
            if stored.participant_ids.contains_key(participant) {
                continue;
            }
            let id = stored.next_participant_id;
            stored.next_participant_id += 1;
            stored.participant_ids.insert(participant.clone(), id);
            stored.campaign.participants.push(participant.clone());
            added.push(participant.clone());
        }
        let write = self.begin_write()?;
        write.open_table(CAMPAIGNS)?.insert(stored.id, &stored)?;
        write.commit()?;
        Ok(added)
    }

    /// Remove participants and, in the same transaction, every row and fetch mark of theirs.
    /// Every name must be a participant.
    pub fn remove_participants(&self, name: &str, names: &[String]) -> Result<Vec<String>, StoreError> {
        let mut stored = self.campaign(name)?;
        let unknown: Vec<String> = names.iter().filter(|n| !stored.participant_ids.contains_key(*n)).cloned().collect();
        if !unknown.is_empty() {
            return Err(StoreError::ParticipantsNotFound { campaign: name.to_string(), names: unknown });
        }
        let write = self.begin_write()?;
        let mut removed = Vec::new();
        {
            let mut rows = write.open_table(DAY_ROWS)?;
            let mut days = write.open_table(WIKI_DAYS)?;
            let mut marks = write.open_table(FETCH_MARKS)?;
            for participant in names {
                let Some(id) = stored.participant_ids.remove(participant) else { continue };
                stored.campaign.participants.retain(|existing| existing != participant);
                for &wiki in &stored.wiki_ids {
                    let range = (stored.id, wiki, id, i32::MIN, 0u64)..=(stored.id, wiki, id, i32::MAX, u64::MAX);
                    for entry in rows.extract_if(range, |_, _| true)? {
                        let (key, row) = entry?;
                        let (_, _, _, day, _) = key.value();
                        let row = row.value();
                        let current = days.get((stored.id, wiki, day))?.map(|value| value.value());
                        if let Some(mut current) = current {
                            current.revisions = current.revisions.saturating_sub(row.edits);
                            days.insert((stored.id, wiki, day), &current)?;
                        }
                    }
                    marks.remove((stored.id, wiki, id))?;
                }
                if let Some(uploads_wiki) = stored.uploads_wiki_id {
                    write.open_table(UPLOAD_MARKS)?.remove((stored.id, uploads_wiki, id))?;
                }
                removed.push(participant.clone());
            }
        }
        write.open_table(CAMPAIGNS)?.insert(stored.id, &stored)?;
        write.commit()?;
        Ok(removed)
    }

    /// Delete a campaign and everything stored only for it. Pages, accounts and wiki facts are
    /// shared between campaigns and stay.
    pub fn delete_campaign(&self, name: &str) -> Result<(), StoreError> {
        let stored = self.campaign(name)?;
        let id = stored.id;
        let write = self.begin_write()?;
        {
            let mut rows = write.open_table(DAY_ROWS)?;
            rows.retain_in((id, 0, 0, i32::MIN, 0u64)..=(id, u32::MAX, u32::MAX, i32::MAX, u64::MAX), |_, _| false)?;
            let mut days = write.open_table(WIKI_DAYS)?;
            days.retain_in((id, 0, i32::MIN)..=(id, u32::MAX, i32::MAX), |_, _| false)?;
            let mut marks = write.open_table(FETCH_MARKS)?;
            marks.retain_in((id, 0, 0)..=(id, u32::MAX, u32::MAX), |_, _| false)?;
            let mut pages = write.open_table(CAMPAIGN_PAGES)?;
            pages.retain_in((id, 0, 0u64)..=(id, u32::MAX, u64::MAX), |_, _| false)?;
            let mut upload_marks = write.open_table(UPLOAD_MARKS)?;
            upload_marks.retain_in((id, 0, 0)..=(id, u32::MAX, u32::MAX), |_, _| false)?;
            let mut scope = write.open_table(SCOPE_LISTS)?;
            scope.retain_in((id, 0)..=(id, u32::MAX), |_, _| false)?;
            let mut runs = write.open_table(SYNC_RUNS)?;
            runs.retain_in((id, 0u64)..=(id, u64::MAX), |_, _| false)?;
            write.open_table(CAMPAIGNS)?.remove(id)?;
            write.open_table(CAMPAIGN_NAMES)?.remove(name)?;
        }
        write.commit()?;
        Ok(())
    }
}

/// Return the id of the wiki at `url`, registering it in `write` if it is new.
fn wiki_id_in(write: &WriteTransaction, url: &WikiUrl) -> Result<u32, StoreError> {
    let mut ids = write.open_table(WIKI_IDS)?;
    if let Some(id) = ids.get(url.as_str())? {
        return Ok(id.value());
    }
    let id = next_id(&mut write.open_table(META)?, META_NEXT_WIKI)?;
    ids.insert(url.as_str(), id)?;
    write.open_table(WIKIS)?.insert(id, &WikiEntry { url: url.to_string(), site: None })?;
    Ok(id)
}
