//! The data syncs write and reports read: site facts, accounts, pages, day rows,
//! watermarks, fetch marks and run logs.

use std::collections::{BTreeMap, HashMap};

use redb::{ReadableDatabase, ReadableTable};
use wikidash_core::Day;
use wikidash_core::records::{AccountRecord, DayRow, PageRecord, SiteRecord, WikiDay};

use crate::records::{BatchWrite, PageSeen, RowWrite, RunLog, WikiEntry};
use crate::tables::{ACCOUNTS, CAMPAIGN_PAGES, DAY_ROWS, FETCH_MARKS, PAGES, SYNC_RUNS, WIKI_DAYS, WIKIS};
use crate::{Store, StoreError};

/// The key of one day row, with the campaign left out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RowKey {
    pub wiki: u32,
    pub participant: u32,
    pub day: Day,
    pub page_id: u64,
}

impl Store {
    pub fn wiki(&self, wiki: u32) -> Result<Option<WikiEntry>, StoreError> {
        let read = self.db.begin_read()?;
        Ok(read.open_table(WIKIS)?.get(wiki)?.map(|value| value.value()))
    }

    pub fn put_site(&self, wiki: u32, site: &SiteRecord) -> Result<(), StoreError> {
        let write = self.begin_write()?;
        {
            let mut wikis = write.open_table(WIKIS)?;
            let entry = wikis.get(wiki)?.map(|value| value.value());
            let Some(mut entry) = entry else {
                return Err(StoreError::Database(format!("wiki id {wiki} is not registered")));
            };
            entry.site = Some(site.clone());
            wikis.insert(wiki, &entry)?;
        }
        write.commit()?;
        Ok(())
    }

    /// Return the stored account records of `names` on `wiki`. Names never looked up are absent.
    pub fn accounts(&self, wiki: u32, names: &[&str]) -> Result<HashMap<String, AccountRecord>, StoreError> {
        let read = self.db.begin_read()?;
        let table = read.open_table(ACCOUNTS)?;
        let mut found = HashMap::new();
        for &name in names {
            if let Some(record) = table.get((wiki, name))? {
                found.insert(name.to_string(), record.value());
            }
        }
        Ok(found)
    }

    pub fn put_accounts(&self, wiki: u32, accounts: &[(String, AccountRecord)]) -> Result<(), StoreError> {
        let write = self.begin_write()?;
        {
            let mut table = write.open_table(ACCOUNTS)?;
            for (name, record) in accounts {
                table.insert((wiki, name.as_str()), record)?;
            }
        }
        write.commit()?;
        Ok(())
    }

    /// Stored attributes of pages on `wiki`.
    pub fn pages(&self, wiki: u32, page_ids: &[u64]) -> Result<HashMap<u64, PageRecord>, StoreError> {
        let read = self.db.begin_read()?;
        let table = read.open_table(PAGES)?;
        let mut found = HashMap::with_capacity(page_ids.len());
        for &page_id in page_ids {
            if let Some(record) = table.get((wiki, page_id))? {
                found.insert(page_id, record.value());
            }
        }
        Ok(found)
    }

    pub fn put_pages(&self, wiki: u32, pages: &[(u64, PageRecord)]) -> Result<(), StoreError> {
        let write = self.begin_write()?;
        {
            let mut table = write.open_table(PAGES)?;
            for (page_id, record) in pages {
                table.insert((wiki, *page_id), record)?;
            }
        }
        write.commit()?;
        Ok(())
    }

    /// Return the stored pages the campaign's rows on `wiki` refer to whose status was never
    /// looked up or last looked up before `checked_before` (Unix seconds), in id order. Reads one
    /// transaction and keeps no page records.
    pub fn pages_due(&self, campaign: u32, wiki: u32, checked_before: i64) -> Result<Vec<u64>, StoreError> {
        let read = self.db.begin_read()?;
        let of_campaign = read.open_table(CAMPAIGN_PAGES)?;
        let pages = read.open_table(PAGES)?;
        let mut due = Vec::new();
        for entry in of_campaign.range((campaign, wiki, 0u64)..=(campaign, wiki, u64::MAX))? {
            let page_id = entry?.0.value().2;
            if let Some(record) = pages.get((wiki, page_id))?
                && record.value().checked_at.is_none_or(|checked| checked < checked_before)
            {
                due.push(page_id);
            }
        }
        Ok(due)
    }

