//! The `pagepile` job: the pages of a PagePile, a fixed list of pages on one wiki.

use serde::Deserialize;
use serde_json::Value;
use wikidash_plugin_sdk::{ImportError, Item, Job, Output, ScopePage, http};

use crate::{positive_id_option, tool_error};

/// The PagePile origin, as listed in the plugin's hosts.
pub const ORIGIN: &str = "https://pagepile.toolforge.org";

/// Wikis whose host is not `{language}.{project}.org`: (project or language code, database
/// name, host).
const SPECIAL_WIKIS: &[(&str, &str, &str)] = &[
    ("wikidata", "wikidatawiki", "www.wikidata.org"),
    ("commons", "commonswiki", "commons.wikimedia.org"),
    ("meta", "metawiki", "meta.wikimedia.org"),
    ("species", "specieswiki", "species.wikimedia.org"),
    ("mediawiki", "mediawikiwiki", "www.mediawiki.org"),
];

/// Database-name suffixes of the Wikimedia projects and the project each stands for.
const PROJECT_SUFFIXES: &[(&str, &str)] = &[
    ("wiktionary", "wiktionary"),
    ("wikibooks", "wikibooks"),
    ("wikinews", "wikinews"),
    ("wikiquote", "wikiquote"),
    ("wikisource", "wikisource"),
    ("wikiversity", "wikiversity"),
    ("wikivoyage", "wikivoyage"),
    ("wiki", "wikipedia"),
];

/// Return the URL that returns pile `id` as JSON.
pub fn pagepile_url(id: u64) -> String {
    format!("{ORIGIN}/api.php?id={id}&action=get_data&format=json")
}

/// Run a `pagepile` job: one request, the pile's wiki and then all its pages.
pub fn run(job: &Job) -> Result<Output, ImportError> {
    let id = positive_id_option(job, "id")?;
    let url = pagepile_url(id);
    let response = http::get(&url)?;
    let items = parse_pagepile(&url, response.status, &response.body)?;
    Ok(Output { items, next_cursor: None })
}

#[derive(Deserialize)]
struct Pile {
    language: Option<String>,
    project: Option<String>,
    wiki: Option<String>,
    pages: Vec<String>,
    pages_returned: Option<u64>,
    pages_total: Option<u64>,
}

/// Parse a PagePile `get_data` response for `url`: a `scope-wiki` item with the pile's Action
/// API URL, then one `scope-page` per title. The titles carry their namespace prefix, which
/// PagePile does not break out, so the items have no namespace.
pub fn parse_pagepile(url: &str, status: u16, body: &[u8]) -> Result<Vec<Item>, ImportError> {
    let value: Option<Value> = serde_json::from_slice(body).ok();
    if let Some(error) = value.as_ref().and_then(tool_error) {
        return Err(ImportError::BadResponse(format!("{url}: PagePile reported an error: {error:?}")));
    }
    match status {
        200 => {}
        404 => {
            return Err(ImportError::NotFound(format!("{url} returned 404 Not Found; check the PagePile id")));
        }
        other => return Err(ImportError::BadResponse(format!("{url} returned HTTP {other}"))),
    }
    let value = value.ok_or_else(|| ImportError::BadResponse(format!("{url} returned a body that is not JSON")))?;
    let pile: Pile = serde_json::from_value(value)
        .map_err(|error| ImportError::BadResponse(format!("{url}: unexpected PagePile body: {error}")))?;

    if let (Some(returned), Some(total)) = (pile.pages_returned, pile.pages_total)
        && (returned != total || total != pile.pages.len() as u64)
    {
        return Err(ImportError::BadResponse(format!(
            "{url}: the pile has {total} pages but the response lists {} (pages_returned {returned})",
            pile.pages.len()
        )));
    }
    let api_url = pile_api_url(pile.language.as_deref(), pile.project.as_deref(), pile.wiki.as_deref())
        .map_err(|error| ImportError::BadResponse(format!("{url}: {error}")))?;

    let mut items = Vec::with_capacity(pile.pages.len() + 1);
    items.push(Item::ScopeWiki(api_url));
    for title in pile.pages {
        items.push(Item::ScopePage(ScopePage { title: title.replace('_', " "), namespace: None, page_id: None }));
    }
    Ok(items)
}

