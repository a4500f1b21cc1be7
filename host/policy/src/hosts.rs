//! Allowed hosts: the origins a plugin may connect to.
//!
//! A plugin declares entries such as `https://*.wikipedia.org` or `campaign-wikis`; for each
//! job the host expands them into an [`AllowList`] and checks every request against it before
//! connecting. A denial names the origin, the plugin, and the entry that would allow it.

use std::fmt;

use thiserror::Error;
use url::Url;

/// The manifest entry that stands for the origins of the wikis of the job's campaign.
pub const CAMPAIGN_WIKIS: &str = "campaign-wikis";

/// One allowed-host entry, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostPattern {
    /// The origins of the campaign's wikis, known only when a job runs.
    CampaignWikis,
    /// `scheme://host[:port]`; `wildcard` allows any subdomain of `host` (not `host` itself).
    Origin { scheme: String, host: String, port: u16, wildcard: bool },
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum HostPatternError {
    #[error("allowed host {entry:?} has no scheme; write it as https://HOST or http://HOST:PORT")]
    NoScheme { entry: String },
    #[error("allowed host {entry:?} uses the scheme {scheme:?}; only http and https are allowed")]
    Scheme { entry: String, scheme: String },
    #[error("allowed host {entry:?} must be an origin only (scheme://host[:port]), without a path, query or user")]
    NotAnOrigin { entry: String },
    #[error(
        "allowed host {entry:?} allows too much; a wildcard must be followed by a domain with a dot, e.g. https://*.wikipedia.org"
    )]
    TooBroad { entry: String },
    #[error("allowed host {entry:?} is not a valid origin: {reason}")]
    Invalid { entry: String, reason: String },
}

impl HostPattern {
    /// Parse one manifest entry.
    pub fn parse(entry: &str) -> Result<HostPattern, HostPatternError> {
        if entry == CAMPAIGN_WIKIS {
            return Ok(HostPattern::CampaignWikis);
        }
        let Some((scheme, rest)) = entry.split_once("://") else {
            return Err(HostPatternError::NoScheme { entry: entry.to_string() });
        };
        if scheme != "http" && scheme != "https" {
            return Err(HostPatternError::Scheme { entry: entry.to_string(), scheme: scheme.to_string() });
        }
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let (wildcard, host_part) = match rest.strip_prefix("*.") {
            Some(domain) => (true, domain),
            None => (false, rest),
        };
        if host_part.contains('*') {
            return Err(HostPatternError::TooBroad { entry: entry.to_string() });
        }
        if host_part.contains(['/', '?', '#', '@']) {
            return Err(HostPatternError::NotAnOrigin { entry: entry.to_string() });
        }
        let url = Url::parse(&format!("{scheme}://{host_part}"))
            .map_err(|error| HostPatternError::Invalid { entry: entry.to_string(), reason: error.to_string() })?;
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        if host.is_empty() {
            return Err(HostPatternError::Invalid { entry: entry.to_string(), reason: "no host".into() });
        }
        if wildcard && !host.contains('.') {
            return Err(HostPatternError::TooBroad { entry: entry.to_string() });
        }
        let port = url.port_or_known_default().unwrap_or(80);
        Ok(HostPattern::Origin { scheme: scheme.to_string(), host, port, wildcard })
    }

    fn matches(&self, scheme: &str, host: &str, port: u16) -> bool {
        match self {
            HostPattern::CampaignWikis => false,
            HostPattern::Origin { scheme: allowed_scheme, host: allowed_host, port: allowed_port, wildcard } => {
                let host_matches = if *wildcard {
                    host.strip_suffix(allowed_host.as_str())
                        .is_some_and(|prefix| prefix.ends_with('.') && prefix.len() > 1)
                } else {
                    host == allowed_host
                };
                allowed_scheme == scheme && *allowed_port == port && host_matches
            }
        }
    }
}

impl fmt::Display for HostPattern {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostPattern::CampaignWikis => formatter.write_str(CAMPAIGN_WIKIS),
            HostPattern::Origin { scheme, host, port, wildcard } => {
                let star = if *wildcard { "*." } else { "" };
                let default_port = if scheme == "https" { 443 } else { 80 };
                if *port == default_port {
                    write!(formatter, "{scheme}://{star}{host}")
                } else {
                    write!(formatter, "{scheme}://{star}{host}:{port}")
                }
            }
        }
    }
}

/// The origins one plugin may reach during one job.
#[derive(Clone, Debug)]
pub struct AllowList {
    plugin: String,
    declared: Vec<HostPattern>,
    /// `campaign-wikis` expanded to the origins of the job's campaign wikis.
    campaign_wikis: Vec<HostPattern>,
}

/// A rejected request, with the reason phrased for the user.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[error("{message}")]
pub struct Denial {
    pub origin: String,
    pub message: String,
}

impl AllowList {
    /// Build the allow-list of `plugin` (id and version, for messages) from its declared
    /// entries, expanding `campaign-wikis` to `campaign_wiki_origins`.
    pub fn new(plugin: &str, declared: &[HostPattern], campaign_wiki_origins: &[String]) -> AllowList {
        let campaign_wikis = if declared.contains(&HostPattern::CampaignWikis) {
            campaign_wiki_origins.iter().filter_map(|origin| HostPattern::parse(origin).ok()).collect()
        } else {
            Vec::new()
        };
        AllowList { plugin: plugin.to_string(), declared: declared.to_vec(), campaign_wikis }
    }

