//! The `template-transclusions` job: pages that transclude a template, from
//! `prop=transcludedin`.

use serde::Deserialize;
use serde_json::Value;
use wikidash_plugin_sdk::action::ActionApi;
use wikidash_plugin_sdk::{ImportError, Item, Job, Output, ScopePage};

use crate::{namespace_list, prefixed_title, required_option, scope_page};

/// Read the `template` option as a title with the `Template:` prefix.
pub fn template_title(job: &Job) -> Result<String, ImportError> {
    let name = required_option(job, "template")?;
    prefixed_title(name, "Template").ok_or_else(|| {
        ImportError::InvalidJob(format!("invalid template {name:?}; give a template name such as Infobox person"))
    })
}

/// Run one call of a `template-transclusions` job.
pub fn run(job: &Job, cursor: Option<&str>) -> Result<Output, ImportError> {
    let template = template_title(job)?;
    let namespaces = namespace_list(job).iter().map(i32::to_string).collect::<Vec<_>>().join("|");
    let params = [
        ("prop", "transcludedin"),
        ("titles", template.as_str()),
        ("tinamespace", namespaces.as_str()),
        ("tilimit", "max"),
        ("tiprop", "pageid|title"),
    ];
    let page = ActionApi::new(&job.wiki).query_page(&params, cursor)?;
    let pages = parse_transclusions(&page.body).map_err(|error| match error {
        TransclusionError::InvalidTemplate(reason) => {
            ImportError::InvalidJob(format!("{}: invalid template title {template:?}: {reason}", job.wiki))
        }
        TransclusionError::Unexpected(detail) => ImportError::BadResponse(format!("{}: {detail}", job.wiki)),
    })?;
    Ok(Output { items: pages.into_iter().map(Item::ScopePage).collect(), next_cursor: page.next_cursor })
}

/// A failure to read the pages of a `prop=transcludedin` response.
#[derive(Debug, PartialEq)]
pub enum TransclusionError {
    /// The wiki rejects the template title, with its reason.
    InvalidTemplate(String),
    /// The response is not in the documented shape.
    Unexpected(String),
}

#[derive(Deserialize)]
struct TemplatePage {
    #[serde(default)]
    invalid: bool,
    invalidreason: Option<String>,
    #[serde(default)]
    transcludedin: Vec<Transclusion>,
}

#[derive(Deserialize)]
struct Transclusion {
    pageid: Option<u64>,
    ns: i32,
    title: String,
}

/// Parse one page of `prop=transcludedin&tiprop=pageid|title` results (format version 2) for
/// one template. A template page that does not exist, or one page of results that lists no
/// pages for it, gives no pages.
pub fn parse_transclusions(body: &Value) -> Result<Vec<ScopePage>, TransclusionError> {
    let pages = body
        .pointer("/query/pages")
        .ok_or_else(|| TransclusionError::Unexpected("the response has no query.pages list".into()))?;
    let pages: Vec<TemplatePage> = serde_json::from_value(pages.clone())
        .map_err(|error| TransclusionError::Unexpected(format!("unexpected page entry: {error}")))?;

    let mut scope = Vec::new();
    for page in pages {
        if page.invalid {
            return Err(TransclusionError::InvalidTemplate(
                page.invalidreason.unwrap_or_else(|| "the wiki gave no reason".into()),
            ));
        }
        scope.extend(page.transcludedin.into_iter().map(|entry| scope_page(entry.ns, &entry.title, entry.pageid)));
    }
    Ok(scope)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{page_fields, test_job};
    use serde_json::json;

    #[test]
    fn transclusions_become_scope_pages() {
        let body = json!({"continue": {"ticontinue": "7", "continue": "||"}, "query": {"pages": [
            {"pageid": 20, "ns": 10, "title": "Template:Infobox fruit", "transcludedin": [
                {"pageid": 5, "ns": 0, "title": "Alpha"},
                {"pageid": 11, "ns": 1, "title": "Talk:Alpha"},
                {"pageid": 6, "ns": 0, "title": "Beta: a fruit"}
            ]}
        ]}});
        let pages = parse_transclusions(&body).unwrap();
        assert_eq!(pages.len(), 3);
        assert_eq!(page_fields(&pages[0]), ("Alpha", Some(0), Some(5)));
        assert_eq!(page_fields(&pages[1]), ("Alpha", Some(0), None));
        assert_eq!(page_fields(&pages[2]), ("Beta: a fruit", Some(0), Some(6)));
    }

    #[test]
    fn missing_template_gives_no_pages() {
        let body = json!({"batchcomplete": true, "query": {"pages": [
            {"ns": 10, "title": "Template:Nope", "missing": true}
        ]}});
        assert!(parse_transclusions(&body).unwrap().is_empty());
    }

    #[test]
    fn template_page_without_key_gives_no_pages() {
        let body = json!({"batchcomplete": true, "query": {"pages": [
            {"pageid": 20, "ns": 10, "title": "Template:Unused"}
        ]}});
        assert!(parse_transclusions(&body).unwrap().is_empty());
    }

    #[test]
    fn invalid_template_is_rejected() {
        let body = json!({"query": {"pages": [
            {"title": "Template:Bad[[name", "invalidreason": "The requested page title contains invalid characters: \"[\".", "invalid": true}
        ]}});
        let error = parse_transclusions(&body).unwrap_err();
        assert!(matches!(error, TransclusionError::InvalidTemplate(reason) if reason.contains("invalid characters")));
    }

    #[test]
    fn response_without_pages_is_unexpected() {
        assert!(matches!(parse_transclusions(&json!({"batchcomplete": true})), Err(TransclusionError::Unexpected(_))));
    }

    #[test]
    fn template_option_gets_prefix() {
        let job = test_job("template-transclusions", &[("template", "Infobox_fruit")]);
        assert_eq!(template_title(&job).unwrap(), "Template:Infobox fruit");
        let job = test_job("template-transclusions", &[("template", "Template:Infobox fruit")]);
        assert_eq!(template_title(&job).unwrap(), "Template:Infobox fruit");
        let job = test_job("template-transclusions", &[]);
        assert!(matches!(template_title(&job), Err(ImportError::InvalidJob(text)) if text.contains("\"template\"")));
    }
}
