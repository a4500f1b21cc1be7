//! The `category-members` job: a breadth-first walk of a category tree, one page of
//! `list=categorymembers` per call.
//!
//! [`CategoryWalk`] is the whole traversal state and makes no requests itself. [`run`] takes
//! the category and continuation to request from it, sends the request and passes the response
//! back. The state is the job's cursor, as JSON.

use std::collections::{BTreeSet, VecDeque};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use wikidash_plugin_sdk::action::ActionApi;
use wikidash_plugin_sdk::{ImportError, Item, Job, LogLevel, Output, ScopePage, job_option, log};

use crate::{namespace_list, prefixed_title, required_option, scope_page};

/// Deepest subcategory level a job may ask for.
pub const MAX_DEPTH: u8 = 3;

/// The category namespace: members there are subcategories.
pub const CATEGORY_NAMESPACE: i32 = 14;

/// A category still to list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PendingCategory {
    /// Title with namespace prefix, e.g. `Category:Fruits`.
    pub title: String,
    /// Levels of subcategories still visited below this category; 0 lists its pages only.
    pub depth: u8,
}

/// The state of a category traversal between calls.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CategoryWalk {
    /// Categories still to list; the first one is being listed.
    pub queue: VecDeque<PendingCategory>,
    /// Every category queued so far, so each is listed once even when the tree has cycles.
    pub visited: BTreeSet<String>,
    /// The `continue` object to send for the next page of the first category, if it has more.
    #[serde(rename = "continue", default, skip_serializing_if = "Option::is_none")]
    pub continuation: Option<Map<String, Value>>,
}

/// The pages one response added to a traversal.
#[derive(Debug)]
pub struct WalkStep {
    /// Members outside the category namespace, as scope pages.
    pub pages: Vec<ScopePage>,
    /// The API sent back the continuation it was given, so the category was ended early.
    pub repeated_continuation: bool,
}

#[derive(Deserialize)]
struct Member {
    pageid: Option<u64>,
    ns: i32,
    title: String,
}

impl CategoryWalk {
    /// Start a walk at `root` (a title with prefix) that visits `depth` levels of subcategories.
    pub fn new(root: &str, depth: u8) -> CategoryWalk {
        CategoryWalk {
            queue: VecDeque::from([PendingCategory { title: root.to_string(), depth }]),
            visited: BTreeSet::from([root.to_string()]),
            continuation: None,
        }
    }

    /// Restore a walk from the cursor [`CategoryWalk::cursor`] made.
    pub fn from_cursor(cursor: &str) -> Result<CategoryWalk, String> {
        let walk: CategoryWalk = serde_json::from_str(cursor)
            .map_err(|error| format!("invalid category-members cursor {cursor:?}: {error}"))?;
        if walk.queue.is_empty() {
            return Err(format!("invalid category-members cursor {cursor:?}: it has no category left to list"));
        }
        if let Some(entry) = walk.queue.iter().find(|entry| entry.depth > MAX_DEPTH) {
            return Err(format!(
                "invalid category-members cursor: {:?} has depth {}, above the maximum of {MAX_DEPTH}",
                entry.title, entry.depth
            ));
        }
        Ok(walk)
    }

    /// Return the cursor for the next call, or `None` when every category has been listed.
    pub fn cursor(&self) -> Option<String> {
        if self.queue.is_empty() {
            return None;
        }
        Some(serde_json::to_string(self).expect("a category walk always serialises"))
    }

    /// Return the title of the category to request next.
    pub fn current(&self) -> Option<&str> {
        self.queue.front().map(|entry| entry.title.as_str())
    }

    /// Return the continuation parameters to send with the next request, as the API gave them.
    pub fn continuation_params(&self) -> Vec<(String, String)> {
        let Some(continuation) = &self.continuation else {
            return Vec::new();
        };
        continuation
            .iter()
            .map(|(key, value)| {
                let text = value.as_str().map(str::to_string).unwrap_or_else(|| value.to_string());
                (key.clone(), text)
            })
            .collect()
    }

