//! The `revisions` importer: participants' revisions from `list=usercontribs`, and the facts
//! about a wiki (`meta=siteinfo`) that decide which namespaces to ask for.
//!
//! Job kinds:
//! - `site-info`: reads `wiki`; returns one `site` item.
//! - `revisions`: reads `wiki`, `usernames` (1 to 50), `window` (required), `namespaces`
//!   (required, only ones the wiki has) and `limit`; returns `revision` items, one request per
//!   page, continued until the API has no more.

use serde::Deserialize;
use wikidash_plugin_sdk::action::{ActionApi, TypedPage};
use wikidash_plugin_sdk::{
    API_VERSION, Guest, ImportError, Item, Job, Output, PluginInfo, Revision, TimeWindow, export_plugin, siteinfo, time,
};

/// Most usernames `ucuser` takes in one request without `apihighlimits`.
pub const MAX_USERS_PER_REQUEST: usize = 50;

struct Plugin;

impl Guest for Plugin {
    fn describe() -> PluginInfo {
        PluginInfo {
            id: "revisions".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            api_version: API_VERSION.into(),
            hosts: vec!["campaign-wikis".into()],
            job_kinds: vec!["site-info".into(), "revisions".into()],
            description: "Participants' revisions (list=usercontribs) and wiki namespaces (meta=siteinfo)".into(),
        }
    }

    fn run(job: Job, cursor: Option<String>) -> Result<Output, ImportError> {
        match job.kind.as_str() {
            "site-info" => site_info(&job),
            "revisions" => revisions(&job, cursor.as_deref()),
            other => Err(ImportError::InvalidJob(format!(
                "the revisions plugin has no job kind {other:?}; it serves site-info and revisions"
            ))),
        }
    }
}

export_plugin!(Plugin);

fn site_info(job: &Job) -> Result<Output, ImportError> {
    let api = ActionApi::new(&job.wiki);
    let body = api.request(&[("action", "query"), ("meta", "siteinfo"), ("siprop", siteinfo::PROPERTIES)])?;
    let site = siteinfo::parse(&body).map_err(|error| bad_response(&job.wiki, error))?;
    Ok(Output { items: vec![Item::Site(site)], next_cursor: None })
}

fn revisions(job: &Job, cursor: Option<&str>) -> Result<Output, ImportError> {
    let window = check_revisions_job(job)?;
    let owned = contributions_params(job, window);
    let params: Vec<(&str, &str)> = owned.iter().map(|(key, value)| (*key, value.as_str())).collect();
    let page = ActionApi::new(&job.wiki).query_page_as::<ContributionsQuery>(&params, cursor)?;
    let next_cursor = page.next_cursor.clone();
    let items =
        revisions_of(page).map_err(|error| bad_response(&job.wiki, error))?.into_iter().map(Item::Revision).collect();
    Ok(Output { items, next_cursor })
}

/// The `list=usercontribs` parameters of a revisions job over `window`, without `action` and
/// continuation.
pub fn contributions_params(job: &Job, window: TimeWindow) -> Vec<(&'static str, String)> {
    let namespaces = job.namespaces.iter().map(i32::to_string).collect::<Vec<_>>().join("|");
    let limit = job.limit.map(|limit| limit.to_string()).unwrap_or_else(|| "max".into());
    // With ucdir=newer the API walks forward in time, so ucstart is the earlier bound.
    vec![
        ("list", "usercontribs".into()),
        ("ucuser", job.usernames.join("|")),
        ("ucprop", "ids|title|timestamp|size|sizediff|flags|tags".into()),
        ("ucnamespace", namespaces),
        ("ucdir", "newer".into()),
        ("ucstart", time::format(window.start)),
        ("ucend", time::format(window.end)),
        ("uclimit", limit),
    ]
}

fn check_revisions_job(job: &Job) -> Result<TimeWindow, ImportError> {
    if job.usernames.is_empty() || job.usernames.len() > MAX_USERS_PER_REQUEST {
        return Err(ImportError::InvalidJob(format!(
            "a revisions job takes 1 to {MAX_USERS_PER_REQUEST} usernames, got {}",
            job.usernames.len()
        )));
    }
    if job.namespaces.is_empty() {
        return Err(ImportError::InvalidJob("a revisions job needs at least one namespace".into()));
    }
    let window = job.window.ok_or_else(|| ImportError::InvalidJob("a revisions job needs a time window".into()))?;
    if window.end < window.start {
        return Err(ImportError::InvalidJob(format!(
            "the window ends ({}) before it starts ({})",
            time::format(window.end),
            time::format(window.start)
        )));
    }
    Ok(window)
}

