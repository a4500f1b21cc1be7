//! Syncing a campaign: which jobs to run against which wiki, in which order, and what to
//! commit from their results.
//!
//! Per wiki, a sync reads the wiki's namespaces (`site-info`, cached) and looks up
//! participants' accounts (`users`). It fetches revisions per batch of participants
//! (`revisions`) from the day holding the watermark to now; each batch lands whole in a
//! transaction shared with other batches. Then it refreshes the pages those revisions touched
//! (`pages-by-id`). A failed job is reported and never stored as "no data": the rows it would
//! have replaced stay as they were.

mod error;
mod jobs;
mod plugins;
mod progress;
mod quality;
mod report;
pub mod scope;
mod settings;
mod summary;
mod uploads;
mod wiki;

use std::collections::HashMap;
use std::sync::Arc;

use futures::future::{join, join_all};
use tracing::{Instrument, info, info_span};
use wikidash_runtime::{JobContext, Runtime};
use wikidash_store::{Store, StoredCampaign};

pub use error::SyncError;
pub use plugins::PluginSet;
pub use progress::{NoProgress, Progress};
pub use quality::QualitySummary;
pub use report::{campaign_report, campaign_report_listing};
pub use settings::SyncSettings;
pub use summary::{ScopeSummary, SyncSummary, UploadsSummary, WikiSummary};

use jobs::Jobs;
use scope::ScopeIndex;

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

    /// Sync campaign `name` up to `now` (Unix seconds). Scope sources refresh first; then the
    /// campaign's wikis and its uploads wiki sync at the same time, while requests to one host
    /// still go one at a time.
    pub async fn sync_campaign(&self, name: &str, now: i64, progress: &dyn Progress) -> Result<SyncSummary, SyncError> {
        let stored = self
            .store_call({
                let name = name.to_string();
                move |store| store.campaign(&name)
            })
            .await?;
        let campaign = &stored.campaign;
        let mut origins: Vec<String> = campaign.wikis.iter().map(|wiki| wiki.origin()).collect();
        if let Some(uploads) = &campaign.uploads_wiki {
            origins.push(uploads.origin());
        }
        let context = JobContext { campaign: campaign.name.clone(), campaign_wiki_origins: origins };
        let span = info_span!("sync", campaign = %campaign.name);
        async {
            info!(wikis = campaign.wikis.len(), participants = campaign.participants.len(), "sync started");
            let scope = scope::refresh(self, &stored, &Jobs::new(self, &context), now, progress).await;
            let index = self.scope_index(&stored).await?;
            let wiki_runs = campaign.wikis.iter().enumerate().map(|(index_in_campaign, url)| {
                let sync = wiki::WikiSync {
                    syncer: self,
                    stored: &stored,
                    index: index_in_campaign,
                    url,
                    jobs: Jobs::new(self, &context),
                    service_jobs: Jobs::new(self, &context),
                    scope: &index,
                    now,
                    progress,
                };
                sync.run()
            });
            let uploads_jobs = Jobs::new(self, &context);
            let (wikis, uploads) =
                join(join_all(wiki_runs), uploads::sync_uploads(self, &stored, &uploads_jobs, now, progress)).await;
            let summary = SyncSummary { campaign: campaign.name.clone(), started_at: now, scope, wikis, uploads };
            let run = summary.to_run(now_seconds());
            let campaign_id = stored.id;
            self.store_call(move |store| store.record_run(campaign_id, &run)).await?;
            info!(errors = summary.error_count(), "sync finished");
            Ok(summary)
        }
        .instrument(span)
        .await
    }

    /// The campaign's scope index from the stored scope lists.
    async fn scope_index(&self, stored: &StoredCampaign) -> Result<ScopeIndex, SyncError> {
        let campaign_id = stored.id;
        let lists = self.store_call(move |store| store.scope_lists(campaign_id)).await?;
        Ok(ScopeIndex::new(stored, &lists, &wiki_ids_by_url(stored)))
    }

    /// Start a store operation on the blocking pool at once and return its handle, so other
    /// work can go on while it runs.
    fn store_spawn<T, F>(&self, operation: F) -> tokio::task::JoinHandle<Result<T, wikidash_store::StoreError>>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, wikidash_store::StoreError> + Send + 'static,
    {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || operation(&store))
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

/// Map each of the campaign's wikis (and its uploads wiki) from API URL to wiki id.
pub(crate) fn wiki_ids_by_url(stored: &StoredCampaign) -> HashMap<String, u32> {
    let mut ids: HashMap<String, u32> =
        stored.campaign.wikis.iter().zip(&stored.wiki_ids).map(|(url, id)| (url.to_string(), *id)).collect();
    if let (Some(url), Some(id)) = (&stored.campaign.uploads_wiki, stored.uploads_wiki_id) {
        ids.insert(url.to_string(), id);
    }
    ids
}

/// Return the current time in Unix seconds.
pub fn now_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs() as i64)
        .unwrap_or(0)
}
