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

use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
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
        let page = ActionApi::new(&job.wiki).query_page_as::<AssessmentsQuery>(&params, cursor.as_deref())?;
        if page.warnings.as_ref().is_some_and(lacks_page_assessments) {
            log(
                LogLevel::Warn,
                &format!("{} does not have the PageAssessments extension; every class is reported as none", job.wiki),
            );
        }
        let items = parse_assessments(page.query, &job.titles)
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
    pageassessments: Option<FirstClass>,
}

/// The `query` part of a `prop=pageassessments&redirects=1` answer.
#[derive(Deserialize)]
pub struct AssessmentsQuery {
    pages: Option<Vec<PageEntry>>,
    #[serde(default)]
    normalized: Vec<TitleMapping>,
    #[serde(default)]
    redirects: Vec<TitleMapping>,
    #[serde(default)]
    interwiki: Vec<InterwikiTitle>,
}

/// The class of the first project in a page's `pageassessments` object, lower-cased, or
/// `None` when there is no project or the class is empty.
///
/// "First" is the order of the response, which PageAssessments sorts by project id, so the
/// object is read entry by entry as it arrives rather than through a map that would reorder it.
/// A page without projects has no key, or an empty JSON array where PHP had an empty array.
struct FirstClass(Option<String>);

#[derive(Deserialize)]
struct Project {
    class: Option<Value>,
}

impl<'de> Deserialize<'de> for FirstClass {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FirstClassVisitor;

        impl<'de> Visitor<'de> for FirstClassVisitor {
            type Value = FirstClass;

            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("an object of projects, or an empty array")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FirstClass, A::Error> {
                let first = map.next_entry::<IgnoredAny, Project>()?;
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                let class = first
                    .and_then(|(_, project)| project.class)
                    .and_then(|class| class.as_str().map(|text| text.trim().to_lowercase()))
                    .filter(|class| !class.is_empty());
                Ok(FirstClass(class))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<FirstClass, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(FirstClass(None))
            }
        }

