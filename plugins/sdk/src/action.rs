//! A small client for the MediaWiki Action API on top of the host's `fetch`.
//!
//! It encodes parameters, switches to POST when the query string grows long, turns the API's
//! error envelope into [`ImportError`]s, logs API warnings, and carries continuation as an
//! opaque cursor: the cursor is the JSON of the `continue` object, so the next call sends all of
//! its keys back unchanged.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::{ImportError, LogLevel, http, log};

/// Query strings longer than this many bytes go in a POST body instead of the URL: long title
/// lists otherwise hit HTTP 414 on some wikis.
pub const MAX_GET_QUERY_BYTES: usize = 2000;

/// Characters left unescaped in form values: the unreserved set of RFC 3986.
const FORM_VALUE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Error codes that mean "try again later" rather than "this request is wrong".
const TRANSIENT_ERROR_CODES: &[&str] =
    &["maxlag", "ratelimited", "readonly", "dberror", "internal_api_error_DBQueryError"];

/// One wiki's Action API endpoint, e.g. `https://en.wikipedia.org/w/api.php`.
pub struct ActionApi<'a> {
    endpoint: &'a str,
}

/// One page of a continued query: the decoded body and the cursor for the next page.
pub struct QueryPage {
    pub body: Value,
    pub next_cursor: Option<String>,
}

/// One page of a continued query whose `query` part is decoded straight into `Q`, without an
/// intermediate [`Value`]: the fast path for large lists.
pub struct TypedPage<Q> {
    /// The `query` part; `None` when the answer has none (a query with no results may leave
    /// it out).
    pub query: Option<Q>,
    /// Whether the answer says `batchcomplete`.
    pub batch_complete: bool,
    /// The API's warnings by module ([`ActionApi::query_page_as`] logs them).
    pub warnings: Option<Map<String, Value>>,
    pub next_cursor: Option<String>,
}

/// The parts of an answer's envelope a typed page reads; other keys are skipped unparsed.
#[derive(Deserialize)]
struct Envelope<Q> {
    error: Option<Value>,
    warnings: Option<Map<String, Value>>,
    #[serde(rename = "continue")]
    next: Option<Value>,
    query: Option<Q>,
    #[serde(default)]
    batchcomplete: bool,
}

impl<'a> ActionApi<'a> {
    pub fn new(endpoint: &'a str) -> Self {
        ActionApi { endpoint }
    }

    /// Send one request with `params` plus `format=json&formatversion=2` and return the body.
    pub fn request(&self, params: &[(&str, &str)]) -> Result<Value, ImportError> {
        let response = self.send(params)?;
        let value: Value = serde_json::from_slice(&response.body)
            .map_err(|error| not_json(self.endpoint, http::header(&response, "content-type"), &error))?;
        if let Some(error) = value.get("error") {
            return Err(api_error(self.endpoint, error));
        }
        if let Some(warnings) = value.get("warnings").and_then(Value::as_object) {
            log_warnings(self.endpoint, warnings);
        }
        Ok(value)
    }

    /// Send one `action=query` request continuing from `cursor` (`None` for the first page).
    pub fn query_page(&self, params: &[(&str, &str)], cursor: Option<&str>) -> Result<QueryPage, ImportError> {
        let sent = match cursor {
            Some(cursor) => decode_cursor(cursor)?,
            None => Vec::new(),
        };
        let body = self.request(&query_params(params, &sent))?;
        let next_cursor = next_cursor(&body, &sent)?;
        Ok(QueryPage { body, next_cursor })
    }

    /// Like [`ActionApi::query_page`], decoding the `query` part into `Q` directly.
    pub fn query_page_as<Q: DeserializeOwned>(
        &self,
        params: &[(&str, &str)],
        cursor: Option<&str>,
    ) -> Result<TypedPage<Q>, ImportError> {
        let sent = match cursor {
            Some(cursor) => decode_cursor(cursor)?,
            None => Vec::new(),
        };
        let response = self.send(&query_params(params, &sent))?;
        let page = decode_page(self.endpoint, http::header(&response, "content-type"), &response.body, &sent)?;
        if let Some(warnings) = &page.warnings {
            log_warnings(self.endpoint, warnings);
        }
        Ok(page)
    }

