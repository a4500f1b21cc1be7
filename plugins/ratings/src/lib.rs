//! The `ratings` importer: articles' quality classes from the PageAssessments extension
//! (`prop=pageassessments`).
//!
//! Job kind `assessments`: reads `wiki` and `titles` (1 to 50; long lists go in a POST body).
//! Redirects are followed, and the results are continued until the API has no more. Each page
//! of results gives one `assessment` item per requested title, matched back through the
//! wiki's title normalisation and redirects. The class is the first WikiProject's, lower-cased.
//! A wiki without the extension answers with a warning and no assessments, so every title
//! gets `class: none` there.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;
use wikidash_plugin_sdk::action::ActionApi;
use wikidash_plugin_sdk::{
    API_VERSION, Assessment, Guest, ImportError, Item, Job, LogLevel, Output, PluginInfo, export_plugin, log,
};

/// Most titles `titles` takes in one request without `apihighlimits`.
pub const MAX_TITLES_PER_REQUEST: usize = 50;

/// Maximum number of redirect hops followed from one title, so a loop in the response ends.
const MAX_REDIRECT_HOPS: usize = 10;

struct Plugin;

impl Guest for Plugin {
    fn describe() -> PluginInfo {
        PluginInfo {
            id: "ratings".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            api_version: API_VERSION.into(),
            hosts: vec!["campaign-wikis".into()],
            job_kinds: vec!["assessments".into()],
            description: "Article quality classes from WikiProject assessments (prop=pageassessments)".into(),
        }
    }

    fn run(job: Job, cursor: Option<String>) -> Result<Output, ImportError> {
        if job.kind != "assessments" {
            return Err(ImportError::InvalidJob(format!(
                "the ratings plugin has no job kind {:?}; it serves assessments",
                job.kind
            )));
        }
        if job.titles.is_empty() || job.titles.len() > MAX_TITLES_PER_REQUEST {
            return Err(ImportError::InvalidJob(format!(
                "an assessments job takes 1 to {MAX_TITLES_PER_REQUEST} titles, got {}",
                job.titles.len()
            )));
        }
        let titles = job.titles.join("|");
        let params = [("prop", "pageassessments"), ("titles", titles.as_str()), ("redirects", "1"), ("palimit", "max")];
        let page = ActionApi::new(&job.wiki).query_page(&params, cursor.as_deref())?;
        if lacks_page_assessments(&page.body) {
            log(
                LogLevel::Warn,
                &format!("{} does not have the PageAssessments extension; every class is reported as none", job.wiki),
            );
        }
        let items = parse_assessments(&page.body, &job.titles)
            .map_err(|error| ImportError::BadResponse(format!("{}: {error}", job.wiki)))?
            .into_iter()
            .map(Item::Assessment)
            .collect();
        Ok(Output { items, next_cursor: page.next_cursor })
    }
}

export_plugin!(Plugin);

#[derive(Deserialize)]
struct PageEntry {
    pageid: Option<u64>,
    title: Option<String>,
    #[serde(default)]
    missing: bool,
    #[serde(default)]
    invalid: bool,
    pageassessments: Option<Value>,
}

#[derive(Deserialize)]
struct TitleMapping {
    from: String,
    to: String,
}

#[derive(Deserialize)]
struct InterwikiTitle {
    title: String,
}

