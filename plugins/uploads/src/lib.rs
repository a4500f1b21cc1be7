//! The `uploads` importer: files participants uploaded to the uploads wiki (usually Commons),
//! where those files are used, and their URLs.
//!
//! Job kinds (`wiki` is the uploads wiki's Action API URL in each):
//! - `uploads`: reads `wiki`, `usernames` (1 to 50), `window` (required) and `limit`. Returns
//!   `upload` items for the file pages the users created in the window (`list=usercontribs` in
//!   namespace 6 with `ucshow=new`), one request per page, continued until the API has no more.
//! - `global-usage`: reads `wiki` and `page-ids` (1 to 50); returns one `file-usage` item per
//!   file page in each page of `prop=globalusage` results, continued. A page counts only usage
//!   in namespace 0 on any wiki, so the host adds the counts of all pages for one file. Missing
//!   files and files without usage on a page of results get a count of 0.
//! - `file-info`: reads `wiki` and `page-ids` (1 to 50); returns one `file-info` item per page
//!   from `prop=imageinfo` with a thumbnail 480 pixels high, or `missing` for deleted files.

use serde::Deserialize;
use serde_json::Value;
use wikidash_plugin_sdk::action::ActionApi;
use wikidash_plugin_sdk::{
    API_VERSION, FileInfo, FileUsage, Guest, ImportError, Item, Job, Output, PluginInfo, TimeWindow, Upload,
    export_plugin, time,
};

/// Most usernames `ucuser` takes in one request without `apihighlimits`.
pub const MAX_USERS_PER_REQUEST: usize = 50;

/// Most page ids `pageids` takes in one request without `apihighlimits`.
pub const MAX_PAGES_PER_REQUEST: usize = 50;

/// Thumbnail height in pixels asked of `prop=imageinfo`.
pub const THUMB_HEIGHT: &str = "480";

struct Plugin;

impl Guest for Plugin {
    fn describe() -> PluginInfo {
        PluginInfo {
            id: "uploads".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            api_version: API_VERSION.into(),
            hosts: vec!["campaign-wikis".into()],
            job_kinds: vec!["uploads".into(), "global-usage".into(), "file-info".into()],
            description: "Participants' uploads (list=usercontribs), their use across wikis (prop=globalusage) \
                          and file URLs (prop=imageinfo)"
                .into(),
        }
    }

    fn run(job: Job, cursor: Option<String>) -> Result<Output, ImportError> {
        match job.kind.as_str() {
            "uploads" => uploads(&job, cursor.as_deref()),
            "global-usage" => global_usage(&job, cursor.as_deref()),
            "file-info" => file_info(&job, cursor.as_deref()),
            other => Err(ImportError::InvalidJob(format!(
                "the uploads plugin has no job kind {other:?}; it serves uploads, global-usage and file-info"
            ))),
        }
    }
}

export_plugin!(Plugin);

fn uploads(job: &Job, cursor: Option<&str>) -> Result<Output, ImportError> {
    let window = check_uploads_job(job)?;
    let users = job.usernames.join("|");
    let limit = job.limit.map(|limit| limit.to_string()).unwrap_or_else(|| "max".into());
    // With ucdir=newer the API walks forward in time, so ucstart is the earlier bound.
    let start = time::format(window.start);
    let end = time::format(window.end);
    let params = [
        ("list", "usercontribs"),
        ("ucuser", users.as_str()),
        ("ucnamespace", "6"),
        ("ucshow", "new"),
        ("ucprop", "ids|title|timestamp"),
        ("ucdir", "newer"),
        ("ucstart", start.as_str()),
        ("ucend", end.as_str()),
        ("uclimit", limit.as_str()),
    ];
    let page = ActionApi::new(&job.wiki).query_page(&params, cursor)?;
    let items = parse_uploads(&page.body)
        .map_err(|error| bad_response(&job.wiki, error))?
        .into_iter()
        .map(Item::Upload)
        .collect();
    Ok(Output { items, next_cursor: page.next_cursor })
}

