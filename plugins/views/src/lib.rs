//! The `views` importer: daily user page views of articles, from the Wikimedia Analytics
//! pageviews API (`/metrics/pageviews/per-article`).
//!
//! Job kind `daily-views`: reads `titles` (at least one) and the options `project` (the wiki's
//! domain without `.org`, e.g. `en.wikipedia`, or a single word such as `wikidata`), `start`
//! and `end` (`YYYYMMDD`, both days included). It sends one request per title and returns one
//! `page-views` item per title; the cursor is the index of the next title. The API's 404 ("no
//! data for this range") becomes an item with `found: false`, not an error.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use wikidash_plugin_sdk::{
    API_VERSION, DayViews, Guest, ImportError, Item, Job, Output, PageViews, PluginInfo, export_plugin, http,
    job_option,
};

/// Base of the per-article endpoint; project, access, agent, article, granularity and range follow.
pub const PER_ARTICLE_URL: &str = "https://wikimedia.org/api/rest_v1/metrics/pageviews/per-article";

/// Characters escaped in a title path segment: everything but the characters JavaScript's
/// `encodeURIComponent` leaves alone, so `/`, `?`, `#`, `%`, `"`, `+` and non-ASCII bytes are
/// escaped and `_` is kept.
const TITLE_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

struct Plugin;

impl Guest for Plugin {
    fn describe() -> PluginInfo {
        PluginInfo {
            id: "views".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            api_version: API_VERSION.into(),
            hosts: vec!["https://wikimedia.org".into()],
            job_kinds: vec!["daily-views".into()],
            description: "Daily user page views per article (Wikimedia pageviews API)".into(),
        }
    }

    fn run(job: Job, cursor: Option<String>) -> Result<Output, ImportError> {
        if job.kind != "daily-views" {
            return Err(ImportError::InvalidJob(format!(
                "the views plugin has no job kind {:?}; it serves daily-views",
                job.kind
            )));
        }
        let range = ViewsRange::from_job(&job)?;
        let index = title_index(cursor.as_deref(), job.titles.len())?;
        let title = &job.titles[index];
        let url = range.url(title);
        let response = http::get(&url)?;
        let views =
            parse_daily_views(title, response.status, &response.body).map_err(|error| error.with_context(&url))?;
        let next = index + 1;
        let next_cursor = (next < job.titles.len()).then(|| next.to_string());
        Ok(Output { items: vec![Item::PageViews(views)], next_cursor })
    }
}

export_plugin!(Plugin);

/// The project and days of a `daily-views` job, checked.
#[derive(Debug, PartialEq)]
pub struct ViewsRange {
    pub project: String,
    pub start: String,
    pub end: String,
}

impl ViewsRange {
    /// Read and check the `project`, `start` and `end` options of `job`.
    pub fn from_job(job: &Job) -> Result<ViewsRange, ImportError> {
        let option = |name: &str| {
            job_option(job, name).ok_or_else(|| {
                ImportError::InvalidJob(format!("a daily-views job needs the option {name:?}; it is missing"))
            })
        };
        ViewsRange::new(option("project")?, option("start")?, option("end")?)
    }

    /// Check a project (`en.wikipedia`, `wikidata`) and an inclusive range of `YYYYMMDD` days.
    pub fn new(project: &str, start: &str, end: &str) -> Result<ViewsRange, ImportError> {
        if !is_project(project) {
            return Err(ImportError::InvalidJob(format!(
                "invalid pageviews project {project:?}; use the wiki's domain without .org, \
                 e.g. en.wikipedia, or a single word such as wikidata"
            )));
        }
        for (name, day) in [("start", start), ("end", end)] {
            if !is_day(day) {
                return Err(ImportError::InvalidJob(format!(
                    "invalid {name} day {day:?}; write it as 8 digits, YYYYMMDD, e.g. 20250815"
                )));
            }
        }
        // Equal-length digit strings compare in date order.
        if end < start {
            return Err(ImportError::InvalidJob(format!("the range ends ({end}) before it starts ({start})")));
        }
        Ok(ViewsRange { project: project.into(), start: start.into(), end: end.into() })
    }

    /// Build the request URL for `title` (as the wiki writes it, spaces or underscores).
    pub fn url(&self, title: &str) -> String {
        format!(
            "{PER_ARTICLE_URL}/{}/all-access/user/{}/daily/{}00/{}00",
            self.project,
            encode_title(title),
            self.start,
            self.end
        )
    }
}

/// Check that `project` is one or two dot-separated labels of lower-case letters, digits and `-`.
fn is_project(project: &str) -> bool {
    let labels: Vec<&str> = project.split('.').collect();
    labels.len() <= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-')
        })
}

fn is_day(day: &str) -> bool {
    day.len() == 8 && day.bytes().all(|byte| byte.is_ascii_digit())
}

/// Encode `title` as the article path segment: spaces become underscores, then every character
/// outside [`TITLE_SEGMENT`]'s kept set is percent-encoded as UTF-8, `/` included.
pub fn encode_title(title: &str) -> String {
    utf8_percent_encode(&title.replace(' ', "_"), TITLE_SEGMENT).to_string()
}