    /// Decide whether the plugin may send a request to `url`.
    pub fn check(&self, url: &str) -> Result<(), Denial> {
        let parsed = Url::parse(url).map_err(|error| Denial {
            origin: url.to_string(),
            message: format!("plugin {} asked for {url:?}, which is not a valid URL: {error}", self.plugin),
        })?;
        let scheme = parsed.scheme();
        let host = parsed.host_str().unwrap_or_default().to_ascii_lowercase();
        let port = parsed.port_or_known_default().unwrap_or(0);
        let origin = parsed.origin().ascii_serialization();
        let allowed =
            self.declared.iter().chain(self.campaign_wikis.iter()).any(|pattern| pattern.matches(scheme, &host, port));
        if allowed {
            return Ok(());
        }
        Err(Denial { message: self.denial_message(&origin), origin })
    }

    fn denial_message(&self, origin: &str) -> String {
        let mut entries: Vec<String> = Vec::new();
        for pattern in &self.declared {
            match pattern {
                HostPattern::CampaignWikis => {
                    let wikis: Vec<String> = self.campaign_wikis.iter().map(ToString::to_string).collect();
                    entries.push(format!("{CAMPAIGN_WIKIS} ({})", wikis.join(", ")));
                }
                origin_pattern => entries.push(origin_pattern.to_string()),
            }
        }
        let allowed = if entries.is_empty() { "nothing".to_string() } else { entries.join(", ") };
        format!(
            "plugin {} may not connect to {origin}: it is not among the plugin's allowed hosts [{allowed}]. \
             To allow it, the plugin must list \"{origin}\" in the hosts its describe() declares \
             (or, for a campaign wiki, add the wiki to the campaign)",
            self.plugin
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(entries: &[&str], wikis: &[&str]) -> AllowList {
        let patterns: Vec<HostPattern> = entries.iter().map(|entry| HostPattern::parse(entry).unwrap()).collect();
        let wikis: Vec<String> = wikis.iter().map(|wiki| wiki.to_string()).collect();
        AllowList::new("test 0.1.0", &patterns, &wikis)
    }

    #[test]
    fn exact_origin_is_allowed() {
        let allow = list(&["https://petscan.wmcloud.org"], &[]);
        assert!(allow.check("https://petscan.wmcloud.org/?psid=1&format=json").is_ok());
        assert!(allow.check("https://petscan.wmcloud.org:443/").is_ok());
    }

    #[test]
    fn scheme_and_port_must_match() {
        let allow = list(&["https://petscan.wmcloud.org"], &[]);
        assert!(allow.check("http://petscan.wmcloud.org/").is_err());
        assert!(allow.check("https://petscan.wmcloud.org:8443/").is_err());
    }

    #[test]
    fn wildcard_allows_subdomains_but_not_the_domain_or_lookalikes() {
        let allow = list(&["https://*.wikipedia.org"], &[]);
        assert!(allow.check("https://en.wikipedia.org/w/api.php").is_ok());
        assert!(allow.check("https://de.m.wikipedia.org/w/api.php").is_ok());
        assert!(allow.check("https://wikipedia.org/").is_err());
        assert!(allow.check("https://evilwikipedia.org/").is_err());
        assert!(allow.check("https://en.wikipedia.org.evil.example/").is_err());
    }

    #[test]
    fn campaign_wikis_expand_to_the_job_wikis() {
        let allow = list(&["campaign-wikis"], &["http://127.0.0.1:8765"]);
        assert!(allow.check("http://127.0.0.1:8765/api.php?action=query").is_ok());
        assert!(allow.check("http://127.0.0.1:8766/api.php").is_err());
    }

    #[test]
    fn denial_names_origin_plugin_and_entries() {
        let allow = list(&["campaign-wikis"], &["http://127.0.0.1:8765"]);
        let denial = allow.check("https://evil.example.org/steal").unwrap_err();
        assert_eq!(denial.origin, "https://evil.example.org");
        assert!(denial.message.contains("plugin test 0.1.0"), "{}", denial.message);
        assert!(denial.message.contains("campaign-wikis (http://127.0.0.1:8765)"), "{}", denial.message);
        assert!(denial.message.contains("\"https://evil.example.org\""), "{}", denial.message);
    }

    #[test]
    fn empty_list_denies_everything() {
        let allow = list(&[], &["http://127.0.0.1:8765"]);
        let denial = allow.check("http://127.0.0.1:8765/api.php").unwrap_err();
        assert!(denial.message.contains("[nothing]"), "{}", denial.message);
    }

    #[test]
    fn host_case_is_ignored() {
        let allow = list(&["https://Commons.Wikimedia.org"], &[]);
        assert!(allow.check("https://commons.WIKIMEDIA.org/w/api.php").is_ok());
    }

    #[test]
    fn bad_entries_are_rejected_with_the_entry_named() {
        let cases = [
            ("en.wikipedia.org", "no scheme"),
            ("ftp://example.org", "scheme"),
            ("https://example.org/path", "origin only"),
            ("https://*", "too much"),
            ("https://*.org", "too much"),
            ("https://*:*", "too much"),
            ("https://user@example.org", "origin only"),
        ];
        for (entry, expected) in cases {
            let error = HostPattern::parse(entry).unwrap_err();
            let message = error.to_string();
            assert!(message.contains(&format!("{entry:?}")), "{entry}: {message}");
            assert!(message.contains(expected), "{entry}: {message}");
        }
    }

    #[test]
    fn patterns_display_as_written() {
        for entry in ["https://*.wikipedia.org", "http://127.0.0.1:8765", "campaign-wikis", "https://wikimedia.org"] {
            assert_eq!(HostPattern::parse(entry).unwrap().to_string(), entry);
        }
    }

    #[test]
    fn invalid_url_is_denied() {
        let allow = list(&["https://*.wikipedia.org"], &[]);
        assert!(allow.check("not a url").is_err());
    }
}