fn global_usage(job: &Job, cursor: Option<&str>) -> Result<Output, ImportError> {
    let page_ids = joined_page_ids(job)?;
    let params = [
        ("prop", "globalusage"),
        ("pageids", page_ids.as_str()),
        ("guprop", "namespace"),
        ("gunamespace", "0"),
        ("gulimit", "max"),
        ("gufilterlocal", "1"),
    ];
    let page = ActionApi::new(&job.wiki).query_page(&params, cursor)?;
    let items = parse_global_usage(&page.body)
        .map_err(|error| bad_response(&job.wiki, error))?
        .into_iter()
        .map(Item::FileUsage)
        .collect();
    Ok(Output { items, next_cursor: page.next_cursor })
}

fn file_info(job: &Job, cursor: Option<&str>) -> Result<Output, ImportError> {
    let page_ids = joined_page_ids(job)?;
    // NOTE: MediaWiki rejects the whole request with `urlparamnormal` when it cannot scale one
    // of the files. That error reaches the host as an invalid job for every file of the batch.
    let params =
        [("prop", "imageinfo"), ("iiprop", "url"), ("iiurlheight", THUMB_HEIGHT), ("pageids", page_ids.as_str())];
    let page = ActionApi::new(&job.wiki).query_page(&params, cursor)?;
    let items = parse_file_info(&page.body)
        .map_err(|error| bad_response(&job.wiki, error))?
        .into_iter()
        .map(Item::FileInfo)
        .collect();
    Ok(Output { items, next_cursor: page.next_cursor })
}

fn check_uploads_job(job: &Job) -> Result<TimeWindow, ImportError> {
    if job.usernames.is_empty() || job.usernames.len() > MAX_USERS_PER_REQUEST {
        return Err(ImportError::InvalidJob(format!(
            "an uploads job takes 1 to {MAX_USERS_PER_REQUEST} usernames, got {}",
            job.usernames.len()
        )));
    }
    let window = job.window.ok_or_else(|| ImportError::InvalidJob("an uploads job needs a time window".into()))?;
    if window.end < window.start {
        return Err(ImportError::InvalidJob(format!(
            "the window ends ({}) before it starts ({})",
            time::format(window.end),
            time::format(window.start)
        )));
    }
    Ok(window)
}

/// Check that `job` names 1 to 50 page ids and join them for `pageids`.
fn joined_page_ids(job: &Job) -> Result<String, ImportError> {
    if job.page_ids.is_empty() || job.page_ids.len() > MAX_PAGES_PER_REQUEST {
        return Err(ImportError::InvalidJob(format!(
            "a {} job takes 1 to {MAX_PAGES_PER_REQUEST} page ids, got {}",
            job.kind,
            job.page_ids.len()
        )));
    }
    Ok(job.page_ids.iter().map(u64::to_string).collect::<Vec<_>>().join("|"))
}

fn bad_response(wiki: &str, error: String) -> ImportError {
    ImportError::BadResponse(format!("{wiki}: {error}"))
}

#[derive(Deserialize)]
struct Contribution {
    pageid: u64,
    title: String,
    user: String,
    timestamp: String,
}

/// Parse the uploads of one `list=usercontribs` response (format version 2).
pub fn parse_uploads(body: &Value) -> Result<Vec<Upload>, String> {
    let Some(list) = body.pointer("/query/usercontribs") else {
        // A query with no results at all may leave out `query` entirely.
        return if body.get("query").is_none() && body.get("batchcomplete").is_some() {
            Ok(Vec::new())
        } else {
            Err("the response has no query.usercontribs list".into())
        };
    };
    let contributions: Vec<Contribution> =
        serde_json::from_value(list.clone()).map_err(|error| format!("unexpected usercontribs entry: {error}"))?;
    contributions
        .into_iter()
        .map(|contribution| {
            Ok(Upload {
                page_id: contribution.pageid,
                title: contribution.title,
                user: contribution.user,
                timestamp: time::parse(&contribution.timestamp)?,
            })
        })
        .collect()
}

#[derive(Deserialize)]
struct UsagePage {
    pageid: Option<u64>,
    /// Absent for a page id that does not exist.
    #[serde(default)]
    title: String,
    #[serde(default)]
    globalusage: Vec<Value>,
}