    /// Send the request and return the response if its status is a success.
    fn send(&self, params: &[(&str, &str)]) -> Result<crate::Response, ImportError> {
        let query = encode_query(params);
        let response = if query.len() > MAX_GET_QUERY_BYTES {
            http::post(self.endpoint, "application/x-www-form-urlencoded", query.into_bytes())?
        } else {
            let separator = if self.endpoint.contains('?') { '&' } else { '?' };
            http::get(&format!("{}{separator}{query}", self.endpoint))?
        };
        let endpoint = self.endpoint;
        match response.status {
            200..=299 => Ok(response),
            404 => Err(ImportError::NotFound(format!(
                "{endpoint} returned 404 Not Found; check the wiki's API URL (it usually ends in /w/api.php)"
            ))),
            status => Err(ImportError::BadResponse(format!("{endpoint} returned HTTP {status}"))),
        }
    }
}

/// `action=query`, then `params`, then the continuation parameters `sent`.
fn query_params<'a>(params: &[(&'a str, &'a str)], sent: &'a [(String, String)]) -> Vec<(&'a str, &'a str)> {
    let mut all: Vec<(&str, &str)> = vec![("action", "query")];
    all.extend_from_slice(params);
    all.extend(sent.iter().map(|(key, value)| (key.as_str(), value.as_str())));
    all
}

/// Decode a successful answer from `endpoint` to a query continued with `sent` (empty for
/// the first page) into a [`TypedPage`], turning the API's error envelope into an
/// [`ImportError`]. Apart from a warning when the API repeats a continuation, it calls no host
/// function, so it also runs outside a component.
pub fn decode_page<Q: DeserializeOwned>(
    endpoint: &str,
    content_type: Option<&str>,
    body: &[u8],
    sent: &[(String, String)],
) -> Result<TypedPage<Q>, ImportError> {
    let envelope: Envelope<Q> =
        serde_json::from_slice(body).map_err(|error| not_json(endpoint, content_type, &error))?;
    if let Some(error) = &envelope.error {
        return Err(api_error(endpoint, error));
    }
    let next_cursor = match &envelope.next {
        Some(next) => continuation(next, sent)?,
        None => None,
    };
    Ok(TypedPage {
        query: envelope.query,
        batch_complete: envelope.batchcomplete,
        warnings: envelope.warnings,
        next_cursor,
    })
}

/// The error for a body that does not parse: an HTML page means the URL is not an Action API.
fn not_json(endpoint: &str, content_type: Option<&str>, error: &serde_json::Error) -> ImportError {
    if content_type.is_some_and(|kind| kind.starts_with("text/html")) {
        ImportError::NotFound(format!(
            "{endpoint} returned an HTML page, not JSON, so it is not a MediaWiki Action API; use the wiki's api.php URL"
        ))
    } else if error.is_syntax() || error.is_eof() {
        ImportError::BadResponse(format!("{endpoint} returned invalid JSON: {error}"))
    } else {
        ImportError::BadResponse(format!("{endpoint} returned an unexpected answer: {error}"))
    }
}

fn api_error(endpoint: &str, error: &Value) -> ImportError {
    let code = error.get("code").and_then(Value::as_str).unwrap_or("unknown");
    let info = error.get("info").and_then(Value::as_str).unwrap_or("no details");
    let message = format!("{endpoint} returned API error {code}: {info}");
    if TRANSIENT_ERROR_CODES.contains(&code) || code.starts_with("internal_api_error") {
        ImportError::Unavailable(message)
    } else {
        ImportError::InvalidJob(message)
    }
}

fn log_warnings(endpoint: &str, warnings: &Map<String, Value>) {
    for (module, warning) in warnings {
        let text =
            warning.get("warnings").and_then(Value::as_str).map(str::to_string).unwrap_or_else(|| warning.to_string());
        log(LogLevel::Warn, &format!("{endpoint}: API warning from {module}: {text}"));
    }
}

/// Percent-encode `params` as `application/x-www-form-urlencoded`, always asking for JSON
/// format version 2.
pub fn encode_query(params: &[(&str, &str)]) -> String {
    let mut parts = vec!["format=json".to_string(), "formatversion=2".to_string()];
    for (key, value) in params {
        if matches!(*key, "format" | "formatversion") {
            continue;
        }
        parts.push(format!("{}={}", utf8_percent_encode(key, FORM_VALUE), utf8_percent_encode(value, FORM_VALUE)));
    }
    parts.join("&")
}

/// Decode a cursor made by [`next_cursor`] into the parameters to send.
pub fn decode_cursor(cursor: &str) -> Result<Vec<(String, String)>, ImportError> {
    let object: Map<String, Value> = serde_json::from_str(cursor)
        .map_err(|error| ImportError::InvalidJob(format!("invalid cursor {cursor:?}: {error}")))?;
    object
        .into_iter()
        .map(|(key, value)| match value {
            Value::String(text) => Ok((key, text)),
            Value::Number(number) => Ok((key, number.to_string())),
            other => Err(ImportError::InvalidJob(format!("invalid cursor value for {key}: {other}"))),
        })
        .collect()
}

