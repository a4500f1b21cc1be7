//! The byte layout of values in redb: JSON for small, evolving records, and fixed-width
//! little-endian bytes for the day rows, which are many and read in bulk.

use std::fmt::Debug;
use std::marker::PhantomData;

use redb::{TypeName, Value};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wikidash_core::records::{DayRow, WikiDay};

/// A record stored as JSON.
#[derive(Debug)]
pub struct Json<T>(PhantomData<T>);

impl<T: Serialize + DeserializeOwned + Debug + 'static> Value for Json<T> {
    type SelfType<'a>
        = T
    where
        Self: 'a;
    type AsBytes<'a>
        = Vec<u8>
    where
        Self: 'a;

    fn fixed_width() -> Option<usize> {
        None
    }

    fn from_bytes<'a>(data: &'a [u8]) -> T
    where
        Self: 'a,
    {
        // Only this module writes these bytes, from a value of the same type. A failure means
        // the file was changed outside wikidash, because the schema check at open rules out an
        // older layout.
        serde_json::from_slice(data)
            .unwrap_or_else(|error| panic!("corrupt {} record in the store: {error}", std::any::type_name::<T>()))
    }

    fn as_bytes<'a, 'b: 'a>(value: &'a T) -> Vec<u8>
    where
        Self: 'b,
    {
        serde_json::to_vec(value).expect("store records always serialise")
    }

    fn type_name() -> TypeName {
        TypeName::new("wikidash::json")
    }
}

/// Bytes of one encoded [`DayRow`].
const DAY_ROW_WIDTH: usize = 4 + 8 + 1 + 8 + 8 + 8 + 8 + 4;

/// [`DayRow`] as fixed-width little-endian bytes: edits u32, bytes added u64, created u8,
/// first and last revision i64, last revision id u64, references added i64, references
/// unknown u32.
#[derive(Debug)]
pub struct DayRowValue;

impl Value for DayRowValue {
    type SelfType<'a> = DayRow;
    type AsBytes<'a> = [u8; DAY_ROW_WIDTH];

    fn fixed_width() -> Option<usize> {
        Some(DAY_ROW_WIDTH)
    }

    fn from_bytes<'a>(data: &'a [u8]) -> DayRow
    where
        Self: 'a,
    {
        let u64_at = |at: usize| u64::from_le_bytes(data[at..at + 8].try_into().unwrap());
        let i64_at = |at: usize| i64::from_le_bytes(data[at..at + 8].try_into().unwrap());
        DayRow {
            edits: u32::from_le_bytes(data[0..4].try_into().unwrap()),
            bytes_added: u64_at(4),
            created: data[12] != 0,
            first_revision: i64_at(13),
            last_revision: i64_at(21),
            last_rev_id: u64_at(29),
            references_added: i64_at(37),
            references_unknown: u32::from_le_bytes(data[45..49].try_into().unwrap()),
        }
    }

    fn as_bytes<'a, 'b: 'a>(row: &'a DayRow) -> [u8; DAY_ROW_WIDTH]
    where
        Self: 'b,
    {
        let mut bytes = [0u8; DAY_ROW_WIDTH];
        bytes[0..4].copy_from_slice(&row.edits.to_le_bytes());
        bytes[4..12].copy_from_slice(&row.bytes_added.to_le_bytes());
        bytes[12] = u8::from(row.created);
        bytes[13..21].copy_from_slice(&row.first_revision.to_le_bytes());
        bytes[21..29].copy_from_slice(&row.last_revision.to_le_bytes());
        bytes[29..37].copy_from_slice(&row.last_rev_id.to_le_bytes());
        bytes[37..45].copy_from_slice(&row.references_added.to_le_bytes());
        bytes[45..49].copy_from_slice(&row.references_unknown.to_le_bytes());
        bytes
    }

    fn type_name() -> TypeName {
        TypeName::new("wikidash::DayRow.v2")
    }
}

/// [`WikiDay`] as fixed-width bytes: revisions u32, latest revision i64, little-endian.
#[derive(Debug)]
pub struct WikiDayValue;

impl Value for WikiDayValue {
    type SelfType<'a> = WikiDay;
    type AsBytes<'a> = [u8; 12];

    fn fixed_width() -> Option<usize> {
        Some(12)
    }

    fn from_bytes<'a>(data: &'a [u8]) -> WikiDay
    where
        Self: 'a,
    {
        WikiDay {
            revisions: u32::from_le_bytes(data[0..4].try_into().unwrap()),
            latest_revision: i64::from_le_bytes(data[4..12].try_into().unwrap()),
        }
    }

    fn as_bytes<'a, 'b: 'a>(day: &'a WikiDay) -> [u8; 12]
    where
        Self: 'b,
    {
        let mut bytes = [0u8; 12];
        bytes[0..4].copy_from_slice(&day.revisions.to_le_bytes());
        bytes[4..12].copy_from_slice(&day.latest_revision.to_le_bytes());
        bytes
    }

    fn type_name() -> TypeName {
        TypeName::new("wikidash::WikiDay.v1")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_row_round_trips() {
        let row = DayRow {
            edits: 7,
            bytes_added: 1 << 40,
            created: true,
            first_revision: -5,
            last_revision: 1_700_000_000,
            last_rev_id: u64::MAX - 1,
            references_added: -12,
            references_unknown: 3,
        };
        let bytes = DayRowValue::as_bytes(&row);
        assert_eq!(DayRowValue::from_bytes(&bytes), row);
    }

    #[test]
    fn wiki_day_round_trips() {
        let day = WikiDay { revisions: 12, latest_revision: 1_600_000_000 };
        assert_eq!(WikiDayValue::from_bytes(&WikiDayValue::as_bytes(&day)), day);
    }
}
