//! Rendered reports kept for reuse, and the write generation that shows when they are stale.
//!
//! Every write transaction of the store goes through [`Store::begin_write`], which counts it in
//! `META`. A rendered output is stored with a stamp that includes that count, so any later
//! write, whatever it changed, makes the output stale. Storing an output is not counted as a
//! write, and is skipped when the store changed while the output was being built.

use redb::{ReadableDatabase, ReadableTable, WriteTransaction};

use crate::tables::{META, META_GENERATION, RENDERED_OUTPUTS};
use crate::{Store, StoreError};

impl Store {
    /// Begin a write transaction and count it in the write generation.
    pub(crate) fn begin_write(&self) -> Result<WriteTransaction, StoreError> {
        let write = self.db.begin_write()?;
        {
            let mut meta = write.open_table(META)?;
            let generation = meta.get(META_GENERATION)?.map_or(0, |value| value.value());
            meta.insert(META_GENERATION, generation + 1)?;
        }
        Ok(write)
    }

    /// Return the number of write transactions committed so far. It only grows, so an
    /// unchanged generation means unchanged data.
    pub fn generation(&self) -> Result<u64, StoreError> {
        let read = self.db.begin_read()?;
        let meta = read.open_table(META)?;
        Ok(meta.get(META_GENERATION)?.map_or(0, |value| value.value()))
    }

    /// Return the output stored under `label` for `campaign`, if it was stored with `stamp`.
    pub fn rendered_output(&self, campaign: u32, label: &str, stamp: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let read = self.db.begin_read()?;
        let outputs = match read.open_table(RENDERED_OUTPUTS) {
            Ok(table) => table,
            // Files written before outputs were kept have no such table.
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(error) => return Err(error.into()),
        };
        let Some(entry) = outputs.get((campaign, label))? else { return Ok(None) };
        let (stored_stamp, bytes) = entry.value();
        Ok((stored_stamp == stamp).then(|| bytes.to_vec()))
    }

    /// Keep `bytes` as the output under `label` for `campaign`, stamped with `stamp`, unless the
    /// store's generation is no longer `generation` (the data changed while it was built).
    /// Returns whether it was stored.
    pub fn put_rendered_output(
        &self,
        campaign: u32,
        label: &str,
        generation: u64,
        stamp: &str,
        bytes: &[u8],
    ) -> Result<bool, StoreError> {
        // Not counted as a write: the output describes the data, it does not change it.
        let write = self.db.begin_write()?;
        {
            let meta = write.open_table(META)?;
            if meta.get(META_GENERATION)?.map_or(0, |value| value.value()) != generation {
                return Ok(false);
            }
            let mut outputs = write.open_table(RENDERED_OUTPUTS)?;
            outputs.insert((campaign, label), (stamp, bytes))?;
        }
        write.commit()?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("outputs.redb")).unwrap();
        (dir, store)
    }

    #[test]
    fn output_is_returned_only_for_its_stamp() {
        let (_dir, store) = store();
        let generation = store.generation().unwrap();
        assert!(store.put_rendered_output(1, "table", generation, "g1/day", b"rendered").unwrap());
        assert_eq!(store.rendered_output(1, "table", "g1/day").unwrap().as_deref(), Some(&b"rendered"[..]));
        assert_eq!(store.rendered_output(1, "table", "g1/next-day").unwrap(), None);
        assert_eq!(store.rendered_output(1, "json", "g1/day").unwrap(), None);
        assert_eq!(store.rendered_output(2, "table", "g1/day").unwrap(), None);
    }

    #[test]
    fn writes_advance_generation_but_outputs_do_not() {
        let (_dir, store) = store();
        let before = store.generation().unwrap();
        store.begin_write().unwrap().commit().unwrap();
        let after_write = store.generation().unwrap();
        assert_eq!(after_write, before + 1);
        assert!(store.put_rendered_output(1, "table", after_write, "stamp", b"x").unwrap());
        assert_eq!(store.generation().unwrap(), after_write);
    }

    #[test]
    fn output_built_during_a_write_is_not_stored() {
        let (_dir, store) = store();
        let seen = store.generation().unwrap();
        store.begin_write().unwrap().commit().unwrap();
        assert!(!store.put_rendered_output(1, "table", seen, "stamp", b"stale").unwrap());
        assert_eq!(store.rendered_output(1, "table", "stamp").unwrap(), None);
    }
}