/// Parse one page of `prop=globalusage&guprop=namespace` results (format version 2): one item
/// per file page with the number of its usage entries in namespace 0.
///
/// GlobalUsage writes `ns` as a string (`"0"`); a number is accepted too.
pub fn parse_global_usage(body: &Value) -> Result<Vec<FileUsage>, String> {
    let pages: Vec<UsagePage> = query_pages(body)?;
    pages
        .into_iter()
        .map(|page| {
            let page_id = page.pageid.ok_or_else(|| format!("the page {:?} has no pageid", page.title))?;
            let mainspace_usages = page.globalusage.iter().filter(|usage| is_main_namespace(usage)).count() as u64;
            Ok(FileUsage { page_id, title: page.title, mainspace_usages })
        })
        .collect()
}

fn is_main_namespace(usage: &Value) -> bool {
    match usage.get("ns") {
        Some(Value::String(text)) => text == "0",
        Some(Value::Number(number)) => number.as_i64() == Some(0),
        _ => false,
    }
}

#[derive(Deserialize)]
struct ImagePage {
    pageid: Option<u64>,
    #[serde(default)]
    title: String,
    #[serde(default)]
    missing: bool,
    #[serde(default)]
    imageinfo: Vec<ImageInfo>,
}

#[derive(Deserialize)]
struct ImageInfo {
    url: Option<String>,
    thumburl: Option<String>,
    thumbwidth: Option<u32>,
    thumbheight: Option<u32>,
}

/// Parse a `prop=imageinfo&iiprop=url&iiurlheight=…` response (format version 2): one item per
/// page, from the latest file version (`imageinfo[0]`).
pub fn parse_file_info(body: &Value) -> Result<Vec<FileInfo>, String> {
    let pages: Vec<ImagePage> = query_pages(body)?;
    pages
        .into_iter()
        .map(|page| {
            let page_id = page.pageid.ok_or_else(|| format!("the page {:?} has no pageid", page.title))?;
            let latest = page.imageinfo.into_iter().next();
            let (url, thumb_url, thumb_width, thumb_height) = match latest {
                Some(info) if !page.missing => (info.url, info.thumburl, info.thumbwidth, info.thumbheight),
                _ => (None, None, None, None),
            };
            Ok(FileInfo {
                page_id,
                title: page.title,
                missing: page.missing,
                url,
                thumb_url,
                thumb_width,
                thumb_height,
            })
        })
        .collect()
}

