//! The HTTP client: pacing, retries, limits and error classification.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use thiserror::Error;
use tokio::sync::Semaphore;
use tracing::{debug, warn};
use url::Url;
use wikidash_policy::Etiquette;
use wikidash_policy::etiquette::{RetryDecision, is_action_api};

use crate::stats::HostStats;

/// Request headers the client owns; values a caller sets for them are dropped.
const RESERVED_HEADERS: &[&str] =
    &["user-agent", "accept-encoding", "host", "content-length", "connection", "transfer-encoding", "te", "upgrade"];

/// A `maxlag` error body is small; larger bodies are not searched for one.
const MAXLAG_BODY_PROBE_BYTES: usize = 4096;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

#[derive(Clone, Debug)]
pub struct HttpRequest {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

#[derive(Clone, Debug)]
pub struct HttpResponse {
    pub status: u16,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    /// The decompressed body.
    pub body: Vec<u8>,
}

/// Failure to deliver a final response.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum FetchError {
    #[error("invalid request to {url:?}: {reason}")]
    InvalidRequest { url: String, reason: String },
    #[error("{origin} did not answer within {timeout:?} ({attempts} attempts)")]
    TimedOut { origin: String, timeout: Duration, attempts: u32 },
    #[error(
        "{origin} is unreachable: {detail} ({attempts} attempts); check that the server is running and the URL \
         is right, and the network connection"
    )]
    Unreachable { origin: String, detail: String, attempts: u32 },
    #[error("{origin} kept failing: {detail} ({attempts} attempts)")]
    Unavailable { origin: String, detail: String, attempts: u32 },
    #[error("{origin} sent a response larger than the limit of {limit} bytes")]
    TooLarge { origin: String, limit: u64 },
    #[error("{origin} sent an unreadable response: {detail} ({attempts} attempts)")]
    Malformed { origin: String, detail: String, attempts: u32 },
}

/// One attempt's outcome, before retry decisions.
enum Attempt {
    Response(HttpResponse),
    TimedOut,
    Unreachable(String),
    Malformed(String),
    TooLarge,
}

/// A URL prefix the client sends somewhere else: a mirror, a local test wiki, a fixture
/// server. Allow-lists, pacing and counters still see the original URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rewrite {
    pub from: String,
    pub to: String,
}

/// The shared HTTP client. Cheap to clone; clones share pacing and counters.
#[derive(Clone)]
pub struct HttpClient {
    inner: Arc<Inner>,
}

struct Inner {
    client: reqwest::Client,
    etiquette: Etiquette,
    rewrites: Vec<Rewrite>,
    connections: Semaphore,
    /// One lock per origin: held for a whole request, retries and waits included, so a host
    /// that asked us to wait gets no other request meanwhile.
    origins: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    stats: Mutex<HashMap<String, HostStats>>,
}

impl HttpClient {
    /// Build a client that follows `etiquette`; `tool_version` goes into the User-Agent.
    pub fn new(etiquette: Etiquette, tool_version: &str) -> Result<HttpClient, FetchError> {
        Self::with_rewrites(etiquette, tool_version, Vec::new())
    }

