//! The `articles` importer: the current identity of pages, from `prop=info`.
//!
//! Job kinds (each 1 to 50 values; long lists go in a POST body):
//! - `pages-by-id`: reads `wiki` and `page-ids`. A page id that no longer exists is reported
//!   `missing`; a page that was moved reports its new title, so moves are picked up by id.
//! - `pages-by-title`: reads `wiki` and `titles`. Titles the wiki normalises (underscores,
//!   lower-case first letter) report the normalised title; missing and invalid titles are
//!   reported as such. Redirects are reported as pages with `redirect` set, not followed.

use std::collections::HashMap;

use serde::Deserialize;
use wikidash_plugin_sdk::action::ActionApi;
use wikidash_plugin_sdk::{
    API_VERSION, Guest, ImportError, Item, Job, Output, Page, PageLookup, PageStatus, PluginInfo, export_plugin,
};

/// Most titles or page ids `prop=info` takes in one request without `apihighlimits`.
pub const MAX_PAGES_PER_REQUEST: usize = 50;

struct Plugin;

impl Guest for Plugin {
    fn describe() -> PluginInfo {
        PluginInfo {
            id: "articles".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            api_version: API_VERSION.into(),
            hosts: vec!["campaign-wikis".into()],
            job_kinds: vec!["pages-by-id".into(), "pages-by-title".into()],
            description: "Page identity: current title, namespace, redirect, deletion (prop=info)".into(),
        }
    }

    fn run(job: Job, cursor: Option<String>) -> Result<Output, ImportError> {
        let (parameter, values, by_title) = match job.kind.as_str() {
            "pages-by-id" => ("pageids", job.page_ids.iter().map(u64::to_string).collect::<Vec<_>>(), false),
            "pages-by-title" => ("titles", job.titles.clone(), true),
            other => {
                return Err(ImportError::InvalidJob(format!(
                    "the articles plugin has no job kind {other:?}; it serves pages-by-id and pages-by-title"
                )));
            }
        };
        if values.is_empty() || values.len() > MAX_PAGES_PER_REQUEST {
            return Err(ImportError::InvalidJob(format!(
                "a {} job takes 1 to {MAX_PAGES_PER_REQUEST} values, got {}",
                job.kind,
                values.len()
            )));
        }
        let joined = values.join("|");
        let params = [("prop", "info"), (parameter, joined.as_str())];
        let page = ActionApi::new(&job.wiki).query_page(&params, cursor.as_deref())?;
        let items = parse_info(&page.body, by_title.then_some(job.titles.as_slice()))
            .map_err(|error| ImportError::BadResponse(format!("{}: {error}", job.wiki)))?
            .into_iter()
            .map(Item::Page)
            .collect();
        Ok(Output { items, next_cursor: page.next_cursor })
    }
}

export_plugin!(Plugin);

#[derive(Clone, Deserialize)]
struct PageEntry {
    pageid: Option<u64>,
    ns: Option<i32>,
    title: Option<String>,
    #[serde(default)]
    missing: bool,
    #[serde(default)]
    invalid: bool,
    invalidreason: Option<String>,
    #[serde(default)]
    redirect: bool,
    #[serde(default)]
    lastrevid: u64,
    #[serde(default)]
    length: u64,
}

#[derive(Deserialize)]
struct Normalization {
    from: String,
    to: String,
}

/// Parse a `prop=info` response (format version 2). `requested_titles` are the titles the job
/// asked for, or `None` when it asked by page id. Asked by title, every requested title gets its
/// own lookup, also when several normalise to the same page.
pub fn parse_info(body: &serde_json::Value, requested_titles: Option<&[String]>) -> Result<Vec<PageLookup>, String> {
    let Some(pages) = body.pointer("/query/pages") else {
        return Err("the response has no query.pages list".into());
    };
    let pages: Vec<PageEntry> =
        serde_json::from_value(pages.clone()).map_err(|error| format!("unexpected page entry: {error}"))?;
    let Some(requested_titles) = requested_titles else {
        return pages
            .into_iter()
            .map(|entry| {
                let requested_id = entry.pageid;
                Ok(PageLookup {
                    requested_id,
                    requested_title: None,
                    normalized_title: None,
                    status: page_status(entry)?,
                })
            })
            .collect();
    };

    let normalized: Vec<Normalization> = match body.pointer("/query/normalized") {
        Some(list) => {
            serde_json::from_value(list.clone()).map_err(|error| format!("unexpected normalized entry: {error}"))?
        }
        None => Vec::new(),
    };
    let normalized_of: HashMap<&str, &str> =
        normalized.iter().map(|entry| (entry.from.as_str(), entry.to.as_str())).collect();
    let mut by_title: HashMap<String, PageEntry> = HashMap::new();
    for entry in pages {
        if let Some(title) = entry.title.clone() {
            by_title.insert(title, entry);
        }
    }

    let mut lookups = Vec::with_capacity(requested_titles.len());
    for requested in requested_titles {
        let target = normalized_of.get(requested.as_str()).copied().unwrap_or(requested.as_str());
        let Some(entry) = by_title.get(target) else {
            return Err(format!("the response does not mention the requested title {requested:?}"));
        };
        lookups.push(PageLookup {
            requested_id: None,
            requested_title: Some(requested.clone()),
            normalized_title: (target != requested).then(|| target.to_string()),
            status: page_status(entry.clone())?,
        });
    }
    Ok(lookups)
}