/// Build the Action API URL of a pile's wiki from its `language` and `project`, or from its
/// database name (`wiki`, e.g. `enwiki`) when those are missing.
pub fn pile_api_url(language: Option<&str>, project: Option<&str>, wiki: Option<&str>) -> Result<String, String> {
    let language = language.filter(|text| !text.is_empty());
    let project = project.filter(|text| !text.is_empty());
    let host = match (language, project, wiki.filter(|text| !text.is_empty())) {
        (Some(language), Some(project), _) => host_from_language_project(language, project)?,
        (_, _, Some(wiki)) => host_from_database_name(wiki)?,
        _ => return Err("the pile names no wiki: it has neither language and project nor wiki".into()),
    };
    Ok(format!("https://{host}/w/api.php"))
}

fn host_from_language_project(language: &str, project: &str) -> Result<String, String> {
    for name in [language, project] {
        if !is_host_label(name) {
            return Err(format!("invalid wiki name {name:?} in the pile"));
        }
    }
    if let Some((_, _, host)) = SPECIAL_WIKIS.iter().find(|(code, _, _)| *code == project || *code == language) {
        return Ok(host.to_string());
    }
    Ok(format!("{language}.{project}.org"))
}

fn host_from_database_name(wiki: &str) -> Result<String, String> {
    if let Some((_, _, host)) = SPECIAL_WIKIS.iter().find(|(_, database, _)| *database == wiki) {
        return Ok(host.to_string());
    }
    for (suffix, project) in PROJECT_SUFFIXES {
        if let Some(code) = wiki.strip_suffix(suffix) {
            // Database names write the `-` of language codes as `_`, e.g. `zh_min_nanwiki`.
            let language = code.replace('_', "-");
            if is_host_label(&language) {
                return Ok(format!("{language}.{project}.org"));
            }
        }
    }
    Err(format!("unknown wiki {wiki:?} in the pile"))
}