    /// Build a client that also sends URLs starting with a rewrite's `from` to its `to`.
    pub fn with_rewrites(
        etiquette: Etiquette,
        tool_version: &str,
        rewrites: Vec<Rewrite>,
    ) -> Result<HttpClient, FetchError> {
        let client = reqwest::Client::builder()
            .user_agent(etiquette.user_agent(tool_version))
            .gzip(true)
            .timeout(etiquette.request_timeout)
            .connect_timeout(etiquette.request_timeout.min(Duration::from_secs(15)))
            // Redirects come back to the caller, which checks each target against the plugin's
            // allowed hosts before following it.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|error| FetchError::InvalidRequest {
                url: String::new(),
                reason: format!("cannot build the HTTP client: {error}"),
            })?;
        let connections = Semaphore::new(etiquette.max_connections.max(1));
        Ok(HttpClient {
            inner: Arc::new(Inner {
                client,
                etiquette,
                rewrites,
                connections,
                origins: Mutex::default(),
                stats: Mutex::default(),
            }),
        })
    }

    pub fn etiquette(&self) -> &Etiquette {
        &self.inner.etiquette
    }

    /// Counters per origin since the client was built.
    pub fn stats(&self) -> HashMap<String, HostStats> {
        self.inner.stats.lock().expect("stats lock").clone()
    }

    /// Send `request`, retrying as the etiquette allows, and return the final response.
    pub async fn fetch(&self, request: HttpRequest) -> Result<HttpResponse, FetchError> {
        let url = self.prepare_url(&request.url)?;
        let request = if is_action_api(&url) { without_etiquette_params(request) } else { request };
        let origin = url.origin().ascii_serialization();
        self.count(&origin, |stats| stats.requests += 1);

        let target = self.rewritten(url);
        let origin_lock = self.origin_lock(&origin);
        let _in_flight = origin_lock.lock().await;
        let result = self.fetch_with_retries(&request, &target, &origin).await;
        if result.is_err() {
            self.count(&origin, |stats| stats.failures += 1);
        }
        result
    }

    /// Return `url` with the first matching rewrite applied.
    fn rewritten(&self, url: Url) -> Url {
        let text = url.as_str();
        for rewrite in &self.inner.rewrites {
            if let Some(rest) = text.strip_prefix(rewrite.from.as_str())
                && let Ok(target) = Url::parse(&format!("{}{rest}", rewrite.to))
            {
                debug!(from = %url, to = %target, "rewrote request URL");
                return target;
            }
        }
        url
    }

    fn prepare_url(&self, text: &str) -> Result<Url, FetchError> {
        let url = Url::parse(text)
            .map_err(|error| FetchError::InvalidRequest { url: text.to_string(), reason: error.to_string() })?;
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err(FetchError::InvalidRequest {
                url: text.to_string(),
                reason: format!("the scheme {:?} is not supported; use http or https", url.scheme()),
            });
        }
        if is_action_api(&url) { Ok(self.inner.etiquette.action_api_url(&url)) } else { Ok(url) }
    }

    async fn fetch_with_retries(
        &self,
        request: &HttpRequest,
        url: &Url,
        origin: &str,
    ) -> Result<HttpResponse, FetchError> {
        let etiquette = &self.inner.etiquette;
        let mut attempt: u32 = 0;
        loop {
            let started = Instant::now();
            let outcome = {
                let _connection = self.inner.connections.acquire().await.expect("the semaphore is never closed");
                self.count(origin, |stats| stats.attempts += 1);
                self.attempt(request, url).await
            };
            let elapsed_ms = started.elapsed().as_millis() as u64;

            let (decision, failure) = match outcome {
                Attempt::Response(response) => {
                    let maxlag = is_maxlag(&response);
                    let retry_after = header(&response, "retry-after");
                    debug!(origin, status = response.status, elapsed_ms, attempt, "HTTP response");
                    match etiquette.after_response(response.status, retry_after, maxlag, attempt, SystemTime::now()) {
                        None => return Ok(response),
                        Some(decision) => {
                            let detail = if maxlag {
                                "the wiki is lagged (maxlag)".to_string()
                            } else {
                                format!("HTTP {}", response.status)
                            };
                            if decision != RetryDecision::GiveUp {
                                self.count(origin, |stats| {
                                    if maxlag {
                                        stats.lagged += 1;
                                    } else if response.status == 429 {
                                        stats.rate_limited += 1;
                                    }
                                });
                            }
                            let failure =
                                FetchError::Unavailable { origin: origin.to_string(), detail, attempts: attempt + 1 };
                            (decision, failure)
                        }
                    }
                }
                Attempt::TooLarge => {
                    return Err(FetchError::TooLarge {
                        origin: origin.to_string(),
                        limit: etiquette.max_response_bytes,
                    });
                }
                Attempt::TimedOut => (
                    etiquette.after_transport_error(attempt),
                    FetchError::TimedOut {
                        origin: origin.to_string(),
                        timeout: etiquette.request_timeout,
                        attempts: attempt + 1,
                    },
                ),
                Attempt::Unreachable(detail) => (
                    etiquette.after_connect_error(attempt),
                    FetchError::Unreachable { origin: origin.to_string(), detail, attempts: attempt + 1 },
                ),
                Attempt::Malformed(detail) => (
                    etiquette.after_transport_error(attempt),
                    FetchError::Malformed { origin: origin.to_string(), detail, attempts: attempt + 1 },
                ),
            };

            match decision {
                RetryDecision::GiveUp => {
                    warn!(origin, error = %failure, "HTTP request failed after its retries");
                    return Err(failure);
                }
                RetryDecision::Retry { after } => {
                    warn!(origin, error = %failure, wait_ms = after.as_millis() as u64, attempt, "retrying HTTP request");
                    self.count(origin, |stats| stats.waited_ms += after.as_millis() as u64);
                    tokio::time::sleep(after).await;
                    attempt += 1;
                }
            }
        }
    }

    async fn attempt(&self, request: &HttpRequest, url: &Url) -> Attempt {
        let method = match request.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
        };
        let mut builder = self.inner.client.request(method, url.clone());
        for (name, value) in &request.headers {
            if !RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
                builder = builder.header(name, value);
            }
        }
        if let (Method::Post, Some(body)) = (request.method, &request.body) {
            builder = builder.body(body.clone());
        }
        let mut response = match builder.send().await {
            Ok(response) => response,
            Err(error) => return classify(&error),
        };

        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| (name.as_str().to_string(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
            .collect();
        let limit = self.inner.etiquette.max_response_bytes;
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() as u64 + chunk.len() as u64 > limit {
                        return Attempt::TooLarge;
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(error) if error.is_timeout() => return Attempt::TimedOut,
                Err(error) => return Attempt::Malformed(error_chain(&error)),
            }
        }
        Attempt::Response(HttpResponse { status, headers, body })
    }

    fn origin_lock(&self, origin: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut origins = self.inner.origins.lock().expect("origins lock");
        origins.entry(origin.to_string()).or_default().clone()
    }

    fn count(&self, origin: &str, update: impl FnOnce(&mut HostStats)) {
        let mut stats = self.inner.stats.lock().expect("stats lock");
        update(stats.entry(origin.to_string()).or_default());
    }
}