/// Parse one page of `prop=pageassessments&redirects=1` results (format version 2) into one
/// assessment per title in `requested`, in that order.
///
/// A requested title is followed through `query.normalized`, then `query.redirects`, to its
/// page in `query.pages`. A title that leads to another wiki (`query.interwiki`) is reported
/// missing, because it has no page here.
pub fn parse_assessments(body: &Value, requested: &[String]) -> Result<Vec<Assessment>, String> {
    let pages: Vec<PageEntry> = list_at(body, "/query/pages")?.ok_or("the response has no query.pages list")?;
    let normalized: Vec<TitleMapping> = list_at(body, "/query/normalized")?.unwrap_or_default();
    let redirects: Vec<TitleMapping> = list_at(body, "/query/redirects")?.unwrap_or_default();
    let interwiki: Vec<InterwikiTitle> = list_at(body, "/query/interwiki")?.unwrap_or_default();

    let normalized_of: HashMap<&str, &str> =
        normalized.iter().map(|mapping| (mapping.from.as_str(), mapping.to.as_str())).collect();
    let target_of: HashMap<&str, &str> =
        redirects.iter().map(|mapping| (mapping.from.as_str(), mapping.to.as_str())).collect();
    let page_of: HashMap<&str, &PageEntry> =
        pages.iter().filter_map(|page| page.title.as_deref().map(|title| (title, page))).collect();

    let mut assessments = Vec::with_capacity(requested.len());
    for requested_title in requested {
        let normal = normalized_of.get(requested_title.as_str()).copied().unwrap_or(requested_title);
        let title = follow_redirects(normal, &target_of);
        let assessment = match page_of.get(title) {
            Some(page) => Assessment {
                requested_title: requested_title.clone(),
                title: title.to_string(),
                page_id: page.pageid,
                class: first_class(page.pageassessments.as_ref()),
                missing: page.missing || page.invalid,
            },
            None if interwiki.iter().any(|entry| entry.title == title) => Assessment {
                requested_title: requested_title.clone(),
                title: title.to_string(),
                page_id: None,
                class: None,
                missing: true,
            },
            None => {
                return Err(format!(
                    "the response does not mention the requested title {requested_title:?} (resolved to {title:?})"
                ));
            }
        };
        assessments.push(assessment);
    }
    Ok(assessments)
}

fn list_at<T: serde::de::DeserializeOwned>(body: &Value, pointer: &str) -> Result<Option<Vec<T>>, String> {
    let Some(list) = body.pointer(pointer) else {
        return Ok(None);
    };
    serde_json::from_value(list.clone()).map(Some).map_err(|error| format!("unexpected entry in {pointer}: {error}"))
}

/// Follow `title` through the redirect map to the page it ends on, stopping at a loop.
fn follow_redirects<'a>(title: &'a str, target_of: &HashMap<&'a str, &'a str>) -> &'a str {
    let mut current = title;
    for _ in 0..MAX_REDIRECT_HOPS {
        match target_of.get(current) {
            Some(&next) if next != current => current = next,
            _ => break,
        }
    }
    current
}

/// Return the class of the first project in a page's `pageassessments` object, lower-cased,
/// or `None` when there is no project or the class is empty.
///
/// "First" is the order of the response, which PageAssessments sorts by project id; serde_json
/// keeps that order because this crate enables its `preserve_order` feature.
pub fn first_class(assessments: Option<&Value>) -> Option<String> {
    // A page without projects has no key, or an empty JSON array where PHP had an empty array.
    let (_, first) = assessments?.as_object()?.iter().next()?;
    let class = first.get("class")?.as_str()?.trim();
    (!class.is_empty()).then(|| class.to_lowercase())
}