    /// Page ids the campaign's rows on `wiki` refer to.
    pub fn campaign_page_ids(&self, campaign: u32, wiki: u32) -> Result<Vec<u64>, StoreError> {
        let read = self.db.begin_read()?;
        let table = read.open_table(CAMPAIGN_PAGES)?;
        let mut ids = Vec::new();
        for entry in table.range((campaign, wiki, 0u64)..=(campaign, wiki, u64::MAX))? {
            ids.push(entry?.0.value().2);
        }
        Ok(ids)
    }

    /// When each participant's revisions on `wiki` were last fetched completely.
    pub fn fetch_marks(&self, campaign: u32, wiki: u32) -> Result<HashMap<u32, i64>, StoreError> {
        let read = self.db.begin_read()?;
        let table = read.open_table(FETCH_MARKS)?;
        let mut marks = HashMap::new();
        for entry in table.range((campaign, wiki, 0)..=(campaign, wiki, u32::MAX))? {
            let (key, value) = entry?;
            marks.insert(key.value().2, value.value());
        }
        Ok(marks)
    }

    /// Return the latest revision time seen on `wiki` for the campaign: the sync watermark.
    pub fn watermark(&self, campaign: u32, wiki: u32) -> Result<Option<i64>, StoreError> {
        let read = self.db.begin_read()?;
        let table = read.open_table(WIKI_DAYS)?;
        let mut latest: Option<i64> = None;
        for entry in table.range((campaign, wiki, i32::MIN)..=(campaign, wiki, i32::MAX))? {
            let day = entry?.1.value();
            if day.revisions > 0 {
                latest = Some(latest.map_or(day.latest_revision, |seen| seen.max(day.latest_revision)));
            }
        }
        Ok(latest)
    }

    /// Return the per-day revision counts of the campaign on `wiki`.
    pub fn wiki_days(&self, campaign: u32, wiki: u32) -> Result<BTreeMap<Day, WikiDay>, StoreError> {
        let read = self.db.begin_read()?;
        let table = read.open_table(WIKI_DAYS)?;
        let mut days = BTreeMap::new();
        for entry in table.range((campaign, wiki, i32::MIN)..=(campaign, wiki, i32::MAX))? {
            let (key, value) = entry?;
            days.insert(Day(key.value().2), value.value());
        }
        Ok(days)
    }

    /// Replace the batch's participants' rows for its day range, in one transaction: old rows
    /// out, new rows in, the per-day watermark rows adjusted, page titles updated, fetch
    /// marks advanced. Either all of it lands or none of it.
    pub fn write_batch(&self, batch: &BatchWrite) -> Result<(), StoreError> {
        self.write_batches(std::slice::from_ref(batch))
    }

    /// Apply several batches as [`Store::write_batch`] does, all in one transaction: one
    /// commit (and one flush to disk) for all of them, and still all or nothing.
    pub fn write_batches(&self, batches: &[BatchWrite]) -> Result<(), StoreError> {
        let write = self.begin_write()?;
        for batch in batches {
            apply_batch(&write, batch)?;
        }
        write.commit()?;
        Ok(())
    }

    /// Call `visit` with every day row of the campaign, in key order.
    pub fn for_each_row(&self, campaign: u32, mut visit: impl FnMut(RowKey, DayRow)) -> Result<(), StoreError> {
        let read = self.db.begin_read()?;
        let table = read.open_table(DAY_ROWS)?;
        for entry in
            table.range((campaign, 0, 0, i32::MIN, 0u64)..=(campaign, u32::MAX, u32::MAX, i32::MAX, u64::MAX))?
        {
            let (key, row) = entry?;
            let (_, wiki, participant, day, page_id) = key.value();
            visit(RowKey { wiki, participant, day: Day(day), page_id }, row.value());
        }
        Ok(())
    }

    /// Append `run` to the campaign's run log.
    pub fn record_run(&self, campaign: u32, run: &RunLog) -> Result<(), StoreError> {
        let write = self.begin_write()?;
        {
            let mut runs = write.open_table(SYNC_RUNS)?;
            let last = runs
                .range((campaign, 0u64)..=(campaign, u64::MAX))?
                .next_back()
                .transpose()?
                .map(|(key, _)| key.value().1);
            runs.insert((campaign, last.unwrap_or(0) + 1), run)?;
        }
        write.commit()?;
        Ok(())
    }