    /// Take in the response to the request for [`CategoryWalk::current`]: queue new
    /// subcategories while depth allows, then move to the category's next page of results or to
    /// the next category.
    pub fn advance(&mut self, body: &Value) -> Result<WalkStep, String> {
        let current = self.queue.front().cloned().ok_or("the category walk has already finished")?;
        let members = parse_members(body)?;

        let mut pages = Vec::new();
        for member in members {
            if member.ns == CATEGORY_NAMESPACE {
                if current.depth > 0 && self.visited.insert(member.title.clone()) {
                    self.queue.push_back(PendingCategory { title: member.title, depth: current.depth - 1 });
                }
                continue;
            }
            pages.push(scope_page(member.ns, &member.title, member.pageid));
        }

        let next = match body.get("continue") {
            None => None,
            Some(Value::Object(object)) => Some(object.clone()),
            Some(other) => return Err(format!("`continue` is not an object: {other}")),
        };
        let repeated_continuation = next.is_some() && next == self.continuation;
        if next.is_some() && !repeated_continuation {
            self.continuation = next;
        } else {
            self.continuation = None;
            self.queue.pop_front();
        }
        Ok(WalkStep { pages, repeated_continuation })
    }
}

fn parse_members(body: &Value) -> Result<Vec<Member>, String> {
    let Some(list) = body.pointer("/query/categorymembers") else {
        // A query with no results at all may leave out `query` entirely.
        return if body.get("query").is_none() && body.get("batchcomplete").is_some() {
            Ok(Vec::new())
        } else {
            Err("the response has no query.categorymembers list".into())
        };
    };
    serde_json::from_value(list.clone()).map_err(|error| format!("unexpected categorymembers entry: {error}"))
}

/// Read the `category` option as a title with the `Category:` prefix.
pub fn root_title(job: &Job) -> Result<String, ImportError> {
    let name = required_option(job, "category")?;
    prefixed_title(name, "Category").ok_or_else(|| {
        ImportError::InvalidJob(format!("invalid category {name:?}; give a category name such as Fruits"))
    })
}

/// Read the `depth` option: 0 to [`MAX_DEPTH`], 0 when absent.
pub fn depth_option(job: &Job) -> Result<u8, ImportError> {
    let Some(text) = job_option(job, "depth") else {
        return Ok(0);
    };
    match text.trim().parse::<u8>() {
        Ok(depth) if depth <= MAX_DEPTH => Ok(depth),
        _ => Err(ImportError::InvalidJob(format!(
            "invalid depth {text:?}; it must be a whole number from 0 to {MAX_DEPTH}"
        ))),
    }
}

/// Join the namespaces to list for `cmnamespace`: the job's namespaces plus the category
/// namespace, so subcategories come back.
pub fn member_namespaces(namespaces: &[i32]) -> String {
    let mut all: Vec<i32> = namespaces.to_vec();
    all.push(CATEGORY_NAMESPACE);
    all.sort_unstable();
    all.dedup();
    all.iter().map(i32::to_string).collect::<Vec<_>>().join("|")
}