fn classify(error: &reqwest::Error) -> Attempt {
    if error.is_timeout() {
        Attempt::TimedOut
    } else if error.is_connect() {
        Attempt::Unreachable(root_cause(error))
    } else {
        // The connection closed before or while the response head arrived.
        Attempt::Malformed(error_chain(error))
    }
}

/// The innermost cause of `error`, e.g. "Connection refused (os error 111)".
fn root_cause(error: &dyn std::error::Error) -> String {
    let mut cause = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

/// Format the error and its sources in one line, e.g. "error sending request: connection refused".
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Drop `formatversion` and `maxlag` from a form-encoded Action API POST body, so the values
/// the client puts in the URL are the only ones the wiki sees.
fn without_etiquette_params(mut request: HttpRequest) -> HttpRequest {
    let is_form = request.headers.iter().any(|(name, value)| {
        name.eq_ignore_ascii_case("content-type") && value.starts_with("application/x-www-form-urlencoded")
    });
    if let (Method::Post, true, Some(body)) = (request.method, is_form, &request.body) {
        let kept: Vec<(String, String)> = url::form_urlencoded::parse(body)
            .filter(|(key, _)| key != "formatversion" && key != "maxlag")
            .map(|(key, value)| (key.into_owned(), value.into_owned()))
            .collect();
        let encoded = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&kept).finish();
        request.body = Some(encoded.into_bytes());
    }
    request
}

fn header<'a>(response: &'a HttpResponse, name: &str) -> Option<&'a str> {
    response.headers.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
}