fn query_pages<T: serde::de::DeserializeOwned>(body: &Value) -> Result<Vec<T>, String> {
    let pages = body.pointer("/query/pages").ok_or("the response has no query.pages list")?;
    serde_json::from_value(pages.clone()).map_err(|error| format!("unexpected page entry: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn uploads_parse_file_creations() {
        let body = json!({"batchcomplete": true, "query": {"usercontribs": [
            {"userid": 3, "user": "Alice", "pageid": 16, "revid": 34, "parentid": 0, "ns": 6,
             "title": "File:Pear.png", "timestamp": "2019-05-05T10:10:10Z", "new": true},
            {"userid": 4, "user": "Bob", "pageid": 17, "revid": 35, "parentid": 0, "ns": 6,
             "title": "File:Plum.png", "timestamp": "2021-02-03T04:05:06Z", "new": true}
        ]}});
        let uploads = parse_uploads(&body).unwrap();
        assert_eq!(uploads.len(), 2);
        assert_eq!(uploads[0].page_id, 16);
        assert_eq!(uploads[0].title, "File:Pear.png");
        assert_eq!(uploads[0].user, "Alice");
        assert_eq!(uploads[0].timestamp, 1_557_051_010);
        assert_eq!(uploads[1].user, "Bob");
    }

    #[test]
    fn uploads_without_query_are_empty() {
        assert!(parse_uploads(&json!({"batchcomplete": true})).unwrap().is_empty());
    }

    #[test]
    fn uploads_reject_missing_list() {
        assert!(parse_uploads(&json!({"query": {}})).is_err());
    }

    #[test]
    fn uploads_reject_bad_timestamp() {
        let body = json!({"query": {"usercontribs": [
            {"user": "Alice", "pageid": 16, "ns": 6, "title": "File:Pear.png", "timestamp": "20190505101010"}
        ]}});
        assert!(parse_uploads(&body).unwrap_err().contains("20190505101010"));
    }

    #[test]
    fn global_usage_counts_main_namespace_only() {
        let body = json!({"continue": {"gucontinue": "Example.jpg|frwiki|4242", "continue": "||"},
         "query": {"pages": [
            {"pageid": 111, "ns": 6, "title": "File:Example.jpg", "globalusage": [
                {"title": "Exemple", "wiki": "fr.wikipedia.org", "pageid": "4242", "ns": "0"},
                {"title": "Example", "wiki": "en.wikipedia.org", "pageid": 7, "ns": 0},
                {"title": "Talk:Example", "wiki": "en.wikipedia.org", "pageid": "99", "ns": "1"},
                {"title": "Wikipedia:Example", "wiki": "en.wikipedia.org", "pageid": 98, "ns": 4}
            ]},
            {"pageid": 112, "ns": 6, "title": "File:Unused.jpg"}
        ]}});
        let usages = parse_global_usage(&body).unwrap();
        assert_eq!(usages.len(), 2);
        assert_eq!(usages[0].page_id, 111);
        assert_eq!(usages[0].title, "File:Example.jpg");
        assert_eq!(usages[0].mainspace_usages, 2);
        assert_eq!(usages[1].page_id, 112);
        assert_eq!(usages[1].mainspace_usages, 0);
    }

    #[test]
    fn global_usage_reports_missing_file_with_zero() {
        let body = json!({"batchcomplete": true, "query": {"pages": [
            {"pageid": 10, "missing": true}
        ]}});
        let usages = parse_global_usage(&body).unwrap();
        assert_eq!(usages.len(), 1);
        assert_eq!(usages[0].page_id, 10);
        assert_eq!(usages[0].title, "");
        assert_eq!(usages[0].mainspace_usages, 0);
    }

    #[test]
    fn global_usage_ignores_entries_without_ns() {
        let body = json!({"query": {"pages": [
            {"pageid": 111, "ns": 6, "title": "File:Example.jpg", "globalusage": [
                {"title": "Exemple", "wiki": "fr.wikipedia.org"}
            ]}
        ]}});
        assert_eq!(parse_global_usage(&body).unwrap()[0].mainspace_usages, 0);
    }

    #[test]
    fn global_usage_rejects_missing_pages() {
        assert!(parse_global_usage(&json!({"batchcomplete": true})).is_err());
    }

    #[test]
    fn file_info_reads_latest_version_and_missing() {
        let body = json!({"batchcomplete": true, "query": {"pages": [
            {"pageid": 15, "ns": 6, "title": "File:Apple.png", "imagerepository": "local", "imageinfo": [
                {"url": "https://upload.example.org/a/ab/Apple.png",
                 "descriptionurl": "https://commons.example.org/wiki/File:Apple.png",
                 "thumburl": "https://upload.example.org/thumb/a/ab/Apple.png/640px-Apple.png",
                 "thumbwidth": 640, "thumbheight": 480}
            ]},
            {"pageid": 10, "missing": true},
            {"pageid": 16, "ns": 6, "title": "File:Pear.png", "imagerepository": "local", "imageinfo": [
                {"url": "https://upload.example.org/b/b0/Pear.png"}
            ]},
            {"pageid": 18, "ns": 6, "title": "File:No file.png", "imagerepository": ""}
        ]}});
        let files = parse_file_info(&body).unwrap();
        assert_eq!(files.len(), 4);

        assert_eq!(files[0].page_id, 15);
        assert!(!files[0].missing);
        assert_eq!(files[0].url.as_deref(), Some("https://upload.example.org/a/ab/Apple.png"));
        assert_eq!(
            files[0].thumb_url.as_deref(),
            Some("https://upload.example.org/thumb/a/ab/Apple.png/640px-Apple.png")
        );
        assert_eq!(files[0].thumb_width, Some(640));
        assert_eq!(files[0].thumb_height, Some(480));

        assert_eq!(files[1].page_id, 10);
        assert!(files[1].missing);
        assert_eq!(files[1].url, None);

        assert_eq!(files[2].url.as_deref(), Some("https://upload.example.org/b/b0/Pear.png"));
        assert_eq!(files[2].thumb_url, None);
        assert_eq!(files[2].thumb_width, None);

        assert!(!files[3].missing);
        assert_eq!(files[3].url, None);
    }

    #[test]
    fn file_info_rejects_page_without_id() {
        let body = json!({"query": {"pages": [{"ns": 6, "title": "File:Odd.png", "missing": true}]}});
        assert!(parse_file_info(&body).unwrap_err().contains("File:Odd.png"));
    }
}