        deserializer.deserialize_any(FirstClassVisitor)
    }
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
pub fn parse_assessments(query: Option<AssessmentsQuery>, requested: &[String]) -> Result<Vec<Assessment>, String> {
    let query = query.ok_or("the response has no query part")?;
    let pages = query.pages.ok_or("the response has no query.pages list")?;
    let (normalized, redirects, interwiki) = (query.normalized, query.redirects, query.interwiki);
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
                class: page.pageassessments.as_ref().and_then(|first| first.0.clone()),
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

/// Check whether the wiki warned that `prop=pageassessments` is unknown to it, which means the
/// PageAssessments extension is not installed.
pub fn lacks_page_assessments(warnings: &Map<String, Value>) -> bool {
    warnings.values().any(|warning| {
        let text = warning.get("warnings").and_then(Value::as_str).unwrap_or_default();
        text.contains("Unrecognized value") && text.contains("pageassessments")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use wikidash_plugin_sdk::action::{TypedPage, decode_page};

    fn titles(list: &[&str]) -> Vec<String> {
        list.iter().map(|title| title.to_string()).collect()
    }

    fn page(body: &str) -> TypedPage<AssessmentsQuery> {
        decode_page("https://w/api.php", Some("application/json"), body.as_bytes(), &[]).unwrap()
    }

    fn parse(body: &str, requested: &[String]) -> Result<Vec<Assessment>, String> {
        parse_assessments(page(body).query, requested)
    }

    /// The class the parser reads from one page's `pageassessments` value.
    fn first_class(assessments: &str) -> Option<String> {
        let body = format!(
            r#"{{"query": {{"pages": [{{"pageid": 1, "ns": 0, "title": "T", "pageassessments": {assessments}}}]}}}}"#
        );
        parse(&body, &titles(&["T"])).unwrap().remove(0).class
    }

    #[test]
    fn class_is_first_project_lower_cased() {
        let body = r#"{"batchcomplete": true, "query": {"pages": [
            {"pageid": 1234, "ns": 0, "title": "Example article", "pageassessments": {
                "Medicine": {"class": "B", "importance": "High"},
                "Biology": {"class": "C", "importance": "Low"}}},
            {"pageid": 5678, "ns": 0, "title": "Unassessed article"}
        ]}}"#;
        let result = parse(body, &titles(&["Example article", "Unassessed article"])).unwrap();
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
        let body = r#"{"query": {"pages": [{"pageid": 1, "ns": 0, "title": "Zebra", "pageassessments": {
                "Zoology": {"class": "GA", "importance": ""}, "Africa": {"class": "Start", "importance": ""}}}]}}"#;
        let result = parse(body, &titles(&["Zebra"])).unwrap();
        assert_eq!(result[0].class.as_deref(), Some("ga"));
    }

    #[test]
    fn class_empty_or_absent_is_none() {
        assert_eq!(first_class(r#"{"Medicine": {"class": "", "importance": "High"}}"#), None);
        assert_eq!(first_class(r#"{"Medicine": {"importance": "High"}}"#), None);
        assert_eq!(first_class(r#"{}"#), None);
        assert_eq!(first_class(r#"[]"#), None);
        assert_eq!(first_class(r#"null"#), None);
        assert_eq!(first_class(r#"{"Medicine": {"class": "FA"}}"#).as_deref(), Some("fa"));
    }

    #[test]
    fn titles_resolve_through_normalisation_and_redirects() {
        let body = r#"{"batchcomplete": true, "query": {
        "normalized": [{"fromencoded": false, "from": "alpha_(redirect)", "to": "Alpha (redirect)"},
                       {"fromencoded": false, "from": "nonexistent_page", "to": "Nonexistent page"}],
        "redirects": [{"from": "Alpha (redirect)", "to": "Alpha"}],
        "pages": [
            {"pageid": 5, "ns": 0, "title": "Alpha", "pageassessments": {"Fruit": {"class": "Start", "importance": "Mid"}}},
            {"ns": 0, "title": "Nonexistent page", "missing": true}
        ]}}"#;
        let requested = titles(&["alpha_(redirect)", "Alpha", "nonexistent_page"]);
        let result = parse(body, &requested).unwrap();
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
        let body = r#"{"query": {
        "redirects": [{"from": "A", "to": "B"}, {"from": "B", "to": "C"}, {"from": "Dangling", "to": "Gone"}],
        "pages": [
            {"pageid": 3, "ns": 0, "title": "C", "pageassessments": {"P": {"class": "C", "importance": ""}}},
            {"ns": 0, "title": "Gone", "missing": true}
        ]}}"#;
        let result = parse(body, &titles(&["A", "Dangling"])).unwrap();
        assert_eq!(result[0].title, "C");
        assert_eq!(result[0].class.as_deref(), Some("c"));
        assert_eq!(result[1].requested_title, "Dangling");
        assert_eq!(result[1].title, "Gone");
        assert!(result[1].missing);
    }

    #[test]
    fn redirect_loop_stops() {
        let body = r#"{"query": {
            "redirects": [{"from": "Loop A", "to": "Loop B"}, {"from": "Loop B", "to": "Loop A"}],
            "pages": [{"pageid": 8, "ns": 0, "title": "Loop A"}, {"pageid": 9, "ns": 0, "title": "Loop B"}]}}"#;
        let result = parse(body, &titles(&["Loop A"])).unwrap();
        assert_eq!(result.len(), 1);
        assert!(result[0].page_id == Some(8) || result[0].page_id == Some(9));
    }

    #[test]
    fn assessments_split_across_continuation() {
        let requested = titles(&["medicine", "Biology"]);
        let first = r#"{"continue": {"pacontinue": "200|3", "continue": "||"}, "query": {
        "normalized": [{"fromencoded": false, "from": "medicine", "to": "Medicine"}],
        "pages": [
            {"pageid": 100, "ns": 0, "title": "Medicine", "pageassessments": {"Medicine": {"class": "B", "importance": "Top"}}},
            {"pageid": 200, "ns": 0, "title": "Biology", "pageassessments": {"Biology": {"class": "", "importance": "Top"}}}
        ]}}"#;
        let second = r#"{"batchcomplete": true, "query": {
        "normalized": [{"fromencoded": false, "from": "medicine", "to": "Medicine"}],
        "pages": [
            {"pageid": 100, "ns": 0, "title": "Medicine"},
            {"pageid": 200, "ns": 0, "title": "Biology", "pageassessments": {"Science": {"class": "GA", "importance": "High"}}}
        ]}}"#;

        let first_page = parse(first, &requested).unwrap();
        assert_eq!(first_page.len(), 2);
        assert_eq!(first_page[0].requested_title, "medicine");
        assert_eq!(first_page[0].class.as_deref(), Some("b"));
        assert_eq!(first_page[1].class, None);

        let second_page = parse(second, &requested).unwrap();
        assert_eq!(second_page.len(), 2);
        assert_eq!(second_page[0].requested_title, "medicine");
        assert_eq!(second_page[0].page_id, Some(100));
        assert_eq!(second_page[0].class, None);
        assert_eq!(second_page[1].class.as_deref(), Some("ga"));
    }

    #[test]
    fn wiki_without_extension_gives_no_classes() {
        let body = r#"{"batchcomplete": true,
            "warnings": {
                "main": {"warnings": "Unrecognized parameter: palimit."},
                "query": {"warnings": "Unrecognized value for parameter \"prop\": pageassessments"}},
            "query": {"pages": [{"pageid": 5, "ns": 0, "title": "Alpha"}]}}"#;
        assert!(lacks_page_assessments(page(body).warnings.as_ref().unwrap()));
        let result = parse(body, &titles(&["Alpha"])).unwrap();
        assert_eq!(result.len(), 1);
        assert_eq!(result[0].page_id, Some(5));
        assert_eq!(result[0].class, None);
        assert!(!result[0].missing);
    }

    #[test]
    fn other_warnings_do_not_mean_missing_extension() {
        let body = r#"{"warnings": {"main": {"warnings": "Unrecognized parameter: foo."}}, "query": {"pages": []}}"#;
        assert!(!lacks_page_assessments(page(body).warnings.as_ref().unwrap()));
        assert!(page(r#"{"query": {"pages": []}}"#).warnings.is_none());
    }

    #[test]
    fn invalid_and_interwiki_titles_are_missing() {
        let body = r#"{"query": {
            "interwiki": [{"title": "fr:Exemple", "iw": "fr"}],
            "pages": [{"title": "Bad[[title", "invalidreason": "The requested page title contains invalid characters: \"[\".", "invalid": true}]}}"#;
        let result = parse(body, &titles(&["Bad[[title", "fr:Exemple"])).unwrap();
        assert!(result[0].missing);
        assert_eq!(result[0].page_id, None);
        assert!(result[1].missing);
        assert_eq!(result[1].title, "fr:Exemple");
    }

    #[test]
    fn unmentioned_title_is_an_error() {
        let body = r#"{"query": {"pages": [{"pageid": 5, "ns": 0, "title": "Alpha"}]}}"#;
        let error = parse(body, &titles(&["Beta"])).unwrap_err();
        assert!(error.contains("\"Beta\""));
    }

    #[test]
    fn missing_pages_list_is_an_error() {
        assert!(parse(r#"{"batchcomplete": true}"#, &titles(&["Alpha"])).is_err());
    }
}