/// Whether `response` is MediaWiki's `maxlag` error, which carries the
/// `MediaWiki-API-Error: maxlag` header and a small JSON body with error code `maxlag`.
fn is_maxlag(response: &HttpResponse) -> bool {
    if header(response, "mediawiki-api-error") == Some("maxlag") {
        return true;
    }
    if response.body.len() > MAXLAG_BODY_PROBE_BYTES {
        return false;
    }
    let text = String::from_utf8_lossy(&response.body);
    text.contains("\"error\"") && (text.contains("\"code\":\"maxlag\"") || text.contains("\"code\": \"maxlag\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, headers: &[(&str, &str)], body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: headers.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn maxlag_is_recognised_by_header_or_body() {
        assert!(is_maxlag(&response(200, &[("mediawiki-api-error", "maxlag")], "{}")));
        assert!(is_maxlag(&response(200, &[], r#"{"error":{"code":"maxlag","info":"Waiting"}}"#)));
        assert!(!is_maxlag(&response(200, &[("mediawiki-api-error", "badvalue")], r#"{"error":{"code":"badvalue"}}"#)));
        assert!(!is_maxlag(&response(200, &[], r#"{"query":{"pages":[{"title":"\"code\":\"maxlag\""}]}}"#)));
    }

    #[test]
    fn action_api_requests_get_etiquette_parameters() {
        let client = HttpClient::new(Etiquette::default(), "0.1.0").unwrap();
        let url = client.prepare_url("http://127.0.0.1:1/api.php?action=query&format=json").unwrap();
        assert_eq!(url.query(), Some("action=query&format=json&formatversion=2&maxlag=5"));
        let other = client.prepare_url("https://wikimedia.org/api/rest_v1/x?y=1").unwrap();
        assert_eq!(other.query(), Some("y=1"));
    }

    #[test]
    fn rewrites_replace_the_first_matching_prefix() {
        let rewrites = vec![
            Rewrite { from: "https://en.wikipedia.org/w/".into(), to: "http://127.0.0.1:8765/".into() },
            Rewrite { from: "https://wikimedia.org/".into(), to: "http://127.0.0.1:9000/".into() },
        ];
        let client = HttpClient::with_rewrites(Etiquette::default(), "0.1.0", rewrites).unwrap();
        let wiki = client.rewritten(Url::parse("https://en.wikipedia.org/w/api.php?action=query").unwrap());
        assert_eq!(wiki.as_str(), "http://127.0.0.1:8765/api.php?action=query");
        let views = client.rewritten(Url::parse("https://wikimedia.org/api/rest_v1/x/HIV%2FAIDS").unwrap());
        assert_eq!(views.as_str(), "http://127.0.0.1:9000/api/rest_v1/x/HIV%2FAIDS");
        let other = client.rewritten(Url::parse("https://de.wikipedia.org/w/api.php").unwrap());
        assert_eq!(other.as_str(), "https://de.wikipedia.org/w/api.php");
    }

    #[test]
    fn post_body_loses_etiquette_params() {
        let request = HttpRequest {
            method: Method::Post,
            url: "http://127.0.0.1:1/api.php".into(),
            headers: vec![("Content-Type".into(), "application/x-www-form-urlencoded".into())],
            body: Some(b"action=query&maxlag=-1&titles=A%7CB&formatversion=1".to_vec()),
        };
        let cleaned = without_etiquette_params(request);
        assert_eq!(cleaned.body.unwrap(), b"action=query&titles=A%7CB");
    }

    #[test]
    fn unsupported_scheme_is_an_invalid_request() {
        let client = HttpClient::new(Etiquette::default(), "0.1.0").unwrap();
        let error = client.prepare_url("file:///etc/passwd").unwrap_err();
        assert!(matches!(error, FetchError::InvalidRequest { .. }));
        assert!(error.to_string().contains("use http or https"));
    }

    #[tokio::test]
    async fn refused_connection_is_unreachable_after_one_retry() {
        let etiquette = Etiquette { max_retries: 2, base_backoff: Duration::from_millis(1), ..Etiquette::default() };
        let client = HttpClient::new(etiquette, "0.1.0").unwrap();
        // Bind and drop a listener so its port is closed.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let request =
            HttpRequest { method: Method::Get, url: format!("http://127.0.0.1:{port}/"), headers: vec![], body: None };
        let error = client.fetch(request).await.unwrap_err();
        assert!(matches!(error, FetchError::Unreachable { attempts: 2, .. }), "{error:?}");
        assert!(error.to_string().contains("Connection refused"), "{error}");
        let stats = &client.stats()[&format!("http://127.0.0.1:{port}")];
        assert_eq!(stats.attempts, 2);
        assert_eq!(stats.failures, 1);
    }
}
