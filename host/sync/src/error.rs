//! Errors that stop a whole sync. Failures of single jobs are not errors here: they are
//! collected in the [`crate::SyncSummary`].

use thiserror::Error;
use wikidash_runtime::LoadError;
use wikidash_store::StoreError;

#[derive(Debug, Error)]
pub enum SyncError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(
        "no loaded plugin serves job kind {kind:?}; the built-in plugins provide it unless a plugin in the plugin folder replaced them"
    )]
    NoPlugin { kind: String },
    #[error("internal error: {0}")]
    Internal(String),
}