/// Return the cursor for the page after `body`, or `None` when the query is complete.
///
/// A `continue` object equal to the one just sent would loop forever (GlobalUsage has had
/// that bug), so it ends the query with a warning instead.
pub fn next_cursor(body: &Value, sent: &[(String, String)]) -> Result<Option<String>, ImportError> {
    match body.get("continue") {
        Some(next) => continuation(next, sent),
        None => Ok(None),
    }
}

/// The cursor for a `continue` value, or `None` when it repeats `sent`.
fn continuation(next: &Value, sent: &[(String, String)]) -> Result<Option<String>, ImportError> {
    let Some(object) = next.as_object() else {
        return Err(ImportError::BadResponse(format!("`continue` is not an object: {next}")));
    };
    let cursor = Value::Object(object.clone()).to_string();
    if !sent.is_empty() && decode_cursor(&cursor)? == sent {
        log(LogLevel::Warn, &format!("the API repeated the continuation {cursor}; stopping this query"));
        return Ok(None);
    }
    Ok(Some(cursor))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn encode_query_escapes_values_and_forces_json_v2() {
        let query = encode_query(&[("ucuser", "Alice|Bob Smith"), ("format", "xml")]);
        assert_eq!(query, "format=json&formatversion=2&ucuser=Alice%7CBob%20Smith");
    }

    #[test]
    fn cursor_round_trips_every_continue_key() {
        let body = json!({"continue": {"uccontinue": "20200115120000|19", "continue": "-||"}});
        let cursor = next_cursor(&body, &[]).unwrap().unwrap();
        let mut pairs = decode_cursor(&cursor).unwrap();
        pairs.sort();
        assert_eq!(
            pairs,
            vec![
                ("continue".to_string(), "-||".to_string()),
                ("uccontinue".to_string(), "20200115120000|19".to_string())
            ]
        );
    }

    #[test]
    fn next_cursor_is_none_without_continue() {
        assert!(next_cursor(&json!({"batchcomplete": true}), &[]).unwrap().is_none());
    }

    #[derive(Deserialize)]
    struct Titles {
        pages: Vec<Value>,
    }

    #[test]
    fn typed_page_reads_query_and_continuation() {
        let body = br#"{"batchcomplete": true, "limits": {"x": 1}, "continue": {"gcmcontinue": "page|4", "continue": "gcmcontinue||"},
            "query": {"pages": [{"title": "A"}, {"title": "B"}]}}"#;
        let page: TypedPage<Titles> = decode_page("https://w/api.php", Some("application/json"), body, &[]).unwrap();
        assert!(page.batch_complete);
        assert_eq!(page.query.unwrap().pages.len(), 2);
        let mut pairs = decode_cursor(&page.next_cursor.unwrap()).unwrap();
        pairs.sort();
        assert_eq!(pairs[1], ("gcmcontinue".to_string(), "page|4".to_string()));
    }

    #[test]
    fn typed_page_turns_api_errors_into_import_errors() {
        let body = br#"{"error": {"code": "maxlag", "info": "Waiting for a database server"}}"#;
        let error = decode_page::<Titles>("https://w/api.php", Some("application/json"), body, &[]).err().unwrap();
        assert!(matches!(error, ImportError::Unavailable(ref text) if text.contains("maxlag")), "{error:?}");
    }

    #[test]
    fn typed_page_tells_html_from_a_wrong_shape() {
        let html = decode_page::<Titles>("https://w/", Some("text/html; charset=utf-8"), b"<!DOCTYPE html>", &[]);
        assert!(matches!(html.err().unwrap(), ImportError::NotFound(_)));
        let shape = decode_page::<Titles>("https://w/api.php", None, br#"{"query": {"pages": 3}}"#, &[]);
        assert!(
            matches!(shape.err().unwrap(), ImportError::BadResponse(ref text) if text.contains("unexpected answer")),
        );
    }

    #[test]
    fn api_error_maps_maxlag_to_unavailable_and_bad_values_to_invalid_job() {
        let lag = api_error("https://w/api.php", &json!({"code": "maxlag", "info": "lagged"}));
        assert!(matches!(lag, ImportError::Unavailable(_)));
        let bad = api_error("https://w/api.php", &json!({"code": "toomanyvalues", "info": "Too many values"}));
        assert!(matches!(bad, ImportError::InvalidJob(ref text) if text.contains("toomanyvalues")));
    }
}