/// Read the title index from a `daily-views` cursor: the index of the next title, in decimal.
pub fn title_index(cursor: Option<&str>, title_count: usize) -> Result<usize, ImportError> {
    if title_count == 0 {
        return Err(ImportError::InvalidJob("a daily-views job needs at least one title".into()));
    }
    let Some(cursor) = cursor else {
        return Ok(0);
    };
    match cursor.parse::<usize>() {
        Ok(index) if index < title_count => Ok(index),
        _ => Err(ImportError::InvalidJob(format!(
            "invalid cursor {cursor:?}: a daily-views cursor is the index of the next title, below {title_count}"
        ))),
    }
}

/// A pageviews response that could not be turned into an item. The caller adds the URL.
#[derive(Debug, PartialEq)]
pub enum ViewsError {
    /// The service rejected the request (400): the project or range is wrong.
    Rejected(String),
    /// Any other status, or a body that is not the documented shape.
    Bad(String),
}

impl ViewsError {
    fn with_context(self, url: &str) -> ImportError {
        match self {
            ViewsError::Rejected(detail) => {
                ImportError::InvalidJob(format!("{url} was rejected: {detail}; check the project and the days"))
            }
            ViewsError::Bad(detail) => ImportError::BadResponse(format!("{url}: {detail}")),
        }
    }
}

#[derive(Deserialize)]
struct ViewsBody {
    items: Vec<ViewsEntry>,
}

#[derive(Deserialize)]
struct ViewsEntry {
    timestamp: String,
    views: u64,
}

#[derive(Deserialize)]
struct ProblemBody {
    detail: Option<String>,
    title: Option<String>,
}

/// Turn a per-article response into the `page-views` item for `title` (as the job gave it).
/// 200 lists the days with views; 404 means no data for the range, so `found` is `false`.
pub fn parse_daily_views(title: &str, status: u16, body: &[u8]) -> Result<PageViews, ViewsError> {
    match status {
        200 => {
            let parsed: ViewsBody = serde_json::from_slice(body)
                .map_err(|error| ViewsError::Bad(format!("unexpected pageviews body: {error}")))?;
            let days = parsed
                .items
                .into_iter()
                .map(|entry| Ok(DayViews { date: iso_date(&entry.timestamp)?, views: entry.views }))
                .collect::<Result<Vec<_>, ViewsError>>()?;
            Ok(PageViews { title: title.into(), found: true, days })
        }
        404 => Ok(PageViews { title: title.into(), found: false, days: Vec::new() }),
        400 => {
            let problem: Option<ProblemBody> = serde_json::from_slice(body).ok();
            let detail = problem
                .and_then(|problem| problem.detail.or(problem.title))
                .unwrap_or_else(|| String::from_utf8_lossy(body).chars().take(200).collect());
            Err(ViewsError::Rejected(detail))
        }
        other => Err(ViewsError::Bad(format!("unexpected HTTP status {other}"))),
    }
}

