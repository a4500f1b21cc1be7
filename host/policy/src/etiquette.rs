//! Wikimedia's API etiquette as rules: the User-Agent, the parameters every Action API
//! request carries, and what to do after a failed attempt.
//!
//! The rules follow the Wikimedia User-Agent policy and the MediaWiki API etiquette: name the
//! tool and a contact, send `maxlag` on Action API requests, honour `Retry-After` on HTTP 429
//! and on `maxlag` errors, and back off on server errors instead of retrying at once.

use std::time::{Duration, SystemTime};

use url::Url;

/// The tool's public home, sent in the User-Agent so operators can find who runs wikidash.
pub const PROJECT_URL: &str = "https://github.com/wikidash/wikidash";

/// Wait after a 429 or `maxlag` error that carries no `Retry-After`; Wikimedia's API
/// etiquette requests at least 5 seconds.
pub const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(5);

/// Settings for talking to wikis and Wikimedia services.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Etiquette {
    /// The operator's contact (an email address or a URL), sent in the User-Agent.
    pub contact: Option<String>,
    /// `maxlag` value in seconds for Action API requests.
    pub maxlag: u32,
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// First backoff after a server error or timeout; each further retry doubles it.
    pub base_backoff: Duration,
    /// Cap on any one wait, including a server's `Retry-After`.
    pub max_wait: Duration,
    /// Time limit for one attempt, from sending to the last body byte.
    pub request_timeout: Duration,
    /// Largest response body accepted, in bytes, after decompression.
    pub max_response_bytes: u64,
    /// Requests in flight at once across all hosts (one per host at most, always).
    pub max_connections: usize,
}

impl Default for Etiquette {
    fn default() -> Self {
        Etiquette {
            contact: None,
            maxlag: 5,
            max_retries: 4,
            base_backoff: Duration::from_secs(1),
            max_wait: Duration::from_secs(60),
            request_timeout: Duration::from_secs(60),
            max_response_bytes: 32 * 1024 * 1024,
            max_connections: 3,
        }
    }
}

/// The decision after a failed attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RetryDecision {
    /// Wait this long, then send the request again.
    Retry { after: Duration },
    /// Stop: the retries are used up.
    GiveUp,
}

impl Etiquette {
    /// The User-Agent header: tool name and version, the project URL, the operator's contact
    /// if set, and the HTTP library.
    pub fn user_agent(&self, tool_version: &str) -> String {
        match self.contact.as_deref().map(str::trim).filter(|contact| !contact.is_empty()) {
            Some(contact) => format!("wikidash/{tool_version} ({PROJECT_URL}; {contact}) reqwest/0.13"),
            None => format!("wikidash/{tool_version} ({PROJECT_URL}) reqwest/0.13"),
        }
    }

    /// Return `url` with the parameters every Action API request carries: JSON format
    /// version 2 and `maxlag`. Values the caller set for them are replaced.
    pub fn action_api_url(&self, url: &Url) -> Url {
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(key, _)| key != "formatversion" && key != "maxlag")
            .map(|(key, value)| (key.into_owned(), value.into_owned()))
            .collect();
        let mut rewritten = url.clone();
        {
            let mut pairs = rewritten.query_pairs_mut();
            pairs.clear();
            for (key, value) in &kept {
                pairs.append_pair(key, value);
            }
            pairs.append_pair("formatversion", "2");
            pairs.append_pair("maxlag", &self.maxlag.to_string());
        }
        rewritten
    }

    /// Decide what follows a response with `status`, where `maxlag` tells whether the body or
    /// headers carried a MediaWiki `maxlag` error. `attempt` counts from 0 for the first try.
    /// Returns `None` when the response is final and should be handed to the plugin.
    pub fn after_response(
        &self,
        status: u16,
        retry_after: Option<&str>,
        maxlag: bool,
        attempt: u32,
        now: SystemTime,
    ) -> Option<RetryDecision> {
        let retryable = maxlag || status == 429 || (500..600).contains(&status);
        if !retryable {
            return None;
        }
        if attempt >= self.max_retries {
            return Some(RetryDecision::GiveUp);
        }
        let after = if maxlag || status == 429 {
            retry_after.and_then(|value| parse_retry_after(value, now)).unwrap_or(DEFAULT_RETRY_AFTER)
        } else {
            retry_after.and_then(|value| parse_retry_after(value, now)).unwrap_or_else(|| self.backoff(attempt))
        };
        Some(RetryDecision::Retry { after: after.min(self.max_wait) })
    }

    /// Decide what follows a connection that could not be made (refused, no route, name not
    /// resolved): one retry, because a server that refuses now rarely accepts a moment later.
    pub fn after_connect_error(&self, attempt: u32) -> RetryDecision {
        if attempt >= self.max_retries.min(1) {
            RetryDecision::GiveUp
        } else {
            RetryDecision::Retry { after: self.backoff(attempt) }
        }
    }

    /// Decide what follows a failure with no usable response after the connection was made: a
    /// timeout, a dropped connection, or a truncated body.
    pub fn after_transport_error(&self, attempt: u32) -> RetryDecision {
        if attempt >= self.max_retries {
            RetryDecision::GiveUp
        } else {
            RetryDecision::Retry { after: self.backoff(attempt) }
        }
    }

    /// Exponential backoff: `base_backoff × 2^attempt`, capped at `max_wait`.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 1u32.checked_shl(attempt.min(20)).unwrap_or(u32::MAX);
        self.base_backoff.saturating_mul(factor).min(self.max_wait)
    }
}

