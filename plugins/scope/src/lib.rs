//! The `scope` importer: the articles a campaign covers, from a category tree, a template's
//! transclusions, a PetScan query or a PagePile.
//!
//! Job kinds (each returns `scope-page` items; where the source gives namespaces, a talk page
//! is reported as its subject page):
//! - `category-members`: reads `wiki`, `namespaces` (default 0 and 1) and the options `category`
//!   (with or without the `Category:` prefix) and `depth` (0 to 3, default 0: only direct
//!   members). Lists `list=categorymembers` one page per call and visits subcategories down to
//!   `depth` levels, each category once. The cursor carries the whole traversal.
//! - `template-transclusions`: reads `wiki`, `namespaces` (default 0 and 1) and the option
//!   `template` (with or without the `Template:` prefix). Returns the pages that transclude the
//!   template (`prop=transcludedin`), continued. A template page that does not exist gives no
//!   pages.
//! - `petscan`: reads the option `psid`; the pages of that stored PetScan query, in one call.
//! - `pagepile`: reads the option `id`; first a `scope-wiki` item with the pile's wiki, then its
//!   pages, in one call. PagePile gives full titles without namespace ids, so talk pages stay
//!   as they are.
//!
//! A PetScan or PagePile body with an `error` key fails the job rather than giving an empty
//! scope, so an outage never empties a campaign.

pub mod category;
pub mod pagepile;
pub mod petscan;
pub mod template;

use wikidash_plugin_sdk::{
    API_VERSION, Guest, ImportError, Job, Output, PluginInfo, ScopePage, export_plugin, job_option,
};

/// Namespaces listed when a job names none: articles and their talk pages.
pub const DEFAULT_NAMESPACES: &[i32] = &[0, 1];

struct Plugin;

impl Guest for Plugin {
    fn describe() -> PluginInfo {
        PluginInfo {
            id: "scope".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            api_version: API_VERSION.into(),
            hosts: vec!["campaign-wikis".into(), petscan::ORIGIN.into(), pagepile::ORIGIN.into()],
            job_kinds: vec![
                "category-members".into(),
                "template-transclusions".into(),
                "petscan".into(),
                "pagepile".into(),
            ],
            description: "Campaign article scope: category trees, template transclusions, PetScan queries, PagePiles"
                .into(),
        }
    }

    fn run(job: Job, cursor: Option<String>) -> Result<Output, ImportError> {
        match job.kind.as_str() {
            "category-members" => category::run(&job, cursor.as_deref()),
            "template-transclusions" => template::run(&job, cursor.as_deref()),
            "petscan" => petscan::run(&job),
            "pagepile" => pagepile::run(&job),
            other => Err(ImportError::InvalidJob(format!(
                "the scope plugin has no job kind {other:?}; it serves category-members, \
                 template-transclusions, petscan and pagepile"
            ))),
        }
    }
}

export_plugin!(Plugin);

/// Build the scope page for a page in namespace `namespace`.
///
/// A talk page (odd namespace) becomes its subject page: the title loses everything up to and
/// including its first `:`, the namespace is the one below, and the page id is dropped because
/// it belongs to the talk page. Other titles are kept whole, colons included.
///
/// NOTE: above namespace 1 the subject title lacks its prefix (`User talk:Foo` gives `Foo` in
/// namespace 2), because the local name of the subject namespace is not known here.
pub fn scope_page(namespace: i32, title: &str, page_id: Option<u64>) -> ScopePage {
    if namespace > 0 && namespace % 2 == 1 {
        let subject = title.split_once(':').map_or(title, |(_, rest)| rest);
        return ScopePage { title: subject.to_string(), namespace: Some(namespace - 1), page_id: None };
    }
    ScopePage { title: title.to_string(), namespace: Some(namespace), page_id }
}

/// Return the job's namespaces, or [`DEFAULT_NAMESPACES`] when the job names none.
pub fn namespace_list(job: &Job) -> Vec<i32> {
    if job.namespaces.is_empty() { DEFAULT_NAMESPACES.to_vec() } else { job.namespaces.clone() }
}

/// Read the required option `name` of `job`.
fn required_option<'a>(job: &'a Job, name: &str) -> Result<&'a str, ImportError> {
    job_option(job, name)
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .ok_or_else(|| ImportError::InvalidJob(format!("a {} job needs the option {name:?}; it is missing", job.kind)))
}

/// Read the option `name` of `job` as a positive integer id.
fn positive_id_option(job: &Job, name: &str) -> Result<u64, ImportError> {
    let text = required_option(job, name)?;
    match text.parse::<u64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err(ImportError::InvalidJob(format!(
            "invalid {name} {text:?} for a {} job; it must be a positive integer",
            job.kind
        ))),
    }
}

