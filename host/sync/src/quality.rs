//! On-demand quality scores: Lift Wing's `articlequality` model for the latest revision in the
//! window of each counted article. Scores are kept for good, so each revision is scored once.

use std::collections::HashMap;

use wikidash_core::records::QualityRecord;
use wikidash_runtime::JobContext;
use wikidash_runtime::wit::{Item, QualityResult};

use crate::jobs::{Jobs, job, options};
use crate::wiki::counted_articles;
use crate::{Progress, SyncError, Syncer};

/// Wikipedias with an `articlequality` model on Lift Wing.
pub const QUALITY_WIKIS: &[&str] =
    &["enwiki", "euwiki", "fawiki", "frwiki", "glwiki", "nlwiki", "ptwiki", "ruwiki", "svwiki", "trwiki", "ukwiki"];

/// What a quality run did.
#[derive(Clone, Debug, Default)]
pub struct QualitySummary {
    /// Revisions scored now, and revisions whose score was already stored.
    pub scored: usize,
    pub cached: usize,
    /// Campaign wikis without a quality model.
    pub unsupported_wikis: Vec<String>,
    pub errors: Vec<String>,
}

impl Syncer {
    /// Score the latest revision in the window of each counted article of campaign `name`,
    /// where no score is stored yet.
    pub async fn score_quality(&self, name: &str, progress: &dyn Progress) -> Result<QualitySummary, SyncError> {
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
        let jobs = Jobs::new(self, &context);
        let index = self.scope_index(&stored).await?;
        let mut summary = QualitySummary::default();
        for (position, url) in stored.campaign.wikis.iter().enumerate() {
            let model = url.wikimedia_project().and_then(|project| project.wikipedia_database());
            let Some(model) = model.filter(|model| QUALITY_WIKIS.contains(&model.as_str())) else {
                summary.unsupported_wikis.push(url.to_string());
                continue;
            };
            let wiki_id = stored.wiki_ids[position];
            let site = self.store_call(move |store| store.wiki(wiki_id)).await?.and_then(|entry| entry.site);
            let articles = match counted_articles(self, &stored, position, site.as_ref(), &index).await {
                Ok(articles) => articles,
                Err(error) => {
                    summary.errors.push(error);
                    continue;
                }
            };
            let campaign_id = stored.id;
            let latest = self
                .store_call(move |store| {
                    let mut latest: HashMap<u64, (i64, u64)> = HashMap::new();
                    store.for_each_row(campaign_id, |key, row| {
                        if key.wiki == wiki_id && row.last_rev_id != 0 {
                            let entry = latest.entry(key.page_id).or_insert((row.last_revision, row.last_rev_id));
                            if (row.last_revision, row.last_rev_id) > *entry {
                                *entry = (row.last_revision, row.last_rev_id);
                            }
                        }
                    })?;
                    Ok(latest)
                })
                .await?;
            let revisions: Vec<u64> =
                articles.iter().filter_map(|(page_id, _)| latest.get(page_id).map(|(_, rev_id)| *rev_id)).collect();
            let lookup = revisions.clone();
            let cached = self.store_call(move |store| store.quality(wiki_id, &lookup)).await?;
            let due: Vec<u64> = revisions.iter().copied().filter(|rev_id| !cached.contains_key(rev_id)).collect();
            summary.cached += revisions.len() - due.len();
            if due.is_empty() {
                continue;
            }
            progress.stage(url.as_str(), &format!("scoring the quality of {} revision(s)", due.len()));
            let mut request = job("article-quality", url.as_str());
            request.revision_ids = due;
            request.options = options(&[("model-wiki", model)]);
            let mut records: Vec<(u64, QualityRecord)> = Vec::new();
            let mut failures: Vec<String> = Vec::new();
            let result = jobs
                .run(request, |items| {
                    for item in items {
                        let Item::RevisionQuality(quality) = item else { continue };
                        let record = match quality.outcome {
                            QualityResult::Scored(score) => QualityRecord::Scored {
                                prediction: score.prediction,
                                probabilities: score
                                    .probabilities
                                    .into_iter()
                                    .map(|p| (p.class, p.probability))
                                    .collect(),
                            },
                            QualityResult::Deleted => QualityRecord::Deleted,
                            QualityResult::Unscorable(reason) => QualityRecord::Unscorable(reason),
                            QualityResult::Failed(reason) => {
                                failures.push(format!("revision {}: {reason}", quality.rev_id));
                                continue;
                            }
                        };
                        records.push((quality.rev_id, record));
                    }
                    Ok(())
                })
                .await;
            summary.scored += records.len();
            summary.errors.extend(failures);
            // Scores received before a failure are kept.
            self.store_call(move |store| store.put_quality(wiki_id, &records)).await?;
            if let Err(error) = result {
                summary.errors.push(format!("quality scoring stopped: {error}"));
            }
        }
        Ok(summary)
    }
}
