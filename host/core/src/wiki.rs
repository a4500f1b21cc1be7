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
         for Wikipedia that is https://LANG.wikipedia.org/w/api.php"
    )]
    NotApiPhp { url: String },
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
            return Err(WikiUrlError::NotApiPhp { url: trimmed.to_string() });
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
        assert!(error.to_string().contains("/w/api.php"));
    }

    #[test]
    fn other_schemes_are_rejected() {
        assert!(matches!(WikiUrl::parse("ftp://example.org/api.php"), Err(WikiUrlError::Scheme { .. })));
        assert!(matches!(WikiUrl::parse("en.wikipedia.org/w/api.php"), Err(WikiUrlError::Unparsable { .. })));
    }
}
