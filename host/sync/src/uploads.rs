//! Participants' uploads on the campaign's uploads wiki (Commons for Wikimedia campaigns):
//! which files they uploaded in the window, where the files are used, their thumbnails, and
//! whether they were deleted.

use std::collections::{BTreeMap, HashMap};

use wikidash_core::records::UploadRecord;
use wikidash_runtime::wit::{Item, TimeWindow};
use wikidash_store::{StoredCampaign, UploadSeen};

use crate::jobs::{Jobs, job};
use crate::summary::UploadsSummary;
use crate::wiki::is_stale;
use crate::{Progress, Syncer};

/// Files per `prop=globalusage` request.
const FILES_PER_USAGE_REQUEST: usize = 50;

/// Files per `prop=imageinfo` request; larger batches of thumbnail requests are slow on
/// Commons.
const FILES_PER_INFO_REQUEST: usize = 10;

/// Uploads listed again before a participant's upload mark, in seconds, to catch uploads the
/// wiki lists late.
const UPLOAD_OVERLAP: i64 = 86_400;

pub(crate) async fn sync_uploads(
    syncer: &Syncer,
    stored: &StoredCampaign,
    jobs: &Jobs<'_>,
    now: i64,
    progress: &dyn Progress,
) -> Option<UploadsSummary> {
    let url = stored.campaign.uploads_wiki.as_ref()?;
    let wiki_id = stored.uploads_wiki_id?;
    let mut summary = UploadsSummary { wiki: url.to_string(), ..UploadsSummary::default() };
    if let Err(error) = list_uploads(syncer, stored, jobs, wiki_id, now, progress, &mut summary).await {
        summary.errors.push(error);
        return Some(summary);
    }
    if let Err(error) = refresh_files(syncer, stored, jobs, wiki_id, now, progress, &mut summary).await {
        summary.errors.push(error);
    }
    Some(summary)
}

async fn list_uploads(
    syncer: &Syncer,
    stored: &StoredCampaign,
    jobs: &Jobs<'_>,
    wiki_id: u32,
    now: i64,
    progress: &dyn Progress,
    summary: &mut UploadsSummary,
) -> Result<(), String> {
    let url = stored.campaign.uploads_wiki.as_ref().expect("checked by the caller").to_string();
    let window = stored.campaign.window();
    let until = now.min(window.end);
    if until < window.start {
        return Ok(());
    }
    let campaign_id = stored.id;
    let marks = syncer
        .store_call(move |store| store.upload_marks(campaign_id, wiki_id))
        .await
        .map_err(|error| error.to_string())?;
    let mut groups: BTreeMap<i64, Vec<(u32, String)>> = BTreeMap::new();
    for (id, name) in stored.participants() {
        let from = marks.get(&id).map_or(window.start, |mark| (mark - UPLOAD_OVERLAP).max(window.start));
        groups.entry(from).or_default().push((id, name.to_string()));
    }
    progress.stage(&url, "listing uploads");
    let per_request = syncer.settings.users_per_request.clamp(1, 50);
    for (from, members) in &groups {
        for chunk in members.chunks(per_request) {
            let names: HashMap<&str, u32> = chunk.iter().map(|(id, name)| (name.as_str(), *id)).collect();
            let mut request = job("uploads", &url);
            request.usernames = chunk.iter().map(|(_, name)| name.clone()).collect();
            request.window = Some(TimeWindow { start: *from, end: until });
            request.limit = syncer.settings.results_per_request;
            let mut seen: Vec<UploadSeen> = Vec::new();
            jobs.run(request, |items| {
                for item in items {
                    if let Item::Upload(upload) = item
                        && names.contains_key(upload.user.as_str())
                    {
                        seen.push(UploadSeen {
                            page_id: upload.page_id,
                            title: upload.title,
                            user: upload.user,
                            timestamp: upload.timestamp,
                        });
                    }
                }
                Ok(())
            })
            .await
            .map_err(|error| format!("uploads could not be listed; stored uploads are unchanged: {error}"))?;
            summary.uploads += seen.len() as u64;
            let participants: Vec<u32> = chunk.iter().map(|(id, _)| *id).collect();
            syncer
                .store_call(move |store| store.record_uploads(campaign_id, wiki_id, &seen, &participants, until))
                .await
                .map_err(|error| format!("cannot store uploads: {error}"))?;
        }
    }
    Ok(())
}

