//! Wiki endpoints: the Action API URL that identifies a wiki in a campaign.

use serde::{Deserialize, Serialize};
use thiserror::Error;
use url::Url;

/// A wiki's Action API URL, e.g. `https://en.wikipedia.org/w/api.php`, checked and in a
/// canonical form (no query string or fragment), so that one wiki has one spelling.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct WikiUrl(String);

#[derive(Debug, Error, PartialEq, Eq)]
pub enum WikiUrlError {
    #[error("{url:?} is not a valid URL ({reason}); give the wiki's API URL, e.g. https://en.wikipedia.org/w/api.php")]
    Unparsable { url: String, reason: String },
    #[error("{url:?} uses the scheme {scheme:?}; wikis are reached over http or https")]
    Scheme { url: String, scheme: String },
    #[error("{url:?} has no host; give the wiki's full API URL, e.g. https://en.wikipedia.org/w/api.php")]
    NoHost { url: String },
    #[error(
        "{url:?} is not an Action API URL: its path does not end in api.php; \
         on Wikimedia wikis the API is at {suggestion}"
    )]
    NotApiPhp { url: String, suggestion: String },
}

impl WikiUrl {
    /// Check `text` and return its canonical form.
    pub fn parse(text: &str) -> Result<WikiUrl, WikiUrlError> {
        let trimmed = text.trim();
        let mut url = Url::parse(trimmed)
            .map_err(|error| WikiUrlError::Unparsable { url: trimmed.to_string(), reason: error.to_string() })?;
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err(WikiUrlError::Scheme { url: trimmed.to_string(), scheme: url.scheme().to_string() });
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(WikiUrlError::NoHost { url: trimmed.to_string() });
        }
        if !url.path().ends_with("api.php") {
            let suggestion = format!("{}/w/api.php", url.origin().ascii_serialization());
            return Err(WikiUrlError::NotApiPhp { url: trimmed.to_string(), suggestion });
        }
        url.set_query(None);
        url.set_fragment(None);
        Ok(WikiUrl(url.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The origin, `scheme://host[:port]`, which the plugin allow-list matches against.
    pub fn origin(&self) -> String {
        let url = Url::parse(&self.0).expect("a WikiUrl is always a valid URL");
        url.origin().ascii_serialization()
    }

    /// The host name, e.g. `en.wikipedia.org`.
    pub fn host(&self) -> String {
        let url = Url::parse(&self.0).expect("a WikiUrl is always a valid URL");
        url.host_str().unwrap_or_default().to_string()
    }
}

/// The Action API of Wikimedia Commons, where uploads to Wikimedia wikis live.
pub const COMMONS_API: &str = "https://commons.wikimedia.org/w/api.php";

/// Wikimedia projects with one wiki per language, as `{language}.{project}.org`.
const LANGUAGE_PROJECTS: &[&str] =
    &["wikipedia", "wiktionary", "wikibooks", "wikinews", "wikiquote", "wikisource", "wikiversity", "wikivoyage"];

/// A Wikimedia wiki as Wikimedia's services name it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WikimediaProject {
    /// Language code (`en`, `pt-br`), or the site for `wikimedia` wikis (`commons`, `meta`);
    /// `None` for Wikidata and multilingual Wikisource.
    pub language: Option<String>,
    /// `wikipedia`, `wiktionary`, …, `wikidata`, or `wikimedia`.
    pub project: String,
}

impl WikimediaProject {
    /// The project as the pageviews API names it: `en.wikipedia`, `wikidata`,
    /// `commons.wikimedia`.
    pub fn pageviews_project(&self) -> String {
        match &self.language {
            Some(language) => format!("{language}.{}", self.project),
            None => self.project.clone(),
        }
    }

    /// `(project, language)` as the reference counter names them, or `None` where it has no
    /// data (Wikidata). Multilingual Wikisource is `www`.
    pub fn reference_counter_path(&self) -> Option<(String, String)> {
        if self.project == "wikidata" {
            return None;
        }
        Some((self.project.clone(), self.language.clone().unwrap_or_else(|| "www".into())))
    }

