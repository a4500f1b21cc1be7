//! A small client for the MediaWiki Action API on top of the host's `fetch`.
//!
//! It encodes parameters, switches to POST when the query string grows long, turns the API's
//! error envelope into [`ImportError`]s, logs API warnings, and carries continuation as an
//! opaque cursor: the cursor is the JSON of the `continue` object, so the next call sends all of
//! its keys back unchanged.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
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

impl<'a> ActionApi<'a> {
    pub fn new(endpoint: &'a str) -> Self {
        ActionApi { endpoint }
    }

    /// Send one request with `params` plus `format=json&formatversion=2` and return the body.
    pub fn request(&self, params: &[(&str, &str)]) -> Result<Value, ImportError> {
        let query = encode_query(params);
        let response = if query.len() > MAX_GET_QUERY_BYTES {
            http::post(self.endpoint, "application/x-www-form-urlencoded", query.into_bytes())?
        } else {
            let separator = if self.endpoint.contains('?') { '&' } else { '?' };
            http::get(&format!("{}{separator}{query}", self.endpoint))?
        };
        self.decode(response.status, http::header(&response, "content-type"), &response.body)
    }

    /// Send one `action=query` request continuing from `cursor` (`None` for the first page).
    pub fn query_page(&self, params: &[(&str, &str)], cursor: Option<&str>) -> Result<QueryPage, ImportError> {
        let sent = match cursor {
            Some(cursor) => decode_cursor(cursor)?,
            None => Vec::new(),
        };
        let mut all: Vec<(&str, &str)> = vec![("action", "query")];
        all.extend_from_slice(params);
        all.extend(sent.iter().map(|(key, value)| (key.as_str(), value.as_str())));
        let body = self.request(&all)?;
        let next_cursor = next_cursor(&body, &sent)?;
        Ok(QueryPage { body, next_cursor })
    }

    fn decode(&self, status: u16, content_type: Option<&str>, body: &[u8]) -> Result<Value, ImportError> {
        let endpoint = self.endpoint;
        if status == 404 {
            return Err(ImportError::NotFound(format!(
                "{endpoint} returned 404 Not Found; check the wiki's API URL (it usually ends in /w/api.php)"
            )));
        }
        if !(200..300).contains(&status) {
            return Err(ImportError::BadResponse(format!("{endpoint} returned HTTP {status}")));
        }
        let value: Value = serde_json::from_slice(body).map_err(|error| {
            if content_type.is_some_and(|kind| kind.starts_with("text/html")) {
                ImportError::NotFound(format!(
                    "{endpoint} returned an HTML page, not JSON, so it is not a MediaWiki Action API; \
                     use the wiki's api.php URL"
                ))
            } else {
                ImportError::BadResponse(format!("{endpoint} returned invalid JSON: {error}"))
            }
        })?;
        if let Some(error) = value.get("error") {
            return Err(api_error(endpoint, error));
        }
        log_warnings(endpoint, &value);
        Ok(value)
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

fn log_warnings(endpoint: &str, body: &Value) {
    let Some(warnings) = body.get("warnings").and_then(Value::as_object) else {
        return;
    };
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
    let Some(next) = body.get("continue") else {
        return Ok(None);
    };
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

    #[test]
    fn api_error_maps_maxlag_to_unavailable_and_bad_values_to_invalid_job() {
        let lag = api_error("https://w/api.php", &json!({"code": "maxlag", "info": "lagged"}));
        assert!(matches!(lag, ImportError::Unavailable(_)));
        let bad = api_error("https://w/api.php", &json!({"code": "toomanyvalues", "info": "Too many values"}));
        assert!(matches!(bad, ImportError::InvalidJob(ref text) if text.contains("toomanyvalues")));
    }
}