/// Strip `prefix`, compared without regard to ASCII case, from the start of `name`.
fn strip_prefix_ignoring_case<'a>(name: &'a str, prefix: &str) -> &'a str {
    match name.get(..prefix.len()) {
        Some(start) if start.eq_ignore_ascii_case(prefix) => name[prefix.len()..].trim_start(),
        _ => name,
    }
}

/// Return `Namespace:name` for a user-given page name that may already carry the English
/// (canonical) namespace prefix, with underscores turned into spaces. Returns `None` when no
/// name remains.
fn prefixed_title(name: &str, namespace: &str) -> Option<String> {
    let name = name.trim();
    let bare = strip_prefix_ignoring_case(name, &format!("{namespace}:")).replace('_', " ");
    let bare = bare.trim();
    (!bare.is_empty()).then(|| format!("{namespace}:{bare}"))
}

/// Pick the text of an `error` key in a tool's JSON body, if there is one.
fn tool_error(body: &serde_json::Value) -> Option<String> {
    let error = body.get("error")?;
    Some(error.as_str().map(str::to_string).unwrap_or_else(|| error.to_string()))
}

/// Build a job of `kind` with `options` and every other field empty.
#[cfg(test)]
pub(crate) fn test_job(kind: &str, options: &[(&str, &str)]) -> Job {
    Job {
        kind: kind.into(),
        wiki: "https://en.wikipedia.org/w/api.php".into(),
        usernames: Vec::new(),
        page_ids: Vec::new(),
        titles: Vec::new(),
        revision_ids: Vec::new(),
        window: None,
        namespaces: Vec::new(),
        limit: None,
        options: options.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect(),
    }
}

/// Return a scope page's fields as a tuple, for comparing in tests.
#[cfg(test)]
pub(crate) fn page_fields(page: &ScopePage) -> (&str, Option<i32>, Option<u64>) {
    (page.title.as_str(), page.namespace, page.page_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn talk_pages_become_subject_pages() {
        let talk = scope_page(1, "Talk:Foo", Some(12));
        assert_eq!(talk.title, "Foo");
        assert_eq!(talk.namespace, Some(0));
        assert_eq!(talk.page_id, None);

        let portuguese = scope_page(1, "Discussão:Foo: a study", Some(13));
        assert_eq!(portuguese.title, "Foo: a study");
        assert_eq!(portuguese.namespace, Some(0));
    }

    #[test]
    fn main_namespace_titles_keep_colons() {
        let page = scope_page(0, "Star Wars: Episode IV", Some(7));
        assert_eq!(page.title, "Star Wars: Episode IV");
        assert_eq!(page.namespace, Some(0));
        assert_eq!(page.page_id, Some(7));
    }

    #[test]
    fn other_namespaces_keep_prefix() {
        let page = scope_page(4, "Wikipedia:About", Some(9));
        assert_eq!(page.title, "Wikipedia:About");
        assert_eq!(page.namespace, Some(4));
        assert_eq!(page.page_id, Some(9));
    }

    #[test]
    fn prefixed_title_accepts_both_forms() {
        assert_eq!(prefixed_title("Fruits", "Category").as_deref(), Some("Category:Fruits"));
        assert_eq!(prefixed_title("Category:Fruits", "Category").as_deref(), Some("Category:Fruits"));
        assert_eq!(prefixed_title("category:Red_fruits", "Category").as_deref(), Some("Category:Red fruits"));
        assert_eq!(prefixed_title(" Template:Infobox fruit ", "Template").as_deref(), Some("Template:Infobox fruit"));
        assert_eq!(prefixed_title("Category:", "Category"), None);
        assert_eq!(prefixed_title("  ", "Template"), None);
    }

    #[test]
    fn positive_ids_only() {
        assert_eq!(positive_id_option(&test_job("petscan", &[("psid", "123")]), "psid").unwrap(), 123);
        for bad in ["0", "-4", "12a", "1.5"] {
            let error = positive_id_option(&test_job("petscan", &[("psid", bad)]), "psid").unwrap_err();
            assert!(matches!(&error, ImportError::InvalidJob(text) if text.contains(&format!("{bad:?}"))), "{bad}");
        }
        let missing = positive_id_option(&test_job("pagepile", &[]), "id").unwrap_err();
        assert!(matches!(missing, ImportError::InvalidJob(text) if text.contains("\"id\"")));
    }

    #[test]
    fn namespaces_default_to_articles_and_talk() {
        let mut job = test_job("category-members", &[]);
        assert_eq!(namespace_list(&job), vec![0, 1]);
        job.namespaces = vec![0];
        assert_eq!(namespace_list(&job), vec![0]);
    }

    #[test]
    fn tool_error_reads_text_or_json() {
        assert_eq!(tool_error(&serde_json::json!({"error": "gone"})).as_deref(), Some("gone"));
        assert_eq!(tool_error(&serde_json::json!({"error": {"code": 1}})).as_deref(), Some("{\"code\":1}"));
        assert_eq!(tool_error(&serde_json::json!({"pages": []})), None);
    }
}
