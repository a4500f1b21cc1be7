//! What the other importers add to articles and participants: uploads, scope lists, page
//! views, quality ratings and quality scores, and per-wiki feature flags.

use std::collections::{BTreeMap, HashMap};

use redb::{ReadableDatabase, ReadableTable};
use wikidash_core::Day;
use wikidash_core::records::{QualityRecord, ScopeList, UploadRecord, ViewsMark};

use crate::tables::{QUALITY, RATINGS, SCOPE_LISTS, UPLOAD_MARKS, UPLOADS, VIEW_MARKS, VIEWS};
use crate::{Store, StoreError};

/// An upload as the uploads importer lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadSeen {
    pub page_id: u64,
    pub title: String,
    pub user: String,
    pub timestamp: i64,
}

impl Store {
    /// Every upload stored for `wiki`, by file page id.
    pub fn uploads(&self, wiki: u32) -> Result<BTreeMap<u64, UploadRecord>, StoreError> {
        let read = self.db.begin_read()?;
        let table = read.open_table(UPLOADS)?;
        let mut uploads = BTreeMap::new();
        for entry in table.range((wiki, 0u64)..=(wiki, u64::MAX))? {
            let (key, value) = entry?;
            uploads.insert(key.value().1, value.value());
        }
        Ok(uploads)
    }

    /// Record uploads a sync listed and advance the participants' upload marks, in one
    /// transaction. Usage and file facts of uploads already stored are kept.
    pub fn record_uploads(
        &self,
        campaign: u32,
        wiki: u32,
        seen: &[UploadSeen],
        participants: &[u32],
        fetched_until: i64,
    ) -> Result<(), StoreError> {
        let write = self.begin_write()?;
        {
            let mut uploads = write.open_table(UPLOADS)?;
            for upload in seen {
                let existing = uploads.get((wiki, upload.page_id))?.map(|value| value.value());
                let mut record = existing.unwrap_or_default();
                record.title.clone_from(&upload.title);
                record.user.clone_from(&upload.user);
                record.timestamp = upload.timestamp;
                uploads.insert((wiki, upload.page_id), &record)?;
            }
            let mut marks = write.open_table(UPLOAD_MARKS)?;
            for &participant in participants {
                marks.insert((campaign, wiki, participant), fetched_until)?;
            }
        }
        write.commit()?;
        Ok(())
    }

    /// Replace stored upload records (after usage or file lookups).
    pub fn put_uploads(&self, wiki: u32, records: &[(u64, UploadRecord)]) -> Result<(), StoreError> {
        let write = self.begin_write()?;
        {
            let mut uploads = write.open_table(UPLOADS)?;
            for (page_id, record) in records {
                uploads.insert((wiki, *page_id), record)?;
            }
        }
        write.commit()?;
        Ok(())
    }

    /// When each participant's uploads on `wiki` were last fetched completely.
    pub fn upload_marks(&self, campaign: u32, wiki: u32) -> Result<HashMap<u32, i64>, StoreError> {
        let read = self.db.begin_read()?;
        let table = read.open_table(UPLOAD_MARKS)?;
        let mut marks = HashMap::new();
        for entry in table.range((campaign, wiki, 0)..=(campaign, wiki, u32::MAX))? {
            let (key, value) = entry?;
            marks.insert(key.value().2, value.value());
        }
        Ok(marks)
    }

    /// The campaign's scope lists, by source position.
    pub fn scope_lists(&self, campaign: u32) -> Result<BTreeMap<u32, ScopeList>, StoreError> {
        let read = self.db.begin_read()?;
        let table = read.open_table(SCOPE_LISTS)?;
        let mut lists = BTreeMap::new();
        for entry in table.range((campaign, 0)..=(campaign, u32::MAX))? {
            let (key, value) = entry?;
            lists.insert(key.value().1, value.value());
        }
        Ok(lists)
    }

    pub fn put_scope_list(&self, campaign: u32, index: u32, list: &ScopeList) -> Result<(), StoreError> {
        let write = self.begin_write()?;
        write.open_table(SCOPE_LISTS)?.insert((campaign, index), list)?;
        write.commit()?;
        Ok(())
    }