fn bad_response(wiki: &str, error: String) -> ImportError {
    ImportError::BadResponse(format!("{wiki}: {error}"))
}

#[derive(Deserialize)]
struct Contribution {
    revid: u64,
    #[serde(default)]
    parentid: u64,
    pageid: u64,
    ns: i32,
    title: String,
    user: String,
    timestamp: String,
    #[serde(default)]
    size: u64,
    /// Absent when the parent revision is deleted or suppressed.
    sizediff: Option<i64>,
    #[serde(default)]
    new: bool,
    #[serde(default)]
    minor: bool,
    #[serde(default)]
    tags: Vec<String>,
}

/// The `query` part of a `list=usercontribs` answer.
#[derive(Deserialize)]
pub struct ContributionsQuery {
    usercontribs: Vec<Contribution>,
}

/// The revisions of one `list=usercontribs` answer (format version 2).
pub fn revisions_of(page: TypedPage<ContributionsQuery>) -> Result<Vec<Revision>, String> {
    let contributions = match page.query {
        Some(query) => query.usercontribs,
        // A query with no results at all may leave out `query` entirely.
        None if page.batch_complete => Vec::new(),
        None => return Err("the response has no query.usercontribs list".into()),
    };
    contributions
        .into_iter()
        .map(|contribution| {
            let timestamp = time::parse(&contribution.timestamp)?;
            // A creation has no parent; its size change is the whole page.
            let parent_id = if contribution.new { 0 } else { contribution.parentid };
            let size_diff = contribution.sizediff.unwrap_or(if parent_id == 0 { contribution.size as i64 } else { 0 });
            Ok(Revision {
                rev_id: contribution.revid,
                parent_id,
                page_id: contribution.pageid,
                namespace: contribution.ns,
                title: contribution.title,
                user: contribution.user,
                timestamp,
                size: contribution.size,
                size_diff,
                minor: contribution.minor,
                tags: contribution.tags,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use wikidash_plugin_sdk::action::decode_page;

    fn parse_contributions(body: &serde_json::Value) -> Result<Vec<Revision>, String> {
        let bytes = serde_json::to_vec(body).unwrap();
        let page =
            decode_page("https://w/api.php", Some("application/json"), &bytes, &[]).map_err(|e| format!("{e:?}"))?;
        revisions_of(page)
    }

    #[test]
    fn contributions_parse_creation_and_edit() {
        let body = json!({"batchcomplete": true, "query": {"usercontribs": [
            {"userid":3,"user":"Alice","pageid":5,"revid":5,"parentid":0,"ns":0,"title":"Alpha",
             "timestamp":"2015-03-01T10:00:00Z","new":true,"minor":false,"top":false,"size":84,"sizediff":84,"tags":[]},
            {"userid":3,"user":"Alice","pageid":5,"revid":7,"parentid":6,"ns":0,"title":"Alpha",
             "timestamp":"2018-07-03T12:45:00Z","new":false,"minor":true,"top":true,"size":130,"sizediff":1,
             "tags":["mw-manual-revert"]}
        ]}});
        let revisions = parse_contributions(&body).unwrap();
        assert_eq!(revisions.len(), 2);
        assert_eq!(revisions[0].parent_id, 0);
        assert_eq!(revisions[0].size_diff, 84);
        assert_eq!(revisions[1].rev_id, 7);
        assert_eq!(revisions[1].parent_id, 6);
        assert!(revisions[1].minor);
        assert_eq!(revisions[1].tags, vec!["mw-manual-revert".to_string()]);
        assert_eq!(revisions[1].timestamp, 1_530_621_900);
    }

    #[test]
    fn contributions_without_sizediff_count_creation_size_only() {
        let body = json!({"query": {"usercontribs": [
            {"user":"A","pageid":1,"revid":2,"parentid":0,"ns":0,"title":"T","timestamp":"2020-01-01T00:00:00Z","new":true,"size":40},
            {"user":"A","pageid":1,"revid":3,"parentid":2,"ns":0,"title":"T","timestamp":"2020-01-02T00:00:00Z","size":50}
        ]}});
        let revisions = parse_contributions(&body).unwrap();
        assert_eq!(revisions[0].size_diff, 40);
        assert_eq!(revisions[1].size_diff, 0);
    }

    #[test]
    fn contributions_reject_missing_list() {
        assert!(parse_contributions(&json!({"query": {}})).is_err());
        assert!(parse_contributions(&json!({"warnings": {}})).is_err());
        assert!(parse_contributions(&json!({"batchcomplete": true})).unwrap().is_empty());
    }
}
