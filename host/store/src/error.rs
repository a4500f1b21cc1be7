//! Store errors, each naming the file or value involved and what to do.

use std::path::PathBuf;

use thiserror::Error;

#[derive(Debug, Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("{path}: another wikidash process is using this database; wait for it to finish or pass another --db")]
    Busy { path: PathBuf },
    #[error("{path}: cannot open the database: {detail}; if the file is not a wikidash database, pass another --db")]
    Open { path: PathBuf, detail: String },
    #[error(
        "{path} was written with store schema {found}, but this wikidash reads schema {expected}; \
         use the wikidash version that wrote it, or export the campaigns and start a new database"
    )]
    Schema { path: PathBuf, found: u64, expected: u64 },
    #[error(
        "a campaign named {name:?} already exists; pick another name or remove it with `wikidash campaign delete {name}`"
    )]
    CampaignExists { name: String },
    #[error("no campaign named {name:?}; {}", known_campaigns(.known))]
    CampaignNotFound { name: String, known: Vec<String> },
    #[error("campaign {campaign:?} has no participant(s) {}; `wikidash campaign show {campaign}` lists them", .names.join(", "))]
    ParticipantsNotFound { campaign: String, names: Vec<String> },
    #[error("database error: {0}")]
    Database(String),
}

fn known_campaigns(known: &[String]) -> String {
    if known.is_empty() {
        "there are no campaigns yet; create one with `wikidash campaign create FILE.toml`".into()
    } else {
        format!("known campaigns: {}", known.join(", "))
    }
}

macro_rules! database_error {
    ($($kind:ty),*) => {
        $(impl From<$kind> for StoreError {
            fn from(error: $kind) -> Self {
                StoreError::Database(error.to_string())
            }
        })*
    };
}

database_error!(redb::Error, redb::TransactionError, redb::TableError, redb::StorageError, redb::CommitError);
