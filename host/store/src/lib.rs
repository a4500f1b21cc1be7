//! The store: one redb file holding campaigns, wiki facts, pages, accounts, and the daily
//! activity rows a sync writes.
//!
//! redb is the source of truth for campaigns. Individual revisions are never stored: a sync
//! replaces a batch of participants' day rows for a range of days in one transaction
//! ([`Store::write_batch`]), so a sync that is killed and resumed, or run twice, counts nothing
//! twice. The file carries a schema version, checked when it is opened.

mod campaigns;
mod codec;
mod data;
mod enrichment;
mod error;
mod outputs;
pub mod records;
pub mod tables;

use std::path::{Path, PathBuf};

use redb::{Database, ReadableDatabase, ReadableTable};

pub use data::RowKey;
pub use enrichment::UploadSeen;
pub use error::StoreError;
pub use records::{BatchWrite, PageSeen, RowWrite, RunLog, StoredCampaign, WikiEntry, WikiRun};
use tables::{META, META_SCHEMA_VERSION, SCHEMA_VERSION};

/// Memory redb may use to cache the file's pages. redb's default (1 GiB) would let a large
/// campaign's sync hold most of its file in memory; the operating system's page cache still
/// keeps recently read parts of the file close at hand. A 5-million-revision benchmark sync ran
/// as fast with 32 MiB as with 64 MiB, and peaked about 55 MiB lower.
const CACHE_BYTES: usize = 32 * 1024 * 1024;

/// An open store. Operations are transactions of their own; a `Store` can be shared between
/// threads.
pub struct Store {
    db: Database,
    path: PathBuf,
}

impl Store {
    /// Open the database at `path`, creating it (and its folder) if it does not exist, and
    /// check its schema version.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(parent) = path.parent().filter(|parent| !parent.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|error| StoreError::Open {
                path: path.to_path_buf(),
                detail: format!("cannot create its folder: {error}"),
            })?;
        }
        let db = redb::Builder::new().set_cache_size(CACHE_BYTES).create(path).map_err(|error| match error {
            redb::DatabaseError::DatabaseAlreadyOpen => StoreError::Busy { path: path.to_path_buf() },
            other => StoreError::Open { path: path.to_path_buf(), detail: other.to_string() },
        })?;
        let store = Store { db, path: path.to_path_buf() };
        store.check_schema()?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn check_schema(&self) -> Result<(), StoreError> {
        let read = self.db.begin_read()?;
        let found = match read.open_table(META) {
            Ok(meta) => meta.get(META_SCHEMA_VERSION)?.map(|value| value.value()),
            Err(redb::TableError::TableDoesNotExist(_)) => None,
            Err(error) => return Err(error.into()),
        };
        drop(read);
        match found {
            Some(version) if version == SCHEMA_VERSION => Ok(()),
            Some(version) => {
                Err(StoreError::Schema { path: self.path.clone(), found: version, expected: SCHEMA_VERSION })
            }
            None => self.initialise(),
        }
    }

    /// Create every table and stamp the schema version, in one transaction.
    fn initialise(&self) -> Result<(), StoreError> {
        let write = self.db.begin_write()?;
        {
            let mut meta = write.open_table(META)?;
            meta.insert(META_SCHEMA_VERSION, SCHEMA_VERSION)?;
            write.open_table(tables::CAMPAIGNS)?;
            write.open_table(tables::CAMPAIGN_NAMES)?;
            write.open_table(tables::WIKIS)?;
            write.open_table(tables::WIKI_IDS)?;
            write.open_table(tables::ACCOUNTS)?;
            write.open_table(tables::PAGES)?;
            write.open_table(tables::CAMPAIGN_PAGES)?;
            write.open_table(tables::DAY_ROWS)?;
            write.open_table(tables::WIKI_DAYS)?;
            write.open_table(tables::FETCH_MARKS)?;
            write.open_table(tables::SYNC_RUNS)?;
            write.open_table(tables::UPLOADS)?;
            write.open_table(tables::UPLOAD_MARKS)?;
            write.open_table(tables::SCOPE_LISTS)?;
            write.open_table(tables::VIEWS)?;
            write.open_table(tables::VIEW_MARKS)?;
            write.open_table(tables::RATINGS)?;
            write.open_table(tables::QUALITY)?;
            write.open_table(tables::RENDERED_OUTPUTS)?;
        }
        write.commit()?;
        Ok(())
    }
}

/// Take the next id from counter `name` in `META`.
fn next_id(meta: &mut redb::Table<&str, u64>, name: &str) -> Result<u32, StoreError> {
    let current = meta.get(name)?.map(|value| value.value()).unwrap_or(1);
    meta.insert(name, current + 1)?;
    u32::try_from(current).map_err(|_| StoreError::Database(format!("id counter {name} overflowed")))
}
