//! Parsing of `meta=siteinfo` answers (format version 2) into the WIT `site-info` record.
//!
//! Both the `revisions` plugin (its `site-info` job) and the `users` plugin (which can ask for
//! site info in the same request as its first account lookup) use it, so the two agree on what
//! a wiki's facts are.

use serde::Deserialize;

use crate::{Namespace, SiteInfo};

/// The `siprop` value that asks for everything [`parse`] reads.
pub const PROPERTIES: &str = "general|namespaces|extensions";

#[derive(Deserialize)]
struct General {
    sitename: String,
    generator: String,
    lang: String,
    #[serde(default)]
    case: String,
}

#[derive(Deserialize)]
struct NamespaceEntry {
    id: i32,
    name: String,
    canonical: Option<String>,
    #[serde(default)]
    content: bool,
}

/// Read the site facts from a response that asked `siprop=`[`PROPERTIES`].
///
/// Namespaces come back in id order and extension names sorted, so two answers from the same
/// wiki compare equal however the wiki ordered them.
pub fn parse(body: &serde_json::Value) -> Result<SiteInfo, String> {
    let general = body.pointer("/query/general").ok_or("the response has no query.general")?;
    let general: General =
        serde_json::from_value(general.clone()).map_err(|error| format!("unexpected siteinfo general: {error}"))?;
    let namespaces = body
        .pointer("/query/namespaces")
        .and_then(serde_json::Value::as_object)
        .ok_or("the response has no query.namespaces")?;
    let mut list = Vec::with_capacity(namespaces.len());
    for entry in namespaces.values() {
        let entry: NamespaceEntry =
            serde_json::from_value(entry.clone()).map_err(|error| format!("unexpected namespace entry: {error}"))?;
        list.push(Namespace { id: entry.id, name: entry.name, canonical: entry.canonical, content: entry.content });
    }
    list.sort_by_key(|namespace| namespace.id);
    let mut extensions: Vec<String> = match body.pointer("/query/extensions").and_then(serde_json::Value::as_array) {
        Some(entries) => entries.iter().filter_map(|entry| entry.get("name")?.as_str().map(str::to_string)).collect(),
        None => Vec::new(),
    };
    extensions.sort();
    Ok(SiteInfo {
        sitename: general.sitename,
        generator: general.generator,
        lang: general.lang,
        first_letter_case: general.case != "case-sensitive",
        namespaces: list,
        extensions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn site_info_lists_namespaces_in_id_order() {
        let body = json!({"query": {
        "general": {"sitename": "TestWiki", "generator": "MediaWiki 1.39.17", "lang": "en", "case": "first-letter"},
        "namespaces": {
            "1": {"id": 1, "name": "Talk", "canonical": "Talk", "content": false},
            "0": {"id": 0, "name": "", "content": true},
            "-1": {"id": -1, "name": "Special", "canonical": "Special", "content": false}
        },
        "extensions": [{"type": "other", "name": "PageAssessments"}, {"type": "parserhook", "name": "Cite"}]}});
        let site = parse(&body).unwrap();
        assert_eq!(site.sitename, "TestWiki");
        assert!(site.first_letter_case);
        let ids: Vec<i32> = site.namespaces.iter().map(|namespace| namespace.id).collect();
        assert_eq!(ids, vec![-1, 0, 1]);
        assert!(site.namespaces[1].content);
        assert_eq!(site.namespaces[1].canonical, None);
        assert_eq!(site.extensions, ["Cite", "PageAssessments"]);
    }

    #[test]
    fn case_sensitive_wiki_has_no_first_letter_case() {
        let body = json!({"query": {
            "general": {"sitename": "Wiktionary", "generator": "MediaWiki 1.45", "lang": "en", "case": "case-sensitive"},
            "namespaces": {"0": {"id": 0, "name": "", "content": true}}}});
        let site = parse(&body).unwrap();
        assert!(!site.first_letter_case);
        assert!(site.extensions.is_empty());
    }

    #[test]
    fn answer_without_namespaces_is_an_error() {
        let body = json!({"query": {"general": {"sitename": "W", "generator": "MediaWiki", "lang": "en"}}});
        assert_eq!(parse(&body).unwrap_err(), "the response has no query.namespaces");
    }
}