/// Whether `url` is a MediaWiki Action API endpoint, by its path ending in `api.php`.
pub fn is_action_api(url: &Url) -> bool {
    url.path().ends_with("api.php")
}

/// Parse a `Retry-After` value: delay seconds, or an HTTP date relative to `now`.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
    }

    #[test]
    fn user_agent_names_tool_project_and_contact() {
        let mut etiquette = Etiquette::default();
        assert_eq!(etiquette.user_agent("0.1.0"), "wikidash/0.1.0 (https://github.com/wikidash/wikidash) reqwest/0.13");
        etiquette.contact = Some("organiser@example.org".into());
        assert_eq!(
            etiquette.user_agent("0.1.0"),
            "wikidash/0.1.0 (https://github.com/wikidash/wikidash; organiser@example.org) reqwest/0.13"
        );
    }

    #[test]
    fn action_api_url_forces_format_version_and_maxlag() {
        let etiquette = Etiquette { maxlag: 7, ..Etiquette::default() };
        let url =
            Url::parse("https://en.wikipedia.org/w/api.php?action=query&formatversion=1&maxlag=0&list=users").unwrap();
        let rewritten = etiquette.action_api_url(&url);
        assert_eq!(rewritten.query(), Some("action=query&list=users&formatversion=2&maxlag=7"));
    }

    #[test]
    fn action_api_is_recognised_by_path() {
        assert!(is_action_api(&Url::parse("http://127.0.0.1:8765/api.php?x=1").unwrap()));
        assert!(is_action_api(&Url::parse("https://en.wikipedia.org/w/api.php").unwrap()));
        assert!(!is_action_api(&Url::parse("https://wikimedia.org/api/rest_v1/metrics").unwrap()));
    }

    #[test]
    fn success_and_client_errors_are_final() {
        let etiquette = Etiquette::default();
        assert_eq!(etiquette.after_response(200, None, false, 0, now()), None);
        assert_eq!(etiquette.after_response(404, Some("3"), false, 0, now()), None);
    }

    #[test]
    fn rate_limit_waits_for_retry_after() {
        let etiquette = Etiquette::default();
        let decision = etiquette.after_response(429, Some("12"), false, 0, now());
        assert_eq!(decision, Some(RetryDecision::Retry { after: Duration::from_secs(12) }));
    }

    #[test]
    fn rate_limit_without_retry_after_waits_five_seconds() {
        let etiquette = Etiquette::default();
        let decision = etiquette.after_response(429, None, false, 0, now());
        assert_eq!(decision, Some(RetryDecision::Retry { after: Duration::from_secs(5) }));
    }

    #[test]
    fn maxlag_error_is_retried_even_with_status_200() {
        let etiquette = Etiquette::default();
        let decision = etiquette.after_response(200, Some("3"), true, 1, now());
        assert_eq!(decision, Some(RetryDecision::Retry { after: Duration::from_secs(3) }));
    }

    #[test]
    fn waits_are_capped_by_max_wait() {
        let etiquette = Etiquette { max_wait: Duration::from_millis(200), ..Etiquette::default() };
        let decision = etiquette.after_response(429, Some("3600"), false, 0, now());
        assert_eq!(decision, Some(RetryDecision::Retry { after: Duration::from_millis(200) }));
        assert_eq!(etiquette.backoff(10), Duration::from_millis(200));
    }

    #[test]
    fn server_errors_back_off_exponentially() {
        let etiquette = Etiquette::default();
        let waits: Vec<Duration> = (0..4)
            .map(|attempt| match etiquette.after_response(503, None, false, attempt, now()) {
                Some(RetryDecision::Retry { after }) => after,
                other => panic!("attempt {attempt}: {other:?}"),
            })
            .collect();
        assert_eq!(waits, [1, 2, 4, 8].map(Duration::from_secs));
    }

    #[test]
    fn retries_are_bounded() {
        let etiquette = Etiquette { max_retries: 2, ..Etiquette::default() };
        assert_eq!(etiquette.after_response(503, None, false, 2, now()), Some(RetryDecision::GiveUp));
        assert_eq!(etiquette.after_transport_error(2), RetryDecision::GiveUp);
        assert!(matches!(etiquette.after_connect_error(0), RetryDecision::Retry { .. }));
        assert_eq!(etiquette.after_connect_error(1), RetryDecision::GiveUp);
        assert!(matches!(etiquette.after_transport_error(1), RetryDecision::Retry { .. }));
    }

    #[test]
    fn retry_after_accepts_http_dates() {
        let later = httpdate::fmt_http_date(now() + Duration::from_secs(30));
        assert_eq!(parse_retry_after(&later, now()), Some(Duration::from_secs(30)));
        let earlier = httpdate::fmt_http_date(now() - Duration::from_secs(30));
        assert_eq!(parse_retry_after(&earlier, now()), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now()), None);
    }
}