/// Check that `text` is a DNS label as Wikimedia language and project codes use them.
fn is_host_label(text: &str) -> bool {
    !text.is_empty()
        && !text.starts_with('-')
        && text.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page_fields;
    use serde_json::json;

    const URL: &str = "https://pagepile.toolforge.org/api.php?id=51805&action=get_data&format=json";

    fn parse(body: Value) -> Result<Vec<Item>, ImportError> {
        parse_pagepile(URL, 200, body.to_string().as_bytes())
    }

    #[test]
    fn url_names_id_and_action() {
        assert_eq!(pagepile_url(51805), URL);
    }

    #[test]
    fn pile_gives_wiki_then_pages() {
        let items = parse(json!({"id": 51805, "language": "de", "project": "wikipedia", "wiki": "dewiki",
            "pages": ["Berlin", "Diskussion:Berlin_Mitte", "Star_Wars:_Episode_IV"],
            "pages_returned": 3, "pages_total": 3}))
        .unwrap();
        assert_eq!(items.len(), 4);
        assert!(matches!(&items[0], Item::ScopeWiki(url) if url == "https://de.wikipedia.org/w/api.php"));
        let Item::ScopePage(first) = &items[1] else { panic!("item 1 should be a page") };
        assert_eq!(page_fields(first), ("Berlin", None, None));
        let Item::ScopePage(second) = &items[2] else { panic!("item 2 should be a page") };
        assert_eq!(second.title, "Diskussion:Berlin Mitte");
        let Item::ScopePage(third) = &items[3] else { panic!("item 3 should be a page") };
        assert_eq!(third.title, "Star Wars: Episode IV");
    }

    #[test]
    fn wiki_from_language_and_project() {
        assert_eq!(
            pile_api_url(Some("en"), Some("wikipedia"), Some("enwiki")).unwrap(),
            "https://en.wikipedia.org/w/api.php"
        );
        assert_eq!(pile_api_url(Some("fr"), Some("wikisource"), None).unwrap(), "https://fr.wikisource.org/w/api.php");
        assert_eq!(pile_api_url(Some("www"), Some("wikidata"), None).unwrap(), "https://www.wikidata.org/w/api.php");
        assert_eq!(
            pile_api_url(Some("wikidata"), Some("wikipedia"), None).unwrap(),
            "https://www.wikidata.org/w/api.php"
        );
        assert_eq!(
            pile_api_url(Some("commons"), Some("wikimedia"), None).unwrap(),
            "https://commons.wikimedia.org/w/api.php"
        );
        assert_eq!(
            pile_api_url(Some("meta"), Some("wikimedia"), None).unwrap(),
            "https://meta.wikimedia.org/w/api.php"
        );
    }

    #[test]
    fn language_and_project_win_over_wiki() {
        assert_eq!(
            pile_api_url(Some("de"), Some("wikipedia"), Some("enwiki")).unwrap(),
            "https://de.wikipedia.org/w/api.php"
        );
    }

    #[test]
    fn wiki_from_database_name() {
        let cases = [
            ("enwiki", "https://en.wikipedia.org/w/api.php"),
            ("zh_min_nanwiki", "https://zh-min-nan.wikipedia.org/w/api.php"),
            ("frwiktionary", "https://fr.wiktionary.org/w/api.php"),
            ("dewikisource", "https://de.wikisource.org/w/api.php"),
            ("wikidatawiki", "https://www.wikidata.org/w/api.php"),
            ("commonswiki", "https://commons.wikimedia.org/w/api.php"),
            ("metawiki", "https://meta.wikimedia.org/w/api.php"),
        ];
        for (wiki, expected) in cases {
            assert_eq!(pile_api_url(None, Some(""), Some(wiki)).unwrap(), expected, "wiki {wiki:?}");
        }
    }

    #[test]
    fn unusable_wiki_names_are_errors() {
        assert!(pile_api_url(None, None, None).is_err());
        assert!(pile_api_url(Some("en/evil"), Some("wikipedia"), None).is_err());
        assert!(pile_api_url(Some("en"), Some("wikipedia.example.com#"), None).is_err());
        assert!(pile_api_url(None, None, Some("notawikiname")).is_err());
        let error = parse(json!({"pages": ["Berlin"]})).unwrap_err();
        assert!(matches!(error, ImportError::BadResponse(text) if text.contains("names no wiki")));
    }

    #[test]
    fn error_body_is_an_error() {
        let error = parse(json!({"error": "No such pile 99999999"})).unwrap_err();
        assert!(matches!(error, ImportError::BadResponse(text) if text.contains("No such pile 99999999")));
    }

    #[test]
    fn truncated_pile_is_an_error() {
        let error = parse(json!({"language": "de", "project": "wikipedia", "pages": ["Berlin"],
            "pages_returned": 1, "pages_total": 1747}))
        .unwrap_err();
        assert!(matches!(error, ImportError::BadResponse(text) if text.contains("1747")));
    }

    #[test]
    fn empty_pile_gives_only_wiki() {
        let items = parse(json!({"language": "en", "project": "wikipedia", "pages": []})).unwrap();
        assert_eq!(items.len(), 1);
        assert!(matches!(&items[0], Item::ScopeWiki(_)));
    }

    #[test]
    fn odd_statuses_are_errors() {
        assert!(matches!(parse_pagepile(URL, 404, b""), Err(ImportError::NotFound(_))));
        assert!(matches!(parse_pagepile(URL, 403, b""), Err(ImportError::BadResponse(text)) if text.contains("403")));
        assert!(matches!(parse_pagepile(URL, 200, b"<html>"), Err(ImportError::BadResponse(_))));
    }
}