/// Turn a daily timestamp, `YYYYMMDD00`, into `YYYY-MM-DD`.
fn iso_date(timestamp: &str) -> Result<String, ViewsError> {
    let valid = timestamp.len() == 10 && timestamp.bytes().all(|byte| byte.is_ascii_digit());
    if !valid {
        return Err(ViewsError::Bad(format!("invalid daily timestamp {timestamp:?}; expected YYYYMMDD00")));
    }
    Ok(format!("{}-{}-{}", &timestamp[0..4], &timestamp[4..6], &timestamp[6..8]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn title_encoding_table() {
        let cases = [
            ("Facebook", "Facebook"),
            ("Fate/stay night", "Fate%2Fstay_night"),
            ("HIV/AIDS", "HIV%2FAIDS"),
            ("\"Weird Al\" Yankovic", "%22Weird_Al%22_Yankovic"),
            ("André the Giant", "Andr%C3%A9_the_Giant"),
            ("Broussard's", "Broussard's"),
            ("C++", "C%2B%2B"),
            ("100%", "100%25"),
            ("What?", "What%3F"),
            ("C#", "C%23"),
            ("Already_underscored", "Already_underscored"),
            ("Talk:Foo", "Talk%3AFoo"),
        ];
        for (title, expected) in cases {
            assert_eq!(encode_title(title), expected, "title {title:?}");
        }
    }

    #[test]
    fn url_has_project_title_and_days() {
        let range = ViewsRange::new("en.wikipedia", "20250815", "20250819").unwrap();
        assert_eq!(
            range.url("HIV/AIDS"),
            "https://wikimedia.org/api/rest_v1/metrics/pageviews/per-article/en.wikipedia/all-access/user/HIV%2FAIDS/daily/2025081500/2025081900"
        );
        let wikidata = ViewsRange::new("wikidata", "20250815", "20250815").unwrap();
        assert!(wikidata.url("Q42").contains("/per-article/wikidata/all-access/user/Q42/daily/2025081500/2025081500"));
    }

    #[test]
    fn range_accepts_project_forms() {
        for project in ["en.wikipedia", "wikidata", "zh-min-nan.wikipedia", "commons.wikimedia", "www.wikidata"] {
            assert!(ViewsRange::new(project, "20250101", "20250102").is_ok(), "project {project:?}");
        }
    }

    #[test]
    fn range_rejects_bad_project() {
        for project in ["", "en.wikipedia.org", "en/wikipedia", "En.Wikipedia", "en..wikipedia", "en wikipedia"] {
            let error = ViewsRange::new(project, "20250101", "20250102").unwrap_err();
            assert!(
                matches!(&error, ImportError::InvalidJob(text) if text.contains(&format!("{project:?}"))),
                "project {project:?} gave {error:?}"
            );
        }
    }

    #[test]
    fn range_rejects_bad_days() {
        for (start, end) in [("2025081", "20250819"), ("20250815", "2025-08-19"), ("2025081500", "2025081900")] {
            let error = ViewsRange::new("en.wikipedia", start, end).unwrap_err();
            assert!(matches!(error, ImportError::InvalidJob(text) if text.contains("YYYYMMDD")), "{start}..{end}");
        }
    }

    #[test]
    fn range_rejects_end_before_start() {
        let error = ViewsRange::new("en.wikipedia", "20250819", "20250815").unwrap_err();
        assert!(matches!(error, ImportError::InvalidJob(text) if text.contains("20250815")));
    }

    #[test]
    fn cursor_is_next_title_index() {
        assert_eq!(title_index(None, 3).unwrap(), 0);
        assert_eq!(title_index(Some("2"), 3).unwrap(), 2);
        assert!(matches!(title_index(Some("3"), 3), Err(ImportError::InvalidJob(_))));
        assert!(matches!(title_index(Some("two"), 3), Err(ImportError::InvalidJob(_))));
        assert!(matches!(title_index(None, 0), Err(ImportError::InvalidJob(_))));
    }

    #[test]
    fn views_parse_days() {
        let body = json!({"items": [
            {"project": "en.wikipedia", "article": "\"Weird_Al\"_Yankovic", "granularity": "daily",
             "timestamp": "2025081500", "access": "all-access", "agent": "user", "views": 5572},
            {"project": "en.wikipedia", "article": "\"Weird_Al\"_Yankovic", "granularity": "daily",
             "timestamp": "2025081600", "access": "all-access", "agent": "user", "views": 37991}
        ]});
        let views = parse_daily_views("\"Weird Al\" Yankovic", 200, body.to_string().as_bytes()).unwrap();
        assert_eq!(views.title, "\"Weird Al\" Yankovic");
        assert!(views.found);
        assert_eq!(views.days.len(), 2);
        assert_eq!(views.days[0].date, "2025-08-15");
        assert_eq!(views.days[0].views, 5572);
        assert_eq!(views.days[1].date, "2025-08-16");
        assert_eq!(views.days[1].views, 37991);
    }

    #[test]
    fn views_not_found_is_empty_item() {
        let body = json!({"detail": "The date(s) you used are valid, but we either do not have data for those date(s), \
            or the project you asked for is not loaded yet.", "method": "get", "status": 404, "title": "Not Found",
            "type": "about:blank"});
        let views = parse_daily_views("THIS IS NOT A REAL ARTICLE", 404, body.to_string().as_bytes()).unwrap();
        assert_eq!(views.title, "THIS IS NOT A REAL ARTICLE");
        assert!(!views.found);
        assert!(views.days.is_empty());
    }

    #[test]
    fn views_bad_request_quotes_detail() {
        let body = json!({"detail": "start timestamp is invalid, must be a valid date in YYYYMMDD format",
            "status": 400, "title": "Bad Request", "type": "about:blank"});
        let error = parse_daily_views("Facebook", 400, body.to_string().as_bytes()).unwrap_err();
        assert_eq!(
            error,
            ViewsError::Rejected("start timestamp is invalid, must be a valid date in YYYYMMDD format".into())
        );
        let import_error = error.with_context("https://wikimedia.org/x");
        assert!(matches!(import_error, ImportError::InvalidJob(text) if text.contains("start timestamp is invalid")));
    }

    #[test]
    fn views_other_status_is_error() {
        let error = parse_daily_views("Facebook", 403, b"forbidden").unwrap_err();
        assert!(matches!(error, ViewsError::Bad(text) if text.contains("403")));
    }

    #[test]
    fn views_reject_unexpected_body() {
        assert!(matches!(parse_daily_views("Facebook", 200, b"{\"rows\": []}"), Err(ViewsError::Bad(_))));
        assert!(matches!(parse_daily_views("Facebook", 200, b"<html>"), Err(ViewsError::Bad(_))));
        let hourly = json!({"items": [{"timestamp": "20250815", "views": 1}]});
        assert!(matches!(parse_daily_views("Facebook", 200, hourly.to_string().as_bytes()), Err(ViewsError::Bad(_))));
    }
}