fn page_status(entry: PageEntry) -> Result<PageStatus, String> {
    if entry.invalid {
        return Ok(PageStatus::Invalid(entry.invalidreason.unwrap_or_else(|| "invalid title".into())));
    }
    if entry.missing {
        return Ok(PageStatus::Missing);
    }
    let page_id = entry.pageid.ok_or("an existing page has no pageid")?;
    Ok(PageStatus::Exists(Page {
        page_id,
        namespace: entry.ns.ok_or_else(|| format!("page {page_id} has no ns"))?,
        title: entry.title.ok_or_else(|| format!("page {page_id} has no title"))?,
        redirect: entry.redirect,
        latest_rev_id: entry.lastrevid,
        length: entry.length,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn info_by_id_reports_moved_redirect_and_missing() {
        let body = json!({"batchcomplete": true, "query": {"pages": [
            {"pageid": 9, "ns": 0, "title": "New name", "lastrevid": 31, "length": 70},
            {"pageid": 14, "ns": 0, "title": "Old name", "redirect": true, "lastrevid": 32, "length": 22},
            {"pageid": 10, "missing": true}
        ]}});
        let pages = parse_info(&body, None).unwrap();
        assert_eq!(pages[0].requested_id, Some(9));
        let PageStatus::Exists(moved) = &pages[0].status else { panic!("page 9 exists") };
        assert_eq!(moved.title, "New name");
        assert!(!moved.redirect);
        let PageStatus::Exists(redirect) = &pages[1].status else { panic!("page 14 exists") };
        assert!(redirect.redirect);
        assert_eq!(pages[2].requested_id, Some(10));
        assert!(matches!(pages[2].status, PageStatus::Missing));
    }

    #[test]
    fn info_by_title_maps_normalised_titles_back() {
        let body = json!({"query": {
        "normalized": [{"fromencoded": false, "from": "new_name", "to": "New name"}],
        "pages": [
            {"pageid": 9, "ns": 0, "title": "New name", "lastrevid": 31, "length": 70},
            {"ns": 0, "title": "Nonexistent", "missing": true},
            {"title": "Bad[title", "invalidreason": "The requested page title contains invalid characters: \"[\".", "invalid": true}
        ]}});
        let requested: Vec<String> = ["new_name", "Nonexistent", "Bad[title"].map(String::from).to_vec();
        let pages = parse_info(&body, Some(&requested)).unwrap();
        assert_eq!(pages[0].requested_title.as_deref(), Some("new_name"));
        assert_eq!(pages[0].normalized_title.as_deref(), Some("New name"));
        assert_eq!(pages[1].requested_title.as_deref(), Some("Nonexistent"));
        assert!(matches!(pages[1].status, PageStatus::Missing));
        assert!(matches!(&pages[2].status, PageStatus::Invalid(reason) if reason.contains("invalid characters")));
    }

    #[test]
    fn info_by_title_answers_every_spelling_of_one_page() {
        let body = json!({"query": {
            "normalized": [{"fromencoded": false, "from": "alpha", "to": "Alpha"}],
            "pages": [{"pageid": 5, "ns": 0, "title": "Alpha", "lastrevid": 7, "length": 122}]}});
        let requested: Vec<String> = ["alpha", "Alpha"].map(String::from).to_vec();
        let pages = parse_info(&body, Some(&requested)).unwrap();
        assert_eq!(pages.len(), 2);
        assert_eq!(pages[0].requested_title.as_deref(), Some("alpha"));
        assert_eq!(pages[0].normalized_title.as_deref(), Some("Alpha"));
        assert_eq!(pages[1].requested_title.as_deref(), Some("Alpha"));
        assert_eq!(pages[1].normalized_title, None);
        assert!(matches!(pages[1].status, PageStatus::Exists(ref page) if page.page_id == 5));
    }
}
