//! Syncing a campaign: which jobs to run against which wiki, in which order, and what to
//! commit from their results.
//!
//! Per wiki, a sync reads the wiki's namespaces (`site-info`, cached) and looks up
//! participants' accounts (`users`). It fetches revisions per batch of participants
//! (`revisions`) from the day holding the watermark to now and commits each batch in one
//! transaction. Then it refreshes the pages those revisions touched (`pages-by-id`). A failed job is reported and never stored as
//! "no data": the rows it would have replaced stay as they were.

mod error;
mod plugins;
mod progress;
mod report;
mod settings;
mod summary;
mod wiki;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use futures::future::join_all;
use tracing::{Instrument, info, info_span};
use wikidash_runtime::{JobContext, Runtime};
use wikidash_store::{RunLog, Store};

pub use error::SyncError;
pub use plugins::PluginSet;
pub use progress::{NoProgress, Progress};
pub use report::campaign_report;
pub use settings::SyncSettings;
pub use summary::{SyncSummary, WikiSummary};

/// Runs syncs against one store with one set of plugins.
pub struct Syncer {
    store: Arc<Store>,
    runtime: Arc<Runtime>,
    plugins: PluginSet,
    settings: SyncSettings,
}

impl Syncer {
    pub fn new(store: Arc<Store>, runtime: Arc<Runtime>, plugins: PluginSet, settings: SyncSettings) -> Syncer {
        Syncer { store, runtime, plugins, settings }
    }

    /// Sync campaign `name` up to `now` (Unix seconds). The wikis of the campaign sync at the
    /// same time; requests to one host still go one at a time.
    pub async fn sync_campaign(&self, name: &str, now: i64, progress: &dyn Progress) -> Result<SyncSummary, SyncError> {
        let stored = self
            .store_call({
                let name = name.to_string();
                move |store| store.campaign(&name)
            })
            .await?;
        let context = JobContext {
            campaign: stored.campaign.name.clone(),
            campaign_wiki_origins: stored.campaign.wikis.iter().map(|wiki| wiki.origin()).collect(),
        };
        let span = info_span!("sync", campaign = %stored.campaign.name);
        async {
            info!(
                wikis = stored.campaign.wikis.len(),
                participants = stored.campaign.participants.len(),
                "sync started"
            );
            let runs = stored.campaign.wikis.iter().enumerate().map(|(index, url)| {
                let job = wiki::WikiSync {
                    syncer: self,
                    stored: &stored,
                    index,
                    url,
                    context: &context,
                    now,
                    progress,
                    unavailable: AtomicBool::new(false),
                };
                job.run()
            });
            let wikis = join_all(runs).await;
            let summary = SyncSummary { campaign: stored.campaign.name.clone(), started_at: now, wikis };
            let run = RunLog {
                started_at: now,
                finished_at: now_seconds(),
                wikis: summary.wikis.iter().map(WikiSummary::to_run).collect(),
            };
            let campaign_id = stored.id;
            self.store_call(move |store| store.record_run(campaign_id, &run)).await?;
            info!(errors = summary.error_count(), "sync finished");
            Ok(summary)
        }
        .instrument(span)
        .await
    }

    /// Run a store operation on the blocking pool: redb does synchronous I/O.
    async fn store_call<T, F>(&self, operation: F) -> Result<T, SyncError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, wikidash_store::StoreError> + Send + 'static,
    {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || operation(&store))
            .await
            .map_err(|error| SyncError::Internal(error.to_string()))?
            .map_err(SyncError::Store)
    }
}

/// Return the current time in Unix seconds.
pub fn now_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs() as i64)
        .unwrap_or(0)
}