/// Refresh the usage counts, URLs and existence of the participants' uploads in the window.
async fn refresh_files(
    syncer: &Syncer,
    stored: &StoredCampaign,
    jobs: &Jobs<'_>,
    wiki_id: u32,
    now: i64,
    progress: &dyn Progress,
    summary: &mut UploadsSummary,
) -> Result<(), String> {
    let url = stored.campaign.uploads_wiki.as_ref().expect("checked by the caller").to_string();
    let uploads = syncer.store_call(move |store| store.uploads(wiki_id)).await.map_err(|error| error.to_string())?;
    let mine = campaign_uploads(stored, &uploads);

    let usage_due: Vec<u64> = mine
        .iter()
        .filter(|(_, upload)| !upload.deleted)
        .filter(|(_, upload)| {
            upload.usage_checked_at.is_none_or(|checked| is_stale(checked, now, syncer.settings.page_max_age))
        })
        .map(|(id, _)| *id)
        .collect();
    if !usage_due.is_empty() {
        progress.stage(&url, &format!("counting where {} file(s) are used", usage_due.len()));
    }
    for chunk in usage_due.chunks(FILES_PER_USAGE_REQUEST) {
        let mut request = job("global-usage", &url);
        request.page_ids = chunk.to_vec();
        let mut usage: HashMap<u64, u64> = HashMap::new();
        jobs.run(request, |items| {
            for item in items {
                if let Item::FileUsage(found) = item {
                    *usage.entry(found.page_id).or_default() += found.mainspace_usages;
                }
            }
            Ok(())
        })
        .await
        .map_err(|error| format!("file usage could not be read; stored counts are unchanged: {error}"))?;
        let updates: Vec<(u64, UploadRecord)> = chunk
            .iter()
            .filter_map(|id| {
                let count = *usage.get(id)?;
                let previous = uploads.get(id)?;
                Some((*id, UploadRecord { usage: Some(count), usage_checked_at: Some(now), ..previous.clone() }))
            })
            .collect();
        summary.usage_checked += updates.len();
        syncer
            .store_call(move |store| store.put_uploads(wiki_id, &updates))
            .await
            .map_err(|error| error.to_string())?;
    }

    // Usage changed the records; read them again so file facts do not overwrite the counts.
    let uploads = syncer.store_call(move |store| store.uploads(wiki_id)).await.map_err(|error| error.to_string())?;
    let info_due: Vec<u64> = campaign_uploads(stored, &uploads)
        .iter()
        .filter(|(_, upload)| {
            upload.info_checked_at.is_none_or(|checked| is_stale(checked, now, syncer.settings.page_max_age))
        })
        .map(|(id, _)| *id)
        .collect();
    for chunk in info_due.chunks(FILES_PER_INFO_REQUEST) {
        let mut request = job("file-info", &url);
        request.page_ids = chunk.to_vec();
        let mut updates: Vec<(u64, UploadRecord)> = Vec::new();
        jobs.run(request, |items| {
            for item in items {
                let Item::FileInfo(info) = item else { continue };
                let Some(previous) = uploads.get(&info.page_id) else { continue };
                updates.push((
                    info.page_id,
                    UploadRecord {
                        deleted: info.missing,
                        url: info.url.or(previous.url.clone()),
                        thumb_url: info.thumb_url.or(previous.thumb_url.clone()),
                        thumb_width: info.thumb_width.or(previous.thumb_width),
                        thumb_height: info.thumb_height.or(previous.thumb_height),
                        info_checked_at: Some(now),
                        ..previous.clone()
                    },
                ));
            }
            Ok(())
        })
        .await
        .map_err(|error| format!("file details could not be read; stored details are unchanged: {error}"))?;
        summary.files_checked += updates.len();
        syncer
            .store_call(move |store| store.put_uploads(wiki_id, &updates))
            .await
            .map_err(|error| error.to_string())?;
    }
    Ok(())
}

/// The uploads of the campaign: by a participant, inside the window.
pub fn campaign_uploads<'a>(
    stored: &StoredCampaign,
    uploads: &'a BTreeMap<u64, UploadRecord>,
) -> Vec<(u64, &'a UploadRecord)> {
    let window = stored.campaign.window();
    uploads
        .iter()
        .filter(|(_, upload)| stored.participant_ids.contains_key(&upload.user) && window.contains(upload.timestamp))
        .map(|(id, upload)| (*id, upload))
        .collect()
}