/// Run one call of a `category-members` job.
pub fn run(job: &Job, cursor: Option<&str>) -> Result<Output, ImportError> {
    let mut walk = match cursor {
        Some(cursor) => CategoryWalk::from_cursor(cursor).map_err(ImportError::InvalidJob)?,
        None => CategoryWalk::new(&root_title(job)?, depth_option(job)?),
    };
    let title = walk.current().map(str::to_string).unwrap_or_default();
    let namespaces = member_namespaces(&namespace_list(job));
    let continuation = walk.continuation_params();
    let mut params: Vec<(&str, &str)> = vec![
        ("action", "query"),
        ("list", "categorymembers"),
        ("cmtitle", title.as_str()),
        ("cmprop", "ids|title|type"),
        ("cmnamespace", namespaces.as_str()),
        ("cmlimit", "max"),
    ];
    params.extend(continuation.iter().map(|(key, value)| (key.as_str(), value.as_str())));

    let body = ActionApi::new(&job.wiki).request(&params)?;
    let step = walk.advance(&body).map_err(|error| ImportError::BadResponse(format!("{}: {error}", job.wiki)))?;
    if step.repeated_continuation {
        log(
            LogLevel::Warn,
            &format!("{}: the API repeated the continuation for {title}; moving on to the next category", job.wiki),
        );
    }
    let items = step.pages.into_iter().map(Item::ScopePage).collect();
    Ok(Output { items, next_cursor: walk.cursor() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{page_fields, test_job};
    use serde_json::json;

    /// Return the canned response for a category tree with cycles (Sub 1 lists Root again, Sub 4
    /// lists Sub 1) and one category (Sub 2) whose members span two pages of results.
    fn respond(title: &str, continuation: &[(String, String)]) -> Value {
        let member = |pageid: u64, ns: i32, title: &str| json!({"pageid": pageid, "ns": ns, "title": title});
        match (title, continuation.is_empty()) {
            ("Category:Root", true) => json!({"batchcomplete": true, "query": {"categorymembers": [
                member(1, 0, "Alpha"), member(2, 1, "Talk:Beta"),
                member(10, 14, "Category:Sub 1"), member(11, 14, "Category:Sub 2")]}}),
            ("Category:Sub 1", true) => json!({"batchcomplete": true, "query": {"categorymembers": [
                member(3, 0, "Gamma"), member(9, 14, "Category:Root"), member(12, 14, "Category:Sub 3")]}}),
            ("Category:Sub 2", true) => json!({"batchcomplete": true,
                "continue": {"cmcontinue": "page|44454c5441|4", "continue": "-||"},
                "query": {"categorymembers": [member(4, 0, "Delta: the sequel")]}}),
            ("Category:Sub 2", false) => {
                assert!(continuation.contains(&("cmcontinue".to_string(), "page|44454c5441|4".to_string())));
                assert!(continuation.contains(&("continue".to_string(), "-||".to_string())));
                json!({"batchcomplete": true, "query": {"categorymembers": [member(5, 0, "Epsilon")]}})
            }
            ("Category:Sub 3", true) => json!({"batchcomplete": true, "query": {"categorymembers": [
                member(6, 0, "Zeta"), member(13, 14, "Category:Sub 4")]}}),
            ("Category:Sub 4", true) => json!({"batchcomplete": true, "query": {"categorymembers": [
                member(7, 0, "Eta"), member(10, 14, "Category:Sub 1")]}}),
            other => panic!("unexpected request {other:?}"),
        }
    }

    /// Drive a walk to the end as the host would, through the cursor, and return the requested
    /// categories and the titles of the pages found.
    fn walk_to_end(depth: u8) -> (Vec<String>, Vec<String>) {
        let mut cursor = CategoryWalk::new("Category:Root", depth).cursor();
        let mut requests = Vec::new();
        let mut titles = Vec::new();
        while let Some(text) = cursor {
            assert!(requests.len() < 20, "the walk does not end");
            let mut walk = CategoryWalk::from_cursor(&text).unwrap();
            let title = walk.current().unwrap().to_string();
            let body = respond(&title, &walk.continuation_params());
            requests.push(title);
            let step = walk.advance(&body).unwrap();
            assert!(!step.repeated_continuation);
            titles.extend(step.pages.into_iter().map(|page| page.title));
            cursor = walk.cursor();
        }
        (requests, titles)
    }

    #[test]
    fn depth_zero_lists_root_only() {
        let (requests, titles) = walk_to_end(0);
        assert_eq!(requests, vec!["Category:Root"]);
        assert_eq!(titles, vec!["Alpha", "Beta"]);
    }

    #[test]
    fn depth_one_adds_direct_subcategories() {
        let (requests, titles) = walk_to_end(1);
        assert_eq!(requests, vec!["Category:Root", "Category:Sub 1", "Category:Sub 2", "Category:Sub 2"]);
        assert_eq!(titles, vec!["Alpha", "Beta", "Gamma", "Delta: the sequel", "Epsilon"]);
    }

    #[test]
    fn depth_two_stops_before_fourth_level() {
        let (requests, titles) = walk_to_end(2);
        assert_eq!(
            requests,
            vec!["Category:Root", "Category:Sub 1", "Category:Sub 2", "Category:Sub 2", "Category:Sub 3"]
        );
        assert_eq!(titles, vec!["Alpha", "Beta", "Gamma", "Delta: the sequel", "Epsilon", "Zeta"]);
    }

    #[test]
    fn depth_three_survives_cycles() {
        let (requests, titles) = walk_to_end(3);
        assert_eq!(
            requests,
            vec![
                "Category:Root",
                "Category:Sub 1",
                "Category:Sub 2",
                "Category:Sub 2",
                "Category:Sub 3",
                "Category:Sub 4"
            ]
        );
        assert_eq!(titles, vec!["Alpha", "Beta", "Gamma", "Delta: the sequel", "Epsilon", "Zeta", "Eta"]);
    }

    #[test]
    fn members_become_scope_pages() {
        let mut walk = CategoryWalk::new("Category:Root", 0);
        let step = walk.advance(&respond("Category:Root", &[])).unwrap();
        assert_eq!(page_fields(&step.pages[0]), ("Alpha", Some(0), Some(1)));
        assert_eq!(page_fields(&step.pages[1]), ("Beta", Some(0), None));
        assert_eq!(walk.cursor(), None);
    }

    #[test]
    fn cursor_carries_queue_visited_and_continuation() {
        let mut walk = CategoryWalk::new("Category:Root", 1);
        walk.advance(&respond("Category:Root", &[])).unwrap();
        walk.advance(&respond("Category:Sub 1", &[])).unwrap();
        walk.advance(&respond("Category:Sub 2", &[])).unwrap();
        let cursor = walk.cursor().unwrap();
        let restored = CategoryWalk::from_cursor(&cursor).unwrap();
        assert_eq!(restored, walk);
        assert_eq!(restored.current(), Some("Category:Sub 2"));
        assert!(restored.visited.contains("Category:Sub 1"));
        assert_eq!(restored.continuation_params().len(), 2);
    }

    #[test]
    fn repeated_continuation_ends_category() {
        let mut walk = CategoryWalk::new("Category:Loop", 0);
        let body = json!({"continue": {"cmcontinue": "page|4c|1", "continue": "-||"},
            "query": {"categorymembers": [{"pageid": 1, "ns": 0, "title": "Alpha"}]}});
        let first = walk.advance(&body).unwrap();
        assert!(!first.repeated_continuation);
        assert!(walk.cursor().is_some());
        let second = walk.advance(&body).unwrap();
        assert!(second.repeated_continuation);
        assert_eq!(second.pages.len(), 1);
        assert_eq!(walk.cursor(), None);
    }

    #[test]
    fn empty_category_ends_walk() {
        let mut walk = CategoryWalk::new("Category:Nope", 2);
        let step = walk.advance(&json!({"batchcomplete": true, "query": {"categorymembers": []}})).unwrap();
        assert!(step.pages.is_empty());
        assert_eq!(walk.cursor(), None);
    }

    #[test]
    fn response_without_members_is_an_error() {
        let mut walk = CategoryWalk::new("Category:Root", 0);
        assert!(walk.advance(&json!({"query": {}})).is_err());
    }

    #[test]
    fn cursor_rejects_garbage_and_deep_entries() {
        assert!(CategoryWalk::from_cursor("3").is_err());
        assert!(CategoryWalk::from_cursor(r#"{"queue": [], "visited": []}"#).is_err());
        let too_deep = r#"{"queue": [{"title": "Category:A", "depth": 9}], "visited": ["Category:A"]}"#;
        assert!(CategoryWalk::from_cursor(too_deep).unwrap_err().contains("depth 9"));
    }

    #[test]
    fn options_give_root_and_depth() {
        let job = test_job("category-members", &[("category", "Red_fruits"), ("depth", "2")]);
        assert_eq!(root_title(&job).unwrap(), "Category:Red fruits");
        assert_eq!(depth_option(&job).unwrap(), 2);
        let job = test_job("category-members", &[("category", "Category:Fruits")]);
        assert_eq!(root_title(&job).unwrap(), "Category:Fruits");
        assert_eq!(depth_option(&job).unwrap(), 0);
    }

    #[test]
    fn options_reject_bad_values() {
        for depth in ["4", "-1", "deep"] {
            let job = test_job("category-members", &[("category", "Fruits"), ("depth", depth)]);
            let error = depth_option(&job).unwrap_err();
            assert!(matches!(&error, ImportError::InvalidJob(text) if text.contains(&format!("{depth:?}"))), "{depth}");
        }
        let job = test_job("category-members", &[]);
        assert!(matches!(root_title(&job), Err(ImportError::InvalidJob(text)) if text.contains("\"category\"")));
        let job = test_job("category-members", &[("category", "Category:")]);
        assert!(matches!(root_title(&job), Err(ImportError::InvalidJob(_))));
    }

    #[test]
    fn namespaces_always_include_categories() {
        assert_eq!(member_namespaces(&[0, 1]), "0|1|14");
        assert_eq!(member_namespaces(&[14, 0]), "0|14");
    }
}