    /// The database name Lift Wing's models use, e.g. `enwiki`; Wikipedias only.
    pub fn wikipedia_database(&self) -> Option<String> {
        match (&self.language, self.project.as_str()) {
            (Some(language), "wikipedia") => Some(format!("{}wiki", language.replace('-', "_"))),
            _ => None,
        }
    }
}

impl WikiUrl {
    /// The Wikimedia project this wiki is, or `None` for wikis outside Wikimedia.
    pub fn wikimedia_project(&self) -> Option<WikimediaProject> {
        let host = self.host();
        let host = host.strip_suffix('.').unwrap_or(&host);
        match host {
            "www.wikidata.org" | "wikidata.org" => {
                return Some(WikimediaProject { language: None, project: "wikidata".into() });
            }
            "wikisource.org" | "www.wikisource.org" => {
                return Some(WikimediaProject { language: None, project: "wikisource".into() });
            }
            _ => {}
        }
        let (site, domain) = host.split_once('.')?;
        if domain == "wikimedia.org" {
            return Some(WikimediaProject { language: Some(site.to_string()), project: "wikimedia".into() });
        }
        let project = domain.strip_suffix(".org")?;
        LANGUAGE_PROJECTS
            .contains(&project)
            .then(|| WikimediaProject { language: Some(site.to_string()), project: project.to_string() })
    }
}

impl std::fmt::Display for WikiUrl {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl TryFrom<String> for WikiUrl {
    type Error = WikiUrlError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        WikiUrl::parse(&text)
    }
}

impl From<WikiUrl> for String {
    fn from(url: WikiUrl) -> String {
        url.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wikipedia_api_url_is_accepted() {
        let url = WikiUrl::parse("https://en.wikipedia.org/w/api.php").unwrap();
        assert_eq!(url.as_str(), "https://en.wikipedia.org/w/api.php");
        assert_eq!(url.origin(), "https://en.wikipedia.org");
        assert_eq!(url.host(), "en.wikipedia.org");
    }

    #[test]
    fn local_wiki_keeps_its_port() {
        let url = WikiUrl::parse("http://127.0.0.1:8765/api.php").unwrap();
        assert_eq!(url.origin(), "http://127.0.0.1:8765");
    }

    #[test]
    fn query_and_fragment_are_dropped() {
        let url = WikiUrl::parse(" https://en.wikipedia.org/w/api.php?action=query#x ").unwrap();
        assert_eq!(url.as_str(), "https://en.wikipedia.org/w/api.php");
    }

    #[test]
    fn article_url_is_rejected_with_a_hint() {
        let error = WikiUrl::parse("https://en.wikipedia.org/wiki/Main_Page").unwrap_err();
        assert!(matches!(error, WikiUrlError::NotApiPhp { .. }));
        assert!(error.to_string().contains("the API is at https://en.wikipedia.org/w/api.php"), "{error}");
    }

    #[test]
    fn wikimedia_projects_are_named_for_their_services() {
        let en = WikiUrl::parse("https://en.wikipedia.org/w/api.php").unwrap().wikimedia_project().unwrap();
        assert_eq!(en.pageviews_project(), "en.wikipedia");
        assert_eq!(en.reference_counter_path(), Some(("wikipedia".into(), "en".into())));
        assert_eq!(en.wikipedia_database().as_deref(), Some("enwiki"));

        let wikidata = WikiUrl::parse("https://www.wikidata.org/w/api.php").unwrap().wikimedia_project().unwrap();
        assert_eq!(wikidata.pageviews_project(), "wikidata");
        assert_eq!(wikidata.reference_counter_path(), None);
        assert_eq!(wikidata.wikipedia_database(), None);

        let commons = WikiUrl::parse(COMMONS_API).unwrap().wikimedia_project().unwrap();
        assert_eq!(commons.pageviews_project(), "commons.wikimedia");
        assert_eq!(commons.reference_counter_path(), Some(("wikimedia".into(), "commons".into())));

        let source = WikiUrl::parse("https://wikisource.org/w/api.php").unwrap().wikimedia_project().unwrap();
        assert_eq!(source.reference_counter_path(), Some(("wikisource".into(), "www".into())));

        let simple = WikiUrl::parse("https://zh-min-nan.wikipedia.org/w/api.php").unwrap().wikimedia_project().unwrap();
        assert_eq!(simple.wikipedia_database().as_deref(), Some("zh_min_nanwiki"));
    }

    #[test]
    fn other_wikis_are_not_wikimedia_projects() {
        for url in [
            "http://127.0.0.1:8765/api.php",
            "https://wiki.example.org/w/api.php",
            "https://en.wikipedia.com/w/api.php",
        ] {
            assert_eq!(WikiUrl::parse(url).unwrap().wikimedia_project(), None, "{url}");
        }
    }

    #[test]
    fn other_schemes_are_rejected() {
        assert!(matches!(WikiUrl::parse("ftp://example.org/api.php"), Err(WikiUrlError::Scheme { .. })));
        assert!(matches!(WikiUrl::parse("en.wikipedia.org/w/api.php"), Err(WikiUrlError::Unparsable { .. })));
    }
}