/// Check whether the wiki warned that `prop=pageassessments` is unknown to it, which means the
/// PageAssessments extension is not installed.
pub fn lacks_page_assessments(body: &Value) -> bool {
    let Some(warnings) = body.get("warnings").and_then(Value::as_object) else {
        return false;
    };
    warnings.values().any(|warning| {
        let text = warning.get("warnings").and_then(Value::as_str).unwrap_or_default();
        text.contains("Unrecognized value") && text.contains("pageassessments")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn titles(list: &[&str]) -> Vec<String> {
        list.iter().map(|title| title.to_string()).collect()
    }

    #[test]
    fn class_is_first_project_lower_cased() {
        let body = json!({"batchcomplete": true, "query": {"pages": [
            {"pageid": 1234, "ns": 0, "title": "Example article", "pageassessments": {
                "Medicine": {"class": "B", "importance": "High"},
                "Biology": {"class": "C", "importance": "Low"}}},
            {"pageid": 5678, "ns": 0, "title": "Unassessed article"}
        ]}});
        let result = parse_assessments(&body, &titles(&["Example article", "Unassessed article"])).unwrap();
        assert_eq!(result.len(), 2);
        assert_eq!(result[0].requested_title, "Example article");
        assert_eq!(result[0].title, "Example article");
        assert_eq!(result[0].page_id, Some(1234));
        assert_eq!(result[0].class.as_deref(), Some("b"));
        assert!(!result[0].missing);
        assert_eq!(result[1].page_id, Some(5678));
        assert_eq!(result[1].class, None);
    }

    #[test]
    fn class_order_follows_response_not_alphabet() {
        let body: Value = serde_json::from_str(
            r#"{"query": {"pages": [{"pageid": 1, "ns": 0, "title": "Zebra", "pageassessments": {
                "Zoology": {"class": "GA", "importance": ""}, "Africa": {"class": "Start", "importance": ""}}}]}}"#,
        )
        .unwrap();
        let result = parse_assessments(&body, &titles(&["Zebra"])).unwrap();
        assert_eq!(result[0].class.as_deref(), Some("ga"));
    }

    #[test]
    fn class_empty_or_absent_is_none() {
        assert_eq!(first_class(Some(&json!({"Medicine": {"class": "", "importance": "High"}}))), None);
        assert_eq!(first_class(Some(&json!({"Medicine": {"importance": "High"}}))), None);
        assert_eq!(first_class(Some(&json!({}))), None);
        assert_eq!(first_class(Some(&json!([]))), None);
        assert_eq!(first_class(None), None);
        assert_eq!(first_class(Some(&json!({"Medicine": {"class": "FA"}}))).as_deref(), Some("fa"));
    }

    #[test]
    fn titles_resolve_through_normalisation_and_redirects() {
        let body = json!({"batchcomplete": true, "query": {
        "normalized": [{"fromencoded": false, "from": "alpha_(redirect)", "to": "Alpha (redirect)"},
                       {"fromencoded": false, "from": "nonexistent_page", "to": "Nonexistent page"}],
        "redirects": [{"from": "Alpha (redirect)", "to": "Alpha"}],
        "pages": [
            {"pageid": 5, "ns": 0, "title": "Alpha", "pageassessments": {"Fruit": {"class": "Start", "importance": "Mid"}}},
            {"ns": 0, "title": "Nonexistent page", "missing": true}
        ]}});
        let requested = titles(&["alpha_(redirect)", "Alpha", "nonexistent_page"]);
        let result = parse_assessments(&body, &requested).unwrap();
        assert_eq!(result.len(), 3);

        assert_eq!(result[0].requested_title, "alpha_(redirect)");
        assert_eq!(result[0].title, "Alpha");
        assert_eq!(result[0].page_id, Some(5));
        assert_eq!(result[0].class.as_deref(), Some("start"));

        assert_eq!(result[1].requested_title, "Alpha");
        assert_eq!(result[1].title, "Alpha");
        assert_eq!(result[1].class.as_deref(), Some("start"));

        assert_eq!(result[2].requested_title, "nonexistent_page");
        assert_eq!(result[2].title, "Nonexistent page");
        assert_eq!(result[2].page_id, None);
        assert!(result[2].missing);
        assert_eq!(result[2].class, None);
    }

    #[test]
    fn redirect_chain_and_missing_target() {
        let body = json!({"query": {
        "redirects": [{"from": "A", "to": "B"}, {"from": "B", "to": "C"}, {"from": "Dangling", "to": "Gone"}],
        "pages": [
            {"pageid": 3, "ns": 0, "title": "C", "pageassessments": {"P": {"class": "C", "importance": ""}}},
            {"ns": 0, "title": "Gone", "missing": true}
        ]}});
        let result = parse_assessments(&body, &titles(&["A", "Dangling"])).unwrap();
        assert_eq!(result[0].title, "C");
        assert_eq!(result[0].class.as_deref(), Some("c"));
        assert_eq!(result[1].requested_title, "Dangling");
        assert_eq!(result[1].title, "Gone");
        assert!(result[1].missing);
    }

    #[test]
    fn redirect_loop_stops() {
        let body = json!({"query": {
            "redirects": [{"from": "Loop A", "to": "Loop B"}, {"from": "Loop B", "to": "Loop A"}],
            "pages": [{"pageid": 8, "ns": 0, "title": "Loop A"}, {"pageid": 9, "ns": 0, "title": "Loop B"}]}});
        let result = parse_assessments(&body, &titles(&["Loop A"])).unwrap();
        assert_eq!(result.len(), 1);
        assert!(result[0].page_id == Some(8) || result[0].page_id == Some(9));
    }

    #[test]
    fn assessments_split_across_continuation() {
        let requested = titles(&["medicine", "Biology"]);
        let first = json!({"continue": {"pacontinue": "200|3", "continue": "||"}, "query": {
        "normalized": [{"fromencoded": false, "from": "medicine", "to": "Medicine"}],
        "pages": [
            {"pageid": 100, "ns": 0, "title": "Medicine", "pageassessments": {"Medicine": {"class": "B", "importance": "Top"}}},
            {"pageid": 200, "ns": 0, "title": "Biology", "pageassessments": {"Biology": {"class": "", "importance": "Top"}}}
        ]}});
        let second = json!({"batchcomplete": true, "query": {
        "normalized": [{"fromencoded": false, "from": "medicine", "to": "Medicine"}],
        "pages": [
            {"pageid": 100, "ns": 0, "title": "Medicine"},
            {"pageid": 200, "ns": 0, "title": "Biology", "pageassessments": {"Science": {"class": "GA", "importance": "High"}}}
        ]}});

        let first_page = parse_assessments(&first, &requested).unwrap();
        assert_eq!(first_page.len(), 2);
        assert_eq!(first_page[0].requested_title, "medicine");
        assert_eq!(first_page[0].class.as_deref(), Some("b"));
        assert_eq!(first_page[1].class, None);

        let second_page = parse_assessments(&second, &requested).unwrap();
        assert_eq!(second_page.len(), 2);
        assert_eq!(second_page[0].requested_title, "medicine");
        assert_eq!(second_page[0].page_id, Some(100));
        assert_eq!(second_page[0].class, None);
        assert_eq!(second_page[1].class.as_deref(), Some("ga"));
    }

    #[test]
    fn wiki_without_extension_gives_no_classes() {
        let body = json!({"batchcomplete": true,
            "warnings": {
                "main": {"warnings": "Unrecognized parameter: palimit."},
                "query": {"warnings": "Unrecognized value for parameter \"prop\": pageassessments"}},
            "query": {"pages": [{"pageid": 5, "ns": 0, "title": "Alpha"}]}});
        assert!(lacks_page_assessments(&body));
        let result = parse_assessments(&body, &titles(&["Alpha"])).unwrap();
        assert_eq!(result.len(), 1);
        assert_eq!(result[0].page_id, Some(5));
        assert_eq!(result[0].class, None);
        assert!(!result[0].missing);
    }

    #[test]
    fn other_warnings_do_not_mean_missing_extension() {
        let body = json!({"warnings": {"main": {"warnings": "Unrecognized parameter: foo."}}, "query": {"pages": []}});
        assert!(!lacks_page_assessments(&body));
        assert!(!lacks_page_assessments(&json!({"query": {"pages": []}})));
    }

    #[test]
    fn invalid_and_interwiki_titles_are_missing() {
        let body = json!({"query": {
            "interwiki": [{"title": "fr:Exemple", "iw": "fr"}],
            "pages": [{"title": "Bad[[title", "invalidreason": "The requested page title contains invalid characters: \"[\".", "invalid": true}]}});
        let result = parse_assessments(&body, &titles(&["Bad[[title", "fr:Exemple"])).unwrap();
        assert!(result[0].missing);
        assert_eq!(result[0].page_id, None);
        assert!(result[1].missing);
        assert_eq!(result[1].title, "fr:Exemple");
    }

    #[test]
    fn unmentioned_title_is_an_error() {
        let body = json!({"query": {"pages": [{"pageid": 5, "ns": 0, "title": "Alpha"}]}});
        let error = parse_assessments(&body, &titles(&["Beta"])).unwrap_err();
        assert!(error.contains("\"Beta\""));
    }

    #[test]
    fn missing_pages_list_is_an_error() {
        assert!(parse_assessments(&json!({"batchcomplete": true}), &titles(&["Alpha"])).is_err());
    }
}