    /// Store an article's daily views and its new mark in one transaction.
    pub fn put_views(&self, wiki: u32, page_id: u64, days: &[(Day, u64)], mark: &ViewsMark) -> Result<(), StoreError> {
        let write = self.begin_write()?;
        {
            let mut views = write.open_table(VIEWS)?;
            for (day, count) in days {
                views.insert((wiki, page_id, day.0), *count)?;
            }
            write.open_table(VIEW_MARKS)?.insert((wiki, page_id), mark)?;
        }
        write.commit()?;
        Ok(())
    }

    /// The stored daily views of each of `page_ids` that has any, read in one transaction.
    pub fn views(&self, wiki: u32, page_ids: &[u64]) -> Result<HashMap<u64, BTreeMap<Day, u64>>, StoreError> {
        let read = self.db.begin_read()?;
        let table = read.open_table(VIEWS)?;
        let mut found = HashMap::new();
        for &page_id in page_ids {
            let mut views = BTreeMap::new();
            for entry in table.range((wiki, page_id, i32::MIN)..=(wiki, page_id, i32::MAX))? {
                let (key, value) = entry?;
                views.insert(Day(key.value().2), value.value());
            }
            if !views.is_empty() {
                found.insert(page_id, views);
            }
        }
        Ok(found)
    }

    /// How far the views of `page_ids` have been fetched.
    pub fn view_marks(&self, wiki: u32, page_ids: &[u64]) -> Result<HashMap<u64, ViewsMark>, StoreError> {
        let read = self.db.begin_read()?;
        let table = read.open_table(VIEW_MARKS)?;
        let mut marks = HashMap::new();
        for &page_id in page_ids {
            if let Some(mark) = table.get((wiki, page_id))? {
                marks.insert(page_id, mark.value());
            }
        }
        Ok(marks)
    }

    /// Record the quality classes of articles on `day`; an empty class means unassessed.
    pub fn put_ratings(&self, wiki: u32, day: Day, ratings: &[(u64, String)]) -> Result<(), StoreError> {
        let write = self.begin_write()?;
        {
            let mut table = write.open_table(RATINGS)?;
            for (page_id, class) in ratings {
                table.insert((wiki, *page_id, day.0), class.as_str())?;
            }
        }
        write.commit()?;
        Ok(())
    }

    /// The recorded quality classes of each of `page_ids` that has any, by day, read in one
    /// transaction.
    pub fn ratings(&self, wiki: u32, page_ids: &[u64]) -> Result<HashMap<u64, BTreeMap<Day, String>>, StoreError> {
        let read = self.db.begin_read()?;
        let table = read.open_table(RATINGS)?;
        let mut found = HashMap::new();
        for &page_id in page_ids {
            let mut ratings = BTreeMap::new();
            for entry in table.range((wiki, page_id, i32::MIN)..=(wiki, page_id, i32::MAX))? {
                let (key, value) = entry?;
                ratings.insert(Day(key.value().2), value.value().to_string());
            }
            if !ratings.is_empty() {
                found.insert(page_id, ratings);
            }
        }
        Ok(found)
    }

    /// Stored quality answers for `rev_ids` on `wiki`.
    pub fn quality(&self, wiki: u32, rev_ids: &[u64]) -> Result<HashMap<u64, QualityRecord>, StoreError> {
        let read = self.db.begin_read()?;
        let table = read.open_table(QUALITY)?;
        let mut found = HashMap::new();
        for &rev_id in rev_ids {
            if let Some(record) = table.get((wiki, rev_id))? {
                found.insert(rev_id, record.value());
            }
        }
        Ok(found)
    }

    pub fn put_quality(&self, wiki: u32, records: &[(u64, QualityRecord)]) -> Result<(), StoreError> {
        let write = self.begin_write()?;
        {
            let mut table = write.open_table(QUALITY)?;
            for (rev_id, record) in records {
                table.insert((wiki, *rev_id), record)?;
            }
        }
        write.commit()?;
        Ok(())
    }
}