    /// Return the campaign's sync runs, oldest first.
    pub fn runs(&self, campaign: u32) -> Result<Vec<RunLog>, StoreError> {
        let read = self.db.begin_read()?;
        let table = read.open_table(SYNC_RUNS)?;
        let mut runs = Vec::new();
        for entry in table.range((campaign, 0u64)..=(campaign, u64::MAX))? {
            runs.push(entry?.1.value());
        }
        Ok(runs)
    }
}

/// Write one batch's changes into the open transaction `write`.
fn apply_batch(write: &redb::WriteTransaction, batch: &BatchWrite) -> Result<(), StoreError> {
    let (campaign, wiki) = (batch.campaign, batch.wiki);
    let mut day_changes: BTreeMap<i32, (i64, i64)> = BTreeMap::new();
    {
        let mut rows = write.open_table(DAY_ROWS)?;
        for &participant in &batch.participants {
            let range = (campaign, wiki, participant, batch.from_day.0, 0u64)
                ..=(campaign, wiki, participant, batch.to_day.0, u64::MAX);
            for entry in rows.extract_if(range, |_, _| true)? {
                let (key, row) = entry?;
                day_changes.entry(key.value().3).or_default().0 -= i64::from(row.value().edits);
            }
        }

        // Inserting in key order keeps each insert near the previous one in the B-tree.
        let mut ordered: Vec<&RowWrite> = batch.rows.iter().collect();
        ordered.sort_unstable_by_key(|write_row| (write_row.participant, write_row.day, write_row.page_id));
        let mut latest_per_day: BTreeMap<i32, i64> = BTreeMap::new();
        for write_row in ordered {
            debug_assert!(batch.participants.contains(&write_row.participant));
            debug_assert!(batch.from_day <= write_row.day && write_row.day <= batch.to_day);
            rows.insert((campaign, wiki, write_row.participant, write_row.day.0, write_row.page_id), &write_row.row)?;
            day_changes.entry(write_row.day.0).or_default().1 += i64::from(write_row.row.edits);
            let latest = latest_per_day.entry(write_row.day.0).or_insert(write_row.row.last_revision);
            *latest = (*latest).max(write_row.row.last_revision);
        }

        // A page is usually in the table already (another batch edited it). Inserting it again
        // would still copy its leaf, so only missing pages are inserted.
        let mut page_ids: Vec<u64> = batch.rows.iter().map(|write_row| write_row.page_id).collect();
        page_ids.sort_unstable();
        page_ids.dedup();
        let mut pages_of_campaign = write.open_table(CAMPAIGN_PAGES)?;
        for page_id in page_ids {
            if pages_of_campaign.get((campaign, wiki, page_id))?.is_none() {
                pages_of_campaign.insert((campaign, wiki, page_id), ())?;
            }
        }

        let mut days = write.open_table(WIKI_DAYS)?;
        for (day, (removed, added)) in day_changes {
            let current = days.get((campaign, wiki, day))?.map(|value| value.value()).unwrap_or_default();
            let revisions = (i64::from(current.revisions) + removed + added).max(0) as u32;
            let latest_revision = match latest_per_day.get(&day) {
                Some(&latest) => current.latest_revision.max(latest),
                None => current.latest_revision,
            };
            days.insert((campaign, wiki, day), &WikiDay { revisions, latest_revision })?;
        }

        let mut pages = write.open_table(PAGES)?;
        let mut seen_pages: Vec<&PageSeen> = batch.pages.iter().collect();
        seen_pages.sort_unstable_by_key(|seen| seen.page_id);
        for seen in seen_pages {
            let existing = pages.get((wiki, seen.page_id))?.map(|value| value.value());
            let record = match existing {
                // Most pages are seen again by later batches; leave those records untouched.
                Some(record) if record.title == seen.title && record.namespace == seen.namespace && !record.deleted => {
                    continue;
                }
                Some(mut record) => {
                    record.title.clone_from(&seen.title);
                    record.namespace = seen.namespace;
                    // A page whose revisions are listed exists, whatever an older lookup reported.
                    record.deleted = false;
                    record
                }
                None => PageRecord { title: seen.title.clone(), namespace: seen.namespace, ..PageRecord::default() },
            };
            pages.insert((wiki, seen.page_id), &record)?;
        }

        let mut marks = write.open_table(FETCH_MARKS)?;
        for &participant in &batch.participants {
            let retry = batch.retry_from.iter().find(|(id, _)| *id == participant).map(|(_, from)| *from);
            let mark = retry.map_or(batch.fetched_until, |from| from.min(batch.fetched_until));
            marks.insert((campaign, wiki, participant), mark)?;
        }
    }
    Ok(())
}
